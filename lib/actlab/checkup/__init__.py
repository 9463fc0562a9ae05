"""Check any activation for the walls this collection's notebooks hit, and say which one it hits.

    report = check_activation("actlab.activations:naive_elu")
    report.ok            # False: a check failed
    report.to_dict()     # {"target", "ok", "backend", "checks": [{"name", "status", "detail", "evidence"}]}

or from a shell: ``python -m actlab.checkup package.module:attribute [--json FILE] [--no-train]
[--no-timing] [--allow-surrogate-gradient] [--backends]`` (exit 0: nothing failed, 1: a check failed,
2: the target cannot be imported or is not an activation), or in a test suite:
``assert_healthy(my_activation, train=False, timing=False)``.

The checks, in order (`CHECKS`): ``forward_finite``, ``gradient_finite``, ``gradient_correct``,
``kinks``, ``gradient_alive``, ``compiles``, ``traced_state``, ``float16``, ``bfloat16``,
``serializes``, ``training``, ``cost``. Each returns a status (``pass``, ``warn``, ``fail`` or
``skip``), one sentence for a person naming the inputs and values involved, and the numbers.
With ``backends=("tensorflow", "jax")`` (``--backends``) a thirteenth check, ``backends``,
evaluates the target on each backend in a child process and fails where they disagree.

How a target is probed. It is called on float32 tensors of shape ``(n, 4)``. If it maps each
element to one element (the output has the input's shape and changing one input changes only
its own output) it is *elementwise*: every check then speaks of scalar inputs ``x`` and the
derivative ``f'(x)``. Otherwise (the Antirectifier normalizes each row, CReLU doubles the
features) it is *row-wise*: each probe point is a row ``x = base + t·v`` along a fixed
direction ``v``, the scalar studied is ``F(t) = sum(c · f(x))`` for a fixed cotangent ``c``,
and ``F'(t)`` is the vector-Jacobian product with ``c`` projected on ``v``.

Gradients and compilation go through one small dispatch on `keras.backend.backend()`:
TensorFlow (`tf.GradientTape`, `tf.function(jit_compile=True)`) or JAX (`jax.vjp`, `jax.jit`).
The training check's layer localisation (`actlab.diagnostics`) and the cost check (`actlab.bench`)
are TensorFlow-only; on JAX the first reports the failing step only and the second is skipped.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CHECKS",
    "STATUSES",
    "BACKENDS",
    "CheckResult",
    "ActivationReport",
    "check_activation",
    "assert_healthy",
    "compare_backends",
    "profile_activation",
    "resolve_target",
    "main",
]

CHECKS = (
    "forward_finite",
    "gradient_finite",
    "gradient_correct",
    "kinks",
    "gradient_alive",
    "compiles",
    "traced_state",
    "float16",
    "bfloat16",
    "serializes",
    "training",
    "cost",
)
STATUSES = ("pass", "warn", "fail", "skip")

FLT_MAX = float(np.finfo(np.float32).max)
#: Inputs beyond this magnitude only warn (forward_finite, gradient_finite).
LARGE_INPUT = 1e4
WIDTH = 4  # features of every probe input
SHAPE_RANGE = 6.0  # gradient_correct / kinks / gradient_alive on [-6, 6]
SHAPE_STEP = 0.02  # 601 points, exact multiples of 0.02 (0, ±0.5, ±1, ... included)
FD_RTOL, FD_ATOL = 1e-3, 1e-5  # finite differences in float64
KINK_TOL = 1e-3  # one-sided derivatives differing by more than this (relative)
ALIVE_FAIL, ALIVE_WARN = 0.1, 0.5
COST_WARN_X_FLOOR = 3.0


# --------------------------------------------------------------------------- the report


@dataclass
class CheckResult:
    """One check's outcome: `status` in `STATUSES`, a one-sentence `detail`, the `evidence`."""

    name: str
    status: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from actlab._util import to_jsonable

        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "evidence": to_jsonable(self.evidence),
        }


