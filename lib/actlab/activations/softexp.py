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
  α = 0 (∂f/∂α = 1 + x²/2 there).
* Outside the log branch's domain (α < 0 and 1 − α(x + α) ≤ `LOG_FLOOR`) the log's argument is
  clamped to `LOG_FLOOR` = 1e-12, so f = −ln(1e-12)/α = ln(1e-12)/|α| ≈ −27.63/|α|, constant
  in x (∂f/∂x = 0 there). Never NaN.
* Overflow of the exponential branch: the real function caps the exponential part,
  ``min((e^{αx} − 1)/α, EXP_CAP) + α`` with `EXP_CAP` = 1e30 (finite in float32); in the capped
  region f = 1e30 + α, ∂f/∂x = 0 and ∂f/∂α = 1 (for α > e^80/1e30 ≈ 5.5e4 the cap applies
  from αx > 80 on, so that e^{αx} itself never overflows). The complex function clamps the real part of
  the exponent, ``a·x``, to at most `COMPLEX_EXPONENT_CAP` = 60 (e^60 ≈ 1.1e26): for a·x > 60
  it returns ``(e^{60 + i b x} − 1)/α + α``.

Gradients are written out (`keras.ops.custom_gradient`) rather than left to autodiff. The
formulas are the derivatives of the forward scheme above, branch by branch, and reuse the
forward pass's exponential, logarithm and sines, so the backward pass needs no transcendental
function of its own and no `where` ever multiplies an unselected infinity by zero. Autodiff
through the same scheme (kept in `actlab.activations.softexp_autodiff`) gives the same numbers to
rounding but is slower under XLA (notebook 06 times both): XLA fused the gradient of every branch
separately into the ∂f/∂x pass and into the per-unit α reduction, evaluating each branch again.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from actlab.activations._gradients import computation_dtype, sum_to_shape, upstream_gradients

# The constants below are documented module attributes, not re-exported by `actlab.activations`.
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


def _derivative(coeffs):
    """Coefficients of the derivative of sum coeffs[k] t^k."""
    return [k * c for k, c in enumerate(coeffs)][1:]


_EXPM1_DERIV = _derivative(_EXPM1_COEFFS)  # (z e^z − expm1 z)/z² = 1/2 + z/3 + z²/8 + ...
_LOG1P_DERIV = _derivative(_LOG1P_COEFFS)


