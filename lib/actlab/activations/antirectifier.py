"""Antirectifier and CReLU as plain `keras.ops` functions.

The Antirectifier (Keras's old `examples/antirectifier.py`) centres each sample over the feature
axis, L2-normalizes it, and returns the positive and the negative part side by side, so the
chosen axis doubles in size. CReLU (concatenated ReLU, Shang et al. 2016) is the same
concatenation without the centring and normalization: the ablation of the two.

The normalization is ``c / sqrt(sum(c**2) + epsilon)``. The reason is a constant row: after
centring it is exactly zero. The exact ``c / ||c||`` then gives 0/0, NaN in the value and in the
gradient. Guarded forms that put epsilon *outside* the square root (``c / max(||c||, eps)``,
``c / (||c|| + eps)``) have finite values, and on TensorFlow 2.21 finite gradients too (the
gradient of ``sqrt`` at 0 is infinite, and whether the chain turns that into NaN depends on the
backend's gradient kernels), but their Jacobian at a zero row is ``1 / eps`` (1e12 for
eps=1e-12). With epsilon *inside* the square root the map is smooth everywhere: a zero row maps
to zero with the Jacobian ``(I - 1/n) / sqrt(epsilon)`` (1e3 for the default), and for
ordinary rows (``sum(c**2) >> epsilon``) the result differs from ``c / ||c||`` by a relative
``epsilon / (2 * sum(c**2))``. The Keras example's ``K.l2_normalize`` (``c * rsqrt(max(sum(c**2),
1e-12))``) is finite too, with a Jacobian of 1e6 at a zero row.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from actlab.activations._gradients import in_float32, is_half, upstream_gradients

__all__ = [
    "antirectify",
    "antirectify_autodiff",
    "centered_l2_normalize",
    "crelu",
    "ANTIRECTIFIER_EPSILON",
]

#: Added to the sum of squares before the square root. 1e-6 bounds the Jacobian at a constant
#: row by 1e3 and is still representable in float16 (mixed precision), where 1e-12 underflows to 0
#: and brings back 0/0; it changes a row whose centred values have a sum of squares of 1 by 5e-7
#: relative. Pass a smaller value to follow ``c / ||c||`` more closely on tiny rows.
ANTIRECTIFIER_EPSILON = 1e-6


def _check_axis(x, axis) -> int:
    """`axis` as a non-negative int, checked against the static rank of `x` (no tensor values)."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an integer. Received: axis={axis!r}")
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise ValueError(
            f"`axis` must be in [-{rank}, {rank}) for an input of rank {rank}. "
            f"Received: axis={axis!r}"
        )
    return axis % rank


def _check_epsilon(epsilon) -> None:
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, (int, float))
        or not math.isfinite(epsilon)
        or epsilon <= 0
    ):
        raise ValueError(f"`epsilon` must be a finite number > 0. Received: epsilon={epsilon!r}")


@keras.saving.register_keras_serializable(package="actlab")
def centered_l2_normalize(x, axis: int = -1, epsilon: float = ANTIRECTIFIER_EPSILON):
    """Subtract the mean over `axis`, then divide by ``sqrt(sum of squares + epsilon)``.

    Formula:
    ```
    c = x - mean(x, axis)
    y = c / sqrt(sum(c**2, axis) + epsilon)
    ```
    Smooth everywhere, including a constant row (where ``c = 0`` and ``y = 0``). Half-precision
    inputs are computed in float32 and the result cast back: in float16 the sum of squares of a
    row of size 1e-4 (or 6e4) leaves the range and the gradient becomes NaN.
    """
    axis = _check_axis(x, axis)
    _check_epsilon(epsilon)
    x = ops.convert_to_tensor(x)
    if is_half(x):  # the sum of squares of a tiny or large row leaves float16's range
        return in_float32(centered_l2_normalize, x, axis=axis, epsilon=epsilon)
    centered = x - ops.mean(x, axis=axis, keepdims=True)  # a new tensor: the input is untouched
    sum_sq = ops.sum(ops.square(centered), axis=axis, keepdims=True)
    return centered / ops.sqrt(sum_sq + float(epsilon))  # a Python float keeps the dtype exact


