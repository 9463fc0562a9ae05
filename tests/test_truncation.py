"""Tests for `actlab.activations.truncate`, `actlab.layers.Truncation` and `actlab.collection.experiments.truncation`."""

from __future__ import annotations

import gradcheck
import keras
import numpy as np
import pytest
import tensorflow as tf
from xlacheck import assert_xla

from actlab import trials
from actlab.activations import truncate
from actlab.collection.experiments import truncation as ex
from actlab.layers import MIN_TRUNCATION_THRESHOLD, Truncation
from actlab.trials.arms import activation_factory

pytestmark = pytest.mark.tensorflow_only(
    reason=(
        "its gradient checks use tf.GradientTape and tf.function/XLA; on JAX truncation "
        "is checked by test_backends.py"
    )
)

GRADIENTS = ("clip", "straight_through")
T = 0.75
# zero, inside, exactly on both boundaries, just outside, outside, huge
SPECIAL = np.array([0.0, 0.3, -0.6, T, -T, T + 1e-3, -T - 1e-3, 2.0, -5.0, 1e30, -1e30, 1e300])


def clip_ref(x, t):
    return np.clip(np.asarray(x, dtype="float64"), -t, t)


def grad_x_and_t(x, t, gradient):
    """(dy/dx elementwise, d(sum y)/dT) by autodiff in float64."""
    _, (gx, gt) = gradcheck.autodiff_grads(lambda a, b: truncate(a, b, gradient), [x, t])
    return gx, gt


# --------------------------------------------------------------------------- function: values


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_values_match_numpy_float64(gradient):
    rng = np.random.default_rng(0)
    x = np.concatenate([SPECIAL, rng.normal(0, 2, 500)])
    y = truncate(tf.constant(x), T, gradient).numpy()
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, clip_ref(x, T))


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_values_per_channel_threshold(gradient):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2, (4, 5, 5, 3))
    t = np.array([0.5, 1.0, 2.0])
    y = truncate(tf.constant(x), tf.constant(t), gradient).numpy()
    np.testing.assert_array_equal(y, np.clip(x, -t, t))


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_forward_bitwise_equal_to_clip_by_value_incl_inf(gradient):
    """Same bits as tf.clip_by_value in float32, including huge and infinite inputs."""
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 3, 10_000), [np.inf, -np.inf, 3e38, -3e38, 0.0, T, -T]])
    x = tf.constant(x.astype("float32"))
    ref = tf.clip_by_value(x, -T, T).numpy()
    y = truncate(x, T, gradient).numpy()
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, ref)


def test_implementations_forward_equal_on_random_data():
    """The notebook's claim: clip_by_value, switch, stop_gradient and lib agree on random data."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 2, (8, 12, 12, 8)).astype("float32")
    table = ex.forward_table(x, 1.0)
    assert len(table) == len(ex.IMPLEMENTATIONS)
    assert table["identical"].all(), table
    assert (table["differing elements"] == 0).all()


def test_stop_gradient_answer_is_not_exact_for_huge_inputs():
    """x + stop_gradient(clip(x) - x) rounds to 0 for x = 1e30; lib's straight-through does not."""
    x = np.array([1e30, -1e30, 0.5], dtype="float32")
    table = ex.forward_table(x, 1.0).set_index("implementation")
    assert table.loc["stop_gradient (answer 1)", "differing elements"] == 2
    assert table.loc["stop_gradient (answer 1)", "max |difference|"] == 1.0
    assert table.loc["lib truncate, straight_through", "identical"]


def test_switch_answer_matches_reference_values():
    x = tf.constant(SPECIAL)
    np.testing.assert_array_equal(ex.switch_truncate(x, T).numpy(), clip_ref(SPECIAL, T))


# --------------------------------------------------------------------------- function: gradients


