"""`python -m actlab.trials` refuses a bad command line before Keras loads: one line on stderr,
exit status 2, no traceback (a typo in a target, a task or a Keras name with "did you mean",
a module that is not there, seeds that are not seeds, a question without its margin); and
``--seeds A-B`` / ``--seed-start`` give the seeds a pilot runs on."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.backend_independent(
    reason="the command's argument handling, before any backend"
)

MYACTS = """
from keras import ops


def snake(x):
    return x + ops.sin(x) ** 2
"""

REFUSED = [
    (["myacts:snak"], "module 'myacts' has no attribute 'snak'. Did you mean 'myacts:snake'?"),
    (["no_such_module_xyz:act"], "No module named 'no_such_module_xyz'"),
    (["myacts:snake", "--tasks", "nosuch"], "Task 'nosuch' is neither one of ['cnn', 'mlp'"),
    (["myacts:snake", "--tasks", "mlp,mpl"], "Did you mean 'mlp'?"),
    (["myacts:snake", "--seeds", "-3"], "--seeds must be a count >= 1 or a range A-B"),
    (["myacts:snake", "--seeds", "0"], "--seeds must be a count >= 1"),
    (["myacts:snake", "--seeds", "107-100"], "with A <= B"),
    (["myacts:snake", "--seeds", "10000-10003"], "must not hold the tuning seeds 10000..10001"),
    (["myacts:snake", "--question", "equivalence"], "--question equivalence needs --margin"),
    (["myacts:snake", "--question", "non-inferiority"], "needs --margin"),
    (["myacts:snake", "--margin", "0.1"], "--margin goes with --question non-inferiority"),
    (["myacts:snake", "--against", "relu,gleu"], "Did you mean 'gelu' or 'glu'?"),
    (["gelux"], "Target 'gelux' is neither a Keras activation name"),
    (["myacts:snake", "--lr", "0.1,x"], "--lr must be distinct positive numbers"),
    (["myacts:snake", "--jobs", "0"], "--jobs must be >= 1"),
    (["myacts:snake", "--reference"], "--reference compares with a constant prediction"),
    (["myacts:snake", "--roundings", "1,0"], "--interaction-margin must be a number > 0"),
    (["myacts:snake", "--roundings", "1", "--interaction-margin", "0.2"], "--roundings must be"),
]


@pytest.fixture
def user_folder(tmp_path):
    (tmp_path / "myacts.py").write_text(MYACTS)
    return tmp_path


@pytest.mark.parametrize("argv, words", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_bad_command_line_exits_2_in_one_line_before_keras_loads(user_folder, argv, words):
    """`main` in a fresh process: the refusal leaves Keras (and TensorFlow) unimported."""
    code = (
        "import sys\nfrom actlab.trials.cli import main\n"
        f"status = main({argv!r})\n"
        "print(status, 'keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=user_folder
    )
    assert proc.stdout.split() == ["2", "False", "False"], proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert lines[0].startswith("python -m actlab.trials: error: ")


@pytest.mark.parametrize(
    "argv",
    [["myacts:snak"], ["myacts:snake", "--seeds", "0"], ["gleu"]],
    ids=["typo", "seeds 0", "keras name"],
)
def test_the_command_itself_exits_2_without_traceback(user_folder, argv):
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.trials", *argv, "--out", str(user_folder / "trial")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=user_folder,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == "" and not (user_folder / "trial").exists()


def test_seeds_are_a_count_a_start_or_a_range(user_folder, monkeypatch):
    from actlab.trials.cli import check_arguments, seed_list

    assert seed_list("3") == [0, 1, 2]
    assert seed_list("3", start=100) == [100, 101, 102]
    assert seed_list("100-107") == list(range(100, 108))
    assert seed_list(" 7 - 7 ") == [7]
    with pytest.raises(ValueError, match="--seed-start goes with a count"):
        seed_list("100-107", start=5)
    with pytest.raises(ValueError, match="--seed-start must be a seed >= 0"):
        seed_list("3", start=-1)
    monkeypatch.chdir(user_folder)
    monkeypatch.syspath_prepend(str(user_folder))
    args = check_arguments(["myacts:snake", "--seeds", "4", "--seed-start", "100"])
    assert args.seed_list == [100, 101, 102, 103]
    args = check_arguments(["myacts:snake", "gelu", "--seeds", "100-102", "--lr", "0.01,0.1"])
    assert args.seed_list == [100, 101, 102] and args.learning_rates == [0.01, 0.1]


LEAK = """
import sys
from pathlib import Path

