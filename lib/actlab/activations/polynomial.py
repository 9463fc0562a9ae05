"""Polynomial stand-ins for ReLU and the ReLU→polynomial blend (Delphi-style gradual swap).

A quadratic least-squares fit of ReLU for standard-normal inputs,
``0.1992 + 0.5002 x + 0.1997 x**2``, is close to ReLU on about [-3, 3] (where batch-normalized
pre-activations mostly live) and leaves it fast outside (error 4.4 at |x| = 6). The blend
``(1 - d) * poly(x) + d * relu(x)`` walks from pure ReLU (d = 1) to the pure polynomial (d = 0).

Both functions are pure `keras.ops` with no Python branching on tensor values, so they trace,
`jit_compile`, and accept ``d`` as a tensor or a variable (read at run time, not frozen).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import ops

from actlab.activations._gradients import in_float32, is_half, minimum

__all__ = [
    "DELPHI_COEFFICIENTS",
    "check_coefficients",
    "check_relu_cap",
    "relu_poly_approx",
    "poly_relu_blend",
]

#: ``(c0, c1, c2)`` of the least-squares quadratic fit of ReLU on N(0, 1) used by Delphi.
DELPHI_COEFFICIENTS: tuple[float, float, float] = (0.1992, 0.5002, 0.1997)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_coefficients(coefficients) -> tuple[float, ...]:
    """Validate polynomial coefficients (increasing powers, at least degree 1) and return a tuple.

    Raises:
        ValueError: naming `coefficients` if it is not a sequence of at least two finite
            numbers.
    """
    if isinstance(coefficients, (str, bytes)) or not isinstance(coefficients, Sequence):
        raise ValueError(
            "`coefficients` must be a sequence of numbers (c0, c1, ...), lowest power "
            f"first. Received: coefficients={coefficients!r}"
        )
    values = tuple(coefficients)
    if len(values) < 2 or not all(_is_number(c) for c in values):
        raise ValueError(
            "`coefficients` must hold at least two finite numbers (c0, c1, ...), "
            f"lowest power first. Received: coefficients={coefficients!r}"
        )
    return tuple(float(c) for c in values)


def check_relu_cap(relu_cap) -> float | None:
    """Validate `relu_cap` (None, or a finite number > 0) and return it as a float or None."""
    if relu_cap is None:
        return None
    if not (_is_number(relu_cap) and relu_cap > 0):
        raise ValueError(
            "`relu_cap` must be None or a finite number > 0 (6 gives ReLU6). "
            f"Received: relu_cap={relu_cap!r}"
        )
    return float(relu_cap)


@keras.saving.register_keras_serializable(package="actlab")
def relu_poly_approx(x, coefficients: Sequence[float] = DELPHI_COEFFICIENTS):
    """Polynomial approximation of ReLU, evaluated with Horner's rule.

    Formula:
    ```
    poly(x) = c0 + c1 * x + c2 * x**2 + ...     # default (0.1992, 0.5002, 0.1997)
    ```

    Args:
        x: input tensor.
        coefficients: ``(c0, c1, ...)``, lowest power first, at least two finite numbers.
            The default is the least-squares quadratic fit of ReLU for x ~ N(0, 1).

    Returns:
        A tensor like `x`.

    Reference:
        Mishra et al., 2020, "Delphi: A Cryptographic Inference Service for Neural Networks"
        (USENIX Security), which trains with this kind of polynomial in place of ReLU.
    """
    coeffs = check_coefficients(coefficients)
    x = ops.convert_to_tensor(x)
    result = ops.multiply(ops.ones_like(x), ops.convert_to_tensor(coeffs[-1], dtype=x.dtype))
    for c in reversed(coeffs[:-1]):
        result = ops.add(ops.multiply(result, x), ops.convert_to_tensor(c, dtype=x.dtype))
    return result


def poly_relu_blend(
    x, d, coefficients: Sequence[float] = DELPHI_COEFFICIENTS, relu_cap: float | None = None
):
    """Convex blend of ReLU (or capped ReLU) and its polynomial approximation.

    Formula:
    ```
    relu_c(x) = min(max(x, 0), relu_cap)        # plain max(x, 0) when relu_cap is None
    f(x; d)   = (1 - d) * poly(x) + d * relu_c(x)
    ```
    ``d = 1`` is pure ReLU, ``d = 0`` the pure polynomial. At the kinks, on every backend: the
    ReLU's slope is 0 at ``x = 0`` and, with a cap, 1 at ``x = relu_cap`` (the cap counts as
    inside, like `actlab.activations.truncate`'s boundary). Half-precision inputs are computed in
    float32 and the result cast back, so ``d = 1`` gives ReLU exactly even where the polynomial
    alone would overflow float16 (|x| > ~570). The user's schedule
    ``diff = (TOTAL_EPOCHS - CURRENT_EPOCH) / TOTAL_EPOCHS`` is ``d``.

    Args:
        x: input tensor.
        d: the ReLU weight, a number, tensor or variable broadcastable to `x` (not checked
            here, so a traced value can be passed; `PolyReLUBlend` keeps it in [0, 1]).
        coefficients: polynomial coefficients, lowest power first (see `relu_poly_approx`).
        relu_cap: None for ReLU, or the cap of a clipped ReLU (6 gives ReLU6).

    Returns:
        A tensor like `x`.

    Reference:
        Mishra et al., 2020, "Delphi: A Cryptographic Inference Service for Neural Networks".
    """
    cap = check_relu_cap(relu_cap)
    x = ops.convert_to_tensor(x)
    if is_half(x):  # poly(x) overflows float16 for |x| > ~570, and (1 - d) * inf is NaN at d = 1
        return in_float32(poly_relu_blend, x, d, coefficients, relu_cap)
    relu = ops.relu(x)
    if cap is not None:
        relu = minimum(relu, ops.convert_to_tensor(cap, dtype=x.dtype))  # tie: slope 1 at the cap
    if isinstance(d, (int, float)):  # a Python number: convert at x's precision
        d = ops.convert_to_tensor(d, dtype=x.dtype)
    else:  # a tensor or variable (e.g. a float32 weight in a float64 computation)
        d = ops.cast(d, x.dtype)
    poly = relu_poly_approx(x, coefficients)
    return ops.add(ops.multiply(ops.subtract(1.0, d), poly), ops.multiply(d, relu))
