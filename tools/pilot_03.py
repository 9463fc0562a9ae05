"""Pilot trial for notebook 03's design: the paired SD of each ELU fix − built-in ELU on the
user's network and raw pixels (test accuracy, points, the mean of the last 3 epochs), at the
user's SGD learning rate 0.01, on seeds 100-107 (disjoint from the notebook's seeds).

    .venv/bin/python tools/pilot_03.py [CACHE_DIR]

Prints each comparison's mean and paired SD, and the CPU time per run.

Measured (2026-12-04, embedded MNIST, 8 seeds, the machine shared, load about 4): paired SD
1.25 points for the clamped exponent and the double where (their runs were identical to each
other) and 0.94 for the custom gradient, means +0.52, +0.52 and +0.38; the naive version failed
the checkup (gradient_finite, float16) and was not trained; 32 runs, 58 CPU s (1.8 per run).
Notebook 03 declares these SDs; at a margin of ±1 point they need 19 and 12 seeds.
"""

from __future__ import annotations

import sys
import time

from actlab import trials
from actlab.collection.experiments import nan_elu


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-03-cache"
    candidates, baselines = nan_elu.arms()
    start = time.process_time()
    trial = trials.run_trial(
        candidates,
        baselines,
        [nan_elu.user_task()],
        seeds=list(range(100, 108)),
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
