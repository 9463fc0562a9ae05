"""`make robustness`: a run again under a perturbation of float rounding, in its own folders, and
its headline verdicts beside the first run's (`actlab.collection.robustness`).

Fake results.json pairs keep these fast: nothing here trains or starts a kernel.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from actlab import wording
from actlab.collection import outputs, robustness, runner

pytestmark = pytest.mark.backend_independent(
    reason="file bookkeeping and comparisons of recorded verdicts"
)


def _question(qid: str, verdict: str, mean: float, decided: bool = True) -> dict:
    return {
        "id": qid,
        "question": f"Is {qid} any good?",
        "kind": "difference",
        "margin": None,
        "unit": "points",
        "n": 6,
        "mean_diff": mean,
        "ci_low": mean - 0.3,
        "ci_high": mean + 0.3,
        "p_holm": 0.01,
        "verdict": verdict,
        "decided": decided,
        "text": "...",
        "open": None if decided else "about 20 paired seeds",
    }


def _record(questions: list[dict], onednn: str | None = None, seeds=(0, 1)) -> dict:
    return {
        "notebook": "91_fake",
        "profile": "default",
        "label": "default" if onednn is None else "default, oneDNN off",
        "run_id": "r" + str(onednn),
        "params": {"profile": "default", "seeds": list(seeds)},
        "results": {"questions": questions},
        "provenance": {"git_commit": "abc", "onednn": onednn, "finished_utc": "2026-12-05T10:00"},
    }


def test_the_same_verdicts_agree_and_identical_numbers_are_flagged():
    ref = _record([_question("a", "A higher", 0.8), _question("b", "no clear difference", 0.1)])
    new = _record(
        [_question("a", "A higher", 0.7), _question("b", "no clear difference", 0.1)], "0"
    )
    record = robustness.compare_results(ref, new)
    assert record["agree"] and record["flips"] == [] and record["problems"] == []
    assert [q["agree"] for q in record["questions"]] == [True, True]
    assert [q["identical"] for q in record["questions"]] == [False, True]
    assert record["summary"] == "the same 2 of 2 headline verdicts with oneDNN off"
    same = robustness.compare_results(ref, {**ref, "provenance": {"onednn": "0"}})
    assert same["agree"] and "changed nothing" in same["summary"]


def test_a_flip_is_reported_as_one():
    ref = _record([_question("a", "A higher", 0.8), _question("b", "B higher", -0.6)])
    new = _record(
        [_question("a", "no clear difference", 0.3, False), _question("b", "B higher", -0.5)],
        "0",
    )
    record = robustness.compare_results(ref, new)
    assert not record["agree"] and record["flips"] == ["a"]
    assert record["summary"] == (
        "1 of 2 headline verdicts FLIP with oneDNN off: a: A higher → no clear difference (the "
        "two intervals overlap from +0.50 to +0.60: one answer within the runs' noise, with the "
        "verdict at its threshold)"
    )
    assert record["questions"][0]["overlap"] == pytest.approx([0.5, 0.6])
    # intervals that do not overlap are two answers, and the summary says so
    far = _record(
        [_question("a", "B higher", -0.8), _question("b", "B higher", -0.5)],
        "0",
    )
    apart = robustness.compare_results(ref, far)
    assert apart["questions"][0]["overlap"] is None
    assert apart["summary"].endswith(
        "a: A higher → B higher (the two intervals do not overlap: the runs disagree beyond "
        "their noise)"
    )
    text = wording.robustness_text({**record, "reference": {}, "perturbed": {}})
    row = next(line for line in text.splitlines() if line.strip().startswith("a "))
    assert row.endswith("FLIP") and "A higher: +0.80 (+0.50 to +1.10), 6 seeds" in row


@pytest.mark.parametrize(
    ("ref", "new", "problem"),
    [
        (None, _record([_question("a", "A higher", 1)], "0"), "has no results.json"),
        (_record([]), _record([], "0"), "declares no headline questions"),
        (
            _record([_question("a", "A higher", 1)]),
            _record([_question("a", "A higher", 1)], "0", seeds=(0, 1, 2)),
            "parameters differ (seeds)",
        ),
        (
            _record([_question("a", "A higher", 1)], "0"),
            _record([_question("a", "A higher", 1)], "0"),
            "ran with oneDNN off as well",
        ),
        (
            _record([_question("a", "A higher", 1)]),
            _record([_question("a", "A higher", 1)], None),
            "did not run with oneDNN off",
        ),
        (
            _record([_question("a", "A higher", 1)]),
            _record([_question("b", "A higher", 1)], "0"),
            "question 'a' is only in the unperturbed run",
        ),
    ],
)
def test_what_cannot_be_compared_says_why(ref, new, problem):
    record = robustness.compare_results(ref, new)
    assert not record["agree"]
    assert any(problem in p for p in record["problems"]), record["problems"]
    assert record["summary"].startswith("not compared: ")


@pytest.fixture
def figures(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("ACTLAB_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path / "figures"


def _write(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_compare_reads_both_runs_writes_the_comparison_and_exits_by_verdict(figures, capsys):
    ref = _record([_question("a", "A higher", 0.8)])
    _write(figures / "91_fake" / "results.json", ref)
    _write(figures / "92_none" / "results.json", _record([]))
    assert robustness.declared(["91_fake", "92_none", "93_missing"]) == ["91_fake"]
    assert robustness.main(["declared", "91_fake", "92_none"]) == 0
    assert capsys.readouterr().out.strip() == "91_fake"

    assert robustness.main(["compare", "91_fake"]) == 2  # the perturbed run is missing
    assert "not compared" in capsys.readouterr().out
    _write(
        figures / "robustness" / "91_fake" / "results.json",
        _record([_question("a", "A higher", 0.7)], "0"),
    )
    assert robustness.main(["compare", "91_fake"]) == 0
    out = capsys.readouterr().out
    assert "the same 1 of 1 headline verdicts with oneDNN off" in out
    written = figures / "robustness" / "91_fake" / "robustness.json"
    assert robustness.comparison_path("91_fake") == written
    saved = json.loads(written.read_text())
    assert saved["agree"] and saved["reference"]["onednn"] is None
    assert saved["perturbed"]["onednn"] == "0" and saved["perturbation"] == "onednn-off"

    _write(
        figures / "robustness" / "91_fake" / "results.json",
        _record([_question("a", "no clear difference", 0.2, False)], "0"),
    )
    assert robustness.main(["compare", "--profile", "default", "91_fake"]) == 1
    assert "FLIP" in capsys.readouterr().out


def test_a_robustness_run_has_its_own_folders_label_and_environment(figures):
    key = outputs.RunKey(perturbation="onednn-off")
    assert (key.variant, key.label) == ("robustness", "default, oneDNN off")
    full = outputs.RunKey("full", perturbation="onednn-off")
    assert full.variant == "robustness/full" and full.unperturbed() == outputs.RunKey("full")
    loc = outputs.keyed_locations("91_fake", key)
    assert loc.figures == figures / "robustness" / "91_fake"
    assert loc.executed == figures.parent / "reports" / "executed" / "robustness" / "91_fake.ipynb"
    assert key.environment() == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    assert outputs.RunKey().environment() == {}
    with pytest.raises(ValueError, match="perturbation="):
        outputs.RunKey(perturbation="fast-math")
    with pytest.raises(ValueError, match="backend='jax'"):
        outputs.RunKey(backend="jax", perturbation="onednn-off")
    with pytest.raises(outputs.OutputConflictError, match="default, oneDNN off run"):
        outputs.locations("91_fake", outputs.RunKey(), loc.executed)
    env = runner.kernel_environment(loc, {**key.to_json(), "run_id": "x"})
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "0"
    plain = outputs.keyed_locations("91_fake", outputs.RunKey())
    env = runner.kernel_environment(plain, {**outputs.RunKey().to_json(), "run_id": "x"})
    assert env.get("TF_ENABLE_ONEDNN_OPTS") == os.environ.get("TF_ENABLE_ONEDNN_OPTS")


def test_results_record_the_perturbation_and_the_onednn_setting(monkeypatch):
    from actlab.collection import session

    info = {**outputs.RunKey(perturbation="onednn-off").to_json(), "run_id": "r1"}
    monkeypatch.setenv(outputs.RUN_ENV, json.dumps(info))
    assert session.Run("91_fake", {}).identity()["perturbation"] == "onednn-off"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    expected = "0" if keras.backend.backend() == "tensorflow" else None
    assert session.environment_provenance()["onednn"] == expected


def test_makefile_runs_the_perturbed_run_where_outputs_says(figures, tmp_path):
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    stamp = tmp_path / "venv-installed"
    stamp.touch()
    key = outputs.RunKey(perturbation="onednn-off")
    target = outputs.keyed_locations("91_fake", key).stamp
    (nb_dir / "91_fake.ipynb").write_text("{}")
    out = subprocess.run(
        [
            "make",
            "-n",
            "--no-print-directory",
            "-C",
            str(outputs.REPO_ROOT),
            str(target),
            f"NOTEBOOK_DIR={nb_dir}",
            f"VENV_STAMP={stamp}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    ).stdout
    lines = [ln for ln in out.splitlines() if "actlab.collection.runner" in ln]
    assert len(lines) == 2, out  # the unperturbed run first, then the perturbed one
    words = shlex.split(lines[1])
    assert words[words.index("--perturbation") + 1] == "onednn-off"
    loc = outputs.keyed_locations("91_fake", key)
    assert Path(words[words.index("--output") + 1]) == loc.executed
    assert Path(words[words.index("--stamp") + 1]) == loc.stamp
    first = shlex.split(lines[0].split("||")[0])
    assert "--perturbation" not in first
