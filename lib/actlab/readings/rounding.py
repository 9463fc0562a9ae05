"""Float rounding (e.g. oneDNN on and off) as a factor crossed with the arms: the test input,
the arm × rounding interaction's equivalence test, and variance components."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from actlab._util import to_jsonable
from actlab.readings import _checks
from actlab.readings.fourway import four_way

__all__ = ["RoundingFactor", "Tost", "VarianceComponents", "paired_t_tost", "rounding_factor"]


@dataclass(frozen=True)
class VarianceComponents:
    """Variance components of the per-seed arm difference in the seeds × roundings layout
    (see `rounding_factor`), with the mean squares they come from."""

    between_seeds: float
    between_roundings: float
    residual: float  # rounding within seed: the seed × rounding interaction
    ms_seeds: float
    ms_roundings: float
    ms_residual: float
    df_seeds: int
    df_roundings: int
    df_residual: int
    method: str = "anova_two_way_one_per_cell"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass(frozen=True)
class Tost:
    """A paired t equivalence test at ±margin: the (1 − α) interval and the TOST p."""

    n: int
    mean: float
    sd: float
    low: float
    high: float
    margin: float
    alpha: float
    p: float  # 2 · max(one-sided p): < α exactly when the interval lies inside ±margin
    equivalent: bool
    reading: str  # the interval's four-way reading at δ = margin

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass(frozen=True)
class RoundingFactor:
    """`rounding_factor`'s record."""

    n: int
    test_input: tuple[float, ...]  # per seed: the mean over roundings of a − b
    interaction: tuple[float, ...]  # per seed: (a − b at r1) − (a − b at r2)
    equivalence: Tost  # the interaction against ±margin
    components: VarianceComponents
    correlation_a: float  # across seeds: arm a's score at r1 against r2 (Pearson)
    correlation_b: float

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def paired_t_tost(values: Any, margin: float, alpha: float = 0.05) -> Tost:
    """The two one-sided paired t-tests (Schuirmann 1987; Lakens 2018) of per-seed values
    against ±margin, read from the two-sided (1 − α) t interval.

    Formula:
        x̄ ± t.ppf(1 − α/2, n − 1)·s/√n; p₋ = t.sf((x̄ + m)/(s/√n)), p₊ = t.cdf((x̄ − m)/(s/√n))
        (scipy.stats.t), p = min(1, 2·max(p₋, p₊)): each one-sided test at α/2, so p < α
        exactly when the interval lies strictly inside (−m, m) — `actlab.stats`' convention
        (Lakens 2018's 1 − 2α interval is α' = 2α here). With s = 0 the interval is the point x̄.

    Returns:
        A `Tost` (also the interval's `four_way` reading at δ = m).
    """
    x = _checks.vector("values", values, minimum=2)
    margin = _checks.positive("margin", margin)
    alpha = _checks.probability("alpha", alpha)
    n, mean, sd = int(x.size), float(x.mean()), float(x.std(ddof=1))
    se = sd / math.sqrt(n)
    if se > 0:
        half = float(stats.t.ppf(1.0 - alpha / 2.0, n - 1)) * se
        p_low = float(stats.t.sf((mean + margin) / se, n - 1))
        p_high = float(stats.t.cdf((mean - margin) / se, n - 1))
    else:
        half = 0.0
        p_low = 0.0 if mean > -margin else 1.0
        p_high = 0.0 if mean < margin else 1.0
    p = min(1.0, 2.0 * max(p_low, p_high))
    reading = four_way(mean - half, mean + half, margin)
    return Tost(n, mean, sd, mean - half, mean + half, margin, alpha, p, p < alpha, reading.reading)


def _components(d: np.ndarray) -> VarianceComponents:
    """d: seeds × roundings, one value per cell."""
    s, r = d.shape
    grand = d.mean()
    seed_means, round_means = d.mean(axis=1), d.mean(axis=0)
    ss_seeds = r * float(np.sum((seed_means - grand) ** 2))
    ss_rounds = s * float(np.sum((round_means - grand) ** 2))
    resid = d - seed_means[:, None] - round_means[None, :] + grand
    ss_resid = float(np.sum(resid**2))
    df_s, df_r, df_e = s - 1, r - 1, (s - 1) * (r - 1)
    ms_s, ms_r, ms_e = ss_seeds / df_s, ss_rounds / df_r, ss_resid / df_e
    return VarianceComponents(
        between_seeds=max(0.0, (ms_s - ms_e) / r),
        between_roundings=max(0.0, (ms_r - ms_e) / s),
        residual=ms_e,
        ms_seeds=ms_s,
        ms_roundings=ms_r,
        ms_residual=ms_e,
        df_seeds=df_s,
        df_roundings=df_r,
        df_residual=df_e,
    )


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(stats.pearsonr(x, y).statistic)


def rounding_factor(
    scores_a_r1: Any,
    scores_a_r2: Any,
    scores_b_r1: Any,
    scores_b_r2: Any,
    margin: float,
    alpha: float = 0.05,
) -> RoundingFactor:
    """Rounding as a factor crossed with the arms: every seed runs both arms under both
    roundings r1 and r2 (e.g. oneDNN on and off).

    Formula (per seed s, dᵣ = aᵣ − bᵣ):
        test input: (d₁ + d₂)/2, the paired t (or `confirmatory_decision`) input;
        interaction: d₁ − d₂, its equivalence at ±margin by `paired_t_tost` — "the same
        difference under another rounding";
        variance components of d in the seeds × roundings layout with one value per cell,
        d_sr = μ + u_s + ρ_r + e_sr, by the ANOVA (expected mean squares) estimator with
        negative estimates set to 0 (Searle, Casella & McCulloch 1992, ch. 4):
        between seeds σ²_u = (MS_seeds − MS_res)/2, between roundings (a shift of the difference
        common to all seeds) (MS_roundings − MS_res)/S, residual MS_res = var(d₁ − d₂)/2 —
        rounding within seed, the seed × rounding interaction (not separable from noise with
        one run per cell);
        correlation_a / correlation_b: Pearson's r across seeds of each arm's score under r1
        against r2 (scipy.stats.pearsonr; NaN when constant).

    Args:
        scores_a_r1, scores_a_r2, scores_b_r1, scores_b_r2: per-seed scores (finite, the same
            seeds in the same order; at least 2).
        margin: the declared equivalence margin of the interaction (> 0), e.g. 0.25 points.
        alpha: the level the interaction's question is read at.

    Returns:
        A `RoundingFactor`.
    """
    names = ("scores_a_r1", "scores_a_r2", "scores_b_r1", "scores_b_r2")
    arrays = [
        _checks.vector(name, values, minimum=2)
        for name, values in zip(
            names, (scores_a_r1, scores_a_r2, scores_b_r1, scores_b_r2), strict=True
        )
    ]
    if len({a.size for a in arrays}) != 1:
        raise ValueError(
            "The four score sequences must have one entry per seed each. Received lengths "
            + ", ".join(f"{name}={a.size}" for name, a in zip(names, arrays, strict=True))
        )
    a1, a2, b1, b2 = arrays
    d = np.column_stack([a1 - b1, a2 - b2])
    interaction = d[:, 0] - d[:, 1]
    return RoundingFactor(
        n=int(d.shape[0]),
        test_input=tuple(float(v) for v in d.mean(axis=1)),
        interaction=tuple(float(v) for v in interaction),
        equivalence=paired_t_tost(interaction, margin, alpha),
        components=_components(d),
        correlation_a=_correlation(a1, a2),
        correlation_b=_correlation(b1, b2),
    )
