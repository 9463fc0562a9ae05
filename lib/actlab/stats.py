"""Paired comparisons over seeds: a Student-t interval on the per-seed differences, a verdict
read from the interval, p-values adjusted across comparisons (Holm), equivalence (TOST) and
non-inferiority against a declared margin, and how many seeds give 80 % power.

Every notebook pairs its runs: a seed fixes the data split and the initial weights of every variant,
so variant A's and variant B's metric for seed s form a pair. `compare_paired` judges A − B from
those pairs; `decide_paired` asks one declared question of them ("difference",
"non-inferiority" or "equivalence") and gives its p-value, which `holm` / `holm_verdicts` adjust
across a family of comparisons; `tost` is the textbook two one-sided tests; `seeds_needed` is a
power calculation for the paired t-test (80 % power at a declared smallest effect of interest).
The sentences about these numbers are `actlab.wording`'s.

The distributions are scipy's (`scipy.stats.t`, `scipy.stats.nct` for the power of a
difference or a non-inferiority, `scipy.stats.norm`).

Verdicts (``d = a − b``, interval ``[ci_low, ci_high]``):

- no margin: ``"a higher"`` (ci_low > 0), ``"b higher"`` (ci_high < 0), else ``"no clear difference"``;
- margin m ≥ 0 (the question "is a at most m below b?"): ``"non-inferior"`` (ci_low > −m),
  ``"inferior"`` (ci_high < −m), else ``"inconclusive"``;
- one seed: no interval (NaN) and ``"single seed"``.

`decide_paired` reads every question from the same two-sided (1 − α) interval that it reports,
so a verdict never disagrees with the interval shown: a difference when the interval excludes 0;
non-inferiority when it lies above −m (one-sided test at α/2); equivalence when it lies inside
(−m, m) (two one-sided tests at α/2 each: with α = 0.05 the stricter 95 % convention, CPMP
2000; α = 0.10 gives Schuirmann's 90 % interval). Its ``p`` is on the same scale: ``p < α``
exactly when the interval supports the verdict (twice the one-sided p of the claim made), so
Holm can adjust the p-values of different questions together.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats as _dist

__all__ = [
    "QUESTIONS",
    "compare_paired",
    "compare_records",
    "decide_paired",
    "detectable_effect",
    "holm",
    "holm_verdicts",
    "power_paired",
    "seeds_needed",
    "tost",
]

# Above this many seeds `seeds_needed` stops searching and reports the normal-theory estimate.
_SEEDS_SEARCH_LIMIT = 100_000


# --------------------------------------------------------------------------- the t distribution
@functools.lru_cache(maxsize=4096)
def _t_quantile(p: float, df: int) -> float:
    """The `p` quantile of Student's t with `df` degrees of freedom (scipy)."""
    return float(_dist.t.ppf(p, df))


# --------------------------------------------------------------------------- arguments
def _per_seed(name: str, values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a sequence of per-seed numbers. Received: {name}={values!r}"
        ) from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"`{name}` must be a non-empty 1-D sequence of per-seed numbers. "
            f"Received: {name}={values!r}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"`{name}` must contain finite numbers only (one per seed). Received: {name}={values!r}"
        )
    return arr


def _check(a: Any, b: Any, margin: Any, confidence: Any) -> tuple[np.ndarray, float | None, float]:
    arr_a, arr_b = _per_seed("a", a), _per_seed("b", b)
    if arr_a.shape != arr_b.shape:
        raise ValueError(
            f"`b` must hold one value per seed of `a` (same seeds, same order): "
            f"len(a)={arr_a.size}, len(b)={arr_b.size}. Received: b={b!r}"
        )
    if margin is not None:
        if (
            isinstance(margin, bool)
            or not isinstance(margin, int | float | np.integer | np.floating)
            or not math.isfinite(margin)
            or margin < 0
        ):
            raise ValueError(
                f"`margin` must be None or a finite number ≥ 0. Received: margin={margin!r}"
            )
        margin = float(margin)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float | np.floating)
        or not 0.0 < float(confidence) < 1.0
    ):
        raise ValueError(
            f"`confidence` must be strictly between 0 and 1. Received: confidence={confidence!r}"
        )
    return arr_a - arr_b, margin, float(confidence)


def _verdict(low: float, high: float, margin: float | None) -> str:
    if margin is None:
        return "a higher" if low > 0 else "b higher" if high < 0 else "no clear difference"
    return "non-inferior" if low > -margin else "inferior" if high < -margin else "inconclusive"


def _decided(verdict: str) -> bool:
    return verdict not in ("no clear difference", "inconclusive", "single seed")


