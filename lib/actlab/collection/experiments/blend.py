"""Notebook 01 (epoch-dynamic ReLU→polynomial blend): demos, the MNIST experiment, tables, figures.

* `run_epoch_demo` - the known answer: the epoch in a backend variable, read by an activation
  that returns it; MSE against a target of 2 goes 4, 1, 0, 1, 4, 9, ...
* `run_blend_demo` - the same proof through `BlendSchedule` and `PolyReLUBlend`.
* `run_experiment` - variants x seeds of the small ResNet on MNIST; per-epoch histories with d
  and the per-layer max |pre-activation|; `summary_table` aggregates over seeds.
* `plot_*` - the notebook's figures (each returns the figure).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from actlab.activations.polynomial import DELPHI_COEFFICIENTS, poly_relu_blend, relu_poly_approx
from actlab.callbacks import (
    BlendSchedule,
    EpochVariable,
    PreActivationMonitor,
    schedule_value,
)
from actlab.collection import session
from actlab.collection.models import activation_names, build_resnet, resolve_blend
from actlab.collection.session import xla_allowed
from actlab.layers.polynomial import PolyReLUBlend

__all__ = [
    "VARIANTS",
    "numpy_blend",
    "run_epoch_demo",
    "run_blend_demo",
    "run_variant",
    "run_experiment",
    "summary_table",
    "plot_blend_family",
    "plot_poly_error",
    "plot_schedules",
    "plot_accuracy_with_d",
    "plot_preactivations",
    "plot_demos",
    "poly_error_numbers",
    "findings",
    "comparisons",
    "accuracy_text",
    "VALIDATORS",
    "ESCAPE_RATIO",
]

#: Experiment variants: which activations are blends, the initial d, and the schedule (None:
#: d stays at its initial value for the whole run).
VARIANTS: dict[str, dict[str, Any]] = {
    "relu": {"blend": "none", "relu_weight": 1.0, "schedule": None, "label": "ReLU baseline"},
    "poly_scratch": {
        "blend": "all",
        "relu_weight": 0.0,
        "schedule": None,
        "label": "polynomial from scratch",
    },
    "sudden_swap": {
        "blend": "all",
        "relu_weight": 1.0,
        "schedule": "step",
        "label": "sudden swap (ReLU, then polynomial)",
    },
    "linear_hold": {
        "blend": "all",
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend + hold",
    },
    "cosine_hold": {
        "blend": "all",
        "relu_weight": 1.0,
        "schedule": "cosine",
        "label": "cosine blend + hold",
    },
    "partial_linear": {
        "blend": "inner",
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend, first & last kept ReLU",
    },
    "stage3_linear": {
        "blend": [3, "head"],
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend, last stage + head only",
    },
}


def numpy_blend(x, d, coefficients=DELPHI_COEFFICIENTS, relu_cap=None) -> np.ndarray:
    """float64 NumPy reference of `poly_relu_blend` (used by the tests and the figures)."""
    x = np.asarray(x, dtype="float64")
    poly = np.polynomial.polynomial.polyval(x, np.asarray(coefficients, dtype="float64"))
    relu = np.maximum(x, 0.0)
    if relu_cap is not None:
        relu = np.minimum(relu, relu_cap)
    return (1.0 - d) * poly + d * relu


# --------------------------------------------------------------------------- demos


def _fit_quietly(model, *args, **kwargs):
    """`model.fit` without the warning that the demo models have no trainable weights."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The model does not have any trainable weights")
        return model.fit(*args, **kwargs)


class _AddVariable(keras.layers.Layer):
    """Demo-only activation returning ``0 * x + variable`` (the answer's "returns the epoch")."""

    def __init__(self, variable: keras.Variable, **kwargs):
        super().__init__(**kwargs)
        self.variable = variable

    def call(self, inputs):
        return keras.ops.zeros_like(inputs) + keras.ops.cast(self.variable, inputs.dtype)


def run_epoch_demo(epochs: int = 6, target: float = 2.0, jit_compile: bool = True) -> dict:
    """Fit a model whose output is the current epoch (kept in a variable by `EpochVariable`).

    Returns ``{"epoch", "loss", "expected"}``: the MSE against `target` per epoch and
    ``(epoch - target)**2`` (0-based epochs), which it matches only if the compiled train
    function reads the epoch at run time.
    """
    epoch_callback = EpochVariable()
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, _AddVariable(epoch_callback.variable)(inputs))
    x = np.zeros((8, 1), "float32")
    y = np.full((8, 1), target, "float32")
    with xla_allowed(jit_compile):
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        history = _fit_quietly(
            model, x, y, batch_size=8, epochs=epochs, callbacks=[epoch_callback], verbose=0
        )
        jit_used = bool(model.jit_compile)
    epoch = list(range(epochs))
    return {
        "epoch": epoch,
        "loss": history.history["loss"],
        "expected": [(e - target) ** 2 for e in epoch],
        "jit_compile": jit_used,
    }


def run_blend_demo(
    total_epochs: int = 4,
    hold_epochs: int = 1,
    schedule: str = "linear",
    jit_compile: bool = True,
    n_points: int = 64,
    span: float = 4.0,
) -> dict:
    """Fit a one-layer model (a `PolyReLUBlend`, nothing trainable) against ReLU targets.

    The MSE of an epoch is ``(1 - d)**2 * mean((poly(x) - relu(x))**2)`` for that epoch's d, so
    the per-epoch loss shows which d the compiled train function used. Returns
    ``{"epoch", "d", "loss", "expected"}``.
    """
    inputs = keras.Input(shape=(n_points,))
    model = keras.Model(inputs, PolyReLUBlend(name="blend")(inputs))
    x = np.linspace(-span, span, n_points, dtype="float32")[None]
    y = np.maximum(x, 0.0)
    callback = BlendSchedule(total_epochs, schedule, hold_epochs=hold_epochs)
    with xla_allowed(jit_compile):
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        history = _fit_quietly(
            model, x, y, batch_size=1, epochs=callback.epochs, callbacks=[callback], verbose=0
        )
        jit_used = bool(model.jit_compile)
    d = history.history["relu_weight"]
    gap = float(
        np.mean((keras.ops.convert_to_numpy(relu_poly_approx(x.astype("float64"))) - y) ** 2)
    )
    return {
        "epoch": list(range(callback.epochs)),
        "d": d,
        "loss": history.history["loss"],
        "expected": [(1 - v) ** 2 * gap for v in d],
        "jit_compile": jit_used,
    }


# --------------------------------------------------------------------------- experiment


def _check_variants(variants: Sequence[str]) -> None:
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        raise ValueError(
            f"`variants` must be a non-empty list from {list(VARIANTS)}. "
            f"Received: variants={variants!r}"
        )


