"""Forest plots of the confirmatory trials: each declared question's estimate and interval with
its ±δ (or −margin) lines; for notebook 04, its trials side by side (the earlier `full` runs the
reference records, then the confirmatory one)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["forest", "forest_rows", "history_rows", "write_figures"]

#: Earlier trials of a notebook to show beside its confirmatory one: (label, the reference
#: file's notebook entry whose `questions` hold them). Trials whose numbers were not recorded
#: cannot be drawn (notebook 04's first `full` trial, seeds 0–11, recorded only its p-values).
HISTORY = {"04_antirectifier_vs_relu": ("2nd full trial (36 seeds, 200–235, exploratory)",)}


def forest_rows(readings: Sequence[Mapping[str, Any]], label: str) -> list[dict[str, Any]]:
    """One row per declared question of a confirmatory trial's readings."""
    rows = []
    for r in readings:
        d = r["decision"]
        rows.append(
            dict(question=r["id"], trial=label, estimate=d["estimate"], low=d["low"],
                 high=d["high"], level=d["confidence"], n=r["n"], delta=r["delta"],
                 kind=r["kind"], log=r["log_scale"], unit=r["unit"], reading=r["reading"])
        )  # fmt: skip
    return rows


def history_rows(notebook: str, reference: Path) -> list[dict[str, Any]]:
    """The earlier trial of `notebook` that `reference` (tools/findings_reference.json) records,
    one row per question (95 % Student-t intervals), if `HISTORY` names one."""
    if notebook not in HISTORY or not reference.is_file():
        return []
    entry = json.loads(reference.read_text())["notebooks"].get(notebook) or {}
    (label,) = HISTORY[notebook]
    rows = []
    for q in entry.get("questions") or []:
        kind = {"non-inferiority": "non_inferiority"}.get(q["kind"], q["kind"])
        rows.append(
            dict(question=q["id"], trial=label, estimate=q["mean_diff"], low=q["ci_low"],
                 high=q["ci_high"], level=0.95, n=q["n"],
                 delta=q["margin"] if q["margin"] is not None else q["smallest_effect"],
                 kind=kind, log=q.get("unit") == "decades", unit=q.get("unit") or "points",
                 reading=None)
        )  # fmt: skip
    return rows


def forest(rows: Sequence[Mapping[str, Any]], title: str):
    """A forest plot: one panel per question, one line per trial (estimate, interval), the
    declared ±δ (a difference or equivalence) or −margin (non-inferiority) as dashed lines."""
    import matplotlib.pyplot as plt

    from actlab.collection import plotting

    plotting.set_theme()
    questions = list(dict.fromkeys(r["question"] for r in rows))
    fig, axes = plt.subplots(len(questions), 1, figsize=(7.5, 1.2 + 1.0 * len(rows)), squeeze=False)
    for ax, q in zip(axes[:, 0], questions, strict=True):
        mine = [r for r in rows if r["question"] == q]
        for i, r in enumerate(mine):
            y = len(mine) - 1 - i
            ok = all(isinstance(r[k], int | float) and math.isfinite(r[k])
                     for k in ("estimate", "low", "high"))  # fmt: skip
            if ok:
                ax.errorbar(r["estimate"], y, xerr=[[r["estimate"] - r["low"]],
                            [r["high"] - r["estimate"]]], fmt="o", color="C0", capsize=4)  # fmt: skip
            text = f"{r['trial']}: {100 * r['level']:.4g} % CI, {r['n']} seeds"
            if r.get("reading"):
                text += f" — {r['reading'].replace('_', ' ')}"
            ax.annotate(text, (0, y), xycoords=("axes fraction", "data"), xytext=(4, 9),
                        textcoords="offset points", fontsize=8)  # fmt: skip
        first = mine[0]
        delta = first["delta"]
        lines = [-delta] if first["kind"] == "non_inferiority" else [-delta, delta]
        for x in lines:
            ax.axvline(x, color="C3", linestyle="--", linewidth=1)
        ax.axvline(0, color="0.4", linewidth=0.8)
        unit = "decades of MSE (log10)" if first["log"] else first["unit"]
        ax.set_xlabel(f"difference, candidate − baseline ({unit})")
        ax.set_yticks([])
        ax.set_ylim(-0.7, len(mine) - 0.1)
        ax.set_title(f"{q} ({first['kind'].replace('_', '-')} at {delta:g})", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def write_figures(notebook: str, readings: Sequence[Mapping[str, Any]], folder: Path,
                  reference: Path) -> Path:  # fmt: skip
    """The forest plot of `notebook`'s confirmatory trial (and its recorded earlier trials) as
    ``folder/NN_name.png``."""
    import matplotlib.pyplot as plt

    from actlab.collection.plotting import DPI

    rows = history_rows(notebook, reference) + forest_rows(readings, "confirmatory trial")
    fig = forest(rows, f"{notebook}: declared questions, estimates and intervals")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.png"
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return path
