"""Rational (Padé) activation: the function, its least-squares fit, and the `Rational` layer.

Runs on both backends: gradients by autodiff and float64 finite differences come from
`gradcheck` (which also turns on JAX's x64 mode, needed by the float64 checks here).
"""

from __future__ import annotations

import gradcheck
import keras
import numpy as np
import pytest

from actlab.activations import DELPHI_COEFFICIENTS, relu_poly_approx
from actlab.activations.rational import (
    APPROXIMATIONS,
    LEAKY_RELU_SLOPE,
    fit_rational,
    rational,
)
from actlab.layers.rational import Rational

X_WIDE = np.array(
    [-1e6, -100.0, -10.0, -3.0, -1.0, -0.5, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 10.0, 100.0, 1e6]
)
RNG = np.random.default_rng(16)
# numerator a0..a5 and denominator b1..b4: the fit of leaky ReLU and random ones (both signs)
LEAKY = fit_rational("leaky_relu", (5, 4), (-3, 3))
COEFFS = [
    (np.array(LEAKY.numerator), np.array(LEAKY.denominator)),
    (RNG.normal(size=6), RNG.normal(size=4)),
    (RNG.normal(size=4), RNG.normal(size=2)),
]


# --------------------------------------------------------------------------- NumPy references


def ref_rational(x, a, b, safe=True):
    """float64 reference: explicit sums of powers (not Horner), b as (b1..bn)."""
    x = np.asarray(x, dtype="float64")
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    p = sum(a[j] * x**j for j in range(len(a)))
    s = sum(b[k - 1] * x**k for k in range(1, len(b) + 1)) if len(b) else 0.0 * x
    return p / (1.0 + (np.abs(s) if safe else s))


def _leaky(x):
    return np.where(x >= 0, x, LEAKY_RELU_SLOPE * x)


# --------------------------------------------------------------------------- kinks


def _away_from_kinks(x, b):
    """Points where |b1 x + … + bn xⁿ| is differentiable (its roots other than 0 excluded)."""
    s = ref_rational(x, [1.0], b, safe=False)  # 1 / (1 + B): B = 1/s − 1
    bsum = 1.0 / s - 1.0
    return x[(np.abs(bsum) > 1e-3) | (x == 0)]


# --------------------------------------------------------------------------- the function


@pytest.mark.parametrize("safe", [True, False])
@pytest.mark.parametrize("case", range(len(COEFFS)))
def test_values_match_float64_reference(case, safe):
    a, b = COEFFS[case]
    x = X_WIDE if safe else np.linspace(-0.3, 0.3, 13)  # the plain form has poles elsewhere
    y = np.asarray(rational(x, a, b, safe=safe))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, ref_rational(x, a, b, safe), rtol=1e-12, atol=1e-15)


def test_safe_denominator_is_at_least_one_and_the_plain_one_has_poles():
    a, b = COEFFS[1]
    x = np.linspace(-5, 5, 2001)
    p = ref_rational(x, a, [])
    y = np.asarray(rational(x, a, b))
    assert np.all(np.abs(y) <= np.abs(p) + 1e-12)  # Q >= 1
    # the form is |sum|: it reaches 1 where b1 x + ... + bn x^n changes sign
    s = ref_rational(x, [1.0], b, safe=False)
    bsum = 1 / s - 1
    crossings = np.nonzero(np.diff(np.sign(bsum[x != 0])))[0]
    assert len(crossings) >= 1
    plain = np.asarray(rational(x, a, b, safe=False))
    assert np.max(np.abs(plain)) > 10 * np.max(np.abs(y))  # near 1 + B = 0 the plain form blows up


def test_empty_denominator_is_the_polynomial_and_delphi_is_reproduced():
    x = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(
        rational(x, DELPHI_COEFFICIENTS, []), relu_poly_approx(x, DELPHI_COEFFICIENTS), rtol=1e-12
    )


