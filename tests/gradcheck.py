"""Numerical checks shared by the tests: float64 finite differences and save/load round trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf


def autodiff_grad(fn: Callable, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """d/dx of sum(weights * fn(x)) by TensorFlow autodiff, in float64."""
    xt = tf.constant(np.asarray(x, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = fn(xt)
        loss = tf.reduce_sum(y if weights is None else y * tf.constant(weights, dtype=y.dtype))
    return tape.gradient(loss, xt).numpy()


def finite_diff_grad(
    fn: Callable, x: np.ndarray, weights: np.ndarray | None = None, eps: float = 1e-6
) -> np.ndarray:
    """Central differences of sum(weights * fn(x)), one coordinate at a time, in float64."""
    x = np.asarray(x, dtype="float64")

    def scalar(v: np.ndarray) -> float:
        y = np.asarray(fn(tf.constant(v)))
        return float(np.sum(y if weights is None else y * weights))

    grad = np.zeros_like(x)
    flat = grad.reshape(-1)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        flat[i] = (scalar(x + step) - scalar(x - step)) / (2 * eps)
    return grad


def elementwise_finite_diff(fn: Callable, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of an elementwise function, all coordinates at once, in float64."""
    x = np.asarray(x, dtype="float64")
    plus = np.asarray(fn(tf.constant(x + eps)))
    minus = np.asarray(fn(tf.constant(x - eps)))
    return (plus - minus) / (2 * eps)


def assert_save_load_roundtrip(
    model: keras.Model, x: np.ndarray, tmp_path: Path, atol: float = 1e-6
) -> keras.Model:
    """Save as .keras, reload with safe_mode=True, and check predictions match."""
    path = Path(tmp_path) / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=atol, rtol=0)
    return loaded
