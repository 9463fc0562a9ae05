"""The trial's figure (matplotlib, imported only here): per task, the paired differences with
their intervals, and the learning curves."""

from __future__ import annotations

import math

import numpy as np

from actlab.wording import trials as wording_trials

__all__ = ["plot_trial"]


def plot_trial(trial):
    """One row per task: left, each candidate − baseline difference with its interval (filled
    when decided after Holm, the margin shaded); right, the test score per epoch (mean over
    the evaluation seeds) of every arm at its chosen learning rate."""
    import matplotlib.pyplot as plt

    tasks = list(trial.tasks)
    fig, axes = plt.subplots(len(tasks), 2, figsize=(11, 3.2 * len(tasks)), squeeze=False)
    for (ax_diff, ax_curve), name in zip(axes, tasks, strict=True):
        task = trial.tasks[name]
        rows = trial.comparisons[trial.comparisons.task == name] if len(trial.comparisons) else []
        unit = "decades (log10)" if task.log10 else task.unit
        for y, r in enumerate(getattr(rows, "itertuples", lambda: [])()):
            if not math.isfinite(r.mean_diff):
                continue
            ax_diff.errorbar(
                r.mean_diff,
                y,
                xerr=[[r.mean_diff - r.ci_low], [r.ci_high - r.mean_diff]],
                fmt="o",
                color="C0" if r.decided_holm else "0.5",
                mfc="C0" if r.decided_holm else "white",
                capsize=3,
            )
            if r.margin is not None and not (isinstance(r.margin, float) and math.isnan(r.margin)):
                ax_diff.axvspan(-r.margin, r.margin, color="C2", alpha=0.08)
        labels = [
            f"{r.candidate} − {r.baseline}" for r in getattr(rows, "itertuples", lambda: [])()
        ]
        ax_diff.set_yticks(range(len(labels)), labels)
        ax_diff.axvline(0, color="k", lw=0.8)
        ax_diff.set_xlabel(wording_trials.difference_axis_label(unit))
        ax_diff.set_title(f"{name}: candidate − baseline, 95 % intervals", fontsize=10)
        runs = trial.runs[trial.runs.stage == "eval"] if len(trial.runs) else trial.runs
        column = f"test_{task.score}"
        for arm, group in runs[runs.task == name].groupby("arm", sort=False):
            curves = np.array([list(v) for v in group[column]], dtype="float64") * task.scale
            epochs = np.arange(1, curves.shape[1] + 1)
            style = "-" if group["role"].iloc[0] == "candidate" else "--"
            ax_curve.plot(epochs, np.nanmean(curves, axis=0), style, label=arm)
        if task.log10:
            ax_curve.set_yscale("log")
        ax_curve.axvspan(task.epochs - task.last + 0.5, task.epochs + 0.25, color="0.9", zorder=0)
        ax_curve.set_xlim(0.75, task.epochs + 0.25)
        ax_curve.xaxis.get_major_locator().set_params(integer=True)
        ax_diff.set_ylim(len(labels) - 0.5, -0.5)
        ax_curve.set_xlabel("epoch (shaded: the epochs the score averages)")
        ax_curve.set_ylabel(f"test {task.score}" + ("" if task.log10 else f" ({task.unit})"))
        ax_curve.set_title(
            f"{name}: learning curves (mean over seeds; dashed: baselines)", fontsize=10
        )
        ax_curve.legend(fontsize=8)
    fig.tight_layout()
    return fig
