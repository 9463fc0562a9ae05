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
from actlab.collection.experiments import any_good
from actlab.diagnostics import diagnose_fit, nonfinite_fraction
from actlab.wording.phrases import HELD_OUT_TEST

__all__ = [
    "ACTIVATIONS",
    "GRADIENT_POINTS",
    "LABELS",
    "VARIANTS",
    "ARM_TARGETS",
    "BASELINE",
    "FIXES",
    "NAIVE",
    "SCALES",
    "VALIDATORS",
    "arms",
    "build_user_network",
    "gradient_table",
    "preactivation_stats",
    "reproduce_user_failure",
    "tasks",
    "unit_questions",
    "user_task",
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


# --------------------------------------------------------------------------- the trial

#: The arms of the trial: name → activation target. The built-in ELU is the baseline; the naive
#: version fails the checkup (its gradient is NaN above ln(FLT_MAX)) and is not trained.
ARM_TARGETS = {
    "built-in ELU": "elu",
    "clamped exponent": "actlab.activations:safe_elu",
    "double where": "actlab.activations:elu_double_where",
    "custom gradient": "actlab.activations:elu_custom_gradient",
    "naive where (user's)": "actlab.activations:naive_elu",
}
BASELINE = "built-in ELU"
NAIVE = "naive where (user's)"
FIXES = ("clamped exponent", "double where", "custom gradient")


def _user_split(
    seed: int,
    *,
    source: str,
    scale: str,
    n_train: int | None,
    n_val: int,
    n_test: int | None,
    held_out_test: bool = False,
):
    """One seed's split of MNIST for the user's network: flat pixels (raw 0..255, or / 255),
    one-hot labels; `n_val` of the training images (stratified) are the validation split."""
    from actlab import data
    from actlab.trials import Split

    test_seed = data.HELD_OUT_TEST_SEED if held_out_test else None
    ds = data.load_mnist(
        source=source, scale=scale, seed=seed, n_train=None, n_test=n_test, test_seed=test_seed
    )
    keep, val = data.stratified_split(ds.y_train, n_val / len(ds.y_train), seed + 7919)
    if n_train is not None:
        keep = keep[data.stratified_subsample(ds.y_train[keep], n_train, seed + 104729)]
    x_train, x_test = ds.flat()
    (y_train, y_test), origin = ds.one_hot(), ds.provenance["origin"]
    pixels = "raw 0..255 pixels" if scale == "raw" else "pixels / 255"
    return Split(
        x_train[keep],
        y_train[keep],
        x_train[val],
        y_train[val],
        x_test,
        y_test,
        f"{origin}, {pixels}; split by seed {seed}: {len(keep)} train / {len(val)} "
        f"validation / {len(y_test)} test" + (HELD_OUT_TEST if held_out_test else ""),
    )


def _build_user(activation, init, depth: int = 8, width: int = 128):
    """`build_user_network`'s layers, for a trial: Dense(width) then the arm's activation,
    `depth` times, then Dense(10, sigmoid)."""
    layers = [keras.Input((784,), name="pixels")]
    for i in range(depth):
        layers += [keras.layers.Dense(width, kernel_initializer=init(i)), activation()]
    layers.append(keras.layers.Dense(10, activation="sigmoid", kernel_initializer=init(depth)))
    return keras.Sequential(layers)


def user_task(
    *,
    scale: str = "raw",
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 5,
    batch_size: int = 64,
    last: int = 3,
    learning_rates=(0.01,),
):
    """The user's network and training (`build_user_network`: 8 × Dense(128), Dense(10,
    sigmoid), SGD, categorical cross-entropy, batch 64, 5 epochs) on one seed's MNIST split, as
    an `actlab.trials.Task`; score: test accuracy in points, the mean of the last `last` epochs."""
    import functools

    from actlab.trials import Task

    if scale not in SCALES:
        raise ValueError(f"`scale` must be one of {SCALES}. Received: scale={scale!r}")
    config = {
        "source": source,
        "scale": scale,
        "n_train": n_train,
        "n_val": n_val,
        "n_test": n_test,
    }
    steps = -(-(n_train or 3000) // batch_size)
    return Task(
        name=scale,
        data=functools.partial(_user_split, **config),
        build=_build_user,
        loss="categorical_crossentropy",
        optimizer="sgd",
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        steps_per_execution=steps,
        learning_rates=tuple(learning_rates),
        config=config,
    )


def arms() -> tuple[list, list]:
    """``(candidates, baselines)``: the fixes and the naive version; the built-in ELU."""
    from actlab.trials import Arm

    candidates = [Arm(n, t) for n, t in ARM_TARGETS.items() if n != BASELINE]
    return candidates, [Arm(BASELINE, ARM_TARGETS[BASELINE])]


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


# --------------------------------------------------------------------------- the trial's readings


def tasks(scales: Sequence[str] = SCALES, **sizes: Any) -> list:
    """`user_task` for each input scale (``"raw"``: pixels 0..255, ``"unit"``: / 255)."""
    return [user_task(scale=scale, **sizes) for scale in scales]


def unit_questions(margin: float) -> list:
    """The exploratory questions on pixels / 255: each fix against the built-in ELU, the same
    equivalence at `margin` points as the headline ones on raw pixels (their own Holm family)."""
    from actlab.trials import Question

    return [
        Question(
            kind="equivalence",
            margin=margin,
            candidate=fix,
            baseline=BASELINE,
            task="unit",
            exploratory=True,
        )
        for fix in FIXES
    ]


def _scales(name: str, value: Any) -> None:
    if not (isinstance(value, list) and value and set(value) <= set(SCALES)):
        session._fail(name, value, f"a non-empty list of {list(SCALES)}")


#: Validators of notebook 03's own parameters (the common ones come from `session`).
VALIDATORS = {
    "learning_rate": session.positive_float,
    "n_preact_samples": session.positive_int,
    "scales": _scales,
    "declared": any_good.declared_between(list(ARM_TARGETS)),
    "jobs": session.optional_positive_int,
}