@keras.saving.register_keras_serializable(package="actlab")
def crelu(x, axis: int = -1):
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)``; doubles `axis`.

    Formula:
    ```
    y = concat([max(x, 0), max(-x, 0)], axis)
    ```

    Reference:
        Shang et al., 2016, "Understanding and Improving Convolutional Neural Networks via
        Concatenated Rectified Linear Units", https://arxiv.org/abs/1603.05201
    """
    axis = _check_axis(x, axis)
    x = ops.convert_to_tensor(x)
    return ops.concatenate([ops.relu(x), ops.relu(-x)], axis=axis)


@keras.saving.register_keras_serializable(package="actlab")
def antirectify(x, axis: int = -1, epsilon: float = ANTIRECTIFIER_EPSILON):
    """Antirectifier: centre and L2-normalize over `axis`, then CReLU; doubles `axis`.

    Formula:
    ```
    c = x - mean(x, axis)
    n = c / sqrt(sum(c**2, axis) + epsilon)
    y = concat([max(n, 0), max(-n, 0)], axis)
    ```

    Works for inputs of any rank (e.g. the channel axis after a `Conv2D`). A constant row gives
    zeros with a finite gradient (see the module docstring).

    The gradient is written out: with ``g = dL/dn`` (the upstream gradient of the positive half
    where ``n > 0`` minus that of the negative half where ``n < 0``), ``r = (sum(c**2) +
    epsilon)**-0.5`` and ``s = sum(g * c)``, ``dL/dc = g r - c s r**3`` and ``dL/dx = dL/dc -
    mean(dL/dc)``: autodiff's result (`antirectify_autodiff`) to rounding, computed from the
    forward pass's normalized values in one elementwise pass plus two row sums. On the last axis
    every row sum is a matrix-vector product with a vector of ones: XLA on CPU reads the operand
    once for it, while a reduction first writes its (fused) operand out to memory. Notebook 06
    times both versions. Half-precision inputs are computed in float32 and the result cast back
    (see `centered_l2_normalize`).

    Reference:
        F. Chollet, Keras example `antirectifier.py` (2016); keras-io recipe
        "Simple custom layer example: Antirectifier".
    """
    axis = _check_axis(x, axis)
    _check_epsilon(epsilon)
    x = ops.convert_to_tensor(x)
    if is_half(x):  # as centered_l2_normalize: the row norm needs float32's range
        return in_float32(antirectify, x, axis=axis, epsilon=epsilon)
    size = x.shape[axis]
    last = axis == len(x.shape) - 1 and size is not None

    def row_sum(t):
        if last:
            return ops.matmul(t, ops.ones((size, 1), dtype=t.dtype))
        return ops.sum(t, axis=axis, keepdims=True)

    @ops.custom_gradient
    def antirectifier(x):
        n_features = ops.cast(ops.shape(x)[axis], x.dtype)
        centered = x - row_sum(x) / n_features
        sum_sq = row_sum(ops.square(centered)) + float(epsilon)
        inv_norm = ops.rsqrt(sum_sq)
        normed = centered * inv_norm
        y = ops.concatenate([ops.relu(normed), ops.relu(-normed)], axis=axis)

        def grad(*args, upstream=None):
            (dy,) = upstream_gradients(args, upstream)
            d_pos, d_neg = ops.split(dy, 2, axis=axis)
            zeros = ops.zeros_like(d_pos)
            g = ops.where(normed > 0, d_pos, zeros) - ops.where(normed < 0, d_neg, zeros)
            d_centered = g * inv_norm - centered * (row_sum(g * centered) * inv_norm / sum_sq)
            return d_centered - row_sum(d_centered) / n_features

        return y, grad

    return antirectifier(x)


@keras.saving.register_keras_serializable(package="actlab")
def antirectify_autodiff(x, axis: int = -1, epsilon: float = ANTIRECTIFIER_EPSILON):
    """`antirectify` as ``crelu(centered_l2_normalize(x))`` with autodiff gradients.

    Same values to rounding; kept as the tests' independent check of `antirectify`'s written-out
    gradient and as notebook 06's "before".
    """
    axis = _check_axis(x, axis)
    return crelu(centered_l2_normalize(x, axis=axis, epsilon=epsilon), axis=axis)
