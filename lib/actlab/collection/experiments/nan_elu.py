"""Notebook 03: why a `where`-based ELU trains to NaN on raw MNIST pixels, and the fixes.

The user's setup: 8 x Dense(128) each followed by the activation, Dense(10, sigmoid), SGD(0.01),
categorical cross-entropy, batch 64, 5 epochs, flattened pixels in 0..255.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from actlab.activations.elu import (
    EXP_OVERFLOW_FLOAT32,
    elu_custom_gradient,
    elu_double_where,
    naive_elu,
    safe_elu,
)
from actlab.collection import session
from actlab.diagnostics import diagnose_fit, nonfinite_fraction

__all__ = [
    "ACTIVATIONS",
    "GRADIENT_POINTS",
    "LABELS",
    "VARIANTS",
    "build_user_network",
    "compare_fixes",
    "final_epoch_summary",
    "gradient_table",
    "identical_groups",
    "people_summary",
    "plot_training_curves",
    "preactivation_stats",
    "reproduce_user_failure",
    "train_variants",
]

#: Variant name -> activation passed to ``Dense(activation=...)``.
ACTIVATIONS: dict[str, Any] = {
    "builtin": keras.activations.elu,
    "naive": naive_elu,
    "clamped": safe_elu,
    "double_where": elu_double_where,
    "custom_gradient": elu_custom_gradient,
}
VARIANTS = tuple(ACTIVATIONS)
LABELS = {
    "builtin": "built-in ELU",
    "naive": "naive where (user's)",
    "clamped": "clamped exponent",
    "double_where": "double where",
    "custom_gradient": "custom gradient",
}
#: The points of the user's dy/dx table (0, around ln(FLT_MAX) = 88.72, 100, ±1e10).
GRADIENT_POINTS = (0.0, 88.72, 88.73, 100.0, 1e10, -1e10)
SCALES = ("raw", "unit")


def _check_variant(variant: str) -> None:
    if variant not in ACTIVATIONS:
        raise ValueError(f"`variant` must be one of {VARIANTS}. Received: variant={variant!r}")


def build_user_network(
    variant: str, depth: int = 8, width: int = 128, learning_rate: float = 0.01
) -> keras.Model:
    """The user's network: ``depth`` x Dense(width, activation), Dense(10, sigmoid), compiled
    with SGD(learning_rate) and categorical cross-entropy (accuracy metric). Layers are named
    ``hidden_1 .. hidden_<depth>`` and ``output``.

    Note: with the TensorFlow backend, Keras computes categorical cross-entropy on a sigmoid
    output from the sigmoid's logits (``_keras_logits``), as for softmax.
    """
    _check_variant(variant)
    for name, value in (("depth", depth), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"`{name}` must be an integer > 0. Received: {name}={value!r}")
    activation = ACTIVATIONS[variant]
    layers = [keras.Input((784,), name="pixels")]
    layers += [
        keras.layers.Dense(width, activation=activation, name=f"hidden_{i + 1}")
        for i in range(depth)
    ]
    layers.append(keras.layers.Dense(10, activation="sigmoid", name="output"))
    model = keras.Sequential(layers, name=f"user_net_{variant}")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# --------------------------------------------------------------------------- mechanics


def gradient_table(
    points: Sequence[float] = GRADIENT_POINTS, dtype: str = "float32"
) -> pd.DataFrame:
    """dy/dx of every variant at `points` (autodiff, in `dtype`); rows are points."""
    x = tf.constant(np.asarray(points, dtype=dtype))
    table = {}
    for variant, fn in ACTIVATIONS.items():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        table[variant] = tape.gradient(y, x).numpy().astype("float64")
    frame = pd.DataFrame(table, index=pd.Index([float(p) for p in points], name="x"))
    return frame


def preactivation_stats(x_raw: np.ndarray, seed: int, n_samples: int = 1000) -> dict[str, Any]:
    """First-layer (and every hidden layer's) pre-activations of the freshly initialised user
    network on raw 0..255 pixels and on the same pixels / 255 (identical weights).

    Returns ``{"raw": {...}, "unit": {...}}`` with, per scale, ``first_layer`` (a flat array of
    the first layer's pre-activations), ``std``, ``min``, ``max``, ``fraction_above`` (share of
    entries above ln(FLT_MAX)) and ``per_layer_fraction_above`` (hidden layers 1..8, forward
    through the built-in ELU, which has the same forward values as every variant).
    """
    session.seed_everything(seed)
    model = build_user_network("builtin")
    x = np.asarray(x_raw[:n_samples], dtype="float32")
    hidden = [layer for layer in model.layers if layer.name.startswith("hidden_")]
    out: dict[str, Any] = {}
    for scale, inputs in (("raw", x), ("unit", x / 255.0)):
        h = tf.constant(inputs)
        fractions, first = [], None
        for layer in hidden:
            pre = tf.matmul(h, layer.kernel) + layer.bias
            if first is None:
                first = pre.numpy().ravel()
            fractions.append(float(np.mean(pre.numpy() > EXP_OVERFLOW_FLOAT32)))
            h = layer.activation(pre)
        out[scale] = {
            "first_layer": first,
            "std": float(first.std()),
            "min": float(first.min()),
            "max": float(first.max()),
            "fraction_above": float(np.mean(first > EXP_OVERFLOW_FLOAT32)),
            "per_layer_fraction_above": fractions,
        }
    return out


# --------------------------------------------------------------------------- the failure


def reproduce_user_failure(
    x: np.ndarray, y: np.ndarray, seed: int, epochs: int = 5, batch_size: int = 64
) -> dict[str, Any]:
    """The user's run with `naive_elu` on the given (raw) data, twice from the same seed.

    1. plain ``model.fit`` for all epochs, as the user did: per-epoch loss and the fraction of
       weights that are non-finite afterwards;
    2. the same model under `diagnose_fit`, which stops at the first non-finite step.

    Returns ``{"history", "nonfinite_weight_fraction", "report" (a NaNReport), "diagnosed_history"}``.
    """
    session.seed_everything(seed)
    model = build_user_network("naive")
    hist = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    fraction = nonfinite_fraction(model.get_weights())
    session.seed_everything(seed)
    model = build_user_network("naive")
    report, diag_history = diagnose_fit(
        model, x, y, batch_size=batch_size, epochs=epochs, shuffle=True, seed=seed
    )
    return {
        "history": {k: list(map(float, v)) for k, v in hist.history.items()},
        "nonfinite_weight_fraction": fraction,
        "report": report,
        "diagnosed_history": diag_history,
    }


# --------------------------------------------------------------------------- each fix trains


def train_variants(
    data_by_scale: dict[str, tuple[np.ndarray, ...]],
    variants: Sequence[str],
    seeds: Sequence[int],
    epochs: int = 5,
    batch_size: int = 64,
    learning_rate: float = 0.01,
) -> pd.DataFrame:
    """Train the user's network for every variant x scale x seed with plain ``model.fit``.

    `data_by_scale` maps ``"raw"``/``"unit"`` to ``(x_train, y_train, x_test, y_test)`` (flat
    pixels, one-hot labels). Returns one row per (variant, scale, seed, epoch) with the train
    ``loss``/``accuracy`` (running means over the epoch, as Keras logs them), the test
    ``val_loss``/``val_accuracy``, and ``weights_finite``; epoch 0 is the untrained network
    evaluated on both splits.
    """
    rows = []
    for variant in variants:
        _check_variant(variant)
    for scale in data_by_scale:
        if scale not in SCALES:
            raise ValueError(f"`data_by_scale` keys must be in {SCALES}. Received: scale={scale!r}")
    for scale, (x_tr, y_tr, x_te, y_te) in data_by_scale.items():
        for variant in variants:
            for seed in seeds:
                session.seed_everything(seed)
                model = build_user_network(variant, learning_rate=learning_rate)
                loss0, acc0 = model.evaluate(x_tr, y_tr, batch_size=256, verbose=0)
                vloss0, vacc0 = model.evaluate(x_te, y_te, batch_size=256, verbose=0)
                base = {"variant": variant, "scale": scale, "seed": seed}
                rows.append(
                    {
                        **base,
                        "epoch": 0,
                        "loss": loss0,
                        "accuracy": acc0,
                        "val_loss": vloss0,
                        "val_accuracy": vacc0,
                        "weights_finite": True,
                    }
                )
                hist = model.fit(
                    x_tr,
                    y_tr,
                    batch_size=batch_size,
                    epochs=epochs,
                    validation_data=(x_te, y_te),
                    verbose=0,
                ).history
                finite = nonfinite_fraction(model.get_weights()) == 0.0
                for e in range(epochs):
                    rows.append(
                        {
                            **base,
                            "epoch": e + 1,
                            "loss": hist["loss"][e],
                            "accuracy": hist["accuracy"][e],
                            "val_loss": hist["val_loss"][e],
                            "val_accuracy": hist["val_accuracy"][e],
                            "weights_finite": finite if e == epochs - 1 else None,
                        }
                    )
    return pd.DataFrame(rows)


def final_epoch_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per (scale, variant): mean and std over seeds (`session.seed_std`) of the last epoch's
    test accuracy and train loss, the number of seeds whose loss went non-finite, and whether all weights stayed finite."""
    last = curves[curves["epoch"] == curves["epoch"].max()].copy()
    last["loss_nan"] = ~np.isfinite(last["loss"].astype(float))
    grouped = last.groupby(["scale", "variant"], sort=False)
    summary = grouped.agg(
        val_accuracy_mean=("val_accuracy", "mean"),
        val_accuracy_std=("val_accuracy", session.seed_std),
        loss_mean=("loss", "mean"),
        loss_std=("loss", session.seed_std),
        seeds=("seed", "count"),
        seeds_nan=("loss_nan", "sum"),
        weights_finite=("weights_finite", "all"),
    ).reset_index()
    summary["label"] = summary["variant"].map(LABELS)
    return summary


# --------------------------------------------------------------------------- comparisons, figure


def compare_fixes(
    curves: pd.DataFrame, variants: Sequence[str], reference: str = "builtin"
) -> list[dict[str, Any]]:
    """Each variant other than `reference` and the naive one against `reference` (the built-in
    ELU), per input scale: last-epoch test accuracy in percentage points, paired by seed
    (`actlab.stats.compare_records`). A variant with a non-finite accuracy in some seed gets a
    record with ``verdict`` "not comparable" instead (the paired interval needs every seed).
    The raw-pixel records are the headline."""
    from actlab import stats

    last = curves[curves["epoch"] == curves["epoch"].max()]
    out = []
    for scale in dict.fromkeys(last["scale"]):
        sub = last[last["scale"] == scale]
        runs = sub[["variant", "seed", "val_accuracy"]].to_dict(orient="records")
        for v in variants:
            if v in (reference, "naive") or reference not in variants:
                continue
            where = {"raw": "raw pixels", "unit": "pixels / 255"}.get(scale, scale)
            question = f"{LABELS[v]} − {LABELS[reference]}, test accuracy, {where}"
            values = sub[sub["variant"].isin([v, reference])]["val_accuracy"].astype(float)
            if not np.all(np.isfinite(values)):
                out.append(
                    {
                        "question": question,
                        "a": v,
                        "b": reference,
                        "scale": scale,
                        "verdict": "not comparable",
                        "headline": False,
                        "text": "not comparable: a non-finite accuracy in some seed",
                        "short": "not comparable (non-finite)",
                    }
                )
                continue
            res = stats.compare_records(runs, v, reference, value="val_accuracy", scale=100)
            rec = stats.verdict_record(
                res, question, headline=scale == "raw", names=(LABELS[v], LABELS[reference])
            )
            out.append({**rec, "scale": scale})
    return out


def identical_groups(
    curves: pd.DataFrame, scale: str, metric: str, variants: Sequence[str]
) -> list[list[str]]:
    """Variants whose `metric` curves (every seed and epoch) are exactly equal on `scale`, grouped
    in the order of `variants` (a variant alone is a group of one)."""
    groups: list[list[str]] = []
    arrays = {}
    for v in variants:
        sub = curves[(curves["scale"] == scale) & (curves["variant"] == v)].sort_values(
            ["seed", "epoch"]
        )
        arrays[v] = sub[metric].to_numpy(dtype=float)
    for v in variants:
        for group in groups:
            if np.array_equal(arrays[group[0]], arrays[v], equal_nan=True):
                group.append(v)
                break
        else:
            groups.append([v])
    return groups


def plot_training_curves(curves: pd.DataFrame, variants: Sequence[str], n_seeds: int):
    """Train loss and test accuracy (%) per epoch, raw and scaled pixels: mean over seeds with a ±1
    std band. Variants whose curves are exactly identical are drawn once, as one line labelled
    with all their names and "identical", so that no curve hides another; each panel has its
    own legend. Returns ``(figure, {(scale, metric): groups})``."""
    import textwrap

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(14, 11), sharex=True)
    styles = ["-", "--", "-.", ":", (0, (5, 1))]
    all_groups = {}
    for row, (scale, scale_title) in enumerate(
        (("raw", "raw pixels 0..255"), ("unit", "pixels / 255"))
    ):
        for col, (metric, ylabel, factor) in enumerate(
            (
                ("loss", "train loss (cross-entropy)", 1.0),
                ("val_accuracy", "test accuracy (%)", 100.0),
            )
        ):
            ax = axes[row, col]
            groups = identical_groups(curves, scale, metric, variants)
            all_groups[(scale, metric)] = groups
            for g, members in enumerate(groups):
                i = list(variants).index(members[0])
                sub = curves[(curves["scale"] == scale) & (curves["variant"] == members[0])]
                st = sub.groupby("epoch")[metric].agg(["mean", "std"]).astype(float) * factor
                label = " = ".join(LABELS[m] for m in members)
                if len(members) > 1:
                    label += f" ({len(members)} identical curves)"
                label = textwrap.fill(label, 60)
                ax.plot(
                    st.index,
                    st["mean"],
                    marker="os^vD"[i % 5],
                    ms=7,
                    lw=2.2,
                    color=f"C{i}",
                    ls=styles[g % len(styles)],
                    label=label,
                )
                ax.fill_between(
                    st.index,
                    st["mean"] - st["std"].fillna(0),
                    st["mean"] + st["std"].fillna(0),
                    color=f"C{i}",
                    alpha=0.12,
                )
                nan_epochs = st.index[~np.isfinite(st["mean"])]
                if metric == "loss" and len(nan_epochs):
                    ax.text(
                        0.98,
                        0.95 - 0.07 * g,
                        f"{LABELS[members[0]]}: loss NaN from epoch {nan_epochs.min()}",
                        transform=ax.transAxes,
                        ha="right",
                        va="top",
                        color=f"C{i}",
                        fontsize=9,
                    )
            ax.set(
                title=f"{'Train loss' if metric == 'loss' else 'Test accuracy'}, {scale_title}",
                xlabel="epoch (0 = untrained)",
                ylabel=ylabel,
            )
            ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.legend(
                fontsize=8,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.14),
                ncol=2,
                title=f"ELU version ({n_seeds} seed{'s' if n_seeds != 1 else ''}); "
                "identical curves share one line",
                title_fontsize=8,
            )
    fig.tight_layout(h_pad=2.0)
    return fig, all_groups


