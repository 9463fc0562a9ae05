"""The task suite's positive controls in words: a table and one finding per control, from the
records `actlab.trials.suite.controls` computes (as dicts: this package imports no trials)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actlab.wording.numbers import format_number, is_number, number_text

__all__ = ["control_difference", "control_finding", "controls_summary", "controls_table"]

#: What each outcome says about the scaled-down task.
_READS = {
    "as the paper": "the task shows the paper's advantage",
    "opposite": "the baseline did better: the task does not show the paper's advantage",
    "no clear difference": "no clear difference: the task, at this size and seed count, does "
    "not show the paper's advantage",
    "not decided": "not decided",
}


def control_difference(r: Mapping[str, Any]) -> str:
    """Candidate − baseline with its 95 % interval: a ratio of the score for a log10 task
    (``×0.42 (×0.30 to ×0.59)``), else a signed difference in the task's unit."""
    if not all(is_number(r[k]) for k in ("mean_diff", "ci_low", "ci_high")):
        return "n/a"
    if r["log10"]:
        ratio = lambda x: f"×{10**x:.2g}"  # noqa: E731
        return f"{ratio(r['mean_diff'])} ({ratio(r['ci_low'])} to {ratio(r['ci_high'])})"
    return (
        f"{format_number(r['mean_diff'], 2, sign=True)} {r['unit']} "
        f"({format_number(r['ci_low'])} to {format_number(r['ci_high'])})"
    )


def _mean(x: float, r: Mapping[str, Any]) -> str:
    if r["log10"]:
        return f"{10**x:.3g}" if is_number(x) else "n/a"
    return number_text(x, 2)


def controls_table(records: Sequence[Mapping[str, Any]]) -> str:
    """The controls as a Markdown table: per task, the paper's activation against its
    baseline, the seeds, both means (the score itself: a geometric mean for a log10 task),
    the difference with its interval, the verdict after Holm and what it says."""
    head = (
        "| task | paper's activation vs baseline | seeds | score | paper's | baseline "
        "| difference (95 % CI) | verdict | reads |",
        "|---|---|---|---|---|---|---|---|---|",
    )
    rows = [
        f"| `{r['task']}` | {r['candidate']} vs {r['baseline']}; {r['source']} | {r['seeds']} "
        f"| {_score(r)} | {_mean(r['candidate_mean'], r)} | {_mean(r['baseline_mean'], r)} "
        f"| {control_difference(r)} | {r['verdict']} | {r['outcome']} |"
        for r in records
    ]
    return "\n".join((*head, *rows))


def _score(r: Mapping[str, Any]) -> str:
    better = "higher" if r["higher_is_better"] else "lower"
    if r["log10"]:
        return f"test {r['score']} ({better} is better; the difference a ratio)"
    return f"test {r['score']}, {r['unit']} ({better} is better)"


def control_finding(r: Mapping[str, Any]) -> str:
    """One control in one sentence."""
    return (
        f"`{r['task']}`: {r['candidate']} against {r['baseline']}, {r['seeds']} paired seeds: "
        f"{control_difference(r)}, {r['verdict']} after Holm (p = {_p(r['p'])}): "
        f"{_READS[r['outcome']]}."
    )


def _p(p: float) -> str:
    return f"{p:.2g}" if is_number(p) else "n/a"


def controls_summary(records: Sequence[Mapping[str, Any]]) -> str:
    """How many controls showed their paper's advantage, and which did not."""
    shown = [r["task"] for r in records if r["outcome"] == "as the paper"]
    others = [f"`{r['task']}` ({r['outcome']})" for r in records if r["outcome"] != "as the paper"]
    text = f"{len(shown)} of {len(records)} tasks show their paper's advantage"
    return text + (f"; not: {', '.join(others)}." if others else ".")
