"""Antirectifier and CReLU: values, shapes, gradients (incl. constant rows), save/load, bad
arguments, and the parameter counts behind the example's "half the parameters" claim."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from gradcheck import (
    assert_save_load_roundtrip,
    autodiff_grad,
    autodiff_grads,
    finite_diff_grad,
)
from xlacheck import assert_xla

from actlab.activations import antirectify, centered_l2_normalize, crelu
from actlab.activations.antirectifier import ANTIRECTIFIER_EPSILON, antirectify_autodiff
from actlab.collection.experiments import antirectifier as exp
from actlab.layers import Antirectifier, CReLU

pytestmark = pytest.mark.tensorflow_only(
    reason=(
        "its gradient checks use tf.GradientTape and tf.function/XLA; on JAX the "
        "Antirectifier is checked by test_backends.py"
    )
)

RNG = np.random.default_rng(1234)


# --------------------------------------------------------------------------- NumPy references


def np_centered_l2(x: np.ndarray, axis: int, epsilon: float) -> np.ndarray:
    x = np.asarray(x, dtype="float64")
    c = x - x.mean(axis=axis, keepdims=True)
    return c / np.sqrt((c * c).sum(axis=axis, keepdims=True) + epsilon)


def np_crelu(x: np.ndarray, axis: int) -> np.ndarray:
    return np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=axis)


def np_antirectify(
    x: np.ndarray, axis: int = -1, epsilon: float = ANTIRECTIFIER_EPSILON
) -> np.ndarray:
    return np_crelu(np_centered_l2(x, axis, epsilon), axis)


def np_example_antirectify(x: np.ndarray) -> np.ndarray:
    """The Keras example's 2-D formula, c / ||c|| (no epsilon), for non-constant rows."""
    c = x - x.mean(axis=1, keepdims=True)
    n = c / np.linalg.norm(c, axis=1, keepdims=True)
    return np.concatenate([np.maximum(n, 0), np.maximum(-n, 0)], axis=1)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("axis", [-1, 1])
def test_antirectify_values_2d(axis):
    x = RNG.normal(size=(6, 9)) * 3.0
    x[0] = 0.0  # all-zero row
    x[1] = 7.5  # constant row: zero after centring
    got = np.asarray(antirectify(tf.constant(x), axis=axis))
    np.testing.assert_allclose(got, np_antirectify(x, axis), rtol=1e-12, atol=1e-14)
    assert got.shape == (6, 18)
    np.testing.assert_array_equal(got[:2], 0.0)


def test_antirectify_matches_the_example_formula_on_ordinary_rows():
    x = RNG.uniform(0, 1, size=(5, 256)) * 10  # rows with sum of squares >> epsilon
    got = np.asarray(antirectify(tf.constant(x)))
    np.testing.assert_allclose(got, np_example_antirectify(x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("axis", [-1, 3, 1, 2])
def test_antirectify_values_4d(axis):
    x = RNG.normal(size=(2, 5, 4, 3))
    got = np.asarray(antirectify(tf.constant(x), axis=axis, epsilon=1e-3))
    ref = np_antirectify(x, axis, 1e-3)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    expected = list(x.shape)
    expected[axis] *= 2
    assert got.shape == tuple(expected)


def test_antirectify_float32_and_input_not_modified():
    x = RNG.normal(size=(4, 10)).astype("float32")
    before = x.copy()
    got = antirectify(x)
    assert got.dtype == "float32"
    np.testing.assert_array_equal(x, before)  # the example subtracted in place
    np.testing.assert_allclose(np.asarray(got), np_antirectify(x), rtol=1e-5, atol=1e-6)


def test_crelu_values():
    x = RNG.normal(size=(3, 4, 5))
    for axis in (-1, 1):
        np.testing.assert_array_equal(
            np.asarray(crelu(tf.constant(x), axis=axis)), np_crelu(x, axis)
        )


def test_centered_l2_normalize_unit_norm_and_zero_row():
    x = RNG.normal(size=(4, 50)) * 100
    x[2] = -3.0
    y = np.asarray(centered_l2_normalize(tf.constant(x)))
    norms = np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 3]], 1.0, rtol=1e-9)
    np.testing.assert_array_equal(y[2], 0.0)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)


