"""One seaborn theme for every figure, and `save_figure` with reproducible output files."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from actlab.collection import outputs

DPI = 120
PALETTE = "colorblind"


def set_theme() -> None:
    """The collection's look: seaborn whitegrid, colorblind palette, fixed dpi and SVG hash salt."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update(
        {
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "figure.autolayout": False,
            "svg.hashsalt": "actlab",  # deterministic SVG ids
            "axes.titleweight": "bold",
        }
    )


def save_figure(fig: plt.Figure, notebook: str, name: str, svg: bool = False) -> Path:
    """Save `fig` as `<run folder>/<notebook>/<name>.png` (and `.svg`), without volatile metadata.

    The run folder is `figures/` for `make figures` and another folder for other runs
    (`actlab.collection.outputs`).

    Returns the PNG path. Every axis with data should have a title and labelled axes.
    """
    out = outputs.notebook_dir(notebook)
    png = out / f"{name}.png"
    fig.savefig(png, dpi=DPI, metadata={"Software": None})
    if svg:
        fig.savefig(out / f"{name}.svg", metadata={"Date": None, "Creator": None})
    return png
