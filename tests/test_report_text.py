"""What a reader of the reports sees: no path of this machine, "(1 seed)" instead of "± nan",
a card figure that reads at card size (a wide one links to full size), the API reference link.

Rendering only; reading runs and the browser checks are in test_reports.py.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from test_reports import _Page, _synthetic_run, assert_self_contained, png_bytes

from actlab.collection import reports, session


def test_machine_paths_become_relative(monkeypatch, tmp_path):
    root = str(session.REPO_ROOT)
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(tmp_path / "elsewhere" / "figs"))
    text = (
        f"Put Keras's mnist.npz at {root}/data/mnist.npz. Wrote {tmp_path}/elsewhere/figs/01_x/a.png "
        f"from {root}/lib/data.py; the checkout {root}."
    )
    shown = reports.strip_machine_paths(text)
    assert shown == (
        "Put Keras's mnist.npz at data/mnist.npz. Wrote figures/01_x/a.png from "
        "lib/data.py; the checkout .."
    ), shown
    import keras

    site = str(__import__("pathlib").Path(keras.__file__).parent)
    assert reports.strip_machine_paths(f"{site}/ops/x.py:3: UserWarning") == (
        "[site-packages]/keras/ops/x.py:3: UserWarning"
    )
    assert reports.strip_machine_paths(f"{root}-other/x and ../y") == f"{root}-other/x and ../y"


@pytest.mark.parametrize(
    ("text", "n_seeds", "shown"),
    [
        ("73.00 ± nan%", None, "73.00% (1 seed)"),
        ("0.405 ± nan", 3, "0.405 (1 seed)"),
        ("ReLU 16.9 ± 0.0%, best 10.8 ± 0.0%", 1, "ReLU 16.9% (1 seed), best 10.8% (1 seed)"),
        ("16.9 ± 0.0%", 3, "16.9 ± 0.0%"),  # several seeds that agree: a measured spread
        ("95.1 ± 0.4 %", 1, "95.1 ± 0.4 %"),
        ("91.00 % (1 seed)", 1, "91.00 % (1 seed)"),
        ("custom gradient 0.405 ± nan.", 1, "custom gradient 0.405 (1 seed)."),
        ("0.5 ± 0.05", 1, "0.5 ± 0.05"),
    ],
)
def test_single_seed_spread_is_written_1_seed(text, n_seeds, shown):
    assert reports.single_seed_text(text, n_seeds) == shown


def test_card_figure_choice(tmp_path):
    for name in ("a_grid.png", "b_single.png"):
        (tmp_path / name).write_bytes(png_bytes())
    assert reports.card_figure({}, tmp_path).name == "a_grid.png"
    assert reports.card_figure({"main_figure": "a_grid"}, tmp_path).name == "a_grid.png"
    assert (
        reports.card_figure({"main_figure": "a_grid", "card_figure": "b_single"}, tmp_path).name
        == "b_single.png"
    )
    assert (
        reports.card_figure({"card_figure": "missing", "main_figure": "b_single"}, tmp_path).name
        == "b_single.png"
    )


def _with_reader_traps(run, seeds=(0,)):
    """Put an absolute path, "± nan" and "± 0.0" into the run's outputs and results.json."""
    root = session.REPO_ROOT
    nb = nbformat.read(run.executed / f"{run.name}.ipynb", as_version=4)
    nb.metadata["papermill"] = {"parameters": {"seeds": list(seeds)}}
    cell = nb.cells[1]
    cell.outputs.append(
        nbformat.v4.new_output(
            "stream", name="stdout", text=f"Note: Put Keras's mnist.npz at {root}/data/mnist.npz\n"
        )
    )
    cell.outputs.append(
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": "<table><tr><td>ReLU</td><td>95.1 ± nan %</td><td>90.0 ± 0.0 %</td></tr></table>",
                "text/plain": f"PosixPath('{root}/figures/x/results.json')",
            },
        )
    )
    nbformat.write(nb, run.executed / f"{run.name}.ipynb")
    path = run.figures / run.name / "results.json"
    record = json.loads(path.read_text())
    record["params"] = {"seeds": list(seeds)}
    record["finding"] = f"ReLU 95.1 ± nan % and 90.0 ± 0.0 % (data at {root}/data)."
    record["results"]["headline"] = {"ReLU": "95.1 ± 0.0 %", "where": f"{root}/data/mnist.npz"}
    path.write_text(json.dumps(record))


