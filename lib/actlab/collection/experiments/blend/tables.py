"""Notebook 01's tables from the trial's numbers: the arms (`arm_table`), the questions'
records (`question_records`) and the evaluation runs for results.json (`run_records`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from actlab import wording
from actlab.collection import session
from actlab.collection.experiments.blend.design import VARIANTS, label
from actlab.collection.models import activation_names, resolve_blend
from actlab.trials import Trial


def question_records(
    trial: Trial, family: str = "declared", profile: str = "default", full_seeds: int | None = None
) -> list[dict[str, Any]]:
    """`Trial.question_records(family)` (the records results.json and the README table read),
    each open one saying what the `full` profile runs when this run is another profile."""
    return wording.full_profile_open(trial.question_records(family), profile, full_seeds)


def _eval_runs(trial: Trial):
    runs = trial.runs
    return runs[runs.stage == "eval"] if len(runs) else runs


def _peak(record: Any) -> float:
    """The largest max |pre-activation| over a run's activations (NaN when one overflowed)."""
    values = list((record or {}).get("preact_max", {}).values()) if isinstance(record, dict) else []
    if not values or not all(math.isfinite(v) for v in values):
        return float("nan")
    return float(max(values))


def arm_table(trial: Trial, variants: Sequence[str]) -> list[dict[str, Any]]:
    """Per variant (in the given order): its arm, the activations it replaces, the learning
    rate chosen on validation, the score (mean test accuracy of the last epochs, points) as
    mean and std over the evaluation seeds, runs that went non-finite, and the largest
    |pre-activation| at the end of training (max over layers, mean over seeds)."""
    runs = _eval_runs(trial)
    config = trial.tasks["resnet"].config
    stages, blocks = config["stages"], config["blocks_per_stage"]
    n_act = len(activation_names(stages, blocks))
    rows = []
    for v in variants:
        group = runs[runs.arm == label(v)]
        if not len(group):
            continue
        scores = group["test_score"].to_numpy(dtype="float64")
        peaks = np.array([_peak(r) for r in group.get("record", [None] * len(group))])
        rows.append(
            {
                "variant": v,
                "label": label(v),
                "n_replaced": len(resolve_blend(VARIANTS[v]["blend"], stages, blocks)),
                "n_activations": n_act,
                "learning_rate": float(group["learning_rate"].iloc[0]),
                "score_mean": float(np.nanmean(scores)) if np.isfinite(scores).any() else math.nan,
                "score_std": session.seed_std(scores[np.isfinite(scores)]),
                "n_seeds": int(len(group)),
                "n_nonfinite": int(group["nonfinite_epoch"].notna().sum()),
                "max_preact_mean": float(np.mean(peaks)) if len(peaks) else math.nan,
            }
        )
    return rows


def run_records(trial: Trial) -> list[dict[str, Any]]:
    """The evaluation runs, compact, for results.json: arm, seed, learning rate, score, test
    accuracy per epoch, the pre-activation record and the pairing fingerprints."""
    keep = ("arm", "seed", "learning_rate", "test_score", "nonfinite_epoch", "seconds")
    keep += ("split_id", "order_id", "init_id")
    out = []
    for r in _eval_runs(trial).to_dict("records"):
        row = {k: r.get(k) for k in keep}
        row["test_accuracy"] = list(r.get("test_accuracy", ()))
        row["record"] = r.get("record")
        out.append(session.to_jsonable(row))
    return out
