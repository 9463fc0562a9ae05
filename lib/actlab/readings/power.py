"""Power and seeds of the paired t reading at Holm's α, from the noncentral t (scipy.stats)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import integrate, stats

from actlab._util import to_jsonable
from actlab.readings import _checks

__all__ = [
    "KINDS",
    "Sizing",
    "holm_alpha",
    "power_paired_t",
    "sd_upper_limit",
    "seeds_for_power",
    "size_trial",
]

#: The declared questions: a difference at a smallest effect δ, non-inferiority at a margin m
#: (higher is better), equivalence within ±m.
KINDS = ("difference", "non_inferiority", "equivalence")
#: `seeds_for_power` gives up (infinity) beyond this many seeds.
SEEDS_LIMIT = 100_000


@dataclass(frozen=True)
class Sizing:
    """A trial's size: the seeds for the target power at the α it is read at, and the power
    at the pilot SD's upper confidence limit (NaN when no pilot size was given)."""

    kind: str
    effect: float  # δ for a difference, the margin m otherwise
    true_difference: float  # the difference assumed for non-inferiority / equivalence
    sd: float  # the pilot's SD of the per-seed differences
    alpha: float  # the level the question is read at (Holm's first step: α/m)
    target_power: float
    n: float  # seeds (infinity: unreachable within SEEDS_LIMIT)
    power: float  # the power at n
    sd_confidence: float
    sd_upper: float  # the SD's upper sd_confidence limit from the pilot
    power_at_sd_upper: float  # the power at n if the SD were sd_upper

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def holm_alpha(alpha: float, m: int) -> float:
    """The level of Holm's first step, α/m: the level the smallest p of a family of m must meet,
    and so the conservative level to size every question of the family at (Holm 1979)."""
    alpha = _checks.probability("alpha", alpha)
    m = _checks.integer("m", m, 1)
    return alpha / m


def _check_kind(kind: Any, true_difference: Any) -> tuple[str, float]:
    kind = _checks.choice("kind", kind, KINDS)
    true_difference = _checks.finite("true_difference", true_difference)
    return kind, true_difference


def _power(n: int, sd: float, effect: float, alpha: float, kind: str, true: float) -> float:
    df = n - 1
    root = math.sqrt(n) / sd
    t_c = float(stats.t.ppf(1.0 - alpha / 2.0, df))
    if kind == "difference":
        nc = effect * root
        return float(stats.nct.sf(t_c, df, nc) + stats.nct.cdf(-t_c, df, nc))
    if kind == "non_inferiority":
        return float(stats.nct.sf(t_c, df, (true + effect) * root))
    # Equivalence: reject iff −m + t_c·S/√n < x̄ < m − t_c·S/√n. Given V = S/σ, x̄ is normal,
    # so P = E_V[Φ((m − μ)√n/σ − t_c V) − Φ((−m − μ)√n/σ + t_c V)]⁺ with df·V² ~ χ²(df).
    upper, lower = (effect - true) * root, (-effect - true) * root
    x_max = df * ((effect * root) / t_c) ** 2  # beyond it the band is empty
    if x_max <= 0:
        return 0.0

    def integrand(x: float) -> float:
        v = math.sqrt(x / df)
        band = stats.norm.cdf(upper - t_c * v) - stats.norm.cdf(lower + t_c * v)
        return max(0.0, float(band)) * float(stats.chi2.pdf(x, df))

    value, _ = integrate.quad(integrand, 0.0, x_max, limit=200, epsabs=1e-12, epsrel=1e-10)
    return float(min(1.0, max(0.0, value)))


def power_paired_t(
    n: int,
    sd: float,
    effect: float,
    alpha: float = 0.05,
    kind: str = "difference",
    *,
    true_difference: float = 0.0,
) -> float:
    """Power of the paired t reading with `n` seeds when the per-seed differences are normal
    with SD `sd`: the probability that the two-sided (1 − α) t interval makes the declared
    claim (the interval `four_way` and `confirmatory_decision` read).

    Formula (t_c = t.ppf(1 − α/2, n − 1), noncentral t from scipy.stats.nct):
        ``"difference"`` (true difference = effect = δ): P(T' > t_c) + P(T' < −t_c), T' ~
        nct(n − 1, δ√n/sd) — the two-sided t-test at α.
        ``"non_inferiority"`` (margin m = effect, true difference μ): P(T' > t_c), T' ~
        nct(n − 1, (μ + m)√n/sd) — the one-sided test at the margin, at α/2 (the lower end of
        the (1 − α) interval above −m).
        ``"equivalence"`` (margin m = effect, true difference μ): TOST at α/2 per side (the
        interval inside ±m), exactly: E_V[Φ((m − μ)√n/sd − t_c V) − Φ((−m − μ)√n/sd + t_c V)]⁺
        with (n − 1)V² ~ χ²(n − 1) (Owen 1965's integral), by scipy.integrate.quad against
        scipy.stats.chi2's density.
        α/2 per one-sided claim is the stricter convention of `actlab.stats` (CPMP 2000):
        Lakens 2018's 1 − 2α interval corresponds to passing 2α here.

    Args:
        n: seeds (≥ 2). sd: the SD of the per-seed differences (> 0). effect: δ for a
        difference, the margin m (> 0) for the other kinds. alpha: the level the question is
        read at (e.g. `holm_alpha`). kind: one of `KINDS`. true_difference: μ for
        non-inferiority and equivalence (default 0: the arms are equally good).

    Returns:
        The power, in [0, 1].
    """
    n = _checks.integer("n", n, 2)
    sd = _checks.positive("sd", sd)
    effect = _checks.positive("effect", effect)
    alpha = _checks.probability("alpha", alpha)
    kind, true_difference = _check_kind(kind, true_difference)
    return _power(n, sd, effect, alpha, kind, true_difference)


