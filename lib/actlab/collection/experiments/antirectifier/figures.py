"""Notebook 04's figures from the trial (each returns the figure): test accuracy per epoch
(`curves`, `plot_curves`) and accuracy against parameter count."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from actlab.collection.experiments import any_good
from actlab.trials import Trial


def curves(trial: Trial) -> dict[str, dict]:
    """Per network: the test accuracy after every epoch, mean and std over the evaluation
    seeds (points; `any_good.arm_curves` of the trial's one task)."""
    return {arm: c for (_, arm), c in any_good.arm_curves(trial).items()}


def plot_curves(curve: Mapping[str, dict], last: int, counts: Mapping[str, int]):
    """Test accuracy per epoch (mean ± std over seeds) per network, all epochs and a zoom into
    the second half, with the epochs the score averages shaded."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = max(len(c["epoch"]) for c in curve.values())
    starts = [1, max(2, epochs // 2)] if epochs >= 4 else [1]
    fig, axes = plt.subplots(1, len(starts), figsize=(6 * len(starts), 4.5), squeeze=False)
    for ax, first in zip(axes[0], starts, strict=True):
        ax.axvspan(
            epochs - last + 0.5,
            epochs + 0.5,
            color="0.92",
            zorder=0,
            label=f"the score: mean of the last {last} epochs",
        )
        for arm, c in curve.items():
            keep = c["epoch"] >= first
            ep, mean, std = c["epoch"][keep], c["mean"][keep], c["std"][keep]
            (line,) = ax.plot(
                ep, mean, marker="o", markersize=3, label=f"{arm} ({counts[arm]:,} parameters)"
            )
            ax.fill_between(
                ep, mean - std, mean + std, color=line.get_color(), alpha=0.15, linewidth=0
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(
            xlabel="epoch",
            ylabel="test accuracy (%)",
            title="all epochs" if first == 1 else f"epochs {first}–{epochs} (zoom)",
        )
    axes[0, 0].legend(loc="lower right", fontsize=8)
    n = max(c["n_seeds"] for c in curve.values())
    fig.suptitle(f"Test accuracy per epoch: mean ± std over {n} seed(s)", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_accuracy_vs_params(table):
    """The score of every network against its parameter count: each seed (crosses) and the
    mean ± std over seeds."""
    import matplotlib.pyplot as plt

    dodge = {"Antirectifier-256": -6, "CReLU-256": 6}  # thousands: both have 337,418
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for arm, row in table.iterrows():
        x = row.params / 1e3 + dodge.get(arm, 0)
        (pt,) = ax.plot([x] * len(row.score_values), row.score_values, "x", markersize=5, alpha=0.6)
        ax.errorbar(
            x,
            row.score_mean,
            yerr=np.nan_to_num(row.score_std),
            fmt="o",
            capsize=4,
            markersize=7,
            color=pt.get_color(),
        )
        left = arm in ("Antirectifier-256", "ReLU-256")
        ax.annotate(
            arm,
            (x, row.score_mean),
            xytext=(-10 if left else 10, 0),
            textcoords="offset points",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    ax.set(
        title=f"Test accuracy against parameter count ({int(table.n_seeds.max())} seeds)",
        xlabel="parameters (thousands; the two 337k networks drawn 12k apart)",
        ylabel="test accuracy, mean of the last epochs (%)",
    )
    ax.set_xlim(150, 760)
    ax.text(
        0.99,
        0.02,
        "dot and bar: mean ± std over seeds; crosses: single seeds",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color="0.35",
    )
    return fig