def people_summary(summary: pd.DataFrame):
    """`final_epoch_summary` for people: test accuracy mean ± std in percent (one decimal, as the
    text), train loss, seeds with a NaN loss, weights finite as ✓/✗."""
    from actlab.collection.tables import for_people

    def acc(r) -> str:
        if r["seeds"] < 2 or not np.isfinite(r["val_accuracy_std"]):
            return f"{100 * r['val_accuracy_mean']:.1f} % (1 seed)"
        return f"{100 * r['val_accuracy_mean']:.1f} ± {100 * r['val_accuracy_std']:.1f} %"

    def loss(r) -> str:
        if not np.isfinite(r["loss_mean"]):
            return "NaN"
        return f"{r['loss_mean']:.4g}" + (
            f" ± {r['loss_std']:.2g}" if r["seeds"] > 1 and np.isfinite(r["loss_std"]) else ""
        )

    frame = pd.DataFrame(
        {
            "inputs": summary["scale"].map({"raw": "raw pixels", "unit": "pixels / 255"}),
            "ELU version": summary["label"],
            "test accuracy": [acc(r) for _, r in summary.iterrows()],
            "train loss": [loss(r) for _, r in summary.iterrows()],
            "seeds": summary["seeds"],
            "seeds with NaN loss": summary["seeds_nan"].astype(int),
            "weights finite": summary["weights_finite"].astype(bool),
        }
    )
    return for_people(frame, caption="Last epoch: mean ± std over seeds")
