"""Check any activation for the walls this collection's notebooks hit, and say which one it hits.

    report = check_activation("actlab.activations:naive_elu")
    report.ok            # False: a check failed
    report.to_dict()     # {"target", "ok", "backend", "checks": [{"name", "status", "detail", "evidence"}]}

or from a shell: ``python -m actlab.checkup package.module:attribute [--json FILE] [--no-train]
[--no-timing] [--allow-surrogate-gradient] [--backends]`` (exit 0: nothing failed, 1: a check failed,
2: the target cannot be imported or is not an activation), or in a test suite:
``assert_healthy(my_activation, train=False, timing=False)``.

The checks, in order (`CHECKS`): ``forward_finite``, ``gradient_finite``, ``gradient_correct``,
``kinks``, ``gradient_alive``, ``compiles``, ``traced_state``, ``float16``, ``bfloat16``,
``serializes``, ``training``, ``cost``. Each returns a status (``pass``, ``warn``, ``fail`` or
``skip``), one sentence for a person naming the inputs and values involved, and the numbers.
With ``backends=("tensorflow", "jax")`` (``--backends``) a thirteenth check, ``backends``,
evaluates the target on each backend in a child process and fails where they disagree.

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

The modules: `report` (the result types), `targets` (resolving and probing a target), `probe`
(the input grids and per-point evaluation), `context` (what the checks of one target share),
one module per family of checks (`finite`, `gradients`, `compiled`, `precision`, `saving`,
`training`, `cost`, `backends`), `run` (`check_activation` and friends) and `cli` (the command).
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
