"""`run_trial`: candidates × baselines × tasks × learning rates × seeds, one joblib task per run.

The protocol (see `run_trial`): the candidates pass the checkup first; every (task, arm) whose
learning-rate grid has more than one value trains each of them on the tuning seeds, scored on
validation only; the best is trained on the evaluation seeds, which record validation and test
after every epoch; the declared score (the mean of the last k epochs on test) is compared,
paired over seeds, candidate against baseline, Holm across the trial's comparisons.

Runs are joblib tasks: serial in this process (``jobs=1``), loky worker processes on this
machine (``jobs=N``), or a Dask cluster (``scheduler=ADDRESS`` or a ``distributed.Client``, or
any ``joblib.parallel_config(backend="dask")`` around the call). Finished runs are stored in the
cache (`RunCache`) as they arrive, by this process, so a trial stopped at any moment resumes
with the runs it has.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from actlab._util import is_int
from actlab.trials.arms import Arm, activation_factory, arm_key, as_arm, describe_object
from actlab.trials.cache import RunCache, environment_key, onednn_setting
from actlab.trials.compare import (
    as_questions,
    check_pairs,
    choose_learning_rates,
    compare,
    cost_ratios,
    score_of,
)
from actlab.trials.parallel import execute, in_process_ok, loky_is_default, run_name, warm_workers
from actlab.trials.progress import Progress
from actlab.trials.runs import RunSpec
from actlab.trials.tasks import Task, check_learning_rates, get_task
from actlab.trials.trial import Trial, note_design

__all__ = ["run_trial", "TrialError"]

log = logging.getLogger("actlab.trials")

#: Tuning seeds start here (evaluation seeds are usually small integers: they must not overlap).
TUNE_SEED_BASE = 10_000


class TrialError(RuntimeError):
    """Some runs raised; the others are cached, so the same call again trains only those."""


def _seeds(name: str, value: Any, base: int = 0) -> list[int]:
    if is_int(value) and value >= 0:
        return list(range(base, base + int(value)))
    if isinstance(value, Sequence) and not isinstance(value, str):
        out = list(value)
        if out and all(is_int(s) and s >= 0 for s in out) and len(set(out)) == len(out):
            return [int(s) for s in out]
    raise ValueError(
        f"`{name}` must be a count or a list of distinct non-negative integers. "
        f"Received: {name}={value!r}"
    )


def _checkup(arm: Arm, cache: RunCache, backend: str) -> dict[str, Any]:
    key = {"kind": "checkup", "arm": describe_object(arm.activation), **environment_key(backend)}
    if key in cache:
        return {**cache.get(key), "cached": True}
    from actlab.checkup import check_activation

    # In this process: the reload in a fresh one costs a TensorFlow import (about 8 CPU s per
    # arm, more than a small task's runs); the trial builds its arms from their targets anyway.
    report = check_activation(arm.activation, train=False, timing=False, fresh_process=False)
    checks = getattr(report, "checks", [])
    summary = {
        "ok": bool(report.ok),
        "failed": [c.name for c in checks if c.status == "fail"],
        "warned": [c.name for c in checks if c.status == "warn"],
        "text": report.verdict() if hasattr(report, "verdict") else str(report.ok),
    }
    cache.put(key, summary)
    return {**summary, "cached": False}


def _row(spec: RunSpec, result: dict, cached: bool, role: str) -> dict[str, Any]:
    task = spec.task
    curves = result["curves"]
    row = {
        "task": task.name,
        "arm": spec.arm.name,
        "role": role,
        "stage": spec.stage,
        "learning_rate": spec.learning_rate,
        "seed": spec.seed,
        "epochs": spec.epochs,
        "val_score": score_of(curves[f"val_{task.score}"], task, task.last),
        "test_score": (
            score_of(curves[f"test_{task.score}"], task, task.last)
            if spec.record_test
            else math.nan
        ),
    }
    row.update({name: tuple(values) for name, values in curves.items()})
    row.update(
        {
            k: result[k]
            for k in ("seconds", "nonfinite_epoch", "params", "split_id", "order_id", "init_id")
        }
    )
    if result.get("record") is not None:
        row["record"] = result["record"]
    row["cached"] = cached
    return row


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
) -> Trial:
    """Run a trial and return a `Trial` (``.runs``, ``.comparisons``, ``.choices``, ...).

    Args:
        candidates: activations to judge: target strings (``"mypkg.acts:my_act"``), Keras
            names, layer classes or instances, functions, or `Arm` objects.
        baselines: what they are compared with (default ReLU), same forms.
        tasks: `Task` objects or shipped names (``"mlp"``, ``"cnn"``, ``"sin"``).
        seeds: evaluation seeds (a count n means 0..n−1), fixed before the run: more seeds is a
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
        force: train candidates that fail the checkup anyway.
        cost: measure the cost ratio of each candidate against each baseline (a training step
            of the task's model, in this process).
        progress: ``"auto"`` (a bar on a terminal), ``"bar"`` or ``"log"``.
        op_threads: TensorFlow threads per op in every run (1; another number is another
            float rounding, part of the cache key: a robustness check). Workers keep the number
            they started with, so a different one needs new workers (a new Python session).
    """
    start = time.perf_counter()
    import keras

    backend = keras.backend.backend()
    if not is_int(op_threads) or op_threads < 1:
        raise ValueError(
            f"`op_threads` must be an integer >= 1. Received: op_threads={op_threads!r}"
        )
    serial_here = in_process_ok(backend, op_threads)
    cand_arms = [as_arm(c) for c in _listed("candidates", candidates)]
    base_arms = [as_arm(b) for b in _listed("baselines", baselines)]
    names = [a.name for a in cand_arms + base_arms]
    if len(set(names)) < len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"Arm names must be unique across candidates and baselines: {dup}")
    task_list = [get_task(t) for t in _listed("tasks", tasks)]
    for arm in cand_arms + base_arms:
        if not any(arm.runs_on(t.name) for t in task_list):
            raise ValueError(
                f"Arm {arm.name!r} runs on none of this trial's tasks: its tasks are "
                f"{list(arm.tasks)}, the trial's {[t.name for t in task_list]}"
            )
    pair_list = check_pairs(pairs, [a.name for a in cand_arms], [a.name for a in base_arms])
    if epochs is not None or last is not None:
        task_list = [
            t.replace(**{k: v for k, v in (("epochs", epochs), ("last", last)) if v is not None})
            for t in task_list
        ]
    if len({t.name for t in task_list}) < len(task_list):
        raise ValueError(f"Task names must be unique: {[t.name for t in task_list]}")
    eval_seeds = _seeds("seeds", seeds)
    tuning = _seeds("tune_seeds", tune_seeds, TUNE_SEED_BASE)
    if set(eval_seeds) & set(tuning):
        raise ValueError(
            f"`tune_seeds` must be disjoint from `seeds` (the learning rate is chosen on other "
            f"seeds than those compared). Both hold {sorted(set(eval_seeds) & set(tuning))}."
        )
    grid = (
        None if learning_rates is None else check_learning_rates(learning_rates, "learning_rates")
    )
    questions, listed = as_questions(question, margin)
    if jobs is None:
        jobs = os.cpu_count() or 1
    if not is_int(jobs) or jobs < 1:
        raise ValueError(f"`jobs` must be None or an integer >= 1. Received: jobs={jobs!r}")
    for arm in cand_arms + base_arms:
        activation_factory(arm.activation)  # a bad target fails here, before anything runs
    store = RunCache(cache)
    env = environment_key(backend)

    def spec_key(task: Task, arm: Arm, lr: float, seed: int, stage: str) -> tuple[RunSpec, dict]:
        n_epochs = int(arm.train.get("epochs", task.epochs))
        spec = RunSpec(
            task,
            arm,
            lr,
            seed,
            n_epochs,
            stage == "eval",
            backend,
            stage,
            op_threads,
            onednn_setting(),
        )
        key = {
            "task": describe_object({**task.__dict__, "name": task.name}),
            "arm": arm_key(arm),
            "learning_rate": lr,
            "seed": seed,
            "epochs": n_epochs,
            "record_test": stage == "eval",
            **env,
            **({} if op_threads == 1 else {"op_threads": op_threads}),
        }
        return spec, key

    warm = None
    if scheduler is None and jobs > 1 and loky_is_default():
        first = base_arms[0]
        lr0 = first.train.get("learning_rates", grid or task_list[0].learning_rates)[0]
        if spec_key(task_list[0], first, float(lr0), eval_seeds[0], "eval")[1] not in store:
            # worker processes import Keras and the data while the checkups run here
            warm = threading.Thread(
                target=warm_workers,
                args=(jobs, backend, onednn_setting(), op_threads),
                daemon=True,
            )
            warm.start()

    checkups, skipped = {}, []
    for arm in cand_arms:
        checkups[arm.name] = _checkup(arm, store, backend)
        if not checkups[arm.name]["ok"]:
            what = "trained anyway (force)" if force else "not trained"
            log.warning(
                "checkup failed for %s (%s): %s",
                arm.name,
                ", ".join(checkups[arm.name]["failed"]),
                what,
            )
            if not force:
                skipped.append(arm.name)
    cand_arms = [a for a in cand_arms if a.name not in skipped]
    if not cand_arms:  # nothing to compare: the baselines are not trained either
        base_arms = []
    arms = {a.name: a for a in cand_arms + base_arms}
    roles = {**{a.name: "candidate" for a in cand_arms}, **{a.name: "baseline" for a in base_arms}}
    grids = {
        (t.name, a.name): check_learning_rates(
            a.train.get("learning_rates", grid or t.learning_rates), "learning_rates"
        )
        for t in task_list
        for a in arms.values()
    }
    tune = [
        spec_key(t, a, lr, s, "tune")
        for t in task_list
        for a in arms.values()
        if a.runs_on(t.name) and len(grids[(t.name, a.name)]) > 1
        for lr in grids[(t.name, a.name)]
        for s in tuning
    ]
    combos = sum(a.runs_on(t.name) for t in task_list for a in arms.values())
    total = len(tune) + combos * len(eval_seeds)
    bar = Progress(total, progress)
    bar.line(
        f"trial: {len(cand_arms)} candidate(s) × {len(base_arms)} baseline(s) × "
        f"{len(task_list)} task(s) × {len(eval_seeds)} seeds"
        + (f" + {len(tune)} tuning runs" if tune else "")
        + f" = {total} runs on {backend}"
        + (f", cache {store.folder}" if store.folder else ", no cache")
    )
    rows, errors = [], []

    def collect(pairs):
        done = execute(
            [p[0] for p in pairs], [p[1] for p in pairs], store, bar, jobs, scheduler, serial_here
        )
        for i, (result, cached) in sorted(done.items()):
            spec = pairs[i][0]
            if "error" in result:
                errors.append(f"{run_name(spec)}: {result['error']}")
            else:
                rows.append(_row(spec, result, cached, roles[spec.arm.name]))

    try:
        if warm is not None:
            warm.join()
        collect(tune)
        tasks_by_name = {t.name: t for t in task_list}
        choices = choose_learning_rates(rows, tasks_by_name)
        chosen = {(c["task"], c["arm"]): c["learning_rate"] for c in choices if c["chosen"]}
        evaluate = [
            spec_key(t, a, chosen.get((t.name, a.name), grids[(t.name, a.name)][0]), s, "eval")
            for t in task_list
            for a in arms.values()
            if a.runs_on(t.name)
            and ((t.name, a.name) in chosen or len(grids[(t.name, a.name)]) == 1)
            for s in eval_seeds
        ]
        collect(evaluate)
    finally:
        bar.close()
    if errors:
        raise TrialError(
            f"{len(errors)} run(s) failed (the others are cached; the same call trains only "
            "these again):\n" + "\n".join(errors)
        )
    comparisons = compare(
        rows,
        tasks_by_name,
        [a.name for a in cand_arms],
        [a.name for a in base_arms],
        questions,
        listed,
        alpha,
        pair_list,
    )
    if cost and comparisons:
        pairs = [(c["task"], c["candidate"], c["baseline"]) for c in comparisons]
        ratios = cost_ratios(tasks_by_name, arms, pairs)
        for c in comparisons:
            c["cost_ratio"], c["cost_ratio_q1"], c["cost_ratio_q3"] = ratios[
                (c["task"], c["candidate"], c["baseline"])
            ]
    design = {
        "candidates": [a.name for a in cand_arms] + skipped,
        "baselines": [a.name for a in base_arms],
        "tasks": {t.name: describe_object({**t.__dict__}) for t in task_list},
        "seeds": eval_seeds,
        "tune_seeds": tuning if tune else [],
        "learning_rates": {
            f"{t}/{a}": list(g) for (t, a), g in grids.items() if arms[a].runs_on(t)
        },
        "pairs": [list(p) for p in pair_list] if pairs is not None else None,
        "questions": [q.__dict__ for q in questions],
        "alpha": alpha,
        "backend": backend,
        "op_threads": op_threads,
        "onednn": onednn_setting(),
    }
    note = note_design(store.folder, design)
    return Trial(
        runs=rows,
        comparisons=comparisons,
        choices=choices,
        checkups=checkups,
        skipped=skipped,
        design=design,
        tasks=tasks_by_name,
        seconds=time.perf_counter() - start,
        note=note,
    )


def _listed(name: str, value: Any) -> list:
    if isinstance(value, str) or not isinstance(value, Sequence):
        value = [value]
    value = list(value)
    if not value:
        raise ValueError(f"`{name}` must name at least one. Received: {name}={value!r}")
    return value
