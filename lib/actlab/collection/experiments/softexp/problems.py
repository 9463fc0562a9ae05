"""Notebook 02's tasks and per-run records: x·y extrapolation (`xy_task`), sin x extrapolation
(`sin_task`: one hidden layer, trained on [−2π, 2π]), MNIST (`tasks`), and the paper's
hand-built x·y network (`exact_product`).

The tasks and their records decide a run's numbers, so the trial cache keys on this module
(editing the figures or the tables retrains nothing)."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actlab.trials import Split, Task, build_regressor, log_mse_task, mnist_mlp


def product_data(n: int, low: float, high: float, rng: np.random.Generator) -> tuple:
    """`n` pairs (x, y) uniform in [low, high]², target x·y (float32)."""
    xy = rng.uniform(low, high, size=(n, 2)).astype("float32")
    return xy, (xy[:, :1] * xy[:, 1:]).astype("float32")


def exact_product_model():
    """The paper's hand-built network: exp(ln x + ln y) with α = −1 then α = 1 (frozen)."""
    import keras

    from actlab.layers.softexp import SoftExponential

    inputs = keras.Input((2,))
    h = SoftExponential(
        alpha_initializer=keras.initializers.Constant(-1.0), trainable=False, name="log"
    )(inputs)
    h = keras.layers.Dense(
        1, kernel_initializer="ones", use_bias=False, trainable=False, name="sum"
    )(h)
    out = SoftExponential(
        alpha_initializer=keras.initializers.Constant(1.0), trainable=False, name="exp"
    )(h)
    return keras.Model(inputs, out, name="exact_product")


def exact_product(task: Task, seeds: Sequence[int]) -> dict[str, Any]:
    """The hand-built network on each seed's x·y split: the MSE in range (validation pairs) and
    on the extrapolation square (test pairs), the largest over seeds, and its diagonal."""
    model = exact_product_model()

    def mse(x, y):
        return float(np.mean((np.asarray(model(x), dtype="float64") - y) ** 2))

    splits = [task.data(seed) for seed in seeds]
    return {
        "mse_in_range": max(mse(s.x_val, s.y_val) for s in splits),
        "mse_extrapolation": max(mse(s.x_test, s.y_test) for s in splits),
        "diagonal": _predict(model, np.c_[DIAGONAL, DIAGONAL]),
    }


def _xy_split(
    seed: int, *, n_train: int, n_val: int, n_test: int, train_range: tuple, test_range: tuple
) -> Split:
    rng = np.random.default_rng([seed, 22])
    x_train, y_train = product_data(n_train, *train_range, rng)
    x_val, y_val = product_data(n_val, *train_range, rng)
    x_test, y_test = product_data(n_test, *test_range, rng)
    lo, hi = train_range
    return Split(
        x_train,
        y_train,
        x_val,
        y_val,
        x_test,
        y_test,
        f"x·y: {n_train} train / {n_val} validation pairs uniform on [{lo:g}, {hi:g}]², "
        f"{n_test} test pairs on [{test_range[0]:g}, {test_range[1]:g}]² (extrapolation); "
        f"drawn by seed {seed}",
    )


#: Where the figures look at a trained network: the diagonal x = y = t (target t²) and sin x.
DIAGONAL = np.linspace(0.1, 4.0, 80).astype("float32")
SIN_GRID = np.linspace(0.0, 4 * math.pi, 160).astype("float32")


def _alphas(model) -> dict[str, list[float]]:
    from actlab.layers.softexp import ComplexSoftExponential, SoftExponential

    out = {}
    for i, layer in enumerate(
        layer
        for layer in model.layers
        if isinstance(layer, SoftExponential | ComplexSoftExponential)
    ):
        for w in layer.weights:
            out[f"act_{i + 1}/{w.name}"] = np.asarray(w).ravel().astype("float64").tolist()
    return out


def alpha_record(model, split) -> dict[str, Any]:
    """A run's record: the final α of every soft exponential unit (empty for ReLU)."""
    return {"alpha": _alphas(model)}


def _predict(model, x: np.ndarray) -> list[float]:
    return np.asarray(model(x, training=False), dtype="float64").ravel().tolist()


