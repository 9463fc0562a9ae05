"""The check ``weight_gradients``, for layers with trainable weights: the gradient with respect to
each weight is there (not None), finite, not identically zero over the probe, and agrees with
float64 central finite differences.

The probe is seeded random inputs on [-6, 6] (off any grid, so no input sits exactly on a kink
in a weight, such as the threshold of a truncation), and the scalar studied is
``sum(c · layer(x))``: its gradient with respect to a weight comes from
`layer.stateless_call` and `actlab.autodiff.vjp_tensors` on either backend, its finite
differences from the same layer rebuilt in float64, each element of each weight moved by ±h.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from actlab.autodiff import float64_scope, vjp_tensors
from actlab.checkup.context import Context
from actlab.checkup.probe import SHAPE_RANGE, first_line, to_numpy
from actlab.checkup.report import CheckResult

N_INPUTS = 256  # probe rows (elementwise: 4 values each)
MAX_ELEMENTS = 64  # weight elements differenced (the first ones of each weight, in turn)
RTOL, ATOL = 1e-3, 1e-6  # against the finite difference, relative to the sum's scale


def _inputs(ctx: Context) -> np.ndarray:
    rng = np.random.default_rng([ctx.seed, 0x3E16])
    t = rng.uniform(-SHAPE_RANGE, SHAPE_RANGE, N_INPUTS)
    return ctx.probe.layout(t, offset=True)


def _gradients(layer, x: np.ndarray, c: np.ndarray, dtype: str) -> tuple[Any, list]:
    """`(sum(c · y), [d/dw for each trainable weight])`; an entry is None without a gradient
    path (TensorFlow)."""
    trainable = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]
    xt = ops.cast(ops.convert_to_tensor(x), dtype)

    def forward(*values):
        y, _ = layer.stateless_call(list(values), frozen, xt)
        return y

    y, grads = vjp_tensors(forward, trainable, c, unconnected="none")
    total = float(np.sum(to_numpy(y).astype("float64") * np.broadcast_to(c, to_numpy(y).shape)))
    return total, [None if g is None else to_numpy(g).astype("float64") for g in grads]


def _sum(layer, values: list[np.ndarray], x: np.ndarray, c: np.ndarray) -> float:
    frozen = [v.value for v in layer.non_trainable_variables]
    y, _ = layer.stateless_call(
        [ops.convert_to_tensor(v) for v in values], frozen, ops.convert_to_tensor(x)
    )
    y = to_numpy(y).astype("float64")
    return float(np.sum(y * np.broadcast_to(c, y.shape)))


def _finite_differences(ctx: Context, x: np.ndarray, c: np.ndarray) -> dict[str, Any]:
    """Per weight: the float64 autodiff gradient and central differences at up to
    `MAX_ELEMENTS` elements in all; None when the layer cannot be rebuilt in float64."""
    with float64_scope():
        layer64 = ctx.t.clone("float64")
        values = [to_numpy(v.value).astype("float64") for v in layer64.trainable_variables]
        if any(v.dtype != np.float64 for v in (to_numpy(w.value) for w in layer64.weights)):
            raise TypeError("the rebuilt layer does not hold float64 weights")
        _, autodiff = _gradients(layer64, x, c, "float64")
        budget = MAX_ELEMENTS
        out = []
        for k, value in enumerate(values):
            flat = value.reshape(-1)
            picked = np.arange(min(flat.size, max(budget // max(len(values) - k, 1), 1)))
            budget -= len(picked)
            numeric = np.full(len(picked), np.nan)
            for j, e in enumerate(picked):
                h = 1e-6 * max(1.0, abs(flat[e]))
                moved = [v.copy() for v in values]
                moved[k].reshape(-1)[e] += h
                plus = _sum(layer64, moved, x, c)
                moved[k].reshape(-1)[e] -= 2 * h
                minus = _sum(layer64, moved, x, c)
                numeric[j] = (plus - minus) / (2 * h)
            ad = None if autodiff[k] is None else autodiff[k].reshape(-1)[picked]
            out.append({"elements": picked, "numeric": numeric, "autodiff": ad})
        return {"weights": out, "scale": _sum(layer64, values, np.abs(x), np.abs(c))}


def weight_gradients(ctx: Context) -> CheckResult:
    layer = ctx.t.layer
    if layer is None:
        return CheckResult("weight_gradients", "skip", "A function has no weights.")
    variables = list(layer.trainable_variables)
    if not variables:
        return CheckResult(
            "weight_gradients", "skip", f"{type(layer).__name__} has no trainable weights."
        )
    names = [v.name for v in variables]
    x = _inputs(ctx)
    c = ctx.probe.c
    _, grads = _gradients(layer, x.astype("float32"), c, "float32")
    rows = []
    for name, v, g in zip(names, variables, grads, strict=True):
        rows.append(
            {
                "weight": name,
                "shape": tuple(v.shape),
                "no_gradient": g is None,
                "nonfinite": bool(g is not None and not np.isfinite(g).all()),
                "all_zero": bool(g is not None and np.isfinite(g).all() and not np.any(g)),
            }
        )
    ev: dict[str, Any] = {
        "weights": rows,
        "n_inputs": N_INPUTS,
        "inputs": "values" if ctx.probe.elementwise else "rows",
        "probe_seed": ctx.seed,
    }
    note = None
    try:
        fd = _finite_differences(ctx, x, c)
    except Exception as exc:  # noqa: BLE001 - no float64 copy: no comparison, said so
        fd, note = None, f"no float64 copy to difference ({first_line(exc)})"
    ev["note"] = note
    if fd is not None:
        tol_abs = ATOL * (1.0 + fd["scale"])
        for row, w in zip(rows, fd["weights"], strict=True):
            row["elements_differenced"] = len(w["elements"])
            if w["autodiff"] is None:
                continue
            err = np.abs(w["autodiff"] - w["numeric"])
            tol = tol_abs + RTOL * np.maximum(np.abs(w["autodiff"]), np.abs(w["numeric"]))
            row["max_error"] = float(np.max(err, initial=0.0))
            bad = ~(err <= tol)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                row["mismatch"] = {
                    "element": int(w["elements"][i]),
                    "autodiff": float(w["autodiff"][i]),
                    "finite_difference": float(w["numeric"][i]),
                }
    return _verdict(layer, rows, ev, note)


def _verdict(layer, rows: list[dict], ev: dict, note: str | None) -> CheckResult:
    where = (
        f"over {ev['n_inputs']} random input {ev['inputs']} on [-6, 6] (seed {ev['probe_seed']})"
    )
    for row in rows:
        w = f"`{row['weight']}`"
        if row["no_gradient"]:
            why = f"autodiff returns no gradient (None) for {w}"
        elif row["nonfinite"]:
            why = f"the gradient with respect to {w} is not finite"
        elif row["all_zero"]:
            why = f"the gradient with respect to {w} is zero at every input"
        elif "mismatch" in row:
            m = row["mismatch"]
            why = (
                f"the gradient with respect to {w} (element {m['element']}) is "
                f"{m['autodiff']:.6g} by autodiff but {m['finite_difference']:.6g} by float64 "
                "finite differences"
            )
        else:
            continue
        return CheckResult(
            "weight_gradients",
            "fail",
            f"{why} {where}: the weight cannot learn as written "
            "(a stop_gradient, a cast, a round or a wrong custom gradient in its path?).",
            ev,
        )
    listed = ", ".join(f"{r['weight']} {r['shape']}" for r in rows)
    compared = (
        "and match float64 finite differences"
        if note is None
        else f"(not compared with finite differences: {note})"
    )
    return CheckResult(
        "weight_gradients",
        "pass",
        f"The gradients with respect to {type(layer).__name__}'s trainable weights ({listed}) "
        f"are there, finite and not all zero {where}, {compared}.",
        ev,
    )
