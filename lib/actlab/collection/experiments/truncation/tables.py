"""Notebook 05's tables from a trial: one row per evaluation run (`run_records`) and one per
arm, for people (`summary_table`)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from actlab import wording
from actlab.collection.experiments import any_good
from actlab.collection.experiments.truncation.trial import LABELS
from actlab.trials import Trial


def run_records(trial: Trial) -> pd.DataFrame:
    """One row per evaluation run: arm, seed, score and its `saturation` record at the end."""
    runs = trial.runs[trial.runs.stage == "eval"]
    rows = []
    for r in runs.itertuples():
        rec = r.record if isinstance(r.record, dict) else {}
        rows.append({"arm": r.arm, "seed": r.seed, "test_score": r.test_score, **rec})
    return pd.DataFrame(rows)


def summary_table(trial: Trial, start: Mapping[str, float]) -> pd.DataFrame:
    """Per arm, for people: the learning rate chosen, the score (mean ± std over seeds), the
    share of saturated conv outputs before (`start`, from `initial_saturation`) and after
    training, the share where tanh is nearly linear, T at the end, the seeds."""
    from actlab.collection.tables import for_people

    table = any_good.arm_table(trial).droplevel("task")
    runs = run_records(trial)
    rows = []
    for arm, row in table.iterrows():
        mine = runs[runs.arm == arm]
        rows.append(
            {
                "arm": LABELS.get(arm, arm),
                "learning rate (chosen)": f"{row.learning_rate:g}",
                "test accuracy (%)": wording.format_mean_std(row.score_values, decimals=2),
                "|x| > T, start → end": (
                    f"{100 * start['saturated']:.1f} % → {100 * mine['saturated'].mean():.1f} %"
                ),
                "tanh nearly linear (end)": f"{100 * mine['near_linear'].mean():.1f} %",
                "T at the end": wording.format_mean_std(mine["threshold"].to_numpy(), decimals=3),
                "seeds": int(row.n_seeds),
            }
        )
    return for_people(
        pd.DataFrame(rows),
        caption=(
            "Each arm over the evaluation seeds (mean ± std); conv outputs on 256 test images of "
            "each seed's split, 'start' on the first seed's initial weights"
        ),
    )
