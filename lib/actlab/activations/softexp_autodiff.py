"""The soft exponential as first written: the same numerical scheme as `actlab.activations.softexp`,
with gradients left to autodiff.

Kept for two reasons. The tests compare its gradients with the hand-written ones of
`actlab.activations.softexp` (two independent derivations of the same function), and notebook 06
times it as the "before" of the custom-gradient rewrite. Every `where` here is "double": the
inputs of the branch not selected are replaced by harmless values first, so that autodiff's
backward pass (which multiplies the unselected branch's gradient by zero) never meets inf/NaN.
Use `actlab.activations.soft_exponential` in models; this module is not re-exported.
"""

from __future__ import annotations

from keras import ops

from actlab.activations._gradients import expm1, maximum, minimum
from actlab.activations.softexp import (
    _EXPM1_COEFFS,
    _EXPONENT_HARD_CAP,
    _LOG1P_COEFFS,
    COMPLEX_EXPONENT_CAP,
    EXP_CAP,
    LOG_FLOOR,
    SERIES_THRESHOLD,
    _chorner,
    _horner,
    _prepare,
)

__all__ = ["soft_exponential_autodiff", "complex_soft_exponential_autodiff"]


def soft_exponential_autodiff(x, alpha):
    """`actlab.activations.soft_exponential` (same values and documented behaviour), autodiff gradients."""
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
    exp_direct = expm1(z_direct) / a_direct
    exp_part = ops.where(
        capped, ops.full_like(exp_direct, EXP_CAP), ops.where(small_z, exp_series, exp_direct)
    )
    f_exp = exp_part + a_exp

    # ---- logarithmic branch (α < 0); α ≥ 0 is replaced by 0 before any arithmetic
    a_log = ops.where(alpha < 0, alpha, zero)
    s = x + a_log
    w = -a_log * s  # u − 1, accurate for small |w|
    u = (1.0 - a_log) * (1.0 + a_log) - a_log * x  # 1 − α(x + α), accurate near 0
    small_w = ops.abs(w) < tau
    w_series = ops.where(small_w, w, ops.zeros_like(w))
    log_series = s * _horner(_LOG1P_COEFFS, w_series)
    near_zero = u < 0.5  # use log(u) there, log1p(w) elsewhere
    u_safe = ops.where(near_zero, maximum(u, ops.full_like(u, LOG_FLOOR)), ops.ones_like(u))
    w_safe = ops.where(near_zero, ops.zeros_like(w), w)
    log_u = ops.where(near_zero, ops.log(u_safe), ops.log1p(w_safe))
    a_safe = ops.where(small_w, -one, a_log)
    log_direct = -log_u / a_safe
    f_log = ops.where(small_w, log_series, log_direct)

    out = ops.where(alpha < 0, f_log, f_exp)
    return ops.cast(out, out_dtype)


def complex_soft_exponential_autodiff(x, alpha_real, alpha_imag):
    """`actlab.activations.complex_soft_exponential` with autodiff gradients (three sines per element)."""
    x, (a, b), out_dtype = _prepare(x, alpha_real, alpha_imag)
    tau = SERIES_THRESHOLD
    p, q = a * x, b * x  # z = αx = p + iq
    small = p * p + q * q < tau * tau

    # series: x · sum z^k/(k+1)!, with z replaced by 0 where not selected
    ps = ops.where(small, p, ops.zeros_like(p))
    qs = ops.where(small, q, ops.zeros_like(q))
    acc_r, acc_i = _chorner(_EXPM1_COEFFS, ps, qs)
    series_r, series_i = x * acc_r, x * acc_i

    # direct: (e^{z} − 1)/α with the real part of the exponent capped
    ones = ops.ones_like(p)
    pd = ops.where(small, ones, minimum(p, ops.full_like(p, COMPLEX_EXPONENT_CAP)))
    qd = ops.where(small, ops.zeros_like(q), q)
    ad = ops.where(small, ones, a + ops.zeros_like(p))
    bd = ops.where(small, ops.zeros_like(q), b + ops.zeros_like(q))
    half_sin = ops.sin(qd / 2)
    num_r = expm1(pd) * ops.cos(qd) - 2.0 * half_sin * half_sin  # e^p cos q − 1
    num_i = ops.exp(pd) * ops.sin(qd)
    den = ad * ad + bd * bd
    direct_r = (num_r * ad + num_i * bd) / den
    direct_i = (num_i * ad - num_r * bd) / den

    real = ops.where(small, series_r, direct_r) + a
    imag = ops.where(small, series_i, direct_i) + b
    return ops.cast(real, out_dtype), ops.cast(imag, out_dtype)
