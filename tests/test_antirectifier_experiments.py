"""Notebook 04's trial (`actlab.collection.experiments.antirectifier`): the example's recipe as a
task, its arms, and the tables, curves, design and findings made from a trial.

A hand-made trial (runs and comparisons tables) keeps the table and text tests fast; one tiny
run of the task checks the recipe end to end, on either backend.
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab import stats, trials, wording
from actlab.collection.experiments import antirectifier as exp
from actlab.trials.arms import activation_factory


def test_the_task_builds_the_examples_networks_with_the_stated_parameter_counts():
    task = exp.example_task(n_train=100, n_val=50, n_test=50, epochs=3, last=2)
    assert (task.name, task.optimizer, task.batch_size, task.epochs, task.last) == (
        "example", "rmsprop", 128, 3, 2
    )  # fmt: skip
    init = trials.Init(0)
    for name, arm in exp.ARMS.items():
        model = task.build(activation_factory(arm.activation), init, **dict(arm.model))
        assert model.count_params() == exp.EXPECTED_PARAMS[exp.ARM_KIND[name]], name
        dropouts = [layer.rate for layer in model.layers if "dropout" in layer.name]
        assert dropouts == [0.1, 0.1]
    # the shared layers start from the same weights in every arm of a seed
    a = task.build(activation_factory("relu"), init)
    b = task.build(activation_factory("actlab.layers:CReLU()"), init)
    np.testing.assert_array_equal(
        a.get_layer("dense_1").get_weights()[0], b.get_layer("dense_1").get_weights()[0]
    )
    assert task.config["dropout"] == 0.1 and task.config["n_val"] == 50


def test_the_recipe_trains_on_this_backend():
    """One epoch of the task's own split, model, optimizer and batch size (the engine itself
    is tested in test_trials.py)."""
    import keras

    task = exp.example_task(n_train=120, n_val=60, n_test=60, epochs=1, last=1)
    split = task.data(0)
    assert split.x_train.shape == (120, 784) and split.x_val.shape[0] == 60
    model = task.build(activation_factory(exp.ARMS["Antirectifier-256"].activation), trials.Init(0))
    model.compile(
        optimizer=keras.optimizers.get(
            {"class_name": task.optimizer, "config": {"learning_rate": 1e-3}}
        ),
        loss=task.loss,
        metrics=list(task.metrics),
    )
    history = model.fit(split.x_train, split.y_train, batch_size=task.batch_size, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= model.evaluate(split.x_test, split.y_test, verbose=0)[1] <= 1.0


def _trial() -> trials.Trial:
    """A hand-made trial: per arm two evaluation seeds with known scores and curves."""
    scores = {
        "Antirectifier-256": [90.0, 92.0],
        "ReLU-512": [91.0, 94.0],
        "CReLU-256": [89.0, 89.0],
    }
    runs = []
    for arm, values in scores.items():
        for seed, score in enumerate(values):
            runs.append(
                {
                    "task": "example", "arm": arm, "role": "baseline", "stage": "eval",
                    "learning_rate": 1e-3, "seed": seed, "test_score": score,
                    "test_accuracy": (score / 100 - 0.1, score / 100),
                    "params": exp.EXPECTED_PARAMS[exp.ARM_KIND[arm]],
                    "seconds": 2.0 + seed, "nonfinite_epoch": None,
                }
            )  # fmt: skip
    runs.append({**runs[0], "stage": "tune", "learning_rate": 3e-3, "seed": 10000})
    return trials.Trial(runs, [], [], {}, [], {}, {}, 0.0)


def test_summary_table_and_curves_of_a_trial():
    table = exp.summary_table(_trial())
    assert list(table.index) == ["Antirectifier-256", "ReLU-512", "CReLU-256"]
    row = table.loc["Antirectifier-256"]
    assert row.score_values == [90.0, 92.0] and row.score_mean == 91.0  # the tuning run is left out
    assert row.score_std == pytest.approx(np.std([90, 92], ddof=1))
    assert row.params == 337_418 and row.learning_rate == 1e-3 and row.seconds_median == 2.5
    assert bool(row.all_finite) and row.n_seeds == 2
    html = exp.summary_styler(table, last=2).to_html()
    assert "91.00 ± 1.41" in html and "669,706" in html and "mean of the last 2 epochs" in html
    curves = exp.curves(_trial())
    np.testing.assert_allclose(curves["ReLU-512"]["mean"], [82.5, 92.5])
    assert curves["CReLU-256"]["std"][1] == 0.0 and curves["CReLU-256"]["n_seeds"] == 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = {arm: int(table.loc[arm, "params"]) for arm in table.index}
    for fig in (exp.plot_curves(curves, 2, counts), exp.plot_accuracy_vs_params(table)):
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
        plt.close(fig)


def _record(qid, kind, verdict, mean, low, high, decided, margin=None, baseline="ReLU-512"):
    return {
        "id": qid, "question": f"Question {qid}?", "kind": kind, "margin": margin,
        "candidate": "Antirectifier-256", "baseline": baseline, "n": 6, "mean_diff": mean,
        "ci_low": low, "ci_high": high, "verdict": verdict, "decided": decided,
        "text": f"{qid} sentence", "open": None if decided else "about 40 paired seeds",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "low", "claim"),
    [("non-inferior", -0.3, "supported"), ("inferior", -0.9, "not supported"),
     ("inconclusive", -0.7, "open")],
)  # fmt: skip
def test_findings_say_what_the_claim_comes_to(verdict, low, claim):
    table = exp.summary_table(_trial())
    records = [
        _record("half-parameters", "non-inferiority", verdict, low + 0.1, low, low + 0.2,
                verdict != "inconclusive", margin=0.5),
        _record("centring", "difference", "no clear difference", 0.1, -0.4, 0.6, False,
                baseline="CReLU-256"),
    ]  # fmt: skip
    exploratory = [_record("x", "difference", "ReLU-256 higher", -1, -2, -0.5, True)]
    f = wording.antirectifier_findings(records, exploratory, table, "half-parameters", "the data")
    assert f["claim"] == claim == wording.claim(records[0])
    assert (
        f"is **{claim}** on this run" in f["lines"][-1] and "0.50× the parameters" in f["lines"][-1]
    )
    assert f["lines"][0].startswith("- **Question half-parameters?** half-parameters sentence")
    assert "stays open: about 40 paired seeds" in f["lines"][1]
    assert f["lines"][2] == "- Exploratory (Holm among themselves): x sentence."
    assert f["finding"].startswith("Antirectifier-256 − ReLU-512 ")
    assert (
        "(non-inferiority at 0.5)" in f["finding"]
        and f"claim {claim} (6 paired seeds)" in f["finding"]
    )
    one_seed = [{**records[0], "mean_diff": "nan", "ci_low": "nan", "ci_high": "nan"}]
    assert (
        "n/a [n/a, n/a]"
        in wording.antirectifier_findings(one_seed, [], table, "half-parameters", "d")["finding"]
    )


def test_design_lines_size_the_seeds_and_say_what_the_pilots_mean_would_take():
    declared = [
        {"id": "half-parameters", "kind": "non-inferiority", "margin": 0.5,
         "candidate": "Antirectifier-256", "baseline": "ReLU-512", "task": "example",
         "pilot_sd": 0.45, "pilot_mean": -0.6},
        {"id": "centring", "kind": "difference", "candidate": "Antirectifier-256",
         "baseline": "CReLU-256", "task": "example", "pilot_sd": 0.55},
    ]  # fmt: skip
    ni, diff = wording.pilot_design_lines(declared, 0.5, list(range(6)))
    k_ni = int(stats.seeds_needed(0.45, question="non-inferiority", margin=0.5))
    assert f"{k_ni} paired seeds give 80 % power" in ni
    assert "the pilot's −0.60 points, no number of seeds would show non-inferiority" in ni
    k_bad = int(stats.seeds_needed(0.45, 0.1))
    assert f"about {k_bad} would show it inferior" in ni
    k = int(stats.seeds_needed(0.55, 0.5))
    assert f"{k} paired seeds give" in diff and "pilot" not in diff
    qs = exp.questions(declared, 0.5)
    assert [q.id for q in qs] == ["half-parameters", "centring"]
    assert qs[1].smallest_effect == 0.5 and qs[0].margin == 0.5


def test_bad_parameters_name_themselves():
    good = [{"id": "a", "kind": "difference", "candidate": "Antirectifier-256",
             "baseline": "ReLU-512", "pilot_sd": 0.5}]  # fmt: skip
    exp.VALIDATORS["declared"]("declared", good)
    with pytest.raises(ValueError, match="declared="):
        exp.VALIDATORS["declared"]("declared", [{**good[0], "baseline": "ReLU-1024"}])
    with pytest.raises(ValueError, match="declared="):
        exp.VALIDATORS["declared"]("declared", [{**good[0], "pilot_mean": "x"}])
    with pytest.raises(ValueError, match="baselines="):
        exp.VALIDATORS["baselines"]("baselines", ["ReLU-512", "ReLU-512"])
    with pytest.raises(ValueError, match="candidate="):
        exp.VALIDATORS["candidate"]("candidate", "GELU")
