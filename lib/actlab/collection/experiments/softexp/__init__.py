"""Notebook 02 (soft exponential): the curve family, the hand-built x·y network, and the trial
that tests the paper's claims through `actlab.trials`: x·y extrapolation (`xy_task`), sin x
extrapolation with the complex form (`sin_task`: one hidden layer, as in the paper, trained on [−2π, 2π]),
α regularization, and MNIST (`actlab.trials.mnist_mlp` with one hidden layer).

Everything that decides a run (the tasks and the per-run records) is in `softexp.problems`, so
the trial cache keys on that module; `ARMS` names each arm's activation as an import path with
literal arguments (the α clamp of this collection, a regularizer of α).

The package, one concern a module:

- `softexp.design`: the arms, the tasks each runs on, the comparisons;
- `softexp.curves`: the curve families (real and complex);
- `softexp.problems`: the tasks, their records, the hand-built x·y network;
- `softexp.reading`: a trial's evaluation runs, test MSE and final α;
- `softexp.figures`: the notebook's figures;
- `softexp.parameters`: the notebook's parameter validators.

Every public name is importable from `actlab.collection.experiments.softexp` itself.
"""

from actlab.collection.experiments.softexp.curves import complex_curves, curve_family
from actlab.collection.experiments.softexp.design import (
    ARM_TASKS,
    ARMS,
    CLIP_ALPHA,
    PAIRS,
    REGULARIZERS,
    TASK_NAMES,
    arms,
    pairs,
    regularized_arm,
)
from actlab.collection.experiments.softexp.figures import (
    plot_alphas,
    plot_complex_curves,
    plot_curves,
    plot_regularization,
    plot_sin,
    plot_xy,
)
from actlab.collection.experiments.softexp.parameters import VALIDATORS
from actlab.collection.experiments.softexp.problems import (
    DIAGONAL,
    SIN_GRID,
    alpha_record,
    exact_product,
    exact_product_model,
    product_data,
    sin_record,
    sin_task,
    tasks,
    xy_record,
    xy_task,
)
from actlab.collection.experiments.softexp.reading import alpha_summary, eval_runs, test_mse

__all__ = [
    "ARMS",
    "alpha_summary",
    "eval_runs",
    "pairs",
    "plot_alphas",
    "plot_complex_curves",
    "plot_curves",
    "plot_regularization",
    "plot_sin",
    "plot_xy",
    "test_mse",
    "ARM_TASKS",
    "CLIP_ALPHA",
    "DIAGONAL",
    "PAIRS",
    "REGULARIZERS",
    "SIN_GRID",
    "TASK_NAMES",
    "alpha_record",
    "arms",
    "complex_curves",
    "curve_family",
    "exact_product",
    "exact_product_model",
    "product_data",
    "regularized_arm",
    "sin_record",
    "sin_task",
    "tasks",
    "xy_record",
    "xy_task",
    "VALIDATORS",
]
