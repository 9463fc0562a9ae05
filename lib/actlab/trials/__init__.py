"""Is my activation any good? Fair, paired, decided comparisons against baselines.

    from actlab.trials import run_trial
    trial = run_trial(["mypkg.acts:my_act"], baselines=["relu", "gelu"], tasks=["mlp", "cnn"],
                      seeds=10, cache="trials-cache")
    print(trial.table())          # per task: difference, interval, Holm-adjusted verdict, cost
    trial.runs, trial.comparisons, trial.choices   # pandas

or in three steps, the first of which is a registration that can be saved before anything runs:
``design = plan_trial(...)``; ``open("design.json", "w").write(design.dumps())``;
``runs = execute(design, jobs=2, cache="trials-cache")``; ``decisions = decide(runs, design)``.

or from a shell: ``python -m actlab.trials mypkg.acts:my_act --against relu,gelu --tasks mlp,cnn
--seeds 10``.

The protocol: the candidates pass `actlab.checkup.check_activation` first; for each seed every
arm gets the same split (a new one per seed), the same batch order and the same initial weights
for every layer that does not depend on the activation; each arm's learning rate is chosen from
a declared grid on a validation split carved from the training data, on tuning seeds disjoint
from the evaluation seeds, and the test data is read only for the chosen setting; the declared
score (the mean of the last k epochs on test) does not select; each candidate is compared with
each baseline, paired over seeds, with Holm across the trial's comparisons and TOST where the
question is "the same" (`actlab.stats.decide_paired`).

Modules: `tasks` (`Task`, `Split`), `shipped` (the shipped tasks, `get_task`, `expand_tasks`),
`suite` (a task suite drawn from the activation literature, suites by name, positive controls,
aggregates across tasks with rliable), `arms` (`Arm`), `runs` (one training run, what a worker
executes), `cache` (the run cache, joblib's `Memory`), `compare` (scores, learning-rate choice,
comparisons, cost), `plan` (`plan_trial`), `design` (`Design`), `execution` (`execute`,
`Runs`), `decision` (`decide`, `Decisions`), `engine` (`run_trial`, their composition),
`schema` (the tables' columns), `parallel` (where the runs execute: this process, loky or
Dask), `trial` (`Trial`), `figure`, `progress` and `cli` (`python -m actlab.trials`).
"""

from actlab.trials.arms import Arm, constant_reference
from actlab.trials.compare import Question
from actlab.trials.decision import Decisions, decide
from actlab.trials.design import Design, PlannedRun
from actlab.trials.engine import run_trial
from actlab.trials.execution import Runs, TrialError, execute
from actlab.trials.plan import plan_trial
from actlab.trials.runs import batch_order
from actlab.trials.shipped import (
    TASKS,
    expand_tasks,
    get_task,
    mnist_cnn,
    mnist_mlp,
    sin_extrapolation,
)
from actlab.trials.suite import POSITIVE_CONTROLS, SUITES
from actlab.trials.tasks import (
    Init,
    Split,
    Task,
    build_regressor,
    log_mse_task,
    with_held_out_test,
)
from actlab.trials.trial import Trial

__all__ = [
    "Arm",
    "Decisions",
    "Design",
    "PlannedRun",
    "Runs",
    "decide",
    "execute",
    "plan_trial",
    "Init",
    "Question",
    "Split",
    "TASKS",
    "Task",
    "Trial",
    "TrialError",
    "batch_order",
    "constant_reference",
    "get_task",
    "expand_tasks",
    "SUITES",
    "POSITIVE_CONTROLS",
    "mnist_cnn",
    "mnist_mlp",
    "run_trial",
    "sin_extrapolation",
    "log_mse_task",
    "with_held_out_test",
    "build_regressor",
]
