"""Tasks: what a trial trains every arm on. A `Task` is a small object a user can write.

A task says how to get the data for a seed (a `Split`: train, a validation split carved from the
training data, test; a new split per seed, so the test set's variance is in the interval), how
to build the model around an activation, the loss, the metrics evaluated on validation and test
after every epoch, the declared score (which metric, averaged over the last k epochs), the
training length, the batch size and the learning-rate grid.

The model builder is called as ``build(activation, init, **options)``: `activation()` returns a
fresh activation layer for each place it is used, and ``init(i)`` a Keras initializer seeded by
(seed, i), so that every layer that does not depend on the activation starts from the same
weights in every arm (common random numbers), whatever the activation draws at random itself.
`options` are the arm's model options (e.g. a width).

Shipped: `mnist_mlp`, `mnist_cnn` (the embedded 5,000 MNIST images by default) and
`sin_extrapolation` (fit sin x on [0, 2π], test on [2π, 4π], mean squared error).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab._util import is_int

__all__ = [
    "Split",
    "Task",
    "Init",
    "TASKS",
    "get_task",
    "mnist_mlp",
    "mnist_cnn",
    "sin_extrapolation",
    "log_mse_task",
    "build_regressor",
]


@dataclass(frozen=True, eq=False)
class Split:
    """One seed's data: train, validation (carved from the training data) and test arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str = ""


