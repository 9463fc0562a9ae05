"""The Antirectifier layer and its ablation, CReLU (no trainable weights)."""

from __future__ import annotations

import keras

from actlab.activations.antirectifier import (
    ANTIRECTIFIER_EPSILON,
    _check_epsilon,
    antirectify,
    crelu,
)

__all__ = ["Antirectifier", "CReLU"]


def _check_axis_arg(axis) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an integer. Received: axis={axis!r}")
    if axis == 0:
        raise ValueError("`axis` must not be the batch axis 0. Received: axis=0")


def _resolve_axis(axis: int, input_shape, min_size: int) -> int:
    """The non-negative feature axis for `input_shape`; `ValueError` naming `axis` otherwise."""
    rank = len(input_shape)
    if not -rank <= axis < rank:
        raise ValueError(
            f"`axis` must be in [-{rank}, {rank}) for an input of rank {rank} "
            f"(shape {tuple(input_shape)}). Received: axis={axis!r}"
        )
    resolved = axis % rank
    if resolved == 0:
        raise ValueError(
            f"`axis` resolves to the batch axis 0 for an input of rank {rank}. "
            f"Received: axis={axis!r}"
        )
    size = input_shape[resolved]
    if size is not None and size < min_size:
        raise ValueError(
            f"`axis` {axis} has size {size} in input shape {tuple(input_shape)}; "
            f"it needs at least {min_size} features. Received: axis={axis!r}"
        )
    return resolved


def _doubled_shape(input_shape, axis: int) -> tuple:
    shape = list(input_shape)
    resolved = axis % len(shape)
    shape[resolved] = None if shape[resolved] is None else 2 * shape[resolved]
    return tuple(shape)


@keras.saving.register_keras_serializable(package="actlab")
class Antirectifier(keras.layers.Layer):
    """Antirectifier: per sample, centre and L2-normalize over `axis`, then concatenate the
    positive and the negative part, doubling `axis`.

    Unlike the original Keras example, the input is not modified in place, inputs of any rank
    are accepted (e.g. the channel axis after `Conv2D`), and a constant row (all zero after
    centring) gives zeros with a finite gradient: the normalization is
    ``c / sqrt(sum(c**2) + epsilon)`` (see `actlab.activations.antirectifier`).

    Formula:
    ```
    c = x - mean(x, axis)
    n = c / sqrt(sum(c**2, axis) + epsilon)
    y = concat([max(n, 0), max(-n, 0)], axis)
    ```

    Args:
        axis: the feature axis (not the batch axis 0); default the last one.
        epsilon: finite number > 0 added to the sum of squares before the square root.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        Arbitrary, rank >= 2, with at least 2 features along `axis`.

    Output shape:
        As the input, with `axis` twice as large.

    Reference:
        F. Chollet, Keras example `antirectifier.py` (2016): the Antirectifier "allows to
        return all-positive outputs like ReLU, without discarding any data".
    """

    def __init__(self, axis: int = -1, epsilon: float = ANTIRECTIFIER_EPSILON, **kwargs):
        super().__init__(**kwargs)
        _check_axis_arg(axis)
        _check_epsilon(epsilon)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.supports_masking = False

    def build(self, input_shape):
        _resolve_axis(self.axis, input_shape, min_size=2)  # centring a 1-wide axis gives zeros
        self.built = True

    def call(self, inputs):
        return antirectify(inputs, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        return _doubled_shape(input_shape, self.axis)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package="actlab")
class CReLU(keras.layers.Layer):
    """Concatenated ReLU: the positive and the negative part side by side, doubling `axis`.

    The Antirectifier without its centring and L2 normalization (its ablation).

    Formula:
    ```
    y = concat([max(x, 0), max(-x, 0)], axis)
    ```

    Args:
        axis: the feature axis (not the batch axis 0); default the last one.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        Arbitrary, rank >= 2.

    Output shape:
        As the input, with `axis` twice as large.

    Reference:
        Shang et al., 2016, "Understanding and Improving Convolutional Neural Networks via
        Concatenated Rectified Linear Units", https://arxiv.org/abs/1603.05201
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        _check_axis_arg(axis)
        self.axis = axis

    def build(self, input_shape):
        _resolve_axis(self.axis, input_shape, min_size=1)
        self.built = True

    def call(self, inputs):
        return crelu(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return _doubled_shape(input_shape, self.axis)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
