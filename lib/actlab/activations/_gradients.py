"""Helpers shared by the activations that write their gradients out (`keras.ops.custom_gradient`)."""

from __future__ import annotations

import keras
from keras import ops

HALF_DTYPES = ("float16", "bfloat16")


def is_half(x) -> bool:
    """True when `x` is float16 or bfloat16 (mixed precision)."""
    return keras.backend.standardize_dtype(x.dtype) in HALF_DTYPES


def computation_dtype(x):
    """``(x, out_dtype)``: `x` as a float tensor in the dtype to compute in (float32 for half
    precision, floatx for integers, else its own) and the dtype the result is returned in."""
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        x = ops.cast(x, keras.config.floatx())
    out_dtype = keras.backend.standardize_dtype(x.dtype)
    return ops.cast(x, "float32" if out_dtype in HALF_DTYPES else out_dtype), out_dtype


def in_float32(fn, x, *args, **kwargs):
    """``fn(x, ...)`` computed in float32 when `x` is half precision, cast back to `x`'s dtype.

    For functions whose intermediates overflow or underflow in float16 although their result
    fits (a row's sum of squares, a polynomial multiplied by a weight of 0): as Keras's own
    normalization layers do under mixed precision.
    """
    if not is_half(x):
        return fn(x, *args, **kwargs)
    return ops.cast(fn(ops.cast(x, "float32"), *args, **kwargs), x.dtype)


def upstream_gradients(args, upstream) -> tuple:
    """The upstream gradients a `custom_gradient` grad function receives, as a tuple.

    TensorFlow passes one positional argument per output (``grad(dy0, dy1)``); JAX's
    ``jax.custom_gradient`` passes the output's cotangent as one positional argument, which for
    a function returning a tuple is itself a tuple (``grad((dy0, dy1))``); some Keras versions
    pass it by keyword (``upstream=``). All three give ``(dy0, dy1, ...)`` here.
    """
    if upstream is None:
        if len(args) == 1 and isinstance(args[0], (tuple, list)):
            return tuple(args[0])
        return tuple(args)
    return tuple(upstream) if isinstance(upstream, (tuple, list)) else (upstream,)


def sum_to_shape(grad, shape):
    """Sum a broadcast gradient back to the (static) `shape` of the input it belongs to."""
    shape = tuple(shape)
    extra = len(grad.shape) - len(shape)
    if extra > 0:
        grad = ops.sum(grad, axis=tuple(range(extra)))
    axes = tuple(
        i for i, (g, s) in enumerate(zip(grad.shape, shape, strict=True)) if s == 1 and g != 1
    )
    if axes:
        grad = ops.sum(grad, axis=axes, keepdims=True)
    return grad


# ---------------------------------------------------------------------------------------------
# Backend-independent conventions. TensorFlow and JAX differ in a few gradients of elementary
# ops; the functions of `lib` use the helpers below so that they compute the same gradient on
# every backend (tests/test_backends.py checks that they do).


def minimum(a, b):
    """``min(a, b)`` whose gradient at a tie (``a == b``) goes entirely to `a`.

    TensorFlow's ``Minimum`` sends a tie's gradient to its first input; JAX's ``lax.min``
    splits it, half to each (so ``d/dx min(x, 0)`` is 1 on TensorFlow and 0.5 on JAX at 0).
    Written as ``where(a > b, b, a)``: TensorFlow's convention on every backend. A NaN in `a`
    propagates (``NaN > b`` is false).
    """
    return ops.where(a > b, b, a)


def maximum(a, b):
    """``max(a, b)`` whose gradient at a tie goes entirely to `a` (see `minimum`)."""
    return ops.where(a < b, b, a)


@ops.custom_gradient
def _expm1(x):
    y = ops.expm1(x)

    def grad(*args, upstream=None):
        (dy,) = upstream_gradients(args, upstream)
        return dy * ops.exp(x)

    return y, grad


def expm1(x):
    """``exp(x) - 1`` (`keras.ops.expm1`) whose gradient is ``exp(x)``, computed as such.

    TensorFlow differentiates ``Expm1`` as ``exp(x)``; JAX as ``expm1(x) + 1``, which in
    float32 loses every digit for ``x << 0`` (it returns 0 instead of 9e-14 at x = -30, and is
    off by 4e-4 relative at x = -10). The gradient here is TensorFlow's on every backend. First
    order only (the gradient itself is not differentiated again through this function's rule).
    """
    return _expm1(x)
