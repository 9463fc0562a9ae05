"""Notebook 04's parameter validators (`VALIDATORS`; the common ones come from `session`)."""

from __future__ import annotations

import math
from typing import Any

from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.collection.experiments.antirectifier.trial import ARMS

_questions_between_arms = any_good.declared_between(ARMS, extra_keys=("pilot_mean",))
_networks = any_good.distinct_arms(ARMS, "networks")


def _declared(name: str, value: Any) -> None:
    _questions_between_arms(name, value)
    for q in value:
        mean = q.get("pilot_mean")
        if mean is not None and not (isinstance(mean, float) and math.isfinite(mean)):
            session._fail(name, value, "a pilot_mean that is a finite number (points)")


VALIDATORS = {
    "source": session.one_of("embedded", "keras", "auto"),
    "n_val": session.positive_int,
    "last": session.positive_int,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "candidate": lambda name, value: _networks(name, [value]),
    "baselines": _networks,
    "smallest_effect": session.positive_float,
    "declared": _declared,
    "conv_epochs": session.positive_int,
    "jobs": session.optional_positive_int,
}