def test_clip_gradient_against_finite_differences():
    """Away from the kinks (|x| != T) the clip mode's dy/dx is the true derivative."""
    x = np.array([0.0, 0.3, -0.6, 0.7, -0.7, 0.8, -0.8, 2.0, -5.0, 1e6, -1e6, 1e30])
    auto = gradcheck.autodiff_grad(lambda v: truncate(v, T, "clip"), x)
    fd = gradcheck.elementwise_finite_diff(lambda v: truncate(v, T, "clip"), x)
    np.testing.assert_allclose(auto, fd, atol=1e-8)


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_threshold_gradient_against_finite_differences(gradient):
    """d(sum w*y)/dT by autodiff against central differences in T (x away from ±T)."""
    x = np.array([0.0, 0.3, -0.6, 0.7, -0.7, 0.8, -0.8, 2.0, -5.0, 1e6, -1e30])
    w = np.linspace(0.5, 1.5, x.size)

    def as_fn_of_t(t):
        return tf.reduce_sum(truncate(tf.constant(x), t[0], gradient) * w)[None]

    auto = gradcheck.autodiff_grad(as_fn_of_t, np.array([T]))
    fd = gradcheck.finite_diff_grad(as_fn_of_t, np.array([T]))
    np.testing.assert_allclose(auto, fd, atol=1e-7)
    # PACT: +1 above T, -1 below -T, 0 inside
    np.testing.assert_allclose(
        auto, [np.sum(w * np.where(x > T, 1.0, np.where(x < -T, -1.0, 0.0)))]
    )


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_input_gradient_values_inside_outside_boundary(gradient):
    x = np.array([0.0, 0.3, -0.6, T, -T, 0.8, -0.8, 5.0, -1e30])
    gx, _ = grad_x_and_t(x, T, gradient)
    if gradient == "clip":
        # inside (including zero) 1, exactly on the boundary 1 (inside: clip_by_value's ties), outside 0
        expected = [1, 1, 1, 1, 1, 0, 0, 0, 0]
    else:
        expected = [1] * x.size  # straight-through: 1 everywhere, boundary and huge included
    np.testing.assert_array_equal(gx, expected)


@pytest.mark.parametrize("gradient", GRADIENTS)
@pytest.mark.parametrize(
    ("xv", "dydx", "dydt"),
    [
        (T, 1.0, 0.0),
        (-T, 1.0, 0.0),  # exactly on the boundary: counts as inside
        (0.5, 1.0, 0.0),
        (2.0, None, 1.0),
        (-2.0, None, -1.0),
    ],
)
def test_elementwise_gradients_and_boundary_convention(gradient, xv, dydx, dydt):
    gx, gt = grad_x_and_t(np.array([xv]), T, gradient)
    expected_dx = dydx if dydx is not None else (0.0 if gradient == "clip" else 1.0)
    assert gx[0] == expected_dx
    assert gt == dydt


def test_boundary_convention_is_clip_by_values_own():
    """At x = ±T our clip-mode gradients are exactly tf.clip_by_value's (x and threshold)."""
    x = tf.constant([T, -T, 0.0, 2.0, -2.0], dtype="float64")
    for fn in (lambda v, t: truncate(v, t, "clip"), lambda v, t: tf.clip_by_value(v, -t, t)):
        t = tf.Variable(T, dtype="float64")
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = fn(x, t)
        np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1, 1, 1, 0, 0])
        np.testing.assert_array_equal(tape.jacobian(y, t).numpy(), [0, 0, 0, 1, -1])


def test_straight_through_gradient_is_finite_for_infinite_input():
    gx, gt = grad_x_and_t(np.array([np.inf, -np.inf, 1.0]), T, "straight_through")
    assert np.all(np.isfinite(gx)) and np.isfinite(gt)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 1.0])


def test_per_channel_threshold_gradient():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 2, (2, 3, 3, 4))
    t = np.array([0.5, 1.0, 1.5, 3.0])
    for gradient in GRADIENTS:
        _, gt = grad_x_and_t(x, t, gradient)
        expected = np.sum((x > t).astype(float) - (x < -t).astype(float), axis=(0, 1, 2))
        np.testing.assert_array_equal(gt, expected)


