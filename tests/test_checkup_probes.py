"""actlab.checkup's probes off the grid (seeded random points, kinks and jumps located between
points) and failures that name their cause (the sub-expression that goes non-finite, the
smallest |x| where a gradient goes wrong)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from keras import ops

from actlab.checkup import check_activation

FAST = {"train": False, "timing": False, "dtypes": ("float32",), "fresh_process": False}


def _gradient_zeroed_on(lo: float, hi: float, fn, derivative):
    """`fn` whose custom gradient is 0 on (lo, hi) and `derivative` elsewhere."""

    @ops.custom_gradient
    def wrong(x):
        y = fn(x)

        def grad(*args, upstream=None):
            dy = args[0] if args else upstream
            hole = ops.logical_and(x > lo, x < hi)
            return dy * ops.where(hole, 0.0, derivative(x, y))

        return y, grad

    wrong.__name__ = f"{fn.__name__}_zeroed_on_{lo}_{hi}"
    return wrong


def _tanh_slope(x, y):
    return 1.0 - y * y


def _relu_slope(x, y):
    return ops.cast(x > 0, x.dtype)


@pytest.mark.parametrize(
    "lo, hi, fn, slope",
    [
        (0.501, 0.519, ops.tanh, _tanh_slope),  # between the old grid's 0.50 and 0.52
        (0.003, 0.017, ops.relu, _relu_slope),  # between 0 and 0.02
        pytest.param(  # width 0.01 anywhere in [-6, 6], where tanh's slope is 7e-4
            -4.3317,
            -4.3217,
            ops.tanh,
            _tanh_slope,
            marks=pytest.mark.tensorflow_only(
                reason="needs float64 differences: Keras's JAX backend computes tanh of float64 "
                "inputs in float32, whose tolerance (3e-3) hides a missing slope of 7e-4"
            ),
        ),
        (2.7213, 2.7313, ops.tanh, _tanh_slope),  # off the old 0.02 grid too
    ],
)
def test_a_gradient_wrong_on_an_interval_of_width_0_01_fails(lo, hi, fn, slope):
    report = check_activation(_gradient_zeroed_on(lo, hi, fn, slope), **FAST)
    result = report["gradient_correct"]
    assert result.status == "fail", result.detail
    assert lo < result.evidence["first_x"] < hi
    assert report["kinks"].status == "pass"  # f itself has no kink there


def shifted_relu(x):
    return ops.relu(x - 0.013)


def test_a_kink_between_grid_points_is_located():
    result = check_activation(shifted_relu, **FAST)["kinks"]
    (kink,) = result.evidence["kinks"]
    assert kink["kind"] == "kink" and kink["x"] == pytest.approx(0.013, abs=1e-3)
    assert (kink["left"], kink["right"]) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert "kink at x = 0.013" in result.detail


def staircase(x):
    """24 steps of height 0.5 on [-6, 6], none of them on a grid point."""
    return ops.floor(2.0 * x + 0.37) / 2.0


def test_a_staircase_reports_its_jumps():
    report = check_activation(staircase, **FAST)
    result = report["kinks"]
    jumps = [k for k in result.evidence["kinks"] if k["kind"] == "jump" and abs(k["x"]) <= 6]
    assert len(jumps) == 24
    expected = (np.arange(-11, 13) - 0.37) / 2.0
    np.testing.assert_allclose([k["x"] for k in jumps], expected, atol=1e-6)
    assert all(k["size"] == pytest.approx(0.5, abs=1e-6) for k in jumps)
    assert "24 jumps" in result.detail and "jump at x = -5.685: f jumps by 0.5" in result.detail
    assert "more)." in result.detail  # the first few, then how many more
    assert report["gradient_alive"].status == "fail"


def test_the_same_seed_gives_the_same_report_and_the_report_names_it():
    wrong = _gradient_zeroed_on(0.501, 0.519, ops.tanh, _tanh_slope)
    first = check_activation(wrong, seed=3, **FAST).to_dict()
    again = check_activation(wrong, seed=3, **FAST).to_dict()
    other = check_activation(wrong, seed=4, **FAST).to_dict()
    for record in (first, again, other):
        record.pop("seconds")
    assert json.dumps(first) == json.dumps(again)
    assert first["seed"] == 3 and other["seed"] == 4
    checks = {c["name"]: c for c in first["checks"]}
    for name in ("gradient_correct", "kinks", "gradient_alive"):
        assert checks[name]["evidence"]["probe_seed"] == 3
    assert "seed 3" in checks["gradient_correct"]["detail"]
    other_checks = {c["name"]: c for c in other["checks"]}
    assert (
        other_checks["gradient_correct"]["evidence"]["mismatch_x"]
        != checks["gradient_correct"]["evidence"]["mismatch_x"]
    )


# --------------------------------------------------------------------------- causes


def naive_mish(x):
    """x·tanh(log(1 + exp(x))): exp overflows above 88.72, tanh maps the inf back to 1."""
    return x * ops.tanh(ops.log(1.0 + ops.exp(x)))


def overflowing_softplus(x):
    return ops.log(1.0 + ops.exp(x))


def softabs(x):
    """sqrt(x·x + 1): x·x overflows from |x| = 1.8e19 in float32 (256 in float16), the result
    fits."""
    return ops.sqrt(x * x + 1.0)


def exponential(x):
    """exp(x) itself does not fit in float32 above 88.72: inf is its right float32 value."""
    return ops.exp(x)


def where_trap_elu(x):
    return ops.where(x > 0, x, ops.exp(x) - 1.0)


def test_naive_mish_is_told_about_the_exp_inside_the_log_not_the_where_trap():
    result = check_activation(naive_mish, **FAST)["gradient_finite"]
    assert result.status == "fail"
    assert "`where`" not in result.detail and "where trap" not in result.detail, result.detail
    assert "exp(x) overflows (inf) inside log(1 + exp(x))" in result.detail
    assert "`tanh` maps it back to a finite value" in result.detail
    assert "softplus" in result.detail
    assert result.evidence["cause"]["path"][0] == "exp"
    assert result.evidence["cause"]["absorbed_by"] == "tanh"


@pytest.mark.parametrize(
    "fn, check, words",
    [
        (overflowing_softplus, "forward_finite", ["exp(x) overflows (inf) inside log(1 + exp(x))"]),
        (softabs, "forward_finite", ["x · x overflows (inf)", "above |x| = 1.8e19"]),
        (softabs, "float16", ["x · x overflows (inf)"]),
        (where_trap_elu, "gradient_finite", ["branch of `where` that is not selected"]),
    ],
    ids=["exp-inside-log", "x-times-x", "x-times-x-float16", "where"],
)
def test_the_failure_names_the_sub_expression_that_goes_non_finite(fn, check, words):
    result = check_activation(fn, **{**FAST, "dtypes": ("float32", "float16")})[check]
    assert result.status in ("fail", "warn")
    for word in words:
        assert word in result.detail, result.detail


@ops.custom_gradient
def drifting_identity(x):
    """The identity with a gradient off by 0.01·x²: wrong from |x| ~ 0.3 on, worst at 1e4."""

    def grad(*args, upstream=None):
        dy = args[0] if args else upstream
        return dy * (1.0 + 0.01 * x * x)

    return x, grad


def test_a_wrong_gradient_is_reported_where_it_first_goes_wrong():
    result = check_activation(drifting_identity, **FAST)["gradient_correct"]
    assert result.status == "fail"
    assert abs(result.evidence["first_x"]) < 0.5
    assert abs(result.evidence["worst_x"]) > 100  # the worst is kept as evidence
    assert f"x = {result.evidence['first_x']:.6g}" in result.detail
    assert "the smallest |x| where they disagree" in result.detail


def test_an_output_whose_true_value_overflows_float32_is_not_a_defect():
    result = check_activation(exponential, **FAST)["forward_finite"]
    assert result.status == "pass", result.detail
    assert "its true value exceeds float32" in result.detail
    assert min(result.evidence["beyond_float32_inputs"]) > 88
