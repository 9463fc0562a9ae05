"""Pilot trial for notebook 01's design: the paired SD of the score (mean test accuracy of the
hold epochs, where every blend arm is the pure polynomial network) of the small ResNet, each
blend schedule against the sudden swap and against ReLU, on seeds 100-107 (disjoint from the
notebook's evaluation seeds - the `full` profile's skip 100-107 - and tuning seeds 10000..), at
one learning rate.

    .venv/bin/python tools/pilot_01.py [--config default] [--lr 0.002] [--seeds 8]
        [--jobs 1] [--cache DIR]

Prints each candidate − baseline mean and paired SD and the seeds that 80 % power would take at
0.5 points (difference) or at a 1-point non-inferiority margin; the notebook's declared questions
carry the blend-vs-sudden SD as `pilot_sd` (2.1 points: 141 seeds for 0.5 points, which the
notebook's parameters comment and its `full` profile quote).

``--config cheap --lr 0.004 --first-seed 5000`` (2026-12-07, AMD EPYC 2 cores shared with two
other training processes): the confirmatory trial's cheaper schedule (768 training images, two
stages, the test block held out); paired SD 2.08 points (linear − sudden, mean +3.83) and 2.03
(cosine − sudden, +3.48); 32 runs, 12.7 s a run with the machine shared (7.2 to 15.3 by arm).
notebooks/confirm/01_epoch_dynamic_blend.yml takes these SDs.
"""

from __future__ import annotations

import argparse
import time

from actlab import trials, wording
from actlab.collection.experiments import blend
from actlab.collection.models import resnet_task

#: The task sizes and schedule of the design the pilot measures: the notebook's parameters cell
#: (its `full` profile is the same design with the seeds this spread needs, leaving out 100-107).
CONFIGS = {
    "default": {
        "task": {
            "n_train": 1536,
            "n_val": 1000,
            "stages": [8, 16, 32],
            "stem_strides": 2,
            "epochs": 5,
            "last": 2,
            "batch_size": 64,
        },
        "blend_epochs": 3,
        "hold_epochs": 2,
    },
    # the confirmatory trial's cheaper schedule (a run costs about a third): half the training
    # images and two stages; the same blend (3 epochs) and hold (2), the test block held out
    "cheap": {
        "task": {
            "n_train": 768,
            "n_val": 1000,
            "stages": [8, 16],
            "stem_strides": 2,
            "epochs": 5,
            "last": 2,
            "batch_size": 64,
        },
        "blend_epochs": 3,
        "hold_epochs": 2,
        "held_out_test": True,
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="default")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", default="build/pilot-01-cache")
    args = parser.parse_args()
    config = CONFIGS[args.config]
    task = resnet_task(**config["task"], learning_rates=[args.lr])
    if config.get("held_out_test"):
        task = trials.with_held_out_test(task)
    make = lambda vs: blend.arms(vs, config["blend_epochs"], config["hold_epochs"])  # noqa: E731
    start = time.time()
    trial = trials.run_trial(
        make(["linear_hold", "cosine_hold"]),
        make(["sudden_swap", "relu"]),
        [task],
        seeds=list(range(args.first_seed, args.first_seed + args.seeds)),
        jobs=args.jobs,
        cost=False,
        cache=args.cache,
        progress="log",
    )
    print(trial.summary(), f"({time.time() - start:.0f} s)")
    runs = trial.runs
    print(
        f"seconds per run: mean {runs['seconds'].mean():.1f}, by arm "
        + ", ".join(f"{a} {s:.1f}" for a, s in runs.groupby("arm")["seconds"].mean().items())
    )
    scores = runs.pivot(index="seed", columns="arm", values="test_score")
    print(scores.round(2).to_string())
    pairs = [(c.candidate, c.baseline) for c in trial.comparisons.itertuples()]
    pairs.append((blend.label("sudden_swap"), blend.label("relu")))
    for cand, base in pairs:
        diff = scores[cand] - scores[base]
        sd = float(diff.std(ddof=1))
        print(
            f"{cand} − {base}: mean {diff.mean():+.2f}, paired SD {sd:.2f} points; "
            f"{wording.design_text(sd, 0.5)}; "
            f"{wording.design_text(sd, question='non-inferiority', margin=1.0)}"
        )


if __name__ == "__main__":
    main()
