"""Sentences about one paired comparison (`actlab.stats.compare_paired` /
`compare_records` results): the verdict in words, the full sentence, a card-sized one, the ratio
form for log10 metrics, and the JSON-ready record results.json keeps."""

from __future__ import annotations

import math
from typing import Any

from actlab.stats import MIN_SEEDS, TOO_FEW_SEEDS
from actlab.wording.numbers import format_number

__all__ = [
    "SEEDS_QUOTE_LIMIT",
    "format_comparison",
    "format_ratio",
    "format_short",
    "seeds_clause",
    "verdict_record",
    "verdict_words",
]


def verdict_words(
    result: dict[str, Any], names: tuple[str, str] | None = None, higher: str = "higher"
) -> str:
    """The verdict for a reader: with `names`, "a higher"/"b higher" name the variant, e.g.
    ``"ReLU higher"`` or, with ``higher="has the higher MSE"``, ``"ReLU has the higher MSE"``."""
    verdict = result["verdict"]
    if verdict == TOO_FEW_SEEDS:
        return f"{TOO_FEW_SEEDS} to decide (fewer than {MIN_SEEDS} paired seeds)"
    if names and verdict in ("a higher", "b higher"):
        return f"{names[0] if verdict == 'a higher' else names[1]} {higher}"
    return verdict


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
    if margin is not None and result["verdict"] != TOO_FEW_SEEDS:
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
        text += seeds_clause(result)
    return text


#: Above this many seeds `format_comparison` stops quoting a number.
SEEDS_QUOTE_LIMIT = 1000


def seeds_clause(result: dict[str, Any]) -> str:
    """What an undecided comparison says after its verdict: with fewer than
    `actlab.stats.MIN_SEEDS` paired seeds, that so few decide nothing; otherwise nothing (how
    many seeds a new trial needs comes from a declared smallest effect, never the observed
    difference)."""
    if result["n"] < MIN_SEEDS and result["verdict"] != TOO_FEW_SEEDS:
        return f"; fewer than {MIN_SEEDS} paired seeds decide nothing"
    return ""


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
        text += seeds_clause(result)
    return text


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
