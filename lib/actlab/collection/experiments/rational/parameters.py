"""Notebook 08's parameter validators (`VALIDATORS`; the common ones come from `session`)."""

from __future__ import annotations

from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.collection.experiments.rational.trial import ARCHS, ARMS

_declared = any_good.declared_between(ARMS)
_arm_names = any_good.distinct_arms(ARMS)


VALIDATORS = {
    "source": session.one_of("embedded", "keras", "auto"),
    "n_val": session.positive_int,
    "task_names": session.list_of(ARCHS),
    "last": session.positive_int,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "candidate": lambda name, value: _arm_names(name, [value]),
    "baselines": _arm_names,
    "smallest_effect": session.positive_float,
    "declared": _declared,
    "jobs": session.optional_positive_int,
}
