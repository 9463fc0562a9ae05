"""Notebook 02's parameter validators (`VALIDATORS`; the common ones come from `session`)."""

from __future__ import annotations

from typing import Any

from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.collection.experiments.softexp.design import ARMS, TASK_NAMES, regularized_arm
from actlab.collection.experiments.softexp.problems import tasks


def _sizes(name: str, value: Any) -> None:
    if not (isinstance(value, dict) and set(value) <= set(TASK_NAMES)):
        session._fail(name, value, f"a dict of task name ({list(TASK_NAMES)}) to its options")
    try:
        tasks(value, {t: [1e-3] for t in TASK_NAMES})
    except (TypeError, ValueError) as exc:
        session._fail(name, value, f"options the tasks accept ({exc})")


def _rates(name: str, value: Any) -> None:
    if not (
        isinstance(value, dict)
        and set(value) == set(TASK_NAMES)
        and all(
            isinstance(v, list) and v and all(isinstance(r, float) and r > 0 for r in v)
            for v in value.values()
        )
    ):
        session._fail(name, value, f"a dict of each task ({list(TASK_NAMES)}) to a list of rates")


def _sweep(name: str, value: Any) -> None:
    try:
        if not isinstance(value, list):
            raise TypeError("not a list")
        for s in value:
            regularized_arm(s["kind"], s["strength"])
            if not (isinstance(s["strength"], float) and s["strength"] > 0):
                raise ValueError("strength must be a float > 0")
    except (TypeError, ValueError, KeyError) as exc:
        session._fail(name, value, f"a list of {{'kind': 'l1' or 'l2', 'strength': s}} ({exc})")


_between_arms = any_good.declared_between(list(ARMS))


def _declared(name: str, value: Any) -> None:
    _between_arms(name, value)
    for q in value:
        if q.get("task") not in TASK_NAMES:
            session._fail(name, value, f"questions on tasks of {list(TASK_NAMES)}")
        if q.get("kind", "difference") == "difference" and not q.get("smallest_effect"):
            session._fail(name, value, "a smallest_effect for each difference question")


#: Validators of notebook 02's own parameters (the common ones come from `session`).
VALIDATORS = {
    "declared": _declared,
    "task_sizes": _sizes,
    "learning_rates": _rates,
    "sweep": _sweep,
    "exploratory_arms": session.boolean,
    "tune_seeds": session.positive_int,
    "jobs": session.optional_positive_int,
}
