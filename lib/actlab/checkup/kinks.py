"""The check ``kinks``: where the one-sided derivatives differ, or the function jumps, and the
value autodiff returns there (it fails only if that value is non-finite).

Kinks are found at the fixed grid points (the one-sided differences there) and between any two
neighbouring points of [-6, 6]: an interval where the slope changes more than its neighbours'
changes explain (a kink) or the value changes more than the slopes at both ends explain (a
jump) is bisected down to the difference step, and the location is moved to the roundest
number within that precision which is still a kink (``relu(x - 0.013)``: 0.013).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from actlab.autodiff import float64_scope
from actlab.checkup.context import Context
from actlab.checkup.differences import finite_differences, probe_text, step
from actlab.checkup.report import CheckResult

__all__ = ["find_kinks", "near_kinks", "kinks", "KINK_TOL", "MAX_REFINED"]

KINK_TOL = 1e-3  # one-sided derivatives differing by more than this (relative)
MAX_REFINED = 64  # kink and jump candidates located by bisection (the largest first)
BISECTIONS = 36  # halvings of a candidate interval (0.005 / 2**36 ~ 1e-13)
SPIKE = 8.0  # a candidate's slope change per unit x exceeds its neighbours' median this much


def fine_step(t: np.ndarray, dtype: str) -> np.ndarray:
    """The difference step that locates and verifies kinks: the finite differences' own in
    float64; finer than theirs in float32 (whose 1e-3 would smear neighbouring jumps)."""
    return (1e-6 if dtype == "float64" else 2e-4) * np.maximum(1.0, np.abs(t))


def _point_tests(fd: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """At each point: a kink (the one-sided slopes differ by about as much at h as at 10h; on a
    smooth curve the difference is h·f'' and shrinks tenfold with h) and a jump (the central
    difference grows like 1/h: ten times larger at h than at 10h)."""
    left, right = fd["left"], fd["right"]
    with np.errstate(all="ignore"):
        scale = 1 + np.abs(left) + np.abs(right)
        gap, gap10 = np.abs(right - left), np.abs(fd["right10"] - fd["left10"])
        is_kink = (
            np.isfinite(left)
            & np.isfinite(right)
            & np.isfinite(fd["F"])
            & (gap > KINK_TOL * scale)
            & (gap > 0.5 * gap10)
        )
        c1, c10 = fd["central"], fd["central10"]
        is_jump = np.isfinite(c1) & np.isfinite(c10) & (np.abs(c1) > 5 * (1 + np.abs(c10)))
    return is_kink, is_jump


def _spikes(values: np.ndarray) -> np.ndarray:
    """`values` against the median of their 12 neighbours (6 on each side)."""
    padded = np.pad(values, 6, mode="edge")
    windows = sliding_window_view(padded, 13)
    return values / (np.median(windows, axis=1) + 1e-300)


def _candidates(fd: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Intervals between neighbouring points of [-6, 6] that hold a kink (the slope changes
    more than the neighbouring intervals explain) or a jump (the value changes more than the
    slopes at both ends explain): `(indices i of [t_i, t_i+1], is_jump)`, jumps first."""
    n = fd["n_shape"]
    t, F, d = fd["t"][:n], fd["F"][:n], fd["central"][:n]
    dt = np.diff(t)
    with np.errstate(all="ignore"):
        ok = np.isfinite(F[:-1]) & np.isfinite(F[1:]) & np.isfinite(d[:-1]) & np.isfinite(d[1:])
        ok &= dt > 0

        def bends(slopes):
            change = np.where(
                ok & np.isfinite(slopes[:-1]) & np.isfinite(slopes[1:]),
                np.abs(np.diff(slopes)),
                0.0,
            )
            flagged = (change > KINK_TOL * (1 + np.abs(slopes[:-1]) + np.abs(slopes[1:]))) & (
                _spikes(change / np.where(dt > 0, dt, 1.0)) > SPIKE
            )
            return change, flagged

        gap, kink = bends(d)
        if fd["dF"] is not None:  # a coarse difference step smears a kink over its neighbours;
            ad_gap, ad_kink = bends(fd["dF"][:n])  # autodiff's slopes change at once (the
            kink |= ad_kink  # candidates are verified on f itself: a wrong autodiff is no kink)
            gap = np.where(ad_kink & ~(gap > 0), ad_gap, gap)
        unexplained = np.abs(np.diff(F) - 0.5 * (d[:-1] + d[1:]) * dt)
        if fd["dF"] is not None:  # a coarse difference step smears a jump over its neighbours:
            a = fd["dF"][:n]  # the change the autodiff slopes leave unexplained, if smaller
            by_autodiff = np.abs(np.diff(F) - 0.5 * (a[:-1] + a[1:]) * dt)
            unexplained = np.fmin(
                unexplained, np.where(np.isfinite(by_autodiff), by_autodiff, np.inf)
            )
        unexplained = np.where(ok, unexplained, 0.0)
        jump = (unexplained > KINK_TOL * (1 + np.abs(F[:-1]) + np.abs(F[1:]))) & (
            _spikes(unexplained) > SPIKE
        )
    size = np.where(jump, unexplained, np.where(kink, gap, 0.0))
    index = np.flatnonzero(kink | jump)
    # jumps first (a coarse difference step also sees a "kink" on each side of a jump), then
    # the largest changes first
    index = index[np.lexsort((-size[index], ~jump[index]))][:MAX_REFINED]
    return index, jump[index]