def test_answer_gradients_in_comparison():
    """dy/dx over [-3T, 3T]: clip-like implementations 1 inside / 0 outside; straight-through 1."""
    x, grads = ex.input_gradients(1.0, n=61)
    assert {-1.0, 0.0, 1.0} <= set(x.tolist())
    inside = (np.abs(x) <= 1.0).astype("float32")
    for name in (
        "tf.clip_by_value",
        "switch (answer 2)",
        "lib truncate, clip",
        "lib Truncation layer, clip",
    ):
        np.testing.assert_array_equal(grads[name], inside, err_msg=name)
    for name in (
        "stop_gradient (answer 1)",
        "lib truncate, straight_through",
        "lib Truncation layer, straight_through",
    ):
        np.testing.assert_array_equal(grads[name], np.ones_like(x), err_msg=name)
    tg = ex.threshold_gradients(x, 1.0)
    pact = np.where(x > 1, 1.0, np.where(x < -1, -1.0, 0.0))
    for gradient in GRADIENTS:
        np.testing.assert_array_equal(tg[gradient], pact)


def test_jit_compile_matches_eager():
    x = tf.constant(np.random.default_rng(5).normal(0, 2, 1000).astype("float32"))
    for gradient in GRADIENTS:

        def f(v, g=gradient):
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = truncate(v, T, g)
            return y, tape.gradient(y, v)

        jitted = tf.function(f, jit_compile=True)
        assert_xla(jitted, x)
        y_jit, g_jit = jitted(x)
        y_eager, g_eager = f(x)
        np.testing.assert_array_equal(y_jit.numpy(), y_eager.numpy())
        np.testing.assert_array_equal(g_jit.numpy(), g_eager.numpy())


# --------------------------------------------------------------------------- function: arguments


@pytest.mark.parametrize("bad", ["ste", "Clip", None])
def test_truncate_bad_gradient(bad):
    with pytest.raises(ValueError, match="gradient="):
        truncate(tf.constant([1.0]), 1.0, bad)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), True])
def test_truncate_bad_threshold(bad):
    with pytest.raises(ValueError, match="threshold="):
        truncate(tf.constant([1.0]), bad)


# --------------------------------------------------------------------------- layer


@pytest.mark.parametrize("gradient", GRADIENTS)
@pytest.mark.parametrize(
    ("shared_axes", "shape"), [("all", ()), ([1, 2], (1, 1, 3)), (None, (6, 6, 3)), (2, (6, 1, 3))]
)
def test_layer_values_and_shape(gradient, shared_axes, shape):
    rng = np.random.default_rng(6)
    x = rng.normal(0, 2, (2, 6, 6, 3)).astype("float32")
    layer = Truncation(threshold=T, gradient=gradient, shared_axes=shared_axes)
    y = layer(x)
    np.testing.assert_allclose(np.asarray(y), np.clip(x, -T, T), rtol=0, atol=0)
    assert layer.threshold.shape == shape  # PReLU's: size 1 along the shared axes
    assert layer.threshold.name == "threshold"
    assert layer.compute_output_shape((None, 6, 6, 3)) == (None, 6, 6, 3)
    assert not layer.trainable_weights  # fixed threshold: not trained


def test_layer_trainable_threshold_gradient_is_pact():
    layer = Truncation(threshold=T, trainable_threshold=True, shared_axes=[1])
    x = np.array(
        [[[0.1, 2.0], [-3.0, T]], [[-T, -0.2], [5.0, 9.0]]], dtype="float32"
    )  # channels: 2
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    (g,) = tape.gradient(y, layer.trainable_weights)
    # channel 0: 0.1, -3.0, -T, 5.0 -> 0 - 1 + 0 + 1 = 0; channel 1: 2.0, T, -0.2, 9.0 -> 1 + 0 + 0 + 1
    np.testing.assert_array_equal(np.asarray(g), [[0.0, 2.0]])


