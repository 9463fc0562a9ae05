"""Notebook 05's parameter validators (`VALIDATORS`; the common ones come from `session`)."""

from __future__ import annotations

from typing import Any

from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.collection.experiments.truncation.trial import ARM_NAMES, PAIRS, pairs


def _arm_names(name: str, value: Any) -> None:
    any_good.distinct_arms(ARM_NAMES)(name, value)
    if not pairs(value):
        session._fail(name, value, f"arms that make at least one of the pairs {list(PAIRS)}")


def _arm_learning_rates(name: str, value: Any) -> None:
    if value is None:
        return
    if not (
        isinstance(value, dict)
        and set(value) <= set(ARM_NAMES)
        and all(isinstance(v, float) and v > 0 for v in value.values())
    ):
        session._fail(
            name, value, f"None or a dict of arm name ({list(ARM_NAMES)}) to a learning rate"
        )


VALIDATORS = {
    "arm_names": _arm_names,
    "arm_learning_rates": _arm_learning_rates,
    "n_val": session.positive_int,
    "threshold": session.positive_float,
    "threshold_l2": session.positive_float,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "last": session.positive_int,
    "smallest_effect": session.positive_float,
    "filters": session.positive_int,
    "compare_threshold": session.positive_float,
    "compare_size": session.positive_int,
    "user_threshold": session.positive_float,
    "user_batch": session.positive_int,
    "declared": any_good.declared_between(ARM_NAMES),
    "jobs": session.optional_positive_int,
}
