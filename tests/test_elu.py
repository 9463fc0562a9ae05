"""Hand-written ELUs: values, gradients (finite differences, the overflow points), graph/XLA,
serialization, argument checks, and the user's network staying finite with the safe version."""

from __future__ import annotations

import gradcheck
import keras
import numpy as np
import pytest
import tensorflow as tf
from xlacheck import assert_xla

from actlab import wording
from actlab.activations import (
    EXP_OVERFLOW_FLOAT32,
    elu_custom_gradient,
    elu_double_where,
    naive_elu,
    safe_elu,
)
from actlab.collection.experiments import nan_elu

pytestmark = pytest.mark.tensorflow_only(
    reason=(
        "its gradient checks use tf.GradientTape and tf.function/XLA; on JAX the ELUs "
        "are checked by test_backends.py"
    )
)

ALL = [naive_elu, safe_elu, elu_double_where, elu_custom_gradient]
SAFE = [safe_elu, elu_double_where, elu_custom_gradient]
ISSUE_POINTS = np.array([0.0, 88.72, 88.73, 100.0, 1e10, -1e10])
# A wide grid: zero, tiny, around the float32 overflow, up to float32's largest values.
WIDE = np.concatenate(
    [
        -np.logspace(-8, 38, 200),
        [0.0, 88.72, 88.7228, 88.73, 709.7, 710.0],
        np.logspace(-8, 38, 200),
    ]
)


