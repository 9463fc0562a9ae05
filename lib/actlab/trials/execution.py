"""Step 2 of a trial, `execute`: the candidates' checkups, the tuning runs, the learning rate
each arm keeps, the evaluation runs and the cost ratios, as a `Runs` record.

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
from dataclasses import dataclass, field
from typing import Any

from actlab._util import is_int
from actlab.trials.arms import Arm, arm_key, describe_object
from actlab.trials.cache import RunCache, environment_key, onednn_setting
from actlab.trials.compare import choose_learning_rates, cost_ratios, score_of
from actlab.trials.design import Design, PlannedRun
from actlab.trials.parallel import in_process_ok, loky_is_default, run_name, run_specs, warm_workers
from actlab.trials.progress import Progress
from actlab.trials.runs import RunSpec
from actlab.trials.schema import check_rows

__all__ = ["Runs", "execute", "TrialError", "BARRING_CHECKS"]

log = logging.getLogger("actlab.trials")

#: The checkup's checks whose failure makes a candidate's runs meaningless: it is not trained
#: (unless ``force``). Any other failure (float16, saving, cost, ...) is a warning.
BARRING_CHECKS = ("forward_finite", "gradient_finite", "gradient_correct", "traced_state")


class TrialError(RuntimeError):
    """Some runs raised; the others are cached, so the same call again trains only those."""


@dataclass
class Runs:
    """What `execute` returns: every run's row (`actlab.trials.schema.RUN_COLUMNS`), the
    learning-rate choices (`CHOICE_COLUMNS`), the candidates' checkup summaries, the candidates
    not trained (`skipped`), the cost ratio per (task, candidate, baseline) and the seconds."""

    rows: list[dict[str, Any]]
    choices: list[dict[str, Any]]
    checkups: dict[str, dict[str, Any]]
    skipped: list[str]
    costs: dict[tuple[str, str, str], tuple] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def tuned(self) -> bool:
        return any(r["stage"] == "tune" for r in self.rows)


def _checkup(arm: Arm, cache: RunCache, backend: str) -> dict[str, Any]:
    key = {"kind": "checkup", "arm": describe_object(arm.activation), **environment_key(backend)}
    if key in cache:
        return {**cache.get(key), "cached": True}
    from actlab.checkup import check_activation

    # In this process: the reload in a fresh one costs a TensorFlow import per arm, more than
    # a small task's runs; the trial builds its arms from their targets anyway.
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


def _checkups(design: Design, store: RunCache) -> tuple[dict, list[str]]:
    """Each candidate's checkup summary, and the candidates it bars from training."""
    checkups, skipped = {}, []
    for arm in design.candidates:
        summary = checkups[arm.name] = _checkup(arm, store, design.backend)
        barring = [c for c in summary["failed"] if c in BARRING_CHECKS]
        others = [c for c in summary["failed"] if c not in BARRING_CHECKS]
        if others:
            log.warning(
                "checkup of %s failed %s, which does not make its runs meaningless: trained",
                arm.name,
                ", ".join(others),
            )
        if barring:
            what = (
                "trained anyway (force)"
                if design.force
                else "not trained (force=True or --force trains it)"
            )
            log.warning(
                "checkup of %s failed %s, which makes its runs meaningless: %s",
                arm.name,
                ", ".join(barring),
                what,
            )
            if not design.force:
                skipped.append(arm.name)
    return checkups, skipped


def _spec_key(design: Design, run: PlannedRun, env: dict) -> tuple[RunSpec, dict]:
    task, arm = design.task_map[run.task], design.arms[run.arm]
    spec = RunSpec(
        task,
        arm,
        run.learning_rate,
        run.seed,
        run.epochs,
        run.stage == "eval",
        design.backend,
        run.stage,
        design.op_threads,
        run.onednn,
    )
    if design.backend == "tensorflow":  # the run's own rounding (the same as env's unless crossed)
        env = {**env, "versions": {**env["versions"], "onednn": run.onednn}}
    key = {
        "task": describe_object({**task.__dict__, "name": task.name}),
        "arm": arm_key(arm),
        "learning_rate": run.learning_rate,
        "seed": run.seed,
        "epochs": run.epochs,
        "record_test": run.stage == "eval",
        **env,
        **({} if design.op_threads == 1 else {"op_threads": design.op_threads}),
    }
    return spec, key


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
            for k in (
                "seconds",
                "nonfinite_epoch",
                "params",
                "device",
                "split_id",
                "order_id",
                "init_id",
            )
        }
    )
    if result.get("record") is not None:
        row["record"] = result["record"]
    row["cached"] = cached
    return row


def _rounding_env(design: Design, onednn: str | None) -> dict[str, str] | None:
    """The environment of the workers for runs under `onednn`: None (the usual workers) when
    it is this process's own setting, else fresh workers with it (it is fixed when TensorFlow
    loads in a process)."""
    if onednn == onednn_setting():
        return None
    if onednn is None:
        raise ValueError(
            "This process sets TF_ENABLE_ONEDNN_OPTS; a design planned without it cannot be run "
            "here: plan it again, or give its roundings explicitly"
        )
    return {"TF_ENABLE_ONEDNN_OPTS": onednn}


def _warm(design: Design, store: RunCache, env: dict, jobs: int, scheduler: Any):
    """Start worker processes (importing Keras and the data) while the checkups run here, when
    the runs will go to fresh loky workers and the first one is not cached."""
    if scheduler is not None or jobs <= 1 or not loky_is_default():
        return None
    runs = design.eval_runs({}, [design.baselines[0].name]) or design.tune_runs(
        [design.baselines[0].name]
    )
    if not runs or _spec_key(design, runs[0], env)[1] in store:
        return None
    warm = threading.Thread(
        target=warm_workers,
        args=(jobs, design.backend, design.onednn, design.op_threads),
        daemon=True,
    )
    warm.start()
    return warm


