"""The check ``traced_state``: a Python number read at trace time is frozen in the compiled
function (notebook 01's trap). The numbers are found by experiment, not by a naming rule:
every int or float the call may read (`find_knobs`: the layer's attributes, module globals of
any case, closure variables, default arguments, a partial's arguments, in the function and the
functions it calls outside the frameworks) is changed after compiling, one at a time, and the
compiled output compared with the eager one. `KINDS` says what a frozen value means.
"""

from __future__ import annotations

import dis
import functools
import gc
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from actlab.checkup.context import Context
from actlab.checkup.probe import to_numpy, xla_context
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import Target

#: Where a Python number can live, and what it means when the compiled function freezes it:
#: ``fail`` (a running program changes such values: notebook 01's trap), ``warn`` (a
#: hyper-parameter or a constant by convention: fine only if it never changes after
#: compiling) or ``pass`` (fixed by the function's definition; frozen, as it should be).
KINDS = {
    "attribute": ("fail", "a layer attribute outside get_config"),
    "global": ("fail", "a module global"),
    "rebound closure": ("fail", "another function rebinds it: nonlocal"),
    "config attribute": ("warn", "a layer attribute in get_config"),
    "dropped argument": ("warn", "a constructor argument that get_config drops: see serializes"),
    "constant global": ("warn", "an UPPER_CASE module global"),
    "default": ("pass", ""),
    "partial argument": ("pass", ""),
    "closure": ("pass", "nothing rebinds it"),
}
#: Modules whose functions are not followed into (their numbers are not the target's).
FRAMEWORKS = ("keras", "tensorflow", "jax", "jaxlib", "numpy", "ml_dtypes", "optree", "builtins")
MAX_FUNCTIONS, MAX_KNOBS = 40, 60


def traced_state(ctx: Context) -> CheckResult:
    """Every Python number the call reads is changed after compiling, one at a time, and the
    compiled output compared with the eager one; `KINDS` says what a frozen value means."""
    if ctx.compiled is None:
        return CheckResult("traced_state", "skip", "Needs a compiled function (see compiles).")
    knobs = find_knobs(ctx.t)
    x = ops.convert_to_tensor(ctx.probe.layout(ctx.shape_points(), offset=True).astype("float32"))
    checked = []
    with xla_context():
        base_eager, base_comp = to_numpy(ctx.t.fn(x)), to_numpy(ctx.compiled(x))
        for knob in knobs:
            was = knob.get()
            new = _changed(was)
            knob.set(new)
            try:
                eager, comp = to_numpy(ctx.t.fn(x)), to_numpy(ctx.compiled(x))
            except Exception:  # noqa: BLE001 - not a value this activation can take
                continue
            finally:
                knob.set(was)
            moved = eager.shape != base_eager.shape or not np.allclose(
                eager, base_eager, equal_nan=True
            )
            stuck = comp.shape == base_comp.shape and np.array_equal(
                comp, base_comp, equal_nan=True
            )
            checked.append(
                {
                    "value": knob.where,
                    "kind": knob.kind,
                    "was": was,
                    "set_to": new,
                    "eager_moved": moved,
                    "compiled_moved": not stuck,
                    "frozen": moved and stuck,
                    "status": KINDS[knob.kind][0] if moved and stuck else "pass",
                }
            )
    return _verdict(checked)