@dataclass
class ActivationReport:
    """Every check's result for one target; `ok` is False iff any check failed."""

    target: str
    backend: str
    checks: list[CheckResult]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def names(self, status: str) -> list[str]:
        return [c.name for c in self.checks if c.status == status]

    def __getitem__(self, name: str) -> CheckResult:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def statuses(self) -> dict[str, str]:
        return {c.name: c.status for c in self.checks}

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable; the same keys on every backend so runs can be compared."""
        return {
            "target": self.target,
            "ok": self.ok,
            "backend": self.backend,
            "seconds": round(self.seconds, 2),
            "checks": [c.to_dict() for c in self.checks],
        }

    def verdict(self) -> str:
        failed, warned, skipped = self.names("fail"), self.names("warn"), self.names("skip")
        head = "OK" if self.ok else "FAIL"
        parts = [
            f"{len(failed)} of {len(self.checks)} checks failed"
            + (f" ({', '.join(failed)})" if failed else "")
        ]
        if warned:
            parts.append(f"{len(warned)} warned ({', '.join(warned)})")
        if skipped:
            parts.append(f"{len(skipped)} skipped")
        return f"{head}: {self.target}: " + "; ".join(parts) + f" [{self.seconds:.1f} s]"

    def format(self, statuses: Sequence[str] = STATUSES) -> str:
        rows = [
            f"{c.status.upper() if c.status in ('fail', 'warn') else c.status:<5} "
            f"{c.name:<17} {c.detail}"
            for c in self.checks
            if c.status in statuses
        ]
        return "\n".join([*rows, self.verdict()])

    def __str__(self) -> str:
        return self.format()


# --------------------------------------------------------------------------- targets


@dataclass
class _Target:
    label: str
    fn: Callable  # the callable checked (float32 eager)
    obj: Any  # the function or layer as given/built
    layer: Any = None  # a keras Layer, or None for a function
    elementwise: bool = True
    out_shape: tuple = ()  # output shape of one probe row (without batch)

    def clone(self, dtype: str):
        """The same activation computing in `dtype` (a layer is rebuilt from its config with
        that dtype policy and given the same weights); the function itself otherwise."""
        if self.layer is None:
            return self.fn
        import keras

        layer = _rebuild(self.layer, dtype=dtype)
        layer(keras.ops.zeros((1, WIDTH), dtype=_compute_dtype(dtype)))
        source = self.layer.get_weights()
        if source:
            layer.set_weights(
                [np.asarray(w).astype(v.dtype) for w, v in zip(source, layer.weights, strict=True)]
            )
        return layer


def _rebuild(layer, **overrides):
    """A new layer from `layer`'s config (with `overrides`). The object is already in this
    process, so a `Lambda` is rebuilt too (safe mode guards files, not live objects)."""
    import keras

    if isinstance(layer, keras.layers.Lambda):  # its config holds bytecode without globals
        return keras.layers.Lambda(
            layer.function,
            arguments=layer.arguments,
            **{k: v for k, v in overrides.items() if k in ("dtype", "name")},
        )
    try:
        from keras.src.saving.serialization_lib import SafeModeScope
    except ImportError:  # pragma: no cover - older/newer Keras layouts
        import contextlib

        SafeModeScope = lambda _: contextlib.nullcontext()  # noqa: E731, N806
    with SafeModeScope(False):
        return type(layer).from_config({**layer.get_config(), **overrides})


def _compute_dtype(policy: str) -> str:
    return policy.removeprefix("mixed_")


_PATH = re.compile(
    r"^\s*(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_][\w.]*)\s*"
    r"(?:\((?P<args>.*)\))?\s*$",
    re.S,
)


def _parse_call(args: str, target: str) -> tuple[list, dict]:
    try:
        call = ast.parse(f"f({args})", mode="eval").body
        return (
            [ast.literal_eval(a) for a in call.args],
            {k.arg: ast.literal_eval(k.value) for k in call.keywords},
        )
    except (SyntaxError, ValueError) as exc:
        raise ValueError(
            f"Cannot parse the arguments of target {target!r}: only literal values "
            f"are accepted ({exc})."
        ) from None


def resolve_target(target: Any) -> tuple[str, Any]:
    """`(label, activation)` for a target; `ValueError` naming the target otherwise.

    Accepted: a callable of one tensor, a `keras.layers.Layer` instance or class (built with its
    defaults), a Keras activation name (``"gelu"``), or an import path
    ``"package.module:attribute"``, optionally with literal arguments that build a layer or
    fix a function's other arguments: ``"actlab.layers:Truncation(gradient='straight_through')"``.
    """
    import keras

    label = target if isinstance(target, str) else _name_of(target)
    obj = target
    if isinstance(target, str):
        match = _PATH.match(target)
        if match:
            try:
                module = importlib.import_module(match["module"])
            except Exception as exc:  # noqa: BLE001 - any import error is the user's target
                raise ValueError(
                    f"Cannot import target {target!r}: {type(exc).__name__}: {exc}"
                ) from None
            obj = module
            for part in match["attr"].split("."):
                if not hasattr(obj, part):
                    raise ValueError(
                        f"Cannot import target {target!r}: module "
                        f"{match['module']!r} has no attribute {match['attr']!r}."
                    )
                obj = getattr(obj, part)
            if match["args"] is not None:
                args, kwargs = _parse_call(match["args"], target)
                if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
                    obj = _instantiate(obj, target, *args, **kwargs)
                elif callable(obj):
                    obj = functools.partial(obj, *args, **kwargs)
                else:
                    raise ValueError(f"Target {target!r} is not callable.")
        else:
            try:
                obj = keras.activations.get(target)
            except (ValueError, TypeError):
                raise ValueError(
                    f"Target {target!r} is neither a Keras activation name nor an "
                    "import path 'package.module:attribute'."
                ) from None
    if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
        obj = _instantiate(obj, label)
    if isinstance(obj, type) or not callable(obj):
        raise ValueError(
            f"Target {label!r} is not an activation: expected a callable of one "
            f"tensor, a Keras layer (instance or class), a Keras activation name or "
            f"'package.module:attribute'. Received: {obj!r}"
        )
    return label, obj


def _instantiate(cls, target, *args, **kwargs):
    try:
        return cls(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"Target {target!r}: cannot build {cls.__name__} with these arguments "
            f"({type(exc).__name__}: {exc})."
        ) from None


def _name_of(obj: Any) -> str:
    if isinstance(obj, functools.partial):
        kw = ", ".join(f"{k}={v!r}" for k, v in obj.keywords.items())
        return f"{_name_of(obj.func)}({kw})"
    if isinstance(obj, type):
        return f"{obj.__module__}:{obj.__qualname__}"
    import keras

    if isinstance(obj, keras.layers.Layer):
        cls = type(obj)
        return f"{cls.__module__}:{cls.__qualname__}"
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"{module}:{name}" if module else name


def _prepare(target: Any) -> _Target:
    """Resolve, build and probe the target (elementwise or row-wise)."""
    import keras
    from keras import ops

    label, obj = resolve_target(target)
    layer = obj if isinstance(obj, keras.layers.Layer) else None
    rng = np.random.default_rng(1234)
    x = rng.normal(size=(8, WIDTH)).astype("float32")
    try:
        try:
            y = _np(obj(ops.convert_to_tensor(x)))
        except Exception:
            if layer is None or not layer.built:
                raise
            # built for another input width: check a fresh copy built from its config
            layer = obj = _rebuild(layer)
            y = _np(obj(ops.convert_to_tensor(x)))
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"Target {label!r} is not an activation: calling it on a float32 tensor "
            f"of shape {x.shape} raised {type(exc).__name__}: "
            f"{_first_line(exc)}"
        ) from None
    if (
        y is None
        or y.ndim < 2
        or y.shape[0] != x.shape[0]
        or not np.issubdtype(y.dtype, np.floating)
    ):
        raise ValueError(
            f"Target {label!r} is not an activation: on a float32 tensor of shape "
            f"{x.shape} it returned {_describe_output(y)}, not one floating tensor "
            "with the same batch size."
        )
    elementwise = y.shape == x.shape
    if elementwise:
        x2 = x.copy()
        x2[:, 0] += 0.37
        y2 = _np(obj(ops.convert_to_tensor(x2)))
        elementwise = bool(np.array_equal(y2[:, 1:], y[:, 1:], equal_nan=True))
    return _Target(
        label=label,
        fn=obj,
        obj=obj,
        layer=layer,
        elementwise=elementwise,
        out_shape=tuple(y.shape[1:]),
    )


def _describe_output(y) -> str:
    if y is None:
        return "something that is not a tensor"
    return f"an array of shape {y.shape} and dtype {y.dtype}"


def _np(t) -> np.ndarray | None:
    from keras import ops

    if t is None or isinstance(t, (tuple, list, dict)):
        return None
    return np.asarray(ops.convert_to_numpy(t))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


# --------------------------------------------------------------------------- backend dispatch


def _exp_overflow() -> float:
    """ln(FLT_MAX) = 88.72 (imported on use: importing this module does not load Keras)."""
    from actlab.activations.elu import EXP_OVERFLOW_FLOAT32

    return EXP_OVERFLOW_FLOAT32


@contextlib.contextmanager
def _native_stderr_to(log: Path):
    """File descriptor 2 (TensorFlow's and XLA's C++ logging, absl) to `log` while inside."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "a", encoding="utf-8") as f:
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _backend() -> str:
    import keras

    return keras.backend.backend()


def _vjp(fn: Callable, x, cotangent: np.ndarray):
    """`(y, dx)`: the output and the vector-Jacobian product with `cotangent` (broadcast to y);
    `dx` is None when autodiff finds no gradient path (TensorFlow; JAX gives zeros)."""
    from actlab.autodiff import vjp_tensors

    y, (dx,) = vjp_tensors(fn, [x], cotangent, unconnected="none")
    return y, dx


def _jit(fn: Callable) -> Callable:
    """`fn` compiled with XLA: `tf.function(jit_compile=True)` or `jax.jit`."""
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    if backend == "jax":
        import jax

        return jax.jit(fn)
    raise NotImplementedError(
        f"actlab.checkup supports the TensorFlow and JAX backends, not {backend!r}"
    )


def _x64_context():
    """JAX computes in float32 unless 64-bit types are enabled; TensorFlow always can."""
    if _backend() == "jax":
        import jax

        if hasattr(jax, "enable_x64"):
            return jax.enable_x64(True)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _xla_context():
    """XLA allowed under TF op determinism (`actlab.determinism.xla_allowed`); TensorFlow's
    retracing warnings silenced (every target compiles new functions on purpose)."""
    if _backend() != "tensorflow":
        yield
        return
    from actlab.determinism import xla_allowed

    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with xla_allowed():
            yield
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------- probing


def range_grid() -> tuple[np.ndarray, np.ndarray]:
    """`(grid, beyond)`: inputs up to |x| = 1e4 (0, ±subnormals, log-spaced magnitudes, the
    values around ln(FLT_MAX) = 88.72) and the larger ones checked with a warning only."""
    tiny = [1e-45, 1e-40, float(np.finfo(np.float32).tiny)]
    mags = np.logspace(-30, 4, 35)
    mid = np.arange(1, 25) * 0.25
    from actlab.activations.elu import EXP_OVERFLOW_FLOAT32

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


