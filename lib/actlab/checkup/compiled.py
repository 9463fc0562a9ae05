"""The checks of compilation: ``compiles`` (forward and backward under XLA, the same values as
eagerly) and ``traced_state`` (a Python number read at trace time is frozen in the compiled
function: notebook 01's trap)."""

from __future__ import annotations

import functools
import sys
import types
from typing import Any

import numpy as np
from keras import ops

from actlab.autodiff import jit, vjp_input
from actlab.checkup.context import Context
from actlab.checkup.probe import backend, first_line, to_numpy, xla_context
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import Target


def compiles(ctx: Context) -> CheckResult:
    fn = ctx.t.fn
    t = np.concatenate([ctx.grid, ctx.shape_points()])
    x = ops.convert_to_tensor(ctx.probe.layout(t, offset=False).astype("float32"))
    eager = to_numpy(fn(x)).astype("float64")
    try:
        with xla_context():
            compiled = jit(fn)
            got = to_numpy(compiled(x)).astype("float64")
            cot = ctx.probe.c

            def gradient(x):
                return vjp_input(fn, x, cot)[1]

            g = jit(gradient)(x)
    except Exception as exc:  # noqa: BLE001 - the compiler's error is the finding
        return CheckResult(
            "compiles",
            "fail",
            f"Does not compile under XLA: {type(exc).__name__}: {first_line(exc)}",
            {"error": f"{type(exc).__name__}: {first_line(exc)}"},
        )
    ctx.compiled = compiled
    both = np.isfinite(eager) & np.isfinite(got)
    with np.errstate(all="ignore"):
        rel = np.where(both, np.abs(got - eager) / np.maximum(1.0, np.abs(eager)), 0.0)
    same_nonfinite = bool(np.array_equal(np.isfinite(eager), np.isfinite(got)))
    worst = float(rel.max(initial=0.0))
    ev = {
        "max_relative_difference": worst,
        "same_nonfinite_pattern": same_nonfinite,
        "gradient_compiled": g is not None,
        "mode": "tf.function(jit_compile=True)" if backend() == "tensorflow" else "jax.jit",
    }
    if worst > 1e-3 or not same_nonfinite:
        i = np.unravel_index(np.argmax(rel), rel.shape)
        return CheckResult(
            "compiles",
            "fail",
            f"Compiles under XLA but gives different values: {got[i]:.6g} "
            f"instead of {eager[i]:.6g} (eager) on input "
            f"{to_numpy(x)[i[0]].tolist() if not ctx.probe.elementwise else to_numpy(x)[i]}"
            + ("" if same_nonfinite else "; non-finite outputs differ")
            + ".",
            ev,
        )
    return CheckResult(
        "compiles",
        "pass",
        f"Forward and backward compile under XLA ({ev['mode']}); values equal "
        f"eager ones to {worst:.1g} relative.",
        ev,
    )


def traced_state(ctx: Context) -> CheckResult:
    if ctx.compiled is None:
        return CheckResult("traced_state", "skip", "Needs a compiled function (see compiles).")
    candidates = _python_numbers(ctx.t)
    x = ops.convert_to_tensor(ctx.probe.layout(ctx.shape_points(), offset=True).astype("float32"))
    with xla_context():
        base_eager, base_comp = to_numpy(ctx.t.fn(x)), to_numpy(ctx.compiled(x))
        frozen, checked = [], []
        for owner, name, value, where in candidates:
            new = value + max(0.5 * abs(value), 0.5)
            setattr(owner, name, type(value)(new))
            try:
                eager, comp = to_numpy(ctx.t.fn(x)), to_numpy(ctx.compiled(x))
            except Exception:  # noqa: BLE001 - not a value this activation can take
                continue
            finally:
                setattr(owner, name, value)
            moved = not np.allclose(eager, base_eager, equal_nan=True)
            stuck = np.array_equal(comp, base_comp, equal_nan=True)
            checked.append(
                {
                    "value": where,
                    "was": value,
                    "set_to": new,
                    "eager_moved": moved,
                    "compiled_moved": not stuck,
                }
            )
            if moved and stuck:
                frozen.append(where)
    read = [c["value"] for c in checked if c["eager_moved"]]
    ev = {"values": checked}
    if frozen:
        return CheckResult(
            "traced_state",
            "fail",
            f"{', '.join(frozen)} is read as a Python number: after compiling, "
            f"changing it moves the eager output but not the compiled one (it "
            "is frozen at trace time; hold it in a variable, as PolyReLUBlend "
            "does).",
            ev,
        )
    if not read:
        return CheckResult(
            "traced_state",
            "pass",
            "The activation reads no Python float that "
            "could change after compiling (layer attributes outside the "
            "config, lowercase module globals)"
            + (f"; {', '.join(c['value'] for c in checked)} changed nothing" if checked else "")
            + ".",
            ev,
        )
    return CheckResult(
        "traced_state",
        "pass",
        f"Changing {', '.join(read)} after compiling changes the compiled "
        "output as it changes the eager one.",
        ev,
    )


def _python_numbers(target: Target) -> list[tuple[Any, str, float, str]]:
    """Python floats the activation reads that a running program could change: a layer's float
    attributes that are not constructor arguments (get_config), and lowercase module globals
    read by the function (or the layer's `call`). UPPER_CASE globals are constants by
    convention; ints are sizes and axes, not values."""
    found = []

    def is_float(v):
        return isinstance(v, (float, np.floating)) and not isinstance(v, bool)

    fn = target.fn
    if target.layer is not None:
        try:
            config = target.layer.get_config()
        except Exception:  # noqa: BLE001
            config = {}
        for name, value in vars(target.layer).items():
            if name.startswith("_") or not is_float(value) or config.get(name) == value:
                continue
            found.append((target.layer, name, value, f"{type(target.layer).__name__}.{name}"))
        fn = type(target.layer).call
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__wrapped__", fn)
    code, glb = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is not None and glb is not None:
        names, stack = set(), [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        module = sys.modules.get(glb.get("__name__", ""))
        for name in sorted(names):
            value = glb.get(name)
            if module is not None and is_float(value) and not name.isupper():
                found.append((module, name, value, f"{module.__name__}.{name}"))
    return found