def run_variant(
    variant: str,
    ds,
    seed: int,
    *,
    blend_epochs: int = 4,
    hold_epochs: int = 2,
    batch_size: int = 64,
    learning_rate: float = 2e-3,
    stages: Sequence[int] = (16, 32, 64),
    blocks_per_stage: int = 1,
    stem_strides: int = 2,
    relu_cap: float | None = None,
    per_batch: bool = False,
    probe_size: int = 256,
    jit_compile: bool = False,
    verbose: int = 0,
) -> dict:
    """Train one variant with one seed for ``blend_epochs + hold_epochs`` epochs.

    Validation each epoch is on ``ds``'s test split (no model selection is done on it). The
    per-layer max |pre-activation| is measured on the first `probe_size` training images, in
    inference mode, at each epoch end (`PreActivationMonitor`), for every activation (ReLU or
    blend) so the baseline gives the reference.
    """
    _check_variants([variant])
    spec = VARIANTS[variant]
    session.seed_everything(seed)
    model = build_resnet(
        spec["blend"],
        stages=stages,
        blocks_per_stage=blocks_per_stage,
        relu_cap=relu_cap,
        relu_weight=spec["relu_weight"],
        stem_strides=stem_strides,
        name=f"{variant}_seed{seed}",
    )
    x_train, x_test = ds.images()
    names = activation_names(stages, blocks_per_stage)
    monitor = PreActivationMonitor(x_train[:probe_size], layers=names)
    callbacks: list[keras.callbacks.Callback] = [monitor]
    epochs = blend_epochs + hold_epochs
    if spec["schedule"] is not None:
        callbacks.insert(
            0,
            BlendSchedule(
                blend_epochs, spec["schedule"], hold_epochs=hold_epochs, per_batch=per_batch
            ),
        )
    start = time.time()
    with xla_allowed(jit_compile):  # XLA needs op determinism off (see `xla_allowed`)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=jit_compile,
        )
        history = model.fit(
            x_train,
            ds.y_train,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=(x_test, ds.y_test),
            callbacks=callbacks,
            verbose=verbose,
        )
        jit_used = bool(model.jit_compile)
    wall = time.time() - start
    hist = history.history
    d = hist.get("relu_weight", [spec["relu_weight"]] * epochs)
    replaced = resolve_blend(spec["blend"], stages, blocks_per_stage)
    blends = [layer for layer in model.layers if isinstance(layer, PolyReLUBlend)]
    final_d = [layer.get_relu_weight() for layer in blends]
    losses = [*hist["loss"], *hist["val_loss"]]
    return {
        "variant": variant,
        "seed": seed,
        "epoch": list(range(epochs)),
        "d": [float(v) for v in d],
        "loss": hist["loss"],
        "accuracy": hist["accuracy"],
        "val_loss": hist["val_loss"],
        "val_accuracy": hist["val_accuracy"],
        "preact_max": monitor.history,
        "final_accuracy": float(hist["val_accuracy"][-1]),
        "final_d": max(final_d) if final_d else 1.0,
        "replaced": replaced,
        "n_replaced": len(replaced),
        "n_activations": len(names),
        "diverged": not all(math.isfinite(v) for v in losses),
        "wall_s": round(wall, 1),
        "probe_size": int(min(probe_size, len(x_train))),
        "jit_compile": jit_used,
    }


def run_experiment(
    ds, variants: Sequence[str], seeds: Sequence[int], progress: bool = True, **kwargs
) -> dict:
    """`run_variant` for every variant and seed. Returns ``{"runs": [...], "summary": [...]}``."""
    _check_variants(list(variants))
    runs = []
    for variant in variants:
        for seed in seeds:
            record = run_variant(variant, ds, seed, **kwargs)
            runs.append(record)
            if progress:
                print(
                    f"{variant:>15} seed {seed}: final accuracy {record['final_accuracy']:.4f} "
                    f"at d={record['final_d']:.2f} ({record['wall_s']:.0f} s)",
                    flush=True,
                )
    return {"runs": runs, "summary": summary_table(runs)}


def summary_table(runs: Sequence[Mapping]) -> list[dict]:
    """Per variant: replaced activations, final d, final accuracy mean ± std over seeds (std NaN
    with one seed)."""
    rows = []
    for variant in dict.fromkeys(r["variant"] for r in runs):
        group = [r for r in runs if r["variant"] == variant]
        acc = np.array([r["final_accuracy"] for r in group], dtype="float64")
        peak = [
            max((max(v) if v else float("nan")) for v in r["preact_max"].values()) for r in group
        ]
        rows.append(
            {
                "variant": variant,
                "label": VARIANTS[variant]["label"],
                "n_replaced": group[0]["n_replaced"],
                "n_activations": group[0]["n_activations"],
                "final_d": max(r["final_d"] for r in group),
                "accuracy_mean": float(acc.mean()),
                "accuracy_std": session.seed_std(acc),  # NaN with one seed: no spread
                "n_seeds": len(group),
                "n_diverged": sum(r["diverged"] for r in group),
                "max_preact_mean": float(np.mean(peak)),
                "wall_s_mean": float(np.mean([r["wall_s"] for r in group])),
            }
        )
    return rows


# --------------------------------------------------------------------------- figures


def plot_blend_family(
    d_values: Sequence[float] = (1.0, 0.75, 0.5, 0.25, 0.0),
    span: float = 4.0,
    relu_cap: float | None = None,
) -> plt.Figure:
    """The blend ``(1 - d) poly + d relu`` over x for several d."""
    x = np.linspace(-span, span, 401)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(d_values)))
    for d, color in zip(d_values, colors, strict=True):
        y = np.asarray(poly_relu_blend(x, d, relu_cap=relu_cap))
        ax.plot(x, y, color=color, label=f"d = {d:g}")
    ax.set(
        title="Blend (1 − d)·poly(x) + d·ReLU(x)",
        xlabel="pre-activation x (BN units)",
        ylabel="activation f(x)",
    )
    ax.legend(title="ReLU weight")
    return fig


