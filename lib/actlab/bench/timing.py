"""Timing elementwise work: interleaved repetitions, the copy floor, the price of single ops.

An elementwise activation is memory-bound. Its forward pass must at least read x and write y
(8 bytes per float32 element); forward + backward must also read the upstream gradient dy and
x again and write dx (12 more bytes), so 20 bytes per element. The *floor* is that traffic over
the copy bandwidth measured in the same run (a large NumPy array copy: read + write). Each
candidate is timed in three execution modes — eager, `tf.function`, and `tf.function(jit_compile=
True)` (XLA) — for forward and for forward + backward (a VJP with a fixed upstream gradient, so
no extra reduction pass), at sizes 2^16 … 2^24 elements, with repetitions interleaved across
candidates in one process so slow drifts of the machine hit every candidate alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import numpy as np

from actlab.bench.candidates import Candidate
from actlab.determinism import xla_allowed

MODES = ("eager", "function", "jit")
DIRECTIONS = ("forward", "forward_backward")
ROW = 256  # inputs are (n / ROW, ROW): per-unit parameters and the Antirectifier use the last axis

#: Progress of the long loops (one line per size x mode x direction) goes to this logger at INFO,
#: not to the notebook's output: the runner's log (or any handler the caller adds) records it.
log = logging.getLogger("actlab.bench")


def _inputs(shape: tuple[int, int], y_shape: tuple[int, ...], cache: dict) -> tuple:
    """x and the upstream gradient dy, drawn once per shape pair and shared by all candidates
    (at 2^24 elements each copy is 64-128 MB, and there is one per candidate, mode and direction
    otherwise)."""
    import tensorflow as tf

    key = (shape, y_shape)
    if key not in cache:
        rng = np.random.default_rng(0)
        x = tf.constant(rng.normal(size=shape).astype("float32"))
        cache[key] = x, tf.constant(rng.normal(size=y_shape).astype("float32"))
    return cache[key]


def _prepare(
    candidate: Candidate,
    shape: tuple[int, int],
    mode: str,
    direction: str,
    cache: dict | None = None,
):
    """Return a zero-argument callable that runs one step on a fixed input."""
    import tensorflow as tf

    fn, variables = candidate.factory(shape)
    y_shape = tuple(fn(tf.zeros((1, *shape[1:]))).shape[1:])
    y_shape = (shape[0], *y_shape)
    x, dy = _inputs(shape, y_shape, {} if cache is None else cache)

    if direction == "forward":

        def step(x):
            return fn(x)
    else:

        def step(x):  # returns y too: in training the next layer reads it
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
            return y, tape.gradient(y, [x, *variables], output_gradients=dy)

    if mode == "function":
        step = tf.function(step)
    elif mode == "jit":
        step = tf.function(step, jit_compile=True)
    step(x)  # trace / compile / warm up outside the timed region
    return (lambda: step(x)), int(np.prod(y_shape))


def floor_bytes(n_in: int, n_out: int, direction: str) -> int:
    """Minimum float32 memory traffic: forward reads x, writes y; backward reads dy and x, writes dx.

    8 bytes per element (forward) and 20 (forward + backward) when the output has the input's
    size; layers that double the features (Antirectifier, complex soft exponential) write more.
    """
    forward = 4 * (n_in + n_out)
    return forward if direction == "forward" else forward + 4 * (n_out + 2 * n_in)


def copy_bandwidths(n_elements: int = 1 << 24, repeats: int = 15) -> dict[str, float]:
    """Bytes per second of two large float32 copies (read + write), best of `repeats`.

    ``numpy``: `np.copyto` (one thread). ``xla``: an XLA-compiled ``x + c`` (all cores, the
    best an elementwise pass can do here). The floor uses the larger of the two. The fastest
    repetition is used, not the median: a floor is what the machine *can* do, and a shared
    machine only ever slows a copy down.
    """
    import tensorflow as tf

    src = np.random.default_rng(0).random(n_elements, dtype=np.float32)
    dst = np.empty_like(src)
    x, c = tf.constant(src), tf.constant(0.5)
    add = tf.function(lambda x, c: x + c, jit_compile=True)
    runners = {"numpy": lambda: np.copyto(dst, src), "xla": lambda: add(x, c)}
    out = {}
    with xla_allowed():
        for name, fn in runners.items():
            fn()
            out[name] = 2 * src.nbytes / min(time_interleaved({name: fn}, repeats)[name])
    return out


def time_interleaved(calls: dict, repeats: int) -> dict:
    """Seconds of each zero-argument call in `calls`, `repeats` rounds, every call once per round.

    Interleaving makes a slow moment of the machine hit every call alike, and makes round i of
    all calls comparable (`paired_ratio`). Returns `{key: [seconds per round]}`.
    """
    times = {key: [] for key in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - start)
    return times


def copy_bandwidth(n_elements: int = 1 << 24, repeats: int = 15) -> float:
    """The floor's bandwidth: the larger of `copy_bandwidths` (bytes per second)."""
    return max(copy_bandwidths(n_elements, repeats).values())


