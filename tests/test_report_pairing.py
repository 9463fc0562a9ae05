"""actlab.collection.reports' pairing: an executed notebook and a results.json go on one card only when they
come from the same run; `--profile`/`--backend` pick that run's folders."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from actlab.collection import outputs, reports


def _run(
    executed_dir: Path,
    figures_dir: Path,
    name: str,
    run_id: str,
    label: str = "default",
    results_run_id: str | None = None,
    results_label: str | None = None,
) -> Path:
    """An executed notebook stamped by the runner (metadata.actlab) and a results.json."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["actlab"] = {"run_id": run_id, "label": label}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {name}"),
        nbformat.v4.new_code_cell("print(1)", execution_count=1),
    ]
    executed_dir.mkdir(parents=True, exist_ok=True)
    path = executed_dir / f"{name}.ipynb"
    nbformat.write(nb, path)
    (figures_dir / name).mkdir(parents=True, exist_ok=True)
    record = {
        "notebook": name,
        "profile": "default",
        "label": results_label or label,
        "overrides": {"epochs": 2} if "overrides" in (results_label or label) else {},
        "run_id": results_run_id or run_id,
        "finding": "FINDING_MARKER",
        "results": {"accuracy": 0.5},
        "provenance": {"finished_utc": "2026-01-01T00:00:00+00:00"},
    }
    (figures_dir / name / "results.json").write_text(json.dumps(record))
    return path


def test_same_run_is_paired_and_labelled(tmp_path: Path):
    path = _run(tmp_path / "ex", tmp_path / "fig", "41_same", "aaa", label="default + overrides")
    entry = reports.read_entry(path, tmp_path / "fig")
    assert entry.warnings == [f"no PNG figure in {tmp_path / 'fig' / '41_same'}"]
    assert entry.finding == "FINDING_MARKER" and entry.headline
    assert ("profile", "default + overrides (epochs=2)") in entry.provenance


def test_another_runs_results_are_refused_in_one_line(tmp_path: Path):
    path = _run(
        tmp_path / "ex",
        tmp_path / "fig",
        "42_other",
        "aaa",
        results_run_id="bbb",
        results_label="smoke",
    )
    entry = reports.read_entry(path, tmp_path / "fig")
    (warning,) = entry.warnings
    assert warning.startswith(reports.REFUSAL) and "\n" not in warning
    assert "run bbb" in warning and "run aaa" in warning and "smoke" in warning
    assert entry.finding is None and entry.headline == [] and entry.thumbnail is None


def test_cli_renders_one_profile_and_fails_on_a_refusal(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("ACTLAB_REPORTS_DIR", str(tmp_path / "reports"))
    smoke = outputs.RunKey("smoke", "tensorflow")
    _run(outputs.executed_dir(smoke), outputs.figures_root(smoke), "43_x", "ccc", label="smoke")
    assert reports.main(["--profile", "smoke", "--backend", "tensorflow"]) == 0
    index = (tmp_path / "reports" / "smoke" / "index.html").read_text()
    assert "FINDING_MARKER" in index
    assert not (tmp_path / "reports" / "index.html").exists()  # the default's index is untouched

    default = outputs.RunKey()
    _run(
        outputs.executed_dir(default),
        outputs.figures_root(default),
        "43_x",
        "ddd",
        results_run_id="eee",
    )
    capsys.readouterr()
    assert reports.main(["--backend", "tensorflow"]) == 1
    err = capsys.readouterr().err
    assert "their results.json is from another run: 43_x" in err
    assert "FINDING_MARKER" not in (tmp_path / "reports" / "index.html").read_text()


@pytest.mark.parametrize("shown", [True, False])
def test_files_without_run_ids_fall_back_to_the_finish_time(tmp_path: Path, shown: bool):
    path = _run(tmp_path / "ex", tmp_path / "fig", "44_old", "")
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("actlab")
    if shown:
        nb.cells[1].outputs = [
            nbformat.v4.new_output(
                "display_data", data={"text/html": "<td>2026-01-01T00:00:00+00:00</td>"}
            )
        ]
    record = json.loads((tmp_path / "fig" / "44_old" / "results.json").read_text())
    record.pop("run_id")
    problem = reports.pairing_problem(nb, record, Path("r.json"))
    assert (problem is None) is shown


def test_a_trial_notebooks_card_shows_the_data_its_runs_recorded():
    # before: a results.json whose data holds only the split's description showed
    # "data: none recorded" on its index card
    from actlab.collection.reports.cards import _provenance_rows

    description = "embedded MNIST subset (5,000 images); split by seed 0: 3,000 train / 1,000 test"
    rows = dict(_provenance_rows({"data": {"description": description}}))
    assert rows["data"] == description
    assert dict(_provenance_rows({}))["data"] == "none recorded"