def _bisect(ctx: Context, fd: dict[str, Any], index: np.ndarray, jump: np.ndarray) -> np.ndarray:
    """Where in each candidate interval the kink or jump sits (all intervals at once): the half
    whose slope (kink: finite differences) or value (jump: the change its end slopes do not
    explain) the far end explains is dropped. A jump's end slopes are autodiff's, taken at the
    point itself (a finite difference next to the jump straddles it), zero without a gradient."""
    fn, dtype = fd["fn"], fd["dtype"]
    t, F, d = fd["t"], fd["F"], fd["central"]
    ad = np.zeros_like(t) if fd["dF"] is None else np.nan_to_num(fd["dF"], posinf=0.0, neginf=0.0)
    a, b = t[index].copy(), t[index + 1].copy()
    fa, fb, da, db = F[index].copy(), F[index + 1].copy(), d[index].copy(), d[index + 1].copy()
    sa, sb = ad[index].copy(), ad[index + 1].copy()
    for _ in range(BISECTIONS):
        m = 0.5 * (a + b)
        h = fine_step(m, dtype)
        mid = ctx.probe.evaluate(fn, m, dtype, grad=True, offset=True)
        fm = mid["F"]
        sm = (
            np.zeros_like(m)
            if mid["dF"] is None
            else np.nan_to_num(mid["dF"], posinf=0.0, neginf=0.0)
        )
        plus = ctx.probe.evaluate(fn, m + h, dtype, grad=False, offset=True)["F"]
        minus = ctx.probe.evaluate(fn, m - h, dtype, grad=False, offset=True)["F"]
        with np.errstate(all="ignore"):
            dm = (plus - minus) / (2 * h)
            left_half = np.where(
                jump,
                np.abs(fm - fa - sa * (m - a)) > np.abs(fb - fm - sb * (b - m)),
                np.abs(dm - db) < np.abs(dm - da),
            )
        left_half &= np.isfinite(fm) & np.isfinite(dm)
        b, fb, db, sb = (
            np.where(left_half, m, b),
            np.where(left_half, fm, fb),
            np.where(left_half, dm, db),
            np.where(left_half, sm, sb),
        )
        a, fa, da, sa = (
            np.where(left_half, a, m),
            np.where(left_half, fa, fm),
            np.where(left_half, da, dm),
            np.where(left_half, sa, sm),
        )
    return 0.5 * (a + b)


