"""Notebook 05's trial: the arms (`ARM_NAMES`, `arm_target`, `arms`), the task (`mnist_task`
on `mnist_net`), each run's record (`saturation`), the comparisons (`PAIRS`, `pairs`,
`roles`) and the questions (`questions`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.collection.experiments.truncation.smooth import NEAR_LINEAR
from actlab.trials import Arm, Task, mnist_cnn

#: The trial's arms, by name: what follows the conv layer (before tanh) and how it is built.
ARM_NAMES = ("no truncation", "smooth", "clip", "straight-through", "PACT", "PACT + L2")
#: Longer labels for figures and tables.
LABELS = {
    "no truncation": "no truncation",
    "smooth": "smooth T·tanh(x/T), no clip",
    "clip": "fixed T, clip gradient",
    "straight-through": "fixed T, straight-through",
    "PACT": "trainable T (PACT)",
    "PACT + L2": "trainable T (PACT) + L2",
}
#: Every comparison the notebook makes (candidate − baseline); the declared questions are some of
#: them, the others are exploratory. The smooth baseline separates "a saturating non-linearity
#: here" (smooth − no truncation) from "clipping" (clip − smooth).
PAIRS = (
    ("smooth", "no truncation"),
    ("clip", "smooth"),
    ("straight-through", "clip"),
    ("clip", "no truncation"),
    ("PACT", "clip"),
    ("PACT + L2", "PACT"),
)


def arm_target(name: str, threshold: float, threshold_l2: float = 0.1) -> str:
    """The activation target (`actlab.checkup.resolve_target` form) of the arm `name` at
    threshold T = `threshold` (the initial T of the trainable ones; `threshold_l2`: the L2
    factor on T of ``"PACT + L2"``)."""
    if name not in ARM_NAMES:
        raise ValueError(f"`name` must be one of {list(ARM_NAMES)}. Received: name={name!r}")
    t = float(threshold)
    layer = f"actlab.layers:Truncation(threshold={t!r}"
    return {
        "no truncation": "linear",
        "smooth": f"{__package__}:SoftClip(threshold={t!r})",  # the package re-exports it
        "clip": f"{layer}, gradient='clip')",
        "straight-through": f"{layer}, gradient='straight_through')",
        "PACT": f"{layer}, gradient='clip', trainable_threshold=True)",
        "PACT + L2": (
            f"{layer}, gradient='clip', trainable_threshold=True, threshold_regularizer="
            f"{{'class_name': 'L2', 'config': {{'l2': {float(threshold_l2)!r}}}}})"
        ),
    }[name]


def arms(
    names: Sequence[str],
    threshold: float,
    threshold_l2: float = 0.1,
    learning_rates: Mapping[str, float] | None = None,
) -> list[Arm]:
    """`actlab.trials.Arm`s of `names` (out of `ARM_NAMES`), in that order. `learning_rates`:
    None (each arm's learning rate is chosen on validation from the trial's grid), or one
    learning rate per arm, chosen beforehand on validation (a pilot's choice; no tuning runs)."""
    rates = dict(learning_rates or {})
    return [
        Arm(
            n,
            arm_target(n, threshold, threshold_l2),
            train={"learning_rates": [float(rates[n])]} if n in rates else {},
        )
        for n in names
    ]


def mnist_net(activation, init=None, filters: int = 8) -> keras.Model:
    """The user's block on 28×28 MNIST plus a linear classifier, the trial's model:
    Conv2D(filters, 5×5, same, no bias) → `activation()` (the arm's truncation) → tanh →
    AveragePooling2D(5, 2) → BatchNormalization → Flatten → Dense(10, softmax). `init(i)` gives
    the conv (0) and classifier (1) kernel initializers (`actlab.trials.Init`: the same draw in
    every arm of a seed); None: Keras's defaults. Uncompiled."""
    kernel = init if init is not None else (lambda i: "glorot_uniform")
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = keras.layers.Conv2D(
        int(filters), 5, padding="same", use_bias=False, kernel_initializer=kernel(0), name="conv"
    )(inputs)
    x = activation()(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool")(x)
    x = keras.layers.BatchNormalization(name="batch_norm")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(
        10, activation="softmax", kernel_initializer=kernel(1), name="classifier"
    )(x)
    return keras.Model(inputs, outputs, name="mnist_truncation")


def _threshold_of(layer, nominal: float) -> float:
    """T of the layer after the conv: a `Truncation`'s (mean over channels), a `SoftClip`'s, or
    `nominal` for a layer without one."""
    t = getattr(layer, "threshold", None)
    return float(np.mean(np.asarray(t))) if t is not None else float(nominal)


def saturation(model: keras.Model, probe: np.ndarray, nominal: float) -> dict[str, float]:
    """On the images `probe`: the share of conv outputs with |x| > T (the layer after the conv
    decides T; `nominal` where it has none), the share with |x| < `NEAR_LINEAR` (tanh within
    2 % of linear there) and T."""
    pre = np.asarray(model.get_layer("conv")(probe))
    layer = model.layers[model.layers.index(model.get_layer("conv")) + 1]
    t = _threshold_of(layer, nominal)
    return {
        "saturated": float(np.mean(np.abs(pre) > t)),
        "near_linear": float(np.mean(np.abs(pre) < NEAR_LINEAR)),
        "threshold": t,
    }


def record_run(model: keras.Model, split, nominal: float, probe_size: int = 256) -> dict:
    """A trial run's record (`Task.record`): `saturation` at the end of training on the first
    `probe_size` test images of its split."""
    return saturation(model, split.x_test[:probe_size], nominal)


def mnist_task(
    *,
    threshold: float,
    filters: int = 8,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 8,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3, 3e-3),
) -> Task:
    """The trial's task: `mnist_net` on MNIST images in [0, 1] (`actlab.trials.mnist_cnn`'s
    data: a new split per seed, `n_val` validation images carved from the training data),
    Adam, test accuracy in points over the last `last` epochs; each run records `saturation`
    with `threshold` as the nominal T."""
    base = mnist_cnn(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=learning_rates,
    )
    config = {k: v for k, v in base.config.items() if k != "filters"}
    return base.replace(
        name="mnist",
        build=functools.partial(mnist_net, filters=int(filters)),
        record=functools.partial(record_run, nominal=float(threshold)),
        config={**config, "filters": int(filters), "nominal_threshold": float(threshold)},
    )


def initial_saturation(task: Task, seed: int, threshold: float) -> dict[str, float]:
    """`saturation` before training, for seed `seed`: the conv's initial weights are the same in
    every arm of a seed (`actlab.trials.Init`), so this holds for all of them."""
    from actlab.trials import Init

    session.seed_everything(seed)
    split = task.data(seed)
    model = task.build(lambda: keras.layers.Identity(), Init(seed))
    return saturation(model, split.x_test[:256], threshold)


def pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    """The `PAIRS` whose two arms are both in `names`."""
    return [(a, b) for a, b in PAIRS if a in names and b in names]


def roles(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(candidates, baselines)`` for `run_trial`: an arm that is a pair's candidate anywhere
    is a candidate (it goes through the checkup), the others are baselines."""
    left = {a for a, _ in pairs(names)}
    return [n for n in names if n in left], [n for n in names if n not in left]


def questions(declared: Sequence[Mapping[str, Any]], smallest_effect: float) -> list:
    """The declared questions, then every other pair of `PAIRS` as an exploratory difference
    (its own Holm family; `run_trial` makes only the pairs it is given)."""
    from actlab.trials import Question

    asked = any_good.questions(declared, smallest_effect)
    named = {(q["candidate"], q["baseline"]) for q in declared}
    return asked + [
        Question(candidate=a, baseline=b, exploratory=True) for a, b in PAIRS if (a, b) not in named
    ]
