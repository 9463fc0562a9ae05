"""Design sentences: how many paired seeds a declared question needs, whether a run has them,
and the question in words. A declared question is a dict of a notebook's parameters cell
(``kind``, ``candidate``, ``baseline``, ``task``, ``margin``, ``smallest_effect``,
``pilot_sd``: the SD of the paired differences measured beforehand)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from actlab.stats import detectable_effect, seeds_needed
from actlab.wording.numbers import amount, format_number

__all__ = [
    "accuracy_question_words",
    "blend_design_lines",
    "design_lines",
    "design_text",
    "pilot_design_lines",
    "question_words",
    "seeds_short",
    "undersized_text",
]


def design_text(
    sd: float,
    effect: float | None = None,
    *,
    question: str = "difference",
    margin: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    unit: str = "points",
) -> str:
    """A sentence for a design, e.g. "8 paired seeds give 80 % power (paired t-test, α = 0.05)
    to detect a difference of 0.50 points at a paired SD of 0.30 points"."""
    k = seeds_needed(sd, effect, question=question, margin=margin, power=power, alpha=alpha)
    unit_text = f" {unit}" if unit else ""
    if question == "difference":
        what = f"to detect a difference of {format_number(abs(effect))}{unit_text}"
    else:
        what = (
            f"to show non-inferiority at a margin of {amount(margin, unit)}"
            if question == "non-inferiority"
            else f"to show equivalence within ±{amount(margin, unit)}"
        )
        what += f" if the true difference is {format_number(effect or 0.0, sign=True)}{unit_text}"
    count = "no number of seeds gives" if not math.isfinite(k) else f"{int(k)} paired seeds give"
    return (
        f"{count} {100 * power:g} % power (paired t-test, α = {alpha:g}) {what} at a paired "
        f"SD of {format_number(sd)}{unit_text}"
    )


def question_words(q: Mapping[str, Any]) -> str:
    """A declared question in words, e.g. "Is A against ReLU at most 0.5 points worse?"."""
    who = f"{q.get('candidate') or 'a candidate'} against {q.get('baseline') or 'a baseline'}"
    kind = q.get("kind", "difference")
    if kind == "equivalence":
        return f"Is {who} the same within ±{amount(q['margin'], 'points')}?"
    if kind == "non-inferiority":
        return f"Is {who} at most {amount(q['margin'], 'points')} worse?"
    return f"Does {who} differ?"


def accuracy_question_words(kind: str, candidate: str, baseline: str, margin: Any) -> str:
    """A declared question about test accuracy between two labelled variants, in words."""
    if kind == "equivalence":
        return f"Is the {candidate} within ±{amount(margin, 'points')} of the {baseline} in test accuracy?"
    if kind == "non-inferiority":
        return f"Is the {candidate} at most {amount(margin, 'points')} below the {baseline} in test accuracy?"
    return f"Does the {candidate} differ from the {baseline} in test accuracy?"


def _effect(q: Mapping[str, Any], effect: float | None) -> float:
    """The effect a question's design is sized for: its own ``smallest_effect`` or the
    notebook's (a difference), no true difference (non-inferiority, equivalence)."""
    if q.get("kind", "difference") != "difference":
        return 0.0
    return float(q.get("smallest_effect") or effect)


def _unit(q: Mapping[str, Any], unit: str | Mapping[str, str]) -> str:
    return unit if isinstance(unit, str) else unit.get(q.get("task"), "")


def design_lines(
    declared: Sequence[Mapping[str, Any]],
    effect: float | None,
    seeds: Sequence[int],
    unit: str | Mapping[str, str] = "points",
) -> list[str]:
    """For each declared question, the seeds that give 80 % power at the declared effect (a
    question's own ``smallest_effect``, else `effect`) or margin and the question's
    ``pilot_sd`` (measured beforehand), against this run's seeds. `unit`: one for every
    question, or each task's."""
    lines = []
    for q in declared:
        kind, margin, paired_sd = q.get("kind", "difference"), q.get("margin"), q["pilot_sd"]
        text = design_text(
            paired_sd, _effect(q, effect), question=kind, margin=margin, unit=_unit(q, unit)
        )
        need = seeds_needed(paired_sd, _effect(q, effect), question=kind, margin=margin)
        enough = "this run has them" if len(seeds) >= need else f"this run has only {len(seeds)}"
        who = f"{q.get('candidate') or 'every candidate'} − {q.get('baseline') or 'every baseline'}"
        lines.append(f"- {who} ({q.get('task') or 'every task'}): {text}; {enough}.")
    return lines