def _describe_at(ctx: Context, fd: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
    """One-sided slopes at 10h and 100h (wider than the bisection's precision), the point tests
    there, and the autodiff slope at `x`."""
    fn, dtype = fd["fn"], fd["dtype"]
    H = 10 * fine_step(x, dtype)
    with float64_scope():
        mid = ctx.probe.evaluate(fn, x, dtype, grad=True, offset=True)
        ev = {
            k: ctx.probe.evaluate(fn, x + s * H, dtype, grad=False, offset=True)["F"]
            for k, s in (("p", 1), ("m", -1), ("p10", 10), ("m10", -10))
        }
    with np.errstate(all="ignore"):
        probe = {
            "F": mid["F"],
            "left": (mid["F"] - ev["m"]) / H,
            "right": (ev["p"] - mid["F"]) / H,
            "left10": (mid["F"] - ev["m10"]) / (10 * H),
            "right10": (ev["p10"] - mid["F"]) / (10 * H),
            "central": (ev["p"] - ev["m"]) / (2 * H),
            "central10": (ev["p10"] - ev["m10"]) / (20 * H),
        }
    probe["is_kink"], probe["is_jump"] = _point_tests(probe)
    probe["autodiff"] = np.zeros(len(x)) if mid["dF"] is None else mid["dF"]
    return probe


def _snap(ctx: Context, fd: dict[str, Any], x: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Each located `x` moved to the roundest number within twice the difference step that is
    still a kink (or jump) of the same kind: 0.013 rather than 0.01300000041."""
    out = x.copy()
    tol = 2 * fine_step(x, fd["dtype"])
    for decimals in range(0, 11):
        r = np.round(x, decimals)
        open_ = (out == x) & (np.abs(r - x) <= tol) & (r != x)
        if not open_.any():
            continue
        idx = np.flatnonzero(open_)
        probe = _describe_at(ctx, fd, r[idx])
        same = np.where(kind[idx] == "jump", probe["is_jump"], probe["is_kink"])
        out[idx[same]] = r[idx[same]]
    return out


def find_kinks(ctx: Context) -> list[dict]:
    """The kinks and jumps of the target (computed once per target): at the fixed points (the
    point tests) and between the points of [-6, 6] (located by bisection), merged."""
    if ctx.kinks is not None:
        return ctx.kinks
    fd = finite_differences(ctx)
    is_kink, is_jump = _point_tests(fd)
    at_points = fd["t"][(is_kink | is_jump) & fd["fixed"]]
    # (x, kind, priority): located by the jump rule, then by the kink rule, each rounded
    # before not, then the fixed grid points (a window wide enough for float32 also sees a
    # jump from a point next to it; the jump rule's location is the one to keep)
    found = []
    if len(at_points):  # confirmed with the finer step (in float32 the coarse one misleads)
        probe = _describe_at(ctx, fd, at_points)
        for x, jumps, bends in zip(at_points, probe["is_jump"], probe["is_kink"], strict=True):
            if jumps or bends:
                found.append((float(x), "jump" if jumps else "kink", 4))
    index, jump = _candidates(fd)
    if len(index):
        with float64_scope():
            x = _bisect(ctx, fd, index, jump)
        probe = _describe_at(ctx, fd, x)
        kind = np.where(probe["is_jump"], "jump", np.where(probe["is_kink"], "kink", ""))
        keep = kind != ""
        x, kind, rule = x[keep], kind[keep], np.where(jump[keep], 0, 2)
        snapped = _snap(ctx, fd, x, kind)
        found += [
            (float(s), str(k), int(r) + (0 if s != u else 1))
            for s, u, k, r in zip(snapped, x, kind, rule, strict=True)
        ]
    kinks = _merge(found, fd["dtype"])
    ctx.kinks = _details(ctx, fd, kinks)
    return ctx.kinks


def _merge(found: list[tuple[float, str, int]], dtype: str) -> list[tuple[float, str]]:
    """One entry per kink: points closer than 50 difference steps are the same kink, reported
    where the entry of lowest priority says (see `find_kinks`)."""
    merged: list[tuple[float, str, int]] = []
    for x, kind, priority in sorted(found):
        if merged and abs(x - merged[-1][0]) <= 50 * fine_step(np.array([x]), dtype)[0]:
            if priority < merged[-1][2]:
                merged[-1] = (x, kind, priority)
            continue
        merged.append((x, kind, priority))
    return [(x, kind) for x, kind, _ in merged]


def _details(ctx: Context, fd: dict[str, Any], kinks: list[tuple[float, str]]) -> list[dict]:
    """Each kink with its one-sided slopes, the autodiff slope there and, for a jump, its size."""
    if not kinks:
        return []
    x = np.array([k[0] for k in kinks])
    probe = _describe_at(ctx, fd, x)
    H = 10 * fine_step(x, fd["dtype"])
    out = []
    for i, (xi, kind) in enumerate(kinks):
        entry = {
            "x": xi,
            "kind": kind,
            "left": float(probe["left"][i]),
            "right": float(probe["right"][i]),
            "autodiff": float(probe["autodiff"][i]),
        }
        if kind == "jump":
            entry["size"] = float(probe["central"][i] * 2 * H[i])
        out.append(entry)
    return out


def near_kinks(t: np.ndarray, kinks: list[dict], dtype: str) -> np.ndarray:
    """Points whose finite differences straddle a kink or jump (within 6 difference steps)."""
    near = np.zeros(len(t), bool)
    h = step(t, dtype)
    for k in kinks:
        near |= np.abs(t - k["x"]) <= 6 * h + 1e-12
    return near


def kinks(ctx: Context) -> CheckResult:
    fd = finite_differences(ctx)
    found = find_kinks(ctx)
    n_jumps = sum(k["kind"] == "jump" for k in found)
    n_kinks = len(found) - n_jumps
    ev = {
        "kinks": found,
        "n_kinks": n_kinks,
        "n_jumps": n_jumps,
        "dtype": fd["dtype"],
        "probe_seed": fd["seed"],
        "n_points": len(fd["t"]),
    }

    def one(k):
        if k["kind"] == "jump":
            return (
                f"jump at {ctx.x(k['x'], True)}: f jumps by {k['size']:.4g}, "
                f"autodiff {k['autodiff']:.4g}"
            )
        return (
            f"kink at {ctx.x(k['x'], True)}: left {k['left']:.4g}, right {k['right']:.4g}, "
            f"autodiff {k['autodiff']:.4g}"
        )

    shown = "; ".join(one(k) for k in found[:4])
    more = f" (and {len(found) - 4} more)" if len(found) > 4 else ""
    bad = [k for k in found if not math.isfinite(k["autodiff"])]
    if bad:
        return CheckResult(
            "kinks",
            "fail",
            f"The autodiff gradient is {bad[0]['autodiff']} at "
            f"the {bad[0]['kind']} at {ctx.x(bad[0]['x'], True)}.",
            ev,
        )
    if not found:
        return CheckResult(
            "kinks",
            "pass",
            f"No kink or jump on the {len(fd['t'])} test points ({probe_text(fd)}; one-sided "
            f"derivatives agree everywhere and between neighbours, {fd['dtype']}).",
            ev,
        )
    counts = " and ".join(
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((n_kinks, "kink"), (n_jumps, "jump"))
        if n
    )
    return CheckResult(
        "kinks",
        "pass",
        f"{counts} ({probe_text(fd)}): {shown}{more}.",
        ev,
    )