def test_float32_half_precision_and_huge_inputs():
    a, b = COEFFS[0]
    x32 = X_WIDE.astype("float32")
    y32 = rational(x32, a, b)
    assert keras.backend.standardize_dtype(y32.dtype) == "float32"
    y32 = np.asarray(y32)
    assert np.all(np.isfinite(y32))  # |x| = 1e6: x^5 = 1e30 < 3.4e38
    np.testing.assert_allclose(y32, ref_rational(x32.astype("float64"), a, b), rtol=2e-5, atol=1e-6)
    y16 = rational(np.linspace(-3, 3, 7).astype("float16"), a, b)
    assert keras.backend.standardize_dtype(y16.dtype) == "float16"
    np.testing.assert_allclose(
        np.asarray(y16, "float64"), ref_rational(np.linspace(-3, 3, 7), a, b), rtol=2e-3, atol=2e-3
    )
    # float64 stays finite far beyond
    assert np.all(np.isfinite(np.asarray(rational(np.array([-1e30, 1e30]), a, b))))


@pytest.mark.parametrize("safe", [True, False])
@pytest.mark.parametrize("case", range(len(COEFFS)))
def test_gradients_match_finite_differences_for_x_and_every_coefficient(case, safe):
    a, b = COEFFS[case]
    x = X_WIDE[np.abs(X_WIDE) <= 10] if safe else np.linspace(-0.3, 0.3, 7)
    x = _away_from_kinks(x, b)
    w = np.random.default_rng(case).normal(size=x.shape)

    def fn(x_, a_, b_):
        return rational(x_, a_, b_, safe=safe)

    gradcheck.assert_gradients_match(fn, [x, a, b], w, names=("x", "numerator", "denominator"))


def test_gradient_at_zero_is_the_central_one():
    # |b1 x| has a kink at x = 0 when b1 != 0: autodiff takes sign(0) = 0, the central slope
    a, b = np.array([0.3, 1.0, 0.5]), np.array([2.0, 0.1])
    x = np.array([0.0])
    _, (gx, ga, gb) = gradcheck.autodiff_grads(lambda *t: rational(*t), [x, a, b])
    np.testing.assert_allclose(gx, [1.0], rtol=1e-12)  # a1
    np.testing.assert_allclose(ga, [1.0, 0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(gb, [0.0, 0.0], atol=1e-15)


def test_per_channel_coefficients_broadcast_and_reduce():
    x = np.random.default_rng(0).normal(size=(4, 3))
    a = np.random.default_rng(1).normal(size=(6, 3))
    b = np.abs(np.random.default_rng(2).normal(size=(4, 3)))  # no kinks but x = 0
    y = np.asarray(rational(x, a, b))
    for c in range(3):
        np.testing.assert_allclose(y[:, c], ref_rational(x[:, c], a[:, c], b[:, c]), rtol=1e-12)
    w = np.random.default_rng(3).normal(size=x.shape)
    gradcheck.assert_gradients_match(lambda *t: rational(*t), [x, a, b], w)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"safe": "yes"}, "safe"),
        ({"safe": 1}, "safe"),
        ({"numerator": 1.0}, "numerator"),
        ({"numerator": []}, "numerator"),
        ({"denominator": 2.0}, "denominator"),
    ],
)
def test_function_bad_arguments(kwargs, name):
    args = {"x": np.ones(3), "numerator": [0.0, 1.0], "denominator": [0.5], **kwargs}
    with pytest.raises(ValueError, match=f"{name}="):
        rational(**args)


# --------------------------------------------------------------------------- the fit


def _grid(fit):
    return np.linspace(*fit.fit_range, fit.n_points)


@pytest.mark.parametrize("name", APPROXIMATIONS)
def test_fit_is_reproducible_and_its_errors_are_what_it_reports(name):
    fit = fit_rational(name, (5, 4), (-3, 3))
    again = fit_rational(name, (5, 4), (-3, 3))
    assert fit.numerator == again.numerator and fit.denominator == again.denominator  # bitwise
    x = _grid(fit)
    target = {
        "relu": lambda t: np.maximum(t, 0),
        "leaky_relu": _leaky,
        "tanh": np.tanh,
        "swish": lambda t: t / (1 + np.exp(-t)),
    }[name](x)
    err = ref_rational(x, fit.numerator, fit.denominator) - target
    np.testing.assert_allclose(fit.max_error, np.max(np.abs(err)), rtol=1e-9)
    np.testing.assert_allclose(fit.rms_error, np.sqrt(np.mean(err**2)), rtol=1e-9)
    assert fit.rms_error <= fit.linearized_rms_error * (1 + 1e-9)  # the refinement never hurts
    bounds = {"relu": 0.01, "leaky_relu": 0.01, "tanh": 1e-5, "swish": 1e-5}
    assert fit.rms_error < bounds[name]
    print(f"{name} (5, 4) on [-3, 3]: max error {fit.max_error:.3g}, RMS {fit.rms_error:.3g}")


