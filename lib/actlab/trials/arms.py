"""Arms: a name plus what builds its activation, plus what a scenario needs beside it.

The activation is anything the checkup accepts (`actlab.checkup.resolve_target`): a target
string ``"package.module:attribute(literal args)"``, a Keras activation name (``"gelu"``), a
Keras layer class or instance, or a function of one tensor. Strings are the best choice: they
pickle to worker processes as they are and make a readable cache key. A function or class is
keyed by its module, qualified name and a hash of its module's source file, so editing it
retrains it.

Beside the activation an arm may carry `callbacks` (a function that returns fresh Keras
callbacks for each run, e.g. a `BlendSchedule`), `model` (keyword options for the task's
builder, e.g. a width), `train` (per-arm training options: ``epochs``, ``learning_rates``,
``optimizer`` keyword arguments such as ``clipnorm``) and `tasks` (the names of the tasks it
runs on, when it makes sense on only some of the trial's tasks; None: every task).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Arm",
    "as_arm",
    "activation_factory",
    "constant_output",
    "constant_reference",
    "describe_object",
]

TRAIN_OPTIONS = ("epochs", "learning_rates", "optimizer")


@dataclass(frozen=True)
class Arm:
    """One arm of a trial: a `name` and its `activation` (see the module docstring)."""

    name: str
    activation: Any
    callbacks: Callable[[], Any] | None = None
    model: Mapping[str, Any] = field(default_factory=dict)
    train: Mapping[str, Any] = field(default_factory=dict)
    tasks: tuple[str, ...] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"`name` must be a non-empty string. Received: name={self.name!r}")
        if self.callbacks is not None and not callable(self.callbacks):
            raise ValueError(
                "`callbacks` must be None or a function returning a list of Keras callbacks "
                f"(built anew for every run). Received: callbacks={self.callbacks!r}"
            )
        for arg in ("model", "train"):
            if not isinstance(getattr(self, arg), Mapping):
                raise ValueError(
                    f"`{arg}` must be a mapping. Received: {arg}={getattr(self, arg)!r}"
                )
        if self.tasks is not None:
            names = (self.tasks,) if isinstance(self.tasks, str) else self.tasks
            if (
                not isinstance(names, tuple | list)
                or not names
                or not all(isinstance(t, str) and t for t in names)
            ):
                raise ValueError(
                    "`tasks` must be None or a non-empty list of task names. "
                    f"Received: tasks={self.tasks!r}"
                )
            object.__setattr__(self, "tasks", tuple(names))
        unknown = sorted(set(self.train) - set(TRAIN_OPTIONS))
        if unknown:
            raise ValueError(
                f"`train` may hold {TRAIN_OPTIONS}. Received: train={dict(self.train)!r}"
            )

    def runs_on(self, task: str) -> bool:
        """Whether this arm trains on the task named `task`."""
        return self.tasks is None or task in self.tasks


def constant_output(x):
    """Zeros of `x`'s shape, whatever `x` holds: the hidden layers of `constant_reference`."""
    import keras

    return keras.ops.zeros_like(x)


def constant_reference(tasks: Any = None, name: str = "constant") -> Arm:
    """A reference arm: every activation outputs 0, so the model is its output layer's bias
    alone, trained like any other arm: the best constant prediction the task's training finds
    (the mean of the training targets, for a mean squared error). With it as a baseline a
    question asks "does the candidate beat predicting a constant?" (an absolute reference for
    a regression). It is a baseline only where you list it; `tasks` restricts it to some tasks
    (None: every task of the trial)."""
    return Arm(name, "actlab.trials.arms:constant_output", tasks=tasks)


def short_name(target: Any) -> str:
    """A display name: ``"actlab.layers:Rational(trainable=False)"`` → ``"Rational(trainable=False)"``."""
    if isinstance(target, str):
        return target.split(":", 1)[1] if ":" in target else target
    obj = target.func if isinstance(target, functools.partial) else target
    if not isinstance(obj, type) and not inspect.isfunction(obj):
        obj = type(obj)
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)


def as_arm(arm: Any) -> Arm:
    """An `Arm` as given, or one named after a bare activation."""
    if isinstance(arm, Arm):
        return arm
    return Arm(short_name(arm), arm)


def activation_factory(target: Any) -> Callable[[], Any]:
    """A function returning a fresh activation layer for `target` at every call (a model needs
    one per place; layers with weights cannot be shared between places)."""
    import keras

    from actlab.checkup import resolve_target

    def make():
        _, obj = resolve_target(target)
        if isinstance(obj, keras.layers.Layer):
            if obj is target:  # an instance given directly: a copy from its config each time
                return type(obj).from_config(obj.get_config())
            return obj
        return keras.layers.Activation(obj)

    make()  # fail here, in the caller, on a bad target
    return make


# --------------------------------------------------------------------------- keys
@functools.lru_cache(maxsize=256)
def _file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _source_of(obj: Any) -> dict[str, Any]:
    """Module, qualified name and a hash of the module's source file of a function or class."""
    module = inspect.getmodule(obj)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    out: dict[str, Any] = {"module": getattr(module, "__name__", None), "name": name}
    path = getattr(module, "__file__", None)
    if path and Path(path).is_file():
        out["source"] = _file_hash(path)
    else:  # defined in a notebook cell or a REPL: the function's own source, if any
        try:
            out["source"] = hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]
        except (OSError, TypeError):
            out["source"] = None
    closure = getattr(obj, "__closure__", None)
    if closure:
        out["closure"] = [describe_object(c.cell_contents) for c in closure]
    defaults = getattr(obj, "__defaults__", None)
    if defaults:
        out["defaults"] = [describe_object(d) for d in defaults]
    return out


def describe_object(obj: Any) -> Any:
    """A JSON-able description of `obj` that changes when its result could: plain values as
    they are, functions and classes by `_source_of`, partials by function and arguments, Keras
    layers and other objects with a `get_config` by class and config."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, Mapping):
        return {
            str(k): describe_object(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        return [describe_object(v) for v in items]
    if isinstance(obj, functools.partial):
        return {
            "partial": describe_object(obj.func),
            "args": describe_object(obj.args),
            "kwargs": describe_object(obj.keywords),
        }
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.ismethod(obj):
        return _source_of(obj)
    if hasattr(obj, "get_config"):
        try:
            config = obj.get_config()
        except Exception:  # noqa: BLE001 - a config that cannot be taken: class and repr
            config = repr(obj)
        return {
            "class": _source_of(type(obj)),
            "config": json.loads(json.dumps(config, default=repr)),
        }
    if hasattr(obj, "tolist"):  # NumPy scalars and arrays
        return describe_object(obj.tolist())
    return {"class": _source_of(type(obj)), "repr": repr(obj)}


def arm_key(arm: Arm) -> dict[str, Any]:
    """What decides an arm's results (its name does not: renaming an arm retrains nothing)."""
    target = arm.activation
    key: dict[str, Any] = {"activation": describe_object(target)}
    if isinstance(target, str):
        from actlab.checkup import resolve_target

        _, obj = resolve_target(target)
        origin = obj.func if isinstance(obj, functools.partial) else obj
        if not (inspect.isfunction(origin) or isinstance(origin, type)):
            origin = type(origin)
        key["resolves_to"] = _source_of(origin)
    key["callbacks"] = describe_object(arm.callbacks)
    key["model"] = describe_object(dict(arm.model))
    key["train"] = describe_object(dict(arm.train))
    return key
