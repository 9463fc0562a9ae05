"""ELU written by hand: the naive `where` version that trains to NaN, and three safe versions.

ELU (Clevert et al., 2016) is ``x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise. Written
as ``where(x > 0, x, exp(x) - 1)`` it has the right *value* everywhere, but both branches are
evaluated and differentiated: for ``x`` above ``ln(FLT_MAX) ~ 88.7228`` the unselected branch's
derivative ``exp(x)`` is ``inf`` in float32, and the backward pass of ``where`` multiplies it by
the zero it routes to the unselected branch: ``0 * inf = NaN``. Keras's own ELU does not have
the problem because TensorFlow's ``Elu`` op has its own gradient.

The functions here are pure `keras.ops` (traceable, `jit_compile`-able, no Python branching on
tensor values) and registered, so a model using them by reference in ``Dense(activation=...)``
or ``Activation(...)`` saves and reloads with ``safe_mode=True``:

* `naive_elu`: the user's version, kept so that the failure stays reproducible.
* `safe_elu`: clamps the exponent, ``expm1(minimum(x, 0))``, so neither branch overflows.
* `elu_double_where`: the "double where" trick: the exponential's input is replaced by a
  harmless value where its branch is not selected (TF issue 38349; JAX FAQ "gradients contain
  NaN where using where").
* `elu_custom_gradient`: the naive forward pass with an explicit gradient,
  ``1`` for ``x > 0`` and ``y + alpha`` otherwise (as TensorFlow's ``EluGrad`` does), via
  `keras.ops.custom_gradient`.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from actlab.activations._gradients import expm1, minimum, upstream_gradients

__all__ = [
    "EXP_OVERFLOW_FLOAT32",
    "elu_custom_gradient",
    "elu_double_where",
    "naive_elu",
    "safe_elu",
]

#: ``ln(FLT_MAX)``: ``exp(x)`` is ``inf`` in float32 above this (88.72283...).
EXP_OVERFLOW_FLOAT32 = math.log(3.4028234663852886e38)


def _check_alpha(alpha) -> None:
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float))
        or not math.isfinite(alpha)
        or alpha < 0
    ):
        raise ValueError(f"`alpha` must be a finite number >= 0. Received: alpha={alpha!r}")


@keras.saving.register_keras_serializable(package="actlab")
def naive_elu(x, alpha=1.0):
    """ELU written as the user wrote it: ``where(x > 0, x, alpha * (exp(x) - 1))``.

    Correct in value everywhere, but its gradient is NaN wherever ``exp(x)`` overflows
    (``x > 88.72`` in float32, ``x > 709.78`` in float64): ``where``'s backward pass sends a zero
    to the unselected branch and ``0 * inf = NaN``. Kept on purpose to reproduce the failure.

    Formula:
    ```
    y = where(x > 0, x, alpha * (exp(x) - 1))
    ```

    Args:
        x: Input tensor.
        alpha: Scale of the negative branch, a finite number >= 0. Defaults to `1.0`.

    Reference:
        - [Clevert et al., 2016](https://arxiv.org/abs/1511.07289)
    """
    _check_alpha(alpha)
    x = ops.convert_to_tensor(x)
    return ops.where(x > 0, x, alpha * (ops.exp(x) - 1))


@keras.saving.register_keras_serializable(package="actlab")
def safe_elu(x, alpha=1.0):
    """ELU with a clamped exponent: both branches are finite for every finite ``x``.

    The exponential only ever sees ``min(x, 0) <= 0``, so it cannot overflow; the unselected
    branch's derivative is then ``0`` (or ``exp(0) * 0``), and ``0 * finite = 0``. Uses
    ``expm1`` for accuracy near 0; TensorFlow's built-in ``Elu`` computes ``exp(x) - 1`` instead
    (its op documentation: "exp(features) - 1 if < 0"; ``tf.nn.elu(-1e-3)`` is -9.9951029e-4 in
    float32, as ``exp(x) - 1``, where ``expm1`` gives -9.9950017e-4), so the two differ in the
    last bits near 0.

    Same gradient on every backend: at ``x = 0`` it is ``alpha`` (the negative branch's slope,
    as TensorFlow's ``Elu``; the tie of ``min(x, 0)`` goes to ``x``, where JAX's ``minimum``
    would split it and give ``alpha / 2``), and the derivative of ``expm1`` is ``exp(x)``
    (JAX's own rule, ``expm1(x) + 1``, is 0 in float32 for x < -17). See
    `actlab.activations._gradients`.

    Formula:
    ```
    y = where(x > 0, x, alpha * expm1(minimum(x, 0)))
    ```

    Args:
        x: Input tensor.
        alpha: Scale of the negative branch, a finite number >= 0. Defaults to `1.0`.

    Reference:
        - [Clevert et al., 2016](https://arxiv.org/abs/1511.07289)
    """
    _check_alpha(alpha)
    x = ops.convert_to_tensor(x)
    return ops.where(x > 0, x, alpha * expm1(minimum(x, ops.zeros_like(x))))


@keras.saving.register_keras_serializable(package="actlab")
def elu_double_where(x, alpha=1.0):
    """ELU with the "double where" trick.

    An inner ``where`` feeds the exponential a harmless ``0`` wherever its branch will not be
    selected, so the gradient that the outer ``where`` zeroes is finite. The gradient at
    ``x = 0`` is ``alpha``; ``expm1``'s derivative is ``exp(x)`` on every backend (see
    `safe_elu`).

    Formula:
    ```
    x_neg = where(x > 0, 0, x)
    y = where(x > 0, x, alpha * expm1(x_neg))
    ```

    Args:
        x: Input tensor.
        alpha: Scale of the negative branch, a finite number >= 0. Defaults to `1.0`.

    Reference:
        - TensorFlow issue 38349 and the `tf.where` documentation note on gradients.
        - JAX FAQ, "Gradients contain NaN where using where".
    """
    _check_alpha(alpha)
    x = ops.convert_to_tensor(x)
    positive = x > 0
    x_neg = ops.where(positive, ops.zeros_like(x), x)
    return ops.where(positive, x, alpha * expm1(x_neg))


def _elu_with_gradient(alpha):
    @ops.custom_gradient
    def elu(x):
        positive = x > 0
        y = ops.where(positive, x, alpha * (ops.exp(x) - 1))  # may compute inf, never selects it

        def grad(*args, upstream=None):
            (dy,) = upstream_gradients(args, upstream)
            # d/dx alpha * (exp(x) - 1) = alpha * exp(x) = y + alpha: no exp in the backward pass.
            return dy * ops.where(positive, ops.ones_like(y), y + alpha)

        return y, grad

    return elu


@keras.saving.register_keras_serializable(package="actlab")
def elu_custom_gradient(x, alpha=1.0):
    """ELU with an explicit gradient (`keras.ops.custom_gradient`), like TensorFlow's ``Elu`` op.

    The forward pass is the naive one (its ``inf`` is computed but never selected); the
    gradient is written out, so the backward pass never multiplies ``0 * inf``. Works eagerly,
    in graph mode and under ``jit_compile`` (TensorFlow backend).

    Formula:
    ```
    y = where(x > 0, x, alpha * (exp(x) - 1))
    dy/dx = where(x > 0, 1, y + alpha)
    ```

    Args:
        x: Input tensor.
        alpha: Scale of the negative branch, a finite number >= 0. Defaults to `1.0`.

    Reference:
        - [Clevert et al., 2016](https://arxiv.org/abs/1511.07289)
    """
    _check_alpha(alpha)
    return _elu_with_gradient(float(alpha))(ops.convert_to_tensor(x))
