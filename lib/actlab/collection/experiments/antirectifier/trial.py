"""Notebook 04's trial: the arms (`ARMS`), the task under the example's recipe
(`example_task`) and the declared questions."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from actlab.collection.experiments import any_good
from actlab.collection.experiments.antirectifier.networks import example_net
from actlab.trials import Arm, Task, mnist_mlp

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
