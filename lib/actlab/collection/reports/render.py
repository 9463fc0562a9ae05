"""Rendering: each executed notebook to one self-contained HTML file (nbconvert), the index
page (Jinja), and the API reference (pdoc)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from actlab.collection.outputs import REPO_ROOT
from actlab.collection.reports.cards import Entry, read_entry
from actlab.collection.reports.reader import _n_seeds, reader_text, strip_machine_paths

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
REPORT_TEMPLATE = "actlab_report"
INDEX_TEMPLATE = "index.html.j2"
API_DIR = "api"  # `make docs` writes the API reference to reports/api/; the index links it
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

#: Cell tags nbconvert's TagRemovePreprocessor honours in every report (Jupyter Book's names).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input", "hide-input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")


def _reader_preprocessor():
    """nbconvert preprocessor applying `reader_text` to every text output (seeds from papermill)."""
    from nbconvert.preprocessors import Preprocessor

    class ReaderText(Preprocessor):
        def preprocess(self, nb, resources):
            params = (nb.metadata.get("papermill") or {}).get("parameters")
            self._n_seeds = _n_seeds(params)
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            fix = lambda text: reader_text(text, self._n_seeds)  # noqa: E731
            for out in cell.get("outputs", []):
                if "text" in out:
                    out["text"] = fix(
                        out["text"] if isinstance(out["text"], str) else "".join(out["text"])
                    )
                if "traceback" in out:
                    out["traceback"] = [fix(line) for line in out["traceback"]]
                for mime, value in (out.get("data") or {}).items():
                    if mime.startswith("text/") or mime == "application/javascript":
                        out["data"][mime] = fix(value if isinstance(value, str) else "".join(value))
            return cell, resources

    return ReaderText


def make_exporter(hide_code: bool = False):
    """nbconvert's HTMLExporter with the self-contained actlab template and options."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    config.TagRemovePreprocessor.enabled = True
    config.CoalesceStreamsPreprocessor.enabled = True  # one block per run of stdout/stderr lines
    exporter = HTMLExporter(
        config=config,
        template_name=REPORT_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        embed_images=True,  # markdown images as data: URIs (outputs are embedded anyway)
        exclude_input=hide_code,
        exclude_input_prompt=hide_code,
        exclude_output_prompt=hide_code,
    )
    exporter.register_preprocessor(_reader_preprocessor(), enabled=True)
    return exporter


def render_report(
    executed: Path,
    out: Path,
    hide_code: bool = False,
    exporter: Any = None,
    title: str | None = None,
    source_dir: Path | None = None,
) -> Path:
    """Render one executed notebook to the self-contained HTML file `out`.

    `source_dir` is where relative image paths in markdown cells are looked up (embedded as
    ``data:`` URIs); default `notebooks/`, the folder the notebook ran in.
    """
    import nbformat

    exporter = exporter or make_exporter(hide_code)
    nb = nbformat.read(executed, as_version=4)
    if title:
        nb.metadata["title"] = title  # the <title> the lab template uses
    resources = {
        "metadata": {"name": executed.stem, "path": str(source_dir or REPO_ROOT / "notebooks")},
        "actlab_paper": hide_code,
    }  # the template then also drops stderr streams
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


def render_index(entries: Sequence[Entry], out: Path, hide_code: bool = False) -> Path:
    """Write the index page from `lib/actlab/collection/templates/index.html.j2`.

    Texts go through `reader_text` (machine-neutral paths, "(1 seed)"); the page links the API
    reference when ``<out folder>/api/index.html`` exists (`make docs`).
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )

    def reader_entry(e: Entry) -> Entry:
        fix = lambda text: reader_text(text, e.n_seeds)  # noqa: E731
        return dataclasses.replace(
            e,
            title=fix(e.title),
            finding=fix(e.finding) if e.finding else e.finding,
            headline=[(fix(k), fix(v)) for k, v in e.headline],
            provenance=[(k, fix(v)) for k, v in e.provenance],
            warnings=[fix(w) for w in e.warnings],
        )

    api = out.parent / API_DIR / "index.html"
    page = env.get_template(INDEX_TEMPLATE).render(
        entries=[reader_entry(e) for e in entries],
        api=f"{API_DIR}/index.html" if api.is_file() else None,
        hide_code=hide_code,
        generated=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def build_api_docs(out: Path | None = None) -> Path:
    """The HTML API reference of `actlab`, from its docstrings (pdoc), in `out` (``reports/api``).

    Google-style docstrings; no math or diagram scripts (which pdoc would load from a CDN), so
    the pages open offline; no path of this machine (`strip_machine_paths`). Returns ``out/index.html``, which `render_index` links when it lies
    in ``<index folder>/api/``. ``make docs`` calls this.
    """
    import pdoc
    import pdoc.render

    from actlab import __version__

    out = Path(out) if out is not None else REPO_ROOT / "reports" / API_DIR
    pdoc.render.configure(
        docformat="google",
        math=False,
        mermaid=False,
        search=True,
        show_source=False,
        footer_text=f"actlab {__version__}",
    )
    pdoc.pdoc("actlab", output_directory=out)
    for page in [*out.rglob("*.html"), *out.rglob("*.js")]:  # e.g. REPO_ROOT's default value
        text = page.read_text(encoding="utf-8")
        shown = strip_machine_paths(text)
        if shown != text:
            page.write_text(shown, encoding="utf-8")
    return out / "index.html"


def discover(executed_dir: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Executed notebooks ``NN_name.ipynb`` in `executed_dir` (only `names`, if given), sorted."""
    found = sorted(p for p in executed_dir.glob(NOTEBOOK_GLOB) if p.is_file())
    if names is None:
        return found
    wanted = [n.removesuffix(".ipynb") for n in names]
    by_name = {p.stem: p for p in found}
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise FileNotFoundError(f"no executed notebook(s) {missing} in {executed_dir}")
    return [by_name[n] for n in wanted]


def build(
    executed_dir: Path,
    figures_dir: Path,
    out_dir: Path,
    hide_code: bool = False,
    names: Iterable[str] | None = None,
    source_dir: Path | None = None,
    log=print,
) -> list[Entry]:
    """Render every executed notebook to ``out_dir/<name>.html`` and write ``out_dir/index.html``."""
    notebooks = discover(Path(executed_dir), names)
    if not notebooks:
        raise FileNotFoundError(
            f"no executed notebooks ({NOTEBOOK_GLOB}) in {executed_dir}; run `make figures` first"
        )
    exporter = make_exporter(hide_code)
    entries = []
    for path in notebooks:
        entry = read_entry(path, Path(figures_dir))
        render_report(
            path,
            Path(out_dir) / entry.report,
            hide_code,
            exporter,
            title=entry.title,
            source_dir=source_dir,
        )
        for warning in entry.warnings:
            log(f"[{entry.name}] WARNING: {warning}")
        entries.append(entry)
    index = render_index(entries, Path(out_dir) / "index.html", hide_code)
    variant = "paper variant (code hidden)" if hide_code else "with code"
    log(f"reports: {len(entries)} notebook(s), {variant} -> {index}")
    return entries
