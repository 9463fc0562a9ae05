"""`relu_poly_approx`, `poly_relu_blend` and the `PolyReLUBlend` layer: values against float64
NumPy, gradients against finite differences, save/load keeping d, bad arguments."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from gradcheck import assert_save_load_roundtrip, autodiff_grad, elementwise_finite_diff
from xlacheck import assert_xla

from actlab.activations import DELPHI_COEFFICIENTS, poly_relu_blend, relu_poly_approx
from actlab.layers import PolyReLUBlend

pytestmark = pytest.mark.tensorflow_only(
    reason=(
        "its gradient checks use tf.GradientTape and tf.function; on JAX the blend is "
        "checked by test_backends.py"
    )
)

# zero, the ReLU6 cap, both sides of each kink, BN-typical values, where the polynomial
# escapes (|x| = 6), and huge values
X = np.array(
    [
        -1e100,
        -1e6,
        -37.5,
        -6.0,
        -3.0,
        -1.0,
        -1e-3,
        0.0,
        1e-3,
        0.5,
        1.0,
        3.0,
        5.999,
        6.0,
        6.001,
        10.0,
        1e6,
        1e100,
    ]
)
KINKS = {0.0, 6.0}


def numpy_poly(x, coefficients=DELPHI_COEFFICIENTS):
    x = np.asarray(x, dtype="float64")
    return sum(c * x**k for k, c in enumerate(coefficients))


def numpy_blend(x, d, coefficients=DELPHI_COEFFICIENTS, relu_cap=None):
    x = np.asarray(x, dtype="float64")
    relu = np.maximum(x, 0.0) if relu_cap is None else np.clip(x, 0.0, relu_cap)
    return (1 - d) * numpy_poly(x, coefficients) + d * relu


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("coefficients", [DELPHI_COEFFICIENTS, (0.0, 1.0), (0.1, 0.5, 0.2, -0.01)])
def test_poly_values_match_numpy(coefficients):
    got = relu_poly_approx(tf.constant(X), coefficients).numpy()
    np.testing.assert_allclose(got, numpy_poly(X, coefficients), rtol=1e-12, atol=1e-12)


def test_poly_default_is_delphi_fit_and_escapes_outside_bn_range():
    np.testing.assert_allclose(DELPHI_COEFFICIENTS, (0.1992, 0.5002, 0.1997))
    err = np.abs(relu_poly_approx(tf.constant([-6.0, 6.0], tf.float64)).numpy() - [0.0, 6.0])
    np.testing.assert_allclose(err, [0.1992 - 3.0012 + 7.1892, 0.1992 - 6 + 3.0012 + 7.1892])
    assert err.min() > 4.3  # "error 4.4 at +-6"


@pytest.mark.parametrize("relu_cap", [None, 6.0, 1.5])
@pytest.mark.parametrize("d", [0.0, 0.25, 0.7, 1.0])
def test_blend_values_match_numpy(d, relu_cap):
    got = poly_relu_blend(tf.constant(X), d, relu_cap=relu_cap).numpy()
    np.testing.assert_allclose(got, numpy_blend(X, d, relu_cap=relu_cap), rtol=1e-12, atol=1e-12)


def test_blend_endpoints_are_relu_and_poly():
    x = tf.constant(X)
    np.testing.assert_array_equal(poly_relu_blend(x, 1.0).numpy(), np.maximum(X, 0))
    np.testing.assert_array_equal(poly_relu_blend(x, 1.0, relu_cap=6).numpy(), np.clip(X, 0, 6))
    np.testing.assert_allclose(poly_relu_blend(x, 0.0).numpy(), numpy_poly(X), rtol=1e-15)


def test_blend_reads_d_from_a_variable_inside_a_compiled_function():
    d = tf.Variable(1.0, dtype=tf.float64)
    fn = tf.function(lambda x: poly_relu_blend(x, d), jit_compile=True)
    x = tf.constant(X[2:-2])
    assert_xla(fn, x)
    for value in (1.0, 0.5, 0.0):
        d.assign(value)
        np.testing.assert_allclose(fn(x).numpy(), numpy_blend(X[2:-2], value), rtol=1e-12)


def test_blend_float32_and_usable_in_activation_layer():
    x = X[2:-2].astype("float32")
    layer = keras.layers.Activation(relu_poly_approx)
    np.testing.assert_allclose(np.asarray(layer(x)), numpy_poly(x), rtol=1e-6, atol=1e-6)
    assert poly_relu_blend(x, 0.5).dtype == tf.float32


# --------------------------------------------------------------------------- gradients


def _relative_eps(x):
    return 1e-6 * np.maximum(1.0, np.abs(x))


@pytest.mark.parametrize("relu_cap", [None, 6.0])
@pytest.mark.parametrize("d", [0.0, 0.3, 1.0])
def test_blend_gradient_matches_finite_differences_off_kinks(d, relu_cap):
    x = np.array([v for v in X if v not in KINKS])
    fn = lambda t: poly_relu_blend(t, d, relu_cap=relu_cap)  # noqa: E731
    auto = autodiff_grad(fn, x)
    numeric = elementwise_finite_diff(fn, x, eps=_relative_eps(x))
    analytic = (1 - d) * (0.5002 + 2 * 0.1997 * x) + d * (
        (x > 0) & ((x < relu_cap) if relu_cap else True)
    )
    np.testing.assert_allclose(auto, analytic, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(auto, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("relu_cap", [None, 6.0])
def test_blend_gradient_at_kinks_is_the_left_derivative(relu_cap):
    """At x = 0 (and at the cap) ReLU has no derivative; TensorFlow's choice is the left one."""
    d = 0.4
    x = np.array([0.0, 6.0] if relu_cap else [0.0])
    fn = lambda t: poly_relu_blend(t, d, relu_cap=relu_cap)  # noqa: E731
    eps = 1e-7
    left = (np.asarray(fn(tf.constant(x))) - np.asarray(fn(tf.constant(x - eps)))) / eps
    np.testing.assert_allclose(autodiff_grad(fn, x), left, rtol=1e-5, atol=1e-6)


