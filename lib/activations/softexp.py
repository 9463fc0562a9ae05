"""Soft exponential (Godfrey & Gashler 2015): a continuum of log, identity and exp, and its
complex-α form.

Both functions are pure `keras.ops` with no Python branching on tensor values, so they can be
traced, `jit_compile`d and used inside `keras.layers.Activation` (with a fixed α, e.g.
``Activation(lambda x: soft_exponential(x, 0.5))``).

Numerical scheme (identical in float32 and float64; float16/bfloat16 inputs are computed in
float32 and cast back):

* Near α = 0 the closed forms are 0/0. Both branches are rewritten around the scaled argument
  (``z = αx`` for the exponential branch, ``w = −α(x + α)`` for the logarithmic one) and, when
  ``|z|`` or ``|w|`` is below `SERIES_THRESHOLD`, evaluated with a Taylor series of
  ``expm1(z)/z`` or ``log1p(w)/w``. Value, ∂f/∂x and ∂f/∂α are therefore continuous through
  α = 0 (∂f/∂α = 1 + x²/2 there). Every `where` is "double": the inputs of the branch not
  selected are replaced by harmless values first, so no inf/NaN appears even in the backward
  pass.
* Outside the log branch's domain (α < 0 and 1 − α(x + α) ≤ `LOG_FLOOR`) the log's argument is
  clamped to `LOG_FLOOR` = 1e-12, so f = −ln(1e-12)/α = ln(1e-12)/|α| ≈ −27.63/|α|, constant
  in x (∂f/∂x = 0 there). Never NaN.
* Overflow of the exponential branch: the real function caps the exponential part,
  ``min((e^{αx} − 1)/α, EXP_CAP) + α`` with `EXP_CAP` = 1e30 (finite in float32); in the capped
  region f = 1e30 + α, ∂f/∂x = 0 and ∂f/∂α = 1 (for α > e^80/1e30 ≈ 5.5e4 the cap applies
  from αx > 80 on, so that e^{αx} itself never overflows). The complex function clamps the real part of
  the exponent, ``a·x``, to at most `COMPLEX_EXPONENT_CAP` = 60 (e^60 ≈ 1.1e26): for a·x > 60
  it returns ``(e^{60 + i b x} − 1)/α + α``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

# The constants below are documented module attributes, not re-exported by `lib.activations`.
__all__ = ["soft_exponential", "complex_soft_exponential", "complex_soft_exponential_concat"]

#: |αx| (exp branch) or |α(x + α)| (log branch) below which the Taylor series is used.
SERIES_THRESHOLD = 1e-2
#: Floor of the log branch's argument 1 − α(x + α).
LOG_FLOOR = 1e-12
#: Cap of the real exponential part (e^{αx} − 1)/α.
EXP_CAP = 1e30
#: Hard cap of the exponent αx (binding only for α > e^80/EXP_CAP ≈ 5.5e4).
_EXPONENT_HARD_CAP = 80.0
#: Cap of the real part a·x of the complex exponent.
COMPLEX_EXPONENT_CAP = 60.0

# expm1(z)/z = sum z^k/(k+1)!   and   log1p(w)/w = sum (-w)^k/(k+1), k = 0..7
_EXPM1_COEFFS = [1.0, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320]
_LOG1P_COEFFS = [1.0, -1 / 2, 1 / 3, -1 / 4, 1 / 5, -1 / 6, 1 / 7, -1 / 8]


def _prepare(x, *alphas):
    """Tensors in a computation dtype (float32 for half precision) and the output dtype."""
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        x = ops.cast(x, keras.config.floatx())
    out_dtype = keras.backend.standardize_dtype(x.dtype)
    dtype = "float32" if out_dtype in ("float16", "bfloat16") else out_dtype
    x = ops.cast(x, dtype)
    return x, [_as_dtype(a, dtype) for a in alphas], out_dtype


def _as_dtype(value, dtype):
    """Python/NumPy values are converted straight to `dtype` (no float32 detour)."""
    if isinstance(value, (int, float, list, tuple, np.ndarray, np.generic)):
        return ops.convert_to_tensor(np.asarray(value, dtype=dtype))
    return ops.cast(value, dtype)


def _horner(coeffs, t):
    """sum_k coeffs[k] t^k for a real tensor t."""
    acc = ops.full_like(t, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = acc * t + c
    return acc


def soft_exponential(x, alpha):
    """Soft exponential activation f(α, x), continuous through α = 0.

    Formula:
    ```
    f(α, x) = −ln(1 − α(x + α)) / α    if α < 0
            = x                        if α = 0
            = (e^{αx} − 1) / α + α     if α > 0
    ```
    α = −1 gives ln(x) (x > 0), α = 0 the identity, α = 1 gives eˣ. ∂f/∂x = 1/(1 − α(α + x))
    for α < 0 and e^{αx} for α ≥ 0; ∂f/∂α → 1 + x²/2 as α → 0.

    Finite for every finite input (see the module docstring): the log's argument is clamped at
    `LOG_FLOOR` = 1e-12, so for α < 0 and 1 − α(x + α) ≤ 1e-12 the function returns
    ln(1e-12)/|α| (constant in x); the exponential part is capped at `EXP_CAP` = 1e30, so for
    α > 0 and (e^{αx} − 1)/α > 1e30 it returns 1e30 + α (constant in x).

    Args:
        x: input tensor.
        alpha: α, a scalar or tensor broadcastable against `x` (e.g. one per unit).

    Returns:
        A tensor of the broadcast shape, in the dtype of `x`.

    Reference:
        Godfrey & Gashler, "A continuum among logarithmic, linear, and exponential functions,
        and its potential to improve generalization in neural networks", KDIR 2015,
        arXiv:1602.01321.
    """
    x, (alpha,), out_dtype = _prepare(x, alpha)
    zero, one = ops.zeros_like(alpha), ops.ones_like(alpha)
    tau = SERIES_THRESHOLD

    # ---- exponential branch (α ≥ 0); α < 0 is replaced by 0 before any arithmetic
    a_exp = ops.where(alpha >= 0, alpha, zero)
    z = a_exp * x
    z_cap = ops.minimum(ops.log1p(a_exp * EXP_CAP), _EXPONENT_HARD_CAP)
    small_z = ops.abs(z) < tau
    capped = z > z_cap
    z_series = ops.where(small_z, z, ops.zeros_like(z))
    exp_series = x * _horner(_EXPM1_COEFFS, z_series)
    direct = ops.logical_not(ops.logical_or(small_z, capped))  # the cap has priority
    z_direct = ops.where(direct, z, ops.ones_like(z))
    a_direct = ops.where(direct, a_exp, ops.ones_like(z))
    exp_direct = ops.expm1(z_direct) / a_direct
    exp_part = ops.where(capped, ops.full_like(exp_direct, EXP_CAP),
                         ops.where(small_z, exp_series, exp_direct))
    f_exp = exp_part + a_exp

    # ---- logarithmic branch (α < 0); α ≥ 0 is replaced by 0 before any arithmetic
    a_log = ops.where(alpha < 0, alpha, zero)
    s = x + a_log
    w = -a_log * s                                  # u − 1, accurate for small |w|
    u = (1.0 - a_log) * (1.0 + a_log) - a_log * x   # 1 − α(x + α), accurate near 0
    small_w = ops.abs(w) < tau
    w_series = ops.where(small_w, w, ops.zeros_like(w))
    log_series = s * _horner(_LOG1P_COEFFS, w_series)
    near_zero = u < 0.5                             # use log(u) there, log1p(w) elsewhere
    u_safe = ops.where(near_zero, ops.maximum(u, LOG_FLOOR), ops.ones_like(u))
    w_safe = ops.where(near_zero, ops.zeros_like(w), w)
    log_u = ops.where(near_zero, ops.log(u_safe), ops.log1p(w_safe))
    a_safe = ops.where(small_w, -one, a_log)
    log_direct = -log_u / a_safe
    f_log = ops.where(small_w, log_series, log_direct)

    out = ops.where(alpha < 0, f_log, f_exp)
    return ops.cast(out, out_dtype)


def _cmul(ar, ai, br, bi):
    return ar * br - ai * bi, ar * bi + ai * br


def complex_soft_exponential(x, alpha_real, alpha_imag):
    """Soft exponential with complex α = a + ib applied to real x, in real arithmetic.

    Uses the analytic (exponential-branch) formula for every α, so it is holomorphic in α.

    Formula:
    ```
    f(α, x) = (e^{αx} − 1) / α + α,      α = a + ib,  e^{αx} = e^{ax}(cos bx + i sin bx)
    ```
    f(i, x) = sin x + i(2 − cos x); with b = 0 it equals the real soft exponential's α ≥ 0
    branch (below the caps). Near α = 0 (|αx| < `SERIES_THRESHOLD`) the Taylor series of
    (e^z − 1)/z is used, so it is finite and continuous there (f(0, x) = x + 0i).

    Overflow: the real part of the exponent is clamped, a·x ≤ `COMPLEX_EXPONENT_CAP` = 60, so
    for a·x > 60 it returns (e^{60 + ibx} − 1)/α + α (|f| ≲ 1.1e26/|α|). Values are finite in
    float32 for |x| ≤ 1e14 (any α) and gradients for |x| ≤ 1e6; always in float64.

    Args:
        x: real input tensor.
        alpha_real: a, broadcastable against `x`.
        alpha_imag: b, broadcastable against `x`.

    Returns:
        `(real, imag)`: two tensors of the broadcast shape (Re f and Im f).

    Reference:
        Godfrey & Gashler, arXiv:1602.01321, section on sinusoids (complex α).
    """
    x, (a, b), out_dtype = _prepare(x, alpha_real, alpha_imag)
    tau = SERIES_THRESHOLD
    p, q = a * x, b * x                              # z = αx = p + iq
    small = p * p + q * q < tau * tau

    # series: x · sum z^k/(k+1)!, with z replaced by 0 where not selected
    ps = ops.where(small, p, ops.zeros_like(p))
    qs = ops.where(small, q, ops.zeros_like(q))
    acc_r = ops.full_like(ps, _EXPM1_COEFFS[-1])
    acc_i = ops.zeros_like(qs)
    for c in reversed(_EXPM1_COEFFS[:-1]):
        acc_r, acc_i = _cmul(acc_r, acc_i, ps, qs)
        acc_r = acc_r + c
    series_r, series_i = x * acc_r, x * acc_i

    # direct: (e^{z} − 1)/α with the real part of the exponent capped
    ones = ops.ones_like(p)
    pd = ops.where(small, ones, ops.minimum(p, COMPLEX_EXPONENT_CAP))
    qd = ops.where(small, ops.zeros_like(q), q)
    ad = ops.where(small, ones, a + ops.zeros_like(p))
    bd = ops.where(small, ops.zeros_like(q), b + ops.zeros_like(q))
    half_sin = ops.sin(qd / 2)
    num_r = ops.expm1(pd) * ops.cos(qd) - 2.0 * half_sin * half_sin   # e^p cos q − 1
    num_i = ops.exp(pd) * ops.sin(qd)
    den = ad * ad + bd * bd
    direct_r = (num_r * ad + num_i * bd) / den
    direct_i = (num_i * ad - num_r * bd) / den

    real = ops.where(small, series_r, direct_r) + a
    imag = ops.where(small, series_i, direct_i) + b
    return ops.cast(real, out_dtype), ops.cast(imag, out_dtype)


def complex_soft_exponential_concat(x, alpha_real, alpha_imag, axis=-1):
    """`concat([Re f, Im f], axis)` of `complex_soft_exponential`: twice the features."""
    real, imag = complex_soft_exponential(x, alpha_real, alpha_imag)
    return ops.concatenate([real, imag], axis=axis)
