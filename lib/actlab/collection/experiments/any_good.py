"""Notebook 09 (is my activation any good?): the collection's candidates against Keras's
built-ins through `actlab.trials`, the questions declared in the parameters, the tables and
the findings generated from the trial."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actlab import wording
from actlab.collection import session
from actlab.trials import TASKS, Arm, Question, Trial, get_task
from actlab.trials.shipped import expand_task_names, expand_tasks

#: The collection's candidates (display name → target).
CANDIDATES = {
    "Rational": "actlab.layers:Rational()",
    "Rational (frozen)": "actlab.layers:Rational(trainable=False)",
    "SoftExponential": "actlab.layers:SoftExponential()",
}
QUESTION_KINDS = ("difference", "non-inferiority", "equivalence")


def arms(names: Sequence[str], table: Mapping[str, str] = CANDIDATES) -> list[Arm]:
    """Arms for candidate names of `CANDIDATES`, or for any target string given instead."""
    return [Arm(n, table.get(n, n)) for n in names]


def tasks(names: Sequence[str], sizes: Mapping[str, Mapping[str, Any]]) -> list:
    """The shipped tasks by name, with the sizes of the parameters cell."""
    return [TASKS[n](**dict(sizes.get(n, {}))) for n in names]


def suite_tasks(names: Sequence[str]) -> list:
    """The tasks of a suite (``"suite:quick"``) or of some of its tasks
    (``"suite:quick/tabular"``), as `run_trial` and ``--tasks`` expand them."""
    return expand_tasks(list(names))


def questions(
    declared: Sequence[Mapping[str, Any]], smallest_effect: float | None = None
) -> list[Question]:
    """The declared questions (dicts of the parameters cell, without their ``pilot_sd``), each
    with the notebook's smallest effect of interest; every other comparison is exploratory (its
    own Holm family)."""
    out = []
    for q in declared:
        fields = {k: v for k, v in q.items() if k != "pilot_sd"}
        kind = fields.get("kind", "difference")
        fields.setdefault("smallest_effect", smallest_effect if kind == "difference" else None)
        fields.setdefault("words", wording.question_words(fields))
        out.append(Question(**fields))
    return out


def comparison_styler(trial: Trial, family: str | None = None):
    """The comparisons as a table for people (points; a trial with a task scored on a log10
    scale shows each difference as the ratio it is, with its unit)."""
    from actlab.collection.tables import people_table

    df = trial.comparisons
    if family is not None:
        df = df[df.family == family]
    if any(trial.tasks[t].log10 for t in df["task"]):
        return _ratio_styler(trial, df)
    columns = {
        "task": "task",
        "candidate": "candidate",
        "baseline": "baseline",
        "question": "question",
        "mean_diff": "difference (points)",
        "ci_low": "95 % CI low",
        "ci_high": "95 % CI high",
        "p_holm": "p (Holm)",
        "verdict_holm": "verdict (Holm)",
        "verdict": "before Holm",
        "cost_ratio": "step time ×",
    }
    if "cost_ratio" not in df:  # a trial run with cost=False
        del columns["cost_ratio"]
    return people_table(df, columns, decimals={"p (Holm)": 3, "step time ×": 2})


def _ratio_styler(trial: Trial, df):
    from actlab.collection.tables import people_table

    df = df.copy()

    def number(r: Mapping[str, Any], key: str) -> str:
        value = r[key]
        if not math.isfinite(value):
            return "n/a"
        if trial.tasks[r["task"]].log10:
            return f"×{10**value:.3g}"
        return wording.format_number(value, 2, sign=key == "mean_diff")

    for key in ("mean_diff", "ci_low", "ci_high"):
        df[f"{key}_text"] = [number(r, key) for r in df.to_dict("records")]
    df["unit_text"] = ["ratio" if trial.tasks[t].log10 else trial.tasks[t].unit for t in df["task"]]
    return people_table(
        df,
        {
            "task": "task",
            "candidate": "candidate",
            "baseline": "baseline",
            "question": "question",
            "mean_diff_text": "difference",
            "ci_low_text": "95 % CI low",
            "ci_high_text": "95 % CI high",
            "unit_text": "unit",
            "n": "seeds",
            "p_holm": "p (Holm)",
            "verdict_holm": "verdict (Holm)",
            "verdict": "before Holm",
        },
        decimals={"p (Holm)": 3},
    )


def arm_table(trial: Trial):
    """One row per task and arm of the evaluation runs (a pandas DataFrame indexed by task and
    arm): parameters, the learning rate chosen on validation, the score per seed (ordered by
    seed) with its mean and std over seeds, the median seconds per run, and whether every
    training loss stayed finite. Shared by the notebooks that run a trial."""
    import numpy as np
    import pandas as pd

    runs = trial.runs[trial.runs.stage == "eval"]
    rows = []
    for (task, arm), group in runs.groupby(["task", "arm"], sort=False):
        scores = group.sort_values("seed")["test_score"].to_numpy(dtype=float)
        rows.append(
            {
                "task": task,
                "arm": arm,
                "params": int(group["params"].iloc[0]),
                "learning_rate": float(group["learning_rate"].iloc[0]),
                "score_values": [float(v) for v in scores],
                "score_mean": float(np.mean(scores)),
                "score_std": session.seed_std(scores),
                "n_seeds": len(scores),
                "seconds_median": float(group["seconds"].median()),
                "all_finite": bool(group["nonfinite_epoch"].isna().all()),
            }
        )
    return pd.DataFrame(rows).set_index(["task", "arm"])


def arm_curves(trial: Trial, split: str = "test", metric: str = "accuracy") -> dict:
    """Per (task, arm) of the evaluation runs: epochs (1-based), and the mean and std over
    seeds of `split`'s `metric` after every epoch (accuracy in points)."""
    import numpy as np

    scale = 100.0 if metric == "accuracy" else 1.0
    runs = trial.runs[trial.runs.stage == "eval"]
    out = {}
    for key, group in runs.groupby(["task", "arm"], sort=False):
        values = scale * np.array(list(group[f"{split}_{metric}"]), dtype=float)
        out[key] = {
            "epoch": np.arange(1, values.shape[1] + 1),
            "mean": values.mean(axis=0),
            "std": session.seed_std(values) if len(values) > 1 else np.zeros(values.shape[1]),
            "n_seeds": len(values),
        }
    return out


