"""Argument checks shared by the readings (each error names the argument it is about)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab._util import is_int


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def positive(name: str, value: Any) -> float:
    """`value` as a float, finite and > 0."""
    if not (_is_real(value) and math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def finite(name: str, value: Any) -> float:
    """`value` as a finite float."""
    if not (_is_real(value) and math.isfinite(value)):
        raise ValueError(f"`{name}` must be a finite number. Received: {name}={value!r}")
    return float(value)


def probability(name: str, value: Any) -> float:
    """`value` as a float strictly between 0 and 1."""
    if not (_is_real(value) and 0.0 < value < 1.0):
        raise ValueError(
            f"`{name}` must be a number strictly between 0 and 1. Received: {name}={value!r}"
        )
    return float(value)


def integer(name: str, value: Any, minimum: int) -> int:
    """`value` as an int ≥ `minimum`."""
    if not (is_int(value) and value >= minimum):
        raise ValueError(f"`{name}` must be an integer ≥ {minimum}. Received: {name}={value!r}")
    return int(value)


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    """`value`, one of `options`."""
    if value not in options:
        raise ValueError(f"`{name}` must be one of {options}. Received: {name}={value!r}")
    return value


def vector(name: str, values: Any, minimum: int = 1, allow_nan: bool = False) -> np.ndarray:
    """`values` as a 1-D float array of at least `minimum` entries (finite unless `allow_nan`,
    which lets NaN and ±inf through for the caller to handle)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a 1-D sequence of numbers. Received: {values!r}"
        ) from None
    if array.ndim != 1 or array.size < minimum:
        raise ValueError(
            f"`{name}` must be a 1-D sequence of at least {minimum} numbers. "
            f"Received shape {array.shape}"
        )
    if not allow_nan and not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must hold finite numbers only. Received: {array.tolist()!r}")
    return array