def _prepare(x, *alphas):
    """Tensors in a computation dtype (float32 for half precision) and the output dtype."""
    x, out_dtype = computation_dtype(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    return x, [_as_dtype(a, dtype) for a in alphas], out_dtype


def _as_dtype(value, dtype):
    """Python/NumPy values are converted straight to `dtype` (no float32 detour)."""
    if isinstance(value, (int, float, list, tuple, np.ndarray, np.generic)):
        return ops.convert_to_tensor(np.asarray(value, dtype=dtype))
    return ops.cast(ops.convert_to_tensor(value), dtype)


def _horner(coeffs, t):
    """sum_k coeffs[k] t^k for a real tensor t."""
    acc = coeffs[-1] * t + coeffs[-2]
    for c in reversed(coeffs[:-2]):
        acc = acc * t + c
    return acc


# --------------------------------------------------------------------------- real function


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
    return ops.cast(_soft_exponential(x, alpha), out_dtype)


@ops.custom_gradient
def _soft_exponential(x, alpha):
    tau = SERIES_THRESHOLD
    negative = alpha < 0

    # ---- exponential branch (α ≥ 0). Where α < 0 it computes with α = 0; never selected.
    a = ops.where(negative, ops.zeros_like(alpha), alpha)
    z = a * x
    small_z = ops.abs(z) < tau
    capped = z > ops.minimum(ops.log1p(a * EXP_CAP), _EXPONENT_HARD_CAP)
    z_series = ops.where(small_z, z, ops.zeros_like(z))
    expm1_z = ops.expm1(ops.minimum(z, _EXPONENT_HARD_CAP))
    exp_direct = expm1_z / a  # inf/NaN only where not selected
    exp_part = ops.where(small_z, x * _horner(_EXPM1_COEFFS, z_series), exp_direct)
    f_exp = ops.where(capped, ops.full_like(exp_part, EXP_CAP), exp_part) + a

    # ---- logarithmic branch (α < 0). Where α ≥ 0 it computes with α = −1; never selected.
    b = ops.where(negative, alpha, -ops.ones_like(alpha))
    s = x + b
    w = -b * s  # u − 1, accurate for small |w|
    u = (1.0 - b) * (1.0 + b) - b * x  # 1 − α(x + α), accurate near 0
    small_w = ops.abs(w) < tau
    w_series = ops.where(small_w, w, ops.zeros_like(w))
    near_zero = u < 0.5  # log(u) there, log1p(w) elsewhere
    floored = u <= LOG_FLOOR
    log_u = ops.where(near_zero, ops.log(ops.maximum(u, LOG_FLOOR)), ops.log1p(w))
    log_series = _horner(_LOG1P_COEFFS, w_series)  # log1p(w)/w, also used by the gradient
    f_log = ops.where(small_w, s * log_series, -log_u / b)

    y = ops.where(negative, f_log, f_exp)

    def grad(*args, upstream=None):
        (dy,) = upstream_gradients(args, upstream)
        # exponential branch: ∂f/∂x = e^z; ∂f/∂α = (x e^z − (e^z − 1)/α)/α + 1, which is
        # x²·d/dz[expm1(z)/z] + 1 by the series near z = 0; capped: ∂f/∂x = 0, ∂f/∂α = 1.
        e_z = ops.exp(ops.minimum(z, _EXPONENT_HARD_CAP))  # not expm1_z + 1: lost for z ≪ 0
        dx_exp = ops.where(capped, ops.zeros_like(e_z), e_z)
        da_exp = ops.where(
            small_z, x * x * _horner(_EXPM1_DERIV, z_series), (x * e_z - exp_direct) / a
        )
        da_exp = ops.where(capped, ops.zeros_like(da_exp), da_exp) + 1.0
        # logarithmic branch: ∂f/∂x = 1/u; ∂f/∂α = (x + 2α)/(α u) + ln(u)/α², and by the
        # series L(w) = log1p(w)/w: ∂f/∂x = L + w L', ∂f/∂α = L − (x + α)(x + 2α) L'.
        # Floored (u ≤ LOG_FLOOR): f = −ln(LOG_FLOOR)/α, so ∂f/∂x = 0, ∂f/∂α = ln(LOG_FLOOR)/α².
        x2a = x + 2.0 * b
        inv_u = 1.0 / ops.maximum(u, LOG_FLOOR)
        dx_log = ops.where(floored, ops.zeros_like(u), inv_u)
        da_log = ops.where(floored, ops.zeros_like(u), x2a * inv_u / b) + log_u / (b * b)
        series_deriv = _horner(_LOG1P_DERIV, w_series)
        dx_log = ops.where(small_w, log_series + w * series_deriv, dx_log)
        da_log = ops.where(small_w, log_series - s * x2a * series_deriv, da_log)

        dx = dy * ops.where(negative, dx_log, dx_exp)
        dalpha = dy * ops.where(negative, da_log, da_exp)
        return sum_to_shape(dx, x.shape), sum_to_shape(dalpha, alpha.shape)

    return y, grad


# --------------------------------------------------------------------------- complex function


def _cmul(ar, ai, br, bi):
    return ar * br - ai * bi, ar * bi + ai * br


def _chorner(coeffs, pr, pi):
    """sum_k coeffs[k] z^k for z = pr + i·pi (real coefficients), as (real, imag)."""
    acc_r, acc_i = ops.full_like(pr, coeffs[-1]), ops.zeros_like(pi)
    for c in reversed(coeffs[:-1]):
        acc_r, acc_i = _cmul(acc_r, acc_i, pr, pi)
        acc_r = acc_r + c
    return acc_r, acc_i


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
    real, imag = _complex_soft_exponential(x, a, b)
    return ops.cast(real, out_dtype), ops.cast(imag, out_dtype)


@ops.custom_gradient
def _complex_soft_exponential(x, a, b):
    tau = SERIES_THRESHOLD
    p, q = a * x, b * x  # z = αx = p + iq
    small = p * p + q * q < tau * tau
    uncapped = p <= COMPLEX_EXPONENT_CAP

    # series: x · P(z), P(z) = expm1(z)/z, with z replaced by 0 where not selected
    zeros = ops.zeros_like(p)
    ps, qs = ops.where(small, p, zeros), ops.where(small, q, zeros)
    pr, pi = _chorner(_EXPM1_COEFFS, ps, qs)

    # direct: g = (e^z − 1)/α with the real part of the exponent capped. One sine and one
    # cosine of q/2 give sin q = 2 sin(q/2) cos(q/2) and cos q − 1 = −2 sin²(q/2).
    ones = ops.ones_like(p)
    pd = ops.where(small, zeros, ops.minimum(p, COMPLEX_EXPONENT_CAP))
    qd = ops.where(small, zeros, q)
    ad = ops.where(small, ones, a + zeros)  # α replaced by 1 where the series is used
    bd = ops.where(small, zeros, b + zeros)
    half_sin, half_cos = ops.sin(qd / 2), ops.cos(qd / 2)
    sin_q = 2.0 * half_sin * half_cos
    one_minus_cos_q = 2.0 * half_sin * half_sin
    cos_q = 1.0 - one_minus_cos_q
    expm1_p = ops.expm1(pd)
    exp_p = ops.exp(pd)  # not expm1_p + 1: lost for p ≪ 0
    num_r = expm1_p * cos_q - one_minus_cos_q  # e^p cos q − 1
    num_i = exp_p * sin_q
    den = ad * ad + bd * bd
    inv_r, inv_i = ad / den, -bd / den  # 1/α
    g_r, g_i = _cmul(num_r, num_i, inv_r, inv_i)

    real = ops.where(small, x * pr, g_r) + a
    imag = ops.where(small, x * pi, g_i) + b

    def grad(*args, upstream=None):
        dyr, dyi = upstream_gradients(args, upstream)
        e_r, e_i = exp_p * cos_q, num_i  # E = e^{p + iq}
        # direct: ∂f/∂x = E (m a + i b)/α, ∂f/∂a = (m E x − g)/α + 1, ∂f/∂b = i(E x − g)/α + i,
        # with m = 0 where the exponent's real part is capped (it no longer depends on a, x).
        m = ops.where(uncapped, ones, zeros)
        ex_r, ex_i = _cmul(e_r, e_i, m * ad, bd)
        dx_r, dx_i = _cmul(ex_r, ex_i, inv_r, inv_i)
        da_r, da_i = _cmul(m * e_r * x - g_r, m * e_i * x - g_i, inv_r, inv_i)
        db_r, db_i = _cmul(e_r * x - g_r, e_i * x - g_i, inv_r, inv_i)
        db_r, db_i = -db_i, db_r + 1.0  # i·(...) + i
        da_r = da_r + 1.0
        # series: f = x P(z) + α, so ∂f/∂x = P + z P', ∂f/∂a = x² P' + 1, ∂f/∂b = i ∂f/∂a
        sr, si = _chorner(_EXPM1_DERIV, ps, qs)
        zp_r, zp_i = _cmul(ps, qs, sr, si)
        h_r, h_i = x * x * sr + 1.0, x * x * si
        dx_r = ops.where(small, pr + zp_r, dx_r)
        dx_i = ops.where(small, pi + zp_i, dx_i)
        da_r, da_i = ops.where(small, h_r, da_r), ops.where(small, h_i, da_i)
        db_r, db_i = ops.where(small, -h_i, db_r), ops.where(small, h_r, db_i)
        # chain rule for the real outputs (Re f, Im f) with upstream (dyr, dyi)
        dx = dyr * dx_r + dyi * dx_i
        da = dyr * da_r + dyi * da_i
        db = dyr * db_r + dyi * db_i
        return (sum_to_shape(dx, x.shape), sum_to_shape(da, a.shape), sum_to_shape(db, b.shape))

    return (real, imag), grad


def complex_soft_exponential_concat(x, alpha_real, alpha_imag, axis=-1):
    """`concat([Re f, Im f], axis)` of `complex_soft_exponential`: twice the features."""
    real, imag = complex_soft_exponential(x, alpha_real, alpha_imag)
    return ops.concatenate([real, imag], axis=axis)
