"""Can a target be saved by reference, and what will its reload be missing: its identity
(``module:qualname``), whether another process can import it, whether it is one of Keras's
own (found by name anywhere), why it cannot be saved at all, and which constructor arguments
its `get_config` drops. `actlab.checkup.saving` asks these before it saves."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import types

import keras

from actlab.checkup.targets import name_of


def identity(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def importable(obj) -> bool:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not module or module == "__main__" or "<locals>" in qualname:
        return False
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def builtin(obj) -> bool:
    """One of Keras's own activations or layers, which Keras finds by name in any process (not
    any object from a keras module: JAX's ops.custom_gradient wraps functions in one)."""
    name = getattr(obj, "__name__", "")
    if isinstance(obj, type):
        return getattr(keras.layers, name, None) is obj
    try:
        return keras.activations.get(name) is obj
    except (ValueError, TypeError):
        return False


def unsaveable(fn) -> str | None:
    """Why a callable cannot be saved by reference at all, or None."""
    if isinstance(fn, functools.partial):
        return (
            "A functools.partial with fixed arguments cannot be saved by reference: make it a "
            "registered function with those defaults, or a Layer with them in get_config."
        )
    if not isinstance(fn, types.FunctionType):
        return (
            f"`{name_of(fn)}` is not a plain Python function (a decorated or callable "
            "object), so a model using it cannot be saved by reference: wrap it in a "
            "registered function or Layer."
        )
    return None


def dropped_arguments(layer) -> list[str]:
    """Constructor arguments of `layer` that its `get_config` leaves out: required ones, and
    ones whose value on the layer differs from the default that `from_config` would use."""
    try:
        config = layer.get_config()
        parameters = inspect.signature(type(layer).__init__).parameters.values()
    except Exception:  # noqa: BLE001 - no config or signature: nothing to name
        return []
    dropped = []
    for p in parameters:
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in config:
            continue
        if p.default is p.empty:
            dropped.append(f"`{p.name}` (required)")
            continue
        value = getattr(layer, p.name, p.default)
        simple = isinstance(value, (int, float, str, bool, type(None), tuple))
        if simple and value != p.default:
            dropped.append(f"`{p.name}` (the layer has {value!r}; reloaded: {p.default!r})")
    return dropped