def test_linearized_stage_equals_an_independent_lstsq_solve():
    # iterations=0 returns the linearized solution: min ||P(x) - y (1 + B(x)) ... ||, solved
    # here without scaling, with NumPy's lstsq on an explicitly built design matrix.
    fit = fit_rational("tanh", (3, 2), (-2, 4), iterations=0)
    x = _grid(fit)
    y = np.tanh(x)
    design = np.column_stack([x**j for j in range(4)] + [-y * x**k for k in (1, 2)])
    theta, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(fit.numerator + fit.denominator, theta, rtol=1e-7, atol=1e-10)
    assert fit.max_error == fit.linearized_max_error


def test_polynomial_fit_equals_numpy_polyfit():
    x = np.linspace(-3, 3, 2001)
    for degree in (2, 4, 6):
        fit = fit_rational("relu", (degree, 0), (-3, 3))
        expected = np.polynomial.polynomial.polyfit(x, np.maximum(x, 0), degree)
        np.testing.assert_allclose(fit.numerator, expected, rtol=1e-8, atol=1e-10)
        assert fit.denominator == ()


def test_refined_fit_is_a_local_minimum_of_the_true_least_squares_cost():
    # An independent check of the nonlinear stage: no small step along any coefficient, in
    # either direction, lowers a NumPy evaluation of mean (P/Q - y)^2 at the returned
    # coefficients (the linearized solution fails this: its RMS error is 1.7x larger).
    for name, target in (("relu", lambda t: np.maximum(t, 0)), ("tanh", np.tanh)):
        fit = fit_rational(name, (5, 4), (-3, 3))
        x = _grid(fit)
        y = target(x)
        theta = np.array(fit.numerator + fit.denominator)

        def cost(t, x=x, y=y):
            return float(np.mean((ref_rational(x, t[:6], t[6:]) - y) ** 2))

        c0 = cost(theta)
        for i in range(len(theta)):
            for h in (1e-3, 1e-5):
                step = np.zeros_like(theta)
                step[i] = h * max(abs(theta[i]), 1e-2)
                assert min(cost(theta + step), cost(theta - step)) >= c0 * (1 - 1e-9), (name, i, h)


def test_callable_target_and_normal_weight():
    fit = fit_rational(np.sin, (3, 2), (-2, 2))
    assert fit.rms_error < 1e-3
    weighted = fit_rational("relu", (4, 0), (-3, 3), weight="normal")
    uniform = fit_rational("relu", (4, 0), (-3, 3))
    assert weighted.numerator != uniform.numerator and weighted.weight == "normal"


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"degrees": (5,)}, "degrees"),
        ({"degrees": (5, -1)}, "degrees"),
        ({"degrees": (5.0, 4)}, "degrees"),
        ({"degrees": (17, 4)}, "degrees"),
        ({"degrees": (True, 4)}, "degrees"),
        ({"fit_range": (3, -3)}, "fit_range"),
        ({"fit_range": (-3, float("inf"))}, "fit_range"),
        ({"fit_range": "(-3, 3)"}, "fit_range"),
        ({"fn": "gelu"}, "approximates"),
        ({"fn": 3}, "approximates"),
        ({"fn": lambda x: np.log(x)}, "fn"),
        ({"weight": "gauss"}, "weight"),
        ({"n_points": 5}, "n_points"),
        ({"iterations": -1}, "iterations"),
        ({"safe": None}, "safe"),
    ],
)
def test_fit_bad_arguments(kwargs, name):
    args = {"fn": "relu", "degrees": (5, 4), "fit_range": (-3, 3), **kwargs}
    fn = args.pop("fn")
    with pytest.raises(ValueError, match=f"{name}="):
        fit_rational(fn, **args)


# --------------------------------------------------------------------------- the layer


def test_layer_starts_at_the_fit_and_holds_named_weights():
    layer = Rational()
    x = np.linspace(-3, 3, 12).reshape(3, 4).astype("float32")
    y = np.asarray(layer(x))
    assert [w.name for w in layer.weights] == ["numerator", "denominator"]
    assert tuple(layer.numerator.shape) == (6,) and tuple(layer.denominator.shape) == (4,)
    np.testing.assert_allclose(np.asarray(layer.numerator), LEAKY.numerator, rtol=1e-6)
    np.testing.assert_allclose(y, _leaky(x.astype("float64")), atol=1.5 * LEAKY.max_error)
    assert layer.initial_fit == LEAKY


