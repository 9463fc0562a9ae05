"""Notebook 08: learnable rational (Padé) activations against ReLU and their controls.

* (a) `approximation_table` / `plot_approximations`: polynomial and rational stand-ins for ReLU,
  fitted on N(0, 1)-weighted [-3, 3], and their error inside and outside that range.
* (b) the trial (`actlab.trials.run_trial`): Rational against ReLU, leaky ReLU (Rational's
  initial shape, fixed) and Rational with its coefficients frozen at that fit (`ARMS`), on the
  small MLP (784 → 64 → act → 64 → act → 10; `tasks`, the CNN too), Adam's learning rate chosen
  per arm on validation, the score the mean test accuracy of the last epochs; the notebook
  declares its questions before the run.
* (c) `learned` / `shape_drift` / `plot_learned_shapes`: every Rational layer's learned function
  (recorded by each run, `rational_record`) against its initial fit, and how far it moved.
* (d) the cost: the trial's ratio of one training step's time against each baseline's.

Notebook 09 runs Rational, frozen Rational and the soft exponential against ReLU and GELU on the
trials' default MLP; this notebook asks where Rational's difference from ReLU comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from actlab import wording
from actlab.activations.polynomial import DELPHI_COEFFICIENTS
from actlab.activations.rational import fit_rational
from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.layers.rational import Rational
from actlab.trials import Arm, Task, Trial, mnist_cnn, mnist_mlp

__all__ = [
    "ARCHS",
    "ARMS",
    "LABELS",
    "VALIDATORS",
    "rational_record",
    "tasks",
    "arms",
    "questions",
    "summary_table",
    "summary_styler",
    "learned",
    "approximants",
    "approximation_table",
    "approximation_styler",
    "plot_approximations",
    "shape_drift",
    "drift_summary",
    "drift_styler",
    "plot_learned_shapes",
]

ARCHS = ("mlp", "cnn")
LABELS = {"mlp": "MLP", "cnn": "CNN"}


def _check(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {list(choices)}. Received: {name}={value!r}")


#: The trial's arms (display name -> `actlab.trials.Arm`): Rational against ReLU and the two
#: controls that say where a gain would come from: leaky ReLU (Rational's initial shape, fixed)
#: and Rational with its coefficients frozen at that fit.
ARMS = {
    "Rational": Arm("Rational", "actlab.layers:Rational()"),
    "ReLU": Arm("ReLU", "relu"),
    "leaky ReLU": Arm("leaky ReLU", "keras.layers:LeakyReLU(negative_slope=0.01)"),
    "Rational (frozen)": Arm("Rational (frozen)", "actlab.layers:Rational(trainable=False)"),
}


def rational_record(model, split) -> dict[str, Any]:
    """What a run keeps of its Rational layers (the task's ``record`` hook): per layer
    (``act_1``, ``act_2``, in order) the initial fit's and the learned coefficients and the
    fraction of the test inputs outside the fit range; {} for a model without one."""
    layers = _rational_layers(model)
    if not layers:
        return {}
    fit_range = layers[0].fit_range
    outside = _input_fractions_outside(model, split.x_test, fit_range)
    return {
        "fit_range": list(fit_range),
        "layers": {
            f"act_{i}": {
                "initial_numerator": list(layer.initial_fit.numerator),
                "initial_denominator": list(layer.initial_fit.denominator),
                "numerator": _values(layer.numerator),
                "denominator": _values(layer.denominator),
                "fraction_inputs_outside_fit_range": outside[layer.name],
            }
            for i, layer in enumerate(layers, start=1)
        },
    }


def _values(variable) -> list[float]:
    return np.asarray(keras.ops.convert_to_numpy(variable), "float64").ravel().tolist()


def tasks(
    names: Sequence[str] = ("mlp",),
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 15,
    last: int = 5,
    batch_size: int = 128,
    learning_rates: Sequence[float] = (1e-3,),
) -> list[Task]:
    """The trial's tasks: ``"mlp"`` (784 → 64 → act → 64 → act → 10) and ``"cnn"`` (Conv2D 8 →
    act → pool → Conv2D 16 → act → pool → Dense 10), Adam, the score the mean test accuracy of
    the last `last` epochs; every run records its Rational layers (`rational_record`)."""
    options = dict(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        last=last,
        batch_size=batch_size,
        learning_rates=learning_rates,
    )
    made = {
        "mlp": lambda: mnist_mlp(units=(64, 64), **options),
        "cnn": lambda: mnist_cnn(**options),
    }
    out = []
    for name in names:
        _check("task", name, ARCHS)
        out.append(made[name]().replace(record=rational_record))
    return out


def arms(names: Sequence[str]) -> list[Arm]:
    """The `ARMS` of `names` (display names), in that order."""
    return [ARMS[n] for n in names]


def questions(declared: Sequence[Mapping[str, Any]], smallest_effect: float) -> list:
    """The declared questions as `actlab.trials.Question`s (`any_good.questions`)."""
    return any_good.questions(declared, smallest_effect)


def summary_table(trial: Trial):
    """One row per task and arm (`any_good.arm_table`)."""
    return any_good.arm_table(trial)


def summary_styler(table, last: int):
    """`summary_table` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(
        {
            "network": [LABELS.get(t, t) for t, _ in table.index],
            "activation": [a for _, a in table.index],
            "parameters": [f"{p:,}" for p in table.params],
            "learning rate (chosen)": [f"{v:g}" for v in table.learning_rate],
            f"test accuracy, mean of the last {last} epochs (%)": [
                wording.format_mean_std(v, decimals=2) for v in table.score_values
            ],
            "seeds": table.n_seeds.to_numpy(),
            "seconds per run": [f"{v:.1f}" for v in table.seconds_median],
            "losses finite": table.all_finite.to_numpy(),
        }
    )
    return for_people(frame, caption="Each arm over the evaluation seeds: mean ± std")


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


