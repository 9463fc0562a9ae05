"""Running the checks: `check_activation` (every check on one target, in the order of
`CHECKS`), `assert_healthy` (the same, for a test suite) and `profile_activation` (the curves
behind the checks, for plotting)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from actlab.checkup import (
    compiled,
    cost,
    differences,
    finite,
    gradients,
    kinks,
    precision,
    saving,
    state,
    training,
    weights,
)
from actlab.checkup.backends import compare_backends
from actlab.checkup.context import Context
from actlab.checkup.probe import backend, first_line
from actlab.checkup.report import CHECKS, ActivationReport, CheckResult
from actlab.checkup.targets import prepare

__all__ = ["check_activation", "assert_healthy", "profile_activation", "run_checks", "crashed"]

DTYPES = ("float32", "float16", "bfloat16")


def check_activation(
    target: Any,
    *,
    dtypes: Sequence[str] = DTYPES,
    train: bool = True,
    timing: bool = True,
    allow_surrogate_gradient: bool = False,
    fresh_process: bool = True,
    seed: int = 0,
    n_train: int | None = None,
    cost_log2_size: int = 20,
    cost_repeats: int = 15,
    backends: Sequence[str] | None = None,
) -> ActivationReport:
    """Run every check on `target` and return an `ActivationReport` (see the package docstring).

    Args:
        target: a callable of one tensor, a Keras layer instance or class, a Keras activation
            name, or ``"package.module:attribute"`` (optionally with literal arguments).
        dtypes: half-precision dtypes to check (``"float16"``, ``"bfloat16"``); float32 is
            always the reference.
        train: run the `training` check (one epoch on the embedded MNIST, twice).
        timing: run the `cost` check.
        allow_surrogate_gradient: a gradient that differs from the finite differences is a
            warning, not a failure (a deliberate straight-through estimator).
        fresh_process: `serializes` reloads the saved model in a child process that imports
            only the target's module (a few seconds, while the other checks run); False
            reloads it in this process, which cannot tell whether importing that module
            registers the target (the detail says so).
        seed: seeds the probes' random points, the row direction, the networks'
            initialisation and shuffling; the same seed gives the same report.
        n_train: training images for `training` (None: the 4,000 of the embedded split).
        cost_log2_size, cost_repeats: size and interleaved rounds of the `cost` measurement.
        backends: e.g. ``("tensorflow", "jax")``: adds the check ``backends`` (after ``cost``),
            which fails where the backends give different values or gradients
            (`compare_backends`; `target` must then be an import path or a Keras name).

    Raises:
        ValueError: naming the target, when it cannot be imported or is not an activation.
    """
    for d in dtypes:
        if d not in DTYPES:
            raise ValueError(
                f"`dtypes` may hold 'float32', 'float16' and 'bfloat16'. "
                f"Received: dtypes={dtypes!r}"
            )
    start = time.perf_counter()
    prepared = prepare(target)
    try:
        ctx = Context(prepared, allow_surrogate_gradient, seed)
    except Exception as exc:  # noqa: BLE001 - the target raised: its failure, not a crash
        return crashed(prepared.label, exc, time.perf_counter() - start, seed)
    try:
        ctx.reload = saving.start(ctx, fresh_process)
        saving.launch([ctx.reload])  # the fresh process reloads while the other checks run
        return run_checks(
            ctx,
            target,
            start,
            dtypes=dtypes,
            train=train,
            timing=timing,
            n_train=n_train,
            cost_log2_size=cost_log2_size,
            cost_repeats=cost_repeats,
            backends=backends,
        )
    finally:
        if ctx.reload is not None:
            ctx.reload.close()


def run_checks(
    ctx: Context,
    target: Any,
    start: float,
    *,
    dtypes: Sequence[str] = DTYPES,
    train: bool = True,
    timing: bool = True,
    n_train: int | None = None,
    cost_log2_size: int = 20,
    cost_repeats: int = 15,
    backends: Sequence[str] | None = None,
) -> ActivationReport:
    """Every check on a prepared target (`ctx.reload` already started), in `CHECKS` order; a
    check that crashes is reported as failed, naming the exception."""
    steps: list[tuple[str, Callable[[], CheckResult] | None]] = [
        ("forward_finite", lambda: finite.forward_finite(ctx)),
        ("gradient_finite", lambda: finite.gradient_finite(ctx)),
        ("gradient_correct", lambda: gradients.gradient_correct(ctx)),
        ("kinks", lambda: kinks.kinks(ctx)),
        ("gradient_alive", lambda: gradients.gradient_alive(ctx)),
        ("weight_gradients", lambda: weights.weight_gradients(ctx)),
        ("compiles", lambda: compiled.compiles(ctx)),
        ("traced_state", lambda: state.traced_state(ctx)),
        ("float16", (lambda: precision.half(ctx, "float16")) if "float16" in dtypes else None),
        ("bfloat16", (lambda: precision.half(ctx, "bfloat16")) if "bfloat16" in dtypes else None),
        ("serializes", lambda: saving.serializes(ctx)),
        ("training", (lambda: training.training(ctx, n_train)) if train else None),
        ("cost", (lambda: cost.cost(ctx, cost_log2_size, cost_repeats)) if timing else None),
    ]
    results = []
    for name, step in steps:
        if step is None:
            results.append(CheckResult(name, "skip", "Not requested."))
            continue
        try:
            result = step()
        except Exception as exc:  # noqa: BLE001 - a crash inside a check is reported, not raised
            result = CheckResult(
                name,
                "fail",
                f"The check could not run the activation: {type(exc).__name__}: {first_line(exc)}",
                {"error": f"{type(exc).__name__}: {first_line(exc)}"},
            )
        result.name = name
        results.append(result)
    if backends:
        results.append(compare_backends(target, tuple(backends), ctx.seed))
    return ActivationReport(
        ctx.t.label, backend(), results, time.perf_counter() - start, seed=ctx.seed
    )


def crashed(label: str, exc: BaseException, seconds: float, seed: int) -> ActivationReport:
    """The report of a target that raised on the probes before any check could run: the
    first check fails naming the exception, the others are skipped."""
    error = f"{type(exc).__name__}: {first_line(exc)}"
    checks = [
        CheckResult(
            CHECKS[0],
            "fail",
            f"Calling the activation on the probe inputs (float32, with its gradient) raised "
            f"{error}; no other check could run.",
            {"error": error},
        ),
        *(
            CheckResult(name, "skip", f"Not run: the activation raised ({error}).")
            for name in CHECKS[1:]
        ),
    ]
    return ActivationReport(label, backend(), checks, seconds, seed=seed)


def assert_healthy(target: Any, **kwargs) -> ActivationReport:
    """`check_activation(target, **kwargs)`; `AssertionError` listing the failed checks.

    For a researcher's own test suite::

        def test_my_activation():
            assert_healthy(my_activation, train=False, timing=False)
    """
    report = check_activation(target, **kwargs)
    if not report.ok:
        raise AssertionError(
            f"{report.target} failed {len(report.names('fail'))} check(s):\n"
            + report.format(("fail",))
        )


def profile_activation(
    target: Any, seed: int = 0, dtypes: Sequence[str] = ("float16", "bfloat16")
) -> dict[str, Any]:
    """The curves behind the checks, for plotting one target: f and f' in float32 on the
    range grid (non-finite points included), autodiff against finite differences on [-6, 6],
    and where each half-precision dtype's output or gradient is non-finite."""
    prepared = prepare(target)
    ctx = Context(prepared, False, seed)
    t = np.concatenate([ctx.grid, ctx.beyond])
    fd = differences.finite_differences(ctx)
    n = fd["n_shape"]
    half = {}
    for dtype in dtypes:
        result = precision.half(ctx, dtype)
        half[dtype] = {
            "status": result.status,
            "max": result.evidence.get("max"),
            "forward_nonfinite": result.evidence.get("forward_nonfinite_inputs", []),
            "gradient_nonfinite": result.evidence.get("gradient_nonfinite_inputs", []),
        }
    return {
        "label": prepared.label,
        "elementwise": prepared.elementwise,
        "x": t,
        "f": ctx.f32["F"],
        "df": ctx.f32["dF"],
        "shape_x": fd["t"][:n],
        "autodiff": None if fd["dF"] is None else fd["dF"][:n],
        "finite_difference": fd["central"][:n],
        "fd_dtype": fd["dtype"],
        "half": half,
    }
