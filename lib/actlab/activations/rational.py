"""Rational (Padé) activations: a ratio of polynomials P(x)/Q(x) with a pole-free denominator;
the float64 least-squares fit that initialises their coefficients is
`actlab.activations.rational_fit` (its names are importable from here too).

`rational` is pure `keras.ops` (Horner evaluation, no Python branching on tensor values), so it
traces, `jit_compile`s and runs on every Keras backend; its gradients (in x and in every
coefficient) are left to autodiff: the backward pass of a Horner scheme is itself a short
chain of multiply-adds, and notebook 08 times it against ReLU and PReLU. A written-out gradient
(`keras.ops.custom_gradient`, the same formulas) was not kept: its gain over autodiff was small
(docs/performance.md).

The "safe" denominator
----------------------
This module implements

    Q(x) = 1 + |b1 x + b2 x² + … + bn xⁿ|            (safe=True, the absolute value of the sum)

which is >= 1 for every x, so P/Q has no pole and |P/Q| <= |P|. It is the variant the reference
implementation of Molina et al. (`rational_activations` / `pau`) calls "version B". The safe PAU
of the paper (and that library's default, "version A") puts the absolute value on every term:

    Q_A(x) = 1 + |b1 x| + |b2 x²| + … + |bn xⁿ| = 1 + Σ |bk| |x|^k,

also >= 1. The two agree when every bk xᵏ has the same sign (e.g. a single term, or x >= 0 with
all bk >= 0) and differ otherwise: Q_A >= Q, Q_A is an even function of x with |bk| as its only
dependence on the signs of the coefficients (so bk and −bk give the same unit), while Q can
cancel terms against each other and reach its floor 1 at the roots of b1 x + … + bn xⁿ; Q is
not differentiable in b where that sum is 0, Q_A where any bk or x is 0. `safe=False` gives the
plain Padé form Q = 1 + b1 x + … + bn xⁿ, which can vanish (a pole).

Range: P and Q are evaluated by Horner's rule in the input's precision (float32 for half
precision inputs), so in float32 they overflow to inf, and P/Q to NaN, once |x|^max(m, n) times
the coefficients passes ~3e38: for degrees (5, 4) and coefficients of order 1 that is
|x| ≳ 4e7.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from actlab.activations._gradients import computation_dtype
from actlab.activations.rational_fit import (
    APPROXIMATIONS,
    RationalFit,
    approximation_target,
    check_safe,
    fit_rational,
)

# importable from here as before the fit had its own module
from actlab.activations.rational_fit import LEAKY_RELU_SLOPE as LEAKY_RELU_SLOPE  # noqa: I001
from actlab.activations.rational_fit import MAX_DEGREE as MAX_DEGREE
from actlab.activations.rational_fit import _numpy_rational as _numpy_rational
from actlab.activations.rational_fit import check_degrees as check_degrees
from actlab.activations.rational_fit import check_fit_range as check_fit_range

__all__ = ["rational", "fit_rational", "RationalFit", "APPROXIMATIONS", "approximation_target"]


# --------------------------------------------------------------------------- the function


def _coefficients(value, dtype, name):
    """Coefficients as a tensor in `dtype`, coefficient index first (Python/NumPy values are
    converted straight to `dtype`, without a float32 detour)."""
    if isinstance(value, (list, tuple, np.ndarray, np.generic, int, float)):
        arr = np.asarray(value, dtype=dtype)
        if arr.ndim == 0:
            raise ValueError(
                f"`{name}` must be a sequence of coefficients, lowest power first. "
                f"Received: {name}={value!r}"
            )
        return ops.convert_to_tensor(arr)
    return ops.cast(ops.convert_to_tensor(value), dtype)


def rational(x, numerator, denominator, safe: bool = True):
    """Rational activation P(x)/Q(x) with a denominator that never vanishes (when `safe`).

    Formula:
    ```
    P(x) = a0 + a1 x + … + am x^m
    Q(x) = 1 + |b1 x + b2 x² + … + bn x^n|      # safe=True (>= 1: no pole)
    Q(x) = 1 + b1 x + b2 x² + … + bn x^n        # safe=False (plain Padé form)
    f(x) = P(x) / Q(x)
    ```
    Both polynomials are evaluated by Horner's rule. Where b1 x + … + bn x^n = 0 (always at
    x = 0) |·| has a kink; there the gradient uses d|s|/ds = 0, the mean of the one-sided slopes,
    on every backend (TensorFlow's `abs` does so, JAX's takes +1; the function computes |s| as
    s · sign(s) with the sign held constant, which gives the same value and the same gradient
    on both). The safe denominator is the absolute value
    of the sum ("version B" of the reference library), not the paper's safe PAU
    1 + Σ|bk||x|^k (see the module docstring for how they differ). An empty `denominator`
    gives the polynomial P.

    Args:
        x: input tensor.
        numerator: (a0, …, am), lowest power first: a sequence of numbers, or a tensor or
            variable whose first axis indexes the coefficients and whose other axes broadcast
            against `x` (e.g. shape (m + 1, channels) for one set per channel).
        denominator: (b1, …, bn), lowest power first, in the same layout (no b0: Q(0) = 1).
        safe: True for the pole-free denominator, False for the plain one.

    Returns:
        A tensor of the broadcast shape, in the dtype of `x` (half precision is computed in
        float32 and cast back).

    Reference:
        Molina, Schramowski and Kersting, "Padé Activation Units: End-to-end Learning of
        Flexible Activation Functions in Deep Networks", ICLR 2020, arXiv:1907.06732.
    """
    check_safe(safe)
    x, out_dtype = computation_dtype(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    a = _coefficients(numerator, dtype, "numerator")
    b = _coefficients(denominator, dtype, "denominator")
    m, n = a.shape[0], b.shape[0]
    if not m:
        raise ValueError(
            f"`numerator` needs at least one coefficient (a0). Received: numerator={numerator!r}"
        )
    p = a[m - 1] * ops.ones_like(x)
    for k in range(m - 2, -1, -1):
        p = p * x + a[k]
    if n:
        s = b[n - 1] * ops.ones_like(x)
        for k in range(n - 2, -1, -1):
            s = s * x + b[k]
        s = s * x  # b1 x + … + bn x^n
        if safe:  # |s| with d|s|/ds = sign(s), 0 at s = 0 on every backend (see the docstring)
            s = s * ops.stop_gradient(ops.sign(s))
        p = p / (1.0 + s)
    return ops.cast(p, out_dtype)
