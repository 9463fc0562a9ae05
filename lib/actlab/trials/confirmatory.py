"""The confirmatory reading of a registered trial (a `Design` with ``confirmatory=True``), in
four named steps:

1. `seed_scores`: per declared question, each seed's score of both arms under each rounding,
   and its mean over the roundings (the seed's score);
2. `first_pass`: each question decided at the family's α (`actlab.readings.confirmatory_decision`:
   paired t, or Wilcoxon signed-rank and Hodges–Lehmann for a log10 score, checked by the
   sign-flip test, never decided on fewer than 6 seeds), for its raw p;
3. `holm_family` over the declared family (its declared size: an unscorable question stays in
   it, never rejected);
4. `at_holm_level`: each question's interval read again at Holm's first-step level α/m, the
   level the trial was sized at: these intervals hold simultaneously (Bonferroni), so every
   reading they give — whichever of the four — keeps the family-wise error at α, and two
   questions with the same data read the same. Holm's adjusted p of each declared claim is
   reported beside (``rejected``). Also the arm × rounding interaction as its own declared
   equivalence question (`actlab.readings.rounding_factor`) and whether either arm's chosen
   learning rate sat at the edge of its grid.

Numbers only: `actlab.wording.confirmatory` puts the records into words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from actlab._util import to_jsonable
from actlab.readings import (
    Decision,
    HolmFamily,
    confirmatory_decision,
    holm_family,
    rounding_factor,
)
from actlab.trials.compare import Question, choose_learning_rates
from actlab.trials.design import Design

__all__ = ["Reading", "confirm", "eval_scores", "seed_scores"]

#: `confirmatory_decision`'s kind for each `Question.kind`.
KIND = {
    "difference": "difference",
    "non-inferiority": "non_inferiority",
    "equivalence": "equivalence",
}


@dataclass(frozen=True)
class Reading:
    """One declared question of a confirmatory trial, read (differences are candidate −
    baseline in the task's score units: points, or decades for a log10 score)."""

    id: str | None
    words: str | None
    task: str
    candidate: str
    baseline: str
    kind: str  # "difference", "non_inferiority", "equivalence"
    delta: float  # the declared smallest effect (difference) or margin
    unit: str
    log_scale: bool
    higher_is_better: bool
    n: int  # seeds scored (each the mean over the roundings)
    roundings: tuple[str, ...]
    ceiling: float | None  # worst score a diverged run gets (log10 scores with a ceiling arm)
    decision: Decision  # its interval at α/m, checked by the distribution-free test
    holm_p: float  # Holm-adjusted p of the declared claim in the declared family
    holm_level: float  # the level the interval is read at: α/m (Holm's first step)
    holm_m: int
    rejected: bool  # Holm (step-down) rejects the declared claim's null
    reading: str  # the quoted reading: the α/m interval's, checked (decision.reading)
    decided: bool
    interaction: dict[str, Any] | None  # RoundingFactor.to_dict(), None if not crossed/scorable
    interaction_margin: float | None
    learning_rates: dict[str, float]  # arm -> the rate chosen on validation
    lr_edges: tuple[str, ...]  # arms whose chosen rate is the lowest or highest of its grid

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass(frozen=True)
class _Scores:
    """One question's per-seed scores: arm -> rounding -> scores over `seeds`."""

    seeds: tuple[int, ...]
    by_rounding: dict[str, dict[str, np.ndarray]]
    mean: dict[str, np.ndarray]  # arm -> per-seed mean over the roundings (NaN if any is)


def eval_scores(rows: Sequence[dict], design: Design) -> dict[tuple, float]:
    """(task, arm, seed, rounding) -> test score of every evaluation run (a row without a
    rounding ran under the design's one setting)."""
    return {
        (r["task"], r["arm"], r["seed"], r.get("rounding", design.settings[0])): r["test_score"]
        for r in rows
        if r["stage"] == "eval"
    }


def seed_scores(rows: Sequence[dict], design: Design, question: Question) -> _Scores:
    """Step 1: the evaluation scores of the question's two arms on its task, per rounding, on
    the seeds both arms ran; a missing run is NaN."""
    settings = design.settings
    arms = (question.candidate, question.baseline)
    table = eval_scores(rows, design)
    seeds = tuple(
        s for s in design.seeds if all((question.task, a, s, settings[0]) in table for a in arms)
    )
    by_rounding = {
        a: {
            str(r): np.array([float(table.get((question.task, a, s, r), math.nan)) for s in seeds])
            for r in settings
        }
        for a in arms
    }
    mean = {a: np.mean(np.vstack(list(by_rounding[a].values())), axis=0) for a in arms}
    return _Scores(seeds, by_rounding, mean)


def _ceiling(rows: Sequence[dict], design: Design, task: str) -> float | None:
    """The mean test score of the design's ceiling arm on a log10 `task` (None: no ceiling)."""
    if design.ceiling_arm is None or not design.task_map[task].log10:
        return None
    values = [
        float(r["test_score"])
        for r in rows
        if r["stage"] == "eval" and r["task"] == task and r["arm"] == design.ceiling_arm
    ]
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _decide(
    scores: _Scores, q: Question, design: Design, ceiling: float | None, level: float
) -> Decision:
    task = design.task_map[q.task]
    delta = q.smallest_effect if q.kind == "difference" else q.margin
    a, b = scores.mean[q.candidate], scores.mean[q.baseline]
    return confirmatory_decision(
        kind=KIND[q.kind],
        delta_or_margin=delta,
        alpha=design.alpha,
        alpha_holm=level,
        log_scale=task.log10,
        scores_a=a,
        scores_b=b,
        ceiling=ceiling,
        higher_is_better=task.higher_is_better,
    )


def first_pass(
    rows: Sequence[dict], design: Design
) -> list[tuple[Question, _Scores, float | None, Decision]]:
    """Step 2: each declared question at the family's α, for its raw p (Holm's input)."""
    out = []
    for q in design.questions:
        if q.exploratory:
            continue
        scores = seed_scores(rows, design, q)
        ceiling = _ceiling(rows, design, q.task)
        out.append((q, scores, ceiling, _decide(scores, q, design, ceiling, design.alpha)))
    return out


def _interaction(scores: _Scores, q: Question, design: Design) -> dict[str, Any] | None:
    if not design.crossed:
        return None
    r1, r2 = (str(s) for s in design.settings[:2])
    series = [scores.by_rounding[a][r] for a in (q.candidate, q.baseline) for r in (r1, r2)]
    if len(scores.seeds) < 2 or not all(np.all(np.isfinite(s)) for s in series):
        return None
    return rounding_factor(*series, margin=design.interaction_margin, alpha=design.alpha).to_dict()


def _learning_rates(rows: Sequence[dict], design: Design, q: Question) -> tuple[dict, tuple]:
    """The rate each arm of `q` ran at, and the arms whose choice sat at an edge of its grid."""
    chosen = {
        c["arm"]: c["learning_rate"]
        for c in choose_learning_rates(list(rows), design.task_map)
        if c["task"] == q.task and c["chosen"]
    }
    rates, edges = {}, []
    for arm in (q.candidate, q.baseline):
        grid = design.grids[(q.task, arm)]
        rates[arm] = float(chosen.get(arm, grid[0]))
        if len(grid) > 1 and rates[arm] in (min(grid), max(grid)):
            edges.append(arm)
    return rates, tuple(edges)


def at_holm_level(
    rows: Sequence[dict], design: Design, first: list, family: HolmFamily
) -> list[Reading]:
    """Step 4: each question's interval at α/m (Holm's first step, simultaneous), with Holm's
    adjusted p, the interaction and the rates."""
    out = []
    level = design.alpha / family.m
    for i, (q, scores, ceiling, _) in enumerate(first):
        task = design.task_map[q.task]
        decision = _decide(scores, q, design, ceiling, level)
        rejected = family.rejected[i]
        reading = decision.reading
        rates, edges = _learning_rates(rows, design, q)
        out.append(
            Reading(
                id=q.id,
                words=q.words,
                task=q.task,
                candidate=q.candidate,
                baseline=q.baseline,
                kind=KIND[q.kind],
                delta=decision.delta,
                unit=task.unit,
                log_scale=task.log10,
                higher_is_better=task.higher_is_better,
                n=decision.n,
                roundings=tuple(str(s) for s in design.settings),
                ceiling=ceiling,
                decision=decision,
                holm_p=family.adjusted[i],
                holm_level=level,
                holm_m=family.m,
                rejected=rejected,
                reading=reading,
                decided=decision.decided,
                interaction=_interaction(scores, q, design),
                interaction_margin=design.interaction_margin,
                learning_rates=rates,
                lr_edges=edges,
            )
        )
    return out


def confirm(rows: Sequence[dict], design: Design) -> list[Reading]:
    """The declared questions of a confirmatory `design` read from its runs' `rows` (steps 1–4;
    see the module docstring). No training: re-reading committed runs takes seconds."""
    first = first_pass(rows, design)
    if not first:
        return []
    family = holm_family([d.p for *_, d in first], design.alpha)
    return at_holm_level(rows, design, first, family)
