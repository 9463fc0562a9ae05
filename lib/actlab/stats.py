"""Paired comparisons over seeds: a Student-t interval on the per-seed differences and a verdict
read from the interval alone.

Every notebook pairs its runs: a seed fixes the data split and the initial weights of every variant,
so variant A's and variant B's metric for seed s form a pair. `compare_paired` judges A − B from
those pairs; `seeds_needed` says roughly how many seeds would close a question the interval leaves
open; `format_comparison` and `format_mean_std` write the sentences the notebooks print.

The t quantile is computed here (exact Student-t CDF for integer degrees of freedom, inverted by
bisection; Cornish–Fisher expansion above 1000 degrees of freedom), so `lib` needs NumPy only.

Verdicts (``d = a − b``, interval ``[ci_low, ci_high]``):

- no margin: ``"a higher"`` (ci_low > 0), ``"b higher"`` (ci_high < 0), else ``"no clear difference"``;
- margin m ≥ 0 (the question "is a at most m below b?"): ``"non-inferior"`` (ci_low > −m),
  ``"inferior"`` (ci_high < −m), else ``"inconclusive"``;
- one seed: no interval (NaN) and ``"single seed"``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = [
    "compare_paired",
    "compare_records",
    "format_comparison",
    "format_mean_std",
    "format_number",
    "format_ratio",
    "format_short",
    "seeds_needed",
    "t_quantile",
    "verdict_record",
    "verdict_words",
]

MINUS = "\u2212"
_EXACT_DF_LIMIT = 1000
# Above this many seeds `seeds_needed` stops searching and reports the normal-theory estimate.
_SEEDS_SEARCH_LIMIT = 100_000


# --------------------------------------------------------------------------- the t distribution
def _t_two_sided_mass(theta: float, df: int) -> float:
    """P(|T| ≤ √df·tan θ) for T ~ Student-t(df), integer df (Abramowitz & Stegun 26.7.3–26.7.4)."""
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 1:
        if df == 1:
            return 2.0 * theta / math.pi
        term, total = c, c
        for k in range(3, df - 1, 2):  # c + (2/3)c³ + (2·4)/(3·5)c⁵ + … + c^(df−2)
            term *= c2 * (k - 1) / k
            total += term
        return 2.0 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(2, df - 1, 2):  # 1 + (1/2)c² + (1·3)/(2·4)c⁴ + … + c^(df−2)
        term *= c2 * (k - 1) / k
        total += term
    return s * total


def _t_quantile_cornish_fisher(p: float, df: int) -> float:
    """Upper quantile of Student-t by the Cornish–Fisher expansion (A&S 26.7.5), for large df."""
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def t_quantile(p: float, df: int) -> float:
    """The `p` quantile of Student's t distribution with `df` (a positive integer) degrees of
    freedom, e.g. ``t_quantile(0.975, 4) = 2.7764…`` (the 95 % two-sided critical value)."""
    if isinstance(df, bool) or not isinstance(df, int | np.integer) or df < 1:
        raise ValueError(f"`df` must be a positive integer. Received: df={df!r}")
    if not (isinstance(p, int | float | np.floating) and 0.0 < float(p) < 1.0):
        raise ValueError(f"`p` must be a probability strictly between 0 and 1. Received: p={p!r}")
    return _t_quantile(float(p), int(df))


@functools.lru_cache(maxsize=4096)
def _t_quantile(p: float, df: int) -> float:
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -_t_quantile(1.0 - p, df)
    if df > _EXACT_DF_LIMIT:
        return _t_quantile_cornish_fisher(p, df)
    mass = 2.0 * p - 1.0  # P(|T| ≤ t) for the upper quantile t
    lo, hi = 0.0, math.pi / 2
    for _ in range(200):  # bisection on θ = arctan(t/√df): the mass is increasing in θ
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if _t_two_sided_mass(mid, df) < mass:
            lo = mid
        else:
            hi = mid
    return math.sqrt(df) * math.tan(0.5 * (lo + hi))


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
    if n < 2:
        return float("nan")
    effect = abs(mean if margin is None else mean + margin)
    if sd == 0.0:
        return float(n) if effect > 0 else float("nan")
    if effect == 0.0:
        return float("nan")
    p = 0.5 + confidence / 2
    z = NormalDist().inv_cdf(p)
    start = max(2, math.ceil((z * sd / effect) ** 2))
    if start > _SEEDS_SEARCH_LIMIT:
        return float("inf")
    k = start
    while _t_quantile(p, k - 1) * sd / math.sqrt(k) >= effect:
        k += 1
    return float(k)


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
        ``seeds_needed`` (see `seeds_needed`).

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
        half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
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


def seeds_needed(
    a: Sequence[float], b: Sequence[float], margin: float | None = None, confidence: float = 0.95
) -> float:
    """Roughly how many paired seeds would let the interval decide, if the mean and the spread of
    the differences stayed as observed: the smallest k ≥ 2 with t(k−1)·sd/√k < |mean| (no margin)
    or < |mean + margin| (with one). At or below ``len(a)`` when the verdict is already decided.

    NaN when it cannot be estimated: a single seed (no spread), or an observed effect exactly on the
    boundary (no number of seeds would move the interval off it). Infinity when the estimate
    exceeds 100,000 seeds (the mean sits practically on the boundary, e.g. float32 rounding away
    from it). Arguments as `compare_paired`.
    """
    diff, margin, confidence = _check(a, b, margin, confidence)
    sd = float(diff.std(ddof=1)) if diff.size > 1 else float("nan")
    return _needed(float(diff.mean()), sd, int(diff.size), margin, confidence)


# --------------------------------------------------------------------------- sentences
def verdict_words(
    result: dict[str, Any], names: tuple[str, str] | None = None, higher: str = "higher"
) -> str:
    """The verdict for a reader: with `names`, "a higher"/"b higher" name the variant, e.g.
    ``"ReLU higher"`` or, with ``higher="has the higher MSE"``, ``"ReLU has the higher MSE"``."""
    verdict = result["verdict"]
    if names and verdict in ("a higher", "b higher"):
        return f"{names[0] if verdict == 'a higher' else names[1]} {higher}"
    return verdict


def format_number(x: float, decimals: int = 2, sign: bool = False) -> str:
    """`x` with `decimals` decimals and a typographic minus (−), ``+`` in front when `sign`."""
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:+.{decimals}f}" if sign else f"{x:.{decimals}f}"
    if float(text.lstrip("+-") or 0) == 0:  # no "−0.00"
        text = text.replace("-", "+" if sign else "")
    return text.replace("-", MINUS)


def format_comparison(
    result: dict[str, Any],
    unit: str = "points",
    decimals: int = 2,
    margin_unit: str = "point",
    names: tuple[str, str] | None = None,
    higher: str = "higher",
) -> str:
    """A verdict sentence from a `compare_paired` result, e.g. "−0.50 points (95 % CI −0.93 to
    −0.07, 5 paired seeds): inconclusive at a 0.5-point margin; about 12 seeds would decide".

    `unit` follows the number ("points", "decades", ""); `margin_unit` names the margin's unit in
    the singular ("point" → "a 0.5-point margin").
    """
    fmt = lambda x: format_number(x, decimals)  # noqa: E731
    unit_text = f" {unit}" if unit else ""
    head = f"{format_number(result['mean_diff'], decimals, sign=True)}{unit_text}"
    n = result["n"]
    if n < 2:
        return f"{head} (1 seed): a single seed, no interval; run more seeds to judge"
    level = f"{100 * result['confidence']:g} % CI"
    text = f"{head} ({level} {fmt(result['ci_low'])} to {fmt(result['ci_high'])}, {n} paired seeds)"
    verdict, margin = verdict_words(result, names, higher), result["margin"]
    if margin is not None:
        m = f"{margin:g}"
        article = "an" if m[0] == "8" or m.startswith(("11", "18")) else "a"
        verdict_text = (
            f"{verdict} at {article} {m}-{margin_unit} margin"
            if margin_unit
            else f"{verdict} at a margin of {m}"
        )
    else:
        verdict_text = verdict
    text += f": {verdict_text}"
    if result["mean_diff"] == 0 and result.get("sd_diff") == 0:
        text += "; the two are identical in every seed"
    elif not result["decided"]:
        text += _seeds_clause(result["seeds_needed"])
    return text


#: Above this many seeds `format_comparison` stops quoting a number.
SEEDS_QUOTE_LIMIT = 1000


def _seeds_clause(k: float) -> str:
    if math.isfinite(k) and k <= SEEDS_QUOTE_LIMIT:
        return f"; about {int(k)} seeds would decide"
    if k > SEEDS_QUOTE_LIMIT:  # finite and large, or inf
        return (
            f"; the mean difference sits at the boundary: more than {SEEDS_QUOTE_LIMIT:,} seeds "
            "would be needed, so more seeds alone will not settle it"
        )
    return "; the observed difference gives no estimate of how many seeds would decide"


def format_mean_std(
    values: Sequence[float], decimals: int = 1, unit: str = "", scale: float = 1.0
) -> str:
    """Mean ± sample std (ddof=1) over seeds, e.g. "95.2 ± 0.3 %" or, for one seed, "95.2 % (1 seed)"
    (never "± nan" or "± 0.0" for a single value). `scale` multiplies first (100 for percent)."""
    arr = np.asarray(values, dtype="float64").ravel() * scale
    if arr.size == 0:
        raise ValueError(f"`values` must hold at least one number. Received: values={values!r}")
    unit_text = f" {unit}" if unit else ""
    mean = format_number(float(arr.mean()), decimals)
    if arr.size == 1:
        return f"{mean}{unit_text} (1 seed)"
    return f"{mean} ± {format_number(float(arr.std(ddof=1)), decimals)}{unit_text}"


def format_short(
    result: dict[str, Any],
    decimals: int = 2,
    unit: str = "pts",
    names: tuple[str, str] | None = None,
    higher: str = "higher",
) -> str:
    """A card-sized verdict (at most ~60 characters), e.g. "−0.50 pts [−0.76, −0.24]: inconclusive"
    or "+0.3 pts (1 seed)"."""
    head = f"{format_number(result['mean_diff'], decimals, sign=True)}{' ' + unit if unit else ''}"
    if result["n"] < 2:
        return f"{head} (1 seed)"
    low, high = (format_number(result[k], decimals) for k in ("ci_low", "ci_high"))
    return f"{head} [{low}, {high}]: {verdict_words(result, names, higher)}"


def format_ratio(
    result: dict[str, Any],
    digits: int = 2,
    names: tuple[str, str] | None = None,
    higher: str = "higher",
) -> str:
    """A verdict sentence for a comparison made on log10 values (heavy-tailed metrics such as an
    MSE): the ratio of geometric means ``10**mean_diff`` with its interval, e.g.
    "×3.2 (95 % CI ×0.41 to ×25, 3 paired seeds): no clear difference"."""

    def ratio(x: float) -> str:
        return f"×{10**x:.{digits}g}" if math.isfinite(x) else "n/a"

    head = f"{ratio(result['mean_diff'])}"
    if result["n"] < 2:
        return f"{head} (1 seed): a single seed, no interval; run more seeds to judge"
    level = f"{100 * result['confidence']:g} % CI"
    text = (
        f"{head} ({level} {ratio(result['ci_low'])} to {ratio(result['ci_high'])}, "
        f"{result['n']} paired seeds): {verdict_words(result, names, higher)}"
    )
    if not result["decided"]:
        text += _seeds_clause(result["seeds_needed"])
    return text


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


def verdict_record(
    result: dict[str, Any],
    question: str,
    unit: str = "points",
    decimals: int = 2,
    log10: bool = False,
    headline: bool = False,
    names: tuple[str, str] | None = None,
    higher: str = "higher",
) -> dict[str, Any]:
    """A JSON-ready record of a comparison for results.json (and the README's findings table):
    the numbers, the verdict, `question` (what was compared, e.g. "Antirectifier-256 − ReLU-512,
    test accuracy"), the full sentence (``text``), a card-sized one (``short``) and whether it is
    one of the notebook's `headline` verdicts. With `names` (and `higher`) the sentences name the
    variant the interval favours ("ReLU higher"); ``verdict`` keeps the plain word."""
    words = verdict_words(result, names, higher)
    if log10:
        text = format_ratio(result, names=names, higher=higher)
        short = f"×{10 ** result['mean_diff']:.2g}" + (
            " (1 seed)"
            if result["n"] < 2
            else f" [×{10 ** result['ci_low']:.2g}, ×{10 ** result['ci_high']:.2g}]: {words}"
        )
    else:
        text = format_comparison(result, unit=unit, decimals=decimals, names=names, higher=higher)
        short = format_short(
            result,
            decimals=decimals,
            unit="pts" if unit == "points" else unit,
            names=names,
            higher=higher,
        )
    keys = (
        "n",
        "mean_diff",
        "ci_low",
        "ci_high",
        "verdict",
        "decided",
        "margin",
        "confidence",
        "seeds_needed",
        "sd_diff",
    )
    record = {
        "question": question,
        **{k: result[k] for k in keys},
        "unit": unit,
        "scale": "log10" if log10 else "linear",
        "text": text,
        "short": short,
        "headline": bool(headline),
    }
    for k in ("a", "b", "seeds"):
        if k in result:
            record[k] = result[k]
    return record
