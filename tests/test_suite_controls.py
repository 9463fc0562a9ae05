"""The suite's positive controls: the reading of a control trial (`actlab.trials.suite.controls`),
its words (`actlab.wording.suite`), and docs/suite.md's table, rendered from the committed
results by tools/suite_controls.py."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from actlab.trials.suite import POSITIVE_CONTROLS, controls
from actlab.wording import suite as words

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "suite_controls", ROOT / "tools" / "suite_controls.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

pytestmark = pytest.mark.backend_independent(reason="records and words; no Keras")


def _reading(**changes) -> controls.ControlReading:
    base = dict(
        task="periodic",
        candidate="snake",
        baseline="relu",
        source="Liu Ziyin et al. 2020 (Snake)",
        seeds=10,
        score="loss",
        unit="decades",
        higher_is_better=False,
        log10=True,
        candidate_mean=-2.0,
        baseline_mean=-1.0,
        mean_diff=-1.0,
        ci_low=-1.5,
        ci_high=-0.5,
        p=0.001,
        verdict="snake lower",
        outcome="as the paper",
        nonfinite_seeds=0,
        train_s=12.5,
    )
    return controls.ControlReading(**{**base, **changes})


@pytest.mark.parametrize(
    ("decided", "verdict", "mean_diff", "higher_is_better", "expected"),
    [
        (True, "silu higher", 0.5, True, "as the paper"),
        (True, "relu lower", 0.4, False, "opposite"),  # a log MSE: the candidate's is higher
        (True, "snake lower", -0.4, False, "as the paper"),
        (True, "relu higher", -3.0, True, "opposite"),
        (False, "no clear difference", 1.0, True, "no clear difference"),
        (False, "too few seeds", 5.0, True, "not decided"),
        (False, "single seed", math.nan, False, "not decided"),
    ],
)
def test_a_comparison_is_read_against_the_papers_claim(
    decided, verdict, mean_diff, higher_is_better, expected
):
    assert controls.outcome(decided, verdict, mean_diff, higher_is_better) == expected
    assert expected in controls.OUTCOMES


def test_every_offline_control_is_a_standard_task_and_cifar_is_not_offline():
    tasks = [c.task for c in controls.offline_controls()]
    assert tasks and "cifar10" not in tasks
    assert set(tasks) == set(POSITIVE_CONTROLS) - {"cifar10"}


def test_a_reading_round_trips_through_its_dict_with_nan_as_none():
    r = _reading(train_s=math.nan)
    d = r.to_dict()
    assert d["train_s"] is None
    back = controls.ControlReading.from_dict(d)
    assert math.isnan(back.train_s) and back.to_dict() == d
    with pytest.raises(ValueError, match="unknown fields"):
        controls.ControlReading.from_dict({**d, "colour": 1})


def test_words_give_a_log10_difference_as_a_ratio_and_points_as_points():
    log = _reading().to_dict()
    assert words.control_difference(log) == "×0.1 (×0.032 to ×0.32)"
    acc = _reading(
        task="deep_mlp",
        score="accuracy",
        unit="points",
        higher_is_better=True,
        log10=False,
        candidate_mean=90.0,
        baseline_mean=88.5,
        mean_diff=1.5,
        ci_low=0.5,
        ci_high=2.5,
    ).to_dict()
    assert words.control_difference(acc) == "+1.50 points (0.50 to 2.50)"
    assert words.control_difference({**acc, "ci_low": None}) == "n/a"
    table = words.controls_table([log, acc])
    assert "| `periodic` | snake vs relu; Liu Ziyin et al. 2020 (Snake) | 10 |" in table
    assert "test loss (lower is better; the difference a ratio)" in table
    assert "| 0.01 | 0.1 |" in table  # geometric means of the MSE, not their log10
    assert "| 90.00 | 88.50 |" in table
    assert words.controls_summary([log, {**acc, "outcome": "opposite"}]) == (
        "1 of 2 tasks show their paper's advantage; not: `deep_mlp` (opposite)."
    )
    assert "does not show the paper's advantage" in words.control_finding(
        {**acc, "outcome": "no clear difference", "verdict": "no clear difference"}
    )


def test_the_docs_table_is_the_one_rendered_from_the_committed_results():
    provenance, readings = controls.load(tool.RESULTS)
    assert {r.task for r in readings} == {c.task for c in controls.offline_controls()}
    page = tool.PAGE.read_text()
    block = page[page.index(tool.BEGIN) : page.index(tool.END) + len(tool.END)]
    assert block == tool.render(provenance, [r.to_dict() for r in readings]), (
        "docs/suite.md's controls table differs from docs/suite-controls.json: run "
        "`python tools/suite_controls.py`"
    )
    assert all(r.seeds >= 6 for r in readings)
    assert provenance["git_dirty"] is False, "the quoted controls ran on uncommitted code"
