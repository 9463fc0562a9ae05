"""Notebook 08: learnable rational (Padé) activations against ReLU and their controls.

* (a) `approximation_table` / `plot_approximations`: polynomial and rational stand-ins for ReLU,
  fitted on N(0, 1)-weighted [-3, 3], and their error inside and outside that range.
* (b) the trial (`actlab.trials.run_trial`): Rational against ReLU, leaky ReLU (Rational's
  initial shape, fixed) and Rational with its coefficients frozen at that fit (`ARMS`), on the
  small MLP (784 → 64 → act → 64 → act → 10; `tasks`, the CNN too), Adam's learning rate chosen
  per arm on validation, the score the mean test accuracy of the last epochs; the notebook
  declares its questions before the run.
* (c) `learned` / `shape_drift` / `plot_learned_shapes`: every Rational layer's learned function
  (recorded by each run, `rational_record`) against its initial fit, and how far it moved.
* (d) the cost: the trial's ratio of one training step's time against each baseline's.

Notebook 09 runs Rational, frozen Rational and the soft exponential against ReLU and GELU on the
trials' default MLP; this notebook asks where Rational's difference from ReLU comes from.

The package, one concern a module:

- `rational.trial`: the arms, the tasks, what a run records, the questions;
- `rational.tables`: the trial's table;
- `rational.approximations`: (a), the stand-ins for ReLU and their error;
- `rational.shapes`: (c), the learned shapes against the initial fit;
- `rational.parameters`: the notebook's parameter validators.

Every public name is importable from `actlab.collection.experiments.rational` itself.
"""

from actlab.collection.experiments.rational.approximations import (
    approximants,
    approximation_styler,
    approximation_table,
    plot_approximations,
)
from actlab.collection.experiments.rational.parameters import VALIDATORS
from actlab.collection.experiments.rational.shapes import (
    drift_styler,
    drift_summary,
    learned,
    plot_learned_shapes,
    shape_drift,
)
from actlab.collection.experiments.rational.tables import summary_styler, summary_table
from actlab.collection.experiments.rational.trial import (
    ARCHS,
    ARMS,
    LABELS,
    arms,
    questions,
    rational_record,
    tasks,
)

__all__ = [
    "ARCHS",
    "ARMS",
    "LABELS",
    "VALIDATORS",
    "rational_record",
    "tasks",
    "arms",
    "questions",
    "summary_table",
    "summary_styler",
    "learned",
    "approximants",
    "approximation_table",
    "approximation_styler",
    "plot_approximations",
    "shape_drift",
    "drift_summary",
    "drift_styler",
    "plot_learned_shapes",
]
