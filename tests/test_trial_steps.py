"""`run_trial` as three steps: `plan_trial` -> `Design` (its JSON round trip), `execute` ->
`Runs`, `decide` -> `Decisions`; the checks that bar a candidate; the tables' schema."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from actlab import trials
from actlab.trials import execution, schema

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import trials_fixtures as fx  # noqa: E402

pytestmark = pytest.mark.backend_independent(
    reason="the engine's bookkeeping; the engine's training tests run on JAX too"
)


def _plan(**kwargs):
    args = dict(
        candidates=["trials_fixtures:relu_by_abs", "gelu"],
        baselines=["relu"],
        tasks=["trials_fixtures:tiny_mlp"],
        seeds=3,
        tune_seeds=2,
        learning_rates=[1e-3, 3e-3],
        question=[trials.Question("difference", candidate="gelu", id="g", smallest_effect=0.5)],
        cost=False,
    )
    args.update(kwargs)
    return trials.plan_trial(**args)


@pytest.mark.parametrize("seeds", [0, [], -1])
def test_no_evaluation_seed_is_refused_naming_the_argument(seeds):
    # before: run_trial(seeds=0) planned no run and raised IndexError in the engine
    with pytest.raises(ValueError, match=r"`seeds` must be a count >= 1"):
        trials.run_trial(["gelu"], ["relu"], [fx.tiny_mlp()], seeds=seeds, jobs=1)


def test_tuning_seeds_are_needed_only_where_a_grid_has_several_rates():
    assert _plan(learning_rates=[1e-3], tune_seeds=0).tune_runs() == []
    with pytest.raises(ValueError, match="`tune_seeds` must be a count >= 1"):
        _plan(tune_seeds=0)


def test_a_design_lists_every_run_before_anything_trains():
    design = _plan()
    tune = design.tune_runs()
    assert len(tune) == 3 * 2 * 2  # arms x rates x tuning seeds
    assert {r.seed for r in tune} == {10_000, 10_001} and {r.stage for r in tune} == {"tune"}
    chosen = {("mlp", a): 3e-3 for a in ("relu_by_abs", "gelu", "relu")}
    runs = design.eval_runs(chosen)
    assert len(runs) == 3 * 3 and {r.learning_rate for r in runs} == {3e-3}
    assert design.eval_runs({}) == []  # a tuned arm without a choice is not run
    assert {r.onednn for r in tune + runs} == {design.onednn}


def test_a_design_round_trips_through_json_and_runs_again():
    design = _plan(epochs=1, last=1)
    text = design.dumps()
    again = trials.Design.from_json(text)
    assert again.to_json() == json.loads(text)
    assert again.tune_runs() == design.tune_runs()
    assert again.tasks[0].epochs == 1 and again.tasks[0].last == 1
    assert json.loads(text)["learning_rate_rule"]["over"] == "tune_seeds"


def test_a_design_of_objects_says_what_it_cannot_rebuild():
    with_task_object = _plan(tasks=[fx.tiny_mlp()])
    with pytest.raises(ValueError, match="Task 'mlp' was given as an object"):
        trials.Design.from_json(with_task_object.dumps())
    with_lambda = _plan(candidates=[trials.Arm("twice", lambda x: 2 * x)])
    with pytest.raises(ValueError, match="Arm 'twice'"):
        trials.Design.from_json(with_lambda.dumps())


def _checkups(monkeypatch, failed, force=False):
    summary = {"ok": not failed, "failed": failed, "warned": [], "text": ""}
    monkeypatch.setattr(execution, "_checkup", lambda arm, cache, backend: summary)
    design = _plan(force=force)
    return execution._checkups(design, execution.RunCache(None))[1]


def test_only_checks_that_make_runs_meaningless_bar_a_candidate(monkeypatch, caplog):
    # before: any failed check (float16, serializes, ...) left the candidate untrained
    caplog.set_level(logging.WARNING, logger="actlab.trials")
    assert _checkups(monkeypatch, ["float16", "serializes"]) == []
    assert "does not make its runs meaningless: trained" in caplog.text
    caplog.clear()
    assert _checkups(monkeypatch, ["gradient_correct"]) == ["relu_by_abs", "gelu"]
    assert "force=True or --force trains it" in caplog.text
    assert _checkups(monkeypatch, ["traced_state"], force=True) == []


def test_run_trial_is_plan_execute_decide(tmp_path):
    kwargs = dict(tasks=[fx.tiny_mlp().replace(epochs=1, last=1)], seeds=2, tune_seeds=1)
    trial = trials.run_trial(
        ["gelu"], ["relu"], jobs=1, cost=False, progress="log", cache=tmp_path, **kwargs
    )
    design = trials.plan_trial(["gelu"], ["relu"], cost=False, **kwargs)
    runs = trials.execute(design, jobs=1, cache=tmp_path, progress="log")
    assert all(r["cached"] for r in runs.rows)
    decisions = trials.decide(runs, design)
    drop = ["cached", "seconds"]
    assert trial.runs.drop(columns=drop).equals(
        __import__("pandas").DataFrame(runs.rows).drop(columns=drop)
    )
    assert trial.comparisons.to_dict("records") == decisions.comparisons


def test_a_table_row_off_its_schema_is_refused():
    row = dict.fromkeys(schema.CHOICE_COLUMNS, 0)
    schema.check_rows("choices", [row])
    with pytest.raises(ValueError, match=r"missing \['chosen'\]"):
        schema.check_rows("choices", [{k: v for k, v in row.items() if k != "chosen"}])
    with pytest.raises(ValueError, match=r"undeclared \['colour'\]"):
        schema.check_rows("choices", [{**row, "colour": 1}])
    run = {**dict.fromkeys(schema.RUN_COLUMNS, 0), "val_accuracy": (1.0,), "record": {}}
    schema.check_rows("runs", [run])


def _line(seed: int) -> trials.Split:
    """y = x + 3: train on [0, 1], test on [1, 2] (a target whose mean is far from 0)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x, x_test = rng.uniform(0, 1, (288, 1)), rng.uniform(1, 2, (128, 1))
    f = lambda a: np.asarray(a, "float32")  # noqa: E731
    return trials.Split(
        f(x[:256]), f(x[:256] + 3), f(x[256:]), f(x[256:] + 3), f(x_test), f(x_test + 3)
    )


def test_the_constant_reference_predicts_the_mean_of_the_training_targets():
    import functools
    import math

    import numpy as np

    task = trials.log_mse_task(
        "line",
        _line,
        functools.partial(trials.build_regressor, units=(8,)),
        epochs=4,
        last=1,
        passes=10,
        batch_size=32,
        learning_rates=(0.05,),
    )
    trial = trials.run_trial(
        ["linear"], [trials.constant_reference()], [task], seeds=2, jobs=1, cost=False,
        progress="log", force=True,
    )  # fmt: skip
    for seed in (0, 1):
        split = _line(seed)
        best_constant = float(np.mean((split.y_test - split.y_train.mean()) ** 2))
        run = trial.runs.query("arm == 'constant' and seed == @seed").iloc[0]
        assert run.test_score == pytest.approx(math.log10(best_constant), abs=0.02)
    row = trial.comparisons.iloc[0]
    assert row.baseline == "constant" and row.mean_diff < -1  # a line fits a line


def test_an_empty_list_of_questions_makes_every_comparison_exploratory():
    from actlab.trials.compare import as_questions

    assert as_questions([], None) == ([], True)
    with pytest.raises(ValueError, match="question"):
        as_questions(["difference"], None)
