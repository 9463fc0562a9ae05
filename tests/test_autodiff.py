"""`actlab.autodiff`: the one gradient dispatcher of lib, the checker and the cross-backend tests.

Runs on both backends (the JAX pass of `make test` runs it with KERAS_BACKEND=jax). Gradients are
compared with closed forms in NumPy; the inputs are float32 (JAX computes float64 input in
float32 unless `jax_enable_x64` is on).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from actlab import autodiff
from actlab.autodiff import elementwise_grad, vjp, vjp_tensors

X = np.linspace(-2.0, 2.0, 9).astype("float32")
Y = np.linspace(0.5, 1.5, 9).astype("float32")
W = np.linspace(-1.0, 3.0, 9).astype("float32")
TOL = {"rtol": 1e-6, "atol": 1e-6}


def test_single_output_default_upstream_is_ones():
    y, (g,) = vjp(ops.sin, [X])
    np.testing.assert_allclose(y, np.sin(X), **TOL)
    np.testing.assert_allclose(g, np.cos(X), **TOL)
    np.testing.assert_allclose(elementwise_grad(ops.sin, X), np.cos(X), **TOL)


def test_two_inputs_and_upstream_array():
    _, (gx, gy) = vjp(lambda a, b: a * b * b, [X, Y], W)
    np.testing.assert_allclose(gx, W * Y * Y, **TOL)
    np.testing.assert_allclose(gy, W * 2 * X * Y, **TOL)


def test_scalar_upstream_is_broadcast():
    _, (g,) = vjp(ops.exp, [X], 2.0)
    np.testing.assert_allclose(g, 2.0 * np.exp(X), **TOL)


@pytest.mark.parametrize("form", ["list", "callable"])
def test_several_outputs(form):
    w2 = W[::-1].copy()
    upstream = [W, w2] if form == "list" else (lambda i, shape: (W, w2)[i].reshape(shape))
    (s, q), (g,) = vjp(lambda a: (ops.sin(a), a * a), [X], upstream)
    np.testing.assert_allclose(s, np.sin(X), **TOL)
    np.testing.assert_allclose(q, X * X, **TOL)
    np.testing.assert_allclose(g, W * np.cos(X) + w2 * 2 * X, **TOL)


def test_unconnected_input():
    _, (gx, gy) = vjp(lambda a, b: 3.0 * a, [X, Y])
    np.testing.assert_array_equal(gy, np.zeros_like(Y))
    np.testing.assert_array_equal(gx, np.full_like(X, 3.0))
    _, (gx, gy) = vjp_tensors(lambda a, b: 3.0 * a, [X, Y], unconnected="none")
    if keras.backend.backend() == "tensorflow":
        assert gy is None
    else:  # JAX has no "no path": zeros
        np.testing.assert_array_equal(np.asarray(gy), np.zeros_like(Y))


def test_dtype_is_kept():
    y, (g,) = vjp(ops.tanh, [X.astype("float16")], W)
    assert y.dtype == np.float16 and g.dtype == np.float16
    np.testing.assert_allclose(g, W * (1 - np.tanh(X) ** 2), rtol=2e-3, atol=2e-3)


def test_inside_compiled_function():
    """`vjp_tensors` traces: inside tf.function(jit_compile=True) or jax.jit."""

    def grad(a):
        return vjp_tensors(ops.sin, [a], W)[1][0]

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        from xlacheck import assert_xla

        compiled = tf.function(grad, jit_compile=True)
        assert_xla(compiled, tf.constant(X))
    else:
        import jax

        compiled = jax.jit(grad)
    g = np.asarray(compiled(X))
    np.testing.assert_allclose(g, W * np.cos(X), **TOL)


def test_bad_unconnected():
    with pytest.raises(ValueError, match="Received: unconnected='zeros'"):
        vjp_tensors(ops.sin, [X], unconnected="zeros")


def test_vjp_input_says_none_without_a_gradient_path_on_tensorflow():
    x = np.array([0.5, -2.0], dtype="float32")
    y, dx = autodiff.vjp_input(lambda t: keras.ops.tanh(t) * 2.0, x, np.ones(2))
    np.testing.assert_allclose(np.asarray(dx), 2.0 * (1.0 - np.tanh(x) ** 2), rtol=1e-6)
    _, none = autodiff.vjp_input(lambda t: keras.ops.stop_gradient(t), x)
    if keras.backend.backend() == "tensorflow":
        assert none is None
    else:  # JAX returns zeros for an input without a gradient path
        np.testing.assert_array_equal(np.asarray(none), 0.0)


def test_jit_compiles_with_the_same_values():
    x = np.linspace(-3, 3, 7).astype("float32")
    compiled = autodiff.jit(lambda t: keras.ops.tanh(t) * t)
    np.testing.assert_allclose(np.asarray(compiled(x)), np.tanh(x) * x, rtol=1e-6)


def test_float64_scope_keeps_float64():
    with autodiff.float64_scope():
        y = keras.ops.exp(keras.ops.convert_to_tensor(np.array([1.0]), dtype="float64"))
        assert str(keras.ops.convert_to_numpy(y).dtype) == "float64"
        assert abs(keras.ops.convert_to_numpy(y)[0] - np.exp(1.0)) < 1e-14  # float32: 1e-7
