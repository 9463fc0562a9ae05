"""Rounding as a factor crossed with the arms: every evaluation run under oneDNN on and off,
each setting in its own worker processes; each seed's score is the mean over the roundings and
the arm × rounding interaction is read per comparison."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from actlab import trials
from actlab.readings import rounding_factor
from actlab.trials.execution import Runs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


TF = pytest.mark.tensorflow_only(reason="oneDNN is TensorFlow's")


def _plan(**kwargs):
    args = dict(
        candidates=["gelu"],
        baselines=["relu"],
        tasks=["trials_fixtures:tiny_mlp"],
        seeds=3,
        cost=False,
        roundings=("1", "0"),
        interaction_margin=0.25,
    )
    args.update(kwargs)
    return trials.plan_trial(**args)


@TF
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(roundings=("1",)), "`roundings` must be None or distinct"),
        (dict(roundings=("1", "1")), "`roundings` must be None or distinct"),
        (dict(roundings=("on", "off")), "`roundings` must be None or distinct"),
        (dict(interaction_margin=None), "`interaction_margin` must be a number > 0"),
        (dict(interaction_margin=0), "`interaction_margin` must be a number > 0"),
        (dict(roundings=None), "`interaction_margin` goes with `roundings`"),
    ],
)
def test_bad_roundings_are_refused_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _plan(**kwargs)


@TF
def test_a_crossed_design_repeats_every_evaluation_run_under_each_rounding():
    design = _plan(learning_rates=[1e-3, 3e-3], tune_seeds=1)
    assert design.crossed and design.settings == ("1", "0")
    assert {r.onednn for r in design.tune_runs()} == {"1"}  # the choice is made once
    chosen = {("mlp", "gelu"): 1e-3, ("mlp", "relu"): 3e-3}
    runs = design.eval_runs(chosen)
    assert len(runs) == 2 * 3 * 2 and {r.onednn for r in runs} == {"1", "0"}
    again = trials.Design.from_json(design.dumps())
    assert again.roundings == ("1", "0") and again.interaction_margin == 0.25
    assert again.eval_runs(chosen) == runs
    assert design.record(["gelu"], [], True)["roundings"] == ["1", "0"]
    assert "roundings" not in _plan(roundings=None, interaction_margin=None).record(
        ["gelu"], [], True
    )


def _rows(scores):
    """Evaluation rows from {(arm, seed, rounding): score}."""
    return [
        {"task": "mlp", "arm": arm, "role": "baseline" if arm == "relu" else "candidate",
         "stage": "eval", "learning_rate": 1e-3, "seed": seed, "test_score": score,
         "rounding": rounding}
        for (arm, seed, rounding), score in scores.items()
    ]  # fmt: skip


@TF
def test_decide_compares_the_mean_over_roundings_and_reads_the_interaction():
    design = _plan(seeds=6)
    rng = np.random.default_rng(0)
    scores = {
        (arm, s, r): 90 + (1.0 if arm == "gelu" else 0.0) + s + 0.05 * rng.normal()
        for arm in ("gelu", "relu")
        for s in range(6)
        for r in ("1", "0")
    }
    decisions = trials.decide(Runs(_rows(scores), [], {}, []), design)
    (row,) = decisions.comparisons
    per_seed = [
        np.mean([scores[("gelu", s, r)] - scores[("relu", s, r)] for r in ("1", "0")])
        for s in range(6)
    ]
    assert row["n"] == 6 and row["mean_diff"] == pytest.approx(np.mean(per_seed), rel=1e-12)
    (record,) = decisions.roundings
    expected = rounding_factor(
        *[[scores[(a, s, r)] for s in range(6)] for a in ("gelu", "relu") for r in ("1", "0")],
        margin=0.25,
    )
    assert record["interaction"] == expected.to_dict()
    assert record["interaction"]["equivalence"]["equivalent"]  # 0.05-point noise, margin 0.25


@TF
def test_a_rounding_with_a_nonfinite_score_leaves_the_interaction_unscorable():
    design = _plan(seeds=4)
    scores = {(a, s, r): 90.0 + s for a in ("gelu", "relu") for s in range(4) for r in ("1", "0")}
    scores[("gelu", 2, "0")] = math.nan
    decisions = trials.decide(Runs(_rows(scores), [], {}, []), design)
    assert decisions.roundings[0]["interaction"] is None
    assert decisions.comparisons[0]["nonfinite_seeds"] == 1  # the seed's mean is not finite


CROSSED = """
import json, sys
sys.path.insert(0, {here!r})
from actlab import trials
import trials_fixtures as fx
task = fx.tiny_mlp().replace(epochs=1, last=1)
trial = trials.run_trial(["gelu"], ["relu"], [task], seeds=2, jobs=1, cost=False,
                         progress="log", cache={cache!r}, roundings=("1", "0"),
                         interaction_margin=0.25)
runs = trial.runs
print(json.dumps({{
    "roundings": sorted(runs["rounding"].unique().tolist()),
    "n": len(runs),
    "interaction": trial.roundings[0]["interaction"] is not None,
    "cached": int(runs.cached.sum()),
}}))
"""


@pytest.mark.backend_independent(
    reason="a TensorFlow child process (oneDNN is TensorFlow's) starting its own workers",
    in_pass="jax",
)
def test_a_crossed_trial_runs_each_rounding_in_its_own_workers_and_caches_them(tmp_path):
    code = CROSSED.format(here=str(HERE), cache=str(tmp_path / "cache"))
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    outs = []
    for _ in range(2):  # the second time every run comes from the cache, per rounding
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert outs[0]["roundings"] == ["0", "1"] and outs[0]["n"] == 2 * 2 * 2
    assert outs[0]["interaction"] and outs[0]["cached"] == 0
    assert outs[1]["cached"] == 8  # the rounding is part of each run's cache key
