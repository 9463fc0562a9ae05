"""Notebook 04's networks: the Keras example's MLP with each activation (`example_net`,
`build_mlp`), the conv-net demonstration (`build_conv`), the example's compile settings, and
one plain training run under the example's recipe (`train_one`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import keras
import numpy as np

from actlab.collection import session
from actlab.layers.antirectifier import Antirectifier, CReLU

MODELS = ("antirectifier_256", "relu_256", "relu_512", "crelu_256")
LABELS = {
    "antirectifier_256": "Antirectifier-256",
    "relu_256": "ReLU-256",
    "relu_512": "ReLU-512",
    "crelu_256": "CReLU-256",
}
#: Parameter counts stated by the Keras example (its docstring and comments).
EXPECTED_PARAMS = {
    "antirectifier_256": 337_418,
    "relu_256": 269_322,
    "relu_512": 669_706,
    "crelu_256": 337_418,
}
_SPEC = {  # kind -> (Dense width, activation)
    "antirectifier_256": (256, "antirectifier"),
    "relu_256": (256, "relu"),
    "relu_512": (512, "relu"),
    "crelu_256": (256, "crelu"),
}


def _check_kind(kind: str, choices: Iterable[str]) -> None:
    if kind not in choices:
        raise ValueError(f"`kind` must be one of {list(choices)}. Received: kind={kind!r}")


def _activation_layer(activation: str, name: str) -> keras.layers.Layer:
    if activation == "antirectifier":
        return Antirectifier(name=name)
    if activation == "crelu":
        return CReLU(name=name)
    return keras.layers.ReLU(name=name)


def example_net(
    activation,
    init=None,
    width: int = 256,
    dropout: float = 0.1,
    input_dim: int = 784,
    num_classes: int = 10,
    name: str | None = None,
) -> keras.Model:
    """The example's network around `activation` (a function returning a fresh activation
    layer): Dense(width) -> act -> Dropout -> Dense(width) -> act -> Dropout -> Dense(10,
    softmax). `init(i)` gives the i-th Dense layer's kernel initializer (`actlab.trials.Init`:
    the same draw in every arm of a seed); None: Keras's default.

    This is the builder of `example_task` (``build(activation, init, **arm.model)``; an arm's
    ``model={"width": 512}`` doubles the widths) and of `build_mlp`.
    """
    kernel = init if init is not None else (lambda i: "glorot_uniform")
    inputs = keras.Input((input_dim,), name="pixels")
    x = inputs
    for i in (1, 2):
        x = keras.layers.Dense(int(width), kernel_initializer=kernel(i - 1), name=f"dense_{i}")(x)
        x = activation()(x)
        x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", kernel_initializer=kernel(2), name="softmax"
    )(x)
    return keras.Model(inputs, outputs, name=name or f"example_{int(width)}")


def build_mlp(
    kind: str, input_dim: int = 784, num_classes: int = 10, dropout: float = 0.1
) -> keras.Model:
    """One of `MODELS` (`example_net` with its width and activation, layers named
    ``dense_1``, ``antirectifier_1``, ...)."""
    _check_kind(kind, MODELS)
    width, activation = _SPEC[kind]
    count = iter((1, 2))
    return example_net(
        lambda: _activation_layer(activation, name=f"{activation}_{next(count)}"),
        width=width,
        dropout=dropout,
        input_dim=input_dim,
        num_classes=num_classes,
        name=kind,
    )


def build_conv(
    kind: str = "antirectifier",
    filters: Sequence[int] = (16, 32),
    num_classes: int = 10,
    dropout: float = 0.1,
) -> keras.Model:
    """A small conv net with the activation applied to the channel axis of 4-D feature maps.

    [Conv2D(f, 3) -> act -> MaxPool(2)] per entry of `filters` -> Flatten -> Dropout ->
    Dense(10, softmax). With ``kind="antirectifier"`` each Antirectifier doubles the channels.
    """
    _check_kind(kind, ("antirectifier", "relu"))
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, name=f"conv_{i}")(x)
        x = _activation_layer(kind, name=f"{kind}_{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"conv_{kind}")


def compile_like_example(model: keras.Model) -> keras.Model:
    """RMSprop (Keras defaults, learning rate 1e-3) and cross-entropy, as in the example."""
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def count_params(kind: str) -> int:
    """Trainable + non-trainable parameters of `build_mlp(kind)`."""
    return int(build_mlp(kind).count_params())


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch (training plus the validation pass)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train_one(
    model: keras.Model,
    x_train,
    y_train,
    x_test,
    y_test,
    seed: int,
    epochs: int,
    batch_size: int = 128,
) -> dict[str, Any]:
    """Seed, compile like the example, fit with the test split as validation data.

    Returns per-epoch ``val_accuracy``/``val_loss``/``loss``, ``epoch_seconds``, the last
    epoch's ``test_accuracy``, ``params`` and whether every loss was finite.
    """
    session.seed_everything(seed)
    compile_like_example(model)
    timer = EpochTimer()
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(x_test, y_test),
        callbacks=[timer],
        verbose=0,
    )
    h = history.history
    return {
        "model": model.name,
        "seed": seed,
        "params": int(model.count_params()),
        "val_accuracy": [float(v) for v in h["val_accuracy"]],
        "val_loss": [float(v) for v in h["val_loss"]],
        "loss": [float(v) for v in h["loss"]],
        "epoch_seconds": timer.seconds,
        "test_accuracy": float(h["val_accuracy"][-1]),
        "finite": bool(np.all(np.isfinite(h["loss"])) and np.all(np.isfinite(h["val_loss"]))),
    }
