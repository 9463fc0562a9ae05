"""The checks of the derivative against the function itself, on [-6, 6] and up to |x| = 1e4:
``gradient_correct`` (autodiff against central finite differences), ``kinks`` (where the
one-sided derivatives differ, or the function jumps) and ``gradient_alive`` (does the gradient
account for the change of f?)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.autodiff import float64_scope
from actlab.checkup.context import Context
from actlab.checkup.probe import LARGE_INPUT, SHAPE_RANGE, first_line, shape_grid
from actlab.checkup.report import CheckResult

FD_RTOL, FD_ATOL = 1e-3, 1e-5  # finite differences in float64
KINK_TOL = 1e-3  # one-sided derivatives differing by more than this (relative)
ALIVE_FAIL, ALIVE_WARN = 0.1, 0.5


def finite_differences(ctx: Context) -> dict[str, Any]:
    """Values, autodiff slopes and one-sided and central finite differences (float64 where the
    target computes in float64) on [-6, 6] and the range grid up to |x| = 1e4; computed once
    per target, shared by gradient_correct, kinks and gradient_alive."""
    if ctx.fd is None:
        with float64_scope():
            ctx.fd = _compute_finite_differences(ctx)
    return ctx.fd


def _compute_finite_differences(ctx: Context) -> dict[str, Any]:
    shape = shape_grid()
    extra = ctx.grid[(np.abs(ctx.grid) <= LARGE_INPUT) & (np.abs(ctx.grid) > SHAPE_RANGE)]
    t = np.concatenate([shape, extra])
    fn64, dtype, note = ctx.t.fn, "float64", None
    try:
        fn64 = ctx.t.clone("float64")
        probe = ctx.probe.evaluate(fn64, t[:4], "float64", grad=False, offset=True)
        if probe["out_dtype"] != "float64":
            raise TypeError(f"returns {probe['out_dtype']} for float64 inputs")
    except Exception as exc:  # noqa: BLE001 - fall back to float32 differences
        fn64, dtype, note = ctx.t.fn, "float32", f"float64 unavailable ({first_line(exc)})"
    h = (1e-6 if dtype == "float64" else 1e-2) * np.maximum(1.0, np.abs(t))
    mid = ctx.probe.evaluate(fn64, t, dtype, grad=True, offset=True)
    plus = ctx.probe.evaluate(fn64, t + h, dtype, grad=False, offset=True)["F"]
    minus = ctx.probe.evaluate(fn64, t - h, dtype, grad=False, offset=True)["F"]
    plus10 = ctx.probe.evaluate(fn64, t + 10 * h, dtype, grad=False, offset=True)["F"]
    minus10 = ctx.probe.evaluate(fn64, t - 10 * h, dtype, grad=False, offset=True)["F"]
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


def kinks(ctx: Context) -> CheckResult:
    fd = finite_differences(ctx)
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
    ctx.kinks = [
        {
            "x": float(t[i]),
            "kind": "jump" if is_jump[i] else "kink",
            "left": float(left[i]),
            "right": float(right[i]),
            "autodiff": float(dF[i]),
        }
        for i in np.flatnonzero(is_kink | is_jump)
    ]
    ev = {"kinks": ctx.kinks, "dtype": fd["dtype"]}
    shown = "; ".join(
        f"{k['kind']} at {ctx.x(k['x'], True)}: left {k['left']:.4g}, right {k['right']:.4g}, "
        f"autodiff {k['autodiff']:.4g}"
        for k in ctx.kinks[:4]
    )
    more = f" (and {len(ctx.kinks) - 4} more)" if len(ctx.kinks) > 4 else ""
    bad = [k for k in ctx.kinks if not math.isfinite(k["autodiff"])]
    if bad:
        return CheckResult(
            "kinks",
            "fail",
            f"The autodiff gradient is {bad[0]['autodiff']} at "
            f"the {bad[0]['kind']} at {ctx.x(bad[0]['x'], True)}.",
            ev,
        )
    if not ctx.kinks:
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
        f"{len(ctx.kinks)} point(s) where the one-sided derivatives differ: {shown}{more}.",
        ev,
    )


def gradient_correct(ctx: Context) -> CheckResult:
    fd = finite_differences(ctx)
    if not ctx.kinks:
        kinks(ctx)
    if fd["no_gradient"]:
        return CheckResult(
            "gradient_correct",
            "skip",
            "No gradient to compare (autodiff returns None; see gradient_finite).",
            {"no_gradient": True},
        )
    t, ad, num = fd["t"], fd["dF"], fd["central"]
    near_kink = np.zeros(len(t), bool)
    for k in ctx.kinks:
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
        status = "warn" if ctx.allow_surrogate else "fail"
        why = (
            " (allowed: a deliberate surrogate gradient such as a straight-through estimator)"
            if ctx.allow_surrogate
            else "; if this is a deliberate surrogate (straight-through) gradient, pass "
            "allow_surrogate_gradient=True"
        )
        return CheckResult(
            "gradient_correct",
            status,
            f"Autodiff gives {ad[i]:.6g} but the central finite difference is "
            f"{num[i]:.6g} at {ctx.x(t[i], True)} ({fd['dtype']}); "
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


def gradient_alive(ctx: Context) -> CheckResult:
    fd = finite_differences(ctx)
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