class Init:
    """Seeded initializers per layer index: ``init(i)`` is `kind` (Glorot uniform by default)
    with a seed drawn from (run seed, i), the same in every arm and independent of the global
    random stream."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def seed_for(self, index: int) -> int:
        return int(np.random.SeedSequence([self.seed, int(index)]).generate_state(1)[0] >> 1)

    def __call__(self, index: int, kind: str = "glorot_uniform"):
        import keras

        return keras.initializers.get(
            {"class_name": kind, "config": {"seed": self.seed_for(index)}}
        )


@dataclass(frozen=True)
class Task:
    """A training task for `run_trial`.

    Args:
        name: short name (a column of the tables; ``"mlp"``).
        data: ``data(seed) -> Split``; a new split per seed.
        build: ``build(activation, init, **options) -> keras.Model`` (uncompiled), see the module
            docstring.
        loss: a Keras loss (name or object).
        metrics: Keras metric names compiled with the model; the loss is always recorded too.
        score: the declared metric (``"accuracy"``, ``"loss"``, ...), averaged over the last
            `last` epochs of each run: validation for choosing the learning rate, test for the
            comparisons. It never selects an epoch.
        higher_is_better: False for a loss or an error.
        scale: multiplies the score (100: a fraction becomes percentage points).
        unit: the unit of the scaled score, for sentences (``"points"``).
        log10: compare log10 of the score (heavy-tailed positive metrics such as an MSE); the
            differences are then in decades (ratios of geometric means).
        epochs, batch_size, last: training length, batch size and k of the score.
        passes: data passes per epoch (many short passes between evaluations for small data).
        steps_per_execution: training steps per compiled call (Keras's `compile` argument): the
            same steps in the same order, so the same numbers, with less Python overhead per
            step, which dominates small models; a callback's per-batch hooks then run once per
            call.
        learning_rates: the grid each arm's learning rate is chosen from, on validation.
        optimizer: a Keras optimizer name (built with the learning rate).
        config: anything else that decides the results (data sizes, widths), for the cache key
            and the record.
        record: optional ``record(model, split) -> dict`` called at the end of every run; its
            JSON-able result is the run's ``record`` column (e.g. a learned activation's
            parameters, a prediction on a grid for a figure).
    """

    name: str
    data: Callable[[int], Split]
    build: Callable[..., Any]
    loss: Any = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    score: str = "accuracy"
    higher_is_better: bool = True
    scale: float = 100.0
    unit: str = "points"
    log10: bool = False
    epochs: int = 6
    batch_size: int = 64
    last: int = 3
    passes: int = 1
    steps_per_execution: int = 1
    learning_rates: tuple[float, ...] = (1e-3,)
    optimizer: str = "adam"
    config: Mapping[str, Any] = field(default_factory=dict)
    record: Callable[[Any, Split], Any] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"`name` must be a non-empty string. Received: name={self.name!r}")
        for arg in ("data", "build"):
            if not callable(getattr(self, arg)):
                raise ValueError(
                    f"`{arg}` must be callable. Received: {arg}={getattr(self, arg)!r}"
                )
        for arg in ("epochs", "batch_size", "last", "passes", "steps_per_execution"):
            value = getattr(self, arg)
            if not is_int(value) or value < 1:
                raise ValueError(f"`{arg}` must be an integer >= 1. Received: {arg}={value!r}")
        if self.last > self.epochs:
            raise ValueError(
                f"`last` must be at most `epochs` ({self.epochs}). Received: last={self.last!r}"
            )
        object.__setattr__(
            self, "learning_rates", check_learning_rates(self.learning_rates, "learning_rates")
        )
        if self.score != "loss" and self.score not in self.metrics:
            raise ValueError(
                f"`score` must be 'loss' or one of `metrics` {tuple(self.metrics)}. "
                f"Received: score={self.score!r}"
            )
        object.__setattr__(self, "metrics", tuple(self.metrics))

    def replace(self, **changes) -> Task:
        """A copy with some fields changed (checked again), e.g. ``task.replace(epochs=2)``."""
        import dataclasses

        if "epochs" in changes and "last" not in changes:
            changes["last"] = min(self.last, changes["epochs"])
        return dataclasses.replace(self, **changes)


def check_learning_rates(values: Any, name: str) -> tuple[float, ...]:
    if isinstance(values, int | float):
        values = (values,)
    try:
        rates = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        rates = ()
    if (
        not rates
        or any(not (math.isfinite(r) and r > 0) for r in rates)
        or len(set(rates)) < len(rates)
    ):
        raise ValueError(
            f"`{name}` must be a non-empty sequence of distinct positive numbers. "
            f"Received: {name}={values!r}"
        )
    return rates


# --------------------------------------------------------------------------- MNIST
def _mnist_split(
    seed: int,
    *,
    flat: bool,
    source: str,
    n_train: int | None,
    n_val: int,
    n_test: int | None,
) -> Split:
    from actlab import data

    ds = data.load_mnist(source=source, seed=seed, n_train=None, n_test=n_test)
    keep, val = data.stratified_split(ds.y_train, n_val / len(ds.y_train), seed + 7919)
    if n_train is not None:
        keep = keep[data.stratified_subsample(ds.y_train[keep], n_train, seed + 104729)]
    x_train, x_test = ds.x_train, ds.x_test
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    return Split(
        x_train[keep].reshape(shape),
        ds.y_train[keep],
        x_train[val].reshape(shape),
        ds.y_train[val],
        x_test.reshape(shape),
        ds.y_test,
        f"{ds.provenance['origin']}; split by seed {seed}: {len(keep)} train / {len(val)} "
        f"validation / {len(ds.y_test)} test",
    )


def _build_mlp(activation, init, units: Sequence[int] = (128, 64)):
    import keras

    layers = [keras.Input((784,))]
    for i, width in enumerate(units):
        layers += [keras.layers.Dense(int(width), kernel_initializer=init(i)), activation()]
    layers.append(keras.layers.Dense(10, activation="softmax", kernel_initializer=init(len(units))))
    return keras.Sequential(layers)


def _build_cnn(activation, init, filters: Sequence[int] = (8, 16)):
    import keras

    layers = [keras.Input((28, 28, 1))]
    for i, width in enumerate(filters):
        layers += [
            keras.layers.Conv2D(int(width), 3, kernel_initializer=init(i)),
            activation(),
            keras.layers.MaxPooling2D(),
        ]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", kernel_initializer=init(len(filters))),
    ]
    return keras.Sequential(layers)


def _mnist_config(source, n_train, n_val, n_test) -> dict[str, Any]:
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (not is_int(value) or value < 10):
            raise ValueError(
                f"`{name}` must be None or an integer >= 10. Received: {name}={value!r}"
            )
    if not is_int(n_val) or n_val < 10:
        raise ValueError(f"`n_val` must be an integer >= 10. Received: n_val={n_val!r}")
    return {"source": source, "n_train": n_train, "n_val": n_val, "n_test": n_test}


def mnist_mlp(
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    units: Sequence[int] = (128, 64),
    epochs: int = 6,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3,),
) -> Task:
    """MNIST, 784 → Dense(128) → act → Dense(64) → act → Dense(10, softmax), Adam; the score
    is test accuracy in points, the mean over the last `last` epochs.

    The embedded data (5,000 images) splits 4,000/1,000 by the seed; `n_val` of the 4,000 are
    the validation split (stratified), `n_train` subsamples the rest (None: all of it).
    """
    config = _mnist_config(source, n_train, n_val, n_test)
    return Task(
        name="mlp",
        data=functools.partial(_mnist_split, flat=True, **config),
        build=functools.partial(_build_mlp, units=tuple(int(u) for u in units)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**config, "units": list(units)},
    )


def mnist_cnn(
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    filters: Sequence[int] = (8, 16),
    epochs: int = 6,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3,),
) -> Task:
    """MNIST, two Conv2D(3×3) → act → MaxPool blocks (8 and 16 filters) → Dense(10, softmax);
    test accuracy in points over the last `last` epochs. Data as `mnist_mlp`."""
    config = _mnist_config(source, n_train, n_val, n_test)
    return Task(
        name="cnn",
        data=functools.partial(_mnist_split, flat=False, **config),
        build=functools.partial(_build_cnn, filters=tuple(int(f) for f in filters)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**config, "filters": list(filters)},
    )


# --------------------------------------------------------------------------- sin x
def _sin_split(seed: int, *, n_train: int, n_val: int, n_test: int, noise: float) -> Split:
    rng = np.random.default_rng([seed, 2])
    x = rng.uniform(0.0, 2 * math.pi, size=(n_train + n_val, 1))
    y = np.sin(x) + noise * rng.normal(size=x.shape)
    x_test = rng.uniform(2 * math.pi, 4 * math.pi, size=(n_test, 1))
    f32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    return Split(
        f32(x[:n_train]),
        f32(y[:n_train]),
        f32(x[n_train:]),
        f32(y[n_train:]),
        f32(x_test),
        f32(np.sin(x_test)),
        f"sin x: {n_train} train / {n_val} validation points uniform on [0, 2π] (noise "
        f"{noise:g}), {n_test} test points on [2π, 4π] (extrapolation); drawn by seed {seed}",
    )


def build_regressor(activation, init, units: Sequence[int] = (16, 16), inputs: int = 1):
    """A regression MLP for a `Task`: ``inputs`` features → [Dense(width) → activation] per
    width of `units` → Dense(1), each Dense initialised by `init` in order."""
    import keras

    layers = [keras.Input((int(inputs),))]
    for i, width in enumerate(units):
        layers += [keras.layers.Dense(int(width), kernel_initializer=init(i)), activation()]
    layers.append(keras.layers.Dense(1, kernel_initializer=init(len(units))))
    return keras.Sequential(layers)


def log_mse_task(
    name: str, data: Callable[[int], Split], build: Callable[..., Any], **fields
) -> Task:
    """A regression `Task` scored by its MSE (lower is better), compared on a log10 scale: the
    differences are in decades (ratios of geometric means). `fields`: the other `Task` fields
    (epochs, batch size, learning rates, config, ...)."""
    return Task(
        name=name,
        data=data,
        build=build,
        loss="mse",
        metrics=(),
        score="loss",
        higher_is_better=False,
        scale=1.0,
        unit="decades",
        log10=True,
        **fields,
    )


def sin_extrapolation(
    *,
    n_train: int = 384,
    n_val: int = 128,
    n_test: int = 512,
    noise: float = 0.0,
    units: Sequence[int] = (16, 16),
    epochs: int = 20,
    passes: int = 10,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-2,),
) -> Task:
    """Regression and extrapolation: fit sin x on [0, 2π], test on [2π, 4π]. Score: test MSE
    (lower is better), compared on log10 (a ratio of geometric means), mean of the last epochs.
    One epoch is `passes` passes over the training points."""
    config = {"n_train": n_train, "n_val": n_val, "n_test": n_test, "noise": noise}
    return log_mse_task(
        name="sin",
        data=functools.partial(_sin_split, **config),
        build=functools.partial(build_regressor, units=tuple(int(u) for u in units)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        learning_rates=tuple(learning_rates),
        config={**config, "units": list(units), "train_range": "[0, 2π]", "test_range": "[2π, 4π]"},
    )


#: Task names the command line knows, and their factories.
TASKS: dict[str, Callable[..., Task]] = {
    "mlp": mnist_mlp,
    "cnn": mnist_cnn,
    "sin": sin_extrapolation,
}


def get_task(task: Any) -> Task:
    """A `Task` as given, a shipped one by name (``"mlp"``, ``"cnn"``, ``"sin"``), or your own
    by import path ``"package.module:attribute"`` (a `Task`, or a function returning one)."""
    if isinstance(task, Task):
        return task
    if isinstance(task, str) and task in TASKS:
        return TASKS[task]()
    if isinstance(task, str) and ":" in task:
        import importlib

        module, _, attr = task.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"Cannot import task {task!r}: {type(exc).__name__}: {exc}") from None
        obj = obj() if callable(obj) and not isinstance(obj, Task) else obj
        if isinstance(obj, Task):
            return obj
        raise ValueError(f"Task {task!r} is not a Task (nor a function returning one): {obj!r}")
    raise ValueError(
        f"A task is a `Task`, one of {sorted(TASKS)} or 'package.module:attribute'. "
        f"Received: {task!r}"
    )
