"""Pilot trial for notebook 05's design: the paired SD of each comparison of `truncation.PAIRS`
(test accuracy, points, the mean of the last 3 of 8 epochs) on the notebook's task and arms,
with each arm's learning rate chosen on validation from {0.001, 0.003} (tuning seed 10000, as
the notebook), on evaluation seeds 100-107 (disjoint from the notebook's).

    .venv/bin/python tools/pilot_05.py [CACHE_DIR]

Prints each comparison's mean and paired SD, and the CPU time per run.

Measured (2026-12-05, embedded MNIST, 8 seeds, 2 workers, the machine otherwise idle): paired SD
0.28 points for clip − smooth (mean +0.68), 1.92 for smooth − no truncation (+6.22), 1.05 for
straight-through − clip (−5.14), 1.77 for clip − no truncation (+6.90), 0.48 for PACT − clip
(+0.52), 0.13 for PACT + L2 − PACT (+0.07). Learning rates chosen on validation (seed 10000):
0.003 for smooth, clip, PACT and PACT + L2, 0.001 for straight-through and no truncation. The
straight-through arm fails the checkup's gradient_correct (by design) and is trained anyway.
60 runs, 3 min 24 s wall, 5 min 12 s CPU (about 5 CPU s per run). Notebook 05 declares these
SDs and uses these learning rates in its default profile.
"""

from __future__ import annotations

import sys
import time

from actlab import trials
from actlab.collection.experiments import truncation as ex


def main() -> None:
    cache = sys.argv[1] if len(sys.argv) > 1 else "build/pilot-05-cache"
    threshold = 0.25
    candidates, baselines = ex.roles(ex.ARM_NAMES)
    arms = {a.name: a for a in ex.arms(ex.ARM_NAMES, threshold)}
    start = time.process_time()
    trial = trials.run_trial(
        [arms[n] for n in candidates],
        [arms[n] for n in baselines],
        [ex.mnist_task(threshold=threshold)],
        seeds=list(range(100, 108)),
        tune_seeds=1,
        pairs=ex.pairs(ex.ARM_NAMES),
        jobs=int(sys.argv[2]) if len(sys.argv) > 2 else 1,
        cost=False,
        force=True,  # the straight-through arm fails gradient_correct by design
        cache=cache,
        progress="log",
    )
    cpu = time.process_time() - start
    print(trial.summary(), f"({cpu:.0f} CPU s here, {trial.runs_trained} runs trained)")
    print(trial.choices_text())
    for r in trial.comparisons.itertuples():
        print(
            f"{r.candidate} − {r.baseline}: mean {r.mean_diff:+.2f}, paired SD {r.sd_diff:.2f} points"
        )
    print(
        trial.runs[trial.runs.stage == "eval"]
        .pivot(index="seed", columns="arm", values="test_score")
        .round(2)
        .to_string()
    )
    print(trial.runs.groupby("arm")["seconds"].median().round(1).to_string())


if __name__ == "__main__":
    main()