class _Probe:
    """Lays scalar inputs out as tensors and reads per-point values and derivatives back."""

    def __init__(self, target: _Target, seed: int):
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
        """Per-point values `F`, derivatives `dF` (None: no gradient path) and `out_dtype`."""
        from keras import ops

        x = ops.cast(
            ops.convert_to_tensor(
                self.layout(t, offset).astype("float32")
                if dtype != "float64"
                else self.layout(t, offset)
            ),
            dtype,
        )
        if grad:
            y, dx = _vjp(fn, x, self.c)
        else:
            y, dx = fn(x), None
        y_np = _np(y).astype("float64")
        out = {
            "F": self.points(y_np, len(t)),
            "dF": None,
            "no_gradient": grad and dx is None,
            "out_dtype": str(_np(y).dtype),
            "x_used": self.points(_np(x).astype("float64"), len(t))
            if self.elementwise
            else np.asarray(t, dtype="float64"),
        }
        if dx is not None:
            out["dF"] = self.slopes(_np(dx).astype("float64"), len(t))
        if not self.elementwise:  # a row with any non-finite output is non-finite
            finite_rows = np.isfinite(y_np.reshape(len(y_np), -1)).all(axis=1)
            out["F"] = np.where(finite_rows, out["F"], np.nan)
        return out


# --------------------------------------------------------------------------- the checks


def _fmt(values) -> str:
    return ", ".join(f"{v:.6g}" for v in values)


