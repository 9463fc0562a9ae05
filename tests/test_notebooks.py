"""Smoke-run every notebook in notebooks/ through papermill with the `smoke` profile.

Notebooks are discovered, so a new one is covered without editing this file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from actlab.collection import outputs, runner, session

NOTEBOOKS = sorted((session.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_are_discovered():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_committed_clean(path: Path):
    """Committed without outputs, with a `parameters` cell and the project kernel."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{path.name} carries outputs; strip them before committing"
            )
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged `parameters`"
    assert nb.metadata["kernelspec"]["name"] == runner.KERNEL_NAME
    params = runner.notebook_parameters(path)
    assert params.get("profile") == "default", 'every notebook has `profile = "default"`'


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_smoke_run(path: Path, smoke_run):
    smoke_run(path)
    smoke = outputs.RunKey("smoke", outputs.default_backend())
    results = outputs.figures_root(smoke) / path.stem / "results.json"  # figures/smoke/<nb>/
    assert results.exists(), f"{path.name} did not write {results}"
    record = json.loads(results.read_text())
    assert record["profile"] == "smoke"
    assert record["results"], "results.json has no numbers"
    assert record["data"] is None or "description" in record["data"]
    prov = record["provenance"]
    for key in ("git_commit", "python", "tensorflow", "keras", "backend", "wall_time_s"):
        assert key in prov
    pngs = list(results.parent.glob("*.png"))
    assert pngs, f"{path.name} saved no figure"


@pytest.mark.notebook
def test_smoke_runs_of_the_collection_have_no_log_lines_in_their_outputs(smoke_run):
    """The real notebooks' smoke runs (shared with `test_notebook_smoke_run`): outputs free of
    log noise, which is in each run's log file instead."""
    for path in NOTEBOOKS:
        try:
            executed = smoke_run(path)
        except Exception:  # noqa: BLE001 - test_notebook_smoke_run reports it
            continue
        nb = nbformat.read(executed, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                text = json.dumps(out)
                assert not re.search(
                    r"absl::InitializeLog|oneDNN custom operations|\\n[IWEF]\d{4} "
                    r"\d\d:\d\d:|IPKernelApp",
                    text,
                ), (path.name, text[:300])
        assert executed.with_suffix(".log").exists()
