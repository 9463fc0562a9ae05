"""actlab.checkup's `cost`: a paired ratio against a reference built-in of the same shape over
interleaved rounds, which warns only when its whole interval is above the threshold, so the
same target does not flip between pass and warn as the machine's load changes."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import bench
from actlab.checkup import check_activation

pytestmark = pytest.mark.tensorflow_only(reason="actlab.bench times the TensorFlow backend only")


def _loaded_machine(ratio: float, seed: int = 0):
    """A `bench.time_interleaved` on a machine whose load changes from round to round (each
    round 1x to 6x slower, both candidates alike): the target takes `ratio` times the
    reference's time in every round, within 5 %."""
    rng = np.random.default_rng(seed)

    def timed(calls: dict, repeats: int) -> dict:
        if len(calls) != 2:  # a lone copy (the code before this check timed a copy floor)
            return {key: [1e-3] * repeats for key in calls}
        load = rng.uniform(1.0, 6.0, repeats)
        reference, target = list(calls)  # the order the check gives them
        base = 2e-4 * load
        return {
            reference: list(base),
            target: list(base * ratio * rng.uniform(0.95, 1.05, repeats)),
        }

    return timed


@pytest.mark.parametrize("ratio, status", [(2.3, "pass"), (4.7, "warn")])
def test_the_same_target_gives_the_same_verdict_under_changing_load(monkeypatch, ratio, status):
    for seed in (0, 1):
        monkeypatch.setattr(bench.timing, "time_interleaved", _loaded_machine(ratio, seed))
        result = check_activation(
            "silu",
            train=False,
            timing=True,
            dtypes=("float32",),
            fresh_process=False,
            cost_log2_size=12,
            cost_repeats=15,
        )["cost"]
        assert result.status == status, result.detail
        assert result.evidence["reference"] == "silu"
        assert result.evidence["ratio"] == pytest.approx(ratio, rel=0.06)
        assert result.evidence["ratio_low"] <= ratio <= result.evidence["ratio_high"] * 1.06
        assert "95 % interval" in result.detail


def test_the_interval_decides_not_the_median():
    from actlab.checkup.cost import COST_WARN_X, median_interval

    ratios = [2.0] * 7 + [5.0] * 8  # median above the threshold, interval across it
    median, low, high = median_interval(ratios)
    assert median > COST_WARN_X and low < COST_WARN_X < high


def test_a_target_that_doubles_its_features_is_timed_against_silu_of_both_signs():
    result = check_activation(
        "actlab.activations:crelu",
        train=False,
        dtypes=("float32",),
        fresh_process=False,
        cost_log2_size=12,
        cost_repeats=3,
    )["cost"]
    assert result.status in ("pass", "warn")  # a measurement: never judged in a test
    assert result.evidence["reference"] == "concat(silu(x), silu(-x))"
