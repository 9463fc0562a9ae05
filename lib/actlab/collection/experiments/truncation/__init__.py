"""Notebook 05: a truncation layer after Conv2D; gradient choices and a trainable threshold.

* `user_model`: the user's model (Input 256x256x1 -> Conv2D -> Truncation -> tanh ->
  AveragePooling2D -> BatchNormalization).
* `IMPLEMENTATIONS`: the truncation as the user's sources wrote it (`clip_by_value`, the
  `K.switch` answer, the `stop_gradient` answer), rewritten as plain `keras.ops` functions
  (no `Lambda`), next to `actlab.activations.truncate` and the `actlab.layers.Truncation` layer.
  `forward_table` and `input_gradients` compare their outputs and their dy/dx.
* The trial (`actlab.trials`): `mnist_task` is the user's block on MNIST with a linear
  classifier (`mnist_net`); the arms (`ARM_NAMES`, `arms`) put after the conv no truncation, a
  smooth saturation at the same scale (`SoftClip`, T·tanh(x/T): "a non-linearity here" without
  clipping), a fixed threshold with the clip or the straight-through gradient, and a trainable
  (PACT) threshold without and with L2. Each run records, at its end, the share of saturated
  conv outputs, the share where tanh is nearly linear, and T (`saturation`); `PAIRS` are the
  comparisons, the notebook's declared questions some of them (`questions`).

The package, one concern a module:

- `truncation.implementations`: the user's truncations, the user's model, their outputs and
  gradients compared;
- `truncation.smooth`: the smooth baseline `SoftClip` and `NEAR_LINEAR`;
- `truncation.trial`: the arms, the task, each run's record, the comparisons, the questions;
- `truncation.tables`: the tables of a trial;
- `truncation.figures`: the notebook's figures;
- `truncation.parameters`: the notebook's parameter validators.

Every public name is importable from `actlab.collection.experiments.truncation` itself (an
arm's target names `SoftClip` there).
"""

from actlab.collection.experiments.truncation.figures import plot_gradients, plot_thresholds
from actlab.collection.experiments.truncation.implementations import (
    IMPLEMENTATIONS,
    clip_by_value_truncate,
    forward_table,
    gradient_summary,
    input_gradients,
    stop_gradient_truncate,
    switch_truncate,
    threshold_gradients,
    user_model,
)
from actlab.collection.experiments.truncation.parameters import VALIDATORS
from actlab.collection.experiments.truncation.smooth import NEAR_LINEAR, SoftClip
from actlab.collection.experiments.truncation.tables import run_records, summary_table
from actlab.collection.experiments.truncation.trial import (
    ARM_NAMES,
    LABELS,
    PAIRS,
    arm_target,
    arms,
    initial_saturation,
    mnist_net,
    mnist_task,
    pairs,
    questions,
    record_run,
    roles,
    saturation,
)

__all__ = [
    "IMPLEMENTATIONS",
    "clip_by_value_truncate",
    "switch_truncate",
    "stop_gradient_truncate",
    "user_model",
    "forward_table",
    "input_gradients",
    "threshold_gradients",
    "gradient_summary",
    "plot_gradients",
    "SoftClip",
    "NEAR_LINEAR",
    "ARM_NAMES",
    "LABELS",
    "PAIRS",
    "arm_target",
    "arms",
    "mnist_net",
    "saturation",
    "record_run",
    "mnist_task",
    "initial_saturation",
    "pairs",
    "roles",
    "run_records",
    "summary_table",
    "plot_thresholds",
    "questions",
    "VALIDATORS",
]
