"""How a target is probed: the input grids, the row layout, and per-point values and slopes.

A target is called on float32 tensors of shape ``(n, WIDTH)``. An *elementwise* target (the
output has the input's shape and changing one input changes only its own output) is probed
with one scalar ``x`` per element; a *row-wise* one with rows ``x = base + t·v`` along a fixed
direction ``v``, studied through ``F(t) = sum(c · f(x))`` for a fixed cotangent ``c`` (see the
package docstring). `Probe.evaluate` returns per-point values ``F`` and slopes ``dF`` either way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import ops

from actlab.activations.elu import EXP_OVERFLOW_FLOAT32
from actlab.autodiff import quiet_retracing, vjp_input
from actlab.determinism import xla_allowed

if TYPE_CHECKING:
    from actlab.checkup.targets import Target

FLT_MAX = float(np.finfo(np.float32).max)
#: Inputs beyond this magnitude only warn (forward_finite, gradient_finite).
LARGE_INPUT = 1e4
WIDTH = 4  # features of every probe input
SHAPE_RANGE = 6.0  # gradient_correct / kinks / gradient_alive on [-6, 6]
SHAPE_STEP = 0.02  # 601 points, exact multiples of 0.02 (0, ±0.5, ±1, ... included)
RANDOM_CELL = 0.005  # one seeded random point per cell of [-6, 6] (2,400 points)
N_NEAR_ZERO = 200  # seeded uniform points on [-0.05, 0.05]
N_LOG = 1000  # seeded log-uniform magnitudes from 1e-8 to 1e4, random signs


def to_numpy(t) -> np.ndarray | None:
    """A backend tensor as a NumPy array; None for anything that is not one tensor."""
    if t is None or isinstance(t, (tuple, list, dict)):
        return None
    return np.asarray(ops.convert_to_numpy(t))


def first_line(exc: BaseException) -> str:
    """The message of `exc` in one line. TensorFlow's autograph wraps an error raised inside a
    traced function as ``in user code: File ..., line N, in f: <source> ... Type: message``:
    the cause is its last line, and the user's frame says where (``(in f, file.py line N:
    <source>)``)."""
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0] == "in user code:":
        cause = lines[-1].removeprefix(f"{type(exc).__name__}: ")
        frame = next(
            (i for i in range(len(lines) - 1, 0, -1) if lines[i].startswith("File ")), None
        )
        if frame is not None:
            where = re.match(r'File "([^"]+)", line (\d+), in (\S+)', lines[frame])
            if where:
                source = lines[frame + 1] if frame + 1 < len(lines) - 1 else ""
                cause += (
                    f" (in {where[3]}, {Path(where[1]).name} line {where[2]}"
                    + (f": {source}" if source else "")
                    + ")"
                )
        return cause[:300]
    return lines[0][:300]


def fmt(values) -> str:
    return ", ".join(f"{v:.6g}" for v in values)


def backend() -> str:
    return keras.backend.backend()


@contextlib.contextmanager
def xla_context() -> Iterator[None]:
    """XLA allowed under TF op determinism (`actlab.determinism.xla_allowed`); TensorFlow's
    retracing warnings silenced (every target compiles new functions on purpose)."""
    with xla_allowed(), quiet_retracing():
        yield


def range_grid() -> tuple[np.ndarray, np.ndarray]:
    """`(grid, beyond)`: inputs up to |x| = 1e4 (0, ±subnormals, log-spaced magnitudes, the
    values around ln(FLT_MAX) = 88.72) and the larger ones checked with a warning only."""
    tiny = [1e-45, 1e-40, float(np.finfo(np.float32).tiny)]
    mags = np.logspace(-30, 4, 35)
    mid = np.arange(1, 25) * 0.25
    overflow = [
        10,
        11,
        11.1,
        12,
        20,
        40,
        80,
        85,
        88,
        88.5,
        88.7,
        88.72,
        EXP_OVERFLOW_FLOAT32,
        88.73,
        88.75,
        89,
        90,
        100,
        200,
        500,
        1000,
        5000,
    ]
    pos = np.unique(np.concatenate([tiny, mags, mid, overflow]).astype("float32").astype("float64"))
    grid = np.concatenate([-pos[::-1], [0.0], pos])
    big = np.array([1e5, 6e4, 1e6, 1e8, 1e10, 1e13, 1e15, 1e20, 1e30, 1e38, FLT_MAX])
    big = np.unique(big.astype("float32").astype("float64"))
    return grid, np.concatenate([-big[::-1], big])


def shape_grid() -> np.ndarray:
    n = int(round(SHAPE_RANGE / SHAPE_STEP))
    return np.arange(-n, n + 1) * SHAPE_STEP


def random_points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`(inside, outside)`: seeded random probe points off the fixed grids, on [-6, 6] and
    beyond it up to |x| = 1e4 (the same seed gives the same points).

    On [-6, 6]: one uniform point in every cell of width `RANDOM_CELL` (so every interval of
    width 2 × `RANDOM_CELL` = 0.01 holds at least one), `N_NEAR_ZERO` uniform points on
    [-0.05, 0.05]; and `N_LOG` log-uniform magnitudes from 1e-8 to 1e4 with random signs,
    split at |x| = 6.
    """
    rng = np.random.default_rng([seed, 0x5EED])  # independent of the row direction's stream
    cells = np.arange(-SHAPE_RANGE, SHAPE_RANGE, RANDOM_CELL)
    stratified = cells + rng.uniform(0.0, RANDOM_CELL, size=len(cells))
    near_zero = rng.uniform(-0.05, 0.05, size=N_NEAR_ZERO)
    logs = rng.choice([-1.0, 1.0], size=N_LOG) * 10.0 ** rng.uniform(
        -8, np.log10(LARGE_INPUT), N_LOG
    )
    inside = np.concatenate([stratified, near_zero, logs[np.abs(logs) <= SHAPE_RANGE]])
    return np.sort(inside), np.sort(logs[np.abs(logs) > SHAPE_RANGE])


