"""Notebook 02's figures (each returns the figure): the curve families, x·y and sin x against
their targets, the final α per unit, and the α regularization sweep."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actlab.collection.experiments.softexp.problems import DIAGONAL, SIN_GRID
from actlab.collection.experiments.softexp.reading import alpha_summary, eval_runs, test_mse


def plot_curves(curves: dict[str, Any]):
    """f(α, x) and ∂f/∂x for each α (two panels)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = np.asarray(curves["x"])
    for key in curves["f"]:
        alpha = float(key)
        # not drawn: α < 0 left of the log branch's domain (clamped there, flat, ∂f/∂x = 0)
        outside = (1 - alpha * (x + alpha) <= 1e-9) if alpha < 0 else np.zeros(x.shape, bool)
        axes[0].plot(x, np.where(outside, np.nan, curves["f"][key]), label=f"α = {key}")
        axes[1].plot(x, np.where(outside, np.nan, curves["dfdx"][key]), label=f"α = {key}")
    axes[0].set(
        title="Soft exponential f(α, x)",
        xlabel="x (input, unitless)",
        ylabel="f(α, x)",
        ylim=(-4, 6),
    )
    axes[1].set(title="Derivative ∂f/∂x", xlabel="x (input, unitless)", ylabel="∂f/∂x", ylim=(0, 6))
    axes[0].legend(loc="upper left")
    fig.text(
        0.5,
        -0.02,
        "α < 0 is drawn only inside the log branch's domain "
        "1 − α(x + α) > 0 (outside it the function is clamped to a constant).",
        ha="center",
        fontsize="small",
    )
    fig.tight_layout()
    return fig


def plot_complex_curves(curves: dict[str, Any]):
    """Re f and Im f for complex α, with sin x for reference."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = np.asarray(curves["x"])
    for key in curves["re"]:
        axes[0].plot(x, curves["re"][key], label=f"α = {key}")
        axes[1].plot(x, curves["im"][key], label=f"α = {key}")
    axes[0].plot(x, np.sin(x), "k:", lw=2, label="sin x")
    axes[1].plot(x, 2 - np.cos(x), "k:", lw=2, label="2 − cos x")
    axes[0].set(
        title="Real part Re f(α, x)", xlabel="x (input, unitless)", ylabel="Re f", ylim=(-4, 4)
    )
    axes[1].set(
        title="Imaginary part Im f(α, x)", xlabel="x (input, unitless)", ylabel="Im f", ylim=(-3, 5)
    )
    for ax in axes:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=3, fontsize="small")
    fig.tight_layout()
    return fig


def _first_seed_records(trial, task: str) -> dict[str, dict]:
    runs = eval_runs(trial, task)
    first = runs["seed"].min()
    return {r["arm"]: r["record"] for r in runs[runs.seed == first].to_dict("records")}


def _mse_panel(ax, mse: Mapping[str, Sequence[float]], title: str, extra=None):
    names = list(mse) + ([extra[0]] if extra else [])
    for i, name in enumerate(names):
        values = np.maximum(np.asarray(mse[name] if name in mse else extra[1]), 1e-16)
        ax.bar(i, np.median(values), color=f"C{i}", alpha=0.5)
        ax.scatter(np.full(len(values), i), values, color="k", s=12, zorder=3)
    ax.scatter([], [], color="k", s=12, label="one seed (bars: median)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names)
    ax.set(title=title, ylabel="test MSE (log scale)")
    ax.legend(fontsize="small")


def plot_xy(trial, exact_diagonal: Sequence[float], exact_mse: float):
    """Left: the first seed's trained networks and the hand-built one on the diagonal x = y = t
    (target t²); right: each seed's extrapolation MSE per arm."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.axvspan(0.1, 2.0, color="0.85", zorder=0, label="training range")
    ax.plot(DIAGONAL, DIAGONAL**2, "k:", lw=2, label="target x·y = t²")
    ax.plot(DIAGONAL, exact_diagonal, lw=1, label="hand-built exp(ln x + ln y)")
    for arm, record in _first_seed_records(trial, "xy").items():
        ax.plot(DIAGONAL, record["diagonal"], label=f"trained, {arm} (first seed)")
    ax.set(title="x·y on the diagonal x = y = t", xlabel="t (input, unitless)",
           ylabel="prediction", ylim=(-2, 20))  # fmt: skip
    ax.legend(fontsize="small")
    _mse_panel(
        axes[1], test_mse(trial, "xy"), "Extrapolation on [2, 4]²: test MSE per seed",
        ("hand-built", [exact_mse]),
    )  # fmt: skip
    fig.tight_layout()
    return fig


def plot_sin(trial):
    """Left: the first seed's predictions on [0, 4π] per arm; right: each seed's extrapolation
    MSE per arm."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    ax.axvspan(0.0, 2 * math.pi, color="0.85", zorder=0, label="training range (from −2π)")
    ax.plot(SIN_GRID, np.sin(SIN_GRID), "k:", lw=2, label="target sin x")
    for arm, record in _first_seed_records(trial, "sin").items():
        ax.plot(SIN_GRID, record["prediction"], label=f"{arm} (first seed)")
    ax.set(title="sin x: fit on [−2π, 2π], extrapolation to [2π, 4π]", xlabel="x (radians)",
           ylabel="prediction", ylim=(-3, 3))  # fmt: skip
    ax.legend(loc="lower left", fontsize="small")
    _mse_panel(axes[1], test_mse(trial, "sin"), "Extrapolation on [2π, 4π]: test MSE per seed")
    fig.tight_layout()
    return fig


def plot_alphas(trial):
    """The final α of every unit (all seeds) of each soft exponential arm, per task."""
    import matplotlib.pyplot as plt

    panels = []
    for task in trial.tasks:
        arms = eval_runs(trial, task)["arm"].unique()
        for arm in arms:
            for key, values in alpha_summary(trial, task, arm)["values"].items():
                panels.append((f"{task}: {arm}\n{key}", values))
    if not panels:
        return None
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(panels)), 3.8))
    rng = np.random.default_rng(0)
    for i, (_, values) in enumerate(panels):
        ax.scatter(i + rng.uniform(-0.2, 0.2, len(values)), values, s=10, alpha=0.6)
    for level in (-1, 0, 1):
        ax.axhline(level, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(range(len(panels)), [p[0] for p in panels], fontsize=8)
    ax.set(title="Final α per unit, every seed (α starts at 0, the identity; ±1 is ln / exp)",
           ylabel="final α")  # fmt: skip
    fig.tight_layout()
    return fig


def plot_regularization(trial, sweep_arms: Sequence[str]):
    """For the soft exponential without and with each α penalty on x·y: the final mean |α|
    per seed and the extrapolation MSE per seed."""
    import matplotlib.pyplot as plt

    names = ["soft exp", *sweep_arms]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    mse = test_mse(trial, "xy")
    for i, name in enumerate(names):
        runs = eval_runs(trial, "xy")
        per_seed = [
            float(np.mean(np.abs(np.concatenate([np.ravel(v) for v in r["alpha"].values()]))))
            for r in runs[runs.arm == name]["record"]
        ]
        axes[0].scatter(np.full(len(per_seed), i), per_seed, s=14, color=f"C{i}")
        axes[0].bar(i, np.mean(per_seed), alpha=0.4, color=f"C{i}")
    axes[0].set_xticks(range(len(names)), names, fontsize=8)
    axes[0].set(title="Final mean |α| per seed (bars: mean)", ylabel="mean |α| over units")
    _mse_panel(axes[1], {n: mse[n] for n in names}, "x·y extrapolation: test MSE per seed")
    axes[1].tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig
