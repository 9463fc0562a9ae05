"""Argument checks shared by the layers of `lib.layers`, in the style of Keras's PReLU: a bad
argument raises `ValueError` naming the argument and showing what was received (repr)."""

from __future__ import annotations


def resolve(getter, name, value):
    """`keras.initializers.get` (or `regularizers.get`, `constraints.get`) of `value`, with an
    error that names the argument `name` instead of Keras's generic one."""
    try:
        return getter(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Could not interpret `{name}` ({exc}). Received: {name}={value!r}") from None


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
        raise ValueError(f"`shared_axes` must be {none}, an int >= 1 or a non-empty list of them "
                         f"(axis 0 is the batch). Received: shared_axes={shared_axes!r}")
    return axes