def _needed(mean: float, sd: float, n: int, margin: float | None, confidence: float) -> float:
    """Seeds for 80 % power if the true difference were the observed one (`compare_paired`)."""
    if n < 2:
        return float("nan")
    effect = abs(mean if margin is None else mean + margin)
    if sd == 0.0:
        return float(n) if effect > 0 else float("nan")
    if effect == 0.0:
        return float("nan")
    return float(_seeds_for_power("difference", sd, effect, None, 1.0 - confidence, 0.8))


# --------------------------------------------------------------------------- public API
def compare_paired(
    a: Sequence[float], b: Sequence[float], margin: float | None = None, confidence: float = 0.95
) -> dict[str, Any]:
    """Compare two variants run on the same seeds: a Student-t interval on the paired differences.

    Args:
        a, b: per-seed metrics of the two variants, for the same seeds in the same order.
        margin: None asks "is there a difference?"; a number m ≥ 0 asks "is `a` at most m below
            `b`?" (non-inferiority, in the units of the metric; declare it before the run).
        confidence: the interval's coverage, strictly between 0 and 1.

    Returns:
        A dict: ``n``, ``mean_diff`` (mean of a − b), ``ci_low``, ``ci_high`` (NaN with one seed),
        ``verdict`` (see the module docstring), ``sd_diff`` (sample std of the differences, NaN
        with one seed), ``margin``, ``confidence``, ``decided`` (the verdict is not open) and
        ``seeds_needed`` (the paired seeds that would give 80 % power to decide if the true
        difference were the observed one: with a margin, to tell non-inferior from inferior;
        NaN with one seed or no difference, infinity past 100,000; see `seeds_needed` for a
        design at a declared effect).

    Raises:
        ValueError: naming the argument, for mismatched lengths, empty or non-finite metrics, a
            negative margin or a confidence outside (0, 1).
    """
    diff, margin, confidence = _check(a, b, margin, confidence)
    n = int(diff.size)
    mean = float(diff.mean())
    if n < 2:
        low = high = sd = float("nan")
        verdict = "single seed"
    else:
        sd = float(diff.std(ddof=1))
        half = _t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
        verdict = _verdict(low, high, margin)
    return {
        "n": n,
        "mean_diff": mean,
        "ci_low": low,
        "ci_high": high,
        "verdict": verdict,
        "sd_diff": sd,
        "margin": margin,
        "confidence": confidence,
        "decided": _decided(verdict),
        "seeds_needed": _needed(mean, sd, n, margin, confidence),
    }


def compare_records(
    records: Sequence[dict[str, Any]],
    a: str,
    b: str,
    *,
    value: str,
    group: str = "variant",
    seed: str = "seed",
    margin: float | None = None,
    scale: float = 1.0,
    log10: bool = False,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """`compare_paired` on run records (one dict per run): the `value` of runs whose `group` is `a`
    against those whose `group` is `b`, paired by `seed`. `scale` multiplies first (100: fractions
    to percentage points); `log10` compares log10 values (for heavy-tailed, positive metrics).

    Every seed of `a` must also have a run of `b` and vice versa (a seed fixes the data and the
    initial weights of every variant, which is what makes the pairs); otherwise ValueError.
    The result carries ``a``, ``b`` and ``seeds`` as well.
    """

    def by_seed(name: str) -> dict[Any, float]:
        out = {}
        for r in records:
            if r[group] == name:
                if r[seed] in out:
                    raise ValueError(
                        f"`records` hold two runs of {group}={name!r} for {seed}={r[seed]!r}."
                    )
                out[r[seed]] = float(r[value])
        if not out:
            raise ValueError(f"`records` hold no run with {group}={name!r}.")
        return out

    va, vb = by_seed(a), by_seed(b)
    if set(va) != set(vb):
        raise ValueError(
            f"`records` must hold the same seeds for both variants to pair them: "
            f"{a!r} has {sorted(va)}, {b!r} has {sorted(vb)}."
        )
    seeds = list(va)
    xa = np.array([va[s] for s in seeds]) * scale
    xb = np.array([vb[s] for s in seeds]) * scale
    if log10:
        xa, xb = np.log10(xa), np.log10(xb)
    result = compare_paired(xa, xb, margin=margin, confidence=confidence)
    return {**result, "a": a, "b": b, "seeds": seeds}


# --------------------------------------------------------------------------- declared questions
#: The questions `decide_paired` asks: is there a difference (two-sided); is `a` at most
#: `margin` worse than `b` (non-inferiority); are they within ± `margin` (equivalence, TOST).
QUESTIONS = ("difference", "non-inferiority", "equivalence")
#: The verdict each question gives when its interval decides nothing.
OPEN_VERDICTS = {
    "difference": "no clear difference",
    "non-inferiority": "inconclusive",
    "equivalence": "inconclusive",
}


def _p_ge(x: float, df: int) -> float:
    """P(T ≥ x) where x may be ±inf (a zero spread): 0 or 1 then."""
    if math.isnan(x):
        return 0.5  # 0/0: the mean sits exactly on the boundary and nothing varies
    return float(_dist.t.sf(x, df))


def _check_alpha(alpha: Any) -> float:
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float | np.floating)
        or not 0.0 < float(alpha) < 1.0
    ):
        raise ValueError(f"`alpha` must be strictly between 0 and 1. Received: alpha={alpha!r}")
    return float(alpha)


