"""What can be checked: resolving a target (a function, a layer, a Keras name or an import
path) to an activation, and probing how it maps its input (elementwise or row-wise)."""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from actlab.checkup.paths import PATH, did_you_mean, precheck
from actlab.checkup.probe import WIDTH, first_line, to_numpy


@dataclass
class Target:
    label: str
    fn: Callable  # the callable checked (float32 eager)
    obj: Any  # the function or layer as given/built
    layer: Any = None  # a keras Layer, or None for a function
    elementwise: bool = True
    out_shape: tuple = ()  # output shape of one probe row (without batch)
    module: str | None = None  # the module of an import path ("pkg.mod" of "pkg.mod:attr")

    def clone(self, dtype: str):
        """The same activation computing in `dtype` (a layer is rebuilt from its config with
        that dtype policy and given the same weights); the function itself otherwise."""
        if self.layer is None:
            return self.fn
        layer = rebuild(self.layer, dtype=dtype)
        layer(ops.zeros((1, WIDTH), dtype=compute_dtype(dtype)))
        source = self.layer.get_weights()
        if source:
            layer.set_weights(
                [np.asarray(w).astype(v.dtype) for w, v in zip(source, layer.weights, strict=True)]
            )
        return layer

    @contextlib.contextmanager
    def in_policy(self, policy: str) -> Iterator[Any]:
        """The layer itself under dtype `policy` (``"mixed_float16"``) while inside: its dtype
        policy, and its sublayers', is replaced and restored afterwards. Not a copy: a copy is
        rebuilt from `get_config` (even `copy.deepcopy` saves and reloads a Keras layer), and a
        config bug is `serializes`'s to report."""
        layers = [self.layer, *self.layer._flatten_layers(include_self=False)]
        saved = [layer.dtype_policy for layer in layers]
        try:
            for layer in layers:
                layer.dtype_policy = policy
            yield self.layer
        finally:
            for layer, old in zip(layers, saved, strict=True):
                layer.dtype_policy = old


def rebuild(layer, **overrides):
    """A new layer from `layer`'s config (with `overrides`). The object is already in this
    process, so a `Lambda` is rebuilt too (safe mode guards files, not live objects)."""
    if isinstance(layer, keras.layers.Lambda):  # its config holds bytecode without globals
        return keras.layers.Lambda(
            layer.function,
            arguments=layer.arguments,
            **{k: v for k, v in overrides.items() if k in ("dtype", "name")},
        )
    try:
        from keras.src.saving.serialization_lib import SafeModeScope
    except ImportError:  # pragma: no cover - older/newer Keras layouts
        SafeModeScope = lambda _: contextlib.nullcontext()  # noqa: E731, N806
    with SafeModeScope(False):
        return type(layer).from_config({**layer.get_config(), **overrides})


def compute_dtype(policy: str) -> str:
    return policy.removeprefix("mixed_")


def _parse_call(args: str, target: str) -> tuple[list, dict]:
    try:
        call = ast.parse(f"f({args})", mode="eval").body
        return (
            [ast.literal_eval(a) for a in call.args],
            {k.arg: ast.literal_eval(k.value) for k in call.keywords},
        )
    except (SyntaxError, ValueError) as exc:
        raise ValueError(
            f"Cannot parse the arguments of target {target!r}: only literal values "
            f"are accepted ({exc})."
        ) from None


