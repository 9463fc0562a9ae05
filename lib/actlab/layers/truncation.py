"""`Truncation`: symmetric clip ``clip(x, -T, T)`` with a fixed or trainable (PACT) threshold."""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import constraints, initializers, ops, regularizers

from actlab.activations.truncation import TRUNCATION_GRADIENTS, truncate
from actlab.layers._args import ALL, check_shared_axes, param_shape, resolve

__all__ = ["Truncation", "MIN_TRUNCATION_THRESHOLD"]

#: Floor that keeps a trainable threshold positive (or the initial threshold, if smaller).
MIN_TRUNCATION_THRESHOLD = 1e-3


class _ThresholdFloor(constraints.Constraint):
    """The user's constraint (if any), then ``max(T, floor)``: the threshold stays > 0."""

    def __init__(self, floor, inner=None):
        self.floor = floor
        self.inner = inner

    def __call__(self, w):
        if self.inner is not None:
            w = self.inner(w)
        return ops.maximum(w, ops.cast(self.floor, w.dtype))


@keras.saving.register_keras_serializable(package="actlab")
class Truncation(keras.layers.Layer):
    """Symmetric truncation: `-T` below `-T`, `x` in between, `T` above `T`.

    Formula:
    ``` python
    f(x) = -T  for x < -T
    f(x) = x   for -T <= x <= T
    f(x) = T   for x > T
    ```
    computed by `actlab.activations.truncate`. Input gradient: `"clip"` gives the clip's own
    derivative (`1` for `|x| <= T`, `0` outside), `"straight_through"` gives `1` everywhere.
    With `trainable_threshold=True` the threshold `T` is a weight named `"threshold"` whose
    gradient is the PACT form in both modes: `dy/dT = +1` for `x > T`, `-1` for `x < -T`,
    `0` inside (and at `|x| == T`, which counts as inside, as in `tf.clip_by_value`).

    Positivity: `T` is stored directly (not reparameterized as `softplus(raw)`, which would
    scale the PACT gradient by `sigmoid(raw)` and put a regularizer on `raw` instead of `T`),
    so a regularizer such as `"l2"` acts on `T` itself as in PACT and the gradient is exactly
    the PACT form. It is
    kept positive by a floor constraint applied after every optimizer step:
    `T <- max(constraint(T), min(MIN_TRUNCATION_THRESHOLD, threshold))`, where `constraint` is
    `threshold_constraint` if given and `threshold` is the initial value. (Like every Keras
    constraint, it acts through the optimizer; a manual `assign` bypasses it.)

    Args:
        threshold: initial (or fixed) `T`, a finite number > 0.
        gradient: `"clip"` or `"straight_through"`.
        trainable_threshold: whether `T` is trained.
        threshold_regularizer: regularizer for `T` (e.g. `"l2"` or `keras.regularizers.L2(1e-3)`);
            only with `trainable_threshold=True`.
        threshold_constraint: constraint for `T`, applied before the positivity floor; only
            with `trainable_threshold=True`.
        shared_axes: the axes along which `T` is shared (1-based, batch axis excluded), as in
            Keras's `PReLU`: `"all"` (the default: one `T` for the whole layer), a list such
            as `[1, 2]` (one `T` per channel of `(batch, height, width, channels)` inputs), or
            `None` (one `T` per unit).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Attributes:
        threshold: the weight `"threshold"`: shape `()` with `shared_axes="all"`, otherwise
            the input's shape without the batch axis and with size 1 along `shared_axes`
            (e.g. `(1, 1, channels)`); non-trainable (but saved with the model) when
            `trainable_threshold=False`.
        initial_threshold: the `threshold` argument (what `get_config` returns).

    Input shape:
        Arbitrary with `shared_axes="all"`; otherwise rank >= 2, with known sizes along the
        axes that are not shared.

    Output shape:
        Same as the input.

    Configs saved before `shared_axes` replaced `per_channel` still load: `per_channel=True`
    becomes "shared along every axis but the last" when the layer is built (the rank is known
    then), and a saved `(channels,)` threshold loads into the `(1, ..., 1, channels)` weight.

    Reference:
        Choi et al. (2018), "PACT: Parameterized clipping activation for quantized neural
        networks", arXiv:1805.06085. Bengio, Léonard & Courville (2013), arXiv:1308.3432
        (straight-through estimator).
    """

    def __init__(
        self,
        threshold=1.0,
        gradient="clip",
        trainable_threshold=False,
        threshold_regularizer=None,
        threshold_constraint=None,
        shared_axes=ALL,
        **kwargs,
    ):
        if "per_channel" in kwargs:
            raise ValueError(
                "`per_channel` was replaced by `shared_axes` (as in Keras's PReLU): one "
                "threshold per channel is `shared_axes=[1, 2]` for `(batch, height, width, "
                f"channels)` inputs. Received: per_channel={kwargs['per_channel']!r}"
            )
        super().__init__(**kwargs)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, numbers.Real)
            or not math.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(
                f"`threshold` must be a finite number > 0. Received: threshold={threshold!r}"
            )
        if gradient not in TRUNCATION_GRADIENTS:
            raise ValueError(
                f"`gradient` must be one of {TRUNCATION_GRADIENTS}. Received: gradient={gradient!r}"
            )
        if not isinstance(trainable_threshold, bool):
            raise ValueError(
                "`trainable_threshold` must be True or False. "
                f"Received: trainable_threshold={trainable_threshold!r}"
            )
        if not trainable_threshold:
            for name, value in (
                ("threshold_regularizer", threshold_regularizer),
                ("threshold_constraint", threshold_constraint),
            ):
                if value is not None:
                    raise ValueError(
                        f"`{name}` needs `trainable_threshold=True` (a fixed threshold "
                        f"is neither regularized nor constrained). Received: "
                        f"{name}={value!r}, trainable_threshold=False"
                    )
        self.supports_masking = True
        self.initial_threshold = float(threshold)
        self.gradient = gradient
        self.trainable_threshold = trainable_threshold
        self.threshold_regularizer = resolve(
            regularizers.get, "threshold_regularizer", threshold_regularizer
        )
        self.threshold_constraint = resolve(
            constraints.get, "threshold_constraint", threshold_constraint
        )
        self.shared_axes = check_shared_axes(shared_axes)
        # A config from before `shared_axes` said `per_channel`; converted in `build`.
        self._per_channel_config = False
        self._reshape_saved_threshold = False

    @classmethod
    def from_config(cls, config):
        """Also a config with the former argument `per_channel` (True: one `T` per channel,
        channels-last); `build` converts it to `shared_axes`, where the input's rank is known."""
        config = dict(config)
        per_channel = config.pop("per_channel", False)
        if not isinstance(per_channel, bool):
            raise ValueError(
                f"`per_channel` must be True or False. Received: per_channel={per_channel!r}"
            )
        if per_channel and "shared_axes" in config:
            raise ValueError(
                "A config gives either `shared_axes` or the former `per_channel`, not both. "
                f"Received: per_channel=True, shared_axes={config['shared_axes']!r}"
            )
        layer = super().from_config(config)
        layer._per_channel_config = per_channel
        return layer

    def build(self, input_shape):
        if self._per_channel_config:  # every axis but the batch and the last one
            self.shared_axes = list(range(1, len(input_shape) - 1)) or None
            self._per_channel_config = False
            self._reshape_saved_threshold = True
        shape = param_shape(self, input_shape, "one threshold")
        floor = min(MIN_TRUNCATION_THRESHOLD, self.initial_threshold)
        self.threshold = self.add_weight(
            shape=shape,
            name="threshold",
            initializer=initializers.Constant(self.initial_threshold),
            regularizer=self.threshold_regularizer,
            constraint=_ThresholdFloor(floor, self.threshold_constraint),
            trainable=self.trainable_threshold,
        )

    def call(self, inputs):
        return truncate(inputs, self.threshold, gradient=self.gradient)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "threshold": self.initial_threshold,
                "gradient": self.gradient,
                "trainable_threshold": self.trainable_threshold,
                "threshold_regularizer": regularizers.serialize(self.threshold_regularizer),
                "threshold_constraint": constraints.serialize(self.threshold_constraint),
            }
        )
        if self._per_channel_config:  # not built yet: as it was given
            config["per_channel"] = True
        else:
            config["shared_axes"] = self.shared_axes
        return config

    def load_own_variables(self, store):
        """As `Layer.load_own_variables`; a threshold saved with `per_channel=True` has shape
        `(channels,)` and is reshaped to this layer's `(1, ..., 1, channels)`."""
        if self._reshape_saved_threshold and len(store.keys()) == 1:
            saved = np.asarray(store["0"])
            shape = tuple(self.threshold.shape)
            if saved.shape != shape and saved.size == math.prod(shape):
                self.threshold.assign(saved.reshape(shape))
                return
        super().load_own_variables(store)
