"""Gradients of plain functions on whichever Keras backend runs (TensorFlow or JAX).

`keras.ops` has no gradient function of its own; the experiments that plot derivatives call
these instead of `tf.GradientTape`, so that they run on both backends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np

__all__ = ["vjp", "elementwise_grad"]


def vjp(fn: Callable, inputs: Sequence[np.ndarray], upstream: np.ndarray | None = None
        ) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(fn(*inputs), [d sum(upstream * fn) / d input for each input])`` as NumPy arrays.

    `upstream` defaults to ones (the gradient of the sum). Inputs keep their dtypes.
    """
    arrays = [np.asarray(v) for v in inputs]
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        ts = [tf.constant(v) for v in arrays]
        with tf.GradientTape() as tape:
            for t in ts:
                tape.watch(t)
            y = fn(*ts)
            w = tf.ones_like(y) if upstream is None else tf.constant(upstream, dtype=y.dtype)
            loss = tf.reduce_sum(y * w)
        grads = tape.gradient(loss, ts, unconnected_gradients="zero")
        return y.numpy(), [g.numpy() for g in grads]
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        y, pullback = jax.vjp(fn, *[jnp.asarray(v) for v in arrays])
        w = jnp.ones_like(y) if upstream is None else jnp.asarray(upstream, dtype=y.dtype)
        return np.asarray(y), [np.asarray(g) for g in pullback(w)]
    raise NotImplementedError(f"lib.autodiff supports the tensorflow and jax backends. "
                              f"Received: backend={backend!r}")


def elementwise_grad(fn: Callable, x: np.ndarray) -> np.ndarray:
    """dy/dx of an elementwise `fn` at every element of `x` (one backward pass)."""
    return vjp(fn, [x])[1][0]
