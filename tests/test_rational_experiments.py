"""Notebook 08's experiments module: the approximation table, the trial's tasks and arms, what a
run records of its Rational layers, and the tables, drift, cost and findings made from a trial.

A hand-made trial (runs and comparisons tables) keeps the table and text tests fast."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import trials, wording
from actlab.activations import DELPHI_COEFFICIENTS
from actlab.collection.experiments import rational as exp
from actlab.layers import Rational
from actlab.trials.arms import activation_factory


def test_approximation_table_numbers_against_numpy():
    candidates = exp.approximants()
    assert list(candidates) == [
        "Delphi quadratic",
        "LS polynomial, degree 4",
        "LS polynomial, degree 6",
        "rational (5, 4)",
    ]
    rows = {r["approximant"]: r for r in exp.approximation_table(candidates)}
    # Delphi's quadratic at |x| = 6: 0.1992 ± 0.5002·6 + 0.1997·36 minus ReLU
    c0, c1, c2 = DELPHI_COEFFICIENTS
    np.testing.assert_allclose(
        rows["Delphi quadratic"]["error_at_plus_6"], c0 + 6 * c1 + 36 * c2 - 6
    )
    np.testing.assert_allclose(rows["Delphi quadratic"]["error_at_minus_6"], c0 - 6 * c1 + 36 * c2)
    # the weighted least-squares polynomial beats Delphi's on the weighted range; degree 6 beats 4
    rms = {k: r["rms_error_in_range_normal_weighted"] for k, r in rows.items()}
    assert rms["LS polynomial, degree 6"] < rms["LS polynomial, degree 4"] < rms["Delphi quadratic"]
    assert rows["rational (5, 4)"]["parameters"] == 10
    text = wording.approximation_text(list(rows.values()))
    assert "rational (5, 4)" in text and "N(0, 1)" in text


def test_shape_drift_is_zero_for_unchanged_coefficients_and_positive_otherwise():
    layer = Rational()
    fit = layer.initial_fit
    base = {"initial_numerator": list(fit.numerator), "initial_denominator": list(fit.denominator)}
    same = {
        **base,
        "numerator": list(fit.numerator),
        "denominator": list(fit.denominator),
        "fraction_inputs_outside_fit_range": 0.1,
    }
    moved = {**same, "numerator": [v + 0.1 for v in fit.numerator]}
    recs = [{"arch": "mlp", "seed": 0, "rational": {"act_1": same, "act_2": moved}}]
    rows = exp.shape_drift(recs)
    assert rows[0]["rms_change"] == 0 and rows[0]["relative_coefficient_change"] == 0
    assert rows[1]["rms_change"] > 0.1
    summary = exp.drift_summary(rows)
    assert [r["layer"] for r in summary] == ["act_1", "act_2"]
    assert "act_2" in wording.drift_text(summary, exp.LABELS).split("largest change is in")[1]


def test_tasks_and_arms():
    mlp, cnn = exp.tasks(["mlp", "cnn"], n_train=100, n_val=50, n_test=50, epochs=3, last=2)
    assert (mlp.name, cnn.name) == ("mlp", "cnn") and mlp.record is exp.rational_record
    assert mlp.config["units"] == [64, 64] and mlp.batch_size == 128 and mlp.epochs == 3
    assert cnn.config["filters"] == [8, 16]
    with pytest.raises(ValueError, match="task="):
        exp.tasks(["resnet"])
    assert [a.name for a in exp.arms(["ReLU", "leaky ReLU"])] == ["ReLU", "leaky ReLU"]
    leaky = activation_factory(exp.ARMS["leaky ReLU"].activation)()
    assert leaky.negative_slope == pytest.approx(0.01)  # Rational's initial shape, exactly
    frozen = activation_factory(exp.ARMS["Rational (frozen)"].activation)()
    assert isinstance(frozen, Rational) and not frozen.trainable


@pytest.mark.parametrize("arch", exp.ARCHS)
def test_a_run_records_its_rational_layers(arch):
    import keras

    (task,) = exp.tasks([arch], n_train=100, n_val=50, n_test=50, epochs=1, last=1)
    split = task.data(0)
    model = task.build(activation_factory(exp.ARMS["Rational"].activation), trials.Init(0))
    layers = [layer for layer in model.layers if isinstance(layer, Rational)]
    assert len(layers) == 2
    for layer in layers:  # move the coefficients: the record must show the learned ones
        layer.numerator.assign(keras.ops.convert_to_numpy(layer.numerator) * 2.0)
    import dataclasses

    split = dataclasses.replace(split, x_test=split.x_test * 30.0)  # some inputs beyond ±3
    record = exp.rational_record(model, split)
    assert record["fit_range"] == [-3.0, 3.0] and list(record["layers"]) == ["act_1", "act_2"]
    first = record["layers"]["act_1"]
    fit = layers[0].initial_fit
    np.testing.assert_allclose(first["initial_numerator"], fit.numerator)
    np.testing.assert_allclose(first["numerator"], 2.0 * np.asarray(fit.numerator), rtol=1e-6)
    # the share of the first layer's test inputs outside [-3, 3], computed here directly
    pre = keras.Model(model.inputs, layers[0].input).predict(split.x_test, verbose=0)
    share = first["fraction_inputs_outside_fit_range"]
    assert 0.0 < share < 1.0 and share == pytest.approx(np.mean(np.abs(pre) > 3.0))
    relu = task.build(activation_factory("relu"), trials.Init(0))
    assert exp.rational_record(relu, split) == {}


def _trial() -> trials.Trial:
    """A hand-made trial: Rational and ReLU on two seeds, with records and comparisons."""
    layer = Rational()
    fit = layer.initial_fit
    base = {"initial_numerator": list(fit.numerator), "initial_denominator": list(fit.denominator),
            "denominator": list(fit.denominator), "fraction_inputs_outside_fit_range": 0.25}  # fmt: skip
    runs = []
    for arm, scores in (("Rational", [95.0, 96.0]), ("ReLU", [95.5, 96.5])):
        for seed, score in enumerate(scores):
            moved = [v + 0.1 * seed for v in fit.numerator]
            record = (
                {"fit_range": [-3.0, 3.0], "layers": {"act_1": {**base, "numerator": moved}}}
                if arm == "Rational" else {}
            )  # fmt: skip
            runs.append(
                {"task": "mlp", "arm": arm, "stage": "eval", "learning_rate": 2e-3, "seed": seed,
                 "test_score": score, "test_accuracy": (score / 100,), "params": 55_070,
                 "seconds": 3.0, "nonfinite_epoch": None, "record": record}
            )  # fmt: skip
    comparisons = [
        {"task": "mlp", "candidate": "Rational", "baseline": "ReLU", "cost_ratio": 1.8,
         "cost_ratio_q1": 1.7, "cost_ratio_q3": 1.9},
        {"task": "mlp", "candidate": "Rational", "baseline": "leaky ReLU",
         "cost_ratio": float("nan")},
    ]  # fmt: skip
    return trials.Trial(runs, comparisons, [], {}, [], {}, {}, 0.0)


def test_tables_shapes_and_cost_from_a_trial():
    trial = _trial()
    table = exp.summary_table(trial)
    assert list(table.index) == [("mlp", "Rational"), ("mlp", "ReLU")]
    assert table.loc[("mlp", "ReLU"), "score_mean"] == 96.0
    html = exp.summary_styler(table, last=5).to_html()
    assert "95.50 ± 0.71" in html and "MLP" in html and "0.002" in html
    shapes = exp.learned(trial)
    assert [(s["arch"], s["seed"]) for s in shapes] == [("mlp", 0), ("mlp", 1)]
    drift = exp.shape_drift(shapes)
    assert drift[0]["rms_change"] == 0 and drift[1]["rms_change"] > 0
    assert drift[1]["fraction_inputs_outside_fit_range"] == 0.25
    assert exp.learned(trial, "ReLU") == []
    text = wording.cost_text(trial, exp.LABELS)
    assert "MLP: Rational 1.80× ReLU's (quartiles 1.70–1.90)" in text and "leaky" not in text
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = exp.plot_learned_shapes(shapes)
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_title() == "MLP, act_1"
    plt.close(fig)


def test_findings_quote_each_question_and_the_cost():
    record = {"id": "rational-relu", "question": "Does Rational differ from ReLU?",
              "kind": "difference", "margin": None, "task": "mlp", "candidate": "Rational",
              "baseline": "ReLU", "n": 6, "mean_diff": -0.5, "ci_low": -0.9, "ci_high": -0.1,
              "verdict": "ReLU higher", "decided": True, "text": "the sentence", "open": None}  # fmt: skip
    other = {**record, "id": "learned-frozen", "baseline": "leaky ReLU", "decided": False,
             "verdict": "no clear difference", "open": "about 20 paired seeds"}  # fmt: skip
    f = wording.rational_findings([record, other], [{**record, "text": "x"}], _trial())
    assert f["lines"][0] == (
        "- **Does Rational differ from ReLU?** the sentence; a Rational training step costs "
        "1.80× ReLU's."
    )
    assert f["lines"][1].endswith("stays open: about 20 paired seeds.")  # no cost measured
    assert f["lines"][2] == "- Exploratory (Holm among themselves): x."
    assert f["finding"] == (
        "Rational − ReLU (mlp) −0.50 [−0.90, −0.10]: ReLU higher; Rational − leaky ReLU (mlp) "
        "−0.50 [−0.90, −0.10]: no clear difference (open); Rational's step 1.80x ReLU's"
    )


def test_bad_parameters_name_themselves():
    good = [{"id": "a", "kind": "difference", "candidate": "Rational", "baseline": "ReLU",
             "pilot_sd": 0.5}]  # fmt: skip
    exp.VALIDATORS["declared"]("declared", good)
    with pytest.raises(ValueError, match="declared="):
        exp.VALIDATORS["declared"]("declared", [{**good[0], "baseline": "PReLU"}])
    with pytest.raises(ValueError, match="baselines="):
        exp.VALIDATORS["baselines"]("baselines", ["ReLU", "GELU"])
    with pytest.raises(ValueError, match="task_names="):
        exp.VALIDATORS["task_names"]("task_names", ["resnet"])
