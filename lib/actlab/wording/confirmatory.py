"""The words of a confirmatory trial (`actlab.trials.confirmatory.Reading.to_dict()` records):
the reading of each declared question, its rounding interaction, its diverged runs, the
learning rates that sat at a grid's edge, what a new declared trial would need, and a
registration's sizing."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actlab.readings import seeds_for_power
from actlab.wording.numbers import format_number

__all__ = [
    "READING_WORDS",
    "confirmatory_finding",
    "confirmatory_lines",
    "interaction_text",
    "reading_sentence",
    "reading_words",
    "sizing_line",
]

#: The readings (`actlab.readings`) in words; δ is filled in by `reading_words`.
READING_WORDS = {
    "different": "different",
    "different_but_smaller": "different, by less than {delta}",
    "equivalent": "equivalent within ±{delta}",
    "non_inferior": "non-inferior at a {delta} margin",
    "inferior": "inferior by more than the {delta} margin",
    "undetermined": "undetermined",
}

#: Why a question was not decided or what else to know (`Decision.reasons`), in words.
REASON_WORDS = {
    "too_few_seeds": "fewer than 6 seeds decide nothing",
    "unscorable": "a score is not finite and no ceiling was declared: it cannot be scored",
    "check_disagrees": "the distribution-free check reads it otherwise, so it stays undetermined",
    "sensitivity_disagrees": "the sign test (a sensitivity analysis) reads it otherwise",
    "scored_worst": "diverged runs scored the ceiling",
}


def _amount(value: float, unit: str, log_scale: bool, sign: bool = False) -> str:
    if log_scale:
        return f"×{10**value:.3g}" if math.isfinite(value) else "n/a"
    return f"{format_number(value, sign=sign)} {unit}".rstrip()


def _bound(value: float, log_scale: bool) -> str:
    return _amount(value, "", log_scale).strip()


def reading_words(record: Mapping[str, Any]) -> str:
    """The quoted reading of a question, e.g. "different, by less than 0.5 points"."""
    delta = _amount(record["delta"], record["unit"], False)
    if record["log_scale"]:
        delta = f"{format_number(record['delta'])} decades (×{10 ** record['delta']:.3g})"
    return READING_WORDS[record["reading"]].format(delta=delta)


def reading_sentence(record: Mapping[str, Any]) -> str:
    """One declared question: estimate, interval at its Holm level, seeds, the reading, and
    why it is undetermined when it is."""
    d, log = record["decision"], record["log_scale"]
    who = f"{record['candidate']} − {record['baseline']} on {record['task']}"
    if math.isnan(d["low"]):
        numbers = f"no interval ({record['n']} seeds)"
    else:
        estimate = "Hodges–Lehmann " if d["method"] == "wilcoxon_hl" else ""
        numbers = (
            f"{estimate}{_amount(d['estimate'], record['unit'], log, sign=True)} "
            f"({100 * d['confidence']:.4g} % CI {_bound(d['low'], log)} to "
            f"{_bound(d['high'], log)}, {record['n']} seeds, each the mean "
            f"over {len(record['roundings'])} roundings)"
        )
    test = "Wilcoxon signed-rank" if d["method"] == "wilcoxon_hl" else "paired t"
    holm = (
        f"read at α/{record['holm_m']} = {record['holm_level']:.3g} over the declared family, "
        f"Holm-adjusted p {_p(record['holm_p'])} ({test})"
    )
    text = f"{who}: {numbers}; {holm}: **{reading_words(record)}**"
    reasons = [REASON_WORDS[r] for r in d["reasons"] if r in REASON_WORDS]
    if reasons:
        text += f" ({'; '.join(reasons)})"
    return text


def _p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return f"{p:.3g}"


def interaction_text(record: Mapping[str, Any]) -> str:
    """The arm × rounding interaction as its own equivalence question, with the variance
    components of the difference."""
    inter, margin = record.get("interaction"), record.get("interaction_margin")
    if inter is None:
        return "rounding interaction: not read (a score is not finite)"
    eq, comp = inter["equivalence"], inter["components"]
    unit, log = record["unit"], record["log_scale"]
    unit_text = "decades" if log else unit
    verdict = (
        f"the same within ±{format_number(margin)} {unit_text} under both roundings"
        if eq["equivalent"]
        else f"not shown to be the same within ±{format_number(margin)} {unit_text}"
    )
    return (
        f"rounding interaction (difference under oneDNN on − off): "
        f"{format_number(eq['mean'], sign=True)} {unit_text} ({100 * (1 - 2 * eq['alpha']):.4g} % CI "
        f"{format_number(eq['low'])} to {format_number(eq['high'])}): {verdict}; variance of the "
        f"difference between seeds {format_number(comp['between_seeds'], 3)}, between roundings "
        f"{format_number(comp['between_roundings'], 3)}, rounding within seed "
        f"{format_number(comp['residual'], 3)}"
    )


def _divergence(record: Mapping[str, Any]) -> str | None:
    d = record["decision"]
    parts = []
    for arm, key in ((record["candidate"], "divergence_a"), (record["baseline"], "divergence_b")):
        rate = d.get(key)
        if rate is not None:
            parts.append(
                f"{arm} {rate['k']} of {rate['n']} (95 % CI {100 * rate['low']:.0f} to "
                f"{100 * rate['high']:.0f} %)"
            )
    if not parts:
        return None
    return "runs diverged or beyond the ceiling, scored worst: " + ", ".join(parts)


def _open(record: Mapping[str, Any], sd: float | None) -> str | None:
    """For an undetermined question: the seeds a new declared trial at the declared effect
    would need at this family's first Holm level, with this run's SD (never the observed
    difference)."""
    if record["reading"] != "undetermined" or sd is None or not math.isfinite(sd) or sd <= 0:
        return None
    kind = record["kind"]
    level = record["decision"]["alpha"] / record["holm_m"]
    sizing = seeds_for_power(sd, record["delta"], level, 0.8, kind)
    if not math.isfinite(sizing.n):
        return "no practical number of seeds reaches 80 % power at the declared effect"
    return (
        f"a new declared trial at the same effect ({_amount(record['delta'], record['unit'], False)}"
        f"{' decades' if record['log_scale'] else ''}) would need about {int(sizing.n)} seeds for "
        f"80 % power at α/{record['holm_m']} with this run's SD of the differences "
        f"({format_number(sd, 3)}); it is a new registration, not more seeds for this one"
    )


def confirmatory_lines(
    records: Sequence[Mapping[str, Any]], sds: Mapping[str, float] | None = None
) -> list[str]:
    """Every declared question of a confirmatory trial as lines: the reading, the rounding
    interaction, divergence, learning-rate edges and (undetermined) what a new trial needs.
    `sds`: question id -> the SD of its per-seed differences in this run."""
    lines = []
    for r in records:
        parts = [reading_sentence(r), interaction_text(r)]
        div = _divergence(r)
        if div:
            parts.append(div)
        if r["lr_edges"]:
            parts.append(
                "the learning rate chosen on validation sat at the edge of its grid for "
                + ", ".join(r["lr_edges"])
            )
        opened = _open(r, (sds or {}).get(r["id"]))
        if opened:
            parts.append(opened)
        label = f"**{r['id']}**: " if r.get("id") else ""
        lines.append(label + "; ".join(parts) + ".")
    return lines


def confirmatory_finding(records: Sequence[Mapping[str, Any]]) -> str:
    """A one-line finding: each question's id and reading (the README's verdict column)."""
    return "; ".join(f"{r.get('id') or r['candidate']}: {reading_words(r)}" for r in records)


def sizing_line(entry: Mapping[str, Any]) -> str:
    """A registration's sizing of one question (`actlab.readings.Sizing.to_dict()` plus id)."""
    return (
        f"{entry['id']}: {entry['kind']} at {format_number(entry['effect'])}, pilot SD "
        f"{entry['sd']:.3g}, read at α = {entry['alpha']:.3g} (Holm's first step): "
        f"{int(entry['n'])} seeds for {100 * entry['power']:.0f} % power; "
        f"{100 * entry['power_at_sd_upper']:.0f} % if the SD is at its upper "
        f"{100 * entry['sd_confidence']:.0f} % limit ({entry['sd_upper']:.3g})"
    )
