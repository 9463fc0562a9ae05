"""Notebook 05's truncations as the user's sources wrote them (`IMPLEMENTATIONS`), the user's
model (`user_model`), and how their outputs and gradients compare (`forward_table`,
`input_gradients`, `threshold_gradients`, `gradient_summary`)."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import pandas as pd
from keras import ops

from actlab import autodiff
from actlab.activations.truncation import truncate
from actlab.layers.truncation import Truncation


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
