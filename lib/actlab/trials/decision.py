"""Step 3 of a trial, `decide`: from the runs and the design to the comparisons (paired over
seeds, each declared question, Holm within its family), with the cost ratios measured by
`execute`. No training: re-deciding committed runs takes seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actlab.trials.compare import compare
from actlab.trials.design import Design
from actlab.trials.execution import Runs
from actlab.trials.schema import check_rows

__all__ = ["Decisions", "decide"]


@dataclass
class Decisions:
    """What `decide` returns: one row per comparison (`actlab.trials.schema.COMPARISON_COLUMNS`)."""

    comparisons: list[dict[str, Any]]


def decide(runs: Runs, design: Design) -> Decisions:
    """The comparisons of `design`'s pairs over `runs`' evaluation runs (the candidates the
    checkup barred are left out), and each one's cost ratio when `design.cost`."""
    cands = [a.name for a in design.candidates if a.name not in runs.skipped]
    bases = [a.name for a in design.baselines] if cands else []
    comparisons = compare(
        runs.rows,
        design.task_map,
        cands,
        bases,
        list(design.questions),
        design.listed,
        design.alpha,
        design.pair_list(),
    )
    for c in comparisons if design.cost else ():
        ratio = runs.costs.get((c["task"], c["candidate"], c["baseline"]))
        if ratio is not None:
            c["cost_ratio"], c["cost_ratio_q1"], c["cost_ratio_q3"] = ratio
    check_rows("comparisons", comparisons)
    return Decisions(comparisons)
