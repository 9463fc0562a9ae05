"""Smooth regression and a small tabular classifier on data scikit-learn ships:
``"friedman"`` and ``"tabular"``. Source setups:

- `friedman_regression`: Friedman's first benchmark function (Friedman 1991, "Multivariate
  Adaptive Regression Splines"; `sklearn.datasets.make_friedman1`), ``10 sin(π x1 x2) +
  20 (x3 − 0.5)² + 10 x4 + 5 x5`` plus 5 irrelevant inputs, uniform on [0, 1], noise σ = 1: a
  smooth target where a smooth activation is said to help. A new sample per seed; the score is
  the test MSE (compared on log10), whose floor is the noise (1).
- `tabular_classifier`: the Wisconsin breast-cancer set (`sklearn.datasets.load_breast_cancer`,
  569 tumours, 30 features, 2 classes), standing in for SELU's tabular benchmark (Klambauer et
  al. 2017: MLPs on 121 UCI sets, most of them small, which need a download). A stratified
  60/20/20 split per seed, features standardized on the training part; test accuracy in points.

Scaled down for a 2-core CPU: two hidden layers of 32 units, a few hundred Adam steps; the
Friedman sample has 1,000 training points (the paper: 200, with MARS, not a network).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from actlab._util import is_int
from actlab.trials.suite._split import f32, make_split, standardize, three_way
from actlab.trials.tasks import Split, Task, build_regressor, log_mse_task

__all__ = ["friedman_regression", "tabular_classifier", "build_classifier"]


def _check(name, value, low):
    if not is_int(value) or value < low:
        raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")


def _friedman_split(seed: int, *, n_train: int, n_val: int, n_test: int, noise: float) -> Split:
    from sklearn.datasets import make_friedman1

    n = n_train + n_val + n_test
    x, y = make_friedman1(n_samples=n, n_features=10, noise=noise, random_state=int(seed))
    x, y = f32(x), f32(y[:, None])
    a, b = n_train, n_train + n_val
    return make_split(
        x,
        y,
        slice(0, a),
        slice(a, b),
        slice(b, None),
        f"make_friedman1 (noise {noise:g}), drawn by seed {seed}: {n_train} train / {n_val} "
        f"validation / {n_test} test",
    )


def friedman_regression(
    *,
    n_train: int = 1000,
    n_val: int = 250,
    n_test: int = 1000,
    noise: float = 1.0,
    units: Sequence[int] = (32, 32),
    epochs: int = 12,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (3e-3,),
) -> Task:
    """Friedman #1 regression (see the module docstring)."""
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        _check(name, value, 8)
    config = {
        "n_train": int(n_train),
        "n_val": int(n_val),
        "n_test": int(n_test),
        "noise": float(noise),
    }
    return log_mse_task(
        name="friedman",
        data=functools.partial(_friedman_split, **config),
        build=functools.partial(build_regressor, units=tuple(int(u) for u in units), inputs=10),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**config, "units": [int(u) for u in units]},
    )


def build_classifier(
    activation, init, units: Sequence[int] = (32, 32), inputs: int = 30, classes: int = 2
):
    """``inputs`` features → [Dense(width) → activation] per width → Dense(classes, softmax)."""
    import keras

    layers = [keras.Input((int(inputs),))]
    for i, width in enumerate(units):
        layers += [keras.layers.Dense(int(width), kernel_initializer=init(i)), activation()]
    layers.append(
        keras.layers.Dense(int(classes), activation="softmax", kernel_initializer=init(len(units)))
    )
    return keras.Sequential(layers)


def _cancer_split(seed: int, *, val_fraction: float, test_fraction: float) -> Split:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    n = len(y)
    train, val, test = three_way(
        n, int(round(val_fraction * n)), int(round(test_fraction * n)), seed, 35, y=y
    )
    x_train, x_val, x_test = standardize(x[train], x[val], x[test])
    y = y.astype("int64")
    return Split(
        x_train,
        y[train],
        x_val,
        y[val],
        x_test,
        y[test],
        f"scikit-learn's breast cancer set, stratified split by seed {seed}: {len(train)} train "
        f"/ {len(val)} validation / {len(test)} test, standardized on train",
    )


def tabular_classifier(
    *,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    units: Sequence[int] = (32, 32),
    epochs: int = 10,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3,),
) -> Task:
    """Breast-cancer classification (see the module docstring)."""
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not (isinstance(value, float) and 0.05 <= value <= 0.4):
            raise ValueError(f"`{name}` must be a float in [0.05, 0.4]. Received: {name}={value!r}")
    config = {"val_fraction": val_fraction, "test_fraction": test_fraction}
    return Task(
        name="tabular",
        data=functools.partial(_cancer_split, **config),
        build=functools.partial(build_classifier, units=tuple(int(u) for u in units)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**config, "units": [int(u) for u in units], "data": "load_breast_cancer"},
    )
