"""Notebook 08's trial: the arms (`ARMS`: Rational, ReLU and the two controls), the tasks
(`tasks`: the MLP and the CNN), what each run records of its Rational layers
(`rational_record`), and the declared questions.

The tasks and their record decide a run's numbers, so the trial cache keys on this module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from actlab.collection.experiments import any_good
from actlab.layers.rational import Rational
from actlab.trials import Arm, Task, mnist_cnn, mnist_mlp

ARCHS = ("mlp", "cnn")
LABELS = {"mlp": "MLP", "cnn": "CNN"}


def _check(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {list(choices)}. Received: {name}={value!r}")


#: The trial's arms (display name -> `actlab.trials.Arm`): Rational against ReLU and the two
#: controls that say where a gain would come from: leaky ReLU (Rational's initial shape, fixed)
#: and Rational with its coefficients frozen at that fit.
ARMS = {
    "Rational": Arm("Rational", "actlab.layers:Rational()"),
    "ReLU": Arm("ReLU", "relu"),
    "leaky ReLU": Arm("leaky ReLU", "keras.layers:LeakyReLU(negative_slope=0.01)"),
    "Rational (frozen)": Arm("Rational (frozen)", "actlab.layers:Rational(trainable=False)"),
}


def rational_record(model, split) -> dict[str, Any]:
    """What a run keeps of its Rational layers (the task's ``record`` hook): per layer
    (``act_1``, ``act_2``, in order) the initial fit's and the learned coefficients and the
    fraction of the test inputs outside the fit range; {} for a model without one."""
    layers = _rational_layers(model)
    if not layers:
        return {}
    fit_range = layers[0].fit_range
    outside = _input_fractions_outside(model, split.x_test, fit_range)
    return {
        "fit_range": list(fit_range),
        "layers": {
            f"act_{i}": {
                "initial_numerator": list(layer.initial_fit.numerator),
                "initial_denominator": list(layer.initial_fit.denominator),
                "numerator": _values(layer.numerator),
                "denominator": _values(layer.denominator),
                "fraction_inputs_outside_fit_range": outside[layer.name],
            }
            for i, layer in enumerate(layers, start=1)
        },
    }


def _values(variable) -> list[float]:
    return np.asarray(keras.ops.convert_to_numpy(variable), "float64").ravel().tolist()


def tasks(
    names: Sequence[str] = ("mlp",),
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 15,
    last: int = 5,
    batch_size: int = 128,
    learning_rates: Sequence[float] = (1e-3,),
) -> list[Task]:
    """The trial's tasks: ``"mlp"`` (784 → 64 → act → 64 → act → 10) and ``"cnn"`` (Conv2D 8 →
    act → pool → Conv2D 16 → act → pool → Dense 10), Adam, the score the mean test accuracy of
    the last `last` epochs; every run records its Rational layers (`rational_record`)."""
    options = dict(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        last=last,
        batch_size=batch_size,
        learning_rates=learning_rates,
    )
    made = {
        "mlp": lambda: mnist_mlp(units=(64, 64), **options),
        "cnn": lambda: mnist_cnn(**options),
    }
    out = []
    for name in names:
        _check("task", name, ARCHS)
        out.append(made[name]().replace(record=rational_record))
    return out


def arms(names: Sequence[str]) -> list[Arm]:
    """The `ARMS` of `names` (display names), in that order."""
    return [ARMS[n] for n in names]


def questions(declared: Sequence[Mapping[str, Any]], smallest_effect: float) -> list:
    """The declared questions as `actlab.trials.Question`s (`any_good.questions`)."""
    return any_good.questions(declared, smallest_effect)


def _rational_layers(model: keras.Model) -> list[Rational]:
    return [layer for layer in model.layers if isinstance(layer, Rational)]


def _input_fractions_outside(model, x, fit_range) -> dict[str, float]:
    """Per Rational layer: the fraction of its inputs on `x` outside `fit_range`."""
    layers = _rational_layers(model)
    if not layers:
        return {}
    probe = keras.Model(model.inputs, [layer.input for layer in layers])
    values = probe.predict(x, verbose=0, batch_size=500)
    values = values if isinstance(values, list) else [values]
    lo, hi = fit_range
    return {
        layer.name: float(np.mean((v < lo) | (v > hi)))
        for layer, v in zip(layers, values, strict=True)
    }
