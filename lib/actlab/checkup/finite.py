"""The checks of non-finite values: ``forward_finite`` (the output) and ``gradient_finite``
(the autodiff gradient where the output is finite: the `where` trap of notebook 03, or an
inf that another op absorbs). Both report the input of smallest |x| that goes wrong, the
number of such inputs, and the sub-expression that goes non-finite there (`causes`)."""

from __future__ import annotations

import numpy as np

from actlab.autodiff import float64_scope
from actlab.checkup.causes import explain_safely
from actlab.checkup.context import Context
from actlab.checkup.probe import EXP_OVERFLOW_FLOAT32, FLT_MAX, LARGE_INPUT
from actlab.checkup.report import CheckResult


def _too_large(ctx: Context, t: np.ndarray) -> np.ndarray:
    """Where the target's true value (float64) is itself beyond float32 (exp(100)): inf is
    then the right float32 result, not a defect. All False without a float64 copy."""
    if not len(t):
        return np.zeros(0, bool)
    try:
        with float64_scope():
            ref = ctx.probe.evaluate(ctx.t.clone("float64"), t, "float64", grad=False)
        if ref["out_dtype"] != "float64":
            return np.zeros(len(t), bool)
        with np.errstate(all="ignore"):
            return np.isinf(ref["F"]) | (np.abs(ref["F"]) > FLT_MAX)
    except Exception:  # noqa: BLE001 - no float64 reference: every inf counts
        return np.zeros(len(t), bool)


def forward_finite(ctx: Context) -> CheckResult:
    t = np.concatenate([ctx.grid, ctx.beyond])
    F = ctx.f32["F"]
    bad = ~np.isfinite(F)
    true_overflow = np.zeros(len(t), bool)
    true_overflow[bad] = _too_large(ctx, t[bad])
    bad &= ~true_overflow
    inside = np.abs(t) <= LARGE_INPUT
    ev = {
        **ctx.probe.evidence(),
        "n_inputs": int(inside.sum()),
        "n_beyond": int((~inside).sum()),
        "nonfinite_inputs": t[bad & inside],
        "nonfinite_beyond": t[bad & ~inside],
        "beyond_float32_inputs": t[true_overflow],
    }
    overflow_note = ""
    if true_overflow.any():
        first = t[true_overflow][np.argmin(np.abs(t[true_overflow]))]
        overflow_note = (
            f" (from {ctx.x(first)} its true value exceeds float32's {FLT_MAX:.4g}: inf is "
            "the right float32 result there)"
        )
    if (bad & inside).any():
        worst = t[bad & inside][np.argmin(np.abs(t[bad & inside]))]
        ev["smallest_nonfinite_abs_x"] = abs(worst)
        return CheckResult(
            "forward_finite",
            "fail",
            f"Non-finite output ({F[t == worst][0]}) at {ctx.x(worst)} in float32, the "
            f"smallest |x| of the {int((bad & inside).sum())} of {int(inside.sum())} inputs "
            f"with |x| <= {LARGE_INPUT:g} that give one" + because(ctx, worst, ev),
            ev,
        )
    if (bad & ~inside).any():
        worst = t[bad & ~inside][np.argmin(np.abs(t[bad & ~inside]))]
        ev["smallest_nonfinite_abs_x"] = abs(worst)
        return CheckResult(
            "forward_finite",
            "warn",
            f"Finite up to |x| = {LARGE_INPUT:g}, but non-finite from "
            f"{ctx.x(worst)} (float32), outside the range pre-activations "
            "normally reach" + because(ctx, worst, ev),
            ev,
        )
    return CheckResult(
        "forward_finite",
        "pass",
        f"Finite outputs in float32 for all {len(t)} inputs from 0 and ±subnormals "
        f"to ±{FLT_MAX:.4g}, including x around ln(FLT_MAX) = "
        f"{EXP_OVERFLOW_FLOAT32:.2f}{overflow_note}.",
        ev,
    )


def gradient_finite(ctx: Context) -> CheckResult:
    t = np.concatenate([ctx.grid, ctx.beyond])
    if ctx.f32["no_gradient"]:
        return CheckResult(
            "gradient_finite",
            "fail",
            "Autodiff returns no gradient (None) with respect to the input: "
            "the output is not connected to x through differentiable ops "
            "(stop_gradient, round, a cast, NumPy?).",
            {"no_gradient": True},
        )
    F, dF = ctx.f32["F"], ctx.f32["dF"]
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
                f"is {dF[i]} at {ctx.x(worst)} in float32{extra}, the smallest |x| of the "
                f"{int(where.sum())} input(s) where it is not finite" + because(ctx, worst, ev),
                ev,
            )
    return CheckResult(
        "gradient_finite",
        "pass",
        f"Wherever the output is finite the gradient is finite too "
        f"({int(np.isfinite(F).sum())} inputs, float32).",
        ev,
    )


def because(ctx: Context, t: float, ev: dict, dtype: str = "float32") -> str:
    """The end of a failure's sentence: the sub-expression that goes non-finite at probe point
    `t` and what to do (`causes.explain`), or why it cannot be named. Adds `cause` to `ev`."""
    cause = explain_safely(ctx.t, ctx.probe.layout(np.array([t]), offset=False)[0], dtype)
    if cause is None:
        ev["cause"] = {"traced": False}
        return (
            ": its sub-expressions cannot be traced with keras.ops (TensorFlow ops or a "
            "custom gradient?), so the one that goes non-finite is not named."
        )
    ev["cause"] = cause.evidence
    return f": {cause.sentence()}."