def resolve_target(target: Any) -> tuple[str, Any]:
    """`(label, activation)` for a target; `ValueError` naming the target otherwise.

    Accepted: a callable of one tensor, a `keras.layers.Layer` instance or class (built with its
    defaults), a Keras activation name (``"gelu"``), or an import path
    ``"package.module:attribute"``, optionally with literal arguments that build a layer or
    fix a function's other arguments: ``"actlab.layers:Truncation(gradient='straight_through')"``.
    """
    label = target if isinstance(target, str) else name_of(target)
    obj = target
    if isinstance(target, str):
        precheck(target)  # a typo is refused with a suggestion, before anything is imported
        match = PATH.match(target)
        if match:
            try:
                module = importlib.import_module(match["module"])
            except Exception as exc:  # noqa: BLE001 - any import error is the user's target
                raise ValueError(
                    f"Cannot import target {target!r}: {type(exc).__name__}: {exc}"
                ) from None
            obj = module
            for part in match["attr"].split("."):
                if not hasattr(obj, part):
                    raise ValueError(
                        f"Cannot import target {target!r}: module "
                        f"{match['module']!r} has no attribute {match['attr']!r}."
                        + did_you_mean(part, [n for n in dir(obj) if not n.startswith("_")])
                    )
                obj = getattr(obj, part)
            if match["args"] is not None:
                args, kwargs = _parse_call(match["args"], target)
                if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
                    obj = _instantiate(obj, target, *args, **kwargs)
                elif callable(obj):
                    obj = functools.partial(obj, *args, **kwargs)
                else:
                    raise ValueError(f"Target {target!r} is not callable.")
        else:
            try:
                obj = keras.activations.get(target)
            except (ValueError, TypeError):
                raise ValueError(
                    f"Target {target!r} is neither a Keras activation name nor an "
                    "import path 'package.module:attribute'."
                ) from None
    if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
        obj = _instantiate(obj, label)
    if isinstance(obj, type) or not callable(obj):
        raise ValueError(
            f"Target {label!r} is not an activation: expected a callable of one "
            f"tensor, a Keras layer (instance or class), a Keras activation name or "
            f"'package.module:attribute'. Received: {obj!r}"
        )
    return label, obj


def _instantiate(cls, target, *args, **kwargs):
    try:
        return cls(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"Target {target!r}: cannot build {cls.__name__} with these arguments "
            f"({type(exc).__name__}: {exc})."
        ) from None


def name_of(obj: Any) -> str:
    if isinstance(obj, functools.partial):
        kw = ", ".join(f"{k}={v!r}" for k, v in obj.keywords.items())
        return f"{name_of(obj.func)}({kw})"
    if isinstance(obj, type):
        return f"{obj.__module__}:{obj.__qualname__}"
    if isinstance(obj, keras.layers.Layer):
        cls = type(obj)
        return f"{cls.__module__}:{cls.__qualname__}"
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"{module}:{name}" if module else name


def prepare(target: Any) -> Target:
    """Resolve, build and probe the target (elementwise or row-wise)."""
    label, obj = resolve_target(target)
    layer = obj if isinstance(obj, keras.layers.Layer) else None
    rng = np.random.default_rng(1234)
    x = rng.normal(size=(8, WIDTH)).astype("float32")
    try:
        try:
            y = to_numpy(obj(ops.convert_to_tensor(x)))
        except Exception:
            if layer is None or not layer.built:
                raise
            # built for another input width: check a fresh copy built from its config
            layer = obj = rebuild(layer)
            y = to_numpy(obj(ops.convert_to_tensor(x)))
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"Target {label!r} is not an activation: calling it on a float32 tensor "
            f"of shape {x.shape} raised {type(exc).__name__}: "
            f"{first_line(exc)}"
        ) from None
    if (
        y is None
        or y.ndim < 2
        or y.shape[0] != x.shape[0]
        or not np.issubdtype(y.dtype, np.floating)
    ):
        raise ValueError(
            f"Target {label!r} is not an activation: on a float32 tensor of shape "
            f"{x.shape} it returned {_describe_output(y)}, not one floating tensor "
            "with the same batch size."
        )
    elementwise = y.shape == x.shape
    if elementwise:
        x2 = x.copy()
        x2[:, 0] += 0.37
        y2 = to_numpy(obj(ops.convert_to_tensor(x2)))
        elementwise = bool(np.array_equal(y2[:, 1:], y[:, 1:], equal_nan=True))
    match = PATH.match(target) if isinstance(target, str) else None
    return Target(
        module=match["module"] if match else None,
        label=label,
        fn=obj,
        obj=obj,
        layer=layer,
        elementwise=elementwise,
        out_shape=tuple(y.shape[1:]),
    )


def _describe_output(y) -> str:
    if y is None:
        return "something that is not a tensor"
    return f"an array of shape {y.shape} and dtype {y.dtype}"
