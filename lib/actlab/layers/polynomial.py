"""`PolyReLUBlend`: a ReLU whose weight against a polynomial approximation is a variable."""

from __future__ import annotations

import math

import keras
from keras import ops

from actlab.activations.polynomial import (
    DELPHI_COEFFICIENTS,
    check_coefficients,
    check_relu_cap,
    poly_relu_blend,
)

__all__ = ["PolyReLUBlend", "check_relu_weight"]


def check_relu_weight(value, name: str = "relu_weight") -> float:
    """Return `value` as a float if it is a finite number in [0, 1]; else raise naming `name`."""
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0.0 <= value <= 1.0
    )
    if not ok:
        raise ValueError(
            f"`{name}` (the ReLU weight d) must be a number in [0, 1] "
            f"(1 = pure ReLU, 0 = pure polynomial). Received: {name}={value!r}"
        )
    return float(value)


@keras.saving.register_keras_serializable(package="actlab")
class PolyReLUBlend(keras.layers.Layer):
    """Blend of ReLU and a polynomial approximation, with the blend weight held in a variable.

    Formula:
    ```
    f(x) = (1 - d) * poly(x) + d * relu(x)
    poly(x) = c0 + c1 * x + c2 * x**2 + ...
    relu(x) = min(max(x, 0), relu_cap)          # max(x, 0) when relu_cap is None
    ```
    where `d` is a scalar non-trainable weight named ``relu_weight`` (1.0 = pure ReLU,
    0.0 = pure polynomial). Because `d` is a variable, a compiled (even `jit_compile`d)
    training or predict function reads its current value at every step: set it with
    `set_relu_weight` or drive it with `actlab.callbacks.BlendSchedule`. A saved model stores
    the current `d` with its weights and reloads holding it.

    Args:
        coefficients: polynomial coefficients, lowest power first (at least two finite
            numbers). Default: Delphi's least-squares quadratic fit of ReLU on N(0, 1),
            ``(0.1992, 0.5002, 0.1997)``.
        relu_cap: None for ReLU, or a number > 0 capping it (``relu_cap=6`` gives ReLU6).
        relu_weight: initial value of `d`, in [0, 1]. Default 1.0 (starts as pure ReLU).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        Arbitrary. Output shape: same as the input.

    Reference:
        Mishra et al., 2020, "Delphi: A Cryptographic Inference Service for Neural Networks"
        (USENIX Security 2020).
    """

    def __init__(self, coefficients=DELPHI_COEFFICIENTS, relu_cap=None, relu_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.coefficients = check_coefficients(coefficients)
        self.relu_cap = check_relu_cap(relu_cap)
        self.initial_relu_weight = check_relu_weight(relu_weight)

    def build(self, input_shape):
        self.relu_weight = self.add_weight(
            shape=(),
            name="relu_weight",
            initializer=keras.initializers.Constant(self.initial_relu_weight),
            trainable=False,
        )
        self.built = True

    def set_relu_weight(self, value) -> None:
        """Set `d` (a number in [0, 1]); takes effect in already-compiled functions."""
        value = check_relu_weight(value)
        if self.built:
            self.relu_weight.assign(value)
        else:  # used as the initial value when the layer is built
            self.initial_relu_weight = value

    def get_relu_weight(self) -> float:
        """The current `d` as a Python float."""
        if not self.built:
            return self.initial_relu_weight
        return float(ops.convert_to_numpy(self.relu_weight))

    def call(self, inputs):
        return poly_relu_blend(inputs, self.relu_weight, self.coefficients, self.relu_cap)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "coefficients": list(self.coefficients),
                "relu_cap": self.relu_cap,
                "relu_weight": self.initial_relu_weight,
            }
        )
        return config
