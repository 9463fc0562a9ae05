"""The power of `decide_paired` with n paired seeds (scipy's noncentral t; a quadrature over the
sample SD for equivalence), the seeds that give 80 % power at a declared effect, and the
effect n seeds detect."""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import stats as _dist

from actlab.stats._common import _check_alpha, _check_question, _t_quantile

__all__ = ["detectable_effect", "power_paired", "seeds_needed"]

# Above this many seeds `seeds_needed` stops searching and reports the normal-theory estimate.
_SEEDS_SEARCH_LIMIT = 100_000


@functools.lru_cache(maxsize=512)
def _spread_grid(df: int) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights for s = S/σ, the sample SD over the true one: √df·s has
    scipy's chi distribution with `df` degrees of freedom (trapezoid rule on 1601 nodes)."""
    width = 12.0 / math.sqrt(2.0 * df)
    s = np.linspace(max(1e-9, 1.0 - width), 1.0 + width + (3.0 if df < 4 else 0.0), 1601)
    h = np.full(s.shape, s[1] - s[0])
    h[[0, -1]] /= 2  # the trapezoid rule (the density is not small at s = 0 for df = 1)
    w = _dist.chi.pdf(math.sqrt(df) * s, df) * h
    return s, w / w.sum()


def power_paired(
    n: int,
    sd: float,
    effect: float = 0.0,
    question: str = "difference",
    margin: float | None = None,
    alpha: float = 0.05,
) -> float:
    """Power of `decide_paired` with `n` paired seeds: the probability that its verdict is the
    claim the design is for, when the per-seed differences are normal with mean `effect` (the
    true difference) and SD `sd`.

    ``"difference"``: either direction decided (two-sided t-test at `alpha`); ``"non-inferiority"``:
    "non-inferior" (one-sided at alpha/2, higher is better); ``"equivalence"``: "equivalent" (TOST at
    alpha/2 per side). Exact for the paired t: scipy's noncentral t for the first two, a
    quadrature over the sample SD for equivalence.
    """
    alpha = _check_alpha(alpha)
    margin = _check_question(question, margin)
    if not (isinstance(sd, int | float | np.floating) and math.isfinite(sd) and sd > 0):
        raise ValueError(f"`sd` must be a finite number > 0. Received: sd={sd!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"`n` must be an integer ≥ 2 (paired seeds). Received: n={n!r}")
    return _power(question, int(n), float(sd), float(effect), margin, alpha)


def _power(question: str, n: int, sd: float, effect: float, margin, alpha: float) -> float:
    df = n - 1
    t_c = _t_quantile(1.0 - alpha / 2, df)
    root = math.sqrt(n) / sd
    if question == "difference":  # |T| > t_c, T noncentral t at the true difference
        delta = effect * root  # P(T < −t_c) as the upper tail at −delta (nct.cdf gives NaN there)
        return float(_dist.nct.sf(t_c, df, delta) + _dist.nct.sf(t_c, df, -delta))
    if question == "non-inferiority":  # T > t_c, T noncentral t at the difference + margin
        return float(_dist.nct.sf(t_c, df, (effect + margin) * root))
    # equivalence: both one-sided tests reject, by quadrature over the sample SD
    s, w = _spread_grid(df)
    crit = t_c * s  # t_c · S/σ, in units of the standard error
    big, delta = margin * root, effect * root
    norm = _dist.norm
    reject = np.maximum(0.0, norm.cdf(big - crit - delta) - norm.cdf(-big + crit - delta))
    return float(np.clip(np.sum(w * reject), 0.0, 1.0))


def _seeds_for_power(
    question: str, sd: float, effect: float, margin, alpha: float, power: float
) -> float:
    z_a, z_b = float(_dist.norm.ppf(1 - alpha / 2)), float(_dist.norm.ppf(power))
    if question == "difference":
        gap = abs(effect)
    elif question == "non-inferiority":
        gap = effect + margin
    else:
        gap = margin - abs(effect)
        if effect == 0:
            z_b = float(_dist.norm.ppf(0.5 + power / 2))
    if gap <= 0:
        return float("inf")
    normal = ((z_a + z_b) * sd / gap) ** 2  # the z-test's seeds: a lower bound for the t-test's
    if normal > _SEEDS_SEARCH_LIMIT:
        return float("inf")
    if normal > 5000:  # t and normal agree to well under one seed here
        return float(math.ceil(normal + z_a**2 / 2))
    k = max(2, math.floor(normal))
    while _power(question, k, sd, effect, margin, alpha) < power:
        k += 1
    return float(k)


def seeds_needed(
    sd: float,
    effect: float | None = None,
    *,
    question: str = "difference",
    margin: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
) -> float:
    """Paired seeds for `power` (80 % by default) at a declared smallest effect of interest:
    the smallest n ≥ 2 with `power_paired` ≥ `power` (paired t-test; `decide_paired`'s verdicts).

    Args:
        sd: the SD of the per-seed paired differences, measured beforehand (a pilot run or an
            earlier trial), in the metric's units.
        effect: for ``"difference"``, the smallest true difference worth detecting (required);
            for ``"non-inferiority"`` / ``"equivalence"``, the true difference assumed (default 0:
            the candidate is as good as the baseline).
        question, margin, alpha: as `decide_paired`.
        power: the probability of a decided verdict at that effect, strictly between 0 and 1.

    Returns:
        The number of seeds (a float: infinity when no number of seeds reaches the power, e.g.
        an assumed difference beyond the equivalence margin, or more than 100,000 seeds).
    """
    alpha = _check_alpha(alpha)
    margin = _check_question(question, margin)
    if not (isinstance(sd, int | float | np.floating) and math.isfinite(sd) and sd > 0):
        raise ValueError(f"`sd` must be a finite number > 0. Received: sd={sd!r}")
    if not (isinstance(power, float) and alpha < power < 1.0):
        raise ValueError(
            f"`power` must be a number between alpha and 1 (e.g. 0.8). Received: power={power!r}"
        )
    if effect is None:
        if question == "difference":
            raise ValueError(
                "`effect` is required for the question 'difference': the smallest true "
                "difference worth detecting, declared before the run. Received: effect=None"
            )
        effect = 0.0
    if not (isinstance(effect, int | float | np.floating) and math.isfinite(effect)):
        raise ValueError(f"`effect` must be a finite number. Received: effect={effect!r}")
    if question == "difference" and effect == 0:
        raise ValueError("`effect` must be non-zero for a difference. Received: effect=0")
    return _seeds_for_power(question, float(sd), float(effect), margin, alpha, float(power))


def detectable_effect(sd: float, n: int, power: float = 0.8, alpha: float = 0.05) -> float:
    """The smallest true difference `n` paired seeds detect with `power` at a paired SD `sd`
    (two-sided paired t-test; the inverse of `seeds_needed`, by bisection)."""
    low, high = 0.0, 100.0 * sd
    for _ in range(60):
        mid = (low + high) / 2
        if power_paired(n, sd, mid, alpha=alpha) >= power:
            high = mid
        else:
            low = mid
    return high