def _start_line(design: Design, n_cand: int, n_base: int, n_tune: int, total: int, store) -> str:
    return (
        f"trial: {n_cand} candidate(s) × {n_base} baseline(s) × "
        f"{len(design.tasks)} task(s) × {len(design.seeds)} seeds"
        + (f" + {n_tune} tuning runs" if n_tune else "")
        + f" = {total} runs on {design.backend}"
        + (f", cache {store.folder}" if store.folder else ", no cache")
    )


@dataclass
class _Collector:
    """Runs planned runs (each rounding's on its own workers) and keeps their rows and errors."""

    design: Design
    store: RunCache
    env: dict
    bar: Progress
    jobs: int
    scheduler: Any
    serial_here: bool
    roles: dict[str, str]
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def collect(self, planned: list[PlannedRun]) -> None:
        for onednn in dict.fromkeys(r.onednn for r in planned):  # this process's setting first
            pairs = [_spec_key(self.design, r, self.env) for r in planned if r.onednn == onednn]
            done = run_specs(
                [p[0] for p in pairs],
                [p[1] for p in pairs],
                self.store,
                self.bar,
                self.jobs,
                self.scheduler,
                self.serial_here,
                _rounding_env(self.design, onednn),
            )
            for i, (result, cached) in sorted(done.items()):
                self._keep(pairs[i][0], result, cached)

    def _keep(self, spec: RunSpec, result: dict, cached: bool) -> None:
        if "error" in result:
            self.errors.append(f"{run_name(spec)}: {result['error']}")
            return
        row = _row(spec, result, cached, self.roles[spec.arm.name])
        if self.design.crossed:
            row["rounding"] = spec.onednn
        self.rows.append(row)


def _check_where(design: Design, jobs: Any, scheduler: Any) -> int:
    """`jobs` checked (None: the core count); a crossed design refuses a Dask scheduler."""
    if jobs is None:
        jobs = os.cpu_count() or 1
    if not is_int(jobs) or jobs < 1:
        raise ValueError(f"`jobs` must be None or an integer >= 1. Received: jobs={jobs!r}")
    if design.crossed and scheduler is not None:
        raise ValueError(
            "A design with `roundings` runs on local worker processes, one set per oneDNN "
            "setting (it is fixed when a process starts): run it without `scheduler`, or run "
            f"each rounding on its own cluster. Received: scheduler={scheduler!r}"
        )
    return int(jobs)


def execute(
    design: Design,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    cache: str | os.PathLike | None = None,
    progress: str = "auto",
) -> Runs:
    """Run a `Design`: checkups, tuning runs, the learning-rate choice (`design`'s rule),
    evaluation runs, cost ratios. `jobs`, `scheduler`, `cache` and `progress` are
    `run_trial`'s. Raises `TrialError` when runs raised (the others are cached)."""
    start = time.perf_counter()
    jobs = _check_where(design, jobs, scheduler)
    # before any TensorFlow op here (the checkups): this process's threads are set once
    serial_here = in_process_ok(design.backend, design.op_threads)
    _prepare(design)
    store, env = RunCache(cache), environment_key(design.backend)
    warm = _warm(design, store, env, jobs, scheduler)
    checkups, skipped = _checkups(design, store)
    cands = [a.name for a in design.candidates if a.name not in skipped]
    bases = [a.name for a in design.baselines] if cands else []
    roles = {**dict.fromkeys(cands, "candidate"), **dict.fromkeys(bases, "baseline")}
    tune = design.tune_runs(cands + bases)
    combos = sum(design.arms[a].runs_on(t.name) for t in design.tasks for a in roles)
    total = len(tune) + combos * len(design.seeds)
    bar = Progress(total, progress)
    bar.line(_start_line(design, len(cands), len(bases), len(tune), total, store))
    runner = _Collector(design, store, env, bar, jobs, scheduler, serial_here, roles)
    try:
        if warm is not None:
            warm.join()
        runner.collect(tune)
        choices = choose_learning_rates(runner.rows, design.task_map)
        chosen = {(c["task"], c["arm"]): c["learning_rate"] for c in choices if c["chosen"]}
        runner.collect(design.eval_runs(chosen, cands + bases))
    finally:
        bar.close()
    if runner.errors:
        raise TrialError(
            f"{len(runner.errors)} run(s) failed (the others are cached; the same call trains "
            "only these again):\n" + "\n".join(runner.errors)
        )
    check_rows("runs", runner.rows)
    check_rows("choices", choices)
    runs = Runs(runner.rows, choices, checkups, skipped)
    runs.costs = _costs(design, cands, bases) if design.cost else {}
    runs.seconds = time.perf_counter() - start
    return runs


def _prepare(design: Design) -> None:
    """Each task's `prepare` (its data fetched and checked), before any run starts."""
    from actlab.data import DataUnavailableError

    for task in design.tasks:
        if task.prepare is None:
            continue
        try:
            task.prepare()
        except DataUnavailableError as exc:
            raise TrialError(f"task {task.name}: {str(exc).splitlines()[0]}") from None


def _costs(design: Design, cands: list[str], bases: list[str]) -> dict:
    """The cost ratio of every comparison `decide` will make (both arms trained on the task)."""
    trained = set(cands) | set(bases)
    pairs = [
        (t.name, c, b)
        for t in design.tasks
        for c, b in design.pair_list()
        if {c, b} <= trained and design.arms[c].runs_on(t.name) and design.arms[b].runs_on(t.name)
    ]
    return cost_ratios(design.task_map, design.arms, pairs) if pairs else {}