def test_reports_and_index_show_no_machine_path_and_no_nan_spread(tmp_path):
    run = _synthetic_run(tmp_path)
    _with_reader_traps(run)
    (run.executed / f"{run.name}.ipynb.failed").write_text(
        f"FAILED {session.REPO_ROOT}/notebooks/42_synthetic.ipynb at cell [3]: ValueError\n"
    )
    out = tmp_path / "out"
    reports.build(run.executed, run.figures, out, source_dir=run.source, log=lambda m: None)
    root = str(session.REPO_ROOT)
    for page in ("index.html", "42_synthetic.html"):
        text = (out / page).read_text()
        assert root not in text, page
        assert not re.search(r"±\s*(nan|0\.0\b)", text), page
        assert "(1 seed)" in text
    index = (out / "index.html").read_text()
    assert "data/mnist.npz" in index and "notebooks/42_synthetic.ipynb" in index
    report = _Page((out / "42_synthetic.html").read_text()).text
    assert "Put Keras's mnist.npz at data/mnist.npz" in report
    assert "95.1 % (1 seed)" in report and "90.0 % (1 seed)" in report


def test_several_seeds_keep_a_zero_spread(tmp_path):
    run = _synthetic_run(tmp_path)
    _with_reader_traps(run, seeds=(0, 1, 2))
    out = tmp_path / "out"
    reports.build(run.executed, run.figures, out, source_dir=run.source, log=lambda m: None)
    for page in ("index.html", "42_synthetic.html"):
        text = (out / page).read_text()
        assert "90.0 ± 0.0 %" in text and "95.1 ± nan" not in text, page


def test_wide_card_figure_links_to_full_size_inside_the_index(tmp_path):
    from PIL import Image

    run = _synthetic_run(tmp_path)
    wide = (reports.FULL_FIGURE_WIDTH + 480, 600)
    (run.figures / run.name / "main.png").write_bytes(png_bytes(size=wide))
    out = tmp_path / "out"
    (entry,) = reports.build(
        run.executed, run.figures, out, source_dir=run.source, log=lambda m: None
    )
    assert entry.figure_full is not None
    index = out / "index.html"
    page = assert_self_contained(index)
    assert f"full-{run.name}" in page.ids
    links = [a["href"] for t, a in page.tags if t == "a"]
    assert f"#full-{run.name}" in links
    imgs = [a["src"] for t, a in page.tags if t == "img"]
    sizes = [
        Image.open(
            __import__("io").BytesIO(__import__("base64").b64decode(s.split(",", 1)[1]))
        ).size
        for s in imgs
    ]
    # the card's, then the full size (capped at FULL_FIGURE_WIDTH)
    assert sizes == [(reports.THUMBNAIL_WIDTH, 200), (reports.FULL_FIGURE_WIDTH, 500)]

    (run.figures / run.name / "single.png").write_bytes(png_bytes(size=(800, 400)))
    record_path = run.figures / run.name / "results.json"
    record = json.loads(record_path.read_text())
    record["results"]["card_figure"] = "single"
    record_path.write_text(json.dumps(record))
    (entry,) = reports.build(
        run.executed, run.figures, out, source_dir=run.source, log=lambda m: None
    )
    assert entry.thumbnail_name == "single.png" and entry.figure_full is None
    assert (
        "lightbox" not in _Page(index.read_text()).ids
        and f"full-{run.name}" not in index.read_text()
    )


def test_index_links_the_api_reference_when_built(tmp_path):
    run = _synthetic_run(tmp_path)
    out = tmp_path / "out"
    reports.build(run.executed, run.figures, out, source_dir=run.source, log=lambda m: None)
    assert 'href="api/index.html"' not in (out / "index.html").read_text()
    assert "make docs" in (out / "index.html").read_text()
    (out / "api").mkdir()
    (out / "api" / "index.html").write_text("<html></html>")
    reports.build(run.executed, run.figures, out, source_dir=run.source, log=lambda m: None)
    assert 'href="api/index.html"' in (out / "index.html").read_text()
