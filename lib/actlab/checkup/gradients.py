"""The checks of the derivative against the function itself: ``gradient_correct`` (autodiff
against central finite differences on [-6, 6] and up to |x| = 1e4, reported where it first
goes wrong) and ``gradient_alive`` (does the gradient account for the change of f?)."""

from __future__ import annotations

import numpy as np

from actlab.autodiff import float64_scope
from actlab.checkup.context import Context
from actlab.checkup.differences import differences, finite_differences, probe_text
from actlab.checkup.kinks import MAX_REFINED, find_kinks, near_kinks
from actlab.checkup.probe import LARGE_INPUT, SHAPE_RANGE, points_around
from actlab.checkup.report import CheckResult

FD_RTOL, FD_ATOL = 1e-3, 1e-5  # finite differences in float64
ALIVE_FAIL, ALIVE_WARN = 0.1, 0.5
MAX_ISOLATED = 8  # mismatches few enough to test whether each is an isolated point


def _isolated(ctx: Context, fd: dict, x: np.ndarray, rtol: float, atol: float) -> bool:
    """Whether autodiff and finite differences agree at ±1e-3, ±1e-4 and ±1e-5 (relative)
    around every point of `x`: the gradient is wrong at those points alone, on no interval."""
    offsets = np.array([-1e-3, -1e-4, -1e-5, 1e-5, 1e-4, 1e-3])
    around = (x[:, None] + offsets[None, :] * np.maximum(1.0, np.abs(x))[:, None]).ravel()
    with float64_scope():
        near = differences(ctx, fd["fn"], fd["dtype"], around)
    if near["dF"] is None:
        return False
    with np.errstate(all="ignore"):
        err = np.abs(near["dF"] - near["central"])
        tol = atol + rtol * np.maximum(np.abs(near["dF"]), np.abs(near["central"]))
        return bool(np.all(err <= tol))


def gradient_correct(ctx: Context) -> CheckResult:
    fd = finite_differences(ctx)
    found = find_kinks(ctx)
    if fd["no_gradient"]:
        return CheckResult(
            "gradient_correct",
            "skip",
            "No gradient to compare (autodiff returns None; see gradient_finite).",
            {"no_gradient": True},
        )
    t, ad, num, num10, F = _with_points_around_kinks(ctx, fd, found)
    near_kink = near_kinks(t, found, fd["dtype"])
    usable, err, tol, bad, rtol, atol = _compare(fd["dtype"], ad, num, num10, F, near_kink)
    ev = {
        "dtype": fd["dtype"],
        "probe_seed": fd["seed"],
        "n_points": int(usable.sum()),
        "n_skipped_near_kinks": int(near_kink.sum()),
        "n_skipped_nonfinite": int((~usable & ~near_kink).sum()),
        "rtol": rtol,
        "atol": atol,
        "n_mismatch": int(bad.sum()),
        "note": fd["note"],
    }
    if usable.any():
        w = int(np.argmax(np.where(usable, err / tol, -np.inf)))
        ev.update(
            worst_x=t[w],
            worst_autodiff=ad[w],
            worst_finite_difference=num[w],
            max_abs_error=err[w],
        )
    if bad.any():
        return _disagreement(ctx, fd, t, ad, num, usable, bad, rtol, atol, ev)
    return CheckResult(
        "gradient_correct",
        "pass",
        f"Autodiff matches central finite differences ({fd['dtype']}) at "
        f"{int(usable.sum())} points on [-6, 6] and up to |x| = {LARGE_INPUT:g} "
        f"({probe_text(fd)}; worst |error| {ev.get('max_abs_error', 0):.2g}); "
        f"{int(near_kink.sum())} point(s) at kinks skipped.",
        ev,
    )


def _with_points_around_kinks(ctx: Context, fd: dict, found: list) -> tuple:
    """The probe's points, autodiff, the central differences (at h and 10h) and the function,
    with dense points around every kink: a gradient wrong right next to one shows."""
    t, ad, num, num10, F = fd["t"], fd["dF"], fd["central"], fd["central10"], fd["F"]
    if found:
        around = points_around(np.array([k["x"] for k in found[:MAX_REFINED]]), ctx.seed)
        with float64_scope():
            more = differences(ctx, fd["fn"], fd["dtype"], around)
        t = np.concatenate([t, around])
        ad = np.concatenate([ad, more["dF"]])
        num = np.concatenate([num, more["central"]])
        num10 = np.concatenate([num10, more["central10"]])
        F = np.concatenate([F, more["F"]])
    return t, ad, num, num10, F


def _compare(dtype: str, ad, num, num10, F, near_kink) -> tuple:
    """``(usable, err, tol, bad, rtol, atol)``: the points compared (finite, away from kinks),
    |autodiff − difference|, the tolerance at each point, where it is exceeded."""
    with np.errstate(all="ignore"):
        usable = np.isfinite(ad) & np.isfinite(num) & np.isfinite(F) & ~near_kink
        rtol, atol = (FD_RTOL, FD_ATOL) if dtype == "float64" else (3e-2, 3e-3)
        err = np.abs(ad - num)
        # plus the difference's own truncation error (h² f''' / 6), estimated from the one at
        # 10h, which has a hundred times as much: it matters for float32's coarse h = 1e-2
        truncation = np.where(np.isfinite(num10), np.abs(num - num10) / 99.0, 0.0)
        tol = atol + rtol * np.maximum(np.abs(ad), np.abs(num)) + 3.0 * truncation
        bad = usable & (err > tol)
    return usable, err, tol, bad, rtol, atol


def _disagreement(ctx: Context, fd: dict, t, ad, num, usable, bad, rtol, atol, ev) -> CheckResult:
    """Autodiff and the differences disagree: at isolated branch points a warning, elsewhere a
    failure (a warning when a surrogate gradient is allowed)."""
    i = int(np.flatnonzero(bad)[np.argmin(np.abs(t[bad]))])  # where it first goes wrong
    ev.update(
        first_x=t[i],
        first_autodiff=ad[i],
        first_finite_difference=num[i],
        mismatch_x=np.sort(t[bad])[:20],
    )
    mismatch = t[bad]
    if len(mismatch) <= MAX_ISOLATED and _isolated(ctx, fd, mismatch, rtol, atol):
        ev["isolated"] = True
        return CheckResult(
            "gradient_correct",
            "warn",
            f"Autodiff gives {ad[i]:.6g} but the central finite difference is "
            f"{num[i]:.6g} at {ctx.x(t[i], True)} ({fd['dtype']}), and disagrees at "
            f"isolated points only ({', '.join(f'{v:.6g}' for v in np.sort(mismatch))}; "
            "they agree at ±1e-3, 1e-4 and 1e-5 around each): a branch point where "
            "autodiff adds both branches' slopes or picks another one (a tie of "
            "maximum/minimum/where); harmless unless inputs land exactly there.",
            ev,
        )
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
        f"{num[i]:.6g} at {ctx.x(t[i], True)} ({fd['dtype']}), the smallest |x| where they "
        f"disagree; {int(bad.sum())} of {int(usable.sum())} points disagree "
        f"({probe_text(fd)}){why}.",
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
        "probe_seed": fd["seed"],
        "n_points": int(len(t)),
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
        f"{integral:.4g} against total variation {tv:.4g}, {len(t)} points).",
        ev,
    )
