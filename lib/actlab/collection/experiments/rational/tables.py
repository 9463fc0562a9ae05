"""Notebook 08's table of the trial: one row per task and arm (`summary_table`), for people
(`summary_styler`)."""

from __future__ import annotations

from actlab import wording
from actlab.collection.experiments import any_good
from actlab.collection.experiments.rational.trial import LABELS
from actlab.trials import Trial


def summary_table(trial: Trial):
    """One row per task and arm (`any_good.arm_table`)."""
    return any_good.arm_table(trial)


def summary_styler(table, last: int):
    """`summary_table` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(
        {
            "network": [LABELS.get(t, t) for t, _ in table.index],
            "activation": [a for _, a in table.index],
            "parameters": [f"{p:,}" for p in table.params],
            "learning rate (chosen)": [f"{v:g}" for v in table.learning_rate],
            f"test accuracy, mean of the last {last} epochs (%)": [
                wording.format_mean_std(v, decimals=2) for v in table.score_values
            ],
            "seeds": table.n_seeds.to_numpy(),
            "seconds per run": [f"{v:.1f}" for v in table.seconds_median],
            "losses finite": table.all_finite.to_numpy(),
        }
    )
    return for_people(frame, caption="Each arm over the evaluation seeds: mean ± std")
