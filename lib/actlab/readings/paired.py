"""Distribution-free paired tests on per-seed differences: the sign-flip permutation test,
the Wilcoxon signed-rank test with the Hodges–Lehmann estimate and interval, the sign test, and
the Clopper–Pearson interval of a rate (e.g. the share of runs that diverged)."""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from actlab._util import to_jsonable
from actlab.readings import _checks

__all__ = [
    "ALTERNATIVES",
    "EXACT_SIGN_FLIP_LIMIT",
    "SIGN_FLIP_RESAMPLES",
    "HodgesLehmann",
    "PValue",
    "Rate",
    "clopper_pearson",
    "sign_flip_p",
    "sign_test_p",
    "wilcoxon_hl",
]

ALTERNATIVES = ("two-sided", "greater", "less")
#: Up to this many seeds `sign_flip_p` enumerates every sign pattern (2**20 = 1,048,576).
EXACT_SIGN_FLIP_LIMIT = 20
#: Above it, random sign patterns through `scipy.stats.permutation_test`.
SIGN_FLIP_RESAMPLES = 100_000
#: Up to this many seeds the Hodges–Lehmann interval uses the exact signed-rank distribution.
EXACT_SIGNED_RANK_LIMIT = 50


@dataclass(frozen=True)
class PValue:
    """A test's p-value with what it was computed from."""

    p: float
    n: int  # the observations the test used
    statistic: float
    alternative: str
    method: str  # e.g. "exact", "monte_carlo", "asymptotic"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass(frozen=True)
class HodgesLehmann:
    """`wilcoxon_hl`'s record: the signed-rank test and the Hodges–Lehmann interval."""

    n: int
    estimate: float  # the pseudo-median: median of the Walsh averages
    low: float
    high: float
    confidence: float
    rank: int  # k: the interval is [W(k), W(M + 1 − k)] of the M sorted Walsh averages
    coverage: float  # its coverage under the null distribution used (≥ confidence; NaN: approx)
    interval_method: str  # "exact" (signed-rank distribution) or "normal" (approximation)
    p: float  # Wilcoxon signed-rank test against 0, two-sided
    p_method: str  # how scipy computed p: "exact", "permutation" or "asymptotic"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass(frozen=True)
class Rate:
    """A proportion ``k / n`` with its Clopper–Pearson interval."""

    k: int
    n: int
    rate: float
    low: float
    high: float
    confidence: float
    method: str = "clopper_pearson"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


# ------------------------------------------------------------------------------ sign flips
def _half_sums(d: np.ndarray) -> np.ndarray:
    """Σ sᵢdᵢ for every sign pattern of a few differences (pattern k's bit i flips dᵢ)."""
    k = np.arange(1 << d.size, dtype=np.int64)[:, None]
    return (1.0 - 2.0 * ((k >> np.arange(d.size)) & 1)) @ d


def _flip_sums(diffs: np.ndarray) -> np.ndarray:
    """The sum of s·diffs for every sign pattern s ∈ {−1, 1}^n: the patterns of the first half
    plus those of the second, all 2^(n/2) × 2^(n − n/2) combinations (vectorised)."""
    half = diffs.size // 2
    return (_half_sums(diffs[:half])[:, None] + _half_sums(diffs[half:])[None, :]).ravel()


def sign_flip_p(diffs: Any, alternative: str = "two-sided", seed: int = 0) -> PValue:
    """The paired sign-flip permutation test on per-seed differences (Fisher 1935, §21; the
    randomisation test of a paired design): under H0 each difference is symmetric about 0, so
    every pattern of signs is equally likely.

    Formula:
        T = Σ dᵢ; the null distribution is T(s) = Σ sᵢdᵢ over sign patterns s. ``"greater"``:
        p = P(T(s) ≥ T); ``"less"``: p = P(T(s) ≤ T); ``"two-sided"``: p = min(1, 2·min of
        the two) — scipy.stats.permutation_test's definitions (a relative tolerance of 100 ε
        counts ties as ties). Up to `EXACT_SIGN_FLIP_LIMIT` seeds every one of the 2ⁿ patterns
        (vectorised as the sums of the two halves' patterns; then p ≥ 2/2ⁿ
        two-sided: 0.0625 at n = 5), beyond it
        ``scipy.stats.permutation_test(permutation_type="samples", n_resamples=100_000,
        rng=seed)`` (random patterns; p ≥ 1/100,001).

    Args:
        diffs: the per-seed differences (finite numbers, at least one).
        alternative: ``"two-sided"``, ``"greater"`` (mean difference > 0) or ``"less"``.
        seed: the random generator's seed for the Monte Carlo case (fixed: the p is
            reproducible).

    Returns:
        A `PValue` (method ``"exact"`` or ``"monte_carlo"``; statistic: the mean difference).
    """
    d = _checks.vector("diffs", diffs)
    alternative = _checks.choice("alternative", alternative, ALTERNATIVES)
    seed = _checks.integer("seed", seed, 0)
    p_greater, p_less, method = _sign_flip_one_sided(d, seed)
    if alternative == "greater":
        p = p_greater
    elif alternative == "less":
        p = p_less
    else:
        p = min(1.0, 2.0 * min(p_greater, p_less))
    return PValue(p, int(d.size), float(d.mean()), alternative, method)


