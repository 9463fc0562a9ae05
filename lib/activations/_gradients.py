"""Helpers shared by the activations that write their gradients out (`keras.ops.custom_gradient`)."""

from __future__ import annotations

from keras import ops


def upstream_gradients(args, upstream) -> tuple:
    """The upstream gradients a `custom_gradient` grad function receives, as a tuple.

    TensorFlow passes them positionally (``grad(*args)``), JAX by keyword (``upstream=``).
    """
    if upstream is None:
        return tuple(args)
    return tuple(upstream) if isinstance(upstream, (tuple, list)) else (upstream,)


def sum_to_shape(grad, shape):
    """Sum a broadcast gradient back to the (static) `shape` of the input it belongs to."""
    shape = tuple(shape)
    extra = len(grad.shape) - len(shape)
    if extra > 0:
        grad = ops.sum(grad, axis=tuple(range(extra)))
    axes = tuple(i for i, (g, s) in enumerate(zip(grad.shape, shape, strict=True))
                 if s == 1 and g != 1)
    if axes:
        grad = ops.sum(grad, axis=axes, keepdims=True)
    return grad
