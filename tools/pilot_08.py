"""Pilot trial for notebook 08's design (Rational against ReLU, leaky ReLU and Rational with
frozen coefficients on the notebook's MLP, `experiments.rational.tasks`), on seeds disjoint
from the notebook's: the score's paired SD by training length and k of "the mean of the last k
epochs", which of Adam's learning rates 1e-3, 2e-3, 3e-3 wins on validation per arm, and what
a run costs.

    .venv/bin/python tools/pilot_08.py [CACHE_DIR] [TASK]

Runs every arm for 20 epochs at each learning rate on seeds 100-103 (TASK: ``mlp``, the default,
or ``cnn``), then prints the mean validation score per arm and learning rate, the median seconds
per run, and for each training length E and k each comparison's mean and paired SD of the score
(the mean test accuracy of epochs E−k+1..E, points), each arm at the learning rate that is best
on validation at that length. The first E epochs of a 20-epoch run are an E-epoch run (the batch
order depends on the seed and the epoch only; Adam's state is the same), so one pilot measures
every length.

Measured 2026-12-05 (2 cores shared with other jobs, load average 5 to 9), what notebook 08's
design takes from it (the score: the mean test accuracy of the last 5 epochs, points; each arm
at its best learning rate on validation):

- after 15 epochs 0.003 wins on validation for ReLU, leaky ReLU and frozen Rational, 0.002 for
  Rational; 0.001 wins for none: the default grid is {0.002, 0.003}, the full one the issue's
  {0.001, 0.002, 0.003};
- Rational − ReLU: +0.37 (paired SD 0.08) after 6 epochs, −0.17 (0.26) after 10, −0.59 (0.51)
  after 15, −0.44 (0.14) after 20: the reversal; Rational − frozen Rational: +0.30, −0.22,
  −0.55 (0.42), −0.19; Rational − leaky ReLU −0.69 (0.81) after 15. Both profiles train 15
  epochs and take SD 0.51 and 0.42 (``pilot_sd``): 11 and 8 seeds for 80 % power at 0.5
  points, so the full profile runs 12;
- a run of 15 epochs costs about 6 CPU seconds (Rational about 7.5, ReLU 5.5), measured in one
  process with `time.process_time`.
"""

from __future__ import annotations

import sys

import numpy as np

from actlab import trials
from actlab.collection.experiments import rational as exp

CANDIDATE = "Rational"
BASELINES = ("ReLU", "leaky ReLU", "Rational (frozen)")
RATES = (1e-3, 2e-3, 3e-3)
SEEDS = [100, 101, 102, 103]
EPOCHS = 20


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-08-cache"
    task_name = sys.argv[2] if len(sys.argv) > 2 else "mlp"
    import pandas as pd

    runs = []
    for lr in RATES:
        trial = trials.run_trial(
            [exp.ARMS[CANDIDATE]],
            [exp.ARMS[b] for b in BASELINES],
            exp.tasks([task_name], epochs=EPOCHS, last=5),
            seeds=SEEDS,
            learning_rates=[lr],
            jobs=2,
            cost=False,
            cache=cache,
            progress="log",
        )
        print(trial.summary())
        runs.append(trial.runs)
    runs = pd.concat(runs, ignore_index=True)
    print("\nseconds per run (median):", runs.groupby("arm")["seconds"].median().round(1).to_dict())

    def score(column: str, epochs: int, last: int) -> dict:
        return {
            (r.arm, r.learning_rate, r.seed): 100
            * float(np.mean(getattr(r, column)[epochs - last : epochs]))
            for r in runs.itertuples()
        }

    arms = (CANDIDATE, *BASELINES)
    for epochs in (3, 6, 10, 15, 20):
        val = score("val_accuracy", epochs, min(5, epochs))
        means = {(a, lr): np.mean([val[(a, lr, s)] for s in SEEDS]) for a in arms for lr in RATES}
        print(
            f"E {epochs:>2} validation (last {min(5, epochs)}): "
            + "; ".join(f"{a} " + "/".join(f"{means[(a, lr)]:.2f}" for lr in RATES) for a in arms)
        )
        best = {a: max(RATES, key=lambda lr, a=a: means[(a, lr)]) for a in arms}
        for last in (1, 3, 5):
            if last > epochs:
                continue
            test = score("test_accuracy", epochs, last)
            parts = []
            for b in BASELINES:
                d = np.array(
                    [test[(CANDIDATE, best[CANDIDATE], s)] - test[(b, best[b], s)] for s in SEEDS]
                )
                parts.append(f"− {b} {d.mean():+.2f} (SD {d.std(ddof=1):.2f})")
            at_each = []
            for lr in RATES:
                d = np.array([test[(CANDIDATE, lr, s)] - test[("ReLU", lr, s)] for s in SEEDS])
                at_each.append(f"{lr:g}: {d.mean():+.2f} (SD {d.std(ddof=1):.2f})")
            print(
                f"  last {last}, best lr per arm {best}: {CANDIDATE} "
                + ", ".join(parts)
                + "; Rational − ReLU at the same lr "
                + ", ".join(at_each)
            )


if __name__ == "__main__":
    main()
