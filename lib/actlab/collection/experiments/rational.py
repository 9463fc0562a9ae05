"""Notebook 08: learnable rational (Padé) activations beside ReLU, PReLU and the soft exponential.

* (a) `approximation_table` / `plot_approximations`: polynomial and rational stand-ins for ReLU,
  fitted on N(0, 1)-weighted [-3, 3], and their error inside and outside that range.
* (b) `run_comparison`: a small MLP and a small CNN on MNIST with each activation of `KINDS`,
  over seeds; a seed fixes the data split and the initial weights of every variant (the
  activations draw no random numbers: Rational starts at its fit, PReLU and SoftExponential at
  0), so the runs pair by seed and `comparisons` judges them with `actlab.stats`.
* (c) `shape_drift` / `plot_learned_shapes`: every Rational layer's learned function against its
  initial fit, and how far it moved.
* (d) `step_times`: one XLA-compiled training step per model against its ReLU version
  (`actlab.bench.run_training_steps`, the measurement of notebook 06).

The MLP is notebook 02's shape with two hidden layers (784 → 64 → act → 64 → act → 10), the CNN
notebook 04's conv net (Conv2D 8 → act → pool → Conv2D 16 → act → pool → Dense 10). The
existing builders are hard-wired to their own activations, hence these two small ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from actlab import stats
from actlab.activations.polynomial import DELPHI_COEFFICIENTS
from actlab.activations.rational import fit_rational
from actlab.collection import session
from actlab.layers.rational import Rational
from actlab.layers.softexp import ClipAlpha, SoftExponential

__all__ = [
    "KINDS",
    "ARCHS",
    "LABELS",
    "make_activation",
    "build_mlp",
    "build_cnn",
    "build_model",
    "approximants",
    "approximation_table",
    "plot_approximations",
    "train_one",
    "run_comparison",
    "summary_table",
    "comparisons",
    "plot_comparisons",
    "shape_drift",
    "plot_learned_shapes",
    "step_times",
    "approximation_text",
    "comparison_text",
    "drift_summary",
    "drift_text",
    "step_text",
    "approximation_styler",
    "summary_styler",
    "drift_styler",
    "steps_styler",
    "VALIDATORS",
]

KINDS = ("relu", "prelu", "softexp", "rational")
ARCHS = ("mlp", "cnn")
LABELS = {
    "relu": "ReLU",
    "prelu": "PReLU",
    "softexp": "soft exponential",
    "rational": "Rational (5, 4)",
    "mlp": "MLP",
    "cnn": "CNN",
}


def _check(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {list(choices)}. Received: {name}={value!r}")


# --------------------------------------------------------------------------- models


def make_activation(kind: str, conv: bool, name: str, degrees=(5, 4), fit_range=(-3.0, 3.0)):
    """The activation layer of `kind`. In the CNN, PReLU and the soft exponential hold one
    parameter per channel (`shared_axes=[1, 2]`); in the MLP one per unit (`None`). Rational
    holds one set of coefficients per layer (`shared_axes="all"`, the PAU paper's choice),
    initialised as leaky ReLU."""
    _check("kind", kind, KINDS)
    shared = [1, 2] if conv else None
    if kind == "relu":
        return keras.layers.ReLU(name=name)
    if kind == "prelu":
        return keras.layers.PReLU(shared_axes=shared, name=name)
    if kind == "softexp":
        return SoftExponential(alpha_constraint=ClipAlpha(-1, 1), shared_axes=shared, name=name)
    return Rational(
        degrees=degrees,
        approximates="leaky_relu",
        fit_range=fit_range,
        shared_axes="all",
        name=name,
    )


def build_mlp(kind: str, hidden: Sequence[int] = (64, 64), **act_kwargs) -> keras.Model:
    """784 → [Dense(h) → act] per entry of `hidden` → Dense(10, softmax)."""
    inputs = keras.Input((784,), name="pixels")
    x = inputs
    for i, h in enumerate(hidden, start=1):
        x = keras.layers.Dense(h, name=f"dense_{i}")(x)
        x = make_activation(kind, False, f"act_{i}", **act_kwargs)(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"mlp_{kind}")


def build_cnn(kind: str, filters: Sequence[int] = (8, 16), **act_kwargs) -> keras.Model:
    """(28, 28, 1) → [Conv2D(f, 3) → act → MaxPool(2)] per entry of `filters` → Flatten →
    Dense(10, softmax)."""
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, name=f"conv_{i}")(x)
        x = make_activation(kind, True, f"act_{i}", **act_kwargs)(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{kind}")


def build_model(arch: str, kind: str, **kwargs) -> keras.Model:
    _check("arch", arch, ARCHS)
    return build_mlp(kind, **kwargs) if arch == "mlp" else build_cnn(kind, **kwargs)


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


# --------------------------------------------------------------------------- (b) training


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


def train_one(
    arch: str,
    kind: str,
    ds,
    seed: int,
    epochs: int,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    **build_kwargs,
) -> dict[str, Any]:
    """Seed, build, train with Adam, and score one model on the test split.

    Returns a record with ``arch``, ``variant``, ``seed``, ``test_accuracy``, ``test_loss``,
    ``seconds``, ``params``, ``finite`` and, for Rational, per layer the initial and final
    coefficients and the fraction of test-set inputs outside the fit range.
    """
    session.seed_everything(seed)
    model = build_model(arch, kind, **build_kwargs)
    x_train, x_test = ds.flat() if arch == "mlp" else ds.images()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x_train, ds.y_train, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True
    )
    seconds = time.perf_counter() - start
    loss, acc = model.evaluate(x_test, ds.y_test, verbose=0, batch_size=500)
    record = {
        "arch": arch,
        "variant": kind,
        "seed": seed,
        "test_accuracy": float(acc),
        "test_loss": float(loss),
        "seconds": seconds,
        "params": int(model.count_params()),
        "finite": bool(np.all(np.isfinite(history.history["loss"]))),
    }
    layers = _rational_layers(model)
    if layers:
        fit_range = layers[0].fit_range
        record["rational"] = {
            layer.name: {
                "initial_numerator": list(layer.initial_fit.numerator),
                "initial_denominator": list(layer.initial_fit.denominator),
                "numerator": np.asarray(layer.numerator, "float64").tolist(),
                "denominator": np.asarray(layer.denominator, "float64").tolist(),
            }
            for layer in layers
        }
        for name, frac in _input_fractions_outside(model, x_test, fit_range).items():
            record["rational"][name]["fraction_inputs_outside_fit_range"] = frac
        record["fit_range"] = list(fit_range)
    return record


def run_comparison(
    load: Callable[[int], Any],
    archs: Sequence[str] = ARCHS,
    kinds: Sequence[str] = KINDS,
    seeds: Sequence[int] = (0,),
    epochs: int = 5,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    log=print,
    **build_kwargs,
) -> list[dict]:
    """Every arch × kind for every seed; `load(seed)` returns that seed's data split."""
    for arch in archs:
        _check("arch", arch, ARCHS)
    for kind in kinds:
        _check("kind", kind, KINDS)
    records = []
    for seed in seeds:
        ds = load(seed)
        for arch in archs:
            for kind in kinds:
                record = train_one(
                    arch, kind, ds, seed, epochs, batch_size, learning_rate, **build_kwargs
                )
                records.append(record)
                if log:
                    log(
                        f"seed {seed} {LABELS[arch]} {LABELS[kind]:>17}: test accuracy "
                        f"{100 * record['test_accuracy']:.2f} % ({record['seconds']:.1f} s)"
                    )
    return records


def summary_table(records: Sequence[dict]) -> list[dict]:
    """One row per arch × variant: accuracy mean ± std (sample, ddof=1) over seeds, seconds."""
    rows = []
    for arch in dict.fromkeys(r["arch"] for r in records):
        for kind in dict.fromkeys(r["variant"] for r in records if r["arch"] == arch):
            rs = [r for r in records if r["arch"] == arch and r["variant"] == kind]
            acc = np.array([r["test_accuracy"] for r in rs])
            rows.append(
                {
                    "arch": arch,
                    "variant": kind,
                    "params": rs[0]["params"],
                    "n_seeds": len(rs),
                    "test_acc_mean": float(acc.mean()),
                    "test_acc_std": session.seed_std(acc),
                    "test_acc_text": stats.format_mean_std(acc, decimals=2, unit="%", scale=100),
                    "seconds_median": float(np.median([r["seconds"] for r in rs])),
                    "all_finite": all(r["finite"] for r in rs),
                }
            )
    return rows


#: (a, b) pairs judged per architecture: a − b in test accuracy points.
PAIRS = (
    ("rational", "relu"),
    ("rational", "prelu"),
    ("rational", "softexp"),
    ("prelu", "relu"),
    ("softexp", "relu"),
)


def comparisons(
    records: Sequence[dict], margin_pp: float | None = None, confidence: float = 0.95
) -> list[dict]:
    """Paired verdicts (`actlab.stats.compare_records`, test accuracy in points) for every arch and
    every pair of `PAIRS` whose variants were run; `margin_pp` None asks "is there a
    difference?", a number asks whether a is at most that many points below b."""
    out = []
    for arch in dict.fromkeys(r["arch"] for r in records):
        sub = [r for r in records if r["arch"] == arch]
        present = {r["variant"] for r in sub}
        for a, b in PAIRS:
            if a not in present or b not in present:
                continue
            result = stats.compare_records(
                sub, a, b, value="test_accuracy", scale=100, margin=margin_pp, confidence=confidence
            )
            record = stats.verdict_record(
                result,
                f"{LABELS[arch]}: {LABELS[a]} − {LABELS[b]}, test accuracy",
                headline=a == "rational" and b == "relu",
            )
            for key in ("text", "short"):  # "a higher" -> "Rational (5, 4) higher"
                record[key] = (
                    record[key]
                    .replace(": a higher", f": {LABELS[a]} higher")
                    .replace(": b higher", f": {LABELS[b]} higher")
                )
            out.append({"arch": arch, **record})
    return out


def plot_comparisons(verdicts: Sequence[dict]):
    """Each paired difference (points) with its interval, one panel per architecture."""
    import matplotlib.pyplot as plt

    archs = list(dict.fromkeys(v["arch"] for v in verdicts))
    fig, axes = plt.subplots(1, len(archs), figsize=(6.2 * len(archs), 3.6), squeeze=False)
    for ax, arch in zip(axes[0], archs, strict=True):
        vs = [v for v in verdicts if v["arch"] == arch]
        ypos = np.arange(len(vs))[::-1]
        for y, v in zip(ypos, vs, strict=True):
            lo, hi = v["ci_low"], v["ci_high"]
            if math.isfinite(lo):
                ax.plot([lo, hi], [y, y], color="C0", lw=2)
            ax.plot(v["mean_diff"], y, "o", color="C0")
        ax.axvline(0, color="k", lw=1)
        if vs and vs[0]["margin"] is not None:
            ax.axvline(-vs[0]["margin"], color="C3", ls="--", lw=1, label="− margin")
            ax.legend(fontsize="small")
        ax.set_yticks(ypos, [f"{LABELS[v['a']]} − {LABELS[v['b']]}" for v in vs])
        ax.set(
            title=f"{LABELS[arch]}: paired differences ({vs[0]['n']} seeds)",
            xlabel=f"test accuracy difference (points; {100 * vs[0]['confidence']:g} % CI)",
        )
    fig.tight_layout()
    return fig


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


# --------------------------------------------------------------------------- (d) time per step


def step_times(
    archs: Sequence[str] = ARCHS,
    kinds: Sequence[str] = KINDS,
    batch_size: int = 128,
    repeats: int = 10,
    **build_kwargs,
) -> list[dict]:
    """Median seconds of one XLA-compiled training step of every arch × kind, and its ratio to
    the same architecture with ReLU (`actlab.bench.run_training_steps`, as notebook 06)."""
    from actlab import bench

    pairs = [
        (
            LABELS[arch],
            LABELS[kind],
            "builtin" if kind == "relu" else "custom",
            lambda arch=arch, kind=kind: build_model(arch, kind, **build_kwargs),
        )
        for arch in archs
        for kind in kinds
    ]
    if "relu" not in kinds:
        raise ValueError(f"`kinds` must include 'relu' (the reference). Received: kinds={kinds!r}")
    return bench.run_training_steps(pairs, batch_size=batch_size, repeats=repeats, progress=None)


# --------------------------------------------------------------------------- parameters


def _kinds(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(v in KINDS for v in value)
        and "relu" in value
        and len(set(value)) == len(value)
    ):
        raise ValueError(
            f"Invalid parameter `{name}`: expected a list of distinct items from "
            f"{list(KINDS)} including 'relu'. Received: {name}={value!r}"
        )


def _optional_margin(name: str, value: Any) -> None:
    if value is not None:
        session.positive_float(name, value)


VALIDATORS = {
    "archs": session.list_of(ARCHS),
    "kinds": _kinds,
    "learning_rate": session.positive_float,
    "margin_pp": _optional_margin,
    "step_repeats": session.positive_int,
    "step_batch": session.positive_int,
}


# --------------------------------------------------------------------------- tables


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


def summary_styler(summary: Sequence[dict]):
    """`summary_table` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(
        {
            "network": [LABELS[r["arch"]] for r in summary],
            "activation": [LABELS[r["variant"]] for r in summary],
            "parameters": [f"{r['params']:,}" for r in summary],
            "test accuracy (mean ± std)": [r["test_acc_text"] for r in summary],
            "seeds": [r["n_seeds"] for r in summary],
            "seconds per run (median)": [f"{r['seconds_median']:.1f}" for r in summary],
            "losses finite": [r["all_finite"] for r in summary],
        }
    )
    return for_people(frame, caption="Final test accuracy over seeds")


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


def steps_styler(rows: Sequence[dict], batch_size: int, repeats: int):
    """`step_times` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(rows)[["pair", "name", "params", "median_s", "x_builtin"]]
    return for_people(
        frame,
        rename={
            "pair": "network",
            "name": "activation",
            "params": "parameters",
            "median_s": "seconds / step",
            "x_builtin": "× ReLU",
        },
        formats={"median_s": "{:.4f}", "x_builtin": "{:.2f}", "params": "{:,}"},
        caption=f"One training step, batch {batch_size}, jit_compile=True (median of {repeats})",
    )


# --------------------------------------------------------------------------- sentences


def _g(x: float, digits: int = 2) -> str:
    return stats.format_number(x, digits) if abs(x) >= 0.01 or x == 0 else f"{x:.1e}"


def approximation_text(rows: Sequence[dict], fit_range=(-3.0, 3.0), outside=(3.0, 8.0)) -> str:
    """What the approximation table shows, from its numbers."""
    best_in = min(rows, key=lambda r: r["rms_error_in_range_normal_weighted"])
    best_out = min(rows, key=lambda r: r["max_error_outside"])
    worst_out = max(rows, key=lambda r: r["max_error_outside"])
    lo, hi = fit_range
    inside = ", ".join(
        f"{r['approximant']} {_g(r['rms_error_in_range_normal_weighted'], 3)}" for r in rows
    )
    out = ", ".join(f"{r['approximant']} {_g(r['max_error_outside'])}" for r in rows)
    return (
        f"On [{lo:g}, {hi:g}] with the N(0, 1) weight the RMS error against ReLU is: {inside} "
        f"(smallest: {best_in['approximant']}). For {outside[0]:g} ≤ |x| ≤ {outside[1]:g} the "
        f"largest error is: {out}. Outside the fit range {best_out['approximant']} stays "
        f"closest to ReLU and {worst_out['approximant']} leaves it fastest "
        f"({_g(worst_out['max_error_outside'])} at worst, "
        f"{worst_out['max_error_outside'] / max(best_out['max_error_outside'], 1e-300):.0f}× "
        f"the best)."
    )


def comparison_text(summary: Sequence[dict], verdicts: Sequence[dict]) -> str:
    """Accuracies (mean ± std) and every paired verdict, per architecture."""
    parts = []
    for arch in dict.fromkeys(r["arch"] for r in summary):
        rows = [r for r in summary if r["arch"] == arch]
        accs = ", ".join(f"{LABELS[r['variant']]} {r['test_acc_text']}" for r in rows)
        parts.append(f"**{LABELS[arch]}** test accuracy: {accs}.")
        for v in (v for v in verdicts if v["arch"] == arch):
            parts.append(f"{LABELS[v['a']]} − {LABELS[v['b']]}: {v['text']}.")
    return " ".join(parts)


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


def drift_text(rows: Sequence[dict], fit_range=(-3.0, 3.0)) -> str:
    lo, hi = fit_range
    parts = [
        f"{LABELS[r['arch']]} {r['layer']}: RMS change {_g(r['rms_change'])} (max "
        f"{_g(r['max_change'])}) on [{lo:g}, {hi:g}], coefficients moved by "
        f"{100 * r['relative_coefficient_change']:.1f} % of their norm, "
        f"{100 * r['fraction_inputs_outside_fit_range']:.1f} % of its test inputs outside "
        f"the fit range"
        for r in rows
    ]
    biggest = max(rows, key=lambda r: r["rms_change"])
    return (
        "Mean over seeds, learned minus initial function: "
        + "; ".join(parts)
        + f". The largest change is in {LABELS[biggest['arch']]} {biggest['layer']}."
    )


def step_text(rows: Sequence[dict]) -> str:
    parts = []
    for arch in dict.fromkeys(r["pair"] for r in rows):
        sub = [r for r in rows if r["pair"] == arch]
        relu = next(r for r in sub if r["role"] == "builtin")
        others = ", ".join(
            f"{r['name']} {r['x_builtin']:.2f}×" for r in sub if r["role"] != "builtin"
        )
        parts.append(f"{arch}: ReLU {1e3 * relu['median_s']:.2f} ms per step; {others} ReLU's time")
    return "; ".join(parts) + "."
