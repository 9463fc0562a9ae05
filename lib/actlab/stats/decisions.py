"""`decide_paired` (one declared question: difference, non-inferiority or equivalence, read
from the two-sided interval), `tost`, and Holm's adjustment across a family (`holm`,
`holm_verdicts`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actlab.stats._common import (
    MIN_SEEDS,
    OPEN_VERDICTS,
    TOO_FEW_SEEDS,
    _check_alpha,
    _check_question,
    _p_ge,
    _z,
)
from actlab.stats.paired import compare_paired
from actlab.stats.records import Comparison, Decision, Tost

__all__ = ["decide_paired", "holm", "holm_verdicts", "tost"]


def decide_paired(
    a: Sequence[float],
    b: Sequence[float],
    question: str = "difference",
    margin: float | None = None,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    min_seeds: int = MIN_SEEDS,
) -> Decision:
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
        min_seeds: fewer paired seeds give ``"too few seeds"`` (see below); `MIN_SEEDS` (6)
            unless a test of the arithmetic lowers it.

    Returns:
        A `Decision`: the fields of `compare_paired` (``n``, ``mean_diff``, ``ci_low``, ``ci_high``, ``sd_diff``,
        ``verdict``, ``decided``, ``margin``, ``confidence``, ``seeds_needed``) plus
        ``question``, ``alpha`` and ``p``: twice the one-sided p-value of the claim the verdict
        makes ("a higher" / "b higher"; "non-inferior" / "inferior"; "equivalent" / "not
        equivalent"), or of the question's own claim when it decides nothing, so that
        ``p < alpha`` exactly when the verdict is decided. Verdicts: "a higher", "b higher",
        "no clear difference"; "non-inferior", "inferior", "inconclusive"; "equivalent", "not
        equivalent", "inconclusive"; "single seed" (no interval, ``p`` NaN); "too few seeds"
        (fewer than `MIN_SEEDS` paired seeds: the interval and p are reported, nothing is
        decided — no distribution-free paired test can reach p < 0.0625 on five seeds).
    """
    alpha = _check_alpha(alpha)
    margin = _check_question(question, margin)
    base = compare_paired(a, b, confidence=1.0 - alpha, min_seeds=min_seeds)
    fields = {**base.to_dict(), "question": question, "margin": margin, "alpha": alpha}
    if base.n < 2:
        return Decision(**{**fields, "p": math.nan, "verdict": "single seed", "decided": False})
    read = {"difference": _difference, "non-inferiority": _non_inferiority}.get(
        question, _equivalence
    )
    verdict, p = read(base, margin, higher_is_better)
    if base.n < min_seeds:
        verdict = TOO_FEW_SEEDS
    decided = verdict not in (OPEN_VERDICTS[question], TOO_FEW_SEEDS)
    return Decision(**{**fields, "p": float(p), "verdict": verdict, "decided": decided})


def _difference(base: Comparison, margin: None, higher_is_better: bool) -> tuple[str, float]:
    """Two-sided: the interval excludes 0."""
    n, low, high = base.n, base.ci_low, base.ci_high
    z = _z(base.mean_diff, base.sd_diff, n, 0.0)
    p = 1.0 if math.isnan(z) else min(1.0, 2.0 * _p_ge(abs(z), n - 1))
    verdict = "a higher" if low > 0 else "b higher" if high < 0 else "no clear difference"
    return verdict, p


def _non_inferiority(base: Comparison, margin: float, higher_is_better: bool) -> tuple[str, float]:
    """The interval lies above −margin (non-inferior) or below it (inferior)."""
    n, df, sign = base.n, base.n - 1, 1.0 if higher_is_better else -1.0
    z = _z(sign * base.mean_diff, base.sd_diff, n, -margin)  # H0: a worse by the margin or more
    p_ni, p_inf = _p_ge(z, df), _p_ge(-z, df)
    worst = base.ci_low if higher_is_better else -base.ci_high
    best = base.ci_high if higher_is_better else -base.ci_low
    if worst > -margin:
        verdict, p = "non-inferior", p_ni
    elif best < -margin:
        verdict, p = "inferior", p_inf
    else:
        verdict, p = "inconclusive", p_ni
    return verdict, min(1.0, 2.0 * p)


def _equivalence(base: Comparison, margin: float, higher_is_better: bool) -> tuple[str, float]:
    """The interval lies inside (−margin, margin) (TOST at alpha/2 per side) or outside it."""
    n, df, mean, sd = base.n, base.n - 1, base.mean_diff, base.sd_diff
    low, high = base.ci_low, base.ci_high
    z_low, z_high = _z(mean, sd, n, -margin), _z(mean, sd, n, margin)
    p_eq = max(_p_ge(z_low, df), _p_ge(-z_high, df))
    p_ne = min(_p_ge(-z_low, df), _p_ge(z_high, df))
    if -margin < low and high < margin:
        verdict, p = "equivalent", p_eq
    elif low > margin or high < -margin:
        verdict, p = "not equivalent", p_ne
    else:
        verdict, p = "inconclusive", p_eq
    return verdict, min(1.0, 2.0 * p)


def tost(a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05) -> Tost:
    """Schuirmann's two one-sided tests for paired seeds: is ``a − b`` within (−margin, margin)?

    Each one-sided t-test is at level `alpha` (H0: d ≤ −margin, H0: d ≥ margin); the pair is
    equivalent when both reject, i.e. when the (1 − 2·alpha) interval lies inside the margins.
    Returns a `Tost`: ``n``, ``mean_diff``, ``sd_diff``, ``p_lower``, ``p_upper``, ``p`` (the larger),
    ``ci_low``/``ci_high`` (the 1 − 2·alpha interval), ``margin``, ``alpha``, ``equivalent``.
    (`decide_paired(question="equivalence")` runs it at alpha/2 per side, so that its verdict
    agrees with the two-sided 1 − alpha interval it reports.)
    """
    alpha = _check_alpha(alpha)
    margin = _check_question("equivalence", margin)
    if alpha >= 0.5:
        raise ValueError(f"`alpha` must be below 0.5 for TOST. Received: alpha={alpha!r}")
    base = compare_paired(a, b, confidence=1.0 - 2.0 * alpha)
    n, mean, sd = base.n, base.mean_diff, base.sd_diff
    if n < 2:
        p_lower = p_upper = float("nan")
    else:
        p_lower = _p_ge(_z(mean, sd, n, -margin), n - 1)
        p_upper = _p_ge(-_z(mean, sd, n, margin), n - 1)
    p = max(p_lower, p_upper)
    return Tost(
        n=n,
        mean_diff=mean,
        sd_diff=sd,
        p_lower=p_lower,
        p_upper=p_upper,
        p=p,
        ci_low=base.ci_low,
        ci_high=base.ci_high,
        margin=margin,
        alpha=alpha,
        equivalent=bool(p < alpha),
    )


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


def holm_verdicts(
    results: Sequence[Decision | Mapping[str, Any]], alpha: float | None = None
) -> list[Decision | dict]:
    """`decide_paired` results of one family with ``p_holm`` and the verdict after Holm.

    A result keeps its verdict (``verdict_holm``) when its adjusted p is below its alpha (or
    `alpha`), and otherwise gets its question's open verdict ("no clear difference",
    "inconclusive"); ``decided_holm`` says which. Returns new `Decision`s (new dicts for dicts),
    in the same order. A result without a p (NaN: a comparison that could not be scored)
    counts in the family's size as p = 1 and is never kept: the family never shrinks.
    """
    p = np.array([r["p"] for r in results], dtype="float64")
    adjusted = np.where(np.isnan(p), np.nan, holm(np.where(np.isnan(p), 1.0, p)))
    out = []
    for r, p_holm in zip(results, adjusted, strict=True):
        level = _check_alpha(alpha if alpha is not None else r["alpha"])
        kept = bool(p_holm < level) and r["decided"]
        open_word = OPEN_VERDICTS.get(r.get("question", "difference"), "no clear difference")
        kept_words = ("single seed", TOO_FEW_SEEDS)
        verdict = r["verdict"] if kept or r["verdict"] in kept_words else open_word
        holm_fields = {"p_holm": float(p_holm), "verdict_holm": verdict, "decided_holm": kept}
        if isinstance(r, Decision):
            out.append(dataclasses.replace(r, **holm_fields))
        else:
            out.append({**r, **holm_fields})
    return out