class _Checker:
    def __init__(self, target: _Target, allow_surrogate_gradient: bool, seed: int):
        self.t = target
        self.allow_surrogate = allow_surrogate_gradient
        self.seed = seed
        self.probe = _Probe(target, seed)
        self.grid, self.beyond = range_grid()
        self.f32 = self.probe.evaluate(
            target.fn, np.concatenate([self.grid, self.beyond]), "float32"
        )
        self.kinks: list[dict] = []
        self.fd: dict[str, Any] | None = None
        self.compiled = None

    def _x(self, t: float, offset: bool = False) -> str:
        return self.probe.describe(t, offset)

    # -- forward_finite
    def forward_finite(self) -> CheckResult:
        t = np.concatenate([self.grid, self.beyond])
        F = self.f32["F"]
        bad = ~np.isfinite(F)
        inside = np.abs(t) <= LARGE_INPUT
        ev = {
            **self.probe.evidence(),
            "n_inputs": int(inside.sum()),
            "n_beyond": int((~inside).sum()),
            "nonfinite_inputs": t[bad & inside],
            "nonfinite_beyond": t[bad & ~inside],
        }
        if (bad & inside).any():
            worst = t[bad & inside][np.argmin(np.abs(t[bad & inside]))]
            ev["smallest_nonfinite_abs_x"] = abs(worst)
            return CheckResult(
                "forward_finite",
                "fail",
                f"Non-finite output ({F[t == worst][0]}) at {self._x(worst)} in float32; "
                f"{int((bad & inside).sum())} of {int(inside.sum())} inputs with "
                f"|x| <= {LARGE_INPUT:g} give non-finite values.",
                ev,
            )
        if (bad & ~inside).any():
            worst = t[bad & ~inside][np.argmin(np.abs(t[bad & ~inside]))]
            ev["smallest_nonfinite_abs_x"] = abs(worst)
            return CheckResult(
                "forward_finite",
                "warn",
                f"Finite up to |x| = {LARGE_INPUT:g}, but non-finite from "
                f"{self._x(worst)} (float32), outside the range pre-activations "
                "normally reach.",
                ev,
            )
        return CheckResult(
            "forward_finite",
            "pass",
            f"Finite outputs in float32 for all {len(t)} inputs from 0 and ±subnormals "
            f"to ±{FLT_MAX:.4g}, including x around ln(FLT_MAX) = "
            f"{_exp_overflow():.2f}.",
            ev,
        )

    # -- gradient_finite
    def gradient_finite(self) -> CheckResult:
        t = np.concatenate([self.grid, self.beyond])
        if self.f32["no_gradient"]:
            return CheckResult(
                "gradient_finite",
                "fail",
                "Autodiff returns no gradient (None) with respect to the input: "
                "the output is not connected to x through differentiable ops "
                "(stop_gradient, round, a cast, NumPy?).",
                {"no_gradient": True},
            )
        F, dF = self.f32["F"], self.f32["dF"]
        bad = np.isfinite(F) & ~np.isfinite(dF)
        inside = np.abs(t) <= LARGE_INPUT
        ev = {
            "no_gradient": False,
            "nonfinite_gradient_inputs": t[bad & inside],
            "nonfinite_gradient_beyond": t[bad & ~inside],
        }
        for where, status in ((bad & inside, "fail"), (bad & ~inside, "warn")):
            if where.any():
                worst = t[where][np.argmin(np.abs(t[where]))]
                i = int(np.flatnonzero(t == worst)[0])
                ev["smallest_abs_x"] = abs(worst)
                extra = "" if status == "fail" else f" (only beyond |x| = {LARGE_INPUT:g})"
                return CheckResult(
                    "gradient_finite",
                    status,
                    f"The output is finite ({F[i]:.6g}) but the autodiff gradient "
                    f"is {dF[i]} at {self._x(worst)} in float32{extra}, at "
                    f"{int(where.sum())} input(s) in all: a branch that is not "
                    "selected still overflows in the backward pass (the `where` "
                    "trap; clamp its input or write the gradient).",
                    ev,
                )
        return CheckResult(
            "gradient_finite",
            "pass",
            f"Wherever the output is finite the gradient is finite too "
            f"({int(np.isfinite(F).sum())} inputs, float32).",
            ev,
        )

    # -- finite differences shared by gradient_correct, kinks, gradient_alive
    def _finite_differences(self) -> dict[str, Any]:
        if self.fd is None:
            with _x64_context():
                self.fd = self._compute_finite_differences()
        return self.fd

    def _compute_finite_differences(self) -> dict[str, Any]:
        shape = shape_grid()
        extra = self.grid[(np.abs(self.grid) <= LARGE_INPUT) & (np.abs(self.grid) > SHAPE_RANGE)]
        t = np.concatenate([shape, extra])
        fn64, dtype, note = self.t.fn, "float64", None
        try:
            fn64 = self.t.clone("float64")
            probe = self.probe.evaluate(fn64, t[:4], "float64", grad=False, offset=True)
            if probe["out_dtype"] != "float64":
                raise TypeError(f"returns {probe['out_dtype']} for float64 inputs")
        except Exception as exc:  # noqa: BLE001 - fall back to float32 differences
            fn64, dtype, note = self.t.fn, "float32", f"float64 unavailable ({_first_line(exc)})"
        h = (1e-6 if dtype == "float64" else 1e-2) * np.maximum(1.0, np.abs(t))
        mid = self.probe.evaluate(fn64, t, dtype, grad=True, offset=True)
        plus = self.probe.evaluate(fn64, t + h, dtype, grad=False, offset=True)["F"]
        minus = self.probe.evaluate(fn64, t - h, dtype, grad=False, offset=True)["F"]
        plus10 = self.probe.evaluate(fn64, t + 10 * h, dtype, grad=False, offset=True)["F"]
        minus10 = self.probe.evaluate(fn64, t - 10 * h, dtype, grad=False, offset=True)["F"]
        with np.errstate(all="ignore"):
            central10 = (plus10 - minus10) / (20 * h)
            return {
                "t": t,
                "h": h,
                "F": mid["F"],
                "dF": mid["dF"],
                "no_gradient": mid["no_gradient"],
                "central": (plus - minus) / (2 * h),
                "central10": central10,
                "right": (plus - mid["F"]) / h,
                "left": (mid["F"] - minus) / h,
                "dtype": dtype,
                "note": note,
                "right10": (plus10 - mid["F"]) / (10 * h),
                "left10": (mid["F"] - minus10) / (10 * h),
                "n_shape": len(shape),
            }

    # -- kinks
    def kinks_check(self) -> CheckResult:
        fd = self._finite_differences()
        t, left, right = fd["t"], fd["left"], fd["right"]
        dF = fd["dF"] if fd["dF"] is not None else np.zeros_like(t)
        with np.errstate(all="ignore"):
            scale = 1 + np.abs(left) + np.abs(right)
            # a kink: the one-sided slopes differ by about as much at h as at 10h (on a smooth
            # curve the difference is h·f'' and shrinks tenfold with h)
            gap, gap10 = np.abs(right - left), np.abs(fd["right10"] - fd["left10"])
            is_kink = (
                np.isfinite(left)
                & np.isfinite(right)
                & np.isfinite(fd["F"])
                & (gap > KINK_TOL * scale)
                & (gap > 0.5 * gap10)
            )
            # a jump: the central difference grows like 1/h (ten times larger at h than at 10h)
            c1, c10 = fd["central"], fd["central10"]
            is_jump = np.isfinite(c1) & np.isfinite(c10) & (np.abs(c1) > 5 * (1 + np.abs(c10)))
        self.kinks = [
            {
                "x": float(t[i]),
                "kind": "jump" if is_jump[i] else "kink",
                "left": float(left[i]),
                "right": float(right[i]),
                "autodiff": float(dF[i]),
            }
            for i in np.flatnonzero(is_kink | is_jump)
        ]
        ev = {"kinks": self.kinks, "dtype": fd["dtype"]}
        shown = "; ".join(
            f"{k['kind']} at {self._x(k['x'], True)}: left {k['left']:.4g}, right {k['right']:.4g}, "
            f"autodiff {k['autodiff']:.4g}"
            for k in self.kinks[:4]
        )
        more = f" (and {len(self.kinks) - 4} more)" if len(self.kinks) > 4 else ""
        bad = [k for k in self.kinks if not math.isfinite(k["autodiff"])]
        if bad:
            return CheckResult(
                "kinks",
                "fail",
                f"The autodiff gradient is {bad[0]['autodiff']} at "
                f"the {bad[0]['kind']} at {self._x(bad[0]['x'], True)}.",
                ev,
            )
        if not self.kinks:
            return CheckResult(
                "kinks",
                "pass",
                f"No kink on the {len(t)} test points (one-sided "
                f"derivatives agree everywhere, {fd['dtype']}).",
                ev,
            )
        return CheckResult(
            "kinks",
            "pass",
            f"{len(self.kinks)} point(s) where the one-sided derivatives differ: {shown}{more}.",
            ev,
        )

    # -- gradient_correct
    def gradient_correct(self) -> CheckResult:
        fd = self._finite_differences()
        if not self.kinks:
            self.kinks_check()
        if fd["no_gradient"]:
            return CheckResult(
                "gradient_correct",
                "skip",
                "No gradient to compare (autodiff returns None; see gradient_finite).",
                {"no_gradient": True},
            )
        t, ad, num = fd["t"], fd["dF"], fd["central"]
        near_kink = np.zeros(len(t), bool)
        for k in self.kinks:
            near_kink |= np.abs(t - k["x"]) <= 2 * fd["h"] + 1e-9
        usable = np.isfinite(ad) & np.isfinite(num) & np.isfinite(fd["F"]) & ~near_kink
        rtol, atol = (FD_RTOL, FD_ATOL) if fd["dtype"] == "float64" else (3e-2, 3e-3)
        err = np.abs(ad - num)
        tol = atol + rtol * np.maximum(np.abs(ad), np.abs(num))
        bad = usable & (err > tol)
        ev = {
            "dtype": fd["dtype"],
            "n_points": int(usable.sum()),
            "n_skipped_near_kinks": int(near_kink.sum()),
            "n_skipped_nonfinite": int((~usable & ~near_kink).sum()),
            "rtol": rtol,
            "atol": atol,
            "n_mismatch": int(bad.sum()),
            "note": fd["note"],
        }
        if usable.any():
            i = int(np.argmax(np.where(usable, err / tol, -np.inf)))
            ev.update(
                worst_x=t[i],
                worst_autodiff=ad[i],
                worst_finite_difference=num[i],
                max_abs_error=err[i],
            )
        if bad.any():
            i = int(np.argmax(np.where(usable, err / tol, -np.inf)))
            status = "warn" if self.allow_surrogate else "fail"
            why = (
                " (allowed: a deliberate surrogate gradient such as a straight-through estimator)"
                if self.allow_surrogate
                else "; if this is a deliberate surrogate (straight-through) gradient, pass "
                "allow_surrogate_gradient=True"
            )
            return CheckResult(
                "gradient_correct",
                status,
                f"Autodiff gives {ad[i]:.6g} but the central finite difference is "
                f"{num[i]:.6g} at {self._x(t[i], True)} ({fd['dtype']}); "
                f"{int(bad.sum())} of {int(usable.sum())} points disagree{why}.",
                ev,
            )
        return CheckResult(
            "gradient_correct",
            "pass",
            f"Autodiff matches central finite differences ({fd['dtype']}) at "
            f"{int(usable.sum())} points on [-6, 6] and up to |x| = {LARGE_INPUT:g}"
            f" (worst |error| {ev.get('max_abs_error', 0):.2g}); "
            f"{int(near_kink.sum())} point(s) at kinks skipped.",
            ev,
        )

    # -- gradient_alive
    def gradient_alive(self) -> CheckResult:
        fd = self._finite_differences()
        n = fd["n_shape"]
        t, F = fd["t"][:n], fd["F"][:n]
        dF = np.zeros(n) if fd["dF"] is None else fd["dF"][:n]
        ok = np.isfinite(F) & np.isfinite(dF)
        if not ok.all():
            F, dF, t = F[ok], dF[ok], t[ok]
        tv = float(np.sum(np.abs(np.diff(F)))) if len(F) > 1 else 0.0
        integral = float(np.trapezoid(np.abs(dF), t)) if len(t) > 1 else 0.0
        ratio = integral / tv if tv > 0 else float("nan")
        ev = {
            "total_variation": tv,
            "integral_abs_gradient": integral,
            "ratio": ratio,
            "no_gradient": bool(fd["no_gradient"]),
        }
        span = f"on [-{SHAPE_RANGE:g}, {SHAPE_RANGE:g}]"
        if tv <= 1e-9 * (1 + float(np.max(np.abs(F), initial=0))):
            return CheckResult(
                "gradient_alive",
                "pass",
                f"The function is constant {span}: no gradient is expected.",
                ev,
            )
        text = (
            f"f changes by {tv:.4g} {span} (total variation) but the integral of |f'| is "
            f"only {integral:.3g} ({ratio:.1%})"
        )
        if ratio < ALIVE_FAIL:
            return CheckResult(
                "gradient_alive",
                "fail",
                text + ": almost no gradient flows (round, sign or a stop_gradient inside?).",
                ev,
            )
        if ratio < ALIVE_WARN:
            return CheckResult(
                "gradient_alive",
                "warn",
                text + ": much of the change carries no gradient (jumps or flat steps).",
                ev,
            )
        return CheckResult(
            "gradient_alive",
            "pass",
            f"The gradient accounts for the change of f {span} (integral of |f'| "
            f"{integral:.4g} against total variation {tv:.4g}).",
            ev,
        )

    # -- compiles
    def compiles(self) -> CheckResult:
        from keras import ops

        fn = self.t.fn
        t = np.concatenate([self.grid, self.shape_points()])
        x = ops.convert_to_tensor(self.probe.layout(t, offset=False).astype("float32"))
        eager = _np(fn(x)).astype("float64")
        try:
            with _xla_context():
                compiled = _jit(fn)
                got = _np(compiled(x)).astype("float64")
                cot = self.probe.c

                def gradient(x):
                    return _vjp(fn, x, cot)[1]

                g = _jit(gradient)(x)
        except Exception as exc:  # noqa: BLE001 - the compiler's error is the finding
            return CheckResult(
                "compiles",
                "fail",
                f"Does not compile under XLA: {type(exc).__name__}: {_first_line(exc)}",
                {"error": f"{type(exc).__name__}: {_first_line(exc)}"},
            )
        self.compiled = compiled
        both = np.isfinite(eager) & np.isfinite(got)
        with np.errstate(all="ignore"):
            rel = np.where(both, np.abs(got - eager) / np.maximum(1.0, np.abs(eager)), 0.0)
        same_nonfinite = bool(np.array_equal(np.isfinite(eager), np.isfinite(got)))
        worst = float(rel.max(initial=0.0))
        ev = {
            "max_relative_difference": worst,
            "same_nonfinite_pattern": same_nonfinite,
            "gradient_compiled": g is not None,
            "mode": "tf.function(jit_compile=True)" if _backend() == "tensorflow" else "jax.jit",
        }
        if worst > 1e-3 or not same_nonfinite:
            i = np.unravel_index(np.argmax(rel), rel.shape)
            return CheckResult(
                "compiles",
                "fail",
                f"Compiles under XLA but gives different values: {got[i]:.6g} "
                f"instead of {eager[i]:.6g} (eager) on input "
                f"{_np(x)[i[0]].tolist() if not self.probe.elementwise else _np(x)[i]}"
                + ("" if same_nonfinite else "; non-finite outputs differ")
                + ".",
                ev,
            )
        return CheckResult(
            "compiles",
            "pass",
            f"Forward and backward compile under XLA ({ev['mode']}); values equal "
            f"eager ones to {worst:.1g} relative.",
            ev,
        )

    def shape_points(self) -> np.ndarray:
        return shape_grid()[::5]

    # -- traced_state
    def traced_state(self) -> CheckResult:
        from keras import ops

        if self.compiled is None:
            return CheckResult("traced_state", "skip", "Needs a compiled function (see compiles).")
        candidates = _python_numbers(self.t)
        x = ops.convert_to_tensor(
            self.probe.layout(self.shape_points(), offset=True).astype("float32")
        )
        with _xla_context():
            base_eager, base_comp = _np(self.t.fn(x)), _np(self.compiled(x))
            frozen, checked = [], []
            for owner, name, value, where in candidates:
                new = value + max(0.5 * abs(value), 0.5)
                setattr(owner, name, type(value)(new))
                try:
                    eager, comp = _np(self.t.fn(x)), _np(self.compiled(x))
                except Exception:  # noqa: BLE001 - not a value this activation can take
                    continue
                finally:
                    setattr(owner, name, value)
                moved = not np.allclose(eager, base_eager, equal_nan=True)
                stuck = np.array_equal(comp, base_comp, equal_nan=True)
                checked.append(
                    {
                        "value": where,
                        "was": value,
                        "set_to": new,
                        "eager_moved": moved,
                        "compiled_moved": not stuck,
                    }
                )
                if moved and stuck:
                    frozen.append(where)
        read = [c["value"] for c in checked if c["eager_moved"]]
        ev = {"values": checked}
        if frozen:
            return CheckResult(
                "traced_state",
                "fail",
                f"{', '.join(frozen)} is read as a Python number: after compiling, "
                f"changing it moves the eager output but not the compiled one (it "
                "is frozen at trace time; hold it in a variable, as PolyReLUBlend "
                "does).",
                ev,
            )
        if not read:
            return CheckResult(
                "traced_state",
                "pass",
                "The activation reads no Python float that "
                "could change after compiling (layer attributes outside the "
                "config, lowercase module globals)"
                + (f"; {', '.join(c['value'] for c in checked)} changed nothing" if checked else "")
                + ".",
                ev,
            )
        return CheckResult(
            "traced_state",
            "pass",
            f"Changing {', '.join(read)} after compiling changes the compiled "
            "output as it changes the eager one.",
            ev,
        )

    # -- float16 / bfloat16
    def half(self, dtype: str) -> CheckResult:
        import ml_dtypes

        info = ml_dtypes.finfo(dtype)
        top = float(info.max)
        t = np.concatenate([self.grid, self.beyond])
        t = t[np.abs(t) <= top]
        try:
            fn = self.t.clone(f"mixed_{dtype}") if self.t.layer is not None else self.t.fn
            low = self.probe.evaluate(fn, t, dtype)
        except Exception as exc:  # noqa: BLE001
            return CheckResult(
                dtype,
                "fail",
                f"Does not run in {dtype}: {type(exc).__name__}: {_first_line(exc)}",
                {"error": _first_line(exc)},
            )
        x_used = low["x_used"]  # the inputs after rounding to `dtype`
        ref = self.probe.evaluate(self.t.fn, x_used if self.probe.elementwise else t, "float32")
        with np.errstate(all="ignore"):
            fits_y = np.isfinite(ref["F"]) & (np.abs(ref["F"]) <= top)
            bad_y = fits_y & ~np.isfinite(low["F"])
            if low["no_gradient"] or ref["dF"] is None:
                bad_g = np.zeros(len(t), bool)
            else:
                fits_g = np.isfinite(ref["dF"]) & (np.abs(ref["dF"]) <= top) & np.isfinite(low["F"])
                bad_g = fits_g & ~np.isfinite(low["dF"])
        ev = {
            "max": top,
            "n_inputs": len(t),
            "forward_nonfinite_inputs": t[bad_y],
            "gradient_nonfinite_inputs": t[bad_g],
        }
        for what, bad, vals, refs in (
            ("output", bad_y, low["F"], ref["F"]),
            ("gradient", bad_g, low["dF"], ref["dF"]),
        ):
            if bad.any():
                i = int(np.flatnonzero(bad)[np.argmin(np.abs(t[bad]))])
                ev["smallest_abs_x"] = abs(t[i])
                return CheckResult(
                    dtype,
                    "fail",
                    f"In {dtype} the {what} is {vals[i]} at {self._x(t[i])} although "
                    f"the float32 {what} ({refs[i]:.6g}) fits (max {top:.6g}): an "
                    f"internal overflow; {int(bad.sum())} input(s) affected.",
                    ev,
                )
        return CheckResult(
            dtype,
            "pass",
            f"Output and gradient finite in {dtype} at all {len(t)} inputs up to "
            f"|x| = {top:.4g} wherever the float32 result fits in {dtype}.",
            ev,
        )

    # -- serializes
    def serializes(self) -> CheckResult:
        import keras

        obj = self.t.obj
        if self.t.layer is not None:
            layer = obj
            what = f"a model holding the {type(layer).__name__} layer"
            cls = type(layer)
            builtin = cls.__module__.startswith("keras.")
            registered = (
                keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is cls
            )
            if not (builtin or registered):
                return CheckResult(
                    "serializes",
                    "warn",
                    f"The layer class {cls.__name__} is not registered, so a model "
                    "using it reloads only with custom_objects: decorate it with "
                    "@keras.saving.register_keras_serializable(package=...) and "
                    "return every constructor argument from get_config.",
                    {"registered": False},
                )
        else:
            problem = _unregistered(obj)
            if problem:
                return CheckResult("serializes", "warn", problem, {"registered": False})
            layer = keras.layers.Activation(obj)
            what = "a model with keras.layers.Activation(<the function>)"
        x = self.probe.layout(self.shape_points(), offset=True).astype("float32")
        try:
            model = keras.Sequential([keras.Input((WIDTH,)), layer])
            expected = _np(model(x))
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "checkup.keras"
                model.save(path)
                loaded = keras.saving.load_model(path, safe_mode=True)
                got = _np(loaded(x))
        except Exception as exc:  # noqa: BLE001
            return CheckResult(
                "serializes",
                "fail",
                f"Saving {what} as .keras and reloading it with safe_mode=True "
                f"failed: {type(exc).__name__}: {_first_line(exc)}",
                {"error": _first_line(exc)},
            )
        diff = float(np.nanmax(np.abs(got - expected), initial=0.0))
        ev = {"max_abs_difference": diff, "registered": True}
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-6, equal_nan=True):
            return CheckResult(
                "serializes",
                "fail",
                f"{what} reloads with safe_mode=True but its outputs differ by up to {diff:.3g}.",
                ev,
            )
        return CheckResult(
            "serializes",
            "pass",
            f"{what[0].upper()}{what[1:]} saves as .keras and "
            "reloads with safe_mode=True, giving the same outputs.",
            ev,
        )

    # -- training
    def training(self, n_train: int | None, epochs: int = 1) -> CheckResult:
        rows = {}
        for scale in ("unit", "raw"):
            rows[scale] = _train_once(self.t, scale, self.seed, n_train, epochs)
        ev = {"runs": rows}
        unit, raw = rows["unit"], rows["raw"]
        if unit["nonfinite"]:
            return CheckResult(
                "training",
                "fail",
                f"Training on pixels / 255 went non-finite: {unit['message']}",
                ev,
            )
        if raw["nonfinite"]:
            return CheckResult(
                "training",
                "warn",
                f"Trains on pixels / 255 (test accuracy {unit['test_accuracy']:.3f}) "
                f"but goes non-finite on raw 0..255 pixels: {raw['message']} Scale "
                "the inputs (e.g. to [0, 1]).",
                ev,
            )
        return CheckResult(
            "training",
            "pass",
            f"One epoch of a 2 x Dense(64) network on MNIST stays finite on pixels / "
            f"255 (test accuracy {unit['test_accuracy']:.3f}) and on raw pixels "
            f"({raw['test_accuracy']:.3f}).",
            ev,
        )

    # -- cost
    def cost(self, log2_size: int, repeats: int) -> CheckResult:
        if _backend() != "tensorflow":
            return CheckResult("cost", "skip", "actlab.bench times the TensorFlow backend only.")
        if self.compiled is None:
            return CheckResult("cost", "skip", "Does not compile under XLA (see compiles).")
        import keras

        from actlab import bench

        target = self.t

        def factory(shape):
            if target.layer is None:
                return target.fn, []
            layer = _rebuild(target.layer)
            layer.build(shape)
            return layer, list(layer.trainable_variables)

        candidates = [
            bench.Candidate(
                "checkup", "relu", "builtin", lambda shape: (keras.activations.relu, [])
            ),
            bench.Candidate("checkup", target.label, "custom", factory),
        ]
        rows = bench.run_benchmark(
            candidates,
            [log2_size],
            modes=("jit",),
            directions=("forward_backward",),
            repeats=repeats,
            progress=None,
        )
        bandwidth = bench.copy_bandwidth(n_elements=1 << 22, repeats=5)
        bench.add_ratios(rows, bandwidth)
        mine = next(r for r in rows if r["role"] == "custom")
        relu = next(r for r in rows if r["role"] == "builtin")
        if mine.get("error"):
            return CheckResult(
                "cost", "skip", f"Could not be timed: {mine['error']}", {"error": mine["error"]}
            )
        ratio = bench.paired_ratio(mine, relu)[0]
        ev = {
            "log2_size": log2_size,
            "repeats": repeats,
            "ns_per_element": mine["ns_per_element"],
            "relu_ns_per_element": relu["ns_per_element"],
            "x_floor": mine["x_floor"],
            "x_relu": ratio,
            "copy_bandwidth_GBps": bandwidth / 1e9,
        }
        text = (
            f"Forward + backward under XLA: {mine['ns_per_element']:.2g} ns per element at "
            f"2^{log2_size} elements, {mine['x_floor']:.2g}x the copy floor and {ratio:.2g}x "
            "ReLU (a measurement on this machine)"
        )
        if mine["x_floor"] > COST_WARN_X_FLOOR:
            return CheckResult(
                "cost", "warn", text + f": above {COST_WARN_X_FLOOR:g}x the floor.", ev
            )
        return CheckResult("cost", "pass", text + ".", ev)