def plot_poly_error(span: float = 8.0, bn_range: float = 3.0) -> plt.Figure:
    """|poly(x) - relu(x)| over x, log scale, with the batch-norm-typical range shaded."""
    x = np.linspace(-span, span, 801)
    err = np.abs(numpy_blend(x, 0.0) - np.maximum(x, 0.0))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.axvspan(
        -bn_range,
        bn_range,
        color="tab:green",
        alpha=0.12,
        label=f"|x| ≤ {bn_range:g} (BN output, ~99.7% of N(0, 1))",
    )
    ax.plot(x, err, color="tab:red", label="|poly(x) − ReLU(x)|")
    ax.set_yscale("log")
    ax.set(
        title="Quadratic approximation error against ReLU",
        xlabel="pre-activation x (BN units)",
        ylabel="absolute error (log scale)",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=9)
    return fig


def plot_schedules(
    total_epochs: int, hold_epochs: int, schedules: Sequence[str] = ("linear", "cosine", "step")
) -> plt.Figure:
    """d against training time: per-epoch updates (thick steps, d held during each epoch) and
    per-batch updates (thin dashed curves)."""
    epochs = total_epochs + hold_epochs
    fig, ax = plt.subplots(figsize=(6.5, 4))
    t = np.linspace(0, epochs, 400, endpoint=False)
    for i, name in enumerate(schedules):
        color = f"C{i}"
        per_epoch = [schedule_value(name, e, total_epochs) for e in range(epochs)]
        ax.step(
            range(epochs + 1),
            [*per_epoch, per_epoch[-1]],
            where="post",
            color=color,
            lw=2.5,
            alpha=0.8,
            label=f"{name}, per epoch",
        )
        ax.plot(
            t,
            [schedule_value(name, v, total_epochs) for v in t],
            "--",
            color=color,
            lw=1,
            label=f"{name}, per batch",
        )
    if hold_epochs:
        ax.axvspan(
            total_epochs,
            epochs,
            color="grey",
            alpha=0.15,
            label=f"hold at d = 0 ({hold_epochs} epoch{'s' if hold_epochs > 1 else ''})",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        title=f"ReLU weight d per schedule (blend over T = {total_epochs} "
        f"epoch{'s' if total_epochs > 1 else ''})",
        xlabel="training time (epochs; epoch e runs from e to e + 1)",
        ylabel="d (1 = ReLU, 0 = polynomial)",
        ylim=(-0.05, 1.05),
        xlim=(0, epochs),
    )
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    return fig


def _mean_std(runs: Sequence[Mapping], key: str) -> tuple[np.ndarray, np.ndarray]:
    values = np.array([r[key] for r in runs], dtype="float64")
    return values.mean(axis=0), session.seed_std(values, axis=0)


