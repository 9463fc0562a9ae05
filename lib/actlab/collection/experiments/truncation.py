"""Notebook 05: a truncation layer after Conv2D; gradient choices and a trainable threshold.

* `user_model`: the user's model (Input 256x256x1 -> Conv2D -> Truncation -> tanh ->
  AveragePooling2D -> BatchNormalization).
* `IMPLEMENTATIONS`: the truncation as the user's sources wrote it (`clip_by_value`, the
  `K.switch` answer, the `stop_gradient` answer), rewritten as plain `keras.ops` functions
  (no `Lambda`), next to `actlab.activations.truncate` and the `actlab.layers.Truncation` layer.
  `forward_table` and `input_gradients` compare their outputs and their dy/dx.
* `train_variants`: a small conv net on MNIST with no truncation, a smooth saturation at the
  same scale (`SoftClip`, T·tanh(x/T): "a non-linearity here" without clipping), a fixed threshold
  with the clip or the straight-through gradient, and a trainable (PACT) threshold with and
  without L2, over seeds; per epoch it records accuracy, the fraction of saturated conv outputs,
  the fraction where tanh is nearly linear, and the threshold.
* `pairwise`: paired comparisons of final test accuracy (`actlab.stats.compare_records`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
from keras import ops

from actlab import autodiff
from actlab.activations.truncation import truncate
from actlab.collection import session
from actlab.layers.truncation import Truncation

__all__ = [
    "IMPLEMENTATIONS",
    "VARIANTS",
    "clip_by_value_truncate",
    "switch_truncate",
    "stop_gradient_truncate",
    "user_model",
    "forward_table",
    "input_gradients",
    "threshold_gradients",
    "build_mnist_model",
    "SaturationTracker",
    "train_variants",
    "curves_frame",
    "summary_table",
    "gradient_summary",
    "plot_gradients",
    "plot_curves",
    "LABELS",
    "pairwise",
    "SoftClip",
    "NEAR_LINEAR",
    "PAIRS",
    "people_summary",
]


# --------------------------------------------------------------------------- implementations


def clip_by_value_truncate(x, threshold):
    """`tf.clip_by_value(x, -T, T)` (via `keras.ops.clip`, which calls it on TensorFlow)."""
    return ops.clip(x, -threshold, threshold)


def switch_truncate(x, threshold):
    """Answer 2: `K.switch(x > T, T, K.switch(x < -T, -T, x))`, with `keras.ops.where`."""
    t = ops.cast(threshold, x.dtype)
    return ops.where(x > t, t * ops.ones_like(x), ops.where(x < -t, -t * ops.ones_like(x), x))


def stop_gradient_truncate(x, threshold):
    """Answer 1: `x + stop_gradient(clip_by_value(x, -T, T) - x)`, verbatim."""
    return x + ops.stop_gradient(ops.clip(x, -threshold, threshold) - x)


def _layer_fn(gradient: str) -> Callable:
    def fn(x, threshold):
        return Truncation(
            threshold=float(threshold),
            gradient=gradient,
            dtype=keras.backend.standardize_dtype(x.dtype),
        )(x)

    return fn


#: name -> f(x, T). The first is the reference every other one is compared with.
IMPLEMENTATIONS: dict[str, Callable] = {
    "tf.clip_by_value": clip_by_value_truncate,
    "switch (answer 2)": switch_truncate,
    "stop_gradient (answer 1)": stop_gradient_truncate,
    "lib truncate, clip": lambda x, t: truncate(x, t, "clip"),
    "lib truncate, straight_through": lambda x, t: truncate(x, t, "straight_through"),
    "lib Truncation layer, clip": _layer_fn("clip"),
    "lib Truncation layer, straight_through": _layer_fn("straight_through"),
}


def user_model(
    threshold: float = 1.0,
    gradient: str = "clip",
    trainable_threshold: bool = False,
    input_shape: tuple[int, int, int] = (256, 256, 1),
) -> keras.Model:
    """Input(256,256,1) -> Conv2D(8, 5x5, same, stride 1, no bias) -> Truncation -> tanh
    -> AveragePooling2D(5, strides 2) -> BatchNormalization, exactly as the user described."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = keras.layers.Conv2D(8, (5, 5), strides=1, padding="same", use_bias=False, name="conv")(
        inputs
    )
    x = Truncation(
        threshold=threshold,
        gradient=gradient,
        trainable_threshold=trainable_threshold,
        name="truncation",
    )(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool")(x)
    outputs = keras.layers.BatchNormalization(name="batch_norm")(x)
    return keras.Model(inputs, outputs, name="user_model")


def forward_table(x: np.ndarray, threshold: float) -> pd.DataFrame:
    """Each implementation's output on `x` against `tf.clip_by_value`'s: elements that differ
    (bitwise) and the largest absolute difference."""
    xt = ops.convert_to_tensor(x)
    names = list(IMPLEMENTATIONS)
    reference = np.asarray(IMPLEMENTATIONS[names[0]](xt, threshold))
    rows = []
    for name in names:
        y = np.asarray(IMPLEMENTATIONS[name](xt, threshold))
        with np.errstate(invalid="ignore"):
            diff = np.abs(y.astype("float64") - reference.astype("float64"))
        rows.append(
            {
                "implementation": name,
                "elements": y.size,
                "differing elements": int(
                    np.sum(~((y == reference) | (np.isnan(y) & np.isnan(reference))))
                ),
                "max |difference|": float(np.nanmax(diff))
                if np.isfinite(diff).any()
                else float("nan"),
                "identical": bool(np.array_equal(y, reference, equal_nan=True)),
            }
        )
    return pd.DataFrame(rows)


def input_gradients(
    threshold: float, n: int = 601, dtype: str = "float32"
) -> tuple[np.ndarray, dict]:
    """dy/dx of every implementation on a grid over [-3T, 3T] that contains -T, 0 and T exactly.

    Returns `(x, {name: dy/dx})`."""
    x = np.linspace(-3 * threshold, 3 * threshold, n).astype(dtype)
    x[np.argmin(np.abs(x + threshold))] = -threshold
    x[np.argmin(np.abs(x - threshold))] = threshold
    x[np.argmin(np.abs(x))] = 0.0
    grads = {}
    for name, fn in IMPLEMENTATIONS.items():
        grads[name] = autodiff.elementwise_grad(lambda t, fn=fn: fn(t, threshold), x)
    return x, grads


def threshold_gradients(x: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """dy_i/dT for each element `x_i` (the PACT gradient), for both modes of `truncate`."""
    x = np.asarray(x)
    out = {}
    for gradient in ("clip", "straight_through"):
        # y_i depends on T only through its own element: with one T per element (broadcast
        # from the scalar), the gradient of sum(y) with respect to that T vector is dy_i/dT.
        t = np.full(x.shape, threshold, dtype=x.dtype)
        out[gradient] = autodiff.vjp(lambda xt, tt, g=gradient: truncate(xt, tt, g), [x, t])[1][1]
    return out


# --------------------------------------------------------------------------- MNIST training


def _near_linear_limit(tolerance: float = 0.02) -> float:
    """The x where tanh(x) = (1 − tolerance)·x: below it tanh is within `tolerance` of linear."""
    lo, hi = 1e-6, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.tanh(mid) / mid > 1 - tolerance else (lo, mid)
    return 0.5 * (lo + hi)


#: |x| below this: tanh(x) is within 2 % of x (tanh(x) ≥ 0.98·x), i.e. tanh is nearly linear.
NEAR_LINEAR = _near_linear_limit()


@keras.saving.register_keras_serializable(package="actlab.collection.experiments")
class SoftClip(keras.layers.Layer):
    """A smooth saturation at the truncation's scale, the baseline that separates "a
    non-linearity here" from "clipping": ``T·tanh(x/T)`` (slope 1 at 0, tends to ±T, no kink).

    Args:
        threshold: T, a positive number (fixed, not trained).
    """

    def __init__(self, threshold: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not np.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(
                f"`threshold` must be a positive number. Received: threshold={threshold!r}"
            )
        self.threshold = float(threshold)

    def call(self, inputs):
        return self.threshold * ops.tanh(inputs / self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


#: variant -> Truncation keyword arguments (None: no truncation layer; "soft": `SoftClip`).
VARIANTS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "soft_clip": {"soft": True},
    "clip": {"gradient": "clip"},
    "straight_through": {"gradient": "straight_through"},
    "trainable": {"gradient": "clip", "trainable_threshold": True},
    "trainable_l2": {"gradient": "clip", "trainable_threshold": True, "l2": True},
}


def build_mnist_model(
    variant: str,
    threshold: float,
    threshold_l2: float = 0.1,
    filters: int = 8,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """The user's block on 28x28 MNIST plus a linear classifier:
    Conv2D(filters, 5x5, same, no bias) -> [Truncation or SoftClip] -> tanh -> AveragePooling2D(5, 2)
    -> BatchNormalization -> Flatten -> Dense(10, softmax). Compiled with Adam."""
    if variant not in VARIANTS:
        raise ValueError(
            f"`variant` must be one of {list(VARIANTS)}. Received: variant={variant!r}"
        )
    spec = VARIANTS[variant]
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = keras.layers.Conv2D(filters, 5, padding="same", use_bias=False, name="conv")(inputs)
    if spec is not None and spec.get("soft"):
        x = SoftClip(threshold, name="soft_clip")(x)
    elif spec is not None:
        kwargs = {k: v for k, v in spec.items() if k != "l2"}
        if spec.get("l2"):
            kwargs["threshold_regularizer"] = keras.regularizers.L2(threshold_l2)
        x = Truncation(threshold=threshold, name="truncation", **kwargs)(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool")(x)
    x = keras.layers.BatchNormalization(name="batch_norm")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="classifier")(x)
    model = keras.Model(inputs, outputs, name=f"mnist_{variant}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class SaturationTracker(keras.callbacks.Callback):
    """Before training and after every epoch: the fraction of conv outputs with |x| > T on a
    fixed probe batch (for the models without a Truncation layer, T is the nominal threshold),
    the fraction with |x| < `NEAR_LINEAR` (where tanh is within 2 % of linear), and T itself
    (mean over channels if per-channel)."""

    def __init__(self, probe: np.ndarray, nominal_threshold: float):
        super().__init__()
        self.probe = probe
        self.nominal_threshold = nominal_threshold
        self.saturation: list[float] = []
        self.threshold: list[float] = []
        self.near_linear: list[float] = []

    def _record(self) -> None:
        conv = self.model.get_layer("conv")
        pre = np.asarray(conv(self.probe))
        try:
            t = np.asarray(self.model.get_layer("truncation").threshold)
        except ValueError:
            t = np.asarray(self.nominal_threshold)
        self.saturation.append(float(np.mean(np.abs(pre) > t)))
        self.near_linear.append(float(np.mean(np.abs(pre) < NEAR_LINEAR)))
        self.threshold.append(float(np.mean(t)))

    def on_train_begin(self, logs=None):
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()


def train_variants(
    ds,
    variants: Sequence[str],
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
    threshold: float,
    threshold_l2: float = 0.1,
    filters: int = 8,
    learning_rate: float = 1e-3,
    probe_size: int = 256,
    verbose: bool = True,
) -> list[dict[str, Any]]:
    """Train every variant for every seed (seeded before each model); one record per run with
    per-epoch curves (index 0 of `saturation` and `threshold` is before training)."""
    x_train, x_test = ds.images()
    probe = x_test[:probe_size]
    records = []
    for variant in variants:
        for seed in seeds:
            session.seed_everything(seed)
            model = build_mnist_model(variant, threshold, threshold_l2, filters, learning_rate)
            tracker = SaturationTracker(probe, threshold)
            start = time.time()
            hist = model.fit(
                x_train,
                ds.y_train,
                validation_data=(x_test, ds.y_test),
                epochs=epochs,
                batch_size=batch_size,
                verbose=0,
                callbacks=[tracker],
            )
            record = {
                "variant": variant,
                "seed": seed,
                "train_accuracy": hist.history["accuracy"],
                "test_accuracy": hist.history["val_accuracy"],
                "train_loss": hist.history["loss"],
                "saturation": tracker.saturation,
                "near_linear": tracker.near_linear,
                "threshold": tracker.threshold,
                "final_test_accuracy": hist.history["val_accuracy"][-1],
                "wall_time_s": time.time() - start,
            }
            records.append(record)
            if verbose:
                print(
                    f"{variant:>17} seed {seed}: test accuracy {record['final_test_accuracy']:.4f}, "
                    f"saturated {record['saturation'][0]:.3f} -> {record['saturation'][-1]:.3f}, "
                    f"T {record['threshold'][0]:.3f} -> {record['threshold'][-1]:.3f} "
                    f"({record['wall_time_s']:.1f} s)",
                    flush=True,
                )
    return records


def curves_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table: one row per (variant, seed, epoch); epoch 0 is before training (no accuracy)."""
    rows = []
    for r in records:
        for epoch in range(len(r["saturation"])):
            rows.append(
                {
                    "variant": r["variant"],
                    "seed": r["seed"],
                    "epoch": epoch,
                    "test_accuracy": r["test_accuracy"][epoch - 1] if epoch else np.nan,
                    "train_accuracy": r["train_accuracy"][epoch - 1] if epoch else np.nan,
                    "saturation": r["saturation"][epoch],
                    "threshold": r["threshold"][epoch],
                }
            )
    return pd.DataFrame(rows)


def summary_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Per variant: final test accuracy, saturated fraction and threshold, mean and std over seeds
    (std with ddof=1; NaN for one seed)."""
    frame = pd.DataFrame(
        [
            {
                "variant": r["variant"],
                "test_accuracy": r["final_test_accuracy"],
                "saturation_start": r["saturation"][0],
                "saturation_end": r["saturation"][-1],
                "near_linear_end": r["near_linear"][-1],
                "threshold_end": r["threshold"][-1],
            }
            for r in records
        ]
    )
    order = list(dict.fromkeys(frame["variant"]))
    table = frame.groupby("variant", sort=False).agg(["mean", "std"]).reindex(order)
    table.columns = [f"{a}_{b}" for a, b in table.columns]
    table.insert(0, "seeds", frame.groupby("variant", sort=False).size().reindex(order))
    return table


def gradient_summary(x: np.ndarray, grads: dict[str, np.ndarray], threshold: float) -> pd.DataFrame:
    """Per implementation: dy/dx strictly inside, strictly outside, and exactly at -T and +T
    (inside/outside as the set of values the gradient takes there)."""
    inside, outside = np.abs(x) < threshold, np.abs(x) > threshold
    at_minus, at_plus = np.flatnonzero(x == -threshold), np.flatnonzero(x == threshold)
    rows = []
    for name, g in grads.items():
        rows.append(
            {
                "implementation": name,
                "dy/dx inside": sorted(set(np.unique(g[inside]).tolist())),
                "dy/dx outside": sorted(set(np.unique(g[outside]).tolist())),
                "dy/dx at -T": float(g[at_minus[0]]),
                "dy/dx at +T": float(g[at_plus[0]]),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figures


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


#: Short names for verdict sentences ("clip higher").
SHORT_LABELS = {
    "none": "no truncation",
    "soft_clip": "smooth",
    "clip": "clip",
    "straight_through": "straight-through",
    "trainable": "PACT",
    "trainable_l2": "PACT + L2",
}
LABELS = {
    "none": "no truncation",
    "soft_clip": "smooth T·tanh(x/T), no clip",
    "clip": "fixed T, clip gradient",
    "straight_through": "fixed T, straight-through",
    "trainable": "trainable T (PACT)",
    "trainable_l2": "trainable T (PACT) + L2",
}


def plot_curves(
    frame: pd.DataFrame,
    column: str,
    ylabel: str,
    title: str,
    variants: Sequence[str] | None = None,
    start_epoch: int = 0,
    scale: float = 1.0,
):
    """Mean over seeds per epoch (band: ± one std when there are several seeds); `scale`
    multiplies the values (100: fractions as percent)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for variant in variants or list(dict.fromkeys(frame["variant"])):
        sub = frame[(frame["variant"] == variant) & (frame["epoch"] >= start_epoch)]
        stats = sub.groupby("epoch")[column].agg(["mean", "std"]) * scale
        k = (
            list(VARIANTS).index(variant) if variant in VARIANTS else 0
        )  # same style in every figure
        (line,) = ax.plot(
            stats.index,
            stats["mean"],
            marker="os^Dv*"[k % 6],
            ms=4,
            color=f"C{k}",
            label=LABELS.get(variant, variant),
        )
        if sub["seed"].nunique() > 1:
            ax.fill_between(
                stats.index,
                stats["mean"] - stats["std"],
                stats["mean"] + stats["std"],
                color=line.get_color(),
                alpha=0.15,
            )
    ax.set(
        title=title,
        xlabel="epoch (0 = before training)" if start_epoch == 0 else "epoch",
        ylabel=ylabel,
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


#: The declared comparisons of notebook 05 (a − b): the smooth baseline separates "a non-linearity
#: here" (soft_clip − none) from "clipping" (clip − soft_clip).
PAIRS = (
    ("soft_clip", "none"),
    ("clip", "none"),
    ("clip", "soft_clip"),
    ("straight_through", "clip"),
    ("trainable", "clip"),
    ("trainable_l2", "trainable"),
)


def pairwise(
    records: Sequence[dict[str, Any]],
    pairs: Sequence[tuple[str, str]] = PAIRS,
    headline: Sequence[tuple[str, str]] = (("clip", "soft_clip"), ("soft_clip", "none")),
):
    """Final test accuracy of `a` minus `b` in percentage points, paired by seed, for each pair
    whose variants were both run: `actlab.stats.compare_records` (95 % paired t interval, verdict
    from the interval alone). Returns ``(table, verdict_records)``; the table has one row per pair
    (a, b, mean_diff, ci_low, ci_high, verdict, seeds_needed, text)."""
    from actlab import stats

    present = {r["variant"] for r in records}
    rows, verdicts = [], []
    for a, b in pairs:
        if a not in present or b not in present:
            continue
        result = stats.compare_records(records, a, b, value="final_test_accuracy", scale=100)
        rec = stats.verdict_record(
            result,
            f"{LABELS[a]} − {LABELS[b]}, test accuracy",
            headline=(a, b) in set(headline),
            names=(SHORT_LABELS[a], SHORT_LABELS[b]),
        )
        verdicts.append(rec)
        rows.append(
            {
                "a": a,
                "b": b,
                **{
                    k: rec[k]
                    for k in (
                        "n",
                        "mean_diff",
                        "ci_low",
                        "ci_high",
                        "verdict",
                        "seeds_needed",
                        "text",
                    )
                },
            }
        )
    columns = ["a", "b", "n", "mean_diff", "ci_low", "ci_high", "verdict", "seeds_needed", "text"]
    return pd.DataFrame(rows, columns=columns), verdicts


def people_summary(records: Sequence[dict[str, Any]]):
    """The per-variant summary for people (`actlab.collection.tables.for_people`): test accuracy mean ± std in
    percent (two decimals, as the text), saturated and nearly-linear shares, final T, seeds."""
    from actlab import stats
    from actlab.collection.tables import for_people

    rows = []
    for variant in dict.fromkeys(r["variant"] for r in records):
        rs = [r for r in records if r["variant"] == variant]
        rows.append(
            {
                "variant": LABELS.get(variant, variant),
                "test accuracy": stats.format_mean_std(
                    [r["final_test_accuracy"] for r in rs], decimals=2, unit="%", scale=100
                ),
                "|x| > T, start → end": (
                    f"{100 * np.mean([r['saturation'][0] for r in rs]):.1f} % → "
                    f"{100 * np.mean([r['saturation'][-1] for r in rs]):.1f} %"
                ),
                "tanh nearly linear (end)": np.mean([r["near_linear"][-1] for r in rs]),
                "T at the end": f"{np.mean([r['threshold'][-1] for r in rs]):.3f}",
                "seeds": len(rs),
            }
        )
    return for_people(
        pd.DataFrame(rows),
        percent_columns=["tanh nearly linear (end)"],
        caption="Final epoch, mean over seeds; conv outputs on 256 fixed test images",
    )
