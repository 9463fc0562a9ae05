"""Notebook 05's smooth baseline: `SoftClip` (T·tanh(x/T)), and `NEAR_LINEAR`, the |x| below
which tanh is nearly linear."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _near_linear_limit(tolerance: float = 0.02) -> float:
    """The x where tanh(x) = (1 − tolerance)·x: below it tanh is within `tolerance` of linear."""
    lo, hi = 1e-6, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.tanh(mid) / mid > 1 - tolerance else (lo, mid)
    return 0.5 * (lo + hi)


#: |x| below this: tanh(x) is within 2 % of x (tanh(x) ≥ 0.98·x), i.e. tanh is nearly linear.
NEAR_LINEAR = _near_linear_limit()


@keras.saving.register_keras_serializable(package="actlab.collection.experiments")
class SoftClip(keras.layers.Layer):
    """A smooth saturation at the truncation's scale, the baseline that separates "a
    non-linearity here" from "clipping": ``T·tanh(x/T)`` (slope 1 at 0, tends to ±T, no kink).

    Args:
        threshold: T, a positive number (fixed, not trained).
    """

    def __init__(self, threshold: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not np.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(
                f"`threshold` must be a positive number. Received: threshold={threshold!r}"
            )
        self.threshold = float(threshold)

    def call(self, inputs):
        return self.threshold * ops.tanh(inputs / self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
