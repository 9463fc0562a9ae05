"""The collection's ResNet: the model and its task are core (`actlab.trials.suite.resnet`:
`build_resnet`, `resnet_task`, ...) and re-exported here for notebook 01 and its experiments;
`schedule_callbacks` is what an arm of notebook 01 builds per run to move d (a
`BlendSchedule`)."""

from __future__ import annotations

import keras

from actlab.callbacks import BlendSchedule
from actlab.trials.suite.resnet import (
    BLEND_PRESETS,
    activation_names,
    build_resnet,
    preactivation_record,
    resnet_task,
    resolve_blend,
)

__all__ = [
    "BLEND_PRESETS",
    "activation_names",
    "resolve_blend",
    "build_resnet",
    "resnet_task",
    "schedule_callbacks",
    "preactivation_record",
]


def schedule_callbacks(
    total_epochs: int, schedule: str, hold_epochs: int = 0, per_batch: bool = False
) -> list[keras.callbacks.Callback]:
    """An arm's callbacks (``functools.partial(schedule_callbacks, ...)``, built anew for every
    run): a `BlendSchedule` moving every blend of the model."""
    return [BlendSchedule(total_epochs, schedule, hold_epochs=hold_epochs, per_batch=per_batch)]
