"""Checks of a notebook's parameters: one validator per parameter, `validate_params` to run them
(`actlab.collection.session.start_run` does, before any training). Re-exported by
`actlab.collection.session`, where the notebooks find them."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from actlab._util import is_int

Validator = Callable[[str, Any], None]


def _fail(name: str, value: Any, expected: str) -> None:
    raise ValueError(f"Invalid parameter `{name}`: expected {expected}. Received: {name}={value!r}")


def positive_int(name: str, value: Any) -> None:
    if not (is_int(value) and value > 0):
        _fail(name, value, "an integer > 0")


def non_negative_int(name: str, value: Any) -> None:
    if not (is_int(value) and value >= 0):
        _fail(name, value, "an integer >= 0")


def optional_positive_int(name: str, value: Any) -> None:
    if value is not None:
        positive_int(name, value)


def positive_float(name: str, value: Any) -> None:
    if not (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        _fail(name, value, "a finite number > 0")


def fraction(name: str, value: Any) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1):
        _fail(name, value, "a number in [0, 1]")


def boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(name, value, "True or False")


def seed_list(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(is_int(s) and s >= 0 for s in value)
        and len(set(value)) == len(value)
    ):
        _fail(name, value, "a non-empty list of distinct integers >= 0")


def one_of(*choices: Any) -> Validator:
    def check(name: str, value: Any) -> None:
        if value not in choices:
            _fail(name, value, f"one of {list(choices)}")

    return check


def list_of(choices: tuple | list) -> Validator:
    """A non-empty list whose items are all in `choices`."""

    def check(name: str, value: Any) -> None:
        if not (isinstance(value, (list, tuple)) and value and all(v in choices for v in value)):
            _fail(name, value, f"a non-empty list of items from {list(choices)}")

    return check


#: Validators for the parameters most notebooks share.
COMMON_VALIDATORS: dict[str, Validator] = {
    "profile": one_of("default", "smoke", "full"),
    "data_source": one_of("auto", "keras", "embedded"),
    "seeds": seed_list,
    "epochs": positive_int,
    "batch_size": positive_int,
    "n_train": optional_positive_int,
    "n_test": optional_positive_int,
}


def validate_params(params: Mapping[str, Any], validators: Mapping[str, Validator]) -> None:
    """Check every parameter; raise `ValueError` naming the first bad one.

    Every key of `params` must have a validator (`COMMON_VALIDATORS` are merged in), so a
    parameter added to a notebook without a check is caught by the smoke tests.
    """
    merged = {**COMMON_VALIDATORS, **validators}
    for name, value in params.items():
        if name not in merged:
            raise ValueError(f"Parameter `{name}` has no validator; add one to the notebook.")
        merged[name](name, value)
