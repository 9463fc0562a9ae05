"""Confirmatory trials: the reading of a registered design (`actlab.trials.confirmatory`), the
held-out test block, the collection's registrations (committed before their results) and
re-deciding them from their committed runs (`make confirm`)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from actlab import readings, trials, wording
from actlab.trials import Question
from actlab.trials.confirmatory import confirm, first_pass

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

TF = pytest.mark.tensorflow_only(reason="a confirmatory design crosses oneDNN's roundings")


def _questions(kind_b="difference"):
    return [
        Question("difference", candidate="gelu", baseline="relu", task="mlp", id="q1",
                 smallest_effect=0.5),
        Question(kind_b, candidate="elu", baseline="relu", task="mlp", id="q2",
                 smallest_effect=0.5 if kind_b == "difference" else None,
                 margin=None if kind_b == "difference" else 0.5),
    ]  # fmt: skip


def _design(questions=None, **kwargs):
    args = dict(
        candidates=["gelu", "elu"],
        baselines=["relu"],
        tasks=["trials_fixtures:tiny_mlp"],
        seeds=list(range(12)),
        cost=False,
        roundings=("1", "0"),
        interaction_margin=0.25,
        question=questions or _questions(),
        confirmatory=True,
    )
    args.update(kwargs)
    return trials.plan_trial(**args)


def _rows(design, shift, noise=1.0, nan_at=None, seed=0):
    """Evaluation rows: relu ~ 90 + N(0, noise); each candidate relu + shift[arm] + its own
    noise; the roundings differ by small noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in design.seeds:
        base = 90 + rng.normal(0, noise)
        for arm in ("relu", "gelu", "elu"):
            value = base + shift.get(arm, 0.0) + (rng.normal(0, noise) if arm != "relu" else 0)
            for r in design.settings:
                score = value + rng.normal(0, 0.05)
                if nan_at == (arm, s):
                    score = math.nan
                rows.append(dict(task="mlp", arm=arm, stage="eval", seed=s, rounding=r,
                                 learning_rate=1e-3, test_score=score))  # fmt: skip
    return rows


@TF
def test_each_question_is_confirmatory_decision_at_holms_first_step():
    """Both questions' intervals are read at α/m = 0.025 (simultaneous): the same numbers as
    `confirmatory_decision` on the per-seed means over the roundings at that level."""
    design = _design()
    rows = _rows(design, {"gelu": 3.0})
    out = {r.id: r for r in confirm(rows, design)}
    assert out["q1"].holm_m == 2 and out["q1"].holm_level == pytest.approx(0.025)
    assert out["q2"].holm_level == pytest.approx(0.025)
    for q in ("q1", "q2"):
        arm = "gelu" if q == "q1" else "elu"
        mean = lambda a: np.array([np.mean([r["test_score"] for r in rows  # noqa: E731
                                            if r["arm"] == a and r["seed"] == s])
                                   for s in design.seeds])  # fmt: skip
        expected = readings.confirmatory_decision(
            scores_a=mean(arm), scores_b=mean("relu"), kind="difference", delta_or_margin=0.5,
            alpha_holm=out[q].holm_level,
        )  # fmt: skip
        assert out[q].decision == expected
    assert out["q1"].reading == "different" and out["q1"].decided and out["q1"].rejected
    assert out["q2"].reading == "undetermined" and not out["q2"].decided
    assert out["q1"].interaction["equivalence"]["equivalent"]  # roundings differ by 0.05 noise
    assert out["q1"].n == 12 and out["q1"].roundings == ("1", "0")


@TF
def test_an_unscorable_question_keeps_the_family_size():
    """A NaN score in q2 (no ceiling): q2 is unscorable, undetermined, and still counts: q1 is
    read at α/2, not α."""
    design = _design()
    rows = _rows(design, {"gelu": 3.0}, nan_at=("elu", 4))
    out = {r.id: r for r in confirm(rows, design)}
    assert "unscorable" in out["q2"].decision.reasons and out["q2"].reading == "undetermined"
    assert math.isnan(out["q2"].holm_p)
    assert out["q1"].holm_level == pytest.approx(0.025) and out["q1"].holm_m == 2
    assert out["q1"].reading == "different"


