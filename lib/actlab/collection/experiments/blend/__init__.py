"""Notebook 01 (epoch-dynamic ReLU→polynomial blend): demos, the trial's arms and questions,
its tables, figures and findings.

* `run_epoch_demo` - the known answer: the epoch in a backend variable, read by an activation
  that returns it; MSE against a target of 2 goes 4, 1, 0, 1, 4, 9, ...
* `run_blend_demo` - the same proof through `BlendSchedule` and `PolyReLUBlend`.
* `arms`, `questions`, `check_design` - the comparison as an `actlab.trials` trial: each variant
  (`VARIANTS`) is an `Arm` carrying its `BlendSchedule` (built per run); the task is the small
  ResNet (`actlab.collection.models.resnet_task`); the headline questions are declared in the
  notebook's parameters.
* `arm_table`, `findings`, `question_records` - what the notebook shows and records, from the
  trial's numbers.
* `plot_*` - the notebook's figures (each returns the figure).

What decides a run's numbers (the model, the task, the schedule callbacks) is in
`actlab.collection.models`, so editing this package retrains nothing.

The package, one concern a module:

- `blend.design`: the variants, arms and questions, and the checks of the design;
- `blend.demos`: the two demos and their figure;
- `blend.curves`: the explanatory figures and numbers (the blend, its error, the schedules);
- `blend.tables`: the tables and records from the trial's numbers;
- `blend.figures`: the figures of the trial;
- `blend.parameters`: the notebook's parameter validators.

Every public name is importable from `actlab.collection.experiments.blend` itself.
"""

from actlab.collection.experiments.blend.curves import (
    numpy_blend,
    plot_blend_family,
    plot_poly_error,
    plot_schedules,
    poly_error_numbers,
)
from actlab.collection.experiments.blend.demos import plot_demos, run_blend_demo, run_epoch_demo
from actlab.collection.experiments.blend.design import (
    QUESTION_KEYS,
    QUESTION_KINDS,
    VARIANTS,
    arm,
    arms,
    check_design,
    full_profile_seeds,
    label,
    questions,
)
from actlab.collection.experiments.blend.figures import plot_accuracy_with_d, plot_preactivations
from actlab.collection.experiments.blend.parameters import VALIDATORS
from actlab.collection.experiments.blend.tables import arm_table, question_records, run_records
from actlab.collection.models import resnet_task

__all__ = [
    "VARIANTS",
    "QUESTION_KINDS",
    "QUESTION_KEYS",
    "label",
    "arm",
    "arms",
    "resnet_task",
    "questions",
    "check_design",
    "full_profile_seeds",
    "question_records",
    "arm_table",
    "run_records",
    "numpy_blend",
    "run_epoch_demo",
    "run_blend_demo",
    "poly_error_numbers",
    "plot_blend_family",
    "plot_poly_error",
    "plot_schedules",
    "plot_demos",
    "plot_accuracy_with_d",
    "plot_preactivations",
    "VALIDATORS",
]