def _verdict(checked: list[dict]) -> CheckResult:
    ev = {"values": checked, "n_examined": len(checked)}
    frozen = {s: [c for c in checked if c["status"] == s] for s in ("fail", "warn", "pass")}

    def names(rows):
        return ", ".join(
            c["value"] + (f" ({KINDS[c['kind']][1]})" if KINDS[c["kind"]][1] else "") for c in rows
        )

    if frozen["fail"]:
        rows = frozen["fail"]
        return CheckResult(
            "traced_state",
            "fail",
            f"{names(rows)} {'is' if len(rows) == 1 else 'are'} read as "
            f"{'a Python number' if len(rows) == 1 else 'Python numbers'}: after compiling, "
            f"changing {'it' if len(rows) == 1 else 'one'} moves the eager output but not the "
            "compiled one (frozen at trace time); hold it in a variable (a keras.Variable "
            "assigned in place), as PolyReLUBlend holds its relu_weight for BlendSchedule.",
            ev,
        )
    if frozen["warn"]:
        rows = frozen["warn"]
        return CheckResult(
            "traced_state",
            "warn",
            f"{names(rows)} {'is' if len(rows) == 1 else 'are'} frozen at trace time: after "
            f"compiling, changing {'it' if len(rows) == 1 else 'one'} moves the eager output but "
            "not the compiled one. Fine only if it never changes after compiling; if a callback "
            "or a schedule changes it, make it a variable (as BlendSchedule does with "
            "PolyReLUBlend's relu_weight).",
            ev,
        )
    fixed = [c for c in checked if c["frozen"]]
    follows = [c for c in checked if c["eager_moved"] and c["compiled_moved"]]
    text = (
        f"No Python number it reads can change the compiled output behind its back "
        f"({len(checked)} examined: layer attributes, module globals, closure variables, "
        "default arguments)"
    )
    if follows:
        text += (
            f"; changing {', '.join(c['value'] for c in follows)} changes the compiled output too"
        )
    if fixed:
        text += f"; frozen at trace time as fixed by the definition: {names(fixed)}"
    return CheckResult("traced_state", "pass", text + ".", ev)


