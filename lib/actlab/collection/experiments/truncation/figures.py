"""Notebook 05's figures (each returns the figure): the gradients of every implementation, and
the trainable thresholds after training."""

from __future__ import annotations

import numpy as np

from actlab.collection.experiments.truncation.tables import run_records
from actlab.collection.experiments.truncation.trial import LABELS
from actlab.trials import Trial


def plot_thresholds(trial: Trial, threshold: float):
    """T at the end of every evaluation run of the trainable arms (one dot per seed), against
    the initial T."""
    import matplotlib.pyplot as plt

    runs = run_records(trial)
    trainable = [a for a in ("PACT", "PACT + L2") if a in set(runs.arm)]
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    ax.axhline(threshold, color="0.5", ls=":", label=f"initial T = {threshold:g}")
    for i, arm in enumerate(trainable):
        values = runs.loc[runs.arm == arm, "threshold"].to_numpy()
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        ax.plot(i + jitter, values, "o", color=f"C{i + 4}", label=LABELS[arm])
    ax.set_xticks(range(len(trainable)), [LABELS[a] for a in trainable])
    ax.set(
        ylabel="threshold T at the end (input units)",
        title="Trainable threshold after training (one dot per seed)",
        xlim=(-0.5, max(0.5, len(trainable) - 0.5)),
    )
    ax.legend(fontsize=8)
    return fig


def plot_gradients(
    x: np.ndarray, grads: dict[str, np.ndarray], t_grads: dict[str, np.ndarray], threshold: float
):
    """One figure: dy/dx of every implementation over [-3T, 3T], plus dy/dT of lib's two modes."""
    import matplotlib.pyplot as plt

    panels = list(grads.items()) + [("lib truncate: dy/dT (both modes)", None)]
    ncols = 4
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.4 * ncols, 2.7 * nrows),
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    on_edge = np.abs(np.abs(x) - threshold) == 0

    def broken(values):  # no vertical segments at jumps: the gradient never takes values in between
        cut = np.flatnonzero(np.diff(values) != 0) + 1
        return np.insert(x.astype(float), cut, np.nan), np.insert(values.astype(float), cut, np.nan)

    for i, (ax, (name, g)) in enumerate(zip(axes.flat, panels, strict=False)):
        for edge in (-threshold, threshold):
            ax.axvline(edge, color="0.6", lw=0.8, ls=":")
        if g is None:
            for (mode, tg), style in zip(t_grads.items(), ("-", "--"), strict=True):
                (line,) = ax.plot(*broken(tg), ls=style, lw=1.8, label=f"{mode} mode")
                ax.plot(x[on_edge], tg[on_edge], "o", ms=5, color=line.get_color())
            ax.legend(fontsize=7, loc="upper left")
            ax.set_ylabel("dy/dT")
        else:
            ax.plot(*broken(g), lw=1.8)
            ax.plot(x[on_edge], g[on_edge], "o", ms=5, color="C3", label="value at x = ±T")
            if i % ncols == 0:
                ax.set_ylabel("dy/dx")
        ax.set_title(name, fontsize=9)
        if i >= len(panels) - ncols:
            ax.set_xlabel(f"x (input; T = {threshold:g})")
    for ax in list(axes.flat)[len(panels) :]:
        ax.remove()
    axes.flat[0].legend(fontsize=7, loc="lower center")
    fig.suptitle(
        "Gradient of each truncation implementation over x in [-3T, 3T] "
        "(dotted lines: x = ±T; dots: the value exactly at ±T)",
        fontweight="bold",
    )
    return fig