def records(trial: Trial) -> list[dict[str, Any]]:
    """JSON-ready verdict records of the comparisons (results.json)."""
    keep = (
        "task",
        "candidate",
        "baseline",
        "question",
        "margin",
        "family",
        "n",
        "mean_diff",
        "ci_low",
        "ci_high",
        "p",
        "p_holm",
        "verdict",
        "verdict_holm",
        "decided_holm",
        "candidate_lr",
        "baseline_lr",
        "cost_ratio",
        "text",
    )
    return [{k: r.get(k) for k in keep} for r in trial.comparisons.to_dict("records")]


def _names(name: str, value: Any) -> None:
    if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
        session._fail(name, value, "a non-empty list of names or targets")


def _tasks(name: str, value: Any) -> None:
    if not (isinstance(value, list) and value and all(v in TASKS for v in value)):
        session._fail(name, value, f"a non-empty list of {sorted(TASKS)}")


def _suite_tasks(name: str, value: Any) -> None:
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and v.startswith("suite:") for v in value)
    ):
        session._fail(name, value, 'a non-empty list of suites or suite tasks ("suite:quick")')
    try:
        for task in expand_task_names(value):
            get_task(task)
    except ValueError as exc:
        session._fail(name, value, f"suites and tasks that exist ({exc})")


def _declared(name: str, value: Any) -> None:
    try:
        questions(value)
        if not all(isinstance(q["pilot_sd"], float) and q["pilot_sd"] > 0 for q in value):
            raise ValueError("each needs a pilot_sd > 0 (points)")
    except (TypeError, ValueError, KeyError) as exc:
        session._fail(
            name, value, f"a list of questions (kind, margin, candidate, baseline, task): {exc}"
        )


def distinct_arms(allowed: Sequence[str], what: str = "arms"):
    """A parameter validator: a non-empty list of distinct names out of `allowed`."""
    allowed = list(allowed)

    def check(name: str, value: Any) -> None:
        if not (
            isinstance(value, list)
            and value
            and all(v in allowed for v in value)
            and len(set(value)) == len(value)
        ):
            session._fail(name, value, f"a non-empty list of distinct {what} of {allowed}")

    return check


def declared_between(allowed: Sequence[str], extra_keys: Sequence[str] = ()):
    """A parameter validator: declared questions (as `VALIDATORS["declared"]` checks them, after
    dropping a scenario's `extra_keys`) whose candidate and baseline are both out of `allowed`."""
    allowed = list(allowed)

    def check(name: str, value: Any) -> None:
        if not isinstance(value, list):
            session._fail(name, value, "a list of questions")
        _declared(name, [{k: v for k, v in q.items() if k not in extra_keys} for q in value])
        for q in value:
            if q.get("candidate") not in allowed or q.get("baseline") not in allowed:
                session._fail(
                    name, value, f"questions whose candidate and baseline are of {allowed}"
                )

    return check


def _sizes(name: str, value: Any) -> None:
    if not (
        isinstance(value, dict)
        and all(k in TASKS and isinstance(v, dict) for k, v in value.items())
    ):
        session._fail(name, value, f"a dict of task name ({sorted(TASKS)}) to its options")
    for task, options in value.items():
        try:
            TASKS[task](**options)
        except (TypeError, ValueError) as exc:
            session._fail(name, value, f"options {task} accepts ({exc})")


def _lrs(name: str, value: Any) -> None:
    if not (
        isinstance(value, list) and value and all(isinstance(v, float) and v > 0 for v in value)
    ):
        session._fail(name, value, "a non-empty list of positive learning rates")


VALIDATORS = {
    "candidates": _names,
    "baselines": _names,
    "task_names": _tasks,
    "task_sizes": _sizes,
    "declared": _declared,
    "learning_rates": _lrs,
    "tune_seeds": session.positive_int,
    "last": session.positive_int,
    "smallest_effect": session.positive_float,
    "jobs": session.optional_positive_int,
    "suite_candidates": _names,
    "suite_baselines": _names,
    "suite_tasks": _suite_tasks,
    "suite_seeds": session.seed_list,
}

__all__ = [
    "CANDIDATES",
    "arms",
    "tasks",
    "suite_tasks",
    "questions",
    "comparison_styler",
    "arm_table",
    "arm_curves",
    "records",
    "VALIDATORS",
    "distinct_arms",
    "declared_between",
    "get_task",
]
