"""Notebook 08's experiments module: the approximation table, pairing, drift and the builders."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import DELPHI_COEFFICIENTS
from actlab.collection.experiments import rational as exp
from actlab.layers import Rational


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
    text = exp.approximation_text(list(rows.values()))
    assert "rational (5, 4)" in text and "N(0, 1)" in text


def _records():
    accs = {
        "relu": [0.90, 0.91, 0.92],
        "prelu": [0.905, 0.915, 0.925],
        "rational": [0.95, 0.96, 0.97],
    }
    return [
        {
            "arch": "mlp",
            "variant": k,
            "seed": s,
            "test_accuracy": v[i],
            "seconds": 1.0,
            "params": 10,
            "finite": True,
        }
        for k, v in accs.items()
        for i, s in enumerate((0, 1, 2))
    ]


def test_comparisons_pair_by_seed_and_skip_missing_variants():
    verdicts = exp.comparisons(_records())
    pairs = [(v["a"], v["b"]) for v in verdicts]
    assert pairs == [("rational", "relu"), ("rational", "prelu"), ("prelu", "relu")]
    first = verdicts[0]
    np.testing.assert_allclose(first["mean_diff"], 5.0)  # points, exact pairs
    assert first["verdict"] == "a higher" and first["headline"]
    assert first["text"].endswith(": Rational (5, 4) higher") and "a higher" not in first["short"]
    summary = exp.summary_table(_records())
    assert summary[0]["test_acc_text"] == "91.00 ± 1.00 %"
    assert "Rational (5, 4) − ReLU" in exp.comparison_text(summary, verdicts)
    html = exp.summary_styler(summary).to_html()
    assert "91.00 ± 1.00 %" in html and "Rational (5, 4)" in html


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
    assert "act_2" in exp.drift_text(summary).split("largest change is in")[1]


@pytest.mark.parametrize("arch", exp.ARCHS)
def test_builders_place_the_activation_and_share_initial_weights(arch):
    import keras

    from actlab.collection import session

    weights = {}
    for kind in exp.KINDS:
        session.seed_everything(3)
        model = exp.build_model(arch, kind)
        acts = [layer for layer in model.layers if layer.name.startswith("act_")]
        assert len(acts) == 2
        weights[kind] = [
            w
            for layer in model.layers
            if not layer.name.startswith("act_")
            for w in layer.get_weights()
        ]
        if kind == "rational":
            assert all(isinstance(a, Rational) and a.shared_axes == "all" for a in acts)
        if kind == "prelu":
            assert isinstance(acts[0], keras.layers.PReLU)
    for kind in exp.KINDS[1:]:  # same seed: the Dense/Conv weights are identical across kinds
        for w, w_ref in zip(weights[kind], weights["relu"], strict=True):
            np.testing.assert_array_equal(w, w_ref)


def test_bad_parameters_name_themselves():
    with pytest.raises(ValueError, match="kind="):
        exp.make_activation("gelu", False, "a")
    with pytest.raises(ValueError, match="arch="):
        exp.build_model("resnet", "relu")
    with pytest.raises(ValueError, match="kinds="):
        exp.VALIDATORS["kinds"]("kinds", ["prelu"])
    with pytest.raises(ValueError, match="margin_pp="):
        exp.VALIDATORS["margin_pp"]("margin_pp", -1)