def _check_question(question: Any, margin: Any) -> float | None:
    if question not in QUESTIONS:
        raise ValueError(f"`question` must be one of {QUESTIONS}. Received: question={question!r}")
    if question == "difference":
        if margin is not None:
            raise ValueError(
                "`margin` belongs to the questions 'non-inferiority' and 'equivalence'; "
                f"a difference is two-sided around 0. Received: margin={margin!r}"
            )
        return None
    if (
        isinstance(margin, bool)
        or not isinstance(margin, int | float | np.integer | np.floating)
        or not math.isfinite(margin)
        or margin <= 0
    ):
        raise ValueError(
            f"`margin` must be a finite number > 0 for the question {question!r} (declare it "
            f"before the run, in the units of the metric). Received: margin={margin!r}"
        )
    return float(margin)


def _z(mean: float, sd: float, n: int, shift: float) -> float:
    """(mean − shift) / standard error, ±inf (or NaN at 0/0) when nothing varies."""
    num = mean - shift
    if sd == 0.0:
        return math.copysign(math.inf, num) if num != 0 else float("nan")
    return num / (sd / math.sqrt(n))


def decide_paired(
    a: Sequence[float],
    b: Sequence[float],
    question: str = "difference",
    margin: float | None = None,
    alpha: float = 0.05,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """One declared question about two variants run on the same seeds (paired t).

    Args:
        a, b: per-seed metrics (same seeds, same order); `a` is the candidate.
        question: ``"difference"`` (two-sided: is `a` higher or lower than `b`?),
            ``"non-inferiority"`` (is `a` at most `margin` worse than `b`?) or
            ``"equivalence"`` (is `a` − `b` within ± `margin`? TOST).
        margin: > 0, in the metric's units, for the last two questions (None for a difference).
        alpha: the level; the interval is the two-sided (1 − α) one, and every verdict is read
            from it (see the module docstring).
        higher_is_better: which direction is "worse" for non-inferiority (False for an MSE).

    Returns:
        The keys of `compare_paired` (``n``, ``mean_diff``, ``ci_low``, ``ci_high``, ``sd_diff``,
        ``verdict``, ``decided``, ``margin``, ``confidence``, ``seeds_needed``) plus
        ``question``, ``alpha`` and ``p``: twice the one-sided p-value of the claim the verdict
        makes ("a higher" / "b higher"; "non-inferior" / "inferior"; "equivalent" / "not
        equivalent"), or of the question's own claim when it decides nothing, so that
        ``p < alpha`` exactly when the verdict is decided. Verdicts: "a higher", "b higher",
        "no clear difference"; "non-inferior", "inferior", "inconclusive"; "equivalent", "not
        equivalent", "inconclusive"; "single seed" (no interval, ``p`` NaN).
    """
    alpha = _check_alpha(alpha)
    margin = _check_question(question, margin)
    base = compare_paired(a, b, confidence=1.0 - alpha)
    n, mean, sd = base["n"], base["mean_diff"], base["sd_diff"]
    out = {**base, "question": question, "margin": margin, "alpha": alpha}
    if n < 2:
        return {**out, "p": float("nan"), "verdict": "single seed", "decided": False}
    df, sign = n - 1, 1.0 if higher_is_better else -1.0
    low, high = base["ci_low"], base["ci_high"]
    if question == "difference":
        z = _z(mean, sd, n, 0.0)
        p = 1.0 if math.isnan(z) else min(1.0, 2.0 * _p_ge(abs(z), df))
        verdict = "a higher" if low > 0 else "b higher" if high < 0 else "no clear difference"
    elif question == "non-inferiority":
        z = _z(sign * mean, sd, n, -margin)  # H0: a is worse than b by at least the margin
        p_ni, p_inf = _p_ge(z, df), _p_ge(-z, df)
        worst = low if higher_is_better else -high
        best = high if higher_is_better else -low
        if worst > -margin:
            verdict, p = "non-inferior", p_ni
        elif best < -margin:
            verdict, p = "inferior", p_inf
        else:
            verdict, p = "inconclusive", p_ni
        p = min(1.0, 2.0 * p)
    else:
        z_low, z_high = _z(mean, sd, n, -margin), _z(mean, sd, n, margin)
        p_eq = max(_p_ge(z_low, df), _p_ge(-z_high, df))  # tost at alpha/2 per side
        p_ne = min(_p_ge(-z_low, df), _p_ge(z_high, df))
        if -margin < low and high < margin:
            verdict, p = "equivalent", p_eq
        elif low > margin or high < -margin:
            verdict, p = "not equivalent", p_ne
        else:
            verdict, p = "inconclusive", p_eq
        p = min(1.0, 2.0 * p)
    return {**out, "p": float(p), "verdict": verdict, "decided": verdict != OPEN_VERDICTS[question]}


def tost(
    a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05
) -> dict[str, Any]:
    """Schuirmann's two one-sided tests for paired seeds: is ``a − b`` within (−margin, margin)?

    Each one-sided t-test is at level `alpha` (H0: d ≤ −margin, H0: d ≥ margin); the pair is
    equivalent when both reject, i.e. when the (1 − 2·alpha) interval lies inside the margins.
    Returns ``n``, ``mean_diff``, ``sd_diff``, ``p_lower``, ``p_upper``, ``p`` (the larger),
    ``ci_low``/``ci_high`` (the 1 − 2·alpha interval), ``margin``, ``alpha``, ``equivalent``.
    (`decide_paired(question="equivalence")` runs it at alpha/2 per side, so that its verdict
    agrees with the two-sided 1 − alpha interval it reports.)
    """
    alpha = _check_alpha(alpha)
    margin = _check_question("equivalence", margin)
    if alpha >= 0.5:
        raise ValueError(f"`alpha` must be below 0.5 for TOST. Received: alpha={alpha!r}")
    base = compare_paired(a, b, confidence=1.0 - 2.0 * alpha)
    n, mean, sd = base["n"], base["mean_diff"], base["sd_diff"]
    if n < 2:
        p_lower = p_upper = float("nan")
    else:
        p_lower = _p_ge(_z(mean, sd, n, -margin), n - 1)
        p_upper = _p_ge(-_z(mean, sd, n, margin), n - 1)
    p = max(p_lower, p_upper)
    return {
        "n": n,
        "mean_diff": mean,
        "sd_diff": sd,
        "p_lower": p_lower,
        "p_upper": p_upper,
        "p": p,
        "ci_low": base["ci_low"],
        "ci_high": base["ci_high"],
        "margin": margin,
        "alpha": alpha,
        "equivalent": bool(p < alpha),
    }


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979): the family-wise error rate stays at
    most α when every hypothesis with adjusted p < α is rejected, whatever their dependence.

    ``p_(i)`` sorted ascending of the m finite values becomes ``max_{j ≤ i} min(1, (m − j + 1)
    p_(j))``; NaN stays NaN and does not count in m (a comparison that could not be made).
    """
    p = np.asarray(p_values, dtype="float64")
    if p.ndim != 1:
        raise ValueError(f"`p_values` must be a 1-D sequence. Received: p_values={p_values!r}")
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError(f"`p_values` must lie in [0, 1]. Received: p_values={p_values!r}")
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(finite)
    m = idx.size
    if m:
        order = idx[np.argsort(p[idx], kind="stable")]
        scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
        out[order] = np.maximum.accumulate(scaled)
    return out


def holm_verdicts(results: Sequence[dict[str, Any]], alpha: float | None = None) -> list[dict]:
    """`decide_paired` results of one family with ``p_holm`` and the verdict after Holm.

    A result keeps its verdict (``verdict_holm``) when its adjusted p is below its alpha (or
    `alpha`), and otherwise gets its question's open verdict ("no clear difference",
    "inconclusive"); ``decided_holm`` says which. Returns new dicts, in the same order.
    """
    adjusted = holm([r["p"] for r in results])
    out = []
    for r, p_holm in zip(results, adjusted, strict=True):
        level = _check_alpha(alpha if alpha is not None else r["alpha"])
        kept = bool(p_holm < level) and r["decided"]
        open_word = OPEN_VERDICTS.get(r.get("question", "difference"), "no clear difference")
        verdict = r["verdict"] if kept or r["verdict"] == "single seed" else open_word
        out.append({**r, "p_holm": float(p_holm), "verdict_holm": verdict, "decided_holm": kept})
    return out


# --------------------------------------------------------------------------- power
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
