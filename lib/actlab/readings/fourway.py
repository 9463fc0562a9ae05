"""The four readings of an interval for a difference against 0 and a smallest effect δ."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from actlab._util import to_jsonable
from actlab.readings import _checks

__all__ = ["READINGS", "FourWay", "four_way"]

#: The reading codes, in the order of the issue: two decided as a difference, one decided as
#: an equivalence, and the rest.
READINGS = ("different", "different_but_smaller", "equivalent", "undetermined")


@dataclass(frozen=True)
class FourWay:
    """An interval read against 0 and ±δ (see `four_way`)."""

    low: float
    high: float
    delta: float
    excludes_zero: bool
    within_delta: bool
    reading: str

    @property
    def decided(self) -> bool:
        """Any reading but ``"undetermined"``."""
        return self.reading != "undetermined"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({**asdict(self), "decided": self.decided})


def four_way(low: float, high: float, delta: float) -> FourWay:
    """Read an interval ``[low, high]`` for a difference against 0 and a declared smallest
    effect δ (Lakens, Scheel & Isager 2018, "Equivalence testing for psychological research",
    Fig. 1: the four outcomes of a test against 0 combined with an equivalence test).

    Formula:
        excludes_zero = low > 0 or high < 0;  within_delta = −δ < low and high < δ;
        reading = "different" (excludes 0, not within ±δ), "different_but_smaller" (excludes 0,
        within ±δ), "equivalent" (includes 0, within ±δ), "undetermined" (includes 0, not
        within ±δ).

    Boundaries: both comparisons are strict, so an endpoint that *equals* 0 counts as including
    0, and an endpoint equal to ±δ counts as *not* within ±δ: a claim is made only when the
    interval lies strictly on its side (the conservative reading, and the one of
    `actlab.stats`'s verdicts). A NaN endpoint (no interval, e.g. one seed) reads
    ``"undetermined"``; infinite endpoints are allowed.

    Args:
        low, high: the interval's endpoints (``low <= high``), e.g. the two-sided (1 − α)
            paired t interval; then "excludes 0" is the two-sided test at α and "within ±δ" the
            two one-sided tests at α/2 each.
        delta: the declared smallest effect δ > 0, in the difference's units.

    Returns:
        A `FourWay`: the endpoints, δ, the two comparisons and the reading code.

    Raises:
        ValueError: δ not a finite number > 0, an endpoint not a number, or ``low > high``.
    """
    delta = _checks.positive("delta", delta)
    bounds = []
    for name, value in (("low", low), ("high", high)):
        if not _checks._is_real(value):
            raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
        bounds.append(float(value))
    low, high = bounds
    if low > high:
        raise ValueError(f"`low` must be <= `high`. Received: low={low!r}, high={high!r}")
    if math.isnan(low) or math.isnan(high):
        return FourWay(low, high, delta, False, False, "undetermined")
    excludes_zero = bool(low > 0.0 or high < 0.0)
    within_delta = bool(-delta < low and high < delta)
    if excludes_zero:
        reading = "different_but_smaller" if within_delta else "different"
    else:
        reading = "equivalent" if within_delta else "undetermined"
    return FourWay(low, high, delta, excludes_zero, within_delta, reading)
