"""Step 3 of a trial, `decide`: from the runs and the design to the comparisons (paired over
seeds, each declared question, Holm within its family), with the cost ratios measured by
`execute`. No training: re-deciding committed runs takes seconds.

A design crossed with roundings (`Design.roundings`: every evaluation run under each oneDNN
setting) compares each seed's score averaged over the roundings, and reads the arm × rounding
interaction of every comparison (`actlab.readings.rounding_factor`): per seed, the difference of
the two roundings' arm differences, tested for equivalence within the declared
`Design.interaction_margin` — "the same difference under another float rounding".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from actlab.readings import rounding_factor
from actlab.trials.compare import compare
from actlab.trials.confirmatory import confirm, eval_scores
from actlab.trials.design import Design
from actlab.trials.execution import Runs
from actlab.trials.schema import check_rows

__all__ = ["Decisions", "decide"]


@dataclass
class Decisions:
    """What `decide` returns: one row per comparison (`actlab.trials.schema.COMPARISON_COLUMNS`)
    and, for a design crossed with roundings, one interaction record per comparison."""

    comparisons: list[dict[str, Any]]
    roundings: list[dict[str, Any]] = field(default_factory=list)
    confirmatory: list[Any] = field(default_factory=list)  # `confirmatory.Reading`s


def _over_roundings(rows: list[dict], design: Design) -> list[dict]:
    """The evaluation rows with each seed's test score averaged over the roundings (NaN when
    a rounding's score is not finite or missing); tuning rows as they are."""
    scores = eval_scores(rows, design)
    out, seen = [r for r in rows if r["stage"] != "eval"], set()
    for r in rows:
        key = (r["task"], r["arm"], r["seed"])
        if r["stage"] != "eval" or key in seen:
            continue
        seen.add(key)
        values = [scores.get((*key, s), math.nan) for s in design.settings]
        mean = sum(values) / len(values) if all(math.isfinite(v) for v in values) else math.nan
        out.append({**r, "test_score": mean, "rounding": "mean"})
    return out


def _interactions(rows: list[dict], design: Design, comparisons: list[dict]) -> list[dict]:
    """Per comparison: the arm × rounding interaction record (None where a score is not
    finite: the question cannot be scored)."""
    scores = eval_scores(rows, design)
    r1, r2 = design.settings[:2]
    out = []
    for c in comparisons:
        t, a, b = c["task"], c["candidate"], c["baseline"]
        seeds = sorted(s for (tt, arm, s, r) in scores if (tt, arm, r) == (t, a, r1))
        series = [
            [scores.get((t, arm, s, r), math.nan) for s in seeds]
            for arm in (a, b)
            for r in (r1, r2)
        ]
        record = {"task": t, "candidate": a, "baseline": b, "roundings": [r1, r2]}
        if len(seeds) < 2 or not all(math.isfinite(v) for v in sum(series, [])):
            out.append({**record, "interaction": None})
            continue
        factor = rounding_factor(*series, margin=design.interaction_margin, alpha=design.alpha)
        out.append({**record, "interaction": factor.to_dict()})
    return out


def decide(runs: Runs, design: Design) -> Decisions:
    """The comparisons of `design`'s pairs over `runs`' evaluation runs (the candidates the
    checkup barred are left out), each one's cost ratio when `design.cost`, for a design
    crossed with roundings the interaction records, and for a confirmatory design its declared
    questions read by `actlab.trials.confirmatory.confirm`."""
    cands = [a.name for a in design.candidates if a.name not in runs.skipped]
    bases = [a.name for a in design.baselines] if cands else []
    rows = _over_roundings(runs.rows, design) if design.crossed else runs.rows
    comparisons = compare(
        rows,
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
    roundings = _interactions(runs.rows, design, comparisons) if design.crossed else []
    readings = confirm(runs.rows, design) if design.confirmatory else []
    return Decisions(comparisons, roundings, readings)
