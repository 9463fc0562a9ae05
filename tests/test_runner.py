"""The runner's contract: profiles, unknown parameters, failure reporting."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lib import runner

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def _write_notebook(path: Path, body: str, params: str = 'profile = "default"\nx = 1') -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "actlab", "display_name": "actlab", "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(body)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_profile_overrides_and_unknown_parameter(tmp_path: Path):
    nb = _write_notebook(tmp_path / "nb" / "99_t.ipynb", "print(x)")
    (tmp_path / "nb" / "profiles").mkdir()
    (tmp_path / "nb" / "profiles" / "99_t.yml").write_text("smoke:\n  x: 5\nfull:\n  y: 2\n")
    assert runner.resolve_parameters(nb, "smoke") == {"x": 5, "profile": "smoke"}
    assert runner.resolve_parameters(nb, "default") == {"profile": "default"}
    with pytest.raises(runner.NotebookParameterError, match=r"unknown parameter\(s\) \['y'\]"):
        runner.resolve_parameters(nb, "full")
    with pytest.raises(runner.NotebookParameterError, match="Unknown profile"):
        runner.resolve_parameters(nb, "huge")


def test_failing_notebook_is_named_with_its_cell(tmp_path: Path, capsys):
    nb = _write_notebook(tmp_path / "98_fail.ipynb", "raise RuntimeError('boom')")
    out = tmp_path / "out" / "98_fail.ipynb"
    stamp = tmp_path / "out" / ".98_fail.default.ok"
    code = runner.main([str(nb), "--output", str(out), "--stamp", str(stamp)])
    assert code == 1
    err = capsys.readouterr().err
    assert "98_fail.ipynb" in err and "RuntimeError: boom" in err
    assert "raise RuntimeError('boom')" in err
    assert out.exists(), "the partial executed copy is kept"
    assert not stamp.exists()
    assert "RuntimeError" in out.with_suffix(".ipynb.failed").read_text()


def test_success_writes_stamp_and_drops_other_profiles(tmp_path: Path):
    nb = _write_notebook(tmp_path / "97_ok.ipynb", "y = x + 1")
    out = tmp_path / "out" / "97_ok.ipynb"
    old = tmp_path / "out" / ".97_ok.smoke.ok"
    old.parent.mkdir(parents=True)
    old.write_text("smoke\n")
    stamp = tmp_path / "out" / ".97_ok.default.ok"
    assert runner.main([str(nb), "--output", str(out), "--stamp", str(stamp), "-p", "x=3"]) == 0
    assert stamp.exists() and not old.exists()
    executed = nbformat.read(out, as_version=4)
    assert any("x = 3" in c.source for c in executed.cells)


def test_py2nb_builds_clean_notebook(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("py2nb", TOOLS / "py2nb.py")
    py2nb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(py2nb)
    nb = py2nb.convert('# %% [markdown]\n# # Title\n\n# %% tags=["parameters"]\nprofile = "default"\n'
                       "# %%\nprint(1)\n")
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[0].source == "# Title"
    assert nb.cells[1].metadata["tags"] == ["parameters"]