@TF
def test_questions_holm_does_not_reject_are_read_at_alpha_over_m():
    """Two questions whose raw p lie between α/2 and α: Holm rejects neither, and their α/2
    intervals (which include 0 and reach beyond ±δ) read undetermined — although each interval
    at α alone would exclude 0."""
    from scipy import stats as scipy_stats

    design = _design()
    noise = np.array([1.0, -0.5, 0.8, 0.2, 1.2, -0.3, 0.9, -1.1, 0.1, 0.7, -0.2, -1.8])
    shift = next(  # the shift that puts the paired t's p at 0.035
        c for c in np.linspace(0, 2, 2001)
        if scipy_stats.ttest_1samp(noise + c, 0).pvalue < 0.035
    )  # fmt: skip
    rows = []
    for i, s in enumerate(design.seeds):
        for arm, value in (("relu", 90.0), ("gelu", 90 + shift + noise[i]),
                           ("elu", 90 + shift + noise[::-1][i])):  # fmt: skip
            for r in design.settings:
                rows.append(dict(task="mlp", arm=arm, stage="eval", seed=s, rounding=r,
                                 learning_rate=1e-3, test_score=value))  # fmt: skip
    raw = [d.p for *_, d in first_pass(rows, design)]
    assert all(0.025 < p < 0.05 for p in raw), raw
    out = confirm(rows, design)
    assert all(not r.rejected and r.reading == "undetermined" and not r.decided for r in out)
    assert all(r.decision.low < 0 < r.decision.high for r in out)


@TF
def test_two_questions_with_the_same_data_read_the_same():
    """Notebook 03's case: two fixes whose runs are identical give identical readings (each
    interval at α/m, not at its own Holm step)."""
    design = _design(_questions())
    rows = _rows(design, {"gelu": 0.2}, noise=0.3)
    gelu = {(r["seed"], r["rounding"]): r["test_score"] for r in rows if r["arm"] == "gelu"}
    for r in rows:
        if r["arm"] == "elu":
            r["test_score"] = gelu[(r["seed"], r["rounding"])]
    a, b = confirm(rows, design)
    assert a.decision.estimate == b.decision.estimate and a.reading == b.reading
    assert a.holm_level == b.holm_level == pytest.approx(0.025)


@TF
def test_a_log10_question_uses_wilcoxon_and_the_ceiling_arm():
    """On a log10 task the reading is Wilcoxon / Hodges–Lehmann and a diverged run scores the
    ceiling arm's mean (the constant predictor's)."""
    design = trials.plan_trial(
        ["gelu"], ["relu", trials.constant_reference()], ["sin"], seeds=list(range(10)),
        cost=False, roundings=("1", "0"), interaction_margin=0.25, confirmatory=True,
        ceiling_arm="constant",
        question=[Question("difference", candidate="gelu", baseline="relu", task="sin",
                           id="sin", smallest_effect=1.0)],
        pairs=[("gelu", "relu"), ("gelu", "constant")],
    )  # fmt: skip
    rng = np.random.default_rng(1)
    rows = []
    for s in design.seeds:
        for arm, level in (("relu", -2.0), ("gelu", -3.5), ("constant", -0.5)):
            for r in design.settings:
                value = level + rng.normal(0, 0.3)
                if (arm, s) == ("gelu", 3):
                    value = math.inf  # diverged
                rows.append(dict(task="sin", arm=arm, stage="eval", seed=s, rounding=r,
                                 learning_rate=1e-3, test_score=value))  # fmt: skip
    (out,) = confirm(rows, design)
    assert out.log_scale and out.decision.method == "wilcoxon_hl"
    ceiling = np.mean([r["test_score"] for r in rows if r["arm"] == "constant"])
    assert out.ceiling == pytest.approx(ceiling)
    assert out.decision.scored_worst_a == 1 and "scored_worst" in out.decision.reasons
    assert out.decision.divergence_a.k == 1 and out.decision.divergence_a.n == 10


