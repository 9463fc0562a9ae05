"""`Rational`: a learnable rational (Padé) activation, initialised to approximate a known one."""

from __future__ import annotations

import functools

import keras
import numpy as np
from keras import constraints, initializers, ops, regularizers

from actlab.activations.rational import (
    approximation_target,
    check_degrees,
    check_fit_range,
    check_safe,
    fit_rational,
    rational,
)
from actlab.layers._args import ALL, check_shared_axes, param_shape, resolve

__all__ = ["Rational"]


@functools.lru_cache(maxsize=64)
def _cached_fit(name, degrees, fit_range, safe):
    return fit_rational(name, degrees, fit_range, safe=safe)


def _constant(values: np.ndarray):
    """An initializer (not serialized: the layer re-fits on rebuild) broadcasting per-coefficient
    `values` to the weight's shape (coefficient index first)."""

    def init(shape, dtype=None):
        full = np.broadcast_to(values.reshape((-1,) + (1,) * (len(shape) - 1)), shape)
        return ops.convert_to_tensor(
            np.array(full, dtype=keras.backend.standardize_dtype(dtype or keras.config.floatx()))
        )

    return init


@keras.saving.register_keras_serializable(package="actlab")
class Rational(keras.layers.Layer):
    """Learnable rational activation P(x)/Q(x), initialised as a least-squares fit of a known one.

    Formula:
    ```
    f(x) = (a0 + a1 x + … + am x^m) / (1 + |b1 x + … + bn x^n|)      # safe=True
    ```
    computed by `actlab.activations.rational` (Horner evaluation; the denominator is >= 1, so no
    pole). This is the absolute value of the sum ("version B" of the reference
    library), not the paper's safe PAU 1 + Σ|bk||x|^k; `actlab.activations.rational`'s module
    docstring says how they differ. The coefficients are two weights, `numerator` (a0..am) and
    `denominator` (b1..bn).

    By default (`shared_axes="all"`) one set of coefficients serves the whole layer, as in the
    PAU paper. Otherwise `shared_axes` means what it means in Keras's `PReLU`: `None` gives one
    set per unit, and `shared_axes=[1, 2]` one set per channel of `(batch, height, width,
    channels)` inputs.

    Initial coefficients: unless both initializers are given, `fit_rational(approximates,
    degrees, fit_range, safe=safe)` runs once in `__init__`, in float64 on a uniform grid, and
    is deterministic (the same arguments give the same coefficients; fits of named functions are
    cached per process). Its result is `self.initial_fit` (coefficients, max and RMS error).
    A reloaded model re-fits in `__init__` and then loads the trained weights.

    Args:
        degrees: `(m, n)`, numerator and denominator degrees (m in [0, 16], n in [1, 16]).
        approximates: the function the initial coefficients approximate: "relu",
            "leaky_relu" (negative slope 0.01, as PAU), "tanh", "swish", or a callable of a
            float64 NumPy array (register it with `keras.saving.register_keras_serializable`
            to reload the layer with `safe_mode=True`).
        fit_range: `(lo, hi)` of the least-squares fit.
        numerator_initializer, denominator_initializer: initializers of a and b; None (the
            default) uses the fit.
        numerator_regularizer, denominator_regularizer: regularizers of a and b, or None.
        numerator_constraint, denominator_constraint: constraints on a and b, or None.
        shared_axes: the axes along which a set of coefficients is shared (1-based, batch
            axis excluded), as in `PReLU`: `"all"` (the default: one set for the whole layer),
            `None` (one set per unit), or a list such as `[1, 2]` (one set per channel of
            `(batch, height, width, channels)` inputs).
        safe: True for the pole-free denominator, False for the plain 1 + b1 x + … + bn x^n.
        **kwargs: base layer keyword arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Arbitrary with `shared_axes="all"`; otherwise rank >= 2, with known sizes along the
        axes that are not shared. Output shape: same as the input.

    Models saved when the package was called `lib` (classes named `lib>Rational`) wrote
    `shared_axes=None` for one set per layer; they load as `shared_axes="all"`
    (`upgrade_legacy_config`).

    Reference:
        Molina, Schramowski and Kersting, "Padé Activation Units: End-to-end Learning of
        Flexible Activation Functions in Deep Networks", ICLR 2020, arXiv:1907.06732.
    """

    def __init__(
        self,
        degrees=(5, 4),
        approximates="leaky_relu",
        fit_range=(-3.0, 3.0),
        numerator_initializer=None,
        denominator_initializer=None,
        numerator_regularizer=None,
        denominator_regularizer=None,
        numerator_constraint=None,
        denominator_constraint=None,
        shared_axes="all",
        safe=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.degrees = check_degrees(degrees, min_denominator=1)
        self.fit_range = check_fit_range(fit_range)
        self.safe = check_safe(safe)
        if isinstance(approximates, dict):  # a serialized registered callable
            approximates = keras.saving.deserialize_keras_object(approximates)
        self.approximates = approximates
        approximation_target(approximates)  # raises naming `approximates`
        self.numerator_initializer = (
            None
            if numerator_initializer is None
            else resolve(initializers.get, "numerator_initializer", numerator_initializer)
        )
        self.denominator_initializer = (
            None
            if denominator_initializer is None
            else resolve(initializers.get, "denominator_initializer", denominator_initializer)
        )
        self.numerator_regularizer = resolve(
            regularizers.get, "numerator_regularizer", numerator_regularizer
        )
        self.denominator_regularizer = resolve(
            regularizers.get, "denominator_regularizer", denominator_regularizer
        )
        self.numerator_constraint = resolve(
            constraints.get, "numerator_constraint", numerator_constraint
        )
        self.denominator_constraint = resolve(
            constraints.get, "denominator_constraint", denominator_constraint
        )
        self.shared_axes = check_shared_axes(shared_axes)
        self.initial_fit = None
        if self.numerator_initializer is None or self.denominator_initializer is None:
            if isinstance(approximates, str):
                self.initial_fit = _cached_fit(
                    approximates, self.degrees, self.fit_range, self.safe
                )
            else:
                self.initial_fit = fit_rational(
                    approximates, self.degrees, self.fit_range, safe=self.safe
                )

    @classmethod
    def upgrade_legacy_config(cls, config):
        """A config saved under the old name `lib>Rational`, in today's vocabulary: there,
        `shared_axes=None` meant one set of coefficients for the layer, now `"all"`."""
        config = dict(config)
        if config.get("shared_axes") is None:
            config["shared_axes"] = ALL
        return config

    def build(self, input_shape):
        shape = param_shape(self, input_shape, "one set of coefficients")
        m, n = self.degrees
        fit = self.initial_fit
        self.numerator = self.add_weight(
            shape=(m + 1, *shape),
            name="numerator",
            initializer=self.numerator_initializer or _constant(np.asarray(fit.numerator)),
            regularizer=self.numerator_regularizer,
            constraint=self.numerator_constraint,
        )
        self.denominator = self.add_weight(
            shape=(n, *shape),
            name="denominator",
            initializer=self.denominator_initializer or _constant(np.asarray(fit.denominator)),
            regularizer=self.denominator_regularizer,
            constraint=self.denominator_constraint,
        )

    def call(self, inputs):
        return rational(inputs, self.numerator, self.denominator, safe=self.safe)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        approximates = self.approximates
        if not isinstance(approximates, str):
            approximates = keras.saving.serialize_keras_object(approximates)
        config.update(
            {
                "degrees": list(self.degrees),
                "approximates": approximates,
                "fit_range": list(self.fit_range),
                "numerator_initializer": (
                    None
                    if self.numerator_initializer is None
                    else initializers.serialize(self.numerator_initializer)
                ),
                "denominator_initializer": (
                    None
                    if self.denominator_initializer is None
                    else initializers.serialize(self.denominator_initializer)
                ),
                "numerator_regularizer": regularizers.serialize(self.numerator_regularizer),
                "denominator_regularizer": regularizers.serialize(self.denominator_regularizer),
                "numerator_constraint": constraints.serialize(self.numerator_constraint),
                "denominator_constraint": constraints.serialize(self.denominator_constraint),
                "shared_axes": self.shared_axes,
                "safe": self.safe,
            }
        )
        return config
