"""The half-precision checks ``float16`` and ``bfloat16``: output or gradient non-finite where the
float32 result fits in the dtype (an internal overflow). Layers run under the ``mixed_*``
policy in place (not rebuilt from `get_config`: a config bug is `serializes`'s to
report, once); for functions the sub-expression that overflows is named (`causes`)."""

from __future__ import annotations

import contextlib

import ml_dtypes
import numpy as np

from actlab.checkup.context import Context
from actlab.checkup.finite import because
from actlab.checkup.probe import LARGE_INPUT, first_line
from actlab.checkup.report import CheckResult


def half(ctx: Context, dtype: str) -> CheckResult:
    info = ml_dtypes.finfo(dtype)
    top = float(info.max)
    t = np.concatenate([ctx.grid, ctx.beyond])
    t = t[np.abs(t) <= top]
    try:
        with contextlib.ExitStack() as stack:
            fn = ctx.t.fn
            if ctx.t.layer is not None:
                fn = stack.enter_context(ctx.t.in_policy(f"mixed_{dtype}"))
            low = ctx.probe.evaluate(fn, t, dtype)
    except Exception as exc:  # noqa: BLE001
        return CheckResult(
            dtype,
            "fail",
            f"Does not run in {dtype}: {type(exc).__name__}: {first_line(exc)}",
            {"error": first_line(exc)},
        )
    x_used = low["x_used"]  # the inputs after rounding to `dtype`
    ref = ctx.probe.evaluate(ctx.t.fn, x_used if ctx.probe.elementwise else t, "float32")
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
    inside = np.abs(t) <= LARGE_INPUT
    for status, region in (("fail", inside), ("warn", ~inside)):
        for what, bad, vals, refs in (
            ("output", bad_y & region, low["F"], ref["F"]),
            ("gradient", bad_g & region, low["dF"], ref["dF"]),
        ):
            if not bad.any():
                continue
            i = int(np.flatnonzero(bad)[np.argmin(np.abs(t[bad]))])
            ev["smallest_abs_x"] = abs(t[i])
            extra = "" if status == "fail" else f" (only beyond |x| = {LARGE_INPUT:g})"
            return CheckResult(
                dtype,
                status,
                f"In {dtype} the {what} is {vals[i]} at {ctx.x(t[i])}{extra} although "
                f"the float32 {what} ({refs[i]:.6g}) fits (max {top:.6g}): an "
                f"internal overflow; {int(bad.sum())} input(s) affected, this is the one of "
                f"smallest |x|" + (because(ctx, t[i], ev, dtype) if ctx.t.layer is None else "."),
                ev,
            )
    return CheckResult(
        dtype,
        "pass",
        f"Output and gradient finite in {dtype} at all {len(t)} inputs up to "
        f"|x| = {top:.4g} wherever the float32 result fits in {dtype}.",
        ev,
    )