def _sign_flip_one_sided(d: np.ndarray, seed: int) -> tuple[float, float, str]:
    """Both one-sided sign-flip p of Σd from one null distribution: (greater, less, method)."""
    observed = float(d.sum())
    gamma = abs(observed) * np.finfo(float).eps * 100  # scipy's tolerance for ties
    if d.size <= EXACT_SIGN_FLIP_LIMIT:
        null = _flip_sums(d)
        return (
            float(np.mean(null >= observed - gamma)),
            float(np.mean(null <= observed + gamma)),
            "exact",
        )
    result = stats.permutation_test(
        (d,),
        lambda x, axis: np.sum(x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=SIGN_FLIP_RESAMPLES,
        alternative="greater",
        rng=seed,
    )
    null = result.null_distribution  # the same random patterns serve the other side
    p_less = (np.sum(null <= observed + gamma) + 1.0) / (SIGN_FLIP_RESAMPLES + 1.0)
    return float(result.pvalue), float(p_less), "monte_carlo"


# --------------------------------------------------------------------- Wilcoxon / Hodges–Lehmann
def _walsh_averages(d: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2.0)


def _signed_rank_cdf(n: int, t: int) -> float:
    """P(T⁺ ≤ t) under H0 for n untied non-zero differences, from scipy's exact signed-rank
    distribution: scipy.stats.wilcoxon's exact one-sided ("less") p of a sample whose T⁺ is t
    (ranks 1..n with the ranks of one subset summing to t positive)."""
    if t < 0:
        return 0.0
    total = n * (n + 1) // 2
    if t >= total:
        return 1.0
    signs = -np.ones(n)
    remaining = t
    for rank in range(n, 0, -1):  # greedy: every t in 0..n(n+1)/2 is a sum of distinct ranks
        if rank <= remaining:
            signs[rank - 1] = 1.0
            remaining -= rank
    sample = signs * np.arange(1, n + 1)
    return float(stats.wilcoxon(sample, alternative="less", method="exact").pvalue)


@functools.lru_cache(maxsize=256)
def _hl_rank(n: int, confidence: float) -> tuple[int, float, str]:
    """k with P(T⁺ ≤ k − 1) ≤ (1 − confidence)/2, as large as possible; the interval
    [W(k), W(M+1−k)] then covers with probability 1 − 2·P(T⁺ ≤ k − 1) ≥ confidence."""
    half = (1.0 - confidence) / 2.0
    total = n * (n + 1) // 2
    if n <= EXACT_SIGNED_RANK_LIMIT:
        lo, hi = 0, total // 2 + 1  # search the largest t with P(T⁺ ≤ t) ≤ half
        if _signed_rank_cdf(n, 0) > half:
            return 0, 1.0, "exact"
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _signed_rank_cdf(n, mid) <= half:
                lo = mid
            else:
                hi = mid
        return lo + 1, 1.0 - 2.0 * _signed_rank_cdf(n, lo), "exact"
    z = float(stats.norm.ppf(1.0 - half))
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    k = int(math.floor(total / 2.0 + 0.5 - z * sd))  # continuity-corrected normal quantile
    return max(k, 0), math.nan, "normal"


def _wilcoxon_method(d: np.ndarray) -> str:
    nonzero = d[d != 0]
    tied = np.unique(np.abs(nonzero)).size < nonzero.size or nonzero.size < d.size
    if not tied:
        return "exact" if d.size <= EXACT_SIGNED_RANK_LIMIT else "asymptotic"
    return "permutation" if nonzero.size <= 13 else "asymptotic"  # scipy's method="auto"


def wilcoxon_hl(diffs: Any, confidence: float = 0.95) -> HodgesLehmann:
    """The Wilcoxon signed-rank test of per-seed differences against 0 and the Hodges–Lehmann
    estimate with its distribution-free interval (Hodges & Lehmann 1963; Hollander, Wolfe &
    Chicken, *Nonparametric Statistical Methods*, 3rd ed., §3.2–3.3).

    Formula:
        Walsh averages W = {(dᵢ + dⱼ)/2 : i ≤ j}, M = n(n+1)/2 of them, sorted W(1) ≤ … ≤ W(M).
        Estimate: median(W). Interval: [W(k), W(M + 1 − k)] with k the largest integer such
        that P(T⁺ ≤ k − 1) ≤ (1 − confidence)/2, T⁺ the signed-rank statistic under H0: its
        exact distribution (scipy.stats.wilcoxon's, for n ≤ 50) or the normal approximation
        with continuity correction, k = ⌊M/2 + 1/2 − z·√(n(n+1)(2n+1)/24)⌋, beyond. When no k
        ≥ 1 exists (n ≤ 5 at 95 %) the interval is (−∞, ∞). Exact coverage holds for continuous
        differences symmetric about their centre; ties make it approximate. p: scipy.stats.
        wilcoxon (zero_method "wilcox", method "auto": exact for n ≤ 50 without ties or zeros,
        exhaustive permutations for n ≤ 13 with them, asymptotic otherwise; recorded).

    Args:
        diffs: the per-seed differences (finite numbers; at least 2).
        confidence: the interval's two-sided confidence level, strictly between 0 and 1.

    Returns:
        A `HodgesLehmann` record (estimate, interval, its rank k and exact null coverage, which
        method each part used, the two-sided p).
    """
    d = _checks.vector("diffs", diffs, minimum=2)
    confidence = _checks.probability("confidence", confidence)
    n = int(d.size)
    walsh = _walsh_averages(d)
    k, coverage, interval_method = _hl_rank(n, confidence)
    if k >= 1:
        low, high = float(walsh[k - 1]), float(walsh[walsh.size - k])
    else:
        low, high = -math.inf, math.inf
    if np.all(d == 0):
        p, p_method = 1.0, "degenerate"  # no non-zero difference: nothing against H0
    else:
        p = float(stats.wilcoxon(d, alternative="two-sided", method="auto").pvalue)
        p_method = _wilcoxon_method(d)
    return HodgesLehmann(
        n=n,
        estimate=float(np.median(walsh)),
        low=low,
        high=high,
        confidence=confidence,
        rank=k,
        coverage=coverage,
        interval_method=interval_method,
        p=p,
        p_method=p_method,
    )


# --------------------------------------------------------------------- sign test, binomial rate
def sign_test_p(diffs: Any, alternative: str = "two-sided") -> PValue:
    """The sign test (a sensitivity analysis beside the signed-rank and sign-flip tests):
    the number of positive differences among the non-zero ones against Binomial(n, 1/2),
    by ``scipy.stats.binomtest`` (exact). Zeros are dropped; with none left p = 1.

    Returns:
        A `PValue` (n: the non-zero differences; statistic: the number of positive ones).
    """
    d = _checks.vector("diffs", diffs)
    alternative = _checks.choice("alternative", alternative, ALTERNATIVES)
    positive, n = int(np.sum(d > 0)), int(np.sum(d != 0))
    if n == 0:
        return PValue(1.0, 0, 0.0, alternative, "exact")
    p = float(stats.binomtest(positive, n, 0.5, alternative=alternative).pvalue)
    return PValue(p, n, float(positive), alternative, "exact")


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Rate:
    """A rate ``k / n`` (e.g. an arm's runs that diverged) with the Clopper–Pearson exact
    interval (Clopper & Pearson 1934): the beta quantiles that invert two one-sided binomial
    tests, by ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="exact")``.

    Returns:
        A `Rate` (k, n, k/n, the interval, its confidence).
    """
    n = _checks.integer("n", n, 1)
    k = _checks.integer("k", k, 0)
    if k > n:
        raise ValueError(f"`k` must be at most `n`. Received: k={k!r}, n={n!r}")
    confidence = _checks.probability("confidence", confidence)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return Rate(k, n, k / n, float(ci.low), float(ci.high), confidence)