# --------------------------------------------------------------------------- (a) approximations


def _relu(x):
    return np.maximum(x, 0.0)


def approximants(fit_range=(-3.0, 3.0), poly_degrees=(4, 6), rational_degrees=(5, 4)) -> dict:
    """ReLU's stand-ins: Delphi's quadratic (as published), least-squares polynomials of
    `poly_degrees` and the rational function of `rational_degrees`, the last three fitted here
    with the N(0, 1) weight on `fit_range`. Returns ``{label: (numerator, denominator)}``."""
    out = {"Delphi quadratic": (tuple(DELPHI_COEFFICIENTS), ())}
    for d in poly_degrees:
        fit = fit_rational("relu", (d, 0), fit_range, weight="normal")
        out[f"LS polynomial, degree {d}"] = (fit.numerator, ())
    fit = fit_rational("relu", tuple(rational_degrees), fit_range, weight="normal")
    out[f"rational {tuple(rational_degrees)}"] = (fit.numerator, fit.denominator)
    return out


def _evaluate(x, numerator, denominator):
    from actlab.activations.rational import _numpy_rational

    return _numpy_rational(
        np.asarray(x, "float64"), np.asarray(numerator), np.asarray(denominator), True
    )


def approximation_table(candidates: dict, fit_range=(-3.0, 3.0), outside=(3.0, 8.0)) -> list[dict]:
    """Per approximant: N(0, 1)-weighted RMS and max error on `fit_range`, max error on
    `outside` on both sides (|x| from outside[0] to outside[1]), the error at |x| = 6, and the
    probability mass of N(0, 1) outside the range. float64, on fine grids."""
    lo, hi = fit_range
    inside = np.linspace(lo, hi, 6001)
    w = np.exp(-0.5 * inside**2)
    w /= w.sum()
    out_x = np.concatenate([-np.linspace(*outside, 2001)[::-1], np.linspace(*outside, 2001)])
    rows = []
    for label, (num, den) in candidates.items():
        err_in = _evaluate(inside, num, den) - _relu(inside)
        err_out = _evaluate(out_x, num, den) - _relu(out_x)
        at6 = _evaluate(np.array([-6.0, 6.0]), num, den) - _relu(np.array([-6.0, 6.0]))
        rows.append(
            {
                "approximant": label,
                "parameters": len(num) + len(den),
                "rms_error_in_range_normal_weighted": float(np.sqrt(np.sum(w * err_in**2))),
                "max_error_in_range": float(np.max(np.abs(err_in))),
                "max_error_outside": float(np.max(np.abs(err_out))),
                "error_at_minus_6": float(at6[0]),
                "error_at_plus_6": float(at6[1]),
            }
        )
    return rows