@pytest.mark.parametrize("shared_axes", ["all", None, [1], [1, 2], 2])
def test_layer_shared_axes_means_what_it_means_in_prelu(shared_axes):
    """One coefficient set per unit, shared along `shared_axes` as PReLU's α; "all" is one set
    for the layer. Each unit uses its own set."""
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    layer = Rational(degrees=(3, 2), approximates="tanh", shared_axes=shared_axes, dtype="float64")
    layer.build(x.shape)
    if shared_axes == "all":
        unit_shape = ()
    else:
        prelu = keras.layers.PReLU(shared_axes=shared_axes)
        prelu.build(x.shape)
        unit_shape = tuple(prelu.alpha.shape)
    assert tuple(layer.numerator.shape) == (4, *unit_shape)
    assert tuple(layer.denominator.shape) == (2, *unit_shape)
    rng = np.random.default_rng(1)
    a = rng.normal(size=layer.numerator.shape)
    b = rng.normal(size=layer.denominator.shape)
    layer.numerator.assign(a)
    layer.denominator.assign(b)
    y = keras.ops.convert_to_numpy(layer(x))
    unit = unit_shape or (1,) * (x.ndim - 1)
    a_full = np.broadcast_to(a.reshape(4, *unit), (4, *x.shape[1:]))
    b_full = np.broadcast_to(b.reshape(2, *unit), (2, *x.shape[1:]))
    for i, j in np.ndindex(x.shape[1:]):
        np.testing.assert_allclose(
            y[:, i, j], ref_rational(x[:, i, j], a_full[:, i, j], b_full[:, i, j]), rtol=1e-12
        )


def test_layer_default_is_one_set_for_any_input():
    layer = Rational()
    assert layer.shared_axes == "all" and layer.get_config()["shared_axes"] == "all"
    y = keras.ops.convert_to_numpy(layer(np.linspace(-2, 2, 5).astype("float32")))  # rank 1
    np.testing.assert_allclose(y, _leaky(np.linspace(-2, 2, 5)), atol=1.5 * LEAKY.max_error)
    assert tuple(layer.numerator.shape) == (6,)
    with pytest.raises(ValueError, match="input_shape="):
        Rational(shared_axes=None).build((5,))  # per unit needs a batch axis


def test_layer_shared_axes_per_channel():
    layer = Rational(degrees=(3, 2), approximates="tanh", shared_axes=[1, 2])
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype("float32")
    y = np.asarray(layer(x))
    assert tuple(layer.numerator.shape) == (4, 1, 1, 3)
    assert tuple(layer.denominator.shape) == (2, 1, 1, 3)
    np.testing.assert_allclose(y, np.tanh(x), atol=2 * layer.initial_fit.max_error + 1e-6)
    with pytest.raises(ValueError, match="shared_axes="):
        Rational(shared_axes=[3]).build((None, 4))
    with pytest.raises(ValueError, match="input_shape="):
        Rational(shared_axes=[1]).build((None, 5, None))