def run_benchmark(
    candidates: Sequence[Candidate],
    sizes_log2: Sequence[int],
    modes: Sequence[str] = MODES,
    directions: Sequence[str] = DIRECTIONS,
    repeats: int = 5,
    progress: Callable[[str], None] | None = log.info,
) -> list[dict]:
    """Time every candidate x size x mode x direction; repetitions interleaved.

    Returns one row per combination with `median_s`, `q1_s`, `q3_s` (per call) and
    `ns_per_element` (median). Rows for sizes where a candidate failed carry `error`.
    TensorFlow op determinism is lifted meanwhile (see `xla_allowed`).
    """
    with xla_allowed():
        return _run_benchmark(candidates, sizes_log2, modes, directions, repeats, progress)


def _run_benchmark(candidates, sizes_log2, modes, directions, repeats, progress) -> list[dict]:
    rows = []
    for log2 in sizes_log2:
        n = 1 << log2
        shape = (max(n // ROW, 1), ROW)
        inputs: dict = {}  # shared by every candidate, mode and direction at this size
        for mode in modes:
            for direction in directions:
                steps, out_elements = {}, {}
                for cand in candidates:
                    try:
                        steps[cand], out_elements[cand] = _prepare(
                            cand, shape, mode, direction, inputs
                        )
                    except Exception as exc:  # noqa: BLE001 - reported as data, not a crash
                        rows.append(_row(cand, log2, mode, direction, [], 0, error=repr(exc)[:200]))
                for cand, ts in time_interleaved(steps, repeats).items():
                    rows.append(_row(cand, log2, mode, direction, ts, out_elements[cand]))
                if progress:
                    progress(
                        f"2^{log2} elements, {mode:>8}, {direction:<16}: {len(steps)} candidates timed"
                    )
    return rows


def _row(
    cand: Candidate,
    log2: int,
    mode: str,
    direction: str,
    ts: list[float],
    out_elements: int,
    error: str | None = None,
) -> dict:
    n = (max((1 << log2) // ROW, 1)) * ROW
    row = {
        "pair": cand.pair,
        "name": cand.name,
        "role": cand.role,
        "log2_size": log2,
        "elements": n,
        "out_elements": out_elements,
        "mode": mode,
        "direction": direction,
        "repeats": len(ts),
        "error": error,
    }
    if ts:
        q = np.quantile(ts, [0.25, 0.5, 0.75])
        row.update(
            q1_s=float(q[0]),
            median_s=float(q[1]),
            q3_s=float(q[2]),
            ns_per_element=float(q[1]) / n * 1e9,
            times_s=[float(t) for t in ts],
        )
    return row


def paired_ratio(a: dict, b: dict) -> tuple[float, float | None, float | None]:
    """Median (and quartiles) of a's time over b's, round by round.

    Repetitions are interleaved, so round i of every candidate ran within the same short
    interval: the per-round ratio cancels slow drifts of a shared machine that the ratio of two
    medians keeps. Falls back to the ratio of medians (no quartiles) without per-round times.
    """
    ta, tb = a.get("times_s"), b.get("times_s")
    if ta and tb and len(ta) == len(tb):
        q = np.quantile(np.asarray(ta) / np.asarray(tb), [0.25, 0.5, 0.75])
        return float(q[1]), float(q[0]), float(q[2])
    return a["median_s"] / b["median_s"], None, None


ELEMENTARY_OPS = (
    "x + c",
    "exp",
    "expm1",
    "log",
    "log1p",
    "sin",
    "cos",
    "row sum (reduce)",
    "row sum (matvec)",
)


def elementary_op_costs(log2_size: int = 22, repeats: int = 15) -> list[dict]:
    """Median ns per element of single XLA-compiled ops on a float32 (n / ROW, ROW) tensor.

    The price list behind the activations' costs: a memory-bound pass (``x + c``), the
    transcendental functions the soft exponential needs, and the two ways of summing rows the
    Antirectifier can use. Forward only, interleaved repetitions.
    """
    import tensorflow as tf

    n = 1 << log2_size
    x = tf.constant(np.random.default_rng(0).normal(size=(max(n // ROW, 1), ROW)).astype("float32"))
    ones = tf.ones((ROW, 1))
    ops_ = {
        "x + c": lambda t: t + 0.5,
        "exp": tf.exp,
        "expm1": tf.math.expm1,
        "log": lambda t: tf.math.log(tf.abs(t) + 0.5),
        "log1p": lambda t: tf.math.log1p(tf.abs(t)),
        "sin": tf.sin,
        "cos": tf.cos,
        "row sum (reduce)": lambda t: tf.reduce_sum(t * t, axis=-1, keepdims=True),
        "row sum (matvec)": lambda t: tf.matmul(t * t, ones),
    }
    with xla_allowed():
        steps = {name: tf.function(fn, jit_compile=True) for name, fn in ops_.items()}
        for step in steps.values():
            step(x)
        times = time_interleaved(
            {name: lambda step=step: step(x) for name, step in steps.items()}, repeats
        )
    return [
        {"op": name, "ns_per_element": float(np.median(ts)) / int(np.prod(x.shape)) * 1e9}
        for name, ts in times.items()
    ]