def test_layer_regularizer_is_l2_on_threshold():
    layer = Truncation(
        threshold=0.5,
        trainable_threshold=True,
        shared_axes=[1, 2],
        threshold_regularizer=keras.regularizers.L2(0.1),
    )
    layer(np.zeros((1, 2, 2, 4), "float32"))
    np.testing.assert_allclose(float(sum(layer.losses)), 0.1 * 4 * 0.25, rtol=1e-6)


@pytest.mark.parametrize("gradient", GRADIENTS)
@pytest.mark.parametrize("user_constraint", [None, "non_neg"])
def test_threshold_stays_positive_under_training_that_pushes_it_down(gradient, user_constraint):
    """Target 0 for saturated inputs: dL/dT > 0, plus strong L2 and big SGD steps drive T down.
    Without the floor T would go negative within a step or two."""
    keras.utils.set_random_seed(0)
    layer = Truncation(
        threshold=1.0,
        gradient=gradient,
        trainable_threshold=True,
        threshold_regularizer=keras.regularizers.L2(1.0),
        threshold_constraint=user_constraint,
        name="truncation",
    )
    model = keras.Sequential([keras.Input((16,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=5.0), loss="mse")
    x = np.full((32, 16), 10.0, dtype="float32")
    trajectory = []
    for _ in range(5):
        model.fit(x, np.zeros_like(x), epochs=1, batch_size=32, verbose=0)
        trajectory.append(float(np.asarray(layer.threshold)))
    assert all(t > 0 for t in trajectory), trajectory
    assert trajectory[-1] == pytest.approx(MIN_TRUNCATION_THRESHOLD), (
        trajectory
    )  # it was pushed to the floor
    assert np.all(np.isfinite(np.asarray(model(x))))


def test_user_constraint_applied_before_floor():
    layer = Truncation(
        threshold=1.0,
        trainable_threshold=True,
        shared_axes=None,
        threshold_constraint=keras.constraints.MaxNorm(1.0, axis=0),
    )
    layer.build((None, 2))
    np.testing.assert_allclose(
        np.asarray(layer.threshold.constraint(tf.constant([3.0, 4.0]))), [0.6, 0.8], rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(layer.threshold.constraint(tf.constant([-3.0, 0.0]))),
        [MIN_TRUNCATION_THRESHOLD, MIN_TRUNCATION_THRESHOLD],
        rtol=1e-6,
    )


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_threshold_is_cast_to_input_dtype(gradient):
    x = tf.constant([-2.0, 0.5, 2.0], dtype="float16")
    y = truncate(x, tf.constant(T, dtype="float64"), gradient)
    assert y.dtype == tf.float16
    np.testing.assert_array_equal(y.numpy(), np.array([-T, 0.5, T], dtype="float16"))


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_layer_mixed_precision(gradient):
    """float16 compute with a float32 threshold variable: the threshold is cast to the input."""
    layer = Truncation(
        threshold=T, gradient=gradient, trainable_threshold=True, dtype="mixed_float16"
    )
    x = np.array([[-2.0, -T, 0.25, T, 3.0]], dtype="float16")
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert keras.backend.standardize_dtype(layer.threshold.dtype) == "float32"
    np.testing.assert_array_equal(np.asarray(y), np.clip(x, np.float16(-T), np.float16(T)))


def test_floor_respects_a_small_initial_threshold():
    layer = Truncation(threshold=1e-5, trainable_threshold=True)
    layer.build((None, 3))
    clipped = layer.threshold.constraint(tf.constant(-1.0))
    assert float(clipped) == pytest.approx(1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"gradient": "clip"},
        {"gradient": "straight_through", "shared_axes": [1, 2]},
        {
            "trainable_threshold": True,
            "threshold_regularizer": "l2",
            "threshold_constraint": "non_neg",
        },
        {
            "trainable_threshold": True,
            "shared_axes": [1, 2],
            "gradient": "straight_through",
            "threshold_regularizer": {"class_name": "L2", "config": {"l2": 0.05}},
        },
    ],
)
def test_layer_config_and_save_load_safe_mode(kwargs, tmp_path):
    layer = Truncation(threshold=0.8, **kwargs)
    config = layer.get_config()
    assert config["threshold"] == 0.8
    clone = Truncation.from_config(config)
    assert clone.get_config() == config
    for attr in ("gradient", "trainable_threshold", "shared_axes", "initial_threshold"):
        assert getattr(clone, attr) == getattr(layer, attr), attr
    assert clone.gradient == kwargs.get("gradient", "clip")
    assert clone.shared_axes == kwargs.get("shared_axes", "all")
    assert clone.trainable_threshold == kwargs.get("trainable_threshold", False)
    for attr in ("threshold_regularizer", "threshold_constraint"):
        assert (getattr(clone, attr) is None) == (attr not in kwargs), attr

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
            Truncation(threshold=0.8, name="trunc", **kwargs),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(7).normal(0, 3, (8, 6, 6, 1)).astype("float32")
    model.fit(x, np.zeros((8, 6, 6, 4), "float32"), epochs=2, verbose=0)  # moves a trainable T
    loaded = gradcheck.assert_save_load_roundtrip(model, x, tmp_path)
    got = loaded.get_layer("trunc")
    np.testing.assert_array_equal(
        np.asarray(got.threshold), np.asarray(model.get_layer("trunc").threshold)
    )
    assert got.get_config() == model.get_layer("trunc").get_config()
    assert got.threshold.trainable == bool(kwargs.get("trainable_threshold"))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": -1.0}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"threshold": float("inf")}, "threshold"),
        ({"threshold": "1.0"}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"gradient": "ste"}, "gradient"),
        ({"gradient": None}, "gradient"),
        ({"trainable_threshold": "yes"}, "trainable_threshold"),
        ({"shared_axes": [0]}, "shared_axes"),
        ({"shared_axes": "channels"}, "shared_axes"),
        ({"shared_axes": []}, "shared_axes"),
        ({"per_channel": True}, "per_channel"),  # replaced by shared_axes
        ({"threshold_regularizer": "l2"}, "threshold_regularizer"),
        ({"threshold_constraint": "non_neg"}, "threshold_constraint"),
        (
            {"trainable_threshold": True, "threshold_regularizer": "no_such_regularizer"},
            "threshold_regularizer",
        ),
        ({"trainable_threshold": True, "threshold_constraint": 3}, "threshold_constraint"),
    ],
)
def test_layer_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"Received: {name}="):
        Truncation(**kwargs)