from actlab.trials.cli import native_output_to

with native_output_to(Path("trial.log")) as terminal:
    import tensorflow as tf  # imported inside, as the command does

    f = tf.function(lambda x: x * 2)
    for i in range(8):  # a new Python float each call: TensorFlow warns of retracing
        f(float(i))
    print("[1/1] a run's line", file=terminal)
"""


def test_tensorflow_retracing_warnings_go_to_the_log_not_the_terminal(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", LEAK], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "[1/1] a run's line" in proc.stderr
    assert "retracing" not in proc.stderr, proc.stderr
    assert "triggered tf.function retracing" in (tmp_path / "trial.log").read_text()


def test_each_runs_line_carries_an_eta_when_not_a_terminal(caplog):
    import io
    import logging

    from actlab.trials.progress import Progress

    caplog.set_level(logging.INFO, logger="actlab.trials")
    progress = Progress(3, "log")
    progress.run_done("mlp relu seed=0: cached", cached=True)
    progress.run_done("mlp relu seed=1: trained in 1.0 s", cached=False)
    progress.run_done("mlp relu seed=2: trained in 1.0 s", cached=False)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("[1/3] mlp relu seed=0: cached (") and "ETA ?)" in lines[0]
    assert lines[1].startswith("[2/3] mlp relu seed=1: trained in 1.0 s (")
    assert "elapsed, ETA " in lines[1] and "ETA ?" not in lines[1]
    assert lines[2].endswith("elapsed, ETA 0s)")
    caplog.clear()
    bar = Progress(2, "bar", stream=io.StringIO())  # on a terminal the bar shows the ETA
    bar.run_done("mlp relu seed=0: trained in 1.0 s", cached=False)
    assert caplog.records[0].getMessage() == "[1/2] mlp relu seed=0: trained in 1.0 s"
    assert "ETA" in bar.stream.getvalue()


def test_reference_and_roundings_reach_the_trial(user_folder, monkeypatch):
    from actlab.trials.cli import check_arguments

    monkeypatch.syspath_prepend(str(user_folder))
    args = check_arguments(
        ["myacts:snake", "--tasks", "mlp,sin", "--reference", "--roundings", "1,0",
         "--interaction-margin", "0.25"]
    )  # fmt: skip
    assert args.reference_tasks == ["sin"]  # the regression task only
    assert args.rounding_list == ["1", "0"] and args.interaction_margin == 0.25


def test_a_suite_is_checked_before_keras_and_planned_as_its_tasks(monkeypatch):
    from actlab import trials
    from actlab.trials.cli import check_arguments
    from actlab.trials.suite import SUITES

    with pytest.raises(ValueError, match="no suite 'quik'.*Did you mean 'quick'"):
        check_arguments(["gelu", "--tasks", "suite:quik"])
    with pytest.raises(ValueError, match="has no task 'periodc'.*Did you mean 'periodic'"):
        check_arguments(["gelu", "--tasks", "suite:quick/periodc"])
    assert check_arguments(["gelu", "--tasks", "suite:quick"]).tasks == "suite:quick"
    design = trials.plan_trial(["gelu"], ["relu"], ["suite:quick"], seeds=2, cost=False)
    assert [t.name for t in design.tasks] == [name for name, _ in SUITES["quick"]]
    again = trials.Design.from_json(design.dumps())  # each task recorded by its suite path
    assert [t.name for t in again.tasks] == [t.name for t in design.tasks]


def test_the_aggregates_in_words():
    from types import SimpleNamespace

    from actlab.wording import aggregate_lines

    record = SimpleNamespace(candidate="snake", baseline="relu", tasks=("a", "b", "c"), seeds=5,
                             iqm=1.2, iqm_low=0.9, iqm_high=1.5, baseline_iqm=1.0,
                             baseline_iqm_low=0.8, baseline_iqm_high=1.1, improvement=0.6,
                             improvement_low=0.45, improvement_high=0.74, nonfinite=1,
                             reps=2000, confidence=0.95, seed=0)  # fmt: skip
    text = aggregate_lines([record])
    assert text.splitlines()[0].startswith("across 3 tasks (5 seeds each; 95 % stratified")
    assert "snake vs relu: IQM 1.20 (0.90 to 1.50) against 1.00 (0.80 to 1.10)" in text
    assert "P(snake beats relu) 0.60 (0.45 to 0.74); 1 diverged run(s) scored worst" in text
    assert aggregate_lines([]).startswith("No aggregates")
