"""The check ``cost`` (a warning only): forward + backward under XLA against ReLU and the copy
floor (`actlab.bench`; TensorFlow only)."""

from __future__ import annotations

import keras

from actlab import bench
from actlab.checkup.context import Context
from actlab.checkup.probe import backend
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import rebuild

COST_WARN_X_FLOOR = 3.0


def cost(ctx: Context, log2_size: int, repeats: int) -> CheckResult:
    if backend() != "tensorflow":
        return CheckResult("cost", "skip", "actlab.bench times the TensorFlow backend only.")
    if ctx.compiled is None:
        return CheckResult("cost", "skip", "Does not compile under XLA (see compiles).")

    target = ctx.t

    def factory(shape):
        if target.layer is None:
            return target.fn, []
        layer = rebuild(target.layer)
        layer.build(shape)
        return layer, list(layer.trainable_variables)

    candidates = [
        bench.Candidate("checkup", "relu", "builtin", lambda shape: (keras.activations.relu, [])),
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
        return CheckResult("cost", "warn", text + f": above {COST_WARN_X_FLOOR:g}x the floor.", ev)
    return CheckResult("cost", "pass", text + ".", ev)