def _unregistered(fn) -> str | None:
    """Why a plain function cannot be saved by reference, or None when it can."""
    import keras

    if isinstance(fn, functools.partial):
        return (
            "A functools.partial with fixed arguments cannot be saved by reference: make it a "
            "registered function with those defaults, or a Layer with them in get_config."
        )
    name = getattr(fn, "__name__", None)
    if name is None or not isinstance(fn, types.FunctionType):
        return (
            f"`{_name_of(fn)}` is not a plain Python function (a decorated or callable "
            "object), so a model using it cannot be saved by reference: wrap it in a "
            "registered function or Layer."
        )
    if name == "<lambda>":
        return (
            "A lambda cannot be saved by reference: define it with `def` and decorate it with "
            "@keras.saving.register_keras_serializable(package=...)."
        )
    try:
        if keras.activations.get(name) is fn:
            return None
    except (ValueError, TypeError):
        pass
    registered = keras.saving.get_registered_name(fn)
    if registered != name and keras.saving.get_registered_object(registered) is fn:
        return None
    return (
        f"`{name}` is not registered, so a model using it reloads only with custom_objects: "
        f"decorate it with @keras.saving.register_keras_serializable(package=...)."
    )


def _python_numbers(target: _Target) -> list[tuple[Any, str, float, str]]:
    """Python floats the activation reads that a running program could change: a layer's float
    attributes that are not constructor arguments (get_config), and lowercase module globals
    read by the function (or the layer's `call`). UPPER_CASE globals are constants by
    convention; ints are sizes and axes, not values."""
    found = []

    def is_float(v):
        return isinstance(v, (float, np.floating)) and not isinstance(v, bool)

    fn = target.fn
    if target.layer is not None:
        try:
            config = target.layer.get_config()
        except Exception:  # noqa: BLE001
            config = {}
        for name, value in vars(target.layer).items():
            if name.startswith("_") or not is_float(value) or config.get(name) == value:
                continue
            found.append((target.layer, name, value, f"{type(target.layer).__name__}.{name}"))
        fn = type(target.layer).call
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__wrapped__", fn)
    code, glb = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is not None and glb is not None:
        names, stack = set(), [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        module = sys.modules.get(glb.get("__name__", ""))
        for name in sorted(names):
            value = glb.get(name)
            if module is not None and is_float(value) and not name.isupper():
                found.append((module, name, value, f"{module.__name__}.{name}"))
    return found


def _apply_function_layer(fn):
    """A layer that applies `fn` (output shape by symbolic call: CReLU-like functions change it)."""
    import keras

    class ApplyFunction(keras.layers.Layer):
        def call(self, inputs):
            return fn(inputs)

    return ApplyFunction()


@functools.lru_cache(maxsize=2)
def _mnist(seed: int, n_train: int | None):
    from actlab import data

    return data.load_mnist(source="embedded", scale="unit", seed=seed, n_train=n_train)


def _train_once(
    target: _Target,
    scale: str,
    seed: int,
    n_train: int | None,
    epochs: int,
    run_eagerly: bool = True,
) -> dict:
    """One run of the training check. Eager by default: a network this small trains faster
    than it traces, and a function that only fails when compiled is the `compiles` check's."""
    import keras

    from actlab import diagnostics

    ds = _mnist(seed, n_train)
    x_train, x_test = ds.flat()
    if scale == "raw":
        x_train, x_test = x_train * 255.0, x_test * 255.0
    layers = [keras.Input((784,))]
    for i in range(2):
        init = keras.initializers.GlorotUniform(seed=seed + i)
        if target.layer is None and target.elementwise:  # the diagnosis sees pre-activations
            layers.append(
                keras.layers.Dense(
                    64, activation=target.fn, kernel_initializer=init, name=f"hidden_{i + 1}"
                )
            )
        else:
            layers.append(keras.layers.Dense(64, kernel_initializer=init, name=f"dense_{i + 1}"))
            layers.append(
                _rebuild(target.layer, name=f"activation_{i + 1}")
                if target.layer is not None
                else _apply_function_layer(target.fn)
            )
    layers.append(
        keras.layers.Dense(
            10,
            activation="softmax",
            name="output",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 9),
        )
    )
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=run_eagerly,
    )
    start = time.perf_counter()
    if _backend() == "tensorflow":
        report, history = diagnostics.diagnose_fit(
            model, x_train, ds.y_train, batch_size=64, epochs=epochs, seed=seed
        )
    else:  # actlab.diagnostics locates layers with tf.GradientTape: on JAX only the step
        diagnosis = diagnostics.NaNDiagnosis()
        history = model.fit(
            x_train,
            ds.y_train,
            batch_size=64,
            epochs=epochs,
            verbose=0,
            shuffle=True,
            callbacks=[diagnosis],
        ).history
        report = diagnosis.report
    seconds = time.perf_counter() - start
    weights = model.get_weights()
    nonfinite = report.found or diagnostics.nonfinite_fraction(weights) > 0
    acc = float("nan")
    if not nonfinite:
        acc = float(model.evaluate(x_test, ds.y_test, verbose=0, batch_size=256)[1])
    return {
        "scale": scale,
        "nonfinite": bool(nonfinite),
        "message": report.message,
        "step": report.step,
        "layer": report.layer,
        "tensor": report.tensor,
        "loss": [float(v) for v in history.get("loss", [])],
        "test_accuracy": acc,
        "nonfinite_weight_fraction": diagnostics.nonfinite_fraction(weights),
        "n_train": len(x_train),
        "epochs": epochs,
        "seconds": seconds,
        "data": ds.provenance["description"],
    }


