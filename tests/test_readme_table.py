"""tools/readme_table.py: the README's findings table is the one generated from the reference run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from actlab import wording

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("readme_table", ROOT / "tools" / "readme_table.py")
readme_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_table)


def test_readme_table_matches_the_reference_run():
    reference = json.loads(readme_table.REFERENCE.read_text())
    block = readme_table.readme_block(readme_table.README.read_text())
    assert block == readme_table.render(reference), (
        "README.md's findings table differs from tools/findings_reference.json: run "
        "`python tools/readme_table.py` (or `make readme-table` after `make figures`)"
    )
    assert set(reference["notebooks"]) >= {"01_epoch_dynamic_blend", "04_antirectifier_vs_relu"}
    for name, entry in reference["notebooks"].items():
        assert entry["profile"] == readme_table.QUOTED_PROFILE.get(name, "default"), name


PROVENANCE = {
    "git_commit": "abcdef1234",
    "finished_utc": "2026-11-30T14:00:00+00:00",
    "python": "3.11.7",
    "tensorflow": "2.21.0",
    "keras": "3.15.1",
    "backend": "tensorflow",
    "platform": "Linux",
    "cpu_count": 2,
    "gpus": 0,
    "wall_time_s": 123.4,
}


def _results(tmp_path: Path, name: str, profile: str = "default") -> None:
    verdict = {
        "question": "A − B, test accuracy",
        "text": "−0.50 points (95 % CI −0.76 to −0.24, "
        "5 paired seeds): inconclusive at a 0.5-point margin",
        "verdict": "inconclusive",
        "mean_diff": -0.5,
        "ci_low": -0.76,
        "ci_high": -0.24,
        "n": 5,
        "margin": 0.5,
        "scale": "linear",
        "headline": True,
    }
    record = {
        "profile": profile,
        "finding": "f",
        "data": {"source": "embedded", "n_train": 4000, "n_test": 1000},
        "results": {
            "verdicts": [verdict, {**verdict, "question": "not a headline", "headline": False}]
        },
        "provenance": PROVENANCE,
    }
    (tmp_path / name).mkdir()
    (tmp_path / name / "results.json").write_text(json.dumps(record))


def test_collect_render_and_replace(tmp_path, monkeypatch):
    monkeypatch.setattr(readme_table, "QUOTED_PROFILE", {})  # every row quotes `default`
    _results(tmp_path, "04_antirectifier_vs_relu")
    reference = readme_table.collect(tmp_path)
    assert list(reference["notebooks"]) == ["04_antirectifier_vs_relu"]
    block = readme_table.render(reference)
    assert "A − B, test accuracy: −0.50 points (95 % CI −0.76 to −0.24" in block
    assert "not a headline" not in block and "commit abcdef1" in block and "2 CPU cores" in block
    assert "embedded MNIST, 4,000 training / 1,000 test images" in block
    assert "| `01_epoch_dynamic_blend` |" in block and "not in the reference run" in block
    text = f"intro\n{readme_table.BEGIN}\nold\n{readme_table.END}\nrest\n"
    assert readme_table.replace_block(text, block) == f"intro\n{block}\nrest\n"
    with pytest.raises(SystemExit, match="markers"):
        readme_table.replace_block("no markers", block)
    (tmp_path / "04_antirectifier_vs_relu").rename(tmp_path / "x")
    _results(tmp_path, "04_antirectifier_vs_relu", profile="smoke")
    with pytest.raises(SystemExit, match="'smoke' run; the README quotes"):
        readme_table.collect(tmp_path)


def _question(qid: str, verdict: str, decided: bool, **fields) -> dict:
    return {
        "id": qid,
        "question": f"Is {qid} any good?",
        "kind": "difference",
        "margin": None,
        "smallest_effect": 0.5,
        "metric": "test accuracy, mean of the last epochs",
        "unit": "points",
        "n": 8,
        "mean_diff": -0.52,
        "ci_low": -0.81,
        "ci_high": -0.23,
        "p": 0.004,
        "p_holm": 0.008,
        "verdict": verdict,
        "decided": decided,
        "text": "not quoted",
        "open": None if decided else "about 30 paired seeds for 80 % power: a new trial",
        **fields,
    }


def _trial_results(folder: Path, name: str, profile: str, questions: list[dict]) -> None:
    record = {
        "profile": profile,
        "label": profile,
        "overrides": {},
        "finding": "f",
        "data": {"description": "embedded MNIST; split by seed 0: 3000 / 1000 / 1000"},
        "results": {"questions": questions, "exploratory": [_question("x", "not shown", True)]},
        "provenance": PROVENANCE,
    }
    (folder / name).mkdir(parents=True)
    (folder / name / "results.json").write_text(json.dumps(record))


def test_a_question_not_comparable_quotes_no_interval_and_says_what_would_decide_it():
    q = _question("xy", "not comparable: 1 seed(s) not finite", False, unit="decades",
                  smallest_effect=1.0, mean_diff="nan", ci_low="nan", ci_high="nan",
                  p_holm="nan", open="no finite score for soft exp at seed 16 of 20")  # fmt: skip
    text = wording.question_cell(q)
    assert text == (
        "*Is xy any good?* (difference, smallest effect 1 decade): not comparable (8 paired "
        "seeds, a score not finite)"
    )


def test_declared_questions_are_quoted_with_their_run_and_robustness(tmp_path, monkeypatch):
    name = "08_rational_activations"
    questions = [
        _question("rational-relu", "ReLU higher", True),
        _question(
            "ni",
            "inconclusive",
            False,
            kind="non-inferiority",
            margin=0.5,
            smallest_effect=None,
            p_holm=0.3,
        ),
    ]
    _trial_results(tmp_path, name, "default", questions)
    monkeypatch.setattr(readme_table, "QUOTED_PROFILE", {name: "full"})
    with pytest.raises(SystemExit, match="no results.json"):
        readme_table.collect(tmp_path, [name])  # the full run is quoted: it is missing
    _trial_results(tmp_path / "full", name, "full", questions)
    entry = readme_table.collect(tmp_path, [name])["notebooks"][name]
    assert entry["profile"] == "full" and [q["id"] for q in entry["questions"]] == [
        "rational-relu",
        "ni",
    ]
    assert entry["robustness"] is None
    row = next(
        line
        for line in readme_table.render({"notebooks": {name: entry}}).splitlines()
        if name in line
    )
    # exploratory numbers: no verdict word, no "decided" (verdicts are the confirmatory trial's)
    assert (
        "*Is rational-relu any good?* (difference, smallest effect 0.5 points): −0.52 points "
        "(95 % CI −0.81 to −0.23, 8 paired seeds), Holm p = 0.008"
    ) in row
    assert (
        "*Is ni any good?* (non-inferiority, margin 0.5 points): −0.52 points (95 % CI −0.81 to "
        "−0.23, 8 paired seeds), Holm p = 0.3"
    ) in row
    assert "ReLU higher" not in row and "decided" not in row and "inconclusive" not in row
    assert row.endswith("| `full`, 2026-11-30, 123 s on 2 CPU cores (Linux) |")

    # `make robustness` wrote its comparison of the quoted run: the row carries it
    robust = tmp_path / "robustness" / "full" / name / "robustness.json"
    robust.parent.mkdir(parents=True)
    comparison = {
        "perturbation": "onednn-off",
        "perturbation_label": "oneDNN off",
        "agree": False,
        "flips": ["ni"],
        "problems": [],
        "summary": "1 of 2 headline verdicts FLIP with oneDNN off: ni: inconclusive → inferior",
        "perturbed": {"finished_utc": "2026-12-01T10:00:00+00:00"},
        "questions": [
            {"id": "rational-relu", "agree": True, "reference": {"verdict": "ReLU higher"}},
            {
                "id": "ni",
                "agree": False,
                "reference": {"verdict": "inconclusive"},
                "perturbed": {"verdict": "inferior"},
            },
        ],
    }
    robust.write_text(json.dumps(comparison))
    entry = readme_table.collect(tmp_path, [name])["notebooks"][name]
    assert entry["robustness"]["flips"] == ["ni"]
    assert entry["robustness"]["questions"][1]["verdict_perturbed"] == "inferior"
    block = readme_table.render({"notebooks": {name: entry}})
    assert "FLIP" not in block  # verdict words under another rounding are not the criterion

    # a quoted run with a history says so in its run column (words from RUN_NOTES, no numbers)
    monkeypatch.setattr(readme_table, "RUN_NOTES", {name: "the second design"})
    entry = readme_table.collect(tmp_path, [name])["notebooks"][name]
    assert entry["note"] == "the second design"
    block = readme_table.render({"notebooks": {name: entry}})
    assert "| `full`, 2026-11-30, 123 s on 2 CPU cores (Linux); the second design |" in block

    # a run that took every training run from the trial cache: its wall time is not the training's
    path = tmp_path / "full" / name / "results.json"
    record = json.loads(path.read_text())
    record["results"].update(runs_total=8, runs_trained=0, runs_cached=8)
    path.write_text(json.dumps(record))
    entry = readme_table.collect(tmp_path, [name])["notebooks"][name]
    block = readme_table.render({"notebooks": {name: entry}})
    assert "123 s (every training run from the trial cache) on 2 CPU cores" in block


def _reading(reading="different", equivalent=True):
    return {
        "id": "centring", "words": "Do the centring and normalization change accuracy?",
        "candidate": "A", "baseline": "B", "task": "example", "kind": "difference",
        "delta": 0.5, "unit": "points", "log_scale": False, "n": 44, "roundings": ["1", "0"],
        "reading": reading, "interaction_margin": 0.25,
        "decision": {"estimate": -0.61, "low": -0.95, "high": -0.27, "confidence": 0.975},
        "interaction": {"equivalence": {"equivalent": equivalent}},
    }  # fmt: skip


def test_the_verdict_column_quotes_the_confirmatory_trial_only():
    entry = {
        "status": "run", "registration_commit": "1234567abc", "run_commit": "89abcdef",
        "finished_utc": "2026-12-07T10:00:00+00:00", "runs": 288, "train_s": 5400,
        "cpu": "AMD EPYC, 2 cores", "readings": [_reading()],
    }  # fmt: skip
    cell = wording.confirmatory_cell(entry)
    assert cell == (
        "*Do the centring and normalization change accuracy?* −0.61 points (97.5 % CI −0.95 to "
        "−0.27), 44 seeds × 2 roundings: **different**; the same within ±0.25 under oneDNN off? "
        "yes (registered 1234567, run 2026-12-07 at 89abcde, 288 runs, 1.5 h of training on "
        "AMD EPYC, 2 cores)"
    )
    undetermined = wording.confirmatory_cell(
        {**entry, "readings": [_reading("undetermined", equivalent=False)]}
    )
    assert "**undetermined**" in undetermined and "oneDNN off? not shown" in undetermined
    assert wording.confirmatory_cell({"status": "registered"}) == (
        "registered, not run yet: no verdict"
    )
    assert "no verdict" in wording.confirmatory_cell(None)
