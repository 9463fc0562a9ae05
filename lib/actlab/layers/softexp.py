"""Soft exponential layers: one trainable α per unit (real), or a complex α = a + ib per unit
with real and imaginary parts concatenated (twice the features)."""

from __future__ import annotations

import keras
from keras import constraints, initializers, ops, regularizers

from actlab.activations.softexp import complex_soft_exponential_concat, soft_exponential
from actlab.layers._args import check_shared_axes, param_shape, resolve

__all__ = ["SoftExponential", "ComplexSoftExponential", "ClipAlpha"]


@keras.saving.register_keras_serializable(package="actlab")
class ClipAlpha(keras.constraints.Constraint):
    """Clamp a weight elementwise to `[min_value, max_value]`.

    For the soft exponential, [−1, 1] keeps the exp branch bounded and still contains the ln/exp
    pair α = ∓1 (a choice of this collection, not taken from the paper).

    Args:
        min_value: lower bound (float).
        max_value: upper bound (float), `>= min_value`.
    """

    def __init__(self, min_value=-1.0, max_value=1.0):
        for name, value in (("min_value", min_value), ("max_value", max_value)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
        if min_value > max_value:
            raise ValueError(
                "`min_value` must be <= `max_value`. Received: "
                f"min_value={min_value!r}, max_value={max_value!r}"
            )
        self.min_value = float(min_value)
        self.max_value = float(max_value)

    def __call__(self, w):
        return ops.clip(w, self.min_value, self.max_value)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value}


@keras.saving.register_keras_serializable(package="actlab")
class SoftExponential(keras.layers.Layer):
    """Soft exponential activation with one trainable α per unit.

    Formula:
    ```
    f(α, x) = −ln(1 − α(x + α)) / α    if α < 0
            = x                        if α = 0
            = (e^{αx} − 1) / α + α     if α > 0
    ```
    computed by `actlab.activations.soft_exponential` (continuous through α = 0 in value and both
    gradients; finite everywhere, see its docstring). For a fixed α, pass a constant
    initializer and `trainable=False`.

    Args:
        alpha_initializer: initializer of α (default `"zeros"`: the identity).
        alpha_regularizer: regularizer of α, e.g. `"l1"` to shrink α toward 0 (the
            identity), or `None`.
        alpha_constraint: constraint on α, e.g. `ClipAlpha(-1, 1)`, or `None`.
        shared_axes: the axes along which α is shared (1-based, batch axis excluded), as in
            `PReLU`: `None` (the default: one α per unit), a list such as `[1, 2]` (one α per
            channel of `(batch, height, width, channels)` inputs), or `"all"` (one α for the
            whole layer).
        **kwargs: base layer keyword arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Rank >= 2, with known sizes along the axes that are not shared (any input with
        `shared_axes="all"`). Output shape: same as the input.

    Reference:
        Godfrey & Gashler, "A continuum among logarithmic, linear, and exponential functions,
        and its potential to improve generalization in neural networks", KDIR 2015,
        arXiv:1602.01321.
    """

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = resolve(initializers.get, "alpha_initializer", alpha_initializer)
        self.alpha_regularizer = resolve(regularizers.get, "alpha_regularizer", alpha_regularizer)
        self.alpha_constraint = resolve(constraints.get, "alpha_constraint", alpha_constraint)
        self.shared_axes = check_shared_axes(shared_axes)

    def build(self, input_shape):
        self.alpha = self.add_weight(
            shape=param_shape(self, input_shape, "one α"),
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )

    def call(self, inputs):
        return soft_exponential(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="actlab")
class ComplexSoftExponential(keras.layers.Layer):
    """Soft exponential with a trainable complex α = a + ib per unit; outputs `[Re f, Im f]`.

    Applies the analytic (exponential-branch) formula with complex α to real inputs, in real
    arithmetic (`actlab.activations.complex_soft_exponential`), and concatenates the real and
    imaginary parts on the last axis: the output has twice the input's features.

    Formula:
    ```
    f(α, x) = (e^{αx} − 1) / α + α,   α = a + ib,   e^{αx} = e^{ax}(cos bx + i sin bx)
    output  = concat([Re f(α, x), Im f(α, x)], axis=-1)
    ```
    α = i gives Re f = sin x (and Im f = 2 − cos x).

    Args:
        alpha_real_initializer, alpha_imag_initializer: initializers of a and b (default
            `"zeros"`: α = 0, Re f = x and Im f = 0).
        alpha_real_regularizer, alpha_imag_regularizer: regularizers of a and b, or `None`.
        alpha_real_constraint, alpha_imag_constraint: constraints on a and b, or `None`.
        shared_axes: the axes along which α is shared (1-based, batch axis excluded), as in
            `PReLU`: `None` (the default: one α per unit), a list such as `[1, 2]` (one α per
            channel), or `"all"` (one α for the whole layer).
        **kwargs: base layer keyword arguments.

    Input shape:
        `(batch, ..., features)`, rank >= 2, with known sizes along the axes that are not
        shared.

    Output shape:
        `(batch, ..., 2 * features)`.

    Reference:
        Godfrey & Gashler, arXiv:1602.01321 (complex α for sinusoids).
    """

    def __init__(
        self,
        alpha_real_initializer="zeros",
        alpha_imag_initializer="zeros",
        alpha_real_regularizer=None,
        alpha_imag_regularizer=None,
        alpha_real_constraint=None,
        alpha_imag_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.alpha_real_initializer = resolve(
            initializers.get, "alpha_real_initializer", alpha_real_initializer
        )
        self.alpha_imag_initializer = resolve(
            initializers.get, "alpha_imag_initializer", alpha_imag_initializer
        )
        self.alpha_real_regularizer = resolve(
            regularizers.get, "alpha_real_regularizer", alpha_real_regularizer
        )
        self.alpha_imag_regularizer = resolve(
            regularizers.get, "alpha_imag_regularizer", alpha_imag_regularizer
        )
        self.alpha_real_constraint = resolve(
            constraints.get, "alpha_real_constraint", alpha_real_constraint
        )
        self.alpha_imag_constraint = resolve(
            constraints.get, "alpha_imag_constraint", alpha_imag_constraint
        )
        self.shared_axes = check_shared_axes(shared_axes)

    def build(self, input_shape):
        shape = param_shape(self, input_shape, "one α")
        self.alpha_real = self.add_weight(
            shape=shape,
            name="alpha_real",
            initializer=self.alpha_real_initializer,
            regularizer=self.alpha_real_regularizer,
            constraint=self.alpha_real_constraint,
        )
        self.alpha_imag = self.add_weight(
            shape=shape,
            name="alpha_imag",
            initializer=self.alpha_imag_initializer,
            regularizer=self.alpha_imag_regularizer,
            constraint=self.alpha_imag_constraint,
        )

    def call(self, inputs):
        return complex_soft_exponential_concat(inputs, self.alpha_real, self.alpha_imag, axis=-1)

    def compute_output_shape(self, input_shape):
        last = input_shape[-1]
        return (*input_shape[:-1], None if last is None else 2 * last)

    def get_config(self):
        config = super().get_config()
        for part in ("real", "imag"):
            config.update(
                {
                    f"alpha_{part}_initializer": initializers.serialize(
                        getattr(self, f"alpha_{part}_initializer")
                    ),
                    f"alpha_{part}_regularizer": regularizers.serialize(
                        getattr(self, f"alpha_{part}_regularizer")
                    ),
                    f"alpha_{part}_constraint": constraints.serialize(
                        getattr(self, f"alpha_{part}_constraint")
                    ),
                }
            )
        config["shared_axes"] = self.shared_axes
        return config
