"""Reading notebook 02's trial: the evaluation runs of a task, the test MSE per arm, the final
α of an arm."""

from __future__ import annotations

from typing import Any

import numpy as np


def eval_runs(trial, task: str):
    """The evaluation runs of `task` (pandas), in seed order."""
    runs = trial.runs
    return runs[(runs.stage == "eval") & (runs.task == task)].sort_values(["arm", "seed"])


def test_mse(trial, task: str) -> dict[str, list[float]]:
    """Per arm, each seed's score as an MSE (the mean of the last epochs' test MSE)."""
    return {
        arm: [10**v for v in group["test_score"]]
        for arm, group in eval_runs(trial, task).groupby("arm", sort=False)
    }


def alpha_summary(trial, task: str, arm: str) -> dict[str, Any]:
    """The final α of `arm` on `task` over seeds: every unit's value per weight, and how many
    units ended near ±1 (|α| > 0.9: near the ln/exp pair) or, for the imaginary part, with
    |Im α| > 0.5."""
    runs = eval_runs(trial, task)
    values: dict[str, list[float]] = {}
    for record in runs[runs.arm == arm]["record"]:
        for key, alphas in (record or {}).get("alpha", {}).items():
            values.setdefault(key.split("/", 1)[1], []).extend(alphas)
    out: dict[str, Any] = {"values": values}
    for key, v in values.items():
        v = np.asarray(v)
        limit = 0.5 if "imag" in key else 0.9
        out[key] = {"units": int(v.size), "beyond": int(np.sum(np.abs(v) > limit)), "limit": limit}
    return out