def _changed(value):
    """A different value of the same type (ints move by at least 1)."""
    if isinstance(value, (int, np.integer)):
        return type(value)(value + max(abs(int(value)) // 2, 1))
    return type(value)(value + max(0.5 * abs(float(value)), 0.5))


@dataclass
class Knob:
    """A Python number the call may read: how a person names it, its kind (`KINDS`), and how to
    read and change it."""

    where: str
    kind: str
    get: Callable[[], Any]
    set: Callable[[Any], None]


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


@functools.cache
def _layer_own_attributes() -> frozenset[str]:
    """What every Keras layer holds itself (not the user's numbers)."""
    return frozenset(vars(keras.layers.Layer()))


def find_knobs(target: Target) -> list[Knob]:
    """The Python numbers the target's call may read: the layer's own attributes, and for the
    function (or the layer's `call`) and the functions it calls outside Keras, TensorFlow,
    JAX and NumPy: module globals, closure variables, default arguments and a partial's
    fixed arguments."""
    knobs: list[Knob] = []
    queue: list[tuple[Any, int]] = []
    if target.layer is not None:
        knobs += _layer_knobs(target.layer)
        queue.append((type(target.layer).call, 0))
    else:
        queue.append((target.fn, 0))
    seen: set[int] = set()
    while queue and len(seen) < MAX_FUNCTIONS:
        fn, depth = queue.pop(0)
        while isinstance(fn, functools.partial):
            knobs += _partial_knobs(fn)
            fn = fn.func
        fn = inspect.unwrap(getattr(fn, "__func__", fn))
        if not isinstance(fn, types.FunctionType) or id(fn) in seen:
            continue
        seen.add(id(fn))
        if depth and (fn.__module__ or "builtins").split(".")[0] in FRAMEWORKS:
            continue
        found, callees = _function_knobs(fn, target.layer)
        knobs += found
        if depth < 3:
            queue += [(c, depth + 1) for c in callees]
    unique = {k.where: k for k in knobs}
    return list(unique.values())[:MAX_KNOBS]


def _layer_knobs(layer) -> list[Knob]:
    try:
        config = layer.get_config()
    except Exception:  # noqa: BLE001 - no config: every number is outside it
        config = {}
    try:
        arguments = set(inspect.signature(type(layer).__init__).parameters)
    except (TypeError, ValueError):
        arguments = set()
    own = _layer_own_attributes()
    cls = type(layer).__name__
    knobs = []
    for name, value in vars(layer).items():
        if name in own or not _is_number(value):
            continue
        key = name if name in config else name.lstrip("_")
        if key in config and config[key] == value:
            kind = "config attribute"
        elif key in arguments:  # a hyper-parameter whose config bug serializes reports
            kind = "dropped argument"
        else:
            kind = "attribute"
        knobs.append(
            Knob(
                f"{cls}.{name}",
                kind,
                functools.partial(getattr, layer, name),
                functools.partial(setattr, layer, name),
            )
        )
    return knobs


def _partial_knobs(p: functools.partial) -> list[Knob]:
    name = getattr(p.func, "__qualname__", repr(p.func))
    return [
        Knob(
            f"{name}'s argument {k}",
            "partial argument",
            functools.partial(p.keywords.__getitem__, k),
            functools.partial(p.keywords.__setitem__, k),
        )
        for k, v in p.keywords.items()
        if _is_number(v)
    ]


def _code_names(code: types.CodeType) -> set[str]:
    names, stack = set(), [code]
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return names


def _function_knobs(fn: types.FunctionType, layer) -> tuple[list[Knob], list[Any]]:
    """`fn`'s globals, closure variables and defaults that are numbers; and the functions it
    may call (globals, closure cells, methods of the layer)."""
    knobs, callees = [], []
    code, glb = fn.__code__, fn.__globals__
    module = glb.get("__name__", "?")
    for name in sorted(_code_names(code)):
        if name in glb:
            value = glb[name]
            if _is_number(value):
                knobs.append(
                    Knob(
                        f"{module}.{name}",
                        "constant global" if name.isupper() else "global",
                        functools.partial(glb.__getitem__, name),
                        functools.partial(glb.__setitem__, name),
                    )
                )
            elif callable(value) and not isinstance(value, type):
                callees.append(value)
        elif layer is not None and isinstance(getattr(type(layer), name, None), types.FunctionType):
            callees.append(getattr(type(layer), name))
    for name, cell in zip(code.co_freevars, fn.__closure__ or (), strict=False):
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if _is_number(value):
            kind = "rebound closure" if _rebound(cell) else "closure"
            knobs.append(
                Knob(
                    f"closure variable {name} of {fn.__qualname__}",
                    kind,
                    functools.partial(getattr, cell, "cell_contents"),
                    functools.partial(setattr, cell, "cell_contents"),
                )
            )
        elif callable(value) and not isinstance(value, type):
            callees.append(value)
    knobs += _default_knobs(fn)
    return knobs, callees


def _default_knobs(fn: types.FunctionType) -> list[Knob]:
    code, knobs = fn.__code__, []
    defaults = fn.__defaults__ or ()
    names = code.co_varnames[code.co_argcount - len(defaults) : code.co_argcount]
    for i, (name, value) in enumerate(zip(names, defaults, strict=True)):
        if _is_number(value):

            def set_default(v, i=i):
                values = list(fn.__defaults__)
                values[i] = v
                fn.__defaults__ = tuple(values)

            knobs.append(
                Knob(
                    f"default argument {name} of {fn.__qualname__}",
                    "default",
                    functools.partial(lambda i: fn.__defaults__[i], i),
                    set_default,
                )
            )
    for name, value in (fn.__kwdefaults__ or {}).items():
        if _is_number(value):
            knobs.append(
                Knob(
                    f"default argument {name} of {fn.__qualname__}",
                    "default",
                    functools.partial(fn.__kwdefaults__.__getitem__, name),
                    functools.partial(fn.__kwdefaults__.__setitem__, name),
                )
            )
    return knobs


def _rebound(cell) -> bool:
    """Whether a function holding `cell` in its closure assigns to it (``nonlocal x; x = ...``):
    then the value can change after compiling."""
    for holder in gc.get_referrers(cell):
        if not isinstance(holder, tuple):
            continue
        for fn in gc.get_referrers(holder):
            if not isinstance(fn, types.FunctionType) or fn.__closure__ is not holder:
                continue
            name = fn.__code__.co_freevars[holder.index(cell)]
            if any(
                ins.opname in ("STORE_DEREF", "DELETE_DEREF") and ins.argval == name
                for ins in dis.get_instructions(fn.__code__)
            ):
                return True
    return False
