"""The declared columns of a trial's three tables, checked when a table is built.

`RUN_COLUMNS`: one row per training run (`Trial.runs`); beside them, one column per recorded
curve (``train_loss``, ``val_<metric>``, ``test_<metric>``: a tuple per epoch) and, when the task
records one, ``record``; in a design crossed with roundings, ``rounding`` (the run's oneDNN
setting). `CHOICE_COLUMNS`: per task, arm and learning rate of a tuned grid
(`Trial.choices`). `COMPARISON_COLUMNS`: one row per task × candidate × baseline
(`Trial.comparisons`); ``cost_ratio`` and its quartiles are there when the trial measured cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["RUN_COLUMNS", "CHOICE_COLUMNS", "COMPARISON_COLUMNS", "OPTIONAL", "check_rows"]

RUN_COLUMNS = (
    "task",  # task name
    "arm",  # arm name
    "role",  # "candidate" or "baseline"
    "stage",  # "tune" (scored on validation) or "eval" (test recorded too)
    "learning_rate",
    "seed",
    "epochs",
    "val_score",  # the declared score on validation (mean of the last epochs, scaled)
    "test_score",  # the declared score on test (NaN for a tuning run)
    "seconds",  # training time of the run
    "nonfinite_epoch",  # first epoch whose loss was not finite (None: none)
    "params",  # trainable parameter count
    "device",  # where the run computed: "cpu" or "gpu:<name>" (actlab.trials.cache.device_label)
    "split_id",  # fingerprints: the same in every arm for a seed (common random numbers)
    "order_id",
    "init_id",
    "cached",  # read from the run cache (True) or trained now (False)
)

CHOICE_COLUMNS = (
    "task",
    "arm",
    "learning_rate",
    "val_score",  # mean validation score over the tuning seeds (NaN: a run went non-finite)
    "tune_seeds",  # how many tuning seeds
    "chosen",  # the learning rate this arm's evaluation runs use
)

COMPARISON_COLUMNS = (
    "task",
    "candidate",
    "baseline",
    "question",  # "difference", "non-inferiority" or "equivalence"
    "margin",
    "question_id",
    "question_words",
    "smallest_effect",
    "family",  # "declared" or "exploratory": each its own Holm family
    "metric",
    "unit",
    "higher_is_better",
    "candidate_lr",
    "baseline_lr",
    "candidate_mean",
    "baseline_mean",
    "nonfinite_seeds",
    "nonfinite",  # which arm had no finite score at which seeds (None: every score finite)
    "n",
    "mean_diff",  # candidate − baseline, per seed, averaged
    "sd_diff",
    "ci_low",
    "ci_high",
    "p",
    "alpha",
    "decided",  # before Holm
    "verdict",  # before Holm
    "p_holm",
    "verdict_holm",
    "decided_holm",
    "text",  # one sentence
)

#: Columns a row may carry beside the declared ones, per table (a prefix ends with "_").
OPTIONAL = {
    "runs": ("record", "rounding", "train_", "val_", "test_"),
    "choices": (),
    "comparisons": ("cost_ratio", "cost_ratio_q1", "cost_ratio_q3"),
}

_DECLARED = {"runs": RUN_COLUMNS, "choices": CHOICE_COLUMNS, "comparisons": COMPARISON_COLUMNS}


def _allowed(table: str, column: str) -> bool:
    return any(column == o or (o.endswith("_") and column.startswith(o)) for o in OPTIONAL[table])


def check_rows(table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Raise `ValueError` when a row of `table` (``"runs"``, ``"choices"``,
    ``"comparisons"``) lacks a declared column or carries one that is not declared."""
    declared = _DECLARED[table]
    for i, row in enumerate(rows):
        missing = [c for c in declared if c not in row]
        extra = [c for c in row if c not in declared and not _allowed(table, c)]
        if missing or extra:
            raise ValueError(
                f"Row {i} of the {table} table does not match its schema "
                f"(actlab.trials.schema): missing {missing}, undeclared {extra}"
            )
