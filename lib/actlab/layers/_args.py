"""Argument checks shared by the layers of `actlab.layers`, in the style of Keras's PReLU: a bad
argument raises `ValueError` naming the argument and showing what was received (repr)."""

from __future__ import annotations

import keras


def resolve(getter, name, value):
    """`keras.initializers.get` (or `regularizers.get`, `constraints.get`) of `value`, with an
    error that names the argument `name` instead of Keras's generic one."""
    try:
        return getter(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Could not interpret `{name}` ({exc}). Received: {name}={value!r}"
        ) from None


def check_shared_axes(shared_axes, none_means=None):
    """`shared_axes` as a list of ints >= 1 (axis 0 is the batch), or None.

    `none_means` says in the error what None stands for in the calling layer (e.g. "one set of
    coefficients for the layer"), since layers differ on that.
    """
    if shared_axes is None:
        return None
    axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
    if not axes or not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
        none = f"None ({none_means})" if none_means else "None"
        raise ValueError(
            f"`shared_axes` must be {none}, an int >= 1 or a non-empty list of them "
            f"(axis 0 is the batch). Received: shared_axes={shared_axes!r}"
        )
    return axes


def param_shape(layer, input_shape, holds: str) -> list:
    """The shape of a per-unit weight: the input's shape without the batch axis, with size 1
    along `layer.shared_axes` (as in Keras's PReLU). Also sets `layer.input_spec` to the rank
    and the non-shared sizes, so that a later input of another shape is refused.

    `holds` names what one unit holds, for the error (e.g. "one α").
    """
    shared = layer.shared_axes or []
    if len(input_shape) < 2:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of rank >= 2 (batch, ...). "
            f"Received: input_shape={input_shape!r}"
        )
    shape = list(input_shape[1:])
    for i in shared:
        if i >= len(input_shape):
            raise ValueError(
                f"`shared_axes` refers to axis {i} but the input has rank "
                f"{len(input_shape)}. Received: shared_axes={layer.shared_axes!r}"
            )
        shape[i - 1] = 1
    if any(d is None for d in shape):
        raise ValueError(
            f"Every axis not in `shared_axes` needs a known size to hold {holds} per "
            "unit; share the unknown axes with `shared_axes`. Received: "
            f"input_shape={input_shape!r}, shared_axes={layer.shared_axes!r}"
        )
    axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared}
    layer.input_spec = keras.layers.InputSpec(ndim=len(input_shape), axes=axes)
    return shape