# --------------------------------------------------------------------------- curves for plots


def profile_activation(
    target: Any, seed: int = 0, dtypes: Sequence[str] = ("float16", "bfloat16")
) -> dict[str, Any]:
    """The curves behind the checks, for plotting one target: f and f' in float32 on the
    range grid (non-finite points included), autodiff against finite differences on [-6, 6],
    and where each half-precision dtype's output or gradient is non-finite."""
    prepared = _prepare(target)
    checker = _Checker(prepared, False, seed)
    t = np.concatenate([checker.grid, checker.beyond])
    fd = checker._finite_differences()
    n = fd["n_shape"]
    half = {}
    for dtype in dtypes:
        result = checker.half(dtype)
        half[dtype] = {
            "status": result.status,
            "max": result.evidence.get("max"),
            "forward_nonfinite": result.evidence.get("forward_nonfinite_inputs", []),
            "gradient_nonfinite": result.evidence.get("gradient_nonfinite_inputs", []),
        }
    return {
        "label": prepared.label,
        "elementwise": prepared.elementwise,
        "x": t,
        "f": checker.f32["F"],
        "df": checker.f32["dF"],
        "shape_x": fd["t"][:n],
        "autodiff": None if fd["dF"] is None else fd["dF"][:n],
        "finite_difference": fd["central"][:n],
        "fd_dtype": fd["dtype"],
        "half": half,
    }


