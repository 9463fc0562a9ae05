"""Finite differences shared by ``gradient_correct``, ``kinks`` and ``gradient_alive``: values,
autodiff slopes and one-sided and central differences (float64 where the target computes in
float64) at every probe point, computed once per target.

The points are the fixed grids (`shape_grid`, `range_grid`) and seeded random points off them
(`random_points`: one in every 0.005-wide cell of [-6, 6], dense near 0, log-uniform magnitudes
up to 1e4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from actlab.autodiff import float64_scope
from actlab.checkup.context import Context
from actlab.checkup.probe import LARGE_INPUT, SHAPE_RANGE, first_line, random_points, shape_grid

__all__ = ["finite_differences", "differences", "step", "probe_text"]


def finite_differences(ctx: Context) -> dict[str, Any]:
    """Values, autodiff slopes and one-sided and central finite differences (float64 where the
    target computes in float64) at every probe point: [-6, 6] sorted first (`n_shape` points,
    fixed grid and random), then the fixed and random points up to |x| = 1e4. Computed once
    per target, shared by gradient_correct, kinks and gradient_alive."""
    if ctx.fd is None:
        with float64_scope():
            ctx.fd = _compute_finite_differences(ctx)
    return ctx.fd


def _reference(ctx: Context) -> tuple[Callable, str, str | None]:
    """The target computing in float64 (`(fn, "float64", None)`), or in float32 with the reason
    when it cannot: a layer rebuilt from its config must compute what the original computes."""
    try:
        fn64 = ctx.t.clone("float64")
        t = shape_grid()[::40]
        ref = ctx.probe.evaluate(fn64, t, "float64", grad=False, offset=True)
        if ref["out_dtype"] != "float64":
            raise TypeError(f"returns {ref['out_dtype']} for float64 inputs")
        if ctx.t.layer is not None:
            own = ctx.probe.evaluate(ctx.t.fn, t, "float32", grad=False, offset=True)["F"]
            if not np.allclose(ref["F"], own, rtol=1e-3, atol=1e-4, equal_nan=True):
                raise ValueError("the copy rebuilt from get_config computes other values")
        slopes = []
        for h in (1e-6, 1e-4):  # in float64 these agree to ~1e-8; float32 inside: to ~0.1
            step = h * np.maximum(1.0, np.abs(t))
            up = ctx.probe.evaluate(fn64, t + step, "float64", grad=False, offset=True)["F"]
            down = ctx.probe.evaluate(fn64, t - step, "float64", grad=False, offset=True)["F"]
            slopes.append((up - down) / (2 * step))
        with np.errstate(all="ignore"):
            spread = np.abs(slopes[0] - slopes[1]) / (1.0 + np.abs(slopes[1]))
        if np.nanmedian(spread) > 1e-4:
            raise ValueError(
                "it returns float64 but computes in float32 inside (Keras's JAX backend does "
                "for some ops)"
            )
        return fn64, "float64", None
    except Exception as exc:  # noqa: BLE001 - fall back to float32 differences
        return ctx.t.fn, "float32", f"float64 unavailable ({first_line(exc)})"


def step(t: np.ndarray, dtype: str) -> np.ndarray:
    return (1e-6 if dtype == "float64" else 1e-3) * np.maximum(1.0, np.abs(t))


def differences(ctx: Context, fn: Callable, dtype: str, t: np.ndarray) -> dict[str, Any]:
    h = step(t, dtype)
    mid = ctx.probe.evaluate(fn, t, dtype, grad=True, offset=True)
    plus = ctx.probe.evaluate(fn, t + h, dtype, grad=False, offset=True)["F"]
    minus = ctx.probe.evaluate(fn, t - h, dtype, grad=False, offset=True)["F"]
    plus10 = ctx.probe.evaluate(fn, t + 10 * h, dtype, grad=False, offset=True)["F"]
    minus10 = ctx.probe.evaluate(fn, t - 10 * h, dtype, grad=False, offset=True)["F"]
    with np.errstate(all="ignore"):
        return {
            "t": t,
            "h": h,
            "F": mid["F"],
            "dF": mid["dF"],
            "no_gradient": mid["no_gradient"],
            "central": (plus - minus) / (2 * h),
            "central10": (plus10 - minus10) / (20 * h),
            "right": (plus - mid["F"]) / h,
            "left": (mid["F"] - minus) / h,
            "right10": (plus10 - mid["F"]) / (10 * h),
            "left10": (mid["F"] - minus10) / (10 * h),
        }


def _compute_finite_differences(ctx: Context) -> dict[str, Any]:
    fixed_shape = shape_grid()
    fixed_extra = ctx.grid[(np.abs(ctx.grid) <= LARGE_INPUT) & (np.abs(ctx.grid) > SHAPE_RANGE)]
    random_shape, random_extra = random_points(ctx.seed)
    shape = np.concatenate([fixed_shape, random_shape])
    order = np.argsort(shape, kind="stable")
    t = np.concatenate([shape[order], fixed_extra, random_extra])
    fixed = np.concatenate(
        [
            np.concatenate([np.ones(len(fixed_shape), bool), np.zeros(len(random_shape), bool)])[
                order
            ],
            np.ones(len(fixed_extra), bool),
            np.zeros(len(random_extra), bool),
        ]
    )
    fn64, dtype, note = _reference(ctx)
    fd = differences(ctx, fn64, dtype, t)
    fd.update(
        fn=fn64,
        dtype=dtype,
        note=note,
        n_shape=len(shape),
        fixed=fixed,
        seed=ctx.seed,
        n_random=len(random_shape) + len(random_extra),
    )
    return fd


def probe_text(fd: dict[str, Any]) -> str:
    """How a detail names the points it used."""
    return f"fixed grid and {fd['n_random']} random points, seed {fd['seed']}"
