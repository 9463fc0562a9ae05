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

The package, one concern a module:

- `antirectifier.networks`: the networks, the example's compile settings, one plain run;
- `antirectifier.trial`: the arms, the task, the questions;
- `antirectifier.tables`: the trial's table;
- `antirectifier.figures`: the figures from the trial;
- `antirectifier.parameters`: the notebook's parameter validators.

Every public name is importable from `actlab.collection.experiments.antirectifier` itself.
"""

from actlab.collection.experiments.antirectifier.figures import (
    curves,
    plot_accuracy_vs_params,
    plot_curves,
)
from actlab.collection.experiments.antirectifier.networks import (
    EXPECTED_PARAMS,
    LABELS,
    MODELS,
    EpochTimer,
    build_conv,
    build_mlp,
    compile_like_example,
    count_params,
    example_net,
    train_one,
)
from actlab.collection.experiments.antirectifier.parameters import VALIDATORS
from actlab.collection.experiments.antirectifier.tables import summary_styler, summary_table
from actlab.collection.experiments.antirectifier.trial import (
    ARM_KIND,
    ARMS,
    PILOT_KEYS,
    arms,
    example_task,
    questions,
)

__all__ = [
    "MODELS",
    "LABELS",
    "EXPECTED_PARAMS",
    "ARMS",
    "ARM_KIND",
    "PILOT_KEYS",
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
