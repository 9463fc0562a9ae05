"""Gradients of plain functions on whichever Keras backend runs (TensorFlow or JAX).

`keras.ops` has no gradient function of its own. The experiments that plot derivatives, the
checker (`actlab.checkup`) and the cross-backend tests call these instead of `tf.GradientTape` or
`jax.vjp`, so that they run on both backends through one dispatcher. The same dispatch gives
XLA compilation (`jit`: `tf.function(jit_compile=True)` or `jax.jit`) and float64 on JAX
(`float64_scope`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras
import numpy as np

__all__ = [
    "vjp",
    "vjp_tensors",
    "vjp_input",
    "elementwise_grad",
    "jit",
    "float64_scope",
    "quiet_retracing",
]

UNCONNECTED = ("zero", "none")


def _cotangent(upstream, i: int, y) -> Any:
    """The upstream gradient of output `i` (not yet cast or broadcast)."""
    if upstream is None:
        return 1.0
    if callable(upstream):
        return upstream(i, tuple(y.shape))
    if isinstance(upstream, (list, tuple)):
        return upstream[i]
    return upstream


def vjp_tensors(
    fn: Callable, inputs: Sequence[Any], upstream=None, *, unconnected: str = "zero"
) -> tuple[Any, list[Any]]:
    """``(fn(*inputs), [d Σ_k sum(w_k * y_k) / d input for each input])`` as backend tensors.

    Works eagerly and inside `tf.function` / `jax.jit`.

    Args:
        fn: a function of the inputs returning one tensor or a tuple/list of tensors `y_k`.
        inputs: arrays or tensors; they keep their dtypes (JAX computes float64 in float32
            unless `jax_enable_x64` is on).
        upstream: the cotangents `w_k`: None (ones: the gradient of the sum), one array for
            every output, a list with one array per output, or a callable
            `(output_index, output_shape) -> array`. Each is cast to its output's dtype and
            broadcast to its shape.
        unconnected: "zero" (default) or "none": what TensorFlow returns for an input with no
            gradient path. JAX always returns zeros.
    """
    if unconnected not in UNCONNECTED:
        raise ValueError(
            f"`unconnected` must be one of {UNCONNECTED}. Received: unconnected={unconnected!r}"
        )
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        xs = [tf.convert_to_tensor(v) for v in inputs]
        with tf.GradientTape() as tape:
            for t in xs:
                tape.watch(t)
            out = fn(*xs)
        ys = list(out) if isinstance(out, (tuple, list)) else [out]
        ws = [
            tf.broadcast_to(tf.cast(_cotangent(upstream, i, y), y.dtype), tf.shape(y))
            for i, y in enumerate(ys)
        ]
        grads = tape.gradient(
            ys,
            xs,
            output_gradients=ws,
            unconnected_gradients=(
                tf.UnconnectedGradients.ZERO
                if unconnected == "zero"
                else tf.UnconnectedGradients.NONE
            ),
        )
        return out, list(grads)
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        def wrapped(*xs):
            out = fn(*xs)
            return tuple(out) if isinstance(out, (tuple, list)) else out

        out, pullback = jax.vjp(wrapped, *[jnp.asarray(v) for v in inputs])
        ys = list(out) if isinstance(out, tuple) else [out]
        ws = [
            jnp.broadcast_to(jnp.asarray(_cotangent(upstream, i, y), y.dtype), y.shape)
            for i, y in enumerate(ys)
        ]
        grads = pullback(tuple(ws) if isinstance(out, tuple) else ws[0])
        return out, list(grads)
    raise NotImplementedError(
        f"actlab.autodiff supports the tensorflow and jax backends. Received: backend={backend!r}"
    )


def vjp(fn: Callable, inputs: Sequence[np.ndarray], upstream=None) -> tuple[Any, list[np.ndarray]]:
    """`vjp_tensors` with NumPy arrays in and out: ``(y, [gradient for each input])``, `y` a
    list of arrays when `fn` returns several outputs. Unconnected inputs get zeros."""
    out, grads = vjp_tensors(fn, [np.asarray(v) for v in inputs], upstream)
    y = [np.asarray(o) for o in out] if isinstance(out, (tuple, list)) else np.asarray(out)
    return y, [np.asarray(g) for g in grads]


def elementwise_grad(fn: Callable, x: np.ndarray) -> np.ndarray:
    """dy/dx of an elementwise `fn` at every element of `x` (one backward pass)."""
    return vjp(fn, [x])[1][0]


def vjp_input(fn: Callable, x, upstream=None) -> tuple[Any, Any]:
    """``(fn(x), dx)`` as backend tensors: the vector-Jacobian product of a function of one
    input with `upstream` (cast and broadcast to the output). `dx` is None when autodiff finds
    no gradient path (TensorFlow; JAX gives zeros)."""
    y, (dx,) = vjp_tensors(fn, [x], upstream, unconnected="none")
    return y, dx


def jit(fn: Callable) -> Callable:
    """`fn` compiled with XLA: `tf.function(jit_compile=True)` or `jax.jit`.

    On TensorFlow with op determinism on, Keras's own `jit_compile` is silently ignored but
    this is not: wrap the calls in `actlab.determinism.xla_allowed` (TensorFlow raises when an
    op has no deterministic XLA kernel)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    if backend == "jax":
        import jax

        return jax.jit(fn)
    raise NotImplementedError(
        f"actlab.autodiff supports the tensorflow and jax backends. Received: backend={backend!r}"
    )


def float64_scope() -> contextlib.AbstractContextManager:
    """A context in which float64 tensors stay float64: JAX computes in float32 unless 64-bit
    types are enabled (`jax.enable_x64`); TensorFlow always can (a null context)."""
    if keras.backend.backend() == "jax":
        import jax

        if hasattr(jax, "enable_x64"):
            return jax.enable_x64(True)
    return contextlib.nullcontext()


@contextlib.contextmanager
def quiet_retracing() -> Iterator[None]:
    """TensorFlow's retracing warnings silenced inside (code that compiles new functions on
    purpose, such as a checker compiling every target); nothing on other backends."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