def test_jit_compiles():
    fn = tf.function(lambda t: antirectify(t, axis=1), jit_compile=True)
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    assert_xla(fn, tf.constant(x))
    np.testing.assert_allclose(
        fn(tf.constant(x)).numpy(), np_antirectify(x, 1), rtol=1e-5, atol=1e-6
    )


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    ("shape", "axis", "expected"),
    [
        ((None, 256), -1, (None, 512)),
        ((None, 26, 26, 16), -1, (None, 26, 26, 32)),
        ((None, 16, 26, 26), 1, (None, 32, 26, 26)),
        ((None, 7, 5), -2, (None, 14, 5)),
    ],
)
@pytest.mark.parametrize("layer_cls", [Antirectifier, CReLU])
def test_layer_doubles_the_axis(layer_cls, shape, axis, expected):
    layer = layer_cls(axis=axis)
    assert layer.compute_output_shape(shape) == expected
    symbolic = layer(keras.Input(shape[1:]))
    assert tuple(symbolic.shape) == expected
    eager = layer_cls(axis=axis)(
        np.ones((3, *shape[1:]), "float32") + RNG.normal(size=(3, *shape[1:]))
    )
    assert tuple(eager.shape) == (3, *expected[1:])


def test_layer_matches_function():
    x = RNG.normal(size=(3, 8, 8, 4)).astype("float32")
    layer = Antirectifier(axis=-1, epsilon=1e-4)
    np.testing.assert_allclose(
        np.asarray(layer(x)), np_antirectify(x, -1, 1e-4), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_array_equal(np.asarray(CReLU(axis=2)(x)), np_crelu(x, 2).astype("float32"))
    assert not layer.trainable_weights


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(("scale", "eps"), [(1.0, 1e-6), (1e-2, 1e-8), (1e6, 1.0)])
@pytest.mark.parametrize("axis", [-1, 1])
def test_antirectify_gradient_matches_finite_differences(scale, eps, axis):
    x = RNG.normal(size=(3, 5, 4)) * scale  # generic rows: no output sits on the ReLU kink
    w = RNG.normal(size=np_antirectify(x, axis).shape)
    fn = lambda t: antirectify(t, axis=axis)  # noqa: E731
    auto = autodiff_grad(fn, x, w)
    fd = finite_diff_grad(fn, x, w, eps=eps)
    np.testing.assert_allclose(auto, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())


@pytest.mark.parametrize("value", [0.0, 1.0, -2.5, 1e6])
def test_centered_l2_normalize_gradient_at_constant_row(value):
    """Smooth at a constant row: the Jacobian there is (I - 1/n) / sqrt(epsilon), exactly."""
    x = np.full((2, 6), value)  # the mean of these rows is exact, so c = 0 exactly
    x[1] = RNG.normal(size=6)
    w = RNG.normal(size=x.shape)
    auto = autodiff_grad(lambda t: centered_l2_normalize(t), x, w)
    assert np.all(np.isfinite(auto))
    np.testing.assert_allclose(
        auto[0], (w[0] - w[0].mean()) / np.sqrt(ANTIRECTIFIER_EPSILON), rtol=1e-9
    )
    ref_row1 = autodiff_grad(lambda t: centered_l2_normalize(t), x[1:], w[1:])
    np.testing.assert_allclose(auto[1], ref_row1[0], rtol=1e-12)


def test_centered_l2_normalize_gradient_at_zero_matches_finite_differences():
    x = np.zeros((1, 5))
    x[0, 2] = 1e-4  # near (and at, below) a zero row: the scale of curvature is sqrt(eps) = 1e-3
    for row in (x, np.zeros((1, 5))):
        w = RNG.normal(size=row.shape)
        fn = lambda t: centered_l2_normalize(t)  # noqa: E731
        fd = finite_diff_grad(fn, row, w, eps=1e-7)
        np.testing.assert_allclose(
            autodiff_grad(fn, row, w), fd, rtol=1e-4, atol=1e-6 * np.abs(fd).max()
        )


def _plain_antirectify(t, axis=-1):
    """The example's exact c / ||c|| (no epsilon): NaN at a constant row."""
    c = t - keras.ops.mean(t, axis=axis, keepdims=True)
    return crelu(
        c / keras.ops.sqrt(keras.ops.sum(keras.ops.square(c), axis=axis, keepdims=True)), axis=axis
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("value", [0.0, 3.0, -1e4])
def test_antirectify_value_and_gradient_finite_at_constant_row(dtype, value):
    x = np.full((3, 8), value, dtype=dtype)
    x[1] = RNG.normal(size=8)
    w = RNG.normal(size=(3, 16))
    xt = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        y = antirectify(xt)
        loss = tf.reduce_sum(y * tf.constant(w, dtype=dtype))
        plain = tf.reduce_sum(_plain_antirectify(xt) * tf.constant(w, dtype=dtype))
    grad = tape.gradient(loss, xt).numpy()
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(grad))
    np.testing.assert_array_equal(y.numpy()[[0, 2]], 0.0)
    assert np.isnan(tape.gradient(plain, xt).numpy()[0]).all(), "the hazard this guards against"
    # The ordinary row matches the float64 gradient of the same row alone.
    ref = autodiff_grad(lambda t: antirectify(t), x[1:2].astype("float64"), w[1:2])
    np.testing.assert_allclose(
        grad[1],
        ref[0],
        rtol=1e-4 if dtype == "float32" else 1e-10,
        atol=1e-5 if dtype == "float32" else 1e-12,
    )


def test_training_step_on_constant_inputs_stays_finite():
    """A Dense layer followed by the Antirectifier, fed all-zero rows (Dense bias starts at 0)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4), Antirectifier(), keras.layers.Dense(2)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 5), "float32")
    model.fit(x, np.ones((8, 2), "float32"), epochs=2, verbose=0)
    assert all(np.all(np.isfinite(v.numpy())) for v in model.weights)


def test_crelu_gradient():
    x = RNG.normal(size=(4, 6))
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink
    w = RNG.normal(size=(4, 12))
    np.testing.assert_allclose(
        autodiff_grad(crelu, x, w), finite_diff_grad(crelu, x, w), rtol=1e-6, atol=1e-8
    )
    grad0 = autodiff_grad(crelu, np.zeros((1, 3)), np.ones((1, 6)))
    np.testing.assert_array_equal(grad0, 0.0)  # TensorFlow's relu'(0) = 0 on both halves


# --------------------------------------------------------------------------- save / load


def test_save_load_roundtrip_dense(tmp_path):
    keras.utils.set_random_seed(1)
    model = exp.build_mlp("antirectifier_256", input_dim=20)
    x = RNG.normal(size=(4, 20)).astype("float32")
    loaded = assert_save_load_roundtrip(model, x, tmp_path)
    assert isinstance(loaded.get_layer("antirectifier_1"), Antirectifier)


def test_save_load_roundtrip_conv_with_config(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(3, 3),
            Antirectifier(axis=-1, epsilon=1e-3, name="anti"),
            CReLU(axis=1, name="crelu"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    x = RNG.normal(size=(3, 6, 6, 2)).astype("float32")
    loaded = assert_save_load_roundtrip(model, x, tmp_path)
    assert loaded.get_layer("anti").get_config()["epsilon"] == 1e-3
    assert loaded.get_layer("anti").get_config()["axis"] == -1
    assert loaded.get_layer("crelu").get_config()["axis"] == 1
    assert tuple(loaded.get_layer("crelu").output.shape) == (None, 8, 4, 6)


def test_config_roundtrip():
    layer = Antirectifier(axis=2, epsilon=1e-5, name="a")
    clone = Antirectifier.from_config(layer.get_config())
    assert (clone.axis, clone.epsilon, clone.name) == (2, 1e-5, "a")
    assert CReLU.from_config(CReLU(axis=3).get_config()).axis == 3


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("axis", [1.0, "last", None, True, 0])
@pytest.mark.parametrize("layer_cls", [Antirectifier, CReLU])
def test_bad_axis_in_constructor(layer_cls, axis):
    with pytest.raises(ValueError, match="axis"):
        layer_cls(axis=axis)


@pytest.mark.parametrize(
    ("shape", "axis"), [((None, 8), 2), ((None, 8), -3), ((None, 4, 4, 3), 4), ((None, 8), -2)]
)
@pytest.mark.parametrize("layer_cls", [Antirectifier, CReLU])
def test_bad_axis_for_input_rank(layer_cls, shape, axis):
    with pytest.raises(ValueError, match=r"Received: axis="):
        layer_cls(axis=axis)(keras.Input(shape[1:]))


def test_antirectifier_rejects_an_axis_of_size_one():
    with pytest.raises(ValueError, match=r"axis.*size 1"):
        Antirectifier(axis=-1)(keras.Input((5, 1)))


@pytest.mark.parametrize("epsilon", [0, -1e-6, float("nan"), float("inf"), "1e-6", None])
def test_bad_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        Antirectifier(epsilon=epsilon)
    with pytest.raises(ValueError, match="epsilon"):
        antirectify(np.ones((2, 3)), epsilon=epsilon)


@pytest.mark.parametrize("fn", [antirectify, crelu, centered_l2_normalize])
@pytest.mark.parametrize("axis", [2, -3, 1.5])
def test_functions_reject_bad_axis(fn, axis):
    with pytest.raises(ValueError, match=r"Received: axis="):
        fn(np.ones((2, 3), "float32"), axis=axis)


# --------------------------------------------------------------------------- the experiment


def test_parameter_counts_stated_by_the_example():
    counts = {kind: exp.count_params(kind) for kind in exp.MODELS}
    assert counts == {
        "antirectifier_256": 337_418,
        "relu_512": 669_706,
        "relu_256": 269_322,
        "crelu_256": 337_418,
    }
    assert counts["antirectifier_256"] / counts["relu_512"] == pytest.approx(0.504, abs=1e-3)


def test_named_networks_are_the_trial_builder_with_names():
    model = exp.build_mlp("antirectifier_256")
    assert [layer.name for layer in model.layers] == [
        "pixels", "dense_1", "antirectifier_1", "dropout_1", "dense_2", "antirectifier_2",
        "dropout_2", "softmax",
    ]  # fmt: skip
    assert model.name == "antirectifier_256" and model.get_layer("dense_1").units == 256
    assert exp.build_mlp("relu_512").get_layer("dense_2").units == 512


def test_conv_net_doubles_channels_and_bad_kind():
    model = exp.build_conv("antirectifier", filters=(4, 6))
    assert tuple(model.get_layer("antirectifier_1").output.shape) == (None, 26, 26, 8)
    assert tuple(model.get_layer("antirectifier_2").output.shape) == (None, 11, 11, 12)
    assert model.count_params() == (9 * 4 + 4) + (9 * 8 * 6 + 6) + (5 * 5 * 12 * 10 + 10)
    with pytest.raises(ValueError, match="kind"):
        exp.build_conv("tanh")
    with pytest.raises(ValueError, match="kind"):
        exp.build_mlp("relu_1024")


def test_mixed_precision_float16_finite_at_constant_row():
    layer = Antirectifier(dtype="mixed_float16")
    x = RNG.normal(size=(3, 16)).astype("float32")
    x[0] = 0.25
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(tf.cast(y, "float32") * RNG.normal(size=(3, 32)).astype("float32"))
    assert y.dtype == "float16"
    np.testing.assert_allclose(np.asarray(y, dtype="float64"), np_antirectify(x), atol=2e-3)
    assert np.all(np.isfinite(tape.gradient(loss, xt).numpy()))


# --------------------------------------------------------------------------- written-out gradient


def _value_and_grad(fn, x, dtype, **kwargs):
    """fn(x) and d sum(w * fn(x)) / dx in `dtype`, w a fixed normal draw of the output's shape."""
    y, (g,) = autodiff_grads(
        lambda t: fn(t, **kwargs),
        [x],
        lambda _, shape: np.random.default_rng(7).normal(size=shape),
        dtype=dtype,
    )
    return y, g


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-10), ("float32", 2e-4)])
@pytest.mark.parametrize(
    "shape,axis",
    [((6, 16), -1), ((6, 16), 1), ((2, 3, 4, 5), -1), ((2, 3, 4, 5), 2), ((2, 3, 4, 5), 1)],
)
def test_written_out_gradient_equals_autodiff(shape, axis, dtype, rtol):
    # last axis: the matrix-vector row sums; other axes: ops.sum. Row 0 is constant (c = 0).
    x = np.random.default_rng(3).normal(size=shape) * 3 + 1
    x[0] = 2.5
    y, g = _value_and_grad(antirectify, x, dtype, axis=axis)
    y_ref, g_ref = _value_and_grad(antirectify_autodiff, x, dtype, axis=axis)
    atol = rtol * max(1.0, float(np.max(np.abs(g_ref))))
    np.testing.assert_allclose(y, y_ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(g, g_ref, rtol=rtol, atol=atol)
    # and against float64 autodiff (the ground truth for the float32 case)
    g64 = autodiff_grad(
        lambda t: antirectify_autodiff(t, axis=axis),
        x,
        np.random.default_rng(7).normal(size=y.shape),
    )
    np.testing.assert_allclose(g, g64, rtol=rtol, atol=atol)
