"""The check ``compiles``: forward and backward compile under XLA (`tf.function(jit_compile=True)`
or `jax.jit`) and give the eager values; the compiled function is kept for ``traced_state``."""

from __future__ import annotations

import numpy as np
from keras import ops

from actlab.autodiff import jit, vjp_input
from actlab.checkup.context import Context
from actlab.checkup.probe import backend, first_line, to_numpy, xla_context
from actlab.checkup.report import CheckResult


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
