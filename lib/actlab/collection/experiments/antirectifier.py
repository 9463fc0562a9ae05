"""Notebook 04: Antirectifier vs ReLU under the Keras example's recipe, through `actlab.trials`.

The example (Keras's `examples/antirectifier.py`): Dense(256) -> Antirectifier -> Dropout(0.1)
-> Dense(256) -> Antirectifier -> Dropout(0.1) -> Dense(10, softmax), RMSprop, batch 128,
40 epochs, inputs in [0, 1]. Its claim: "half the parameters yet comparable classification
accuracy as an equivalent ReLU-based network" with "2x bigger Dense layers" (never run there).

The trial's arms (`ARMS`), all `example_net` under that recipe (`example_task`):

* ``Antirectifier-256``: the example (337,418 parameters);
* ``ReLU-512``: the claim's comparison, Dense widths doubled (669,706);
* ``ReLU-256``: the same Dense widths with ReLU (269,322);
* ``CReLU-256``: the ablation, concat(relu(x), relu(-x)) without centring and normalization
  (337,418, like the Antirectifier).

`actlab.trials.run_trial` trains them under its protocol (a new split per seed, common random
numbers, RMSprop's learning rate chosen per network on validation, the score the mean test
accuracy of the last epochs); the notebook declares its questions before the run. The tables,
figures and findings here are made from the trial. `build_mlp` and `build_conv` build the
networks with named layers for notebook 06's timing and the conv-net demonstration.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import keras
import numpy as np

from actlab import wording
from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.layers.antirectifier import Antirectifier, CReLU
from actlab.trials import Arm, Task, Trial, mnist_mlp

__all__ = [
    "MODELS",
    "LABELS",
    "EXPECTED_PARAMS",
    "ARMS",
    "ARM_KIND",
    "VALIDATORS",
    "example_net",
    "example_task",
    "build_mlp",
    "build_conv",
    "compile_like_example",
    "count_params",
    "EpochTimer",
    "train_one",
    "arms",
    "questions",
    "summary_table",
    "summary_styler",
    "curves",
    "plot_curves",
    "plot_accuracy_vs_params",
]

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


#: The trial's arms: the example's network with each activation (display name -> `Arm`).
ARMS = {
    "Antirectifier-256": Arm("Antirectifier-256", "actlab.layers:Antirectifier()"),
    "ReLU-512": Arm("ReLU-512", "relu", model={"width": 512}),
    "ReLU-256": Arm("ReLU-256", "relu"),
    "CReLU-256": Arm("CReLU-256", "actlab.layers:CReLU()"),
}
#: `MODELS` key of each arm (parameter counts, the conv demonstration).
ARM_KIND = {
    "Antirectifier-256": "antirectifier_256",
    "ReLU-512": "relu_512",
    "ReLU-256": "relu_256",
    "CReLU-256": "crelu_256",
}


def example_task(
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 10,
    last: int = 5,
    batch_size: int = 128,
    dropout: float = 0.1,
    learning_rates: Sequence[float] = (1e-3,),
) -> Task:
    """The example's recipe as an `actlab.trials.Task`: MNIST pixels in [0, 1] (a new split per
    seed: `n_val` validation images carved from the training split), `example_net`, RMSprop,
    batch 128, the score the mean test accuracy of the last `last` epochs."""
    base = mnist_mlp(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        last=last,
        batch_size=batch_size,
        learning_rates=learning_rates,
    )
    config = {k: v for k, v in base.config.items() if k != "units"}
    return base.replace(
        name="example",
        build=functools.partial(example_net, dropout=dropout),
        optimizer="rmsprop",
        config={**config, "network": "Dense(w)-act-Dropout x2, softmax", "dropout": dropout},
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


# --------------------------------------------------------------------------- the trial's tables


def arms(names: Sequence[str]) -> list[Arm]:
    """The `ARMS` of `names` (display names), in that order."""
    return [ARMS[n] for n in names]


#: Keys of a declared question (the parameters cell) that describe the pilot, not the question.
PILOT_KEYS = ("pilot_sd", "pilot_mean")


def questions(declared: Sequence[Mapping[str, Any]], smallest_effect: float) -> list:
    """The declared questions as `actlab.trials.Question`s (the pilot's numbers left out)."""
    return any_good.questions(
        [{k: v for k, v in q.items() if k != "pilot_mean"} for q in declared], smallest_effect
    )


def summary_table(trial: Trial):
    """One row per network (`any_good.arm_table` of the trial's one task): parameters, the
    learning rate chosen, the score per seed with its mean and std, seconds per run."""
    return any_good.arm_table(trial).droplevel("task")


def summary_styler(table, last: int):
    """`summary_table` for people."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(
        {
            "network": table.index,
            "parameters": [f"{p:,}" for p in table.params],
            "learning rate (chosen)": [f"{v:g}" for v in table.learning_rate],
            f"test accuracy, mean of the last {last} epochs (%)": [
                wording.format_mean_std(v, decimals=2) for v in table.score_values
            ],
            "seeds": table.n_seeds.to_numpy(),
            "seconds per run": [f"{v:.1f}" for v in table.seconds_median],
            "losses finite": table.all_finite.to_numpy(),
        }
    )
    return for_people(frame, caption="Each network over the evaluation seeds: mean ± std")


def curves(trial: Trial) -> dict[str, dict]:
    """Per network: the test accuracy after every epoch, mean and std over the evaluation
    seeds (points; `any_good.arm_curves` of the trial's one task)."""
    return {arm: c for (_, arm), c in any_good.arm_curves(trial).items()}


def plot_curves(curve: Mapping[str, dict], last: int, counts: Mapping[str, int]):
    """Test accuracy per epoch (mean ± std over seeds) per network, all epochs and a zoom into
    the second half, with the epochs the score averages shaded."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = max(len(c["epoch"]) for c in curve.values())
    starts = [1, max(2, epochs // 2)] if epochs >= 4 else [1]
    fig, axes = plt.subplots(1, len(starts), figsize=(6 * len(starts), 4.5), squeeze=False)
    for ax, first in zip(axes[0], starts, strict=True):
        ax.axvspan(
            epochs - last + 0.5,
            epochs + 0.5,
            color="0.92",
            zorder=0,
            label=f"the score: mean of the last {last} epochs",
        )
        for arm, c in curve.items():
            keep = c["epoch"] >= first
            ep, mean, std = c["epoch"][keep], c["mean"][keep], c["std"][keep]
            (line,) = ax.plot(
                ep, mean, marker="o", markersize=3, label=f"{arm} ({counts[arm]:,} parameters)"
            )
            ax.fill_between(
                ep, mean - std, mean + std, color=line.get_color(), alpha=0.15, linewidth=0
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(
            xlabel="epoch",
            ylabel="test accuracy (%)",
            title="all epochs" if first == 1 else f"epochs {first}–{epochs} (zoom)",
        )
    axes[0, 0].legend(loc="lower right", fontsize=8)
    n = max(c["n_seeds"] for c in curve.values())
    fig.suptitle(f"Test accuracy per epoch: mean ± std over {n} seed(s)", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_accuracy_vs_params(table):
    """The score of every network against its parameter count: each seed (crosses) and the
    mean ± std over seeds."""
    import matplotlib.pyplot as plt

    dodge = {"Antirectifier-256": -6, "CReLU-256": 6}  # thousands: both have 337,418
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for arm, row in table.iterrows():
        x = row.params / 1e3 + dodge.get(arm, 0)
        (pt,) = ax.plot([x] * len(row.score_values), row.score_values, "x", markersize=5, alpha=0.6)
        ax.errorbar(
            x,
            row.score_mean,
            yerr=np.nan_to_num(row.score_std),
            fmt="o",
            capsize=4,
            markersize=7,
            color=pt.get_color(),
        )
        left = arm in ("Antirectifier-256", "ReLU-256")
        ax.annotate(
            arm,
            (x, row.score_mean),
            xytext=(-10 if left else 10, 0),
            textcoords="offset points",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    ax.set(
        title=f"Test accuracy against parameter count ({int(table.n_seeds.max())} seeds)",
        xlabel="parameters (thousands; the two 337k networks drawn 12k apart)",
        ylabel="test accuracy, mean of the last epochs (%)",
    )
    ax.set_xlim(150, 760)
    ax.text(
        0.99,
        0.02,
        "dot and bar: mean ± std over seeds; crosses: single seeds",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color="0.35",
    )
    return fig


# --------------------------------------------------------------------------- findings

_questions_between_arms = any_good.declared_between(ARMS, extra_keys=("pilot_mean",))
_networks = any_good.distinct_arms(ARMS, "networks")


def _declared(name: str, value: Any) -> None:
    _questions_between_arms(name, value)
    for q in value:
        mean = q.get("pilot_mean")
        if mean is not None and not (isinstance(mean, float) and math.isfinite(mean)):
            session._fail(name, value, "a pilot_mean that is a finite number (points)")


VALIDATORS = {
    "source": session.one_of("embedded", "keras", "auto"),
    "n_val": session.positive_int,
    "last": session.positive_int,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "candidate": lambda name, value: _networks(name, [value]),
    "baselines": _networks,
    "smallest_effect": session.positive_float,
    "declared": _declared,
    "conv_epochs": session.positive_int,
    "jobs": session.optional_positive_int,
}
