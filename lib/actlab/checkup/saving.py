"""The check ``serializes``: a model using the target saves as .keras and reloads with
``safe_mode=True`` to the same outputs."""

from __future__ import annotations

import functools
import tempfile
import types
from pathlib import Path

import keras
import numpy as np

from actlab.checkup.context import Context
from actlab.checkup.probe import WIDTH, first_line, to_numpy
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import name_of


def serializes(ctx: Context) -> CheckResult:
    obj = ctx.t.obj
    if ctx.t.layer is not None:
        layer = obj
        what = f"a model holding the {type(layer).__name__} layer"
        cls = type(layer)
        builtin = cls.__module__.startswith("keras.")
        registered = (
            keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is cls
        )
        if not (builtin or registered):
            return CheckResult(
                "serializes",
                "warn",
                f"The layer class {cls.__name__} is not registered, so a model "
                "using it reloads only with custom_objects: decorate it with "
                "@keras.saving.register_keras_serializable(package=...) and "
                "return every constructor argument from get_config.",
                {"registered": False},
            )
    else:
        problem = _unregistered(obj)
        if problem:
            return CheckResult("serializes", "warn", problem, {"registered": False})
        layer = keras.layers.Activation(obj)
        what = "a model with keras.layers.Activation(<the function>)"
    x = ctx.probe.layout(ctx.shape_points(), offset=True).astype("float32")
    try:
        model = keras.Sequential([keras.Input((WIDTH,)), layer])
        expected = to_numpy(model(x))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "checkup.keras"
            model.save(path)
            loaded = keras.saving.load_model(path, safe_mode=True)
            got = to_numpy(loaded(x))
    except Exception as exc:  # noqa: BLE001
        return CheckResult(
            "serializes",
            "fail",
            f"Saving {what} as .keras and reloading it with safe_mode=True "
            f"failed: {type(exc).__name__}: {first_line(exc)}",
            {"error": first_line(exc)},
        )
    diff = float(np.nanmax(np.abs(got - expected), initial=0.0))
    ev = {"max_abs_difference": diff, "registered": True}
    if not np.allclose(got, expected, rtol=1e-6, atol=1e-6, equal_nan=True):
        return CheckResult(
            "serializes",
            "fail",
            f"{what} reloads with safe_mode=True but its outputs differ by up to {diff:.3g}.",
            ev,
        )
    return CheckResult(
        "serializes",
        "pass",
        f"{what[0].upper()}{what[1:]} saves as .keras and "
        "reloads with safe_mode=True, giving the same outputs.",
        ev,
    )


def _unregistered(fn) -> str | None:
    """Why a plain function cannot be saved by reference, or None when it can."""
    if isinstance(fn, functools.partial):
        return (
            "A functools.partial with fixed arguments cannot be saved by reference: make it a "
            "registered function with those defaults, or a Layer with them in get_config."
        )
    name = getattr(fn, "__name__", None)
    if name is None or not isinstance(fn, types.FunctionType):
        return (
            f"`{name_of(fn)}` is not a plain Python function (a decorated or callable "
            "object), so a model using it cannot be saved by reference: wrap it in a "
            "registered function or Layer."
        )
    if name == "<lambda>":
        return (
            "A lambda cannot be saved by reference: define it with `def` and decorate it with "
            "@keras.saving.register_keras_serializable(package=...)."
        )
    try:
        if keras.activations.get(name) is fn:
            return None
    except (ValueError, TypeError):
        pass
    registered = keras.saving.get_registered_name(fn)
    if registered != name and keras.saving.get_registered_object(registered) is fn:
        return None
    return (
        f"`{name}` is not registered, so a model using it reloads only with custom_objects: "
        f"decorate it with @keras.saving.register_keras_serializable(package=...)."
    )
