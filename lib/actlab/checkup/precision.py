"""The half-precision checks ``float16`` and ``bfloat16``: output or gradient non-finite where the
float32 result fits in the dtype (an internal overflow); layers run under the ``mixed_*``
policy."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from actlab.checkup.context import Context
from actlab.checkup.probe import first_line
from actlab.checkup.report import CheckResult


def half(ctx: Context, dtype: str) -> CheckResult:
    info = ml_dtypes.finfo(dtype)
    top = float(info.max)
    t = np.concatenate([ctx.grid, ctx.beyond])
    t = t[np.abs(t) <= top]
    try:
        fn = ctx.t.clone(f"mixed_{dtype}") if ctx.t.layer is not None else ctx.t.fn
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
                f"In {dtype} the {what} is {vals[i]} at {ctx.x(t[i])} although "
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
