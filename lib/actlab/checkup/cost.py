"""The check ``cost`` (a warning at most): forward + backward under XLA as a paired ratio against
a reference built-in of the same output shape (Keras's ``silu``; for a target that doubles
its features, ``silu`` of x and of -x side by side), timed in interleaved rounds
(`actlab.bench.time_interleaved`, through `actlab.bench.run_benchmark`; TensorFlow only).

Each round times both once, back to back, so a busy moment of the machine slows both alike and
the round's ratio keeps; the ratio reported is the median over the rounds with a
distribution-free 95 % interval (order statistics). It warns only when the whole interval is
above `COST_WARN_X`, so the same target does not flip between pass and warn as the machine's
load changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from actlab import bench
from actlab.checkup.context import Context
from actlab.checkup.probe import WIDTH, backend, first_line
from actlab.checkup.reloading import reason
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import rebuild

COST_WARN_X = 3.0  # warn when the whole interval of the ratio to the reference is above this
CONFIDENCE = 0.95


def median_interval(ratios: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, ...]:
    """`(median, low, high)`: the median of `ratios` and a distribution-free interval for it
    from order statistics (coverage at least `confidence` when there are enough of them; with
    fewer than 6 the interval is their range)."""
    r = np.sort(np.asarray(ratios, dtype="float64"))
    n = len(r)
    k = 0  # the largest k with P(Binomial(n, 1/2) <= k - 1) <= (1 - confidence) / 2
    while k + 1 <= n // 2 and (
        sum(math.comb(n, i) for i in range(k + 1)) / 2**n <= (1 - confidence) / 2
    ):
        k += 1
    low, high = (r[k - 1], r[n - k]) if k else (r[0], r[-1])
    return float(np.median(r)), float(low), float(high)


def _reference(out_features: int):
    """A built-in of `out_features` outputs per `WIDTH` inputs: silu, or silu of ±x side by
    side for a target that doubles them; None for other shapes."""
    if out_features == WIDTH:
        return keras.activations.silu, "silu"
    if out_features == 2 * WIDTH:

        def silu_both(x):
            return ops.concatenate([keras.activations.silu(x), keras.activations.silu(-x)], -1)

        return silu_both, "concat(silu(x), silu(-x))"
    return None, None


def cost(ctx: Context, log2_size: int, repeats: int) -> CheckResult:
    if backend() != "tensorflow":
        return CheckResult("cost", "skip", "actlab.bench times the TensorFlow backend only.")
    if ctx.compiled is None:
        return CheckResult("cost", "skip", "Does not compile under XLA (see compiles).")
    target = ctx.t
    reference, name = _reference(int(np.prod(target.out_shape)))
    if reference is None:
        return CheckResult(
            "cost",
            "skip",
            f"No reference built-in with the output shape {target.out_shape} to time it against.",
        )

    if target.layer is not None:
        try:  # timed as a copy built for the timing input's width
            rebuild(target.layer)
        except Exception as exc:  # noqa: BLE001 - a config bug: serializes reports it
            return CheckResult(
                "cost",
                "skip",
                f"Skipped: cannot build a copy of the layer from get_config to time it "
                f"({reason(exc)}; see serializes).",
                {"error": reason(exc)},
            )

    mine, ref = _time_pair(target, reference, name, log2_size, repeats)
    if mine.get("error") or ref.get("error"):
        error = mine.get("error") or ref.get("error")
        return CheckResult(
            "cost",
            "skip",
            f"Could not be timed: {first_line(Exception(error))}",
            {"error": error},
        )
    return _verdict(mine, ref, name, log2_size, repeats)


def _time_pair(target, reference, name: str, log2_size: int, repeats: int) -> tuple[dict, dict]:
    """The timed rows of the target (``custom``) and the reference (``builtin``), forward +
    backward under XLA in interleaved rounds (``{"error": ...}`` for one not timed)."""

    def factory(shape):
        if target.layer is None:
            return target.fn, []
        layer = rebuild(target.layer)
        layer.build(shape)
        return layer, list(layer.trainable_variables)

    candidates = [
        bench.Candidate("checkup", name, "builtin", lambda shape: (reference, [])),
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
    mine = next((r for r in rows if r["role"] == "custom"), {"error": "not timed"})
    ref = next((r for r in rows if r["role"] == "builtin"), {"error": "not timed"})
    return mine, ref


def _verdict(mine: dict, ref: dict, name: str, log2_size: int, repeats: int) -> CheckResult:
    """The paired ratio's median and interval: a warning only when the whole interval is above
    `COST_WARN_X`."""
    ratios = np.asarray(mine["times_s"]) / np.asarray(ref["times_s"])
    median, low, high = median_interval(ratios)
    ev = {
        "reference": name,
        "log2_size": log2_size,
        "rounds": repeats,
        "ratio": median,
        "ratio_low": low,
        "ratio_high": high,
        "confidence": CONFIDENCE,
        "round_ratios": ratios,
        "ns_per_element": mine["ns_per_element"],
        "reference_ns_per_element": ref["ns_per_element"],
        "warn_above": COST_WARN_X,
    }
    text = (
        f"Forward + backward under XLA at 2^{log2_size} elements: {median:.2g}x {name} "
        f"(paired over {repeats} interleaved rounds, 95 % interval {low:.2g}x to {high:.2g}x; "
        f"{mine['ns_per_element']:.2g} ns per element, a measurement on this machine)"
    )
    if low > COST_WARN_X:
        return CheckResult(
            "cost", "warn", text + f": the whole interval is above {COST_WARN_X:g}x.", ev
        )
    return CheckResult("cost", "pass", text + ".", ev)
