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


def _truncation(threshold: float, **kwargs: Any) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in {"threshold": threshold, **kwargs}.items())
    return f"actlab.layers:Truncation({args})"


def variant_targets(threshold: float, threshold_l2: float = 0.1) -> dict[str, str]:
    """variant -> the activation target of its arm (what sits between the conv and tanh)."""
    pact = {"gradient": "clip", "trainable_threshold": True}
    l2 = {"class_name": "L2", "config": {"l2": float(threshold_l2)}}
    return {
        "none": "linear",
        "soft_clip": f"actlab.collection.experiments.truncation:SoftClip(threshold={threshold!r})",
        "clip": _truncation(threshold, gradient="clip"),
        "straight_through": _truncation(threshold, gradient="straight_through"),
        "trainable": _truncation(threshold, **pact),
        "trainable_l2": _truncation(threshold, **pact, threshold_regularizer=l2),
    }


#: The variants, in the order of the tables and figures.
VARIANTS = ("none", "soft_clip", "clip", "straight_through", "trainable", "trainable_l2")


def arms(variants: Sequence[str], threshold: float, threshold_l2: float = 0.1) -> list:
    """One `actlab.trials.Arm` per variant, named by its `SHORT_LABELS` entry."""
    from actlab.trials import Arm

    targets = variant_targets(threshold, threshold_l2)
    return [Arm(SHORT_LABELS[v], targets[v]) for v in variants]


def _build_conv(activation, init, filters: int = 8):
    """The user's block on 28x28 digits plus a linear classifier: Conv2D(filters, 5x5, same,
    no bias) -> [the arm's layer] -> tanh -> AveragePooling2D(5, 2) -> BatchNormalization ->
    Flatten -> Dense(10, softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            keras.layers.Conv2D(
                filters, 5, padding="same", use_bias=False, kernel_initializer=init(0), name="conv"
            ),
            activation(),
            keras.layers.Activation("tanh", name="tanh"),
            keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool"),
            keras.layers.BatchNormalization(name="batch_norm"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(10, activation="softmax", kernel_initializer=init(1)),
        ]
    )


PROBE = 256  # test images on which a run's conv outputs are measured at its end


def conv_shares(pre: np.ndarray, threshold: Any) -> dict[str, float]:
    """Shares of conv outputs `pre` beyond ±T (saturated) and within ±`NEAR_LINEAR`."""
    pre = np.abs(np.asarray(pre))
    return {
        "saturation": float(np.mean(pre > np.asarray(threshold))),
        "near_linear": float(np.mean(pre < NEAR_LINEAR)),
    }


def conv_record(model, split, threshold: float) -> dict[str, Any]:
    """A run's record: the shares of conv outputs saturated (|x| > T, the trained T where
    there is one, else the nominal `threshold`) and nearly linear for tanh on `PROBE` test
    images, and the final T (mean over channels)."""
    t = np.asarray(threshold)
    for layer in model.layers:
        if isinstance(layer, Truncation):
            t = np.asarray(layer.threshold)
    pre = model.get_layer("conv")(split.x_test[:PROBE])
    return {**conv_shares(pre, t), "threshold": float(np.mean(t))}


def initial_shares(task, seed: int, threshold: float) -> dict[str, float]:
    """`conv_shares` of the untrained conv of `seed` (its kernel is the same in every arm:
    common random numbers) on the run's `PROBE` test images."""
    from actlab.trials import Init

    split = task.data(seed)
    conv = keras.layers.Conv2D(
        task.config["filters"], 5, padding="same", use_bias=False, kernel_initializer=Init(seed)(0)
    )
    return conv_shares(conv(split.x_test[:PROBE]), threshold)


def mnist_task(
    threshold: float,
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    filters: int = 8,
    epochs: int = 8,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3,),
):
    """The conv net of `_build_conv` on MNIST (pixels / 255; the embedded 5,000 images split
    by the seed as `actlab.trials.mnist_cnn`'s), Adam; score: test accuracy in points, the mean
    of the last `last` epochs; each run records `conv_record`."""
    import functools

    from actlab.trials import mnist_cnn

    base = mnist_cnn(
        source=source, n_train=n_train, n_val=n_val, n_test=n_test, epochs=epochs, last=last,
        batch_size=batch_size, learning_rates=learning_rates,
    )  # fmt: skip
    steps = max(1, -(-(base.data(0).y_train.size) // batch_size))
    return base.replace(
        name="conv",
        build=functools.partial(_build_conv, filters=int(filters)),
        steps_per_execution=steps,
        config={**base.config, "filters": int(filters), "threshold": float(threshold)},
        record=functools.partial(conv_record, threshold=float(threshold)),
    )


#: Every comparison of the notebook (a − b): the smooth baseline separates "a non-linearity
#: here" (soft_clip − none) from "clipping" (clip − soft_clip).
PAIRS = (
    ("soft_clip", "none"),
    ("clip", "none"),
    ("clip", "soft_clip"),
    ("straight_through", "clip"),
    ("trainable", "clip"),
    ("trainable_l2", "trainable"),
)


def pairs(variants: Sequence[str]) -> list[tuple[str, str]]:
    """The arm-name pairs of `PAIRS` whose two variants both run."""
    return [(SHORT_LABELS[a], SHORT_LABELS[b]) for a, b in PAIRS if a in variants and b in variants]


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