def plot_approximations(candidates: dict, fit_range=(-3.0, 3.0), span: float = 8.0):
    """Left: each approximant and ReLU over [-span, span]; right: |error| on a log scale."""
    import matplotlib.pyplot as plt

    x = np.linspace(-span, span, 1601)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
    for ax in axes:
        ax.axvspan(*fit_range, color="0.9", zorder=0, label="fit range (N(0, 1)-weighted)")
    axes[0].plot(x, _relu(x), "k:", lw=2, label="ReLU")
    for label, (num, den) in candidates.items():
        y = _evaluate(x, num, den)
        axes[0].plot(x, y, label=label)
        axes[1].plot(x, np.maximum(np.abs(y - _relu(x)), 1e-6), label=label)
    axes[0].set(
        title="ReLU and its stand-ins",
        xlabel="x (pre-activation, unitless)",
        ylabel="f(x)",
        ylim=(-2, span + 1),
    )
    axes[1].set_yscale("log")
    axes[1].set(
        title="Absolute error |f(x) − ReLU(x)|",
        xlabel="x (pre-activation, unitless)",
        ylabel="absolute error (log scale, floor 1e-6)",
    )
    axes[0].legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- what a run records


def _rational_layers(model: keras.Model) -> list[Rational]:
    return [layer for layer in model.layers if isinstance(layer, Rational)]


def _input_fractions_outside(model, x, fit_range) -> dict[str, float]:
    """Per Rational layer: the fraction of its inputs on `x` outside `fit_range`."""
    layers = _rational_layers(model)
    if not layers:
        return {}
    probe = keras.Model(model.inputs, [layer.input for layer in layers])
    values = probe.predict(x, verbose=0, batch_size=500)
    values = values if isinstance(values, list) else [values]
    lo, hi = fit_range
    return {
        layer.name: float(np.mean((v < lo) | (v > hi)))
        for layer, v in zip(layers, values, strict=True)
    }


# --------------------------------------------------------------------------- (c) learned shapes


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


# --------------------------------------------------------------------------- parameters


_declared = any_good.declared_between(ARMS)
_arm_names = any_good.distinct_arms(ARMS)


VALIDATORS = {
    "source": session.one_of("embedded", "keras", "auto"),
    "n_val": session.positive_int,
    "task_names": session.list_of(ARCHS),
    "last": session.positive_int,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "candidate": lambda name, value: _arm_names(name, [value]),
    "baselines": _arm_names,
    "smallest_effect": session.positive_float,
    "declared": _declared,
    "jobs": session.optional_positive_int,
}


# --------------------------------------------------------------------------- tables and sentences


def approximation_styler(rows: Sequence[dict]):
    """`approximation_table` for people (`actlab.collection.tables.for_people`)."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(rows).set_index("approximant")
    return for_people(
        frame,
        formats={
            "rms_error_in_range_normal_weighted": "{:.2e}",
            "max_error_in_range": "{:.2e}",
            "max_error_outside": "{:.3g}",
            "error_at_minus_6": "{:.3g}",
            "error_at_plus_6": "{:.3g}",
        },
        rename={
            "rms_error_in_range_normal_weighted": "RMS error on [-3, 3] (N(0, 1) weight)",
            "max_error_in_range": "max error on [-3, 3]",
            "max_error_outside": "max error, 3 ≤ |x| ≤ 8",
            "error_at_minus_6": "error at x = −6",
            "error_at_plus_6": "error at x = 6",
        },
        caption="Error against ReLU inside and outside the fit range",
    )


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