# --------------------------------------------------------------------------- backends

BACKENDS = ("tensorflow", "jax")
BACKEND_RTOL = 1e-5  # float32: a few ulps of each backend's own exp/log/sin
BACKEND_ATOL = 1e-6  # for values that cancel to ~0


def _float32_profile(target: Any, seed: int) -> dict[str, np.ndarray]:
    """f and f' in float32 on the range grid and the [-6, 6] shape grid, on this backend, and
    the same in float64 where the target computes in float64 (NaN where it does not)."""
    prepared = _prepare(target)
    probe = _Probe(prepared, seed)
    t = np.concatenate([*range_grid(), shape_grid()])
    out = probe.evaluate(prepared.fn, t, "float32")
    nan = np.full_like(out["F"], np.nan)
    F64 = dF64 = nan
    with _x64_context():
        try:
            ref = probe.evaluate(prepared.clone("float64"), t, "float64")
            if ref["out_dtype"] == "float64":
                F64, dF64 = ref["F"], nan if ref["dF"] is None else ref["dF"]
        except Exception:  # noqa: BLE001 - no float64 reference: no rounding allowance either
            pass
    return {
        "t": t,
        "F": out["F"],
        "dF": nan if out["dF"] is None else out["dF"],
        "F64": F64,
        "dF64": dF64,
        "x_used": out["x_used"],
    }


