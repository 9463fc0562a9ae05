"""Symmetric truncation (clipping) ``y = clip(x, -T, T)`` with a choice of input gradient.

Two gradients for the same forward output:

* ``"clip"``: the true (almost-everywhere) derivative of the clip, which is what
  ``tf.clip_by_value`` / ``keras.ops.clip`` already give: ``dy/dx = 1`` for ``|x| <= T``,
  ``0`` for ``|x| > T``. The clip *is* differentiable almost everywhere; no trick is needed.
* ``"straight_through"``: the straight-through estimator (Bengio et al., 2013):
  ``dy/dx = 1`` everywhere, so saturated units still pass gradient to what produced them.

In both modes the gradient with respect to the threshold is the PACT form (Choi et al., 2018)
for a symmetric clip: ``dy/dT = +1`` where ``x > T``, ``-1`` where ``x < -T``, ``0`` inside.
The straight-through estimator only replaces the *input* path; the forward output is still a
clip in ``T``, so the threshold gets its true derivative and can be trained in either mode.

Boundary convention (``|x| == T`` exactly): the point counts as *inside*, the convention of
``tf.clip_by_value`` itself (it is ``maximum(minimum(x, T), -T)`` and TensorFlow's
``Minimum``/``Maximum`` gradients send ties to the first input, ``x``). JAX's ``clip`` splits a
tie's gradient half and half between ``x`` and ``T``, so `truncate` does not call
``keras.ops.clip``: it is written with ``where`` (`actlab.activations._gradients.minimum` and
``maximum``), which gives TensorFlow's convention on every backend. So at ``x = ±T``:
``dy/dx = 1`` and ``dy/dT = 0`` in both modes. (PACT writes ``dy/dα = 1`` for ``x >= α``; the
two differ only on that measure-zero set, and this choice keeps ``dy/dx + dy/dT = 1`` along
``x = T``, the derivative of ``y(T + δ, T + δ) = T + δ``.)
"""

from __future__ import annotations

import math
import numbers

from keras import ops

from actlab.activations._gradients import maximum, minimum

__all__ = ["truncate", "TRUNCATION_GRADIENTS"]

#: Accepted values of the ``gradient`` argument.
TRUNCATION_GRADIENTS = ("clip", "straight_through")


def _clip(x, t):
    """``clip(x, -t, t)``; at ``|x| == t`` the gradient goes to `x` (on every backend)."""
    return minimum(maximum(x, -t), t)


def truncate(x, threshold, gradient="clip"):
    """Symmetric truncation ``clip(x, -threshold, threshold)``.

    Formula:
    ```
    y = -T   if x < -T
    y = x    if -T <= x <= T
    y = T    if x > T
    ```
    Input gradient: `"clip"`: `dy/dx = 1` for `|x| <= T`, else `0`; `"straight_through"`:
    `dy/dx = 1` everywhere. Threshold gradient (both modes): `dy/dT = sign(x)` for `|x| > T`,
    else `0`. At `|x| == T` the point counts as inside (`tf.clip_by_value`'s convention).

    The forward output of both modes is bitwise that of `keras.ops.clip`, for every input
    including `±inf` (the straight-through mode adds `x - stop_gradient(x)`, an exact zero,
    instead of the rounding-prone `x + stop_gradient(clip(x) - x)`); a NaN input gives NaN.
    The clip is written with `where` (not `keras.ops.clip`) so that the boundary convention
    above holds on JAX too, whose `clip` splits the gradient of a tie between `x` and `T`.

    Args:
        x: input tensor.
        threshold: positive `T`, a scalar or a tensor broadcastable to `x` (e.g. one value
            per channel, shape `(channels,)` for channels-last inputs). Cast to `x`'s dtype.
            Values are not checked here (tensors cannot be without branching on them); a
            Python number must be finite and > 0.
        gradient: `"clip"` or `"straight_through"`.

    Returns:
        A tensor of `x`'s shape and dtype.

    Reference:
        Bengio, Léonard & Courville (2013), "Estimating or propagating gradients through
        stochastic neurons for conditional computation", arXiv:1308.3432.
        Choi et al. (2018), "PACT: Parameterized clipping activation for quantized neural
        networks", arXiv:1805.06085.
    """
    if gradient not in TRUNCATION_GRADIENTS:
        raise ValueError(
            f"`gradient` must be one of {TRUNCATION_GRADIENTS}. Received: gradient={gradient!r}"
        )
    if (
        isinstance(threshold, str | bytes)
        or isinstance(threshold, numbers.Real)
        and (isinstance(threshold, bool) or not math.isfinite(threshold) or threshold <= 0)
    ):
        raise ValueError(
            f"`threshold` must be a finite number > 0. Received: threshold={threshold!r}"
        )
    x = ops.convert_to_tensor(x)
    t = ops.cast(threshold, x.dtype)
    if gradient == "clip":
        return _clip(x, t)
    # Straight-through: the forward value is the clip of a constant copy of x (so only the
    # threshold gets the clip's gradient), plus an exact zero whose derivative in x is 1.
    clipped = _clip(ops.stop_gradient(x), t)
    identity = x - ops.stop_gradient(x)
    identity = ops.where(ops.isfinite(x), identity, ops.zeros_like(identity))  # inf - inf = nan
    return clipped + identity