def test_layer_trains_under_jit_and_coefficients_move():
    x = np.random.default_rng(0).uniform(-2, 2, size=(256, 1)).astype("float32")
    y = np.abs(x)  # leaky ReLU cannot represent it; P/Q can
    layer = Rational()
    model = keras.Sequential([keras.Input((1,)), layer])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", jit_compile=True)
    before = float(model.evaluate(x, y, verbose=0))
    history = model.fit(x, y, epochs=30, batch_size=64, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    assert float(model.evaluate(x, y, verbose=0)) < 0.2 * before
    assert not np.allclose(np.asarray(layer.numerator), LEAKY.numerator)


def test_initializers_regularizers_and_constraints():
    layer = Rational(
        degrees=(2, 1),
        numerator_initializer="ones",
        denominator_initializer=keras.initializers.Constant(0.5),
        numerator_regularizer=keras.regularizers.L1(0.1),
        denominator_regularizer="l2",
        denominator_constraint="non_neg",
    )
    assert layer.initial_fit is None  # both initializers given: no fit
    model = keras.Sequential([keras.Input((3,)), layer])
    np.testing.assert_allclose(np.asarray(layer.numerator), np.ones(3))
    np.testing.assert_allclose(
        sorted(float(v) for v in model.losses), sorted([0.1 * 3, 0.01 * 0.25]), rtol=1e-5
    )
    model.compile(optimizer=keras.optimizers.SGD(10.0), loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.full((8, 3), 100.0, "float32"), epochs=1, verbose=0)
    assert np.all(np.asarray(layer.denominator) >= 0)  # the large step would make b negative


@keras.saving.register_keras_serializable(package="lib_tests")
def softsign_target(x):
    return x / (1 + np.abs(x))


def test_save_load_roundtrip_safe_mode(tmp_path):
    inputs = keras.Input((6, 6, 2))
    h = keras.layers.Conv2D(3, 3)(inputs)
    h = Rational(
        shared_axes=[1, 2],
        numerator_regularizer="l2",
        denominator_constraint="non_neg",
        name="rational_conv",
    )(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(4)(h)
    h = Rational(
        degrees=(3, 2), approximates=softsign_target, fit_range=(-4, 4), name="rational_dense"
    )(h)
    model = keras.Model(inputs, keras.layers.Dense(2)(h))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 6, 6, 2)).astype("float32")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=2, verbose=0)  # weights leave the fit
    loaded = gradcheck.assert_save_load_roundtrip(model, x, tmp_path, atol=1e-6)
    conv = loaded.get_layer("rational_conv")
    assert conv.shared_axes == [1, 2] and isinstance(
        conv.denominator_constraint, keras.constraints.NonNeg
    )
    np.testing.assert_array_equal(
        np.asarray(conv.numerator), np.asarray(model.get_layer("rational_conv").numerator)
    )
    assert loaded.get_layer("rational_dense").approximates is softsign_target
    assert len(loaded.losses) == 1


def test_config_round_trip_keeps_every_argument():
    layer = Rational(
        degrees=(4, 3),
        approximates="swish",
        fit_range=(-5, 2),
        numerator_initializer="zeros",
        numerator_regularizer="l1",
        denominator_constraint="non_neg",
        shared_axes=[1],
        safe=False,
    )
    config = layer.get_config()
    clone = Rational.from_config(config)
    assert clone.get_config() == config
    assert clone.degrees == (4, 3) and clone.fit_range == (-5.0, 2.0) and clone.safe is False
    assert clone.initial_fit == fit_rational("swish", (4, 3), (-5, 2), safe=False)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"degrees": (5, 0)}, "degrees"),
        ({"degrees": [5]}, "degrees"),
        ({"degrees": (5, "4")}, "degrees"),
        ({"fit_range": (1, 1)}, "fit_range"),
        ({"fit_range": None}, "fit_range"),
        ({"approximates": "gelu"}, "approximates"),
        ({"approximates": None}, "approximates"),
        ({"safe": "paper"}, "safe"),
        ({"numerator_initializer": "no_such_init"}, "numerator_initializer"),
        ({"denominator_initializer": 3.5}, "denominator_initializer"),
        ({"numerator_regularizer": "bogus"}, "numerator_regularizer"),
        ({"denominator_regularizer": "bogus"}, "denominator_regularizer"),
        ({"numerator_constraint": "bogus"}, "numerator_constraint"),
        ({"denominator_constraint": "bogus"}, "denominator_constraint"),
        ({"shared_axes": [0]}, "shared_axes"),
        ({"shared_axes": "1"}, "shared_axes"),
        ({"shared_axes": []}, "shared_axes"),
        ({"shared_axes": "ALL"}, "shared_axes"),
        ({"shared_axes": [1, True]}, "shared_axes"),
    ],
)
def test_layer_bad_arguments_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"{name}="):
        Rational(**kwargs)


def test_layer_values_gradients_in_a_model_match_the_function():
    # the layer is the function: its output and the gradient of a loss in its weights
    layer = Rational(degrees=(3, 2), approximates="tanh", dtype="float64")
    x = np.random.default_rng(0).normal(size=(5, 2))
    y = np.asarray(layer(x))
    a, b = np.asarray(layer.numerator), np.asarray(layer.denominator)
    np.testing.assert_allclose(y, ref_rational(x, a, b), rtol=1e-12)