def points_around(centres: np.ndarray, seed: int, n: int = 32, width: float = 0.02) -> np.ndarray:
    """`n` seeded uniform points within ±`width` of each of `centres` (the reported kinks)."""
    rng = np.random.default_rng([seed, 0x41C5])
    centres = np.asarray(centres, dtype="float64")
    return np.sort((centres[:, None] + rng.uniform(-width, width, (len(centres), n))).ravel())


class Probe:
    """Lays scalar inputs out as tensors and reads per-point values and derivatives back."""

    def __init__(self, target: Target, seed: int):
        rng = np.random.default_rng(seed)
        self.elementwise = target.elementwise
        self.v = np.array([1.0, -0.6, 0.35, -0.85])  # direction, max |v| = 1
        self.base = np.round(rng.normal(scale=0.5, size=WIDTH), 3)  # row offset (shape grid)
        self.c = (
            np.ones(target.out_shape)
            if self.elementwise
            else np.round(1 + 0.5 * rng.uniform(-1, 1, size=target.out_shape), 3)
        )

    def layout(self, t: np.ndarray, offset: bool) -> np.ndarray:
        t = np.asarray(t, dtype="float64")
        if self.elementwise:
            pad = (-len(t)) % WIDTH
            return np.concatenate([t, np.zeros(pad)]).reshape(-1, WIDTH)
        base = self.base if offset else 0.0
        return base + t[:, None] * self.v[None, :]

    def points(self, y: np.ndarray, n: int) -> np.ndarray:
        if self.elementwise:
            return y.reshape(-1)[:n]
        with np.errstate(all="ignore"):
            return (y * self.c).reshape(len(y), -1).sum(axis=1)

    def slopes(self, dx: np.ndarray, n: int) -> np.ndarray:
        if self.elementwise:
            return dx.reshape(-1)[:n]
        with np.errstate(all="ignore"):
            return (dx * self.v).sum(axis=1)

    def describe(self, t: float, offset: bool = False) -> str:
        if self.elementwise:
            return f"x = {t:.6g}"
        base = f"{np.array2string(self.base, separator=', ')} + " if offset else ""
        return f"row x = {base}{t:.6g}·v"

    def evidence(self) -> dict[str, Any]:
        if self.elementwise:
            return {"layout": "elementwise"}
        return {
            "layout": "row-wise",
            "direction_v": self.v,
            "base": self.base,
            "cotangent_c": self.c.reshape(-1),
        }

    def evaluate(
        self, fn: Callable, t: np.ndarray, dtype: str, grad: bool = True, offset: bool = False
    ) -> dict[str, Any]:
        """Per-point values `F`, derivatives `dF` (None: no gradient path) and `out_dtype`.

        The points are padded with zeros to a power of two (at least 64): each point is its own
        element or row, so padding changes nothing, and JAX, which compiles every op for every
        new shape, reuses its kernels across the many small evaluations of one target."""
        n = len(t)
        size = max(64, 1 << max(n - 1, 1).bit_length())
        t = np.concatenate([np.asarray(t, dtype="float64"), np.zeros(size - n)])
        x = ops.cast(
            ops.convert_to_tensor(
                self.layout(t, offset).astype("float32")
                if dtype != "float64"
                else self.layout(t, offset)
            ),
            dtype,
        )
        if grad:
            y, dx = vjp_input(fn, x, self.c)
        else:
            y, dx = fn(x), None
        y_np = to_numpy(y).astype("float64")
        out = {
            "F": self.points(y_np, size),
            "dF": None,
            "no_gradient": grad and dx is None,
            "out_dtype": str(to_numpy(y).dtype),
            "x_used": self.points(to_numpy(x).astype("float64"), size) if self.elementwise else t,
        }
        if dx is not None:
            out["dF"] = self.slopes(to_numpy(dx).astype("float64"), size)
        if not self.elementwise:  # a row with any non-finite output is non-finite
            finite_rows = np.isfinite(y_np.reshape(len(y_np), -1)).all(axis=1)
            out["F"] = np.where(finite_rows, out["F"], np.nan)
        for key in ("F", "dF", "x_used"):
            if out[key] is not None:
                out[key] = out[key][:n]
        return out
