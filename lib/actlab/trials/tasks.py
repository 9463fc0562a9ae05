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

`log_mse_task` and `build_regressor` help write a regression task. The shipped tasks are in
`actlab.trials.shipped`.
"""

from __future__ import annotations

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
    "check_learning_rates",
    "log_mse_task",
    "build_regressor",
    "sine_split",
    "with_held_out_test",
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
        optimizer_options: the optimizer's other keyword arguments, as the task's source setup
            trains (e.g. ``{"momentum": 0.9}`` for SGD); an arm's own ``optimizer`` options
            override them.
        config: anything else that decides the results (data sizes, widths), for the cache key
            and the record.
        record: optional ``record(model, split) -> dict`` called at the end of every run; its
            JSON-able result is the run's ``record`` column (e.g. a learned activation's
            parameters, a prediction on a grid for a figure).
        prepare: optional ``prepare()`` that `execute` calls once, in the calling process,
            before any run: fetch and check the task's data (a download), so that data which
            cannot be had is one error before anything trains (`actlab.data.DataUnavailableError`
            becomes a one-line `TrialError`), and the workers do not download it each.
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
    optimizer_options: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    record: Callable[[Any, Split], Any] | None = None
    prepare: Callable[[], Any] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"`name` must be a non-empty string. Received: name={self.name!r}")
        if self.prepare is not None and not callable(self.prepare):
            raise ValueError(
                f"`prepare` must be callable or None. Received: prepare={self.prepare!r}"
            )
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
        options = self.optimizer_options
        if not isinstance(options, Mapping) or "learning_rate" in options:
            raise ValueError(
                "`optimizer_options` must be a mapping of the optimizer's keyword arguments "
                "other than `learning_rate` (chosen per arm from `learning_rates`). Received: "
                f"optimizer_options={options!r}"
            )
        object.__setattr__(self, "optimizer_options", dict(options))

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


def build_regressor(
    activation, init, units: Sequence[int] = (16, 16), inputs: int = 1, l2: float = 0.0
):
    """A regression MLP for a `Task`: ``inputs`` features → [Dense(width) → activation] per
    width of `units` → Dense(1), each Dense initialised by `init` in order; with `l2` > 0, an
    L2 penalty `l2` on every kernel and bias (weight decay d as PyTorch's SGD couples it is
    ``l2 = d / 2``; the loss then holds the penalty, so score an MSE metric)."""
    import keras

    def dense(width: int, i: int):
        penalty = keras.regularizers.L2(l2) if l2 else None
        return keras.layers.Dense(
            int(width),
            kernel_initializer=init(i),
            kernel_regularizer=penalty,
            bias_regularizer=penalty,
        )

    layers = [keras.Input((int(inputs),))]
    for i, width in enumerate(units):
        layers += [dense(width, i), activation()]
    layers.append(dense(1, len(units)))
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


def sine_split(
    seed: int,
    stream: int,
    *,
    periods: int,
    test_periods: int,
    n_train: int,
    n_val: int,
    n_test: int,
    noise: float,
    description: str,
) -> Split:
    """sin x: `n_train` + `n_val` points uniform on `periods` periods from 0 (noise `noise`),
    `n_test` noise-free points uniform on the next `test_periods` (extrapolation), drawn by the
    generator seeded with (`seed`, `stream`); float32 arrays."""
    rng = np.random.default_rng([seed, stream])
    end = 2 * math.pi * periods
    x = rng.uniform(0.0, end, size=(n_train + n_val, 1))
    y = np.sin(x) + noise * rng.normal(size=x.shape)
    x_test = rng.uniform(end, end + 2 * math.pi * test_periods, size=(n_test, 1))
    f32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    return Split(
        f32(x[:n_train]),
        f32(y[:n_train]),
        f32(x[n_train:]),
        f32(y[n_train:]),
        f32(x_test),
        f32(np.sin(x_test)),
        description,
    )


def with_held_out_test(task: Task) -> Task:
    """`task` with one test block held out for every seed: the MNIST split functions
    (``held_out_test=True``) test every seed on the same images (`actlab.data.HELD_OUT_TEST_SEED`)
    and draw its training and validation images from the rest, so no tuning run ever validates
    on an image an evaluation run tests on. The setting enters the task's config (the cache key).

    Raises:
        ValueError: `task`'s data function has no ``held_out_test`` option.
    """
    import functools
    import inspect

    data = task.data
    func = data.func if isinstance(data, functools.partial) else data
    try:
        accepts = "held_out_test" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        accepts = False
    if not accepts:
        raise ValueError(
            f"Task {task.name!r}: its data function has no `held_out_test` option (the MNIST "
            "tasks have one); a fixed test block cannot be held out. Received: "
            f"task.data={data!r}"
        )
    return task.replace(
        data=functools.partial(data, held_out_test=True),
        config={**task.config, "held_out_test": True},
    )