def reference_elu(x, alpha=1.0):
    x = np.asarray(x, dtype="float64")
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def reference_grad(x, alpha=1.0):
    x = np.asarray(x, dtype="float64")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def grad_in(fn, x, dtype):
    """d sum(fn(x)) / dx computed in `dtype`, as float64."""
    return gradcheck.autodiff_grads(fn, [x], dtype=dtype)[1][0].astype("float64")


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_values_match_float64_reference(fn, alpha):
    x = WIDE
    np.testing.assert_allclose(
        np.asarray(fn(tf.constant(x), alpha=alpha)), reference_elu(x, alpha), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_values_equal_keras_elu_in_float32(fn):
    x = tf.constant(WIDE.astype("float32"))
    np.testing.assert_allclose(
        np.asarray(fn(x)), np.asarray(keras.activations.elu(x)), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_gradient_matches_finite_differences_float64(fn):
    # Moderate points for every version (naive is fine below float64's overflow at 709.78).
    x = np.array([-30.0, -5.0, -1.0, -0.3, 0.0, 0.3, 1.0, 5.0, 88.72, 88.73, 100.0, 500.0])
    np.testing.assert_allclose(
        gradcheck.autodiff_grad(fn, x),
        gradcheck.elementwise_finite_diff(fn, x),
        rtol=1e-6,
        atol=1e-8,
    )


@pytest.mark.parametrize("fn", SAFE, ids=lambda f: f.__name__)
def test_safe_gradient_matches_finite_differences_at_huge_values(fn):
    # A relative step keeps x +- eps representable at 1e10.
    for x0 in [88.72, 88.73, 100.0, 1e4, 1e10, -1e10, -800.0]:
        x = np.array([x0])
        eps = max(1e-6, 1e-6 * abs(x0))
        np.testing.assert_allclose(
            gradcheck.autodiff_grad(fn, x),
            gradcheck.elementwise_finite_diff(fn, x, eps=eps),
            rtol=1e-6,
            atol=1e-12,
            err_msg=f"x={x0}",
        )


@pytest.mark.parametrize("fn", SAFE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_safe_gradient_equals_builtin_at_issue_points(fn, dtype):
    np.testing.assert_allclose(
        grad_in(fn, ISSUE_POINTS, dtype),
        grad_in(keras.activations.elu, ISSUE_POINTS, dtype),
        rtol=1e-6,
    )
    np.testing.assert_array_equal(grad_in(fn, ISSUE_POINTS, dtype), [1, 1, 1, 1, 1, 0])


@pytest.mark.parametrize("fn", SAFE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_safe_versions_never_nan_on_a_wide_grid(fn, dtype, alpha):
    x = WIDE.astype(dtype)
    x = x[np.isfinite(x)]
    g = grad_in(lambda t: fn(t, alpha=alpha), x, dtype)
    assert np.all(np.isfinite(g))
    # The custom gradient (like TensorFlow's EluGrad) computes alpha*exp(x) as y + alpha, exact
    # to one ulp of alpha: hence the absolute tolerance of one machine epsilon.
    np.testing.assert_allclose(g, reference_grad(x, alpha), rtol=1e-5, atol=np.finfo(dtype).eps)


def test_naive_elu_gradient_is_nan_above_the_float32_overflow():
    """The reproduction must stay real: NaN at 100 (and 88.73), finite at 88.72."""
    g = grad_in(naive_elu, np.array([88.72, 88.73, 100.0]), "float32")
    assert g[0] == 1.0
    assert np.isnan(g[1]) and np.isnan(g[2])
    assert 88.72 < EXP_OVERFLOW_FLOAT32 < 88.73

    @tf.function
    def graph_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = naive_elu(x)
        return tape.gradient(y, x)

    assert np.isnan(graph_grad(tf.constant([100.0])).numpy()[0])
    # In float64 the overflow moves to ln(DBL_MAX) = 709.78.
    g64 = grad_in(naive_elu, np.array([100.0, 709.0, 710.0]), "float64")
    assert np.array_equal(g64[:2], [1.0, 1.0]) and np.isnan(g64[2])


def test_gradient_table_values():
    table = nan_elu.gradient_table()
    assert list(table.index) == list(nan_elu.GRADIENT_POINTS)
    expected_safe = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    for variant in ["builtin", "clamped", "double_where", "custom_gradient"]:
        np.testing.assert_array_equal(table[variant].to_numpy(), expected_safe, err_msg=variant)
    naive = table["naive"].to_numpy()
    np.testing.assert_array_equal(naive[[0, 1, 5]], [1.0, 1.0, 0.0])
    assert np.all(np.isnan(naive[[2, 3, 4]]))


@pytest.mark.parametrize("jit", [False, True])
def test_custom_gradient_in_graph_mode_and_xla(jit):
    @tf.function(jit_compile=jit)
    def value_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = elu_custom_gradient(x)
        return y, tape.gradient(y, x)

    x = np.array([-1e10, -3.0, 0.0, 2.0, 88.73, 100.0, 1e10], dtype="float32")
    if jit:
        assert_xla(value_and_grad, tf.constant(x))
    y, g = value_and_grad(tf.constant(x))
    np.testing.assert_allclose(y.numpy(), reference_elu(x), rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), reference_grad(x), rtol=1e-6)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_save_load_roundtrip(fn, tmp_path):
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4, activation=fn)(inputs)
    outputs = keras.layers.Activation(fn)(h)
    model = keras.Model(inputs, outputs)
    x = np.array([[-2.0, 0.0, 3.0], [50.0, -50.0, 1.0]], dtype="float32")
    loaded = gradcheck.assert_save_load_roundtrip(model, x, tmp_path)
    assert loaded.layers[1].activation is fn
    assert loaded.layers[2].activation is fn


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("alpha", [-1.0, float("nan"), float("inf"), "1", True, None])
def test_bad_alpha_raises(fn, alpha):
    with pytest.raises(ValueError, match="alpha"):
        fn(tf.constant([1.0]), alpha=alpha)


def test_build_user_network_bad_arguments():
    with pytest.raises(ValueError, match="variant"):
        nan_elu.build_user_network("relu")
    with pytest.raises(ValueError, match="depth"):
        nan_elu.build_user_network("clamped", depth=0)


@pytest.fixture(scope="module")
def raw_batches():
    from actlab import data as mnist

    ds = mnist.load_mnist(source="embedded", scale="raw", seed=0, n_train=320, n_test=10)
    x, _ = ds.flat()
    y, _ = ds.one_hot()
    return x, y


def _weights_finite(model):
    return all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_user_network_on_raw_pixels_stays_finite_with_safe_elu(raw_batches):
    x, y = raw_batches
    keras.utils.set_random_seed(0)
    model = nan_elu.build_user_network("clamped")
    history = model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0).history  # 5 steps
    assert np.isfinite(history["loss"][0])
    assert _weights_finite(model)


def test_user_network_on_raw_pixels_goes_nan_with_naive_elu(raw_batches):
    x, y = raw_batches
    keras.utils.set_random_seed(0)
    model = nan_elu.build_user_network("naive")
    model.fit(x[:64], y[:64], batch_size=64, epochs=1, verbose=0)  # a single step
    assert not _weights_finite(model)


def test_the_trial_task_arms_and_texts():
    import pandas as pd

    candidates, baselines = nan_elu.arms()
    assert [a.name for a in baselines] == [nan_elu.BASELINE]
    assert [a.name for a in candidates] == [*nan_elu.FIXES, nan_elu.NAIVE]
    raw, unit = nan_elu.tasks(n_train=200, n_val=100, n_test=50, epochs=2, last=2)
    assert (raw.name, unit.name) == ("raw", "unit") and raw.optimizer == "sgd"
    assert raw.learning_rates == (0.01,) and raw.loss == "categorical_crossentropy"
    a, b = raw.data(0), unit.data(0)
    assert a.x_train.shape == (200, 784) and a.y_train.shape == (200, 10)
    assert len(a.y_val) == 100 and len(a.y_test) == 50
    assert a.x_train.max() > 1 and b.x_train.max() <= 1  # raw 0..255, and / 255
    np.testing.assert_allclose(a.x_train / 255.0, b.x_train, rtol=1e-6)
    assert not np.array_equal(raw.data(1).x_train, a.x_train)  # a new split per seed
    with pytest.raises(ValueError, match="scale"):
        nan_elu.user_task(scale="half")

    table = pd.DataFrame(
        [{"task": "raw", "arm": "built-in ELU", "score_mean": 85.25, "score_std": 1.5,
          "n_seeds": 3}, {"task": "unit", "arm": "built-in ELU", "score_mean": 90.0,
          "score_std": float("nan"), "n_seeds": 1}]
    ).set_index(["task", "arm"])  # fmt: skip
    assert wording.arm_accuracy_text(table, "raw", "built-in ELU") == "85.2 ± 1.5 %"
    assert wording.arm_accuracy_text(table, "unit", "built-in ELU") == "90.0 % (1 seed)"
    assert wording.arm_accuracy_text(table, "raw", nan_elu.NAIVE) == "not trained"


def test_declared_questions_and_scales_are_validated():
    good = [{"id": "c", "task": "raw", "candidate": "clamped exponent",
             "baseline": "built-in ELU", "kind": "equivalence", "margin": 1.0,
             "pilot_sd": 1.25}]  # fmt: skip
    nan_elu.VALIDATORS["declared"]("declared", good)
    with pytest.raises(ValueError, match="declared"):
        nan_elu.VALIDATORS["declared"]("declared", [{**good[0], "candidate": "GELU"}])
    nan_elu.VALIDATORS["scales"]("scales", ["raw"])
    with pytest.raises(ValueError, match="scales"):
        nan_elu.VALIDATORS["scales"]("scales", ["raw", "half"])
