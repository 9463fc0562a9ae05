"""Pilot trial for notebook 09's design: the paired SD of the score (mean test accuracy of the
last 3 epochs) on the default MLP task at a learning rate of 0.001, on seeds 100-105 (disjoint
from the notebook's seeds), candidates against ReLU and GELU.

    .venv/bin/python tools/pilot_09.py [CACHE_DIR]

Prints each candidate − baseline paired SD; each declared question of notebook 09 carries the
one of its pair as `pilot_sd` (2026-12-04: Rational − ReLU 0.33, frozen Rational − ReLU 0.18,
soft exponential − ReLU 0.45, GELU − ReLU 0.20 points), from which the notebook sizes its seeds.
"""

from __future__ import annotations

import sys

from actlab import trials
from actlab.collection.experiments import any_good


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-09-cache"
    trial = trials.run_trial(
        any_good.arms(["Rational", "Rational (frozen)", "SoftExponential"]),
        ["relu", "gelu"],
        [trials.mnist_mlp(epochs=6, last=3)],
        seeds=list(range(100, 106)),
        learning_rates=[0.001],
        jobs=2,
        cost=False,
        cache=cache,
    )
    print(trial.summary())
    for r in trial.comparisons.itertuples():
        print(
            f"{r.candidate} − {r.baseline}: mean {r.mean_diff:+.2f}, paired SD {r.sd_diff:.2f} points"
        )
    scores = trial.runs.pivot(index="seed", columns="arm", values="test_score")
    print(f"gelu − relu: paired SD {(scores['gelu'] - scores['relu']).std(ddof=1):.2f} points")


if __name__ == "__main__":
    main()