def _seeds(sd: float, effect: float, alpha: float, power: float, kind: str, true: float) -> int:
    z_a = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if kind == "difference":
        gap, z_b = effect, float(stats.norm.ppf(power))
    elif kind == "non_inferiority":
        gap, z_b = effect + true, float(stats.norm.ppf(power))
    else:
        gap = effect - abs(true)
        z_b = float(stats.norm.ppf((1.0 + power) / 2.0 if true == 0 else power))
    if gap <= 0:
        return -1
    normal = ((z_a + z_b) * sd / gap) ** 2  # the z-test's seeds: the start of the search
    if normal > SEEDS_LIMIT:
        return -1
    k = max(2, math.floor(normal))
    while k > 2 and _power(k - 1, sd, effect, alpha, kind, true) >= power:
        k -= 1
    while _power(k, sd, effect, alpha, kind, true) < power:
        k += 1
        if k > SEEDS_LIMIT:
            return -1
    return k


def seeds_for_power(
    sd: float,
    effect: float,
    alpha: float = 0.05,
    power: float = 0.8,
    kind: str = "difference",
    *,
    true_difference: float = 0.0,
) -> Sizing:
    """The fewest seeds n ≥ 2 whose `power_paired_t` reaches `power` (a search started at the
    normal approximation n ≈ ((z₁₋α/₂ + z_power)·sd/gap)², gap = δ, m + μ or m − |μ|).

    Args:
        sd, effect, alpha, kind, true_difference: as `power_paired_t`. Size at the declared
            δ or margin, never at an observed difference, and at the α the question will be
            read at (`holm_alpha(alpha, m)` in a family of m).
        power: the power to reach, strictly between 0 and 1 (80 % by default).

    Returns:
        A `Sizing` (n infinite when the power cannot be reached within `SEEDS_LIMIT` seeds,
        e.g. an assumed difference at or beyond an equivalence margin); its SD-limit fields NaN
        (`size_trial` fills them).
    """
    sd = _checks.positive("sd", sd)
    effect = _checks.positive("effect", effect)
    alpha = _checks.probability("alpha", alpha)
    power = _checks.probability("power", power)
    kind, true_difference = _check_kind(kind, true_difference)
    k = _seeds(sd, effect, alpha, power, kind, true_difference)
    n = math.inf if k < 0 else float(k)
    achieved = math.nan if k < 0 else _power(k, sd, effect, alpha, kind, true_difference)
    return Sizing(
        kind, effect, true_difference, sd, alpha, power, n, achieved, math.nan, math.nan, math.nan
    )


def sd_upper_limit(sd: float, n_pilot: int, confidence: float = 0.8) -> float:
    """The upper one-sided `confidence` limit of an SD estimated from a pilot of `n_pilot`
    seeds (normal data): sd·√((n − 1)/χ²₁₋c(n − 1)), with χ²₁₋c the (1 − confidence)
    quantile of scipy.stats.chi2 (e.g. Browne 1995 sizes at such a limit).

    Returns:
        The limit (≥ sd).
    """
    sd = _checks.positive("sd", sd)
    n_pilot = _checks.integer("n_pilot", n_pilot, 2)
    confidence = _checks.probability("confidence", confidence)
    df = n_pilot - 1
    return sd * math.sqrt(df / float(stats.chi2.ppf(1.0 - confidence, df)))


def size_trial(
    sd: float,
    effect: float,
    *,
    n_pilot: int,
    alpha: float = 0.05,
    m: int = 1,
    power: float = 0.8,
    kind: str = "difference",
    true_difference: float = 0.0,
    sd_confidence: float = 0.8,
) -> Sizing:
    """A registration's sizing: `seeds_for_power` at Holm's first-step level α/m with the
    pilot's SD, and the power those seeds have if the SD is at its upper `sd_confidence` limit
    (`sd_upper_limit` from a pilot of `n_pilot` seeds).

    Returns:
        A `Sizing` with every field filled.
    """
    level = holm_alpha(alpha, m)
    sizing = seeds_for_power(sd, effect, level, power, kind, true_difference=true_difference)
    upper = sd_upper_limit(sd, n_pilot, sd_confidence)
    at_upper = (
        math.nan
        if math.isinf(sizing.n)
        else _power(int(sizing.n), upper, sizing.effect, level, sizing.kind, true_difference)
    )
    return Sizing(
        **{
            **asdict(sizing),
            "sd_confidence": float(sd_confidence),
            "sd_upper": upper,
            "power_at_sd_upper": at_upper,
        }
    )