@TF
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(roundings=None, interaction_margin=None), "runs every seed under both roundings"),
        (
            dict(
                questions=[
                    Question("difference", candidate="gelu", baseline="relu", smallest_effect=0.5)
                ]
            ),
            "names its task",
        ),  # fmt: skip
        (
            dict(questions=[Question("difference", candidate="gelu", baseline="relu", task="mlp")]),
            "smallest effect",
        ),  # fmt: skip
        (dict(ceiling_arm="nope"), "`ceiling_arm` must be None or one of"),
        (dict(confirmatory="yes"), "`confirmatory` must be True or False"),
    ],
)
def test_a_confirmatory_design_is_refused_unless_fully_declared(kwargs, match):
    questions = kwargs.pop("questions", None)
    with pytest.raises(ValueError, match=match):
        _design(questions, **kwargs)


@TF
def test_the_registration_round_trips_its_confirmatory_fields():
    design = _design(ceiling_arm="relu")
    data = json.loads(design.dumps())
    assert data["confirmatory"] is True and data["ceiling_arm"] == "relu"
    again = type(design).from_json(data)
    assert again.confirmatory and again.ceiling_arm == "relu" and again.seeds == design.seeds


def test_the_held_out_test_block_is_the_same_for_every_seed_and_never_tuned_on():
    from actlab.collection.experiments import nan_elu

    for task in (trials.with_held_out_test(trials.mnist_mlp(n_train=200)),
                 trials.with_held_out_test(nan_elu.user_task(n_train=200))):  # fmt: skip
        a, b, tune = task.data(0), task.data(1), task.data(20000)
        assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_test, tune.y_test)
        test_rows = {row.tobytes() for row in a.x_test}
        for split in (a, b, tune):
            seen = {row.tobytes() for x in (split.x_train, split.x_val) for row in x}
            assert not (seen & test_rows)
        assert task.config["held_out_test"] is True and "held out" in a.description
    # without it every seed re-splits: a tuning seed validates on test images of seed 0
    plain = trials.mnist_mlp(n_train=200)
    overlap = {r.tobytes() for r in plain.data(0).x_test} & {
        r.tobytes() for r in plain.data(20000).x_val
    }
    assert overlap
    with pytest.raises(ValueError, match="has no `held_out_test` option"):
        trials.with_held_out_test(trials.get_task("sin"))


def test_runs_csv_round_trips_every_float_exactly(tmp_path):
    from actlab.collection.confirm import registry

    rows = [
        {k: None for k in registry.RUN_COLUMNS}
        | dict(
            task="t",
            arm="a",
            role="baseline",
            stage="eval",
            rounding="1",
            seed=3,
            epochs=2,
            learning_rate=0.001,
            val_score=0.1 + 0.2,
            test_score=math.nan,
            seconds=1 / 3,
        )  # fmt: skip
    ]
    path = tmp_path / "runs.csv"
    registry._write_runs(path, rows)
    (back,) = registry.read_runs(path)
    assert back["val_score"] == 0.1 + 0.2 and back["seconds"] == 1 / 3
    assert math.isnan(back["test_score"]) and back["seed"] == 3 and back["nonfinite_epoch"] is None
    assert registry._differences({"a": [1.0, float("nan")]}, {"a": [1.0, float("nan")]}) == []
    assert registry._differences({"a": 1.0}, {"a": 1.0 + 1e-6})  # beyond 1e-9 relative