def test_poly_gradient_matches_finite_differences():
    coefficients = (0.1, -0.3, 0.2, 0.05)
    fn = lambda t: relu_poly_approx(t, coefficients)  # noqa: E731
    x = X[2:-2]
    np.testing.assert_allclose(
        autodiff_grad(fn, x),
        elementwise_finite_diff(fn, x, eps=_relative_eps(x)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_blend_gradient_with_respect_to_d_is_relu_minus_poly():
    x = tf.constant(X[2:-2])
    d = tf.Variable(0.3, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(poly_relu_blend(x, d))
    expected = np.sum(np.maximum(X[2:-2], 0) - numpy_poly(X[2:-2]))
    np.testing.assert_allclose(tape.gradient(y, d).numpy(), expected, rtol=1e-12)


# --------------------------------------------------------------------------- layer


def test_layer_weight_is_a_non_trainable_scalar_named_relu_weight():
    layer = PolyReLUBlend()
    layer.build((None, 3))
    assert layer.trainable_weights == []
    assert [w.name for w in layer.non_trainable_weights] == ["relu_weight"]
    assert tuple(layer.relu_weight.shape) == ()
    assert layer.get_relu_weight() == 1.0


@pytest.mark.parametrize("relu_cap", [None, 6])
def test_layer_values_and_set_relu_weight(relu_cap):
    x = X[2:-2].astype("float32").reshape(2, -1)
    layer = PolyReLUBlend(relu_cap=relu_cap, relu_weight=0.25, dtype="float64")
    np.testing.assert_allclose(
        np.asarray(layer(x)), numpy_blend(x, 0.25, relu_cap=relu_cap), rtol=1e-6
    )
    layer.set_relu_weight(0.9)
    assert layer.get_relu_weight() == pytest.approx(0.9)
    np.testing.assert_allclose(
        np.asarray(layer(x)), numpy_blend(x, 0.9, relu_cap=relu_cap), rtol=1e-6
    )
    assert layer.compute_output_shape((None, 7)) == (None, 7)


def test_set_relu_weight_before_build_becomes_the_initial_value():
    layer = PolyReLUBlend()
    layer.set_relu_weight(0.0)
    x = np.array([[-2.0, 0.0, 2.0]], "float32")
    np.testing.assert_allclose(np.asarray(layer(x)), numpy_poly(x), rtol=1e-6, atol=1e-6)


def test_layer_config_round_trip():
    layer = PolyReLUBlend(coefficients=(0.1, 0.5, 0.2, 0.01), relu_cap=6, relu_weight=0.3, name="b")
    config = layer.get_config()
    assert config["coefficients"] == [0.1, 0.5, 0.2, 0.01]
    assert config["relu_cap"] == 6.0 and config["relu_weight"] == 0.3
    clone = PolyReLUBlend.from_config(config)
    x = np.linspace(-8, 8, 17, dtype="float32")[None]
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)), rtol=1e-6)


@pytest.mark.parametrize("relu_cap", [None, 6])
def test_save_load_keeps_current_d(tmp_path, relu_cap):
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(5, name="dense")(inputs)
    outputs = PolyReLUBlend(relu_cap=relu_cap, name="blend")(hidden)
    model = keras.Model(inputs, outputs)
    model.get_layer("blend").set_relu_weight(0.35)  # after construction: only the weight holds it
    x = np.random.default_rng(0).normal(scale=4, size=(6, 5)).astype("float32")
    loaded = assert_save_load_roundtrip(model, x, tmp_path)
    blend = loaded.get_layer("blend")
    assert isinstance(blend, PolyReLUBlend)
    assert blend.get_relu_weight() == pytest.approx(0.35)
    assert (
        blend.get_config()["relu_weight"] == 1.0
    )  # config has the initial value; d came from weights
    assert blend.relu_cap == (None if relu_cap is None else 6.0)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "coefficients", [(), (0.5,), "012", 3.0, (0.1, float("nan")), (0.1, "a"), (0.1, True), None]
)
def test_bad_coefficients(coefficients):
    with pytest.raises(ValueError, match="coefficients="):
        PolyReLUBlend(coefficients=coefficients)
    with pytest.raises(ValueError, match="coefficients="):
        relu_poly_approx(np.zeros(2), coefficients)


@pytest.mark.parametrize("relu_cap", [0, -6, float("inf"), float("nan"), "6", True])
def test_bad_relu_cap(relu_cap):
    with pytest.raises(ValueError, match="relu_cap="):
        PolyReLUBlend(relu_cap=relu_cap)
    with pytest.raises(ValueError, match="relu_cap="):
        poly_relu_blend(np.zeros(2), 0.5, relu_cap=relu_cap)


@pytest.mark.parametrize("relu_weight", [-0.01, 1.01, float("nan"), "1", True, None])
def test_bad_relu_weight(relu_weight):
    with pytest.raises(ValueError, match="relu_weight="):
        PolyReLUBlend(relu_weight=relu_weight)
    layer = PolyReLUBlend()
    layer.build((None, 2))
    with pytest.raises(ValueError, match="relu_weight="):
        layer.set_relu_weight(relu_weight)
    assert layer.get_relu_weight() == 1.0
