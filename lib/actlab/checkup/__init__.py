"""Check any activation for the walls this collection's notebooks hit, and say which one it hits.

    report = check_activation("actlab.activations:naive_elu")
    report.ok            # False: a check failed
    report.to_dict()     # {"target", "ok", "backend", "seed", "checks": [{"name", "status", "detail", "evidence"}]}
    check_module("my_package.activations", train=False, timing=False).table()  # a whole module

or from a shell: ``python -m actlab.checkup package.module:attribute [--json FILE] [--no-train]
[--no-timing] [--no-fresh-process] [--allow-surrogate-gradient] [--backends] [--seed N]``, or
``python -m actlab.checkup --module package.module ...`` (exit 0: nothing failed, 1: a check
failed, 2: not a usable target), or in a test suite:
``assert_healthy(my_activation, train=False, timing=False)``.

The checks, in order (`CHECKS`): ``forward_finite``, ``gradient_finite``, ``gradient_correct``,
``kinks``, ``gradient_alive``, ``weight_gradients``, ``compiles``, ``traced_state``,
``float16``, ``bfloat16``, ``serializes``, ``training``, ``cost``. Each returns a status
(``pass``, ``warn``, ``fail`` or ``skip``), one sentence for a person naming the inputs and
values involved (the input of smallest |x| that goes wrong, and how many do), and the numbers.
With ``backends=("tensorflow", "jax")`` (``--backends``) a fourteenth check, ``backends``,
evaluates the target on each backend in a child process and fails where they disagree.

What the checks do by experiment rather than by rule: the probe points are fixed grids plus
seeded random points off them (every interval of width 0.01 in [-6, 6] holds one; the seed is
in the report, and the same seed gives the same report), and kinks and jumps between points are
located by bisection; a failure names the sub-expression that goes non-finite (`causes`);
``traced_state`` changes every Python number the call reads after compiling; ``serializes``
reloads the saved model in a fresh process that imports only the target's module;
``weight_gradients`` differentiates a layer's trainable weights; ``cost`` is a paired ratio
against ``silu`` over interleaved rounds.

How a target is probed. It is called on float32 tensors of shape ``(n, 4)``. If it maps each
element to one element (the output has the input's shape and changing one input changes only
its own output) it is *elementwise*: every check then speaks of scalar inputs ``x`` and the
derivative ``f'(x)``. Otherwise (the Antirectifier normalizes each row, CReLU doubles the
features) it is *row-wise*: each probe point is a row ``x = base + t·v`` along a fixed
direction ``v``, the scalar studied is ``F(t) = sum(c · f(x))`` for a fixed cotangent ``c``,
and ``F'(t)`` is the vector-Jacobian product with ``c`` projected on ``v``.

Gradients and compilation go through `actlab.autodiff`'s dispatch on `keras.backend.backend()`:
TensorFlow (`tf.GradientTape`, `tf.function(jit_compile=True)`) or JAX (`jax.vjp`, `jax.jit`).
The training check's layer localisation (`actlab.diagnostics`) and the cost check (`actlab.bench`)
are TensorFlow-only; on JAX the first reports the failing step only and the second is skipped.
Keras's JAX backend computes some ops of float64 inputs in float32, so there the finite
differences fall back to float32 for such targets (the details say which).

The modules: `report` (the result types), `paths` (import paths, checked before Keras loads),
`targets` (resolving and probing a target), `probe` (the grids, the random points, per-point
evaluation), `context` (what the checks of one target share), one module per family of checks
(`finite` with `causes`; `differences`, `gradients`, `kinks`; `weights`; `compiled`, `state`;
`precision`; `saving` with `reloading`, the fresh process; `training`; `cost`; `backends`),
`run` (`check_activation` and friends), `modules` (`check_module`) and `cli` (the command).
Importing this package does not load Keras: the names below are imported on first use, so the
command can refuse a bad target before a backend loads.
"""

from __future__ import annotations

import importlib
from typing import Any

from actlab.checkup.report import CHECKS, STATUSES, ActivationReport, CheckResult

__all__ = [
    "CHECKS",
    "STATUSES",
    "BACKENDS",
    "CheckResult",
    "ActivationReport",
    "check_activation",
    "check_module",
    "check_targets",
    "ModuleReport",
    "assert_healthy",
    "compare_backends",
    "profile_activation",
    "resolve_target",
    "main",
]

#: Where each public name that needs Keras lives (imported on first access).
_LAZY = {
    "BACKENDS": "backends",
    "compare_backends": "backends",
    "check_activation": "run",
    "check_module": "modules",
    "check_targets": "modules",
    "ModuleReport": "modules",
    "assert_healthy": "run",
    "profile_activation": "run",
    "resolve_target": "targets",
    "main": "cli",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