def _profile_in_subprocess(
    target: str, backend: str, seed: int, tmp: Path
) -> dict[str, np.ndarray]:
    import subprocess

    from actlab._util import child_env

    out = tmp / f"{backend}.npz"
    code = (
        "import sys, numpy as np; from actlab.checkup import _float32_profile; "
        "np.savez(sys.argv[3], **_float32_profile(sys.argv[1], int(sys.argv[2])))"
    )
    env = child_env(KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", code, target, str(seed), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(f"{backend}: {lines[-1] if lines else 'exit ' + str(proc.returncode)}")
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def compare_backends(target: str, backends: Sequence[str] = BACKENDS, seed: int = 0) -> CheckResult:
    """The check ``backends``: the same values and gradients on every backend (float32).

    Each backend evaluates `target` (an import path or Keras name: it is re-imported in a child
    process with ``KERAS_BACKEND`` set) on the range grid and on [-6, 6] including the kinks.
    A point where one backend's value or gradient is finite and the other's is not, or where
    both differ by more than ``BACKEND_RTOL`` relative plus ``BACKEND_ATOL`` plus twice the
    larger of the two backends' own float32 errors (against their float64 results, where the
    target computes in float64: a difference of large terms that float32 cannot resolve on
    either backend is rounding, not a disagreement), fails: the two backends disagree (for
    example on which one-sided derivative a kink takes).
    """
    if not isinstance(target, str):
        raise ValueError(
            "Comparing backends re-imports the target in a child process per "
            "backend, so it must be an import path or a Keras activation name. "
            f"Received: target={target!r}"
        )
    for b in backends:
        if b not in BACKENDS:
            raise ValueError(f"`backends` may hold {BACKENDS!r}. Received: backends={backends!r}")
    with tempfile.TemporaryDirectory(prefix="checkup-backends-") as tmp:
        try:
            runs = {b: _profile_in_subprocess(target, b, seed, Path(tmp)) for b in backends}
        except (RuntimeError, OSError) as exc:
            return CheckResult(
                "backends",
                "fail",
                f"The target could not run on every backend: {exc}.",
                {"error": str(exc)},
            )
    first, *others = backends
    ref = runs[first]
    worst: dict[str, Any] | None = None
    evidence: dict[str, Any] = {
        "backends": list(backends),
        "points": int(len(ref["t"])),
        "rtol": BACKEND_RTOL,
        "atol": BACKEND_ATOL,
        "float64_reference": bool(np.isfinite(ref["F64"]).any()),
    }
    for other in others:
        cur = runs[other]
        for key, what in (("F", "value"), ("dF", "gradient")):
            a, b = ref[key], cur[key]
            finite_a, finite_b = np.isfinite(a), np.isfinite(b)
            with np.errstate(all="ignore"):
                rounding = np.fmax(np.abs(a - ref[key + "64"]), np.abs(b - cur[key + "64"]))
                rounding = np.where(np.isfinite(rounding), rounding, 0.0)
                excess = np.abs(a - b) / (
                    BACKEND_RTOL * np.maximum(np.abs(a), np.abs(b)) + BACKEND_ATOL + 2 * rounding
                )
            excess = np.where(finite_a & finite_b, excess, 0.0)
            excess = np.where(finite_a != finite_b, np.inf, excess)
            evidence[f"max_{what}_excess_{other}"] = float(np.max(excess))
            evidence[f"{what}_disagrees_at_{other}"] = sorted(
                {float(x) for x in ref["x_used"][excess > 1]}
            )[:20]
            i = int(np.argmax(excess))
            if excess[i] > 1 and (worst is None or excess[i] > worst["excess"]):
                worst = {
                    "excess": float(excess[i]),
                    "what": what,
                    "other": other,
                    "x": float(ref["x_used"][i]),
                    first: float(a[i]),
                    "other_value": float(b[i]),
                }
    if worst is None:
        return CheckResult(
            "backends",
            "pass",
            f"{' and '.join(backends)} give the same float32 "
            f"values and gradients at all {len(ref['t'])} probe points (within "
            f"{BACKEND_RTOL:g} relative + {BACKEND_ATOL:g} + their own float32 "
            f"rounding).",
            evidence,
        )
    evidence["worst"] = worst
    return CheckResult(
        "backends",
        "fail",
        f"The backends disagree on the {worst['what']} at "
        f"x = {worst['x']:.6g}: {first} gives {worst[first]:.8g}, {worst['other']} "
        f"gives {worst['other_value']:.8g}; choose one convention and enforce it "
        f"on both (as actlab.activations does at its kinks).",
        evidence,
    )


# --------------------------------------------------------------------------- entry points


def check_activation(
    target: Any,
    *,
    dtypes: Sequence[str] = ("float32", "float16", "bfloat16"),
    train: bool = True,
    timing: bool = True,
    allow_surrogate_gradient: bool = False,
    seed: int = 0,
    n_train: int | None = None,
    cost_log2_size: int = 20,
    cost_repeats: int = 10,
    backends: Sequence[str] | None = None,
) -> ActivationReport:
    """Run every check on `target` and return an `ActivationReport` (see the module docstring).

    Args:
        target: a callable of one tensor, a Keras layer instance or class, a Keras activation
            name, or ``"package.module:attribute"`` (optionally with literal arguments).
        dtypes: half-precision dtypes to check (``"float16"``, ``"bfloat16"``); float32 is
            always the reference.
        train: run the `training` check (one epoch on the embedded MNIST, twice).
        timing: run the `cost` check.
        allow_surrogate_gradient: a gradient that differs from the finite differences is a
            warning, not a failure (a deliberate straight-through estimator).
        seed: seeds the probe's row direction, the networks' initialisation and shuffling.
        n_train: training images for `training` (None: the 4,000 of the embedded split).
        cost_log2_size, cost_repeats: size and repetitions of the `cost` measurement.
        backends: e.g. ``("tensorflow", "jax")``: adds the check ``backends`` (after ``cost``),
            which fails where the backends give different values or gradients
            (`compare_backends`; `target` must then be an import path or a Keras name).

    Raises:
        ValueError: naming the target, when it cannot be imported or is not an activation.
    """
    for d in dtypes:
        if d not in ("float32", "float16", "bfloat16"):
            raise ValueError(
                f"`dtypes` may hold 'float32', 'float16' and 'bfloat16'. "
                f"Received: dtypes={dtypes!r}"
            )
    start = time.perf_counter()
    prepared = _prepare(target)
    checker = _Checker(prepared, allow_surrogate_gradient, seed)
    steps: list[tuple[str, Callable[[], CheckResult]]] = [
        ("forward_finite", checker.forward_finite),
        ("gradient_finite", checker.gradient_finite),
        ("gradient_correct", checker.gradient_correct),
        ("kinks", checker.kinks_check),
        ("gradient_alive", checker.gradient_alive),
        ("compiles", checker.compiles),
        ("traced_state", checker.traced_state),
        ("float16", (lambda: checker.half("float16")) if "float16" in dtypes else None),
        ("bfloat16", (lambda: checker.half("bfloat16")) if "bfloat16" in dtypes else None),
        ("serializes", checker.serializes),
        ("training", (lambda: checker.training(n_train)) if train else None),
        ("cost", (lambda: checker.cost(cost_log2_size, cost_repeats)) if timing else None),
    ]
    results = []
    for name, run in steps:
        if run is None:
            results.append(CheckResult(name, "skip", "Not requested."))
            continue
        try:
            result = run()
        except Exception as exc:  # noqa: BLE001 - a crash inside a check is reported, not raised
            result = CheckResult(
                name,
                "fail",
                f"The check could not run the activation: {type(exc).__name__}: {_first_line(exc)}",
                {"error": f"{type(exc).__name__}: {_first_line(exc)}"},
            )
        result.name = name
        results.append(result)
    if backends:
        results.append(compare_backends(target, tuple(backends), seed))
    return ActivationReport(prepared.label, _backend(), results, time.perf_counter() - start)


def assert_healthy(target: Any, **kwargs) -> ActivationReport:
    """`check_activation(target, **kwargs)`; `AssertionError` listing the failed checks.

    For a researcher's own test suite::

        def test_my_activation():
            assert_healthy(my_activation, train=False, timing=False)
    """
    report = check_activation(target, **kwargs)
    if not report.ok:
        raise AssertionError(
            f"{report.target} failed {len(report.names('fail'))} check(s):\n"
            + report.format(("fail",))
        )
    return report


#: The command's log of the backends' own messages, relative to the current directory.
DEFAULT_LOG = "checkup.log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.checkup",
        description="Check an activation for non-finite values and gradients, wrong gradients, "
        "XLA, traced state, half precision, serialization, training and cost.",
    )
    parser.add_argument(
        "target",
        help="package.module:attribute (optionally with literal "
        'arguments, e.g. "actlab.layers:Truncation(threshold=2.0)") or a Keras '
        "activation name such as gelu",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    parser.add_argument("--no-train", action="store_true", help="skip the training check")
    parser.add_argument("--no-timing", action="store_true", help="skip the cost check")
    parser.add_argument(
        "--allow-surrogate-gradient",
        action="store_true",
        help="a gradient that differs from finite differences only warns",
    )
    parser.add_argument(
        "--backends",
        action="store_true",
        help="also compare values and gradients on TensorFlow and JAX "
        "(one child process per backend)",
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        default=DEFAULT_LOG,
        help="where TensorFlow's and JAX's own messages go (default: "
        f"{DEFAULT_LOG} in the current directory)",
    )
    args = parser.parse_args(argv)
    log = Path(args.log).absolute()
    shown = os.path.relpath(log) if log.resolve().is_relative_to(Path.cwd()) else str(log)
    print(f"checkup: {args.target} (TensorFlow's and JAX's own messages go to {shown})", flush=True)
    try:
        with _native_stderr_to(log):
            report = check_activation(
                args.target,
                train=not args.no_train,
                timing=not args.no_timing,
                allow_surrogate_gradient=args.allow_surrogate_gradient,
                backends=BACKENDS if args.backends else None,
            )
    except ValueError as exc:
        print(f"checkup: error: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"report written to {args.json}")
    return 0 if report.ok else 1
