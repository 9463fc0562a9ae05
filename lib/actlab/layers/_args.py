"""Argument checks shared by the layers of `actlab.layers`, in the style of Keras's PReLU: a bad
argument raises `ValueError` naming the argument and showing what was received (repr).

`shared_axes` (the layers with per-unit parameters: `SoftExponential`, `ComplexSoftExponential`,
`Rational`, `Truncation`'s threshold) means what it means in Keras's `PReLU`: `None` is one
parameter (or coefficient set) per unit, a list of axes (1-based, the batch axis excluded) shares
it along those axes. One extension: `"all"` shares it along every non-batch axis, one parameter
(set) for the whole layer, of any input rank. `check_shared_axes` checks the argument and
`param_shape` gives the weight's shape; every such layer uses both.
"""

from __future__ import annotations

import keras

#: `shared_axes` value for one parameter (or coefficient set) for the whole layer.
ALL = "all"


def resolve(getter, name, value):
    """`keras.initializers.get` (or `regularizers.get`, `constraints.get`) of `value`, with an
    error that names the argument `name` instead of Keras's generic one."""
    try:
        return getter(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Could not interpret `{name}` ({exc}). Received: {name}={value!r}"
        ) from None


def is_all(shared_axes) -> bool:
    """Whether `shared_axes` (checked) is `"all"`."""
    return isinstance(shared_axes, str) and shared_axes == ALL


def _is_axis(a) -> bool:
    return isinstance(a, int) and not isinstance(a, bool) and a >= 1


def check_shared_axes(shared_axes):
    """`shared_axes` as `None` (one parameter per unit), `"all"` (one for the layer) or a list
    of ints >= 1 (shared along those axes; axis 0 is the batch); an int is a list of one."""
    if shared_axes is None or is_all(shared_axes):
        return shared_axes
    if isinstance(shared_axes, (list, tuple)):
        axes = list(shared_axes)
    else:
        axes = [shared_axes]
    if not axes or not all(_is_axis(a) for a in axes):
        raise ValueError(
            "`shared_axes` must be None (one parameter per unit), 'all' (one for the whole "
            "layer), an int >= 1 or a non-empty list of them (the axes along which a "
            f"parameter is shared; axis 0 is the batch). Received: shared_axes={shared_axes!r}"
        )
    return axes


def param_shape(layer, input_shape, holds: str) -> list:
    """The shape of a per-unit weight: the input's shape without the batch axis, with size 1
    along `layer.shared_axes` (as in Keras's PReLU), or `[]` (one value, broadcast to any input)
    for `shared_axes="all"`. Except for `"all"`, also sets `layer.input_spec` to the rank and
    the non-shared sizes, so that a later input of another shape is refused.

    `holds` names what one unit holds, for the error (e.g. "one α").
    """
    if is_all(layer.shared_axes):
        return []
    shared = layer.shared_axes or []
    if len(input_shape) < 2:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of rank >= 2 (batch, ...) unless "
            f"shared_axes='all'. Received: input_shape={input_shape!r}, "
            f"shared_axes={layer.shared_axes!r}"
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
