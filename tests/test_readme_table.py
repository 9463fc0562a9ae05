"""tools/readme_table.py: the README's findings table is the one generated from the reference run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

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
        assert entry["profile"] == "default", name


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
        "results": {"verdicts": [verdict, {**verdict, "question": "not shown", "headline": False}]},
        "provenance": {
            "git_commit": "abcdef1234",
            "finished_utc": "2026-11-30T14:00:00+00:00",
            "python": "3.11.7",
            "tensorflow": "2.21.0",
            "keras": "3.15.1",
            "backend": "tensorflow",
            "platform": "Linux",
            "cpu_count": 2,
            "gpus": 0,
        },
    }
    (tmp_path / name).mkdir()
    (tmp_path / name / "results.json").write_text(json.dumps(record))


def test_collect_render_and_replace(tmp_path):
    _results(tmp_path, "04_antirectifier_vs_relu")
    reference = readme_table.collect(tmp_path)
    assert list(reference["notebooks"]) == ["04_antirectifier_vs_relu"]
    block = readme_table.render(reference)
    assert "A − B, test accuracy: −0.50 points (95 % CI −0.76 to −0.24" in block
    assert "not shown" not in block and "commit abcdef1" in block and "2 CPU cores" in block
    assert "embedded MNIST, 4,000 training / 1,000 test images" in block
    assert "| `01_epoch_dynamic_blend` |" in block and "not in the reference run" in block
    text = f"intro\n{readme_table.BEGIN}\nold\n{readme_table.END}\nrest\n"
    assert readme_table.replace_block(text, block) == f"intro\n{block}\nrest\n"
    with pytest.raises(SystemExit, match="markers"):
        readme_table.replace_block("no markers", block)
    (tmp_path / "04_antirectifier_vs_relu").rename(tmp_path / "x")
    _results(tmp_path, "04_antirectifier_vs_relu", profile="smoke")
    with pytest.raises(SystemExit, match="default"):
        readme_table.collect(tmp_path)
