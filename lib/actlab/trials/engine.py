"""`run_trial`: candidates × baselines × tasks × learning rates × seeds, in three steps.

`plan_trial` checks every argument and returns a `Design` (the registration: every run and the
rule that picks each arm's learning rate, before anything trains); `execute` runs it (the
candidates' checkups, the tuning runs on validation, the evaluation runs, the cost ratios) and
returns `Runs`; `decide` compares the evaluation runs' declared scores, paired over seeds,
candidate against baseline, Holm within each family, and returns `Decisions`. `run_trial` is
their composition, returning a `Trial`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actlab.trials.decision import decide
from actlab.trials.execution import TrialError, execute
from actlab.trials.plan import TUNE_SEED_BASE, plan_trial
from actlab.trials.trial import Trial, note_design

__all__ = ["run_trial", "TrialError", "TUNE_SEED_BASE"]


def run_trial(
    candidates: Sequence[Any],
    baselines: Sequence[Any] = ("relu",),
    tasks: Sequence[Any] = ("mlp",),
    seeds: int | Sequence[int] = 5,
    *,
    tune_seeds: int | Sequence[int] = 2,
    learning_rates: Sequence[float] | None = None,
    epochs: int | None = None,
    last: int | None = None,
    question: Any = "difference",
    margin: float | None = None,
    pairs: Sequence[Sequence[str]] | None = None,
    alpha: float = 0.05,
    jobs: int | None = None,
    scheduler: Any = None,
    cache: str | os.PathLike | None = None,
    force: bool = False,
    cost: bool = True,
    progress: str = "auto",
    op_threads: int = 1,
    roundings: Sequence[str] | None = None,
    interaction_margin: float | None = None,
    confirmatory: bool = False,
    ceiling_arm: str | None = None,
) -> Trial:
    """Run a trial and return a `Trial` (``.runs``, ``.comparisons``, ``.choices``, ...).

    Args:
        candidates: activations to judge: target strings (``"mypkg.acts:my_act"``), Keras
            names, layer classes or instances, functions, or `Arm` objects.
        baselines: what they are compared with (default ReLU), same forms.
        tasks: `Task` objects or shipped names (``"mlp"``, ``"cnn"``, ``"sin"``).
        seeds: evaluation seeds (a count n >= 1 means 0..n−1), fixed before the run: more seeds is a
            new trial (the runs already made are reused from the cache).
        tune_seeds: seeds that choose each arm's learning rate on validation (a count n means
            10000..10000+n−1); disjoint from `seeds`; unused with a one-value grid.
        learning_rates: the grid (None: each task's own); an arm's ``train["learning_rates"]``
            overrides both.
        epochs, last: training length and k of the score (None: each task's own).
        question, margin: ``"difference"``, or ``"non-inferiority"`` / ``"equivalence"`` with a
            `margin` in the task's units, for every comparison; or a `Question` or a list of
            them (comparisons no listed question matches are exploratory).
        pairs: the comparisons to make, as ``(candidate, baseline)`` arm names, instead of every
            candidate against every baseline (None); an arm may then be on either side of
            different pairs (a smooth saturation against no truncation, and the clip against
            the smooth saturation). An arm restricted to some tasks (`Arm.tasks`) is compared
            on those.
        alpha: level of every interval and verdict (the intervals are 1 − alpha).
        jobs: worker processes on this machine (None: the core count; 1: serially, here).
        scheduler: a Dask scheduler address or a ``distributed.Client``: runs go there.
        cache: folder of the run cache (None: no cache).
        force: train candidates anyway whose checkup fails a check that makes runs
            meaningless (`execution.BARRING_CHECKS`); other failures are warnings and never bar.
        cost: measure the cost ratio of each candidate against each baseline (a training step
            of the task's model, in this process).
        progress: ``"auto"`` (a bar on a terminal), ``"bar"`` or ``"log"``.
        op_threads: TensorFlow threads per op in every run (1; another number is another
            float rounding, part of the cache key: a robustness check). Workers keep the number
            they started with, so a different one needs new workers (a new Python session).
        roundings: TensorFlow's float rounding as a factor crossed with the arms: oneDNN
            settings (``("1", "0")``: on and off) under which every evaluation run is repeated,
            each in worker processes started with it; each seed's score is the mean over them.
            None: this process's setting only.
        interaction_margin: with `roundings`, the declared equivalence margin (in the task's
            units) of the arm × rounding interaction, read per comparison (`Trial.roundings`).
        confirmatory: read the declared questions by the confirmatory protocol as well
            (`actlab.trials.confirmatory`; needs `roundings` and fully declared questions):
            `Trial.confirmatory`. ceiling_arm: an arm (e.g. `constant_reference()`) whose mean
            test score on a log10 task is the worst score a diverged run gets there.
    """
    start = time.perf_counter()
    design = plan_trial(
        candidates,
        baselines,
        tasks,
        seeds,
        tune_seeds=tune_seeds,
        learning_rates=learning_rates,
        epochs=epochs,
        last=last,
        question=question,
        margin=margin,
        pairs=pairs,
        alpha=alpha,
        force=force,
        cost=cost,
        op_threads=op_threads,
        roundings=roundings,
        interaction_margin=interaction_margin,
        confirmatory=confirmatory,
        ceiling_arm=ceiling_arm,
    )
    runs = execute(design, jobs=jobs, scheduler=scheduler, cache=cache, progress=progress)
    decisions = decide(runs, design)
    trained = [a.name for a in design.candidates if a.name not in runs.skipped]
    record = design.record(trained, runs.skipped, runs.tuned)
    return Trial(
        runs=runs.rows,
        comparisons=decisions.comparisons,
        choices=runs.choices,
        checkups=runs.checkups,
        skipped=runs.skipped,
        design=record,
        tasks=design.task_map,
        seconds=time.perf_counter() - start,
        note=note_design(None if cache is None else Path(cache), record),
        roundings=decisions.roundings,
        confirmatory=[r.to_dict() for r in decisions.confirmatory],
    )