def plot_accuracy_with_d(runs: Sequence[Mapping], variants: Sequence[str]) -> plt.Figure:
    """Validation accuracy per epoch (mean ± std over seeds) with d on a second axis, one
    panel per variant."""
    n = len(variants)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False, sharey=True
    )
    lows = [
        np.min(_mean_std([r for r in runs if r["variant"] == v], "val_accuracy")[0])
        for v in variants
    ]
    bottom = max(0.0, 10 * np.floor(10 * np.nanmin(lows) - 0.5))  # percent, shared: panels compare
    for ax, variant in zip(axes.flat, variants, strict=False):
        group = [r for r in runs if r["variant"] == variant]
        epoch = np.array(group[0]["epoch"])
        mean, std = (100 * v for v in _mean_std(group, "val_accuracy"))
        std = np.nan_to_num(std)  # one seed: no band
        ax.plot(epoch, mean, "o-", color="C0", label="validation accuracy")
        ax.fill_between(epoch, mean - std, mean + std, color="C0", alpha=0.2)
        ax.set(
            title=VARIANTS[variant]["label"],
            xlabel="epoch (0-based)",
            ylabel="validation accuracy (%)",
            ylim=(bottom, 100.5),
        )
        ax.yaxis.set_tick_params(labelleft=True)
        twin = ax.twinx()
        twin.step(
            epoch,
            group[0]["d"],
            where="mid",
            color="C3",
            ls="--",
            label="d (held during each epoch)",
        )
        twin.plot(epoch, group[0]["d"], "s", color="C3", ms=4)
        twin.set(ylim=(-0.05, 1.05), ylabel="ReLU weight d")
        twin.grid(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax is axes.flat[0]:
            lines = ax.get_lines()[:1] + twin.get_lines()[:1]
            ax.legend(lines, [ln.get_label() for ln in lines], loc="lower right", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    n_seeds = len({r["seed"] for r in runs})
    fig.suptitle(
        f"Validation accuracy (mean ± std over {n_seeds} seed{'s' if n_seeds > 1 else ''}) "
        "and d per epoch",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def plot_preactivations(runs: Sequence[Mapping], variants: Sequence[str]) -> plt.Figure:
    """Per-layer max |pre-activation| per epoch (mean over seeds), log scale, one panel per
    variant; blend layers solid, ReLU layers dotted."""
    n = len(variants)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False, sharey=True
    )
    names = list(runs[0]["preact_max"])
    colors = dict(zip(names, plt.cm.viridis(np.linspace(0, 0.9, len(names))), strict=True))
    for ax, variant in zip(axes.flat, variants, strict=False):
        group = [r for r in runs if r["variant"] == variant]
        epoch = np.array(group[0]["epoch"])
        for name in names:
            values = np.array([r["preact_max"][name] for r in group], dtype="float64")
            style = "-" if name in group[0]["replaced"] else ":"
            ax.plot(epoch, np.nanmean(values, axis=0), style, color=colors[name], label=name)
        ax.axhline(3.0, color="tab:red", lw=1, alpha=0.6)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(ScalarFormatter())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(
            title=VARIANTS[variant]["label"],
            xlabel="epoch (0-based)",
            ylabel="max |pre-activation| (log)",
        )
        ax.tick_params(axis="y", which="both", labelleft=True, labelsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=colors[name], label=name) for name in names]
    handles += [
        plt.Line2D([], [], color="grey", ls="-", label="blend layer"),
        plt.Line2D([], [], color="grey", ls=":", label="ReLU layer"),
        plt.Line2D([], [], color="tab:red", alpha=0.6, label="|x| = 3 (polynomial error 0.5)"),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 6),
        fontsize=8,
        bbox_to_anchor=(0.5, -0.1),
    )
    fig.suptitle(
        f"Largest |input| of each activation on {runs[0]['probe_size']} training images "
        "(inference mode)",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- notebook helpers


def _stages_validator(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ValueError(
            f"Invalid parameter `{name}`: expected a non-empty list of filter counts "
            f"> 0. Received: {name}={value!r}"
        )


def _relu_cap_validator(name: str, value: Any) -> None:
    ok = value is None or (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
    if not ok:
        raise ValueError(
            f"Invalid parameter `{name}`: expected None or a number > 0. Received: {name}={value!r}"
        )


#: Validators for notebook 01's own parameters (the common ones come from `runtime`).
VALIDATORS = {
    "variants": session.list_of(tuple(VARIANTS)),
    "blend_epochs": session.positive_int,
    "hold_epochs": session.non_negative_int,
    "learning_rate": session.positive_float,
    "stages": _stages_validator,
    "relu_cap": _relu_cap_validator,
    "per_batch": session.boolean,
    "probe_size": session.positive_int,
    "demo_epochs": session.positive_int,
    "jit_compile": session.boolean,
}


def poly_error_numbers(
    points: Sequence[float] = (-6.0, -3.0, 3.0, 6.0), x0: float = 3.0, iterations: int = 5
) -> dict:
    """|poly - relu| at `points`, and the polynomial iterated from `x0` (a stack of layers
    without normalization)."""
    err = {f"{p:g}": float(abs(numpy_blend(p, 0.0) - max(p, 0.0))) for p in points}
    orbit = [float(x0)]
    for _ in range(iterations):
        orbit.append(float(numpy_blend(orbit[-1], 0.0)))
    normal_within_3 = math.erf(3 / math.sqrt(2))
    return {
        "abs_error_at": err,
        "iterated_from": x0,
        "orbit": orbit,
        "normal_mass_within_3": normal_within_3,
    }


def plot_demos(epoch_demo: Mapping, blend_demo: Mapping) -> plt.Figure:
    """Left: the answer's epoch-returning activation (MSE to 2 per epoch). Right: the blend
    demo's MSE per epoch against the value expected from that epoch's d, with d."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.plot(
        epoch_demo["epoch"],
        epoch_demo["expected"],
        "s",
        ms=11,
        mfc="none",
        color="C1",
        label="expected (epoch − 2)²",
    )
    left.plot(epoch_demo["epoch"], epoch_demo["loss"], "o-", color="C0", label="MSE in fit")
    left.set(
        title="Activation returning the epoch (target 2)",
        xlabel="epoch (0-based)",
        ylabel="training MSE",
    )
    left.legend()
    right.plot(
        blend_demo["epoch"],
        blend_demo["expected"],
        "s",
        ms=11,
        mfc="none",
        color="C1",
        label="expected (1 − d)²·mean((poly − ReLU)²)",
    )
    right.plot(blend_demo["epoch"], blend_demo["loss"], "o-", color="C0", label="MSE in fit")
    right.set(
        title="PolyReLUBlend driven by BlendSchedule",
        xlabel="epoch (0-based)",
        ylabel="training MSE against ReLU",
    )
    twin = right.twinx()
    twin.step(blend_demo["epoch"], blend_demo["d"], where="mid", color="C3", ls="--", label="d")
    twin.plot(blend_demo["epoch"], blend_demo["d"], "s", color="C3", ms=4)
    twin.set(ylim=(-0.05, 1.05), ylabel="ReLU weight d")
    twin.grid(False)
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines = right.get_lines()[:2] + twin.get_lines()[:1]
    right.legend(
        lines,
        [ln.get_label() for ln in lines],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=3,
    )
    fig.tight_layout()
    return fig


#: A variant "escapes" when its largest |pre-activation| exceeds the ReLU baseline's by this
#: factor (or is not finite).
ESCAPE_RATIO = 10.0


def accuracy_text(row: Mapping) -> str:
    """ "97.1 ± 0.3 %", or "97.1 % (1 seed)"."""
    if row["n_seeds"] < 2 or not math.isfinite(row["accuracy_std"]):
        return f"{100 * row['accuracy_mean']:.1f} % (1 seed)"
    return f"{100 * row['accuracy_mean']:.1f} ± {100 * row['accuracy_std']:.1f} %"


#: Declared comparisons besides "each variant against ReLU": every gradual blend against the
#: sudden swap and against the polynomial trained from scratch (no best-of picked on the test split).
GRADUAL = ("linear_hold", "cosine_hold")
GRADUAL_AGAINST = ("sudden_swap", "poly_scratch")


def comparisons(summary: Sequence[Mapping], runs: Sequence[Mapping]) -> list[dict]:
    """The notebook's paired comparisons of final test accuracy (percentage points, paired by
    seed; `actlab.stats.compare_records`): each polynomial variant against ReLU, and each gradual
    blend against the sudden swap and against training from scratch. Verdict records
    (`actlab.stats.verdict_record`); the gradual-against-sudden ones are the headline."""
    from actlab import stats

    rows = {r["variant"]: r for r in summary}
    out = []
    if "relu" in rows:
        for r in summary:
            if r["n_replaced"] > 0:
                res = stats.compare_records(
                    runs, r["variant"], "relu", value="final_accuracy", scale=100
                )
                out.append(
                    stats.verdict_record(
                        res,
                        f"{r['label']} − ReLU baseline, test accuracy",
                        decimals=1,
                        names=(r["label"], "ReLU"),
                    )
                )
    for g in GRADUAL:
        for other in GRADUAL_AGAINST:
            if g in rows and other in rows:
                res = stats.compare_records(runs, g, other, value="final_accuracy", scale=100)
                out.append(
                    stats.verdict_record(
                        res,
                        f"{rows[g]['label']} − {rows[other]['label']}, test accuracy",
                        decimals=1,
                        headline=other == "sudden_swap",
                        names=(rows[g]["label"], rows[other]["label"]),
                    )
                )
    return out


def findings(
    summary: Sequence[Mapping], runs: Sequence[Mapping]
) -> tuple[list[str], str, list[dict]]:
    """Sentences stating what the numbers show, a one-line finding for results.json, and the
    verdict records of `comparisons`."""
    rows = {r["variant"]: r for r in summary}
    n_seeds = max(r["n_seeds"] for r in summary)
    verdicts = comparisons(summary, runs)
    against_relu = {v["a"]: v for v in verdicts if v["b"] == "relu"}
    lines = []
    relu = rows.get("relu")
    if relu:
        lines.append(
            f"ReLU baseline: {accuracy_text(relu)} test accuracy"
            + (f" (mean ± std over {n_seeds} seeds)." if n_seeds > 1 else ".")
        )
    poly_rows = [r for r in summary if r["n_replaced"] > 0]
    for r in poly_rows:
        text = (
            f"{r['label']} ({r['n_replaced']}/{r['n_activations']} activations replaced, "
            f"final d = {r['final_d']:g}): {accuracy_text(r)}"
        )
        if r["variant"] in against_relu:
            text += f"; minus ReLU, paired by seed: {against_relu[r['variant']]['text']}"
        if r["n_diverged"]:
            text += f"; {r['n_diverged']} run(s) diverged (NaN loss)"
        lines.append(text + ".")
    for v in verdicts:
        if v["b"] in GRADUAL_AGAINST:
            lines.append(
                f"{rows[v['a']]['label']} against {rows[v['b']]['label']}, paired by seed: "
                f"{v['text']}."
            )
    escaped, ratio = False, float("nan")
    if relu and poly_rows:
        worst = max(poly_rows, key=lambda r: r["max_preact_mean"])
        ratio = worst["max_preact_mean"] / relu["max_preact_mean"]
        escaped = ratio > ESCAPE_RATIO or not math.isfinite(worst["max_preact_mean"])
        text = (
            f"Largest |pre-activation| on the probe batch (max over layers and epochs, mean "
            f"over seeds): {worst['max_preact_mean']:.1f} ({worst['label']}) against "
            f"{relu['max_preact_mean']:.1f} with ReLU (x{ratio:.1f}): "
        )
        if escaped:
            text += "escaping activations."
        else:
            text += (
                f"no escaping activations (threshold x{ESCAPE_RATIO:g}); batch norm right "
                "before each activation keeps the inputs bounded"
            )
            text += (
                ", though beyond the ±3 where the polynomial is accurate."
                if worst["max_preact_mean"] > 3
                else "."
            )
        lines.append(text)
    if against_relu:
        counts = {}
        for v in against_relu.values():
            counts[v["verdict"]] = counts.get(v["verdict"], 0) + 1
        word = {
            "a higher": "above ReLU",
            "b higher": "below ReLU",
            "no clear difference": "no clear difference from ReLU",
            "single seed": "a single seed (no interval)",
        }
        summary_text = ", ".join(f"{k} {word[w]}" for w, k in counts.items())
        lines.append(
            f"Against ReLU, over {len(against_relu)} polynomial variant(s) at d = 0 "
            f"({n_seeds} paired seed{'s' if n_seeds != 1 else ''}, 95 % intervals): "
            f"{summary_text}."
        )
        head = [v for v in verdicts if v["headline"]]
        finding = (
            f"Polynomial networks (d = 0) vs ReLU {accuracy_text(relu)} over {n_seeds} paired "
            f"seed(s): {summary_text}"
            + "".join(
                f"; {rows[v['a']]['label']} − {rows[v['b']]['label']}: {v['short']}" for v in head
            )
            + f"; max |pre-activation| x{ratio:.1f} of ReLU"
            + (": escaping activations." if escaped else ", no escaping activations.")
        )
    else:
        finding = "; ".join(f"{r['variant']}: {accuracy_text(r)}" for r in summary)
    return lines, finding, verdicts
