"""Pilot trial for notebook 05's design: the paired SD of each comparison of the truncation
variants (test accuracy, points, the mean of the last 3 epochs) on the notebook's conv net, at
Adam's learning rate 0.001, on seeds 100-105 (disjoint from the notebook's seeds).

    .venv/bin/python tools/pilot_05.py [CACHE_DIR]

Prints each comparison's mean and paired SD, and the CPU time per run.
"""

from __future__ import annotations

import sys
import time

from actlab import trials
from actlab.collection.experiments import truncation as ex


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-05-cache"
    arms = ex.arms(ex.VARIANTS, threshold=0.25)
    start = time.process_time()
    trial = trials.run_trial(
        arms[1:],
        arms[:1],
        [ex.mnist_task(0.25, epochs=6, n_train=2000)],
        seeds=list(range(100, 106)),
        pairs=ex.pairs(ex.VARIANTS),
        force=True,  # the straight-through estimator fails gradient_correct by design
        jobs=1,
        cost=False,
        cache=cache,
        progress="log",
    )
    cpu = time.process_time() - start
    print(trial.summary(), f"({cpu:.0f} CPU s, {cpu / max(1, trial.runs_trained):.1f} per run)")
    for r in trial.comparisons.itertuples():
        print(
            f"{r.candidate} − {r.baseline}: mean {r.mean_diff:+.2f}, paired SD {r.sd_diff:.2f} points"
        )
    print(trial.runs.pivot(index="seed", columns="arm", values="test_score").round(2).to_string())


if __name__ == "__main__":
    main()
