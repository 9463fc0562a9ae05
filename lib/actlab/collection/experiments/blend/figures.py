"""Notebook 01's figures of the trial: test accuracy with d per epoch, and the largest
pre-activations after training."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from actlab import wording
from actlab.callbacks import schedule_value
from actlab.collection import session
from actlab.collection.experiments.blend.design import VARIANTS, label
from actlab.collection.experiments.blend.tables import _eval_runs
from actlab.trials import Trial


def _d_curve(variant: str, blend_epochs: int, epochs: int) -> list[float]:
    spec = VARIANTS[variant]
    if spec["schedule"] is None:
        return [spec["relu_weight"]] * epochs
    return [schedule_value(spec["schedule"], e, blend_epochs) for e in range(epochs)]


def plot_accuracy_with_d(trial: Trial, variants: Sequence[str], blend_epochs: int) -> plt.Figure:
    """Test accuracy per epoch (mean ± std over the evaluation seeds) with d on a second axis,
    one panel per variant; the epochs the score averages shaded."""
    runs = _eval_runs(trial)
    task = trial.tasks["resnet"]
    shown = [v for v in variants if (runs.arm == label(v)).any()]
    n = len(shown)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False, sharey=True
    )
    curves = {
        v: 100 * np.array([list(c) for c in runs[runs.arm == label(v)]["test_accuracy"]], "float64")
        for v in shown
    }
    low = min(np.nanmin(np.nanmean(c, axis=0)) for c in curves.values())
    bottom = max(0.0, 10 * np.floor(low / 10 - 0.05))
    for ax, v in zip(axes.flat, shown, strict=False):
        values = curves[v]
        epoch = np.arange(values.shape[1])
        mean = np.nanmean(values, axis=0)
        std = np.nan_to_num(session.seed_std(values, axis=0))  # one seed: no band
        ax.plot(epoch, mean, "o-", color="C0", label="test accuracy")
        ax.fill_between(epoch, mean - std, mean + std, color="C0", alpha=0.2)
        ax.axvspan(task.epochs - task.last - 0.5, task.epochs - 0.5, color="0.9", zorder=0)
        ax.set(
            title=label(v),
            xlabel="epoch (0-based)",
            ylabel="test accuracy (%)",
            ylim=(bottom, 100.5),
        )
        ax.yaxis.set_tick_params(labelleft=True)
        twin = ax.twinx()
        d = _d_curve(v, blend_epochs, values.shape[1])
        twin.step(epoch, d, where="mid", color="C3", ls="--", label="d (held during each epoch)")
        twin.plot(epoch, d, "s", color="C3", ms=4)
        twin.set(ylim=(-0.05, 1.05), ylabel="ReLU weight d")
        twin.grid(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax is axes.flat[0]:
            lines = ax.get_lines()[:1] + twin.get_lines()[:1]
            ax.legend(lines, [ln.get_label() for ln in lines], loc="lower right", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    n_seeds = runs["seed"].nunique()
    fig.suptitle(
        f"Test accuracy (mean ± std over {n_seeds} seed{'s' if n_seeds != 1 else ''}) and d per "
        f"epoch; shaded: {wording.last_epochs_text(task.last)}, which the score averages",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def plot_preactivations(trial: Trial, variants: Sequence[str]) -> plt.Figure:
    """Largest |input| of each activation at the end of training (mean over seeds; probe of
    training images, inference mode), one line per variant, log scale, with |x| = 3."""
    runs = _eval_runs(trial)
    fig, ax = plt.subplots(figsize=(7.5, 4))
    names = None
    probe = None
    for i, v in enumerate(variants):
        records = [r for r in runs[runs.arm == label(v)].get("record", []) if isinstance(r, dict)]
        if not records:
            continue
        names = names or list(records[0]["preact_max"])
        probe = records[0].get("probe_size")
        values = np.array([[r["preact_max"][n] for n in names] for r in records], "float64")
        ax.plot(range(len(names)), np.nanmean(values, axis=0), "o-", color=f"C{i}", label=label(v))
    ax.axhline(3.0, color="tab:red", lw=1, alpha=0.6, label="|x| = 3 (polynomial error 0.5)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(ScalarFormatter())
    ax.tick_params(axis="y", which="both", labelsize=8)
    if names:
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set(
        title=f"Largest |input| of each activation after training ({probe} training images)",
        xlabel="activation (input to output)",
        ylabel="max |pre-activation| (log)",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
