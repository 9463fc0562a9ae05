"""`compare_paired` and `compare_records`: a Student-t interval on the paired differences and
the verdict it reads, as a `Comparison`."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from actlab.stats._common import MIN_SEEDS, TOO_FEW_SEEDS, _t_quantile
from actlab.stats.power import _seeds_for_power
from actlab.stats.records import Comparison

__all__ = ["compare_paired", "compare_records"]


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
    return verdict not in ("no clear difference", "inconclusive", "single seed", TOO_FEW_SEEDS)


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


def compare_paired(
    a: Sequence[float],
    b: Sequence[float],
    margin: float | None = None,
    confidence: float = 0.95,
    min_seeds: int = MIN_SEEDS,
) -> Comparison:
    """Compare two variants run on the same seeds: a Student-t interval on the paired differences.

    Args:
        a, b: per-seed metrics of the two variants, for the same seeds in the same order.
        margin: None asks "is there a difference?"; a number m ≥ 0 asks "is `a` at most m below
            `b`?" (non-inferiority, in the units of the metric; declare it before the run).
        confidence: the interval's coverage, strictly between 0 and 1.
        min_seeds: with fewer paired seeds the verdict is ``"too few seeds"`` (interval still
            computed): `MIN_SEEDS` (6) unless a test of the interval's arithmetic lowers it.

    Returns:
        A `Comparison`: ``n``, ``mean_diff`` (mean of a − b), ``ci_low``, ``ci_high`` (NaN with one seed),
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
        verdict = _verdict(low, high, margin) if n >= min_seeds else TOO_FEW_SEEDS
    return Comparison(
        n=n,
        mean_diff=mean,
        ci_low=low,
        ci_high=high,
        verdict=verdict,
        sd_diff=sd,
        margin=margin,
        confidence=confidence,
        decided=_decided(verdict),
        seeds_needed=_needed(mean, sd, n, margin, confidence),
    )


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
    min_seeds: int = MIN_SEEDS,
) -> Comparison:
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
    result = compare_paired(xa, xb, margin=margin, confidence=confidence, min_seeds=min_seeds)
    return dataclasses.replace(result, a=a, b=b, seeds=seeds)