def seeds_short(
    declared: Sequence[Mapping[str, Any]], effect: float | None, seeds: Sequence[int]
) -> int | None:
    """The most seeds a declared question needs for 80 % power (at its ``pilot_sd``, its own
    ``smallest_effect`` or `effect` for a difference, no true difference for the others) when
    that is more than this run has; None when the run has enough for every question (-1: no
    practical number)."""
    need = 0.0
    for q in declared:
        kind = q.get("kind", "difference")
        need = max(
            need,
            seeds_needed(q["pilot_sd"], _effect(q, effect), question=kind, margin=q.get("margin")),
        )
    if need <= len(seeds):
        return None
    return int(need) if math.isfinite(need) else -1


def undersized_text(
    declared: Sequence[Mapping[str, Any]],
    effect: float | None,
    seeds: Sequence[int],
    profile: str,
) -> str | None:
    """A sentence when this run's design is smaller than its declared questions need: then an
    open verdict is the design's, and the `full` profile is the one sized to decide."""
    need = seeds_short(declared, effect, seeds)
    if need is None:
        return None
    count = "more seeds than any practical design" if need < 0 else f"about {need} seeds"
    return (
        f"The `{profile}` profile's design is smaller than its questions need ({count} at the "
        f"pilot's spread; it runs {len(seeds)}), so it cannot be expected to decide them: an "
        "open verdict here says so, it is not an answer. The `full` profile is sized to decide."
    )


def pilot_design_lines(
    declared: Sequence[Mapping[str, Any]], smallest_effect: float, seeds: Sequence[int]
) -> list[str]:
    """`design_lines`, and for a non-inferiority question with a ``pilot_mean`` (the pilot's
    own mean difference), what that difference would take."""
    lines = design_lines(
        [{k: v for k, v in q.items() if k != "pilot_mean"} for q in declared],
        smallest_effect,
        seeds,
    )
    out = []
    for line, q in zip(lines, declared, strict=True):
        mean = q.get("pilot_mean")
        if mean is not None and q.get("kind", "difference") == "non-inferiority":
            sd, margin = q["pilot_sd"], q["margin"]
            need = seeds_needed(sd, mean, question="non-inferiority", margin=margin)
            pilot = (
                f"if the true difference were the pilot's {format_number(mean, sign=True)} points"
            )
            if math.isfinite(need):
                line = line.rstrip(".") + f"; {pilot}, {int(need)} seeds would show it."
            else:
                beyond = abs(mean) - margin
                worse = seeds_needed(sd, beyond) if beyond > 0 else float("inf")
                line = line.rstrip(".") + (
                    f"; {pilot}, no number of seeds would show non-inferiority"
                    + (
                        f", and about {int(worse)} would show it inferior."
                        if math.isfinite(worse)
                        else "."
                    )
                )
        out.append(line)
    return out


def blend_design_lines(
    declared: Sequence[Mapping[str, Any]],
    seeds: Sequence[int],
    label: Callable[[str], str],
    full_seeds: int | None = None,
) -> list[str]:
    """For each declared question of notebook 01 (variants named by `label`): the seeds that
    give 80 % power at its smallest effect (or its margin) at the question's ``pilot_sd``,
    against this run's seeds; a run with fewer says so before it starts (a smaller design)."""
    lines = []
    n = len(seeds)
    for q in declared:
        kind, margin, sd = q.get("kind", "difference"), q.get("margin"), q["pilot_sd"]
        effect = q.get("smallest_effect") if kind == "difference" else 0.0
        need = seeds_needed(sd, effect, question=kind, margin=margin)
        text = design_text(sd, effect, question=kind, margin=margin)
        who = f"{label(q['candidate'])} − {label(q['baseline'])}"
        if n >= need:
            tail = f"this run has {n}: sized to decide."
        else:
            tail = f"this run has {n}: a smaller design"
            if kind == "difference" and n >= 2:
                tail += (
                    f", with 80 % power only for a difference of about "
                    f"{format_number(detectable_effect(sd, n))} points"
                )
            tail += f"; the `full` profile runs {full_seeds}." if full_seeds else "."
        lines.append(f"- {who} ({q.get('id')}): {text}; {tail}")
    return lines
