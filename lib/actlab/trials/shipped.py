"""The tasks `actlab.trials` ships, by name: `mnist_mlp` (``"mlp"``), `mnist_cnn` (``"cnn"``),
both on the embedded 5,000 MNIST images by default, and `sin_extrapolation` (``"sin"``: fit sin x
on [0, 2π], test on [2π, 4π], mean squared error), plus the suite's (`actlab.trials.suite`:
``"resnet"``, ``"deep_mlp"``, ``"periodic"``, ...); `get_task` finds a task by name or import
path, `expand_tasks` expands a suite (``"suite:quick"``) into its tasks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from actlab._util import is_int
from actlab.trials.tasks import Split, Task, build_regressor, log_mse_task, sine_split
from actlab.wording.phrases import HELD_OUT_TEST

__all__ = [
    "TASKS",
    "get_task",
    "expand_tasks",
    "expand_task_names",
    "mnist_mlp",
    "mnist_cnn",
    "sin_extrapolation",
]


# --------------------------------------------------------------------------- MNIST
def _mnist_split(
    seed: int,
    *,
    flat: bool,
    source: str,
    n_train: int | None,
    n_val: int,
    n_test: int | None,
    held_out_test: bool = False,
) -> Split:
    from actlab import data

    test_seed = data.HELD_OUT_TEST_SEED if held_out_test else None
    ds = data.load_mnist(source=source, seed=seed, n_train=None, n_test=n_test, test_seed=test_seed)
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
        f"validation / {len(ds.y_test)} test" + (HELD_OUT_TEST if held_out_test else ""),
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
    return sine_split(
        seed,
        2,
        periods=1,
        test_periods=1,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        noise=noise,
        description=f"sin x: {n_train} train / {n_val} validation points uniform on [0, 2π] "
        f"(noise {noise:g}), {n_test} test points on [2π, 4π] (extrapolation); drawn by seed "
        f"{seed}",
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


SUITE_PREFIX = "suite:"


def get_task(task: Any) -> Task:
    """A `Task` as given; a shipped one by name (``"mlp"``, ``"cnn"``, ``"sin"``) or one of the
    suite's (``"periodic"``, ...: `actlab.trials.suite.FACTORIES`) at its standard size; one
    task of a suite at that suite's size (``"suite:quick/periodic"``); or your own by import
    path ``"package.module:attribute"`` (a `Task`, or a function returning one)."""
    if isinstance(task, Task):
        return task
    if isinstance(task, str) and task in TASKS:
        return TASKS[task]()
    if isinstance(task, str) and task.startswith(SUITE_PREFIX):
        from actlab.trials import suite

        if "/" not in task:
            raise ValueError(
                f"{task!r} is a suite of several tasks: expand it with `expand_tasks`, or name "
                f"one of them as {task}/<task>"
            )

        name, _, member = task[len(SUITE_PREFIX) :].partition("/")
        return suite.suite_task(name, member)
    if isinstance(task, str) and ":" not in task:
        from actlab.trials import suite

        if task in suite.FACTORIES:
            return suite.factory(task)()
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
    from actlab.trials import suite

    raise ValueError(
        f"A task is a `Task`, one of {sorted(TASKS)} or {sorted(suite.FACTORIES)}, "
        f"'suite:<name>' with a name of {sorted(suite.SUITES)}, or 'package.module:attribute'. "
        f"Received: {task!r}"
    )


def expand_task_names(names: Any) -> list[Any]:
    """`names` (one, or a list) with every suite (``"suite:quick"``) replaced by its tasks
    (``"suite:quick/resnet"``, ...); anything else as given."""
    from actlab.trials import suite

    if isinstance(names, str | Task):
        names = [names]
    out: list[Any] = []
    for name in names:
        if isinstance(name, str) and name.startswith(SUITE_PREFIX) and "/" not in name:
            out += suite.suite_task_names(name[len(SUITE_PREFIX) :])
        else:
            out.append(name)
    return out


def expand_tasks(names: Any) -> list[Task]:
    """The tasks `names` stand for: each a `Task`, a name `get_task` knows, or a suite
    (``"suite:quick"``, ``"suite:standard"``, ``"suite:images"``) expanded to its tasks."""
    return [get_task(name) for name in expand_task_names(names)]
