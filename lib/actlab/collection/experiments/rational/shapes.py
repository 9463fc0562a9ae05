"""Notebook 08 (c): every Rational layer's learned function (recorded by each run) against its
initial fit, how far it moved (`shape_drift`, `drift_summary`), as a table and a figure."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.collection.experiments.rational.approximations import _evaluate
from actlab.collection.experiments.rational.trial import LABELS
from actlab.trials import Trial


def learned(trial: Trial, arm: str = "Rational") -> list[dict]:
    """What `shape_drift` and `plot_learned_shapes` read: per evaluation run of `arm`, its
    task (``arch``), seed and recorded Rational layers (`rational_record`)."""
    runs = trial.runs[(trial.runs.stage == "eval") & (trial.runs.arm == arm)]
    if "record" not in runs:
        return []
    return [
        {
            "arch": r.task,
            "seed": r.seed,
            "rational": r.record["layers"],
            "fit_range": r.record["fit_range"],
        }
        for r in runs.sort_values(["task", "seed"]).itertuples()
        if isinstance(r.record, dict) and r.record.get("layers")
    ]


def shape_drift(records: Sequence[dict], grid=(-3.0, 3.0), n_points: int = 601) -> list[dict]:
    """Per arch, Rational layer and seed: how far the learned function moved from its initial
    fit on `grid` (RMS and max |f_learned − f_initial|), the relative change of the
    coefficients, and the fraction of test inputs outside the fit range."""
    x = np.linspace(*grid, n_points)
    rows = []
    for r in records:
        for name, layer in r.get("rational", {}).items():
            f0 = _evaluate(x, layer["initial_numerator"], layer["initial_denominator"])
            f1 = _evaluate(x, layer["numerator"], layer["denominator"])
            c0 = np.array(layer["initial_numerator"] + layer["initial_denominator"])
            c1 = np.array(layer["numerator"] + layer["denominator"])
            rows.append(
                {
                    "arch": r["arch"],
                    "layer": name,
                    "seed": r["seed"],
                    "rms_change": float(np.sqrt(np.mean((f1 - f0) ** 2))),
                    "max_change": float(np.max(np.abs(f1 - f0))),
                    "relative_coefficient_change": float(
                        np.linalg.norm(c1 - c0) / np.linalg.norm(c0)
                    ),
                    "fraction_inputs_outside_fit_range": layer.get(
                        "fraction_inputs_outside_fit_range"
                    ),
                }
            )
    return rows


def plot_learned_shapes(records: Sequence[dict], span: float = 5.0):
    """One panel per arch × Rational layer: the learned function of every seed, the initial fit
    and leaky ReLU."""
    import matplotlib.pyplot as plt

    panels = []
    for r in records:
        for name in r.get("rational", {}):
            if (r["arch"], name) not in panels:
                panels.append((r["arch"], name))
    x = np.linspace(-span, span, 801)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
    for ax, (arch, name) in zip(axes[0], panels, strict=True):
        rs = [r for r in records if r["arch"] == arch and name in r.get("rational", {})]
        fit_range = rs[0]["fit_range"]
        ax.axvspan(*fit_range, color="0.92", zorder=0, label="fit range")
        layer0 = rs[0]["rational"][name]
        ax.plot(x, np.where(x >= 0, x, 0.01 * x), "k:", lw=1.5, label="leaky ReLU")
        ax.plot(
            x,
            _evaluate(x, layer0["initial_numerator"], layer0["initial_denominator"]),
            "k--",
            lw=1.2,
            label="initial fit",
        )
        for i, r in enumerate(rs):
            layer = r["rational"][name]
            ax.plot(
                x,
                _evaluate(x, layer["numerator"], layer["denominator"]),
                color="C1",
                lw=1,
                alpha=0.8,
                label="learned (one line per seed)" if i == 0 else None,
            )
        ax.set(
            title=f"{LABELS[arch]}, {name}",
            xlabel="x (pre-activation, unitless)",
            ylabel="f(x)",
            ylim=(-3, span + 1),
        )
    axes[0, 0].legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig


def drift_styler(rows: Sequence[dict]):
    """`drift_summary` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(rows).assign(arch=[LABELS[r["arch"]] for r in rows])
    return for_people(
        frame,
        percent_columns=["relative_coefficient_change", "fraction_inputs_outside_fit_range"],
        formats={"rms_change": "{:.3f}", "max_change": "{:.3f}"},
        rename={
            "arch": "network",
            "n_seeds": "seeds",
            "rms_change": "RMS change on [-3, 3]",
            "max_change": "max change on [-3, 3]",
            "relative_coefficient_change": "coefficient change (of norm)",
            "fraction_inputs_outside_fit_range": "test inputs outside [-3, 3]",
        },
        caption="Learned minus initial Rational function (mean over seeds)",
    )


def drift_summary(drift: Sequence[dict]) -> list[dict]:
    """Per arch and Rational layer: the mean over seeds of every `shape_drift` number."""
    out = []
    for key in dict.fromkeys((d["arch"], d["layer"]) for d in drift):
        ds = [d for d in drift if (d["arch"], d["layer"]) == key]
        row = {"arch": key[0], "layer": key[1], "n_seeds": len(ds)}
        for field in (
            "rms_change",
            "max_change",
            "relative_coefficient_change",
            "fraction_inputs_outside_fit_range",
        ):
            values = [d[field] for d in ds if d[field] is not None]
            row[field] = float(np.mean(values)) if values else float("nan")
        out.append(row)
    return out