def test_layer_unshared_axes_need_known_sizes():
    layer = Truncation(shared_axes=[1])
    with pytest.raises(ValueError, match="input_shape="):
        layer.build((None, 4, None))
    with pytest.raises(ValueError, match="shared_axes="):
        Truncation(shared_axes=[3]).build((None, 4, 2))
    Truncation().build((None, 4, None))  # one threshold for the layer: any shape


# --------------------------------------------------------------------------- experiments


def test_user_model_builds_and_runs():
    model = ex.user_model(threshold=1.0)
    assert [layer.name for layer in model.layers] == [
        "image",
        "conv",
        "truncation",
        "tanh",
        "avg_pool",
        "batch_norm",
    ]
    conv = model.get_layer("conv")
    assert conv.kernel_size == (5, 5) and conv.filters == 8 and not conv.use_bias
    assert conv.padding == "same" and conv.strides == (1, 1)
    y = model(np.random.default_rng(8).normal(0, 1, (1, 256, 256, 1)).astype("float32"))
    assert tuple(y.shape) == (1, 126, 126, 8)
    assert model.output_shape == (None, 126, 126, 8)


def test_soft_clip_baseline():
    layer = ex.SoftClip(0.25)
    x = np.array([-10.0, -0.25, 0.0, 0.01, 0.25, 10.0], dtype="float32")
    np.testing.assert_allclose(np.asarray(layer(x)), 0.25 * np.tanh(x / 0.25), rtol=1e-6)
    assert ex.SoftClip.from_config(layer.get_config()).threshold == 0.25
    with pytest.raises(ValueError, match="threshold='1'"):
        ex.SoftClip("1")
    assert np.tanh(ex.NEAR_LINEAR) == pytest.approx(0.98 * ex.NEAR_LINEAR, rel=1e-9)
    model = ex.mnist_net(activation_factory(ex.arm_target("smooth", 0.25)), trials.Init(0))
    assert isinstance(model.layers[2], ex.SoftClip) and model.layers[2].threshold == 0.25


