"""Notebook 01's explanatory figures and numbers: the blend over x, the polynomial's error
against ReLU, the schedules of d, and the float64 NumPy reference of the blend."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from actlab.activations.polynomial import DELPHI_COEFFICIENTS, poly_relu_blend
from actlab.callbacks import schedule_value


def numpy_blend(x, d, coefficients=DELPHI_COEFFICIENTS, relu_cap=None) -> np.ndarray:
    """float64 NumPy reference of `poly_relu_blend` (used by the tests and the figures)."""
    x = np.asarray(x, dtype="float64")
    poly = np.polynomial.polynomial.polyval(x, np.asarray(coefficients, dtype="float64"))
    relu = np.maximum(x, 0.0)
    if relu_cap is not None:
        relu = np.minimum(relu, relu_cap)
    return (1.0 - d) * poly + d * relu


def plot_blend_family(
    d_values: Sequence[float] = (1.0, 0.75, 0.5, 0.25, 0.0),
    span: float = 4.0,
    relu_cap: float | None = None,
) -> plt.Figure:
    """The blend ``(1 - d) poly + d relu`` over x for several d."""
    x = np.linspace(-span, span, 401)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(d_values)))
    for d, color in zip(d_values, colors, strict=True):
        y = np.asarray(poly_relu_blend(x, d, relu_cap=relu_cap))
        ax.plot(x, y, color=color, label=f"d = {d:g}")
    ax.set(
        title="Blend (1 − d)·poly(x) + d·ReLU(x)",
        xlabel="pre-activation x (BN units)",
        ylabel="activation f(x)",
    )
    ax.legend(title="ReLU weight")
    return fig


def plot_poly_error(span: float = 8.0, bn_range: float = 3.0) -> plt.Figure:
    """|poly(x) - relu(x)| over x, log scale, with the batch-norm-typical range shaded."""
    x = np.linspace(-span, span, 801)
    err = np.abs(numpy_blend(x, 0.0) - np.maximum(x, 0.0))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.axvspan(
        -bn_range,
        bn_range,
        color="tab:green",
        alpha=0.12,
        label=f"|x| ≤ {bn_range:g} (BN output, ~99.7% of N(0, 1))",
    )
    ax.plot(x, err, color="tab:red", label="|poly(x) − ReLU(x)|")
    ax.set_yscale("log")
    ax.set(
        title="Quadratic approximation error against ReLU",
        xlabel="pre-activation x (BN units)",
        ylabel="absolute error (log scale)",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=9)
    return fig


def plot_schedules(
    total_epochs: int, hold_epochs: int, schedules: Sequence[str] = ("linear", "cosine", "step")
) -> plt.Figure:
    """d against training time: per-epoch updates (thick steps, d held during each epoch) and
    per-batch updates (thin dashed curves)."""
    epochs = total_epochs + hold_epochs
    fig, ax = plt.subplots(figsize=(6.5, 4))
    t = np.linspace(0, epochs, 400, endpoint=False)
    for i, name in enumerate(schedules):
        color = f"C{i}"
        per_epoch = [schedule_value(name, e, total_epochs) for e in range(epochs)]
        ax.step(
            range(epochs + 1),
            [*per_epoch, per_epoch[-1]],
            where="post",
            color=color,
            lw=2.5,
            alpha=0.8,
            label=f"{name}, per epoch",
        )
        ax.plot(
            t,
            [schedule_value(name, v, total_epochs) for v in t],
            "--",
            color=color,
            lw=1,
            label=f"{name}, per batch",
        )
    if hold_epochs:
        ax.axvspan(
            total_epochs,
            epochs,
            color="grey",
            alpha=0.15,
            label=f"hold at d = 0 ({hold_epochs} epoch{'s' if hold_epochs > 1 else ''})",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        title=f"ReLU weight d per schedule (blend over T = {total_epochs} "
        f"epoch{'s' if total_epochs > 1 else ''})",
        xlabel="training time (epochs; epoch e runs from e to e + 1)",
        ylabel="d (1 = ReLU, 0 = polynomial)",
        ylim=(-0.05, 1.05),
        xlim=(0, epochs),
    )
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    return fig


def poly_error_numbers(
    points: Sequence[float] = (-6.0, -3.0, 3.0, 6.0), x0: float = 3.0, iterations: int = 5
) -> dict:
    """|poly - relu| at `points`, and the polynomial iterated from `x0` (a stack of layers
    without normalization)."""
    err = {f"{p:g}": float(abs(numpy_blend(p, 0.0) - max(p, 0.0))) for p in points}
    orbit = [float(x0)]
    for _ in range(iterations):
        orbit.append(float(numpy_blend(orbit[-1], 0.0)))
    normal_within_3 = math.erf(3 / math.sqrt(2))
    return {
        "abs_error_at": err,
        "iterated_from": x0,
        "orbit": orbit,
        "normal_mass_within_3": normal_within_3,
    }
