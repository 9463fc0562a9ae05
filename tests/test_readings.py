"""actlab.readings: the statistics of a confirmatory trial, checked against scipy, exact
enumeration, brute force, hand-worked cases and simulation (numbers, not words)."""

from __future__ import annotations

import json
import math

import pytest

from actlab import readings

pytestmark = pytest.mark.backend_independent(
    reason="NumPy/SciPy statistics: no Keras backend involved"
)


# ------------------------------------------------------------------------------------ four_way
@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.6, 2.0, "different"),  # excludes 0, reaches past δ
        (-3.0, -0.1, "different"),
        (0.1, 0.4, "different_but_smaller"),
        (-0.4, -0.1, "different_but_smaller"),
        (-0.3, 0.4, "equivalent"),
        (-0.7, 0.4, "undetermined"),
        (-2.0, 2.0, "undetermined"),
        (0.2, 0.8, "different"),  # excludes 0, straddles δ: not within
    ],
)
def test_four_way_readings(low, high, reading):
    result = readings.four_way(low, high, 0.5)
    assert result.reading == reading
    assert result.decided == (reading != "undetermined")
    assert json.loads(json.dumps(result.to_dict()))["reading"] == reading


@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.0, 0.3, "equivalent"),  # an endpoint at 0 includes 0
        (-0.3, 0.0, "equivalent"),
        (0.0, 0.0, "equivalent"),
        (0.1, 0.5, "different"),  # an endpoint at +δ is not within ±δ
        (-0.5, -0.1, "different"),
        (-0.5, 0.2, "undetermined"),
        (-0.5, 0.5, "undetermined"),
        (0.0, 0.5, "undetermined"),
        (math.nan, math.nan, "undetermined"),
        (-math.inf, math.inf, "undetermined"),
        (0.7, math.inf, "different"),
    ],
)
def test_four_way_boundaries(low, high, reading):
    assert readings.four_way(low, high, 0.5).reading == reading


@pytest.mark.parametrize("delta", [0, 0.0, -0.5, math.nan, math.inf, None, "0.5", True])
def test_four_way_rejects_a_bad_delta(delta):
    with pytest.raises(ValueError, match="`delta`"):
        readings.four_way(-0.1, 0.1, delta)


def test_four_way_rejects_a_reversed_interval():
    with pytest.raises(ValueError, match="`low`"):
        readings.four_way(0.3, 0.1, 0.5)
