"""Aggregates across tasks with rliable (Agarwal et al. 2021, "Deep Reinforcement Learning at
the Edge of the Statistical Precipice"): per candidate against each baseline, the interquartile
mean (IQM) of normalized scores and the probability of improvement, with stratified bootstrap
intervals (runs resampled within each task), instead of counting wins.

Normalization, declared per task as a `Normalization`: a score s (the runs table's
``test_score``: log10 of the MSE for a task compared on log10) becomes

    ± (s − reference) / |mean(baseline) − reference|

the sign + when higher is better and − when lower is: the baseline's mean is at +1 when it
beats the reference (−1 when it does not), the reference at 0, and higher is better on every
task. The reference `normalization_for` declares is the best constant prediction, computed
from the task's data: the training mean's test MSE (its log10 for a log10 task) for a squared
error, the training majority class's test accuracy for an accuracy (chance, for balanced
classes). A diverged run (a non-finite score) counts as the worst score (−inf) and is counted
in the record.

The estimators are rliable's (`rliable.metrics.aggregate_iqm`,
`rliable.metrics.probability_of_improvement`) and so is the figure's right panel. The intervals
resample as rliable's stratified bootstraps do (each arm's runs with replacement within each
task, the tasks kept; percentile intervals), in `stratified_bootstrap` below, on all resamples
at once (`iqm_batched`, `improvement_batched`: rliable's estimators vectorized): rliable's own
(`rliable.library`) is built on `arch` < 8, which does not import with pandas 3 (the lock's),
and draws from NumPy's global random state whatever its `random_state` says; this one takes its
own seeded generator.

The computation returns `Aggregate` records (numbers, no sentences); `aggregate_table` puts
them in a DataFrame, `plot_aggregates` draws them in rliable's style.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Normalization",
    "Aggregate",
    "normalization_for",
    "normalizations",
    "normalized_scores",
    "stratified_bootstrap",
    "iqm_batched",
    "improvement_batched",
    "aggregate",
    "aggregate_trial",
    "aggregate_table",
    "plot_aggregates",
]


@dataclass(frozen=True)
class Normalization:
    """How a task's scores are normalized (see the module docstring). `reference` is on the
    scale of the runs table's ``test_score`` (scaled; log10 for a log10 task); `kind` names
    it."""

    reference: float
    higher_is_better: bool
    kind: str = "best constant"

    def __post_init__(self):
        ref = self.reference
        if not (isinstance(ref, int | float) and math.isfinite(ref)):
            raise ValueError(f"`reference` must be a finite number. Received: reference={ref!r}")


@dataclass(frozen=True)
class Aggregate:
    """One candidate against one baseline across `tasks`, `seeds` runs each: the IQM of the
    candidate's and of the baseline's normalized scores (normalized by this baseline), and the
    probability that a candidate run beats a baseline run on a task (rliable's, averaged over
    tasks), each with its stratified bootstrap interval at `confidence`."""

    candidate: str
    baseline: str
    tasks: tuple[str, ...]
    seeds: int
    iqm: float
    iqm_low: float
    iqm_high: float
    baseline_iqm: float
    baseline_iqm_low: float
    baseline_iqm_high: float
    improvement: float
    improvement_low: float
    improvement_high: float
    nonfinite: int  # runs of either arm scored −inf (diverged)
    reps: int
    confidence: float
    seed: int


def _is_classification(task) -> bool:
    return task.score == "accuracy" and "categorical" in str(task.loss)


def _is_regression(task) -> bool:
    """Scored by an MSE: the loss when it is the MSE (``"loss"``), or an MSE metric (a task
    whose loss holds a penalty besides, e.g. the suite's ``trend``)."""
    mse = ("mse", "mean_squared_error")
    return task.score in mse or (task.score == "loss" and str(task.loss) in mse)


def normalization_for(task, seeds: Iterable[int] = (0,)) -> Normalization:
    """A task's declared normalization: the best constant prediction as the reference, its
    test score averaged over the splits of `seeds` (see the module docstring). Raises
    `ValueError` for a task that is neither an accuracy nor an MSE task (declare yours)."""
    values = []
    for seed in seeds:
        split = task.data(int(seed))
        if _is_classification(task):
            labels, counts = np.unique(np.asarray(split.y_train), return_counts=True)
            values.append(float(np.mean(np.asarray(split.y_test) == labels[np.argmax(counts)])))
        elif _is_regression(task):
            mean = np.mean(np.asarray(split.y_train, dtype="float64"), axis=0)
            values.append(float(np.mean((np.asarray(split.y_test, dtype="float64") - mean) ** 2)))
        else:
            raise ValueError(
                f"Task {task.name!r} scores {task.score!r} with loss {task.loss!r}: declare its "
                "`Normalization` (a reference score) yourself"
            )
    reference = float(np.mean(values)) * task.scale
    return Normalization(
        reference=math.log10(reference) if task.log10 else reference,
        higher_is_better=bool(task.higher_is_better),
    )


def normalizations(tasks: Iterable[Any], seeds: Iterable[int] = (0,)) -> dict[str, Normalization]:
    """`normalization_for` of each task, by task name."""
    seeds = tuple(seeds)
    return {task.name: normalization_for(task, seeds) for task in tasks}


def normalized_scores(
    scores: Sequence[float], baseline_scores: Sequence[float], norm: Normalization
) -> np.ndarray:
    """`scores` normalized against the mean of `baseline_scores` and `norm`'s reference;
    non-finite scores become −inf."""
    base = np.asarray(baseline_scores, dtype="float64")
    base = base[np.isfinite(base)]
    if not len(base):
        raise ValueError("every baseline score of this task is non-finite: nothing to normalize by")
    gap = abs(float(np.mean(base)) - norm.reference)
    if gap == 0:
        raise ValueError("the baseline's mean equals the reference: nothing to normalize by")
    sign = 1.0 if norm.higher_is_better else -1.0
    out = sign * (np.asarray(scores, dtype="float64") - norm.reference) / gap
    return np.where(np.isfinite(out), out, -np.inf)


def iqm_batched(scores: np.ndarray) -> np.ndarray:
    """`rliable.metrics.aggregate_iqm` of each ``scores[b]`` (runs × tasks) at once."""
    import scipy.stats

    return scipy.stats.trim_mean(scores.reshape(len(scores), -1), 0.25, axis=1)


def improvement_batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`rliable.metrics.probability_of_improvement` of each ``(x[b], y[b])`` at once: per task
    the Mann-Whitney U of x over y divided by n_x·n_y (ties count ½), averaged over tasks."""
    greater = x[:, :, None, :] > y[:, None, :, :]
    ties = x[:, :, None, :] == y[:, None, :, :]
    return (greater + 0.5 * ties).mean(axis=(1, 2)).mean(axis=1)


def stratified_bootstrap(
    statistic, arrays: Sequence[np.ndarray], reps: int, confidence: float, seed: int
) -> tuple[float, float]:
    """A percentile interval of a statistic of `arrays`: every array ``(runs, tasks)`` is
    resampled independently, runs with replacement within each task (rliable's
    ``StratifiedBootstrap`` for one array, ``StratifiedIndependentBootstrap`` for several).
    ``statistic`` takes the resamples batched, ``(reps, runs, tasks)`` each, and returns one
    value per resample (`iqm_batched`, `improvement_batched`)."""
    rng = np.random.default_rng(seed)
    resampled = [
        a[rng.integers(0, a.shape[0], size=(reps, *a.shape)), np.arange(a.shape[1])] for a in arrays
    ]
    values = np.asarray(statistic(*resampled), dtype="float64")
    tail = 100 * (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _matrix(evals, arm: str, tasks: Sequence[str], seeds: Sequence[int]) -> np.ndarray:
    rows = evals[evals.arm == arm].set_index(["task", "seed"])["test_score"]
    return np.array([[float(rows.loc[(t, s)]) for t in tasks] for s in seeds], dtype="float64")


def aggregate(
    runs,
    normalizations: Mapping[str, Normalization],
    *,
    candidates: Sequence[str] | None = None,
    baselines: Sequence[str] | None = None,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Aggregate, ...]:
    """Every candidate against every baseline across the tasks both ran (`Aggregate`s, in
    candidate then baseline order).

    Args:
        runs: a runs table (`Trial.runs`: columns task, arm, stage, seed, test_score; role
            when `candidates` / `baselines` are not given); the evaluation runs are used.
        normalizations: task name → `Normalization` for every task aggregated.
        candidates, baselines: arm names (default: by the ``role`` column).
        reps: bootstrap resamples; confidence: the intervals' coverage; seed: the bootstrap's.
    """
    if not (isinstance(reps, int) and reps >= 100):
        raise ValueError(f"`reps` must be an integer >= 100. Received: reps={reps!r}")
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise ValueError(f"`confidence` must be in (0, 1). Received: confidence={confidence!r}")
    evals = runs[runs.stage == "eval"] if "stage" in runs else runs
    if candidates is None or baselines is None:
        if "role" not in evals:
            raise ValueError(
                "the runs table has no `role` column: name `candidates` and `baselines`"
            )
        candidates = candidates or list(dict.fromkeys(evals[evals.role == "candidate"].arm))
        baselines = baselines or list(dict.fromkeys(evals[evals.role == "baseline"].arm))
    return tuple(
        _one(evals, cand, base, normalizations, reps, confidence, seed)
        for cand in candidates
        for base in baselines
    )


def _paired_matrices(evals, cand: str, base: str, normalizations) -> tuple:
    """The tasks both arms ran, their common seeds, and the two normalized score matrices
    (seeds × tasks)."""
    both = evals[evals.arm.isin([cand, base])]
    tasks = [t for t in dict.fromkeys(both.task) if {cand, base} <= set(both[both.task == t].arm)]
    if not tasks:
        raise ValueError(f"{cand!r} and {base!r} share no task in the runs table")
    missing = [t for t in tasks if t not in normalizations]
    if missing:
        raise ValueError(f"No `Normalization` declared for the tasks {missing}")
    per_task = [
        set(both[(both.task == t) & (both.arm == a)].seed) for t in tasks for a in (cand, base)
    ]
    seeds = sorted(set.intersection(*per_task))
    if len(seeds) < 2 or any(len(s) != len(seeds) for s in per_task):
        raise ValueError(
            f"{cand!r} and {base!r} must have the same evaluation seeds (at least 2) on "
            f"every task {tasks}"
        )
    x_raw, y_raw = _matrix(both, cand, tasks, seeds), _matrix(both, base, tasks, seeds)
    x, y = np.empty_like(x_raw), np.empty_like(y_raw)
    for j, t in enumerate(tasks):
        x[:, j] = normalized_scores(x_raw[:, j], y_raw[:, j], normalizations[t])
        y[:, j] = normalized_scores(y_raw[:, j], y_raw[:, j], normalizations[t])
    return tasks, seeds, x, y


def _one(evals, cand, base, normalizations, reps, confidence, seed) -> Aggregate:
    """One candidate against one baseline (see `aggregate`)."""
    from rliable import metrics

    tasks, seeds, x, y = _paired_matrices(evals, cand, base, normalizations)
    ci = functools.partial(stratified_bootstrap, reps=reps, confidence=confidence, seed=seed)
    iqm_ci, base_ci = ci(iqm_batched, [x]), ci(iqm_batched, [y])
    improvement_ci = ci(improvement_batched, [x, y])
    return Aggregate(
        candidate=cand,
        baseline=base,
        tasks=tuple(tasks),
        seeds=len(seeds),
        iqm=float(metrics.aggregate_iqm(x)),
        iqm_low=iqm_ci[0],
        iqm_high=iqm_ci[1],
        baseline_iqm=float(metrics.aggregate_iqm(y)),
        baseline_iqm_low=base_ci[0],
        baseline_iqm_high=base_ci[1],
        improvement=float(metrics.probability_of_improvement(x, y)),
        improvement_low=improvement_ci[0],
        improvement_high=improvement_ci[1],
        nonfinite=int(np.sum(~np.isfinite(x)) + np.sum(~np.isfinite(y))),
        reps=reps,
        confidence=confidence,
        seed=int(seed),
    )


def aggregate_trial(trial, **options) -> tuple[Aggregate, ...]:
    """`aggregate` of a `Trial`'s runs, each task normalized as `normalization_for` declares
    (the best constant over the trial's evaluation seeds); `options` are `aggregate`'s."""
    runs = trial.runs
    seeds = sorted({int(s) for s in runs[runs.stage == "eval"].seed})
    return aggregate(runs, normalizations(trial.tasks.values(), seeds), **options)


def aggregate_table(records: Iterable[Aggregate]):
    """The records as a pandas DataFrame, one row each (``tasks`` joined by commas)."""
    import pandas as pd

    rows = [dataclasses.asdict(r) | {"tasks": ",".join(r.tasks)} for r in records]
    columns = [f.name for f in dataclasses.fields(Aggregate)]
    return pd.DataFrame(rows, columns=columns)


def plot_aggregates(records: Sequence[Aggregate], title: str | None = None):
    """rliable's two plots side by side: left, the IQM of normalized scores with its interval
    for each candidate and its baseline (rliable's interval estimates); right, the probability
    of improvement of each candidate over each baseline (rliable's
    `plot_probability_of_improvement`). Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    from rliable import plot_utils

    records = list(records)
    if not records:
        raise ValueError("no aggregates to plot")
    height = 1.2 + 0.5 * 2 * len(records)
    fig, (ax_iqm, ax_poi) = plt.subplots(1, 2, figsize=(11, height), layout="constrained")
    colors = plt.get_cmap("tab10")
    labels = []
    for i, r in enumerate(records):
        for k, (name, point, low, high) in enumerate(
            (
                (f"{r.candidate} (vs {r.baseline})", r.iqm, r.iqm_low, r.iqm_high),
                (r.baseline, r.baseline_iqm, r.baseline_iqm_low, r.baseline_iqm_high),
            )
        ):
            y = 2 * i + k
            lo = low if math.isfinite(low) else min(point, high) if math.isfinite(point) else 0.0
            ax_iqm.barh(y, high - lo, left=lo, height=0.6, color=colors(k), alpha=0.75)
            if math.isfinite(point):
                ax_iqm.vlines(point, y - 0.28, y + 0.23, color="k", alpha=0.5)
            labels.append(name)
    ax_iqm.set_yticks(range(len(labels)), labels)
    ax_iqm.invert_yaxis()
    ax_iqm.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax_iqm.axvline(0.0, color="grey", lw=0.8, ls=":")
    ax_iqm.set_xlabel("IQM of normalized score (baseline mean = 1, best constant = 0)")
    ax_iqm.set_title(f"IQM, {records[0].confidence:.0%} stratified bootstrap intervals")
    ax_iqm.grid(True, axis="x", alpha=0.25)
    sep = "\t"
    bottom_up = records[::-1]  # rliable draws the first pair lowest: the same order as the left
    plot_utils.plot_probability_of_improvement(
        {f"{r.candidate}{sep}{r.baseline}": r.improvement for r in bottom_up},
        {
            f"{r.candidate}{sep}{r.baseline}": np.array([r.improvement_low, r.improvement_high])
            for r in bottom_up
        },
        pair_separator=sep,
        ax=ax_poi,
        xlabel="P(candidate > baseline)",
        left_ylabel="candidate",
        right_ylabel="baseline",
    )
    ax_poi.set_title("Probability of improvement")
    tasks = sorted({t for r in records for t in r.tasks})
    fig.suptitle(
        title or f"Across {len(tasks)} tasks ({', '.join(tasks)}), {records[0].seeds} seeds each"
    )
    return fig
