"""Notebook 01's parameter validators (`VALIDATORS`; the common ones come from `session`)."""

from __future__ import annotations

import math
from typing import Any

from actlab.collection import session
from actlab.collection.experiments.blend.design import VARIANTS, questions


def _stages_validator(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ValueError(
            f"Invalid parameter `{name}`: expected a non-empty list of filter counts "
            f"> 0. Received: {name}={value!r}"
        )


def _relu_cap_validator(name: str, value: Any) -> None:
    ok = value is None or (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
    if not ok:
        raise ValueError(
            f"Invalid parameter `{name}`: expected None or a number > 0. Received: {name}={value!r}"
        )


def _learning_rates_validator(name: str, value: Any) -> None:
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in value)
        and len(set(value)) == len(value)
    ):
        session._fail(name, value, "a non-empty list of distinct learning rates > 0")


def _questions_validator(name: str, value: Any) -> None:
    try:
        if not isinstance(value, list):
            raise TypeError("not a list")
        questions(value)
        for q in value:
            if not (isinstance(q.get("pilot_sd"), float) and q["pilot_sd"] > 0):
                raise ValueError(f"question {q.get('id')!r} needs a pilot_sd > 0 (points)")
            if q.get("kind", "difference") == "difference" and not q.get("smallest_effect"):
                raise ValueError(f"question {q.get('id')!r} needs a smallest_effect (points)")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        session._fail(
            name,
            value,
            f"a list of questions (id, kind, candidate, baseline, margin, smallest_effect, "
            f"pilot_sd; variants from {list(VARIANTS)}): {exc}",
        )


#: Validators for notebook 01's own parameters (the common ones come from `session`).
VALIDATORS = {
    "candidates": session.list_of(tuple(VARIANTS)),
    "baselines": session.list_of(tuple(VARIANTS)),
    "questions": _questions_validator,
    "tune_seeds": session.positive_int,
    "learning_rates": _learning_rates_validator,
    "n_val": session.positive_int,
    "blend_epochs": session.positive_int,
    "hold_epochs": session.positive_int,
    "last": session.positive_int,
    "stages": _stages_validator,
    "stem_strides": session.positive_int,
    "relu_cap": _relu_cap_validator,
    "per_batch": session.boolean,
    "probe_size": session.positive_int,
    "demo_epochs": session.positive_int,
    "jobs": session.optional_positive_int,
}