# --------------------------------------------------------------------------- notebook 05's trial


def test_arm_targets_build_the_layers_they_name():
    built = {
        name: activation_factory(ex.arm_target(name, 0.3, threshold_l2=0.2))()
        for name in ex.ARM_NAMES
    }
    assert isinstance(built["smooth"], ex.SoftClip) and built["smooth"].threshold == 0.3
    for name, gradient, trainable in (
        ("clip", "clip", False),
        ("straight-through", "straight_through", False),
        ("PACT", "clip", True),
        ("PACT + L2", "clip", True),
    ):
        layer = built[name]
        assert isinstance(layer, Truncation), name
        assert (layer.gradient, layer.trainable_threshold) == (gradient, trainable), name
    assert built["PACT"].threshold_regularizer is None
    assert built["PACT + L2"].threshold_regularizer.get_config()["l2"] == pytest.approx(0.2)
    x = np.array([-1.0, 0.1, 1.0], dtype="float32")
    np.testing.assert_allclose(np.asarray(built["no truncation"](x)), x)
    np.testing.assert_allclose(np.asarray(built["clip"](x)), [-0.3, 0.1, 0.3], rtol=1e-6)
    with pytest.raises(ValueError, match="name='relu'"):
        ex.arm_target("relu", 0.25)


def test_the_task_shares_the_initial_weights_and_records_saturation():
    task = ex.mnist_task(threshold=0.25, n_train=100, n_val=50, n_test=60, epochs=2, last=1)
    assert (task.name, task.epochs, task.last, task.learning_rates) == ("mnist", 2, 1, (1e-3, 3e-3))
    assert task.config["filters"] == 8 and task.config["nominal_threshold"] == 0.25
    split = task.data(3)
    assert split.x_train.shape == (100, 28, 28, 1) and split.x_val.shape[0] == 50
    init = trials.Init(3)
    clip = task.build(activation_factory(ex.arm_target("clip", 0.25)), init)
    none = task.build(activation_factory(ex.arm_target("no truncation", 0.25)), init)
    assert [layer.name for layer in clip.layers][:2] == ["image", "conv"]
    trainable = [sum(int(np.prod(w.shape)) for w in m.trainable_weights) for m in (clip, none)]
    assert trainable[0] == trainable[1]  # a fixed T is not trained
    kernel = clip.get_layer("conv").get_weights()[0]
    np.testing.assert_array_equal(kernel, none.get_layer("conv").get_weights()[0])
    probe = split.x_test[:20]
    pre = np.asarray(clip.get_layer("conv")(probe))
    record = task.record(clip, split)
    assert record["threshold"] == pytest.approx(0.25)
    conv_out = np.asarray(clip.get_layer("conv")(split.x_test[:256]))
    assert record["saturated"] == pytest.approx(np.mean(np.abs(conv_out) > 0.25))
    assert 0.0 < np.mean(np.abs(pre) > 0.25) < 1.0
    # no threshold in the arm: the nominal T
    assert task.record(none, split)["threshold"] == 0.25
    smaller = ex.saturation(clip, probe, nominal=1.0)
    assert smaller["saturated"] == pytest.approx(np.mean(np.abs(pre) > 0.25))
    assert smaller["near_linear"] == pytest.approx(np.mean(np.abs(pre) < ex.NEAR_LINEAR))
    start = ex.initial_saturation(task, 3, 0.25)
    assert start["saturated"] == pytest.approx(record["saturated"])  # same initial conv, untrained
    assert 0.0 < start["saturated"] < 1.0 and start["threshold"] == 0.25


