"""The checks of non-finite values: ``forward_finite`` (the output) and ``gradient_finite``
(the autodiff gradient where the output is finite: the `where` trap of notebook 03)."""

from __future__ import annotations

import numpy as np

from actlab.checkup.context import Context
from actlab.checkup.probe import EXP_OVERFLOW_FLOAT32, FLT_MAX, LARGE_INPUT
from actlab.checkup.report import CheckResult


def forward_finite(ctx: Context) -> CheckResult:
    t = np.concatenate([ctx.grid, ctx.beyond])
    F = ctx.f32["F"]
    bad = ~np.isfinite(F)
    inside = np.abs(t) <= LARGE_INPUT
    ev = {
        **ctx.probe.evidence(),
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
            f"Non-finite output ({F[t == worst][0]}) at {ctx.x(worst)} in float32; "
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
            f"{ctx.x(worst)} (float32), outside the range pre-activations "
            "normally reach.",
            ev,
        )
    return CheckResult(
        "forward_finite",
        "pass",
        f"Finite outputs in float32 for all {len(t)} inputs from 0 and ±subnormals "
        f"to ±{FLT_MAX:.4g}, including x around ln(FLT_MAX) = "
        f"{EXP_OVERFLOW_FLOAT32:.2f}.",
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
                f"is {dF[i]} at {ctx.x(worst)} in float32{extra}, at "
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
