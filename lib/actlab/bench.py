"""What a custom activation costs: time per element against its built-in and the copy floor.

An elementwise activation is memory-bound. Its forward pass must at least read x and write y
(8 bytes per float32 element); forward + backward must also read the upstream gradient dy and
x again and write dx (12 more bytes), so 20 bytes per element. The *floor* is that traffic over
the copy bandwidth measured in the same run (a large NumPy array copy: read + write). Each
candidate is timed in three execution modes — eager, `tf.function`, and `tf.function(jit_compile=
True)` (XLA) — for forward and for forward + backward (a VJP with a fixed upstream gradient, so
no extra reduction pass), at sizes 2^16 … 2^24 elements, with repetitions interleaved across
candidates in one process so slow drifts of the machine hit every candidate alike.

Candidates come in pairs (custom vs its built-in counterpart); `default_candidates()` lists
them. Each candidate is a factory: given the input shape it returns `(fn, variables)`, where
`variables` are the trainable weights whose gradients the backward pass also computes. A pair
may also hold a "before" candidate: an earlier implementation of its custom activation with the
same values (gradients by autodiff), timed in the same run so that the speed-up of the rewrite
is measured, not remembered (`before_after_table`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from actlab._util import child_env
from actlab.determinism import xla_allowed

MODES = ("eager", "function", "jit")
DIRECTIONS = ("forward", "forward_backward")
ROW = 256  # inputs are (n / ROW, ROW): per-unit parameters and the Antirectifier use the last axis


ROLES = ("builtin", "custom", "before")

#: Progress of the long loops (one line per size x mode x direction) goes to this logger at INFO,
#: not to the notebook's output: the runner's log (or any handler the caller adds) records it.
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """One implementation to time. `role` is one of `ROLES`; `pair` groups them."""

    pair: str
    name: str
    role: str
    factory: Callable[[tuple[int, int]], tuple[Callable, list]]


def _fn(fn: Callable) -> Callable[[tuple[int, int]], tuple[Callable, list]]:
    return lambda shape: (fn, [])


def _layer(make: Callable) -> Callable[[tuple[int, int]], tuple[Callable, list]]:
    def factory(shape):
        layer = make()
        layer.build(shape)
        return layer, list(layer.trainable_variables)

    return factory


def _fn_with_units(fn: Callable, n_params: int, value: float):
    """A function of (x, *params) with `n_params` per-unit float32 variables set to `value`."""

    def factory(shape):
        import keras

        if keras.backend.backend() != "tensorflow":  # read through keras's StatelessScope
            params = [
                keras.Variable(np.full((shape[-1],), value, "float32")) for _ in range(n_params)
            ]
            return (lambda x: fn(x, *params)), params
        import tensorflow as tf

        params = [tf.Variable(tf.fill((shape[-1],), value)) for _ in range(n_params)]
        return (lambda x: fn(x, *params)), params

    return factory


def default_candidates() -> list[Candidate]:
    """Every actlab activation against its built-in counterpart (the pairs notebook 06 times)."""
    import keras
    from keras import ops

    from actlab import activations as A
    from actlab import layers as L
    from actlab.activations.softexp_autodiff import (
        complex_soft_exponential_autodiff,
        soft_exponential_autodiff,
    )

    def complex_autodiff_concat(x, a, b):
        return ops.concatenate(complex_soft_exponential_autodiff(x, a, b), axis=-1)

    builtin_elu = _fn(keras.activations.elu)
    relu = _fn(keras.activations.relu)
    prelu = _layer(lambda: keras.layers.PReLU())
    plain_crelu = _fn(lambda x: ops.concatenate([ops.relu(x), ops.relu(-x)], axis=-1))
    clip = _fn(lambda x: ops.clip(x, -1.0, 1.0))
    return [
        Candidate("ELU", "keras elu", "builtin", builtin_elu),
        Candidate("ELU", "naive_elu", "custom", _fn(A.naive_elu)),
        Candidate("ELU", "safe_elu", "custom", _fn(A.safe_elu)),
        Candidate("ELU", "elu_double_where", "custom", _fn(A.elu_double_where)),
        Candidate("ELU", "elu_custom_gradient", "custom", _fn(A.elu_custom_gradient)),
        Candidate("PolyReLUBlend", "relu", "builtin", relu),
        Candidate(
            "PolyReLUBlend",
            "PolyReLUBlend(d=0.5)",
            "custom",
            _layer(lambda: L.PolyReLUBlend(relu_weight=0.5)),
        ),
        Candidate("SoftExponential", "PReLU", "builtin", prelu),
        Candidate(
            "SoftExponential",
            "SoftExponential",
            "custom",
            _layer(lambda: L.SoftExponential(alpha_initializer=keras.initializers.Constant(0.3))),
        ),
        Candidate(
            "SoftExponential",
            "soft_exponential_autodiff",
            "before",
            _fn_with_units(soft_exponential_autodiff, 1, 0.3),
        ),
        Candidate("ComplexSoftExponential", "PReLU", "builtin", prelu),
        Candidate(
            "ComplexSoftExponential",
            "ComplexSoftExponential",
            "custom",
            _layer(
                lambda: L.ComplexSoftExponential(
                    alpha_real_initializer=keras.initializers.Constant(0.3),
                    alpha_imag_initializer=keras.initializers.Constant(0.3),
                )
            ),
        ),
        Candidate(
            "ComplexSoftExponential",
            "complex_soft_exponential_autodiff",
            "before",
            _fn_with_units(complex_autodiff_concat, 2, 0.3),
        ),
        Candidate("Antirectifier", "concat(relu(x), relu(-x))", "builtin", plain_crelu),
        Candidate("Antirectifier", "Antirectifier", "custom", _layer(lambda: L.Antirectifier())),
        Candidate("Antirectifier", "antirectify_autodiff", "before", _fn(A.antirectify_autodiff)),
        Candidate("Truncation", "ops.clip", "builtin", clip),
        Candidate(
            "Truncation",
            "Truncation(clip)",
            "custom",
            _layer(lambda: L.Truncation(threshold=1.0, gradient="clip")),
        ),
        Candidate(
            "Truncation",
            "Truncation(straight_through)",
            "custom",
            _layer(lambda: L.Truncation(threshold=1.0, gradient="straight_through")),
        ),
    ]


def _inputs(shape: tuple[int, int], y_shape: tuple[int, ...], cache: dict) -> tuple:
    """x and the upstream gradient dy, drawn once per shape pair and shared by all candidates
    (at 2^24 elements each copy is 64-128 MB; per-candidate copies took the kernel to 12 GB)."""
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


def add_ratios(rows: list[dict], bandwidth: float) -> list[dict]:
    """Add `x_floor` (time / memory floor) and `x_builtin` (time / the pair's built-in)."""
    builtin = {
        (r["pair"], r["log2_size"], r["mode"], r["direction"]): r
        for r in rows
        if r["role"] == "builtin" and "median_s" in r
    }
    for r in rows:
        if "median_s" not in r:
            continue
        floor_s = floor_bytes(r["elements"], r["out_elements"], r["direction"]) / bandwidth
        r["floor_s"] = floor_s
        r["x_floor"] = r["median_s"] / floor_s
        ref = builtin.get((r["pair"], r["log2_size"], r["mode"], r["direction"]))
        r["x_builtin"] = r["median_s"] / ref["median_s"] if ref else None
    return rows


def target_table(
    rows: list[dict], log2_size: int = 22, max_x_builtin: float = 1.25, max_x_floor: float = 3.0
) -> list[dict]:
    """The cost targets (within `max_x_builtin` of the built-in, `max_x_floor` of the copy floor),
    per custom candidate: jit, forward + backward, at `log2_size`.

    `x_builtin` is the median per-round ratio to the built-in (`paired_ratio`), with its
    quartiles; `x_floor` the median time over the floor.
    """
    picked = _judged_rows(rows, log2_size)
    out = []
    for r in picked:
        if r["role"] != "custom":
            continue
        builtin = next(
            (b for b in picked if b["pair"] == r["pair"] and b["role"] == "builtin"), None
        )
        ratio, q1, q3 = paired_ratio(r, builtin) if builtin else (None, None, None)
        out.append(
            {
                "pair": r["pair"],
                "name": r["name"],
                "x_builtin": ratio,
                "x_builtin_q1": q1,
                "x_builtin_q3": q3,
                "x_floor": r["x_floor"],
                "within_builtin_target": ratio is not None and ratio <= max_x_builtin,
                "within_floor_target": r["x_floor"] <= max_x_floor,
            }
        )
    return out


def _judged_rows(rows: list[dict], log2_size: int) -> list[dict]:
    return [
        r
        for r in rows
        if r["mode"] == "jit"
        and r["direction"] == "forward_backward"
        and r["log2_size"] == log2_size
        and "median_s" in r
    ]


def before_after_table(rows: list[dict], log2_size: int = 22) -> list[dict]:
    """Per pair with a "before" candidate: its and the custom candidate's cost, and the speed-up.

    Judged like the targets: jit, forward + backward, at `log2_size`.
    """
    picked = {}
    for r in _judged_rows(rows, log2_size):
        picked.setdefault(r["pair"], {}).setdefault(r["role"], []).append(r)
    out = []
    for pair, roles in picked.items():
        builtin = (roles.get("builtin") or [None])[0]
        for before in roles.get("before", []):
            for after in roles.get("custom", []):
                speedup, q1, q3 = paired_ratio(before, after)
                out.append(
                    {
                        "pair": pair,
                        "before": before["name"],
                        "after": after["name"],
                        "before_x_builtin": paired_ratio(before, builtin)[0] if builtin else None,
                        "after_x_builtin": paired_ratio(after, builtin)[0] if builtin else None,
                        "before_x_floor": before["x_floor"],
                        "after_x_floor": after["x_floor"],
                        "speedup": speedup,
                        "speedup_q1": q1,
                        "speedup_q3": q3,
                    }
                )
    return out


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


# --------------------------------------------------------------------------- training steps


def run_training_steps(
    pairs,
    basis: dict | None = None,
    batch_size: int = 128,
    repeats: int = 10,
    jit_compile: bool = True,
    progress: Callable[[str], None] | None = log.info,
) -> list[dict]:
    """Median seconds of one `train_on_batch` per model (compiled, warmed up, interleaved).

    `pairs` are ``(pair, name, role, build)`` tuples: models of one pair are timed against the
    pair's ``"builtin"`` one (``x_builtin``); `basis` maps a pair to what its models hold equal
    (each row carries it). Notebook 06's pairs are
    `actlab.collection.experiments.cost.training_step_pairs`.

    Keras silently compiles without XLA while TensorFlow op determinism is on, so it is lifted
    for the measurement (`xla_allowed`).
    """
    with xla_allowed(jit_compile):
        return _run_training_steps(pairs, basis or {}, batch_size, repeats, jit_compile, progress)


def _run_training_steps(pairs, basis, batch_size, repeats, jit_compile, progress) -> list[dict]:
    import keras

    rng = np.random.default_rng(0)
    steps = {}
    for scenario, name, role, build in pairs:
        model = build()
        shape = (batch_size, *model.input_shape[1:])
        x = rng.normal(size=shape).astype("float32")
        y = rng.integers(0, 10, size=batch_size)
        # the scenarios' builders end in softmax/sigmoid, the replicas here in logits
        probabilities = getattr(model.layers[-1], "activation", None) in (
            keras.activations.softmax,
            keras.activations.sigmoid,
        )
        model.compile(
            optimizer=keras.optimizers.SGD(0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not probabilities),
            jit_compile=jit_compile,
        )
        model.train_on_batch(x, y)  # build, trace, compile
        if jit_compile and not model.jit_compile:
            raise RuntimeError(f"{name}: Keras did not compile with XLA")
        steps[(scenario, name, role, model.count_params())] = (model, x, y)
    times = time_interleaved(
        {
            key: lambda m=model, x=x, y=y: m.train_on_batch(x, y)
            for key, (model, x, y) in steps.items()
        },
        repeats,
    )
    rows = []
    for (scenario, name, role, params), ts in times.items():
        q = np.quantile(ts, [0.25, 0.5, 0.75])
        rows.append(
            {
                "pair": scenario,
                "name": name,
                "role": role,
                "params": params,
                "basis": basis.get(scenario, ""),
                "median_s": float(q[1]),
                "q1_s": float(q[0]),
                "q3_s": float(q[2]),
            }
        )
    builtin = {r["pair"]: r["median_s"] for r in rows if r["role"] == "builtin"}
    for r in rows:
        r["x_builtin"] = r["median_s"] / builtin[r["pair"]]
    if progress:
        progress(f"timed one training step of {len(rows)} models x {repeats} repeats")
    return rows


def cpu_idle_fraction(window_s: float = 1.0) -> float | None:
    """The fraction of all CPUs' time spent idle during the next `window_s` seconds.

    Read from the aggregate ``cpu`` line of ``/proc/stat`` (idle + iowait over all jiffies)
    before and after the window; None where there is no ``/proc/stat``.
    """

    try:
        idle0, total0 = _proc_stat_jiffies()
        time.sleep(window_s)
        idle1, total1 = _proc_stat_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    return (idle1 - idle0) / (total1 - total0) if total1 > total0 else None


def _proc_stat_jiffies() -> tuple[int, int]:
    """(idle + iowait, all) jiffies of all CPUs from the aggregate ``cpu`` line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return values[3] + values[4], sum(values[:8])  # guest time is already in user time


def cpu_snapshot() -> dict | None:
    """The machine's busy CPU seconds (/proc/stat), this process's own CPU seconds (its threads
    and the child processes it waited for) and the wall clock, for `others_cpu_share`.
    None where there is no /proc/stat."""
    import os

    try:
        idle, total = _proc_stat_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    own = os.times()
    return {
        "busy_s": (total - idle) / os.sysconf("SC_CLK_TCK"),
        "own_s": own.user + own.system + own.children_user + own.children_system,
        "wall_s": time.monotonic(),
        "cpus": os.cpu_count() or 1,
    }


def others_cpu_share(start: dict | None, end: dict | None) -> float | None:
    """The share of the machine's CPU capacity that other processes used between two
    `cpu_snapshot`s: (machine busy − this process's own CPU time) / (wall time × CPUs).

    Unlike the load average, it does not count the benchmark's own threads and does not lag:
    the honest "was someone else using the machine while we timed?". None without snapshots.
    """
    if start is None or end is None or end["wall_s"] <= start["wall_s"]:
        return None
    others = (end["busy_s"] - start["busy_s"]) - (end["own_s"] - start["own_s"])
    return min(max(others / ((end["wall_s"] - start["wall_s"]) * start["cpus"]), 0.0), 1.0)


def others_text(share: float | None, caution_above: float = 0.1) -> str:
    """One sentence on `others_cpu_share`, with a caution above `caution_above`."""
    if share is None:
        return (
            "Other processes' CPU use during the benchmark could not be measured (no /proc/stat)."
        )
    if share > caution_above:
        return (
            f"**Caution:** other processes used {share:.0%} of the machine's CPU time while "
            "this benchmark ran; its timings are inflated and noisy."
        )
    return (
        f"Other processes used {share:.0%} of the machine's CPU time while this benchmark ran "
        "(its own threads not counted)."
    )


def quiet_text(quiet: dict) -> str:
    """One line on what `wait_for_quiet` saw."""
    idle = quiet.get("idle_after_wait")
    seen = (
        f"CPUs {idle:.0%} idle over {quiet['window_s']:g} s"
        if idle is not None
        else f"1-minute load average {quiet['load_after_wait']:.2f} (no /proc/stat)"
    )
    return (
        f"Waited {quiet['waited_s']} s for a quiet machine: {seen}"
        + ("" if quiet["quiet"] else f", below the {quiet['min_idle']:.0%} asked for")
        + "."
    )


def wait_for_quiet(min_idle: float = 0.9, window_s: float = 1.0, max_wait_s: float = 120.0) -> dict:
    """Wait until the CPUs were at least `min_idle` idle over a `window_s` window (at most
    `max_wait_s`; one window is always measured).

    Under `make -j2 figures` the benchmark starts the moment the other notebooks end; CPU
    idleness over a short window sees that at once, where the 1-minute load average lags
    behind by a minute or more. Returns the idle fractions before/after, the load averages (for
    the record), the seconds waited and whether the machine was quiet. Without ``/proc/stat``
    it falls back to a 1-minute load average below 1.
    """
    import os

    start, load_first = time.monotonic(), os.getloadavg()[0]
    first = idle = cpu_idle_fraction(window_s)

    def quiet() -> bool:
        return idle >= min_idle if idle is not None else os.getloadavg()[0] < 1.0

    while not quiet() and time.monotonic() - start < max_wait_s:
        idle = cpu_idle_fraction(window_s)
        if idle is None:
            time.sleep(window_s)
    return {
        "idle_at_start": first,
        "idle_after_wait": idle,
        "min_idle": min_idle,
        "window_s": window_s,
        "load_at_start": load_first,
        "load_after_wait": os.getloadavg()[0],
        "waited_s": round(time.monotonic() - start, 1),
        "quiet": quiet(),
    }


# --------------------------------------------------------------------------- JAX's XLA

#: The mode name of the rows timed under JAX (`jax.jit` of the forward or forward + backward).
JAX_MODE = "jax_jit"


def _prepare_jax(candidate: Candidate, shape: tuple[int, int], direction: str, cache: dict):
    """`_prepare` for the JAX backend: one `jax.jit`-compiled step on a fixed input.

    The candidate's variables enter as arguments through `keras.StatelessScope`, so the
    forward + backward step returns their gradients too (a VJP with the fixed upstream dy).
    """
    import jax
    import keras

    fn, variables = candidate.factory(shape)
    values = [jax.numpy.asarray(keras.ops.convert_to_numpy(v)) for v in variables]

    def forward(x, *vals):
        with keras.StatelessScope(state_mapping=list(zip(variables, vals, strict=True))):
            return fn(x)

    y_shape = (shape[0], *tuple(forward(jax.numpy.zeros((1, *shape[1:])), *values).shape[1:]))
    key = (shape, y_shape)
    if key not in cache:
        rng = np.random.default_rng(0)
        cache[key] = (
            jax.numpy.asarray(rng.normal(size=shape).astype("float32")),
            jax.numpy.asarray(rng.normal(size=y_shape).astype("float32")),
        )
    x, dy = cache[key]
    if direction == "forward":
        step = jax.jit(forward)
    else:

        def forward_backward(x, dy, *vals):
            y, pullback = jax.vjp(forward, x, *vals)
            return y, pullback(dy)

        step = jax.jit(lambda x, *vals: forward_backward(x, dy, *vals))

    def run():
        return jax.block_until_ready(step(x, *values))

    run()  # compile and warm up outside the timed region
    return run, int(np.prod(y_shape))


def run_jax_benchmark(
    candidates: Sequence[Candidate],
    sizes_log2: Sequence[int],
    directions: Sequence[str] = DIRECTIONS,
    repeats: int = 5,
) -> list[dict]:
    """`run_benchmark` on Keras's JAX backend (this process must run it): mode `JAX_MODE`."""
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(
            "run_jax_benchmark needs KERAS_BACKEND=jax; use "
            f"run_in_jax_subprocess. Running backend: {keras.backend.backend()!r}"
        )
    rows = []
    for log2 in sizes_log2:
        n = 1 << log2
        shape = (max(n // ROW, 1), ROW)
        inputs: dict = {}
        for direction in directions:
            steps, out_elements = {}, {}
            for cand in candidates:
                try:
                    steps[cand], out_elements[cand] = _prepare_jax(cand, shape, direction, inputs)
                except Exception as exc:  # noqa: BLE001 - reported as data, not a crash
                    rows.append(_row(cand, log2, JAX_MODE, direction, [], 0, error=repr(exc)[:200]))
            for cand, ts in time_interleaved(steps, repeats).items():
                rows.append(_row(cand, log2, JAX_MODE, direction, ts, out_elements[cand]))
    return rows


def run_in_jax_subprocess(
    sizes_log2: Sequence[int],
    repeats: int = 5,
    directions: Sequence[str] = DIRECTIONS,
    timeout_s: float = 1800,
) -> dict:
    """`run_jax_benchmark` of `default_candidates()` in a child process on the JAX backend.

    Keras fixes its backend when imported, so the JAX timings of a TensorFlow notebook come
    from a second process, run now (same machine, same minute) and after this one's own
    timings. Returns ``{"rows": [...], "versions": {...}, "wall_s": ...}``; raises with the
    child's output if it fails.
    """
    import json
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rows.json")
        env = child_env(KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2")
        cmd = [
            sys.executable,
            "-m",
            "actlab.bench",
            "--jax-rows",
            out,
            "--repeats",
            str(repeats),
            "--sizes",
            *map(str, sizes_log2),
            "--directions",
            *directions,
        ]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(
                f"the JAX timing process failed:\n{(proc.stdout + proc.stderr)[-3000:]}"
            )
        with open(out) as f:
            result = json.load(f)
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def backend_table(
    tf_rows: list[dict],
    jax_rows: list[dict],
    log2_size: int = 22,
    direction: str = "forward_backward",
) -> list[dict]:
    """Per candidate: TensorFlow XLA (`jit`) against JAX XLA (`JAX_MODE`) at one size.

    ``jax_over_tf`` is the ratio of the medians (the two processes ran one after the other, so
    rounds are not paired); ``faster`` names the backend with the lower median, or
    ``"unclear"`` when the two interquartile ranges overlap.
    """

    def pick(rows, mode):
        return {
            (r["pair"], r["name"]): r
            for r in rows
            if r["mode"] == mode
            and r["direction"] == direction
            and r["log2_size"] == log2_size
            and "median_s" in r
        }

    tf_by, jax_by = pick(tf_rows, "jit"), pick(jax_rows, JAX_MODE)
    out = []
    for (_, name), t in tf_by.items():
        j = jax_by.get((t["pair"], name))
        if j is None:
            continue
        overlap = not (j["q3_s"] < t["q1_s"] or t["q3_s"] < j["q1_s"])
        faster = (
            "unclear" if overlap else ("jax" if j["median_s"] < t["median_s"] else "tensorflow")
        )
        out.append(
            {
                "pair": t["pair"],
                "name": name,
                "role": t["role"],
                "tf_ns_per_element": t["ns_per_element"],
                "jax_ns_per_element": j["ns_per_element"],
                "jax_over_tf": j["median_s"] / t["median_s"],
                "faster": faster,
            }
        )
    return out


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Time lib's activations under JAX's XLA.")
    parser.add_argument("--jax-rows", required=True, help="write the rows (JSON) here")
    parser.add_argument("--sizes", type=int, nargs="+", required=True, help="log2 sizes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--directions", nargs="+", default=list(DIRECTIONS))
    args = parser.parse_args(argv)
    import jax
    import keras

    rows = run_jax_benchmark(default_candidates(), args.sizes, args.directions, args.repeats)
    with open(args.jax_rows, "w") as f:
        json.dump(
            {
                "rows": rows,
                "versions": {
                    "jax": jax.__version__,
                    "keras": keras.__version__,
                    "backend": keras.backend.backend(),
                },
            },
            f,
        )


if __name__ == "__main__":
    _main()