def test_pairs_roles_and_questions():
    assert ex.pairs(["clip", "smooth", "no truncation"]) == [
        ("smooth", "no truncation"),
        ("clip", "smooth"),
        ("clip", "no truncation"),
    ]
    candidates, baselines = ex.roles(ex.ARM_NAMES)
    assert baselines == ["no truncation"]
    assert candidates == ["smooth", "clip", "straight-through", "PACT", "PACT + L2"]
    declared = [{"id": "clipping", "kind": "difference", "candidate": "clip",
                 "baseline": "smooth", "pilot_sd": 0.5}]  # fmt: skip
    qs = ex.questions(declared, 0.5)
    assert [(q.candidate, q.baseline, q.exploratory) for q in qs][0] == ("clip", "smooth", False)
    assert qs[0].id == "clipping" and qs[0].smallest_effect == 0.5
    assert len(qs) == len(ex.PAIRS) and all(q.exploratory for q in qs[1:])
    assert ("clip", "smooth") not in {(q.candidate, q.baseline) for q in qs[1:]}


def _trial() -> trials.Trial:
    """A hand-made trial: three arms, two evaluation seeds, known scores and records."""
    scores = {"no truncation": [90.0, 91.0], "clip": [92.0, 94.0], "PACT": [93.0, 93.0]}
    runs = []
    for arm, values in scores.items():
        for seed, score in enumerate(values):
            t = 0.25 if arm != "PACT" else 0.3 + 0.1 * seed
            runs.append(
                {
                    "task": "mnist", "arm": arm, "role": "baseline", "stage": "eval",
                    "learning_rate": 1e-3, "seed": seed, "test_score": score,
                    "test_accuracy": (score / 100 - 0.1, score / 100), "params": 1000,
                    "seconds": 2.0, "nonfinite_epoch": None,
                    "record": {"saturated": 0.1 * (seed + 1), "near_linear": 0.5, "threshold": t},
                }
            )  # fmt: skip
    runs.append({**runs[0], "stage": "tune", "learning_rate": 3e-3, "seed": 10000})
    return trials.Trial(runs, [], [], {}, [], {}, {}, 0.0)


def test_summary_table_and_threshold_figure_of_a_trial():
    trial = _trial()
    runs = ex.run_records(trial)
    assert len(runs) == 6 and set(runs.columns) >= {"arm", "seed", "saturated", "threshold"}
    shown = ex.summary_table(trial, {"saturated": 0.2, "near_linear": 0.6, "threshold": 0.25}).data
    row = shown.set_index("arm").loc[ex.LABELS["PACT"]]
    assert row["test accuracy (%)"] == "93.00 ± 0.00"
    assert row["|x| > T, start → end"] == "20.0 % → 15.0 %"
    assert row["T at the end"] == "0.350 ± 0.071"
    assert row["seeds"] == 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = ex.plot_thresholds(trial, 0.25)
    ax = fig.axes[0]
    assert ax.get_ylabel() and ax.get_title()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.3, 0.4])
    plt.close(fig)


def test_bad_parameters_of_notebook_05_name_themselves():
    ex.VALIDATORS["arm_names"]("arm_names", ["clip", "smooth"])
    for bad in (["clip"], ["clip", "clip"], ["clip", "relu"], []):
        with pytest.raises(ValueError, match="arm_names="):
            ex.VALIDATORS["arm_names"]("arm_names", bad)
    good = [{"id": "a", "kind": "difference", "candidate": "clip", "baseline": "smooth",
             "pilot_sd": 0.5}]  # fmt: skip
    ex.VALIDATORS["declared"]("declared", good)
    with pytest.raises(ValueError, match="declared="):
        ex.VALIDATORS["declared"]("declared", [{**good[0], "baseline": "tanh"}])