def xy_record(model, split) -> dict[str, Any]:
    """The final α and the prediction on the diagonal x = y = t (`DIAGONAL`)."""
    return {**alpha_record(model, split), "diagonal": _predict(model, np.c_[DIAGONAL, DIAGONAL])}


def sin_record(model, split) -> dict[str, Any]:
    """The final α and the prediction on [0, 4π] (`SIN_GRID`)."""
    return {**alpha_record(model, split), "prediction": _predict(model, SIN_GRID[:, None])}


def xy_task(
    *,
    n_train: int = 256,
    n_val: int = 128,
    n_test: int = 256,
    hidden: int = 4,
    epochs: int = 5,
    passes: int = 40,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (1e-2,),
) -> Task:
    """x·y: Dense(hidden) → act → Dense(hidden) → act → Dense(1), Adam, MSE; trained on
    [0.1, 2]², validated there, tested on [2, 4]² (extrapolation). Score: test MSE on a log10
    scale, the mean of the last epochs (one epoch is `passes` passes)."""
    config = {
        "n_train": n_train,
        "n_val": n_val,
        "n_test": n_test,
        "train_range": (0.1, 2.0),
        "test_range": (2.0, 4.0),
    }
    steps = max(1, -(-n_train // batch_size)) * passes
    return log_mse_task(
        name="xy",
        data=functools.partial(_xy_split, **config),
        build=functools.partial(build_regressor, units=(int(hidden), int(hidden)), inputs=2),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        steps_per_execution=steps,
        learning_rates=tuple(learning_rates),
        config={**config, "hidden": hidden},
        record=xy_record,
    )


def _sin_split(seed: int, *, n_train: int, n_val: int, n_test: int) -> Split:
    rng = np.random.default_rng([seed, 23])
    x = rng.uniform(-2 * math.pi, 2 * math.pi, size=(n_train + n_val, 1)).astype("float32")
    x_test = rng.uniform(2 * math.pi, 4 * math.pi, size=(n_test, 1)).astype("float32")
    return Split(
        x[:n_train],
        np.sin(x[:n_train]),
        x[n_train:],
        np.sin(x[n_train:]),
        x_test,
        np.sin(x_test),
        f"sin x: {n_train} train / {n_val} validation points uniform on [−2π, 2π], {n_test} "
        f"test points on [2π, 4π] (extrapolation); drawn by seed {seed}",
    )


def sin_task(
    *,
    n_train: int = 256,
    n_val: int = 128,
    n_test: int = 256,
    hidden: int = 8,
    epochs: int = 5,
    passes: int = 40,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (1e-2,),
) -> Task:
    """sin x: Dense(hidden) → act → Dense(1), Adam, MSE; trained on two periods, [−2π, 2π],
    validated there, tested on [2π, 4π] (extrapolation): one complex unit with α = i computes
    sin x exactly. Score: test MSE on a log10 scale, the mean of the last epochs."""
    config = {"n_train": n_train, "n_val": n_val, "n_test": n_test}
    steps = max(1, -(-n_train // batch_size)) * passes
    return log_mse_task(
        name="sin",
        data=functools.partial(_sin_split, **config),
        build=functools.partial(build_regressor, units=(int(hidden),), inputs=1),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        steps_per_execution=steps,
        learning_rates=tuple(learning_rates),
        config={**config, "hidden": hidden, "train_range": "[−2π, 2π]", "test_range": "[2π, 4π]"},
        record=sin_record,
    )


def tasks(sizes: Mapping[str, Mapping[str, Any]], rates: Mapping[str, Sequence[float]]) -> list:
    """The three tasks with the parameters cell's sizes and learning-rate grids: `xy_task`,
    `sin_task` and `actlab.trials.mnist_mlp` with one hidden layer of 64 (the complex form
    hands twice that width to the classifier)."""
    xy = xy_task(**{**sizes.get("xy", {}), "learning_rates": rates["xy"]})
    sin = sin_task(**{**sizes.get("sin", {}), "learning_rates": rates["sin"]})
    mnist = mnist_mlp(
        **{"units": (64,), **sizes.get("mnist", {}), "learning_rates": rates["mnist"]}
    )
    steps = -(-(mnist.config["n_train"] or 3000) // mnist.batch_size)
    mnist = mnist.replace(name="mnist", record=alpha_record, steps_per_execution=steps)
    return [xy, sin, mnist]
