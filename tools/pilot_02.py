"""Pilot trial for notebook 02's design: the paired SD of each comparison's score on the
notebook's three tasks (x·y and sin x extrapolation, test MSE on a log10 scale; MNIST test
accuracy, points), at one learning rate per task, on seeds 100-107 (disjoint from the
notebook's seeds and tuning seeds).

    .venv/bin/python tools/pilot_02.py [CACHE_DIR]

Prints each comparison's mean and paired SD and the CPU time of the runs.
"""

from __future__ import annotations

import sys
import time

from actlab import trials
from actlab.collection.experiments import softexp as se

RATES = {"xy": [0.01, 0.03], "sin": [0.01, 0.03], "mnist": [0.001, 0.003]}


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-02-cache"
    arms = se.arms(
        [{"kind": "l1", "strength": 0.01}, {"kind": "l2", "strength": 0.01}], exploratory=True
    )
    start = time.process_time()
    trial = trials.run_trial(
        arms[1:],
        [arms[0]],
        se.tasks({"mnist": {"n_train": 1500, "epochs": 4, "last": 2}}, RATES),
        seeds=list(range(100, 108)),
        tune_seeds=1,
        pairs=se.pairs(arms),
        jobs=1,
        cost=False,
        force=True,
        cache=cache,
        progress="log",
    )
    print(trial.summary(), f"({time.process_time() - start:.0f} CPU s in this process)")
    print(trial.choices_text())
    for r in trial.comparisons.itertuples():
        print(
            f"{r.task}: {r.candidate} − {r.baseline}: mean {r.mean_diff:+.2f}, "
            f"paired SD {r.sd_diff:.2f} {trial.tasks[r.task].unit}"
        )
    seconds = trial.runs.groupby(["task", "arm"])["seconds"].median()
    print("median seconds per run:\n" + seconds.to_string())


if __name__ == "__main__":
    main()
