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


@contextlib.contextmanager
def _in_dtype(ctx: Context, dtype: str):
    """The target computing in `dtype` while inside (a layer under the ``mixed_*`` policy)."""
    with contextlib.ExitStack() as stack:
        fn = ctx.t.fn
        if ctx.t.layer is not None:
            fn = stack.enter_context(ctx.t.in_policy(f"mixed_{dtype}"))
        yield fn


def _internal_overflow(ctx: Context, dtype: str, t: np.ndarray) -> dict:
    """Per point of `t`: where the output (`bad_y`) and the gradient (`bad_g`) are non-finite
    in `dtype` although the float32 result fits in it, with both evaluations."""
    top = float(ml_dtypes.finfo(dtype).max)
    with _in_dtype(ctx, dtype) as fn:
        low = ctx.probe.evaluate(fn, t, dtype)
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
    return {"low": low, "ref": ref, "bad_y": bad_y, "bad_g": bad_g}


def _onset(ctx: Context, dtype: str, good: float, bad: float, key: str) -> float:
    """Where the overflow starts between a probe point `good` (fine) and `bad` (its `key`,
    ``bad_y`` or ``bad_g``, is an internal overflow): the bad end of a bisection on the
    values `dtype` can hold (the probes are sparse out there: 200, then 500)."""
    for _ in range(64):
        mid = float(np.asarray((good + bad) / 2, dtype=ml_dtypes.finfo(dtype).dtype))
        if mid in (good, bad):
            break
        if _internal_overflow(ctx, dtype, np.array([mid]))[key][0]:
            bad = mid
        else:
            good = mid
    return bad


def half(ctx: Context, dtype: str) -> CheckResult:
    info = ml_dtypes.finfo(dtype)
    top = float(info.max)
    t = np.concatenate([ctx.grid, ctx.beyond])
    t = t[np.abs(t) <= top]
    try:
        found = _internal_overflow(ctx, dtype, t)
    except Exception as exc:  # noqa: BLE001
        return CheckResult(
            dtype,
            "fail",
            f"Does not run in {dtype}: {type(exc).__name__}: {first_line(exc)}",
            {"error": first_line(exc)},
        )
    low, ref, bad_y, bad_g = found["low"], found["ref"], found["bad_y"], found["bad_g"]
    ev = {
        "max": top,
        "n_inputs": len(t),
        "forward_nonfinite_inputs": t[bad_y],
        "gradient_nonfinite_inputs": t[bad_g],
    }
    inside = np.abs(t) <= LARGE_INPUT
    for status, region in (("fail", inside), ("warn", ~inside)):
        for what, key, bad, vals, refs in (
            ("output", "bad_y", bad_y & region, low["F"], ref["F"]),
            ("gradient", "bad_g", bad_g & region, low["dF"], ref["dF"]),
        ):
            if not bad.any():
                continue
            i = int(np.flatnonzero(bad)[np.argmin(np.abs(t[bad]))])
            ev["smallest_abs_x"] = abs(t[i])
            extra = "" if status == "fail" else f" (only beyond |x| = {LARGE_INPUT:g})"
            where, value, reference, good = _onset_point(
                ctx, dtype, t, i, key, vals, refs, ~bad_y & ~bad_g, ev
            )
            start = (
                f"from {ctx.x(where)} outwards (bisected between the probes "
                f"{good:.6g} and {t[i]:.6g})"
                if "onset_x" in ev
                else f"at {ctx.x(where)}"
            )
            return CheckResult(
                dtype,
                status,
                f"In {dtype} the {what} is {value} {start}{extra} although the float32 "
                f"{what} ({reference:.6g}) fits (max {top:.6g}): an internal overflow; "
                f"{int(bad.sum())} probe input(s) affected"
                + (because(ctx, where, ev, dtype) if ctx.t.layer is None else "."),
                ev,
            )
    return CheckResult(
        dtype,
        "pass",
        f"Output and gradient finite in {dtype} at all {len(t)} inputs up to "
        f"|x| = {top:.4g} wherever the float32 result fits in {dtype}.",
        ev,
    )


def _onset_point(ctx: Context, dtype: str, t, i: int, key: str, vals, refs, fine, ev) -> tuple:
    """``(where, value, reference, good)``: where the non-finite `key` starts, bisected from the
    probe point of smallest |x| on the same side that is fine (`good`, None if there is none),
    with the half-precision and float32 values there; the probe's point `t[i]` otherwise."""
    # the probe point of smallest |x| on the same side that is fine, if any
    side = (np.sign(t) == np.sign(t[i])) & (np.abs(t) < abs(t[i])) & fine
    where, value, reference = t[i], vals[i], refs[i]
    good = None
    if side.any() and t[i] != 0:
        good = float(t[side][np.argmax(np.abs(t[side]))])
        with contextlib.suppress(Exception):  # the probe's point stands otherwise
            where = _onset(ctx, dtype, good, float(t[i]), key)
            at = _internal_overflow(ctx, dtype, np.array([where]))
            value = at["low"]["F" if key == "bad_y" else "dF"][0]
            reference = at["ref"]["F" if key == "bad_y" else "dF"][0]
            ev["onset_x"] = where
            ev["bisected_between"] = [good, float(t[i])]
    return where, value, reference, good
