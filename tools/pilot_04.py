"""Pilot trial for notebook 04's design (Antirectifier-256 against ReLU-512, ReLU-256 and
CReLU-256 under the Keras example's recipe, `experiments.antirectifier.example_task`), on seeds
disjoint from the notebook's: how the score's paired SD depends on the training length and on
k of "the mean of the last k epochs", which learning rates are competitive on validation, and
what a run costs.

    .venv/bin/python tools/pilot_04.py [CACHE_DIR]

Runs every arm for 20 epochs at RMSprop's learning rates 3e-4, 1e-3 and 3e-3 (seeds 100-105 at
1e-3, 100-102 at the others), then prints, for each training length E and k, each comparison's
mean and paired SD of the score (the mean test accuracy of epochs E−k+1..E, points), the mean
validation score per arm and learning rate, and the median seconds per run. The first E epochs
of a 20-epoch run are an E-epoch run (the batch order of an epoch depends on the seed and the
epoch only; RMSprop has no schedule), so one pilot measures every length.

Measured 2026-12-05 (2 cores shared with other jobs, load average 5 to 9), what notebook 04's
design takes from it (the score: the mean test accuracy of the last 5 epochs, points):

- learning rates, validation score after 20 epochs: 3e-4 loses for every network; 1e-3 wins
  for ReLU-512 (93.8) and CReLU-256 (93.7), 3e-3 for Antirectifier-256 (93.9) and ReLU-256
  (93.6): the grid is {1e-3, 3e-3};
- Antirectifier-256 − ReLU-512 at 1e-3: −0.91 (paired SD 1.07) after 10 epochs, −0.60 (SD
  0.43) after 20; − CReLU-256: −0.54 (SD 1.05) and −0.45 (SD 0.55); − ReLU-256: −0.17 (0.57)
  and +0.35 (0.53). The default profile (10 epochs) takes SD 1.07 / 1.05 and the mean −0.91;
  the full profile (20 epochs) 0.43 / 0.55 and the mean −0.60 (``pilot_sd``, ``pilot_mean``);
- a run of 10 epochs costs about 5 CPU seconds (1.3 s to start, 0.3 to 0.5 s an epoch, ReLU-512
  the dearest), measured in one process with `time.process_time`.
"""

from __future__ import annotations

import sys

import numpy as np

from actlab import trials
from actlab.collection.experiments import antirectifier as exp

CANDIDATE = "Antirectifier-256"
BASELINES = ("ReLU-512", "ReLU-256", "CReLU-256")
RATES = {1e-3: list(range(100, 106)), 3e-4: [100, 101, 102], 3e-3: [100, 101, 102]}
EPOCHS = 20


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-04-cache"
    runs = []
    for lr, seeds in RATES.items():
        trial = trials.run_trial(
            [exp.ARMS[CANDIDATE]],
            [exp.ARMS[b] for b in BASELINES],
            [exp.example_task(epochs=EPOCHS, last=5)],
            seeds=seeds,
            learning_rates=[lr],
            jobs=2,
            cost=False,
            cache=cache,
            progress="log",
        )
        print(trial.summary())
        runs.append(trial.runs)
    import pandas as pd

    runs = pd.concat(runs, ignore_index=True)
    print("\nseconds per run (median):", runs.groupby("arm")["seconds"].median().round(1).to_dict())
    for lr in RATES:
        sub = runs[runs.learning_rate == lr]
        for arm, group in sub.groupby("arm"):
            val = np.array([np.mean(v[-5:]) * 100 for v in group["val_accuracy"]])
            test = np.array([np.mean(v[-5:]) * 100 for v in group["test_accuracy"]])
            print(
                f"lr {lr:g} {arm:>18}: validation {val.mean():.2f}, test {test.mean():.2f} "
                f"(last 5 of {EPOCHS}, {len(group)} seeds)"
            )
    sub = runs[runs.learning_rate == 1e-3]
    for epochs in (5, 8, 10, 12, 15, 20):
        for last in (1, 3, 5):
            if last > epochs:
                continue
            score = {
                (r.arm, r.seed): 100 * float(np.mean(r.test_accuracy[epochs - last : epochs]))
                for r in sub.itertuples()
            }
            parts = []
            for b in BASELINES:
                d = np.array([score[(CANDIDATE, s)] - score[(b, s)] for s in RATES[1e-3]])
                parts.append(f"− {b} {d.mean():+.2f} (SD {d.std(ddof=1):.2f})")
            print(f"lr 1e-3, E {epochs:>2}, last {last}: {CANDIDATE} " + ", ".join(parts))


if __name__ == "__main__":
    main()