def test_the_sizing_is_readings_size_trial_at_holms_first_step():
    from actlab.collection.confirm import registry

    profile = {"pilots": {"q1": {"sd": 1.04, "n": 36}, "q2": {"sd": 0.68, "n": 36}}}
    n, records = registry.size(profile, _questions("non-inferiority"), {"mlp": False})
    direct = readings.size_trial(1.04, 0.5, n_pilot=36, m=2)
    assert records[0]["n"] == direct.n == 44 and n == 44
    assert records[0]["alpha"] == pytest.approx(0.025)
    assert 0.6 < records[0]["power_at_sd_upper"] < records[0]["power"]
    # a log10 question needs more seeds: the t-test's divided by Wilcoxon's efficiency 0.864
    n_log, records_log = registry.size(profile, _questions(), {"mlp": True})
    assert records_log[0]["n"] == math.ceil(direct.n / 0.864)
    line = wording.sizing_line(records[0])
    assert line.startswith("q1: difference at 0.50, pilot SD 1.04, read at α = 0.025")


def _git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def _added(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return _git("log", "--diff-filter=A", "--format=%H", "-1", "--", str(rel)).stdout.strip()


def _last(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return _git("log", "--format=%H", "-1", "--", str(rel)).stdout.strip()


def test_every_registration_was_committed_before_its_results():
    """For each confirmatory trial with results: the last commit that wrote its registration is
    a strict ancestor of the commit that added its runs (nothing rewrote the registration
    after), and its readings.json names that commit."""
    from actlab.collection.confirm import registry

    if _git("rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        pytest.fail("the confirmatory order needs the full history: clone without --depth")
    with_results = 0
    for name in registry.registered():
        reg = registry.Registered(name)
        registration = _last(reg.registration)
        assert registration, f"{name}: registration.json is not committed"
        if not reg.runs.exists():
            continue
        with_results += 1
        runs = _added(reg.runs)
        assert runs, f"{name}: runs.csv exists but is not committed"
        assert registration != runs, f"{name}: registered in the same commit as its results"
        ancestor = _git("merge-base", "--is-ancestor", registration, runs)
        assert ancestor.returncode == 0, f"{name}: the registration is not an ancestor"
        recorded = json.loads(reg.readings.read_text())
        assert recorded["registration_commit"] == registration
        assert not recorded["git_dirty"], f"{name}: its run came from a dirty tree"
    assert with_results >= 1


@TF
def test_make_confirm_reproduces_every_committed_reading():
    """`make confirm`'s check: every registered trial's committed runs give its committed
    readings again (no training), and no reading is decided on fewer than 6 seeds."""
    from actlab.collection.confirm import registry

    checked = 0
    for name in registry.registered():
        if not registry.Registered(name).runs.exists():
            continue
        out, differences = registry.decide(name)
        assert differences == [], (name, differences[:5])
        assert all(r["n"] >= 6 or not r["decided"] for r in out)
        assert wording.confirmatory_lines(out)
        checked += 1
    assert checked >= 1


def test_one_floor_of_seeds_everywhere():
    """No verdict on fewer than 6 seeds: the exploratory comparisons (`stats`) and the
    confirmatory decision (`readings`) share the floor."""
    import inspect

    from actlab import stats

    default = inspect.signature(readings.confirmatory_decision).parameters["min_seeds"].default
    assert default == stats.MIN_SEEDS == 6


@pytest.mark.backend_independent(reason="argument checks before Keras loads", in_pass="jax")
def test_a_bad_argument_is_one_line_and_exit_2_before_keras():
    for argv in (["decide", "99_nope"], ["run", "--jobs", "0"], ["nonsense"]):
        out = subprocess.run(
            [sys.executable, "-m", "actlab.collection.confirm", *argv],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
        assert out.returncode == 2, (argv, out.stderr)
        lines = [x for x in out.stderr.splitlines() if "error:" in x]
        assert len(lines) == 1 and "tensorflow" not in out.stderr.lower(), out.stderr
