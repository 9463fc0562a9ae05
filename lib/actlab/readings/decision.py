"""One confirmatory question decided from its per-seed scores: the interval read four ways (or
against a non-inferiority margin), checked by the sign-flip test, never decided on too few
seeds, diverged runs scored worst or the question left unscorable."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from actlab._util import to_jsonable
from actlab.readings import _checks
from actlab.readings.fourway import four_way
from actlab.readings.paired import (
    Rate,
    _sign_flip_one_sided,
    clopper_pearson,
    sign_test_p,
    wilcoxon_hl,
)
from actlab.readings.power import KINDS

__all__ = ["NON_INFERIORITY_READINGS", "REASONS", "Decision", "confirmatory_decision"]

#: A non-inferiority question's readings (higher is better unless said otherwise).
NON_INFERIORITY_READINGS = ("non_inferior", "inferior", "undetermined")
#: The codes of `Decision.reasons`.
REASONS = (
    "too_few_seeds",  # fewer than min_seeds: never decided
    "unscorable",  # a non-finite score or difference and no ceiling: p NaN, never decided
    "check_disagrees",  # the sign-flip test reads otherwise at the same level: undetermined
    "sensitivity_disagrees",  # the sign test decides otherwise (shown, does not change it)
    "scored_worst",  # some runs diverged or passed the ceiling and score the ceiling
)


@dataclass(frozen=True)
class Decision:
    """`confirmatory_decision`'s record (differences are a − b, in the score's units)."""

    kind: str
    delta: float  # δ (difference) or the margin (non-inferiority, equivalence)
    n: int
    estimate: float  # mean (paired_t) or Hodges–Lehmann pseudo-median (wilcoxon_hl)
    low: float
    high: float
    confidence: float  # 1 − level
    method: str  # "paired_t" or "wilcoxon_hl"
    p: float  # the question's p (t or Wilcoxon), raw: for `holm_family`; NaN if unscorable
    p_check: float  # the check's p of the same claim (sign flips; signed ranks on log scale)
    check_method: str  # "exact" or "monte_carlo" (sign flips), "signed_rank", "none"
    p_sensitivity: float  # the sign test's p of the same claim
    estimate_reading: str  # the interval's own reading
    check_reading: str  # the check's reading
    reading: str  # the reading quoted: undetermined unless both agree and n ≥ min_seeds
    decided: bool
    reasons: tuple[str, ...]
    alpha: float  # the family's α
    level: float  # the α this question is read at (alpha_holm)
    min_seeds: int
    scored_worst_a: int  # runs of arm a scored at the ceiling (non-finite or above it)
    scored_worst_b: int
    divergence_a: Rate | None  # scored_worst_a / n with its Clopper–Pearson interval
    divergence_b: Rate | None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def _reading(kind: str, low: float, high: float, delta: float, oriented: bool) -> str:
    if kind != "non_inferiority":
        return four_way(low, high, delta).reading
    # oriented: higher is better; otherwise the claim is about −(a − b)
    o_low, o_high = (low, high) if oriented else (-high, -low)
    if o_low > -delta:
        return "non_inferior"
    if o_high < -delta:
        return "inferior"
    return "undetermined"


def _code(excludes_zero: bool, within: bool) -> str:
    if excludes_zero:
        return "different_but_smaller" if within else "different"
    return "equivalent" if within else "undetermined"


def _claims(one_sided, kind: str, d: np.ndarray, delta: float, level: float):
    """(reading, p of the question's claim) from a one-sided test ``one_sided(x, alt)`` applied
    to shifted differences, each one-sided claim at level/2 (the (1 − level) interval's)."""
    if kind == "non_inferiority":  # d oriented: higher is better
        p_up = one_sided(d + delta, "greater")
        p_down = one_sided(d + delta, "less")
        reading = (
            "non_inferior"
            if 2 * p_up < level
            else ("inferior" if 2 * p_down < level else "undetermined")
        )
        return reading, min(1.0, 2 * p_up)
    p_zero = min(1.0, 2 * min(one_sided(d, "greater"), one_sided(d, "less")))
    p_within = min(1.0, 2 * max(one_sided(d + delta, "greater"), one_sided(d - delta, "less")))
    reading = _code(p_zero < level, p_within < level)
    return reading, (p_zero if kind == "difference" else p_within)


def _t_one_sided(d: np.ndarray, alternative: str) -> float:
    n, mean, sd = d.size, float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        if alternative == "greater":
            return 0.0 if mean > 0 else 1.0
        return 0.0 if mean < 0 else 1.0
    t = mean / (sd / math.sqrt(n))
    dist = stats.t(n - 1)
    return float(dist.sf(t) if alternative == "greater" else dist.cdf(t))


def _wilcoxon_one_sided(d: np.ndarray, alternative: str) -> float:
    if np.all(d == 0):
        return 1.0
    return float(stats.wilcoxon(d, alternative=alternative).pvalue)


def _scores(
    diffs: Any, scores_a: Any, scores_b: Any, ceiling: Any, higher_is_better: bool
) -> tuple[np.ndarray, int, int, bool]:
    """The per-seed differences a − b, the runs scored worst per arm, and whether scorable."""
    if (diffs is None) == (scores_a is None or scores_b is None):
        raise ValueError(
            "Pass either `diffs` or both `scores_a` and `scores_b` (per-seed scores of the "
            f"two arms). Received: diffs={diffs!r}, scores_a={scores_a!r}, scores_b={scores_b!r}"
        )
    if ceiling is not None:
        ceiling = _checks.finite("ceiling", ceiling)
        if higher_is_better:
            raise ValueError(
                "`ceiling` is the worst value of a score where lower is better (e.g. the "
                "constant predictor's log-MSE): pass higher_is_better=False with it. "
                f"Received: ceiling={ceiling!r}, higher_is_better=True"
            )
        if diffs is not None:
            raise ValueError(
                "`ceiling` needs the per-arm scores (`scores_a`, `scores_b`), not `diffs`: "
                "a diverged run's score is replaced before the difference is taken."
            )
    if diffs is not None:
        d = _checks.vector("diffs", diffs, allow_nan=True)
        return d, 0, 0, bool(np.all(np.isfinite(d)))
    a = _checks.vector("scores_a", scores_a, allow_nan=True)
    b = _checks.vector("scores_b", scores_b, allow_nan=True)
    if a.size != b.size:
        raise ValueError(
            "`scores_a` and `scores_b` must hold one score per seed each (paired). "
            f"Received lengths {a.size} and {b.size}"
        )
    worst = [0, 0]
    if ceiling is not None:
        arms = []
        for i, x in enumerate((a, b)):
            bad = ~np.isfinite(x) | (x > ceiling)  # NaN and ±inf: diverged
            worst[i] = int(bad.sum())
            arms.append(np.where(bad, ceiling, x))
        a, b = arms
    d = a - b
    return d, worst[0], worst[1], bool(np.all(np.isfinite(d)))


def _estimate(d: np.ndarray, log_scale: bool, level: float):
    """(estimate, low, high, one-sided test of the claims) of the (1 − level) interval."""
    if log_scale:
        hl = wilcoxon_hl(d, 1.0 - level)
        return hl.estimate, hl.low, hl.high, _wilcoxon_one_sided
    n, estimate = d.size, float(d.mean())
    half = float(stats.t.ppf(1.0 - level / 2.0, n - 1)) * float(d.std(ddof=1)) / math.sqrt(n)
    return estimate, estimate - half, estimate + half, _t_one_sided


class _SignFlips:
    """`sign_flip_p`'s one-sided p as a test for `_claims`: one null per shifted sample."""

    def __init__(self, seed: int):
        self.seed, self.method = seed, "none"
        self._memo: dict[bytes, tuple[float, float, str]] = {}

    def __call__(self, x: np.ndarray, alternative: str) -> float:
        key = x.tobytes()
        if key not in self._memo:
            self._memo[key] = _sign_flip_one_sided(x, self.seed)
        p_greater, p_less, self.method = self._memo[key]
        return p_greater if alternative == "greater" else p_less


def confirmatory_decision(
    diffs: Any = None,
    *,
    kind: str,
    delta_or_margin: float,
    alpha: float = 0.05,
    alpha_holm: float | None = None,
    log_scale: bool = False,
    min_seeds: int = 6,
    scores_a: Any = None,
    scores_b: Any = None,
    ceiling: float | None = None,
    higher_is_better: bool = True,
    seed: int = 0,
) -> Decision:
    """Decide one declared question of a confirmatory trial from its per-seed scores.

    Formula:
        d = a − b per seed. A plain score (``log_scale=False``): the paired t interval
        mean ± t.ppf(1 − level/2, n − 1)·s/√n (scipy.stats.t) and p the t-test of the claim; a
        log-MSE score (``log_scale=True``): the Hodges–Lehmann estimate and its (1 − level)
        interval, p the Wilcoxon signed-rank test of the claim (`wilcoxon_hl`; scipy).
        The interval is read by `four_way` at δ (``"difference"``, ``"equivalence"``) or
        against −margin (``"non_inferiority"``: ``"non_inferior"`` if the lower end of the
        oriented difference lies above −m, ``"inferior"`` if its upper end lies below).
        The check: the same claims by a sign-flip test at the same level (excludes 0: two-sided
        p < level; within ±δ: both one-sided p of d ∓ δ < level/2; non-inferior: one-sided p
        of d + m < level/2) — for a plain score the sign-flip test of the mean (`sign_flip_p`,
        exact up to 20 seeds), for a log-MSE score the signed-rank test, the sign-flip test of
        the ranks (scipy.stats.wilcoxon; a mean is at the mercy of the runs scored worst).
        Where the interval's and the check's readings differ the reading is
        ``"undetermined"`` (reason ``check_disagrees``). The sign test of the claim is shown as
        a sensitivity analysis (``sensitivity_disagrees``; it does not change the reading).
        p is the raw p of the question's claim (vs 0 for a difference; 2·max of the two
        one-sided p for equivalence; 2·the one-sided p for non-inferiority: each < level
        exactly when its interval makes the claim), for `holm_family` over the declared
        family.
        Never decided: fewer than `min_seeds` seeds (``too_few_seeds``), or a non-finite
        difference without a ceiling (``unscorable``: p NaN, so it stays in its Holm family and
        is not rejected). With per-arm scores and a `ceiling` (lower is better, e.g. the
        constant predictor's log test MSE), a run whose score is non-finite or above the
        ceiling scores the ceiling — the worst score (``scored_worst``), and each arm's share of
        such runs gets its Clopper–Pearson 95 % interval.

    Args:
        diffs: per-seed differences a − b; or instead `scores_a` and `scores_b`, per-seed scores
            of the two arms (paired by position).
        kind: ``"difference"``, ``"non_inferiority"`` or ``"equivalence"``.
        delta_or_margin: the declared smallest effect δ or margin (> 0), in the score's units.
        alpha: the family's α (recorded). alpha_holm: the level this question is read at,
            e.g. `holm_alpha(alpha, m)` or its `holm_family` step level (default: alpha).
        log_scale: a heavy-tailed score such as log-MSE: Wilcoxon and Hodges–Lehmann.
        min_seeds: no reading is decided with fewer seeds (6 by default).
        ceiling: see above. higher_is_better: the direction of non-inferiority (with a
            ceiling it must be False). seed: the sign-flip test's random seed beyond 20 seeds.

    Returns:
        A `Decision` (fields: n, estimate, low, high, method, p, p_check, reading, decided,
        reasons — codes of `REASONS` — and what they came from).
    """
    kind = _checks.choice("kind", kind, KINDS)
    delta = _checks.positive("delta_or_margin", delta_or_margin)
    alpha = _checks.probability("alpha", alpha)
    level = alpha if alpha_holm is None else _checks.probability("alpha_holm", alpha_holm)
    min_seeds = _checks.integer("min_seeds", min_seeds, 2)
    seed = _checks.integer("seed", seed, 0)
    if not isinstance(log_scale, bool) or not isinstance(higher_is_better, bool):
        raise ValueError(
            "`log_scale` and `higher_is_better` must be True or False. Received: "
            f"log_scale={log_scale!r}, higher_is_better={higher_is_better!r}"
        )
    d, worst_a, worst_b, scorable = _scores(diffs, scores_a, scores_b, ceiling, higher_is_better)
    common, reasons = _common(
        kind, delta, d, log_scale, alpha, level, min_seeds, ceiling, worst_a, worst_b
    )
    if common["n"] < min_seeds:
        reasons.insert(0, "too_few_seeds")
    if not scorable or common["n"] < 2:
        return _undecidable(common, reasons, d, scorable)
    return _decided(common, reasons, d, log_scale, higher_is_better, seed)


def _common(kind, delta, d, log_scale, alpha, level, min_seeds, ceiling, worst_a, worst_b):
    """The fields every `Decision` of this question has, and the reasons known so far."""
    n = int(d.size)
    reasons: list[str] = []
    divergence_a = divergence_b = None
    if ceiling is not None:
        divergence_a, divergence_b = clopper_pearson(worst_a, n), clopper_pearson(worst_b, n)
        if worst_a or worst_b:
            reasons.append("scored_worst")
    common = dict(
        kind=kind,
        delta=delta,
        n=n,
        confidence=1.0 - level,
        method="wilcoxon_hl" if log_scale else "paired_t",
        alpha=alpha,
        level=level,
        min_seeds=min_seeds,
        scored_worst_a=worst_a,
        scored_worst_b=worst_b,
        divergence_a=divergence_a,
        divergence_b=divergence_b,
    )
    return common, reasons


def _undecidable(common: dict, reasons: list[str], d, scorable: bool) -> Decision:
    """A question that cannot be scored (or has fewer than 2 seeds): no interval, undetermined."""
    if not scorable:
        reasons.append("unscorable")
    nan = math.nan
    return Decision(
        **common,
        estimate=nan if not scorable else float(d.mean()),
        low=nan,
        high=nan,
        p=nan,
        p_check=nan,
        check_method="none",
        p_sensitivity=nan,
        estimate_reading="undetermined",
        check_reading="undetermined",
        reading="undetermined",
        decided=False,
        reasons=tuple(reasons),
    )


def _decided(common, reasons, d, log_scale, higher_is_better, seed) -> Decision:
    """The interval read four ways, checked by the distribution-free test at the same level
    (their disagreement, or too few seeds, leaves it undetermined); the sign test beside."""
    kind, delta, level, n = common["kind"], common["delta"], common["level"], common["n"]
    oriented = d if (higher_is_better or kind != "non_inferiority") else -d
    estimate, low, high, test = _estimate(d, log_scale, level)
    estimate_reading = _reading(kind, low, high, delta, higher_is_better)
    test_reading, p = _claims(test, kind, oriented, delta, level)
    if log_scale:  # the signed-rank test is the sign-flip test of the ranks
        check_method, check_reading, p_check = "signed_rank", test_reading, p
    else:
        flip = _SignFlips(seed)
        check_reading, p_check = _claims(flip, kind, oriented, delta, level)
        check_method = flip.method
    sensitivity_reading, p_sensitivity = _claims(
        lambda x, alt: sign_test_p(x, alt).p, kind, oriented, delta, level
    )
    reading = estimate_reading
    if check_reading != estimate_reading:
        reading = "undetermined"
        reasons.append("check_disagrees")
    if sensitivity_reading != estimate_reading:
        reasons.append("sensitivity_disagrees")
    if n < common["min_seeds"]:
        reading = "undetermined"
    return Decision(
        **common,
        estimate=estimate,
        low=low,
        high=high,
        p=p,
        p_check=p_check,
        check_method=check_method,
        p_sensitivity=p_sensitivity,
        estimate_reading=estimate_reading,
        check_reading=check_reading,
        reading=reading,
        decided=reading != "undetermined",
        reasons=tuple(reasons),
    )
