"""Shareable HTML reports: every executed notebook as one self-contained file, plus an index.

    python -m actlab.collection.reports [--profile P] [--backend B] [--executed DIR] [--figures DIR] [--out DIR]
                          [--hide-code] [NAME ...]

`make reports` (after `make figures`) renders each executed notebook ``<executed>/NN_name.ipynb``
to ``<out>/NN_name.html`` with nbconvert's HTML exporter and the ``actlab_report`` template
(``lib/actlab/collection/templates/actlab_report``: JupyterLab's template without the CDN scripts), so a report
opens offline and can be sent as one file: CSS inlined, images as ``data:`` URIs. ``--hide-code``
(``make reports HIDE_CODE=1``) is the "paper" variant: nbconvert's ``exclude_input`` and prompt
options drop the code, and the template drops stderr streams (library log noise); the outputs
(figures, tables, findings, provenance) stay.

``<out>/index.html`` (``lib/actlab/collection/templates/index.html.j2``) has one card per notebook, read from
``<figures>/NN_name/results.json`` (written by ``session.Run.finish``):

- title: the notebook's first markdown heading;
- finding: ``record["finding"]``;
- headline numbers: ``results["headline"]`` if it is a mapping ``{label: value}`` (values may be
  numbers or short strings such as ``"0.912 ± 0.004"``), otherwise the top-level scalar entries of
  ``results`` (numbers, booleans, and the strings ``"nan"``/``"inf"``), at most `MAX_HEADLINE`;
- figure: ``results["card_figure"]`` (a file name in ``figures/NN_name/``, ``.png`` optional:
  one panel that reads at card size), else ``results["main_figure"]``, else the first PNG there by
  name; embedded, downscaled to the card, as a ``data:`` URI. A figure wider than the card (a
  multi-panel figure) also gets a "full size" link that opens it at full resolution inside the
  index page (still one self-contained file);
- provenance: commit, finish date, Python/TensorFlow/Keras, data source, profile, wall time;
- warnings when the notebook failed (``*.ipynb.failed`` next to it) or has no results.json; a
  results.json from another run than the executed copy being rendered (another profile, backend
  or overrides; matched by the run id the runner writes into both, or for older files by the
  finish time the provenance block shows) is refused: the card says why in one line and shows
  none of its numbers, and the command exits with status 1.

``--profile`` / ``--backend`` pick one run's folders (`actlab.collection.outputs`): ``make reports PROFILE=smoke``
reads ``reports/executed/smoke/`` and ``figures/smoke/`` and writes ``reports/smoke/``.

What a reader sees is machine-neutral: absolute paths of this machine (the checkout, the figures
and data folders, the Python installation, the home folder) are written relative to the
checkout in the index and in every report's outputs (`strip_machine_paths`), and a spread over a
single seed ("± nan", or "± 0.0" when the run had one seed) is written "(1 seed)"
(`single_seed_text`).

Cells tagged ``remove-cell`` / ``remove-input`` / ``remove-output`` are dropped (nbconvert's
TagRemovePreprocessor) in both variants. Math in markdown is not typeset (MathJax would have to
come from a CDN): it shows as its TeX source.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as _dt
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.collection import outputs
from actlab.collection.outputs import REPO_ROOT

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "actlab_report"
INDEX_TEMPLATE = "index.html.j2"
API_DIR = "api"  # `make docs` writes the API reference to reports/api/; the index links it
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
MAX_HEADLINE = 6
THUMBNAIL_WIDTH = 960  # pixels; twice the card's width, sharp on high-density screens
FULL_FIGURE_WIDTH = 2400  # pixels; the "full size" view of a wide figure (never upscaled)

#: Cell tags nbconvert's TagRemovePreprocessor honours in every report (Jupyter Book's names).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input", "hide-input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")

_NON_FINITE = {"nan", "inf", "-inf"}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


# --------------------------------------------------------------------------- reading a run


def notebook_title(nb: Any, fallback: str) -> str:
    """The text of the first markdown heading (``# ...``), without markdown emphasis/code marks."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        match = _HEADING.search(cell.source)
        if match:
            return re.sub(r"[*_`]", "", match.group(1)).strip() or fallback
    return fallback


def _is_headline_scalar(value: Any) -> bool:
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and value.lower() in _NON_FINITE


def format_value(value: Any) -> str:
    """A number for a card: integers as is, floats with 4 significant digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}"
    return str(value)


def headline_numbers(
    results: Mapping[str, Any] | None, limit: int = MAX_HEADLINE
) -> list[tuple[str, str]]:
    """``[(label, formatted value), ...]`` for a card (see the module docstring for the convention)."""
    if not isinstance(results, Mapping):
        return []
    headline = results.get("headline")
    if isinstance(headline, Mapping):
        items = [
            (str(k), v)
            for k, v in headline.items()
            if _is_headline_scalar(v) or (isinstance(v, str) and len(v) <= 60)
        ]
    else:
        items = [
            (str(k), v) for k, v in results.items() if k != "main_figure" and _is_headline_scalar(v)
        ]
    return [(label.replace("_", " "), format_value(value)) for label, value in items[:limit]]


def _named_png(results: Mapping[str, Any] | None, key: str, fig_dir: Path) -> Path | None:
    named = results.get(key) if isinstance(results, Mapping) else None
    if isinstance(named, str) and named:
        path = fig_dir / (named if named.lower().endswith(".png") else f"{named}.png")
        if path.is_file():
            return path
    return None


def main_figure(results: Mapping[str, Any] | None, fig_dir: Path) -> Path | None:
    """``results["main_figure"]`` if it names an existing PNG, else the first PNG by name."""
    named = _named_png(results, "main_figure", fig_dir)
    if named is not None:
        return named
    pngs = sorted(fig_dir.glob("*.png")) if fig_dir.is_dir() else []
    return pngs[0] if pngs else None


def card_figure(results: Mapping[str, Any] | None, fig_dir: Path) -> Path | None:
    """The card's figure: ``results["card_figure"]`` (one panel, readable at card size) if it
    names an existing PNG, else `main_figure`."""
    return _named_png(results, "card_figure", fig_dir) or main_figure(results, fig_dir)


def thumbnail_data_uri(png: Path, width: int = THUMBNAIL_WIDTH) -> str:
    """``data:image/png;base64,...`` of `png` downscaled to at most `width` pixels wide."""
    from PIL import Image

    with Image.open(png) as img:
        img = img.convert("RGBA") if img.mode not in ("RGB", "RGBA") else img.copy()
    if img.width > width:
        img = img.resize((width, max(1, round(img.height * width / img.width))), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_data_uris(png: Path, width: int = THUMBNAIL_WIDTH) -> tuple[str, str | None]:
    """(card image, full-size image or None) as ``data:`` URIs.

    The full-size image is only made when `png` is wider than the card image (a multi-panel
    figure, unreadable when shrunk): the card then links to it.
    """
    from PIL import Image

    with Image.open(png) as img:
        wide = img.width > width
    return (
        thumbnail_data_uri(png, width),
        thumbnail_data_uri(png, FULL_FIGURE_WIDTH) if wide else None,
    )


# --------------------------------------------------------------------------- what a reader sees


def _machine_paths() -> list[tuple[str, str]]:
    """(absolute prefix of this machine, what a reader sees instead), longest first."""
    import site
    import sysconfig

    from actlab.collection import session

    pairs = {}
    for path in {
        sysconfig.get_paths().get("purelib"),
        sysconfig.get_paths().get("platlib"),
        *site.getsitepackages(),
    }:
        if path:
            pairs[str(path)] = "[site-packages]"
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        pairs[str(prefix)] = "[python]"
    pairs[str(Path.home())] = "~"
    pairs[str(session.figures_dir())] = "figures"
    pairs[str(session.data_dir())] = "data"
    pairs[str(REPO_ROOT)] = "."
    expanded = {}
    for path, shown in pairs.items():
        if len(path) > 1:  # never "/"
            expanded[path] = shown
            real = str(Path(path).resolve())
            expanded.setdefault(real, shown)
    return sorted(expanded.items(), key=lambda kv: -len(kv[0]))


def strip_machine_paths(text: str) -> str:
    """`text` with this machine's absolute paths written relative to the checkout.

    ``/home/me/actlab/data/mnist.npz`` -> ``data/mnist.npz``; the figures and data folders (also
    when moved with ``ACTLAB_FIGURES_DIR``/``ACTLAB_DATA_DIR``) -> ``figures``/``data``; the
    Python installation -> ``[python]`` or ``[site-packages]``; the home folder -> ``~``.
    """
    for path, shown in _machine_paths():
        if path not in text:
            continue
        text = text.replace(path + "/", "" if shown == "." else shown + "/")
        text = re.sub(re.escape(path) + r"(?![\w-]|\.\w)", shown, text)
    return text


_SPREAD = re.compile(
    r"(?P<value>\d[\d,]*(?:\.\d+)?)(?P<u1>\s?%)?\s*±\s*"
    r"(?P<spread>nan|NaN|0(?:\.0+)?)(?!\.?\d)(?P<u2>\s?%)?"
)


def single_seed_text(text: str, n_seeds: int | None = None) -> str:
    """ "73.0 ± nan %" -> "73.0 % (1 seed)"; also "± 0.0" when the run had `n_seeds` == 1.

    A sample standard deviation over one seed is undefined (NaN), and "± 0.0" from a single seed
    reads like a measured spread: either way the honest text is "(1 seed)".
    """

    def fix(m: re.Match) -> str:
        if m["spread"].lower() != "nan" and n_seeds != 1:
            return m.group(0)
        unit = m["u1"] or m["u2"] or ""
        return f"{m['value']}{unit} (1 seed)"

    return _SPREAD.sub(fix, text)


def reader_text(text: str, n_seeds: int | None = None) -> str:
    """What a reader of a report sees: machine-neutral paths and honest single-seed spreads."""
    return single_seed_text(strip_machine_paths(text), n_seeds)


def _n_seeds(params: Any) -> int | None:
    seeds = params.get("seeds") if isinstance(params, Mapping) else None
    return len(seeds) if isinstance(seeds, list | tuple) else None


def _outputs_text(nb: Any) -> str:
    """Every text/html and text/plain output of the notebook, concatenated."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            for mime in ("text/html", "text/plain"):
                value = out.get("data", {}).get(mime)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


@dataclass
class Entry:
    """One notebook's card: what the index shows, and what went wrong, if anything."""

    name: str
    title: str
    report: str  # file name of the HTML report, relative to the index
    finding: str | None = None
    headline: list[tuple[str, str]] = field(default_factory=list)
    thumbnail: str | None = None  # data: URI, the card's figure at card size
    thumbnail_name: str | None = None
    figure_full: str | None = None  # data: URI at full size, when the card's figure is shrunk
    n_seeds: int | None = None  # len(params["seeds"]) of the run, when it has seeds
    provenance: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _provenance_rows(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    prov = record.get("provenance") or {}
    data = record.get("data") or {}
    commit = prov.get("git_commit")
    commit_text = commit[:10] if commit else "unknown (not a git checkout?)"
    if commit and prov.get("git_dirty"):
        commit_text += " + uncommitted changes"
    wall = prov.get("wall_time_s")
    data_text = data.get("source") or data.get("source_requested") or "none recorded"
    if data.get("n_train") is not None and data.get("n_test") is not None:
        data_text += f" ({data['n_train']:,} train / {data['n_test']:,} test)"
    return [
        ("commit", commit_text),
        (
            "finished (UTC)",
            str(prov.get("finished_utc", "n/a")).replace("T", " ").removesuffix("+00:00"),
        ),
        (
            "Python / TF / Keras",
            " / ".join(str(prov.get(k, "?")) for k in ("python", "tensorflow", "keras")),
        ),
        (
            "Keras backend",
            f"{prov.get('backend', 'tensorflow')} {prov.get('backend_version') or ''}".strip(),
        ),
        ("data", data_text),
        ("profile", run_label(record)),
        ("wall time", f"{wall:.1f} s" if isinstance(wall, int | float) else "n/a"),
    ]


def read_entry(executed: Path, figures_dir: Path) -> Entry:
    """The index card of one executed notebook (reads the notebook and its results.json)."""
    import nbformat

    name = executed.stem
    nb = nbformat.read(executed, as_version=4)
    entry = Entry(name=name, title=notebook_title(nb, name), report=f"{name}.html")
    failed = executed.with_suffix(executed.suffix + ".failed")
    if failed.exists():
        entry.warnings.append(
            "execution failed; the report shows the partial run: "
            + failed.read_text().strip().splitlines()[0]
        )
    fig_dir = figures_dir / name
    results_path = fig_dir / "results.json"
    if not results_path.is_file():
        entry.warnings.append(f"no results.json in {fig_dir}")
        return entry
    try:
        record = json.loads(results_path.read_text())
    except (OSError, ValueError) as exc:
        entry.warnings.append(f"unreadable {results_path}: {exc}")
        return entry
    results = record.get("results")
    entry.finding = record.get("finding")
    entry.headline = headline_numbers(results)
    entry.provenance = _provenance_rows(record)
    entry.n_seeds = _n_seeds(record.get("params"))
    problem = pairing_problem(nb, record, results_path)
    if problem:  # another run's numbers never go on this notebook's card
        entry.warnings.append(problem)
        entry.finding, entry.headline = None, []
        return entry
    figure = card_figure(results, fig_dir)
    if figure is None:
        entry.warnings.append(f"no PNG figure in {fig_dir}")
    else:
        entry.thumbnail, entry.figure_full = figure_data_uris(figure)
        entry.thumbnail_name = figure.name
    return entry


# --------------------------------------------------------------------------- pairing
# Which results.json goes with which executed notebook: the runner writes the same run id into
# the executed notebook's metadata (``metadata.actlab``) and, through the kernel, into
# results.json; files from before run ids are matched by the finish time the provenance block
# shows.

REFUSAL = "refusing to pair"


def run_label(record: Mapping[str, Any]) -> str:
    """What ran, for a card: 'default', 'smoke', 'default + overrides (epochs=2)', '... (jax backend)'."""
    label = str(record.get("label") or record.get("profile") or "n/a")
    overrides = record.get("overrides")
    if isinstance(overrides, Mapping) and overrides:
        label += " (" + ", ".join(f"{k}={v!r}" for k, v in overrides.items()) + ")"
    return label


def executed_run(nb: Any) -> Mapping[str, Any]:
    """The runner's description of the run that produced an executed notebook ({} if none)."""
    meta = nb.metadata.get("actlab") if hasattr(nb, "metadata") else None
    return meta if isinstance(meta, Mapping) else {}


def pairing_problem(nb: Any, record: Mapping[str, Any], results_path: Path) -> str | None:
    """None if `record` (results.json) comes from the run that produced the executed `nb`,
    otherwise the one-line reason for refusing to put them together."""
    meta = executed_run(nb)
    ran, wrote = meta.get("run_id"), record.get("run_id")
    if ran and wrote:
        if ran == wrote:
            return None
        return (
            f"{REFUSAL} {results_path} with this executed notebook: it is not from this executed "
            f"notebook's run ({run_label(record)}, run {wrote}; the notebook is "
            f"{meta.get('label', '?')}, run {ran})"
        )
    finished = (record.get("provenance") or {}).get("finished_utc")
    if not finished or str(finished) not in _outputs_text(nb):
        return (
            f"{REFUSAL} {results_path} (finished {finished}) with this executed notebook: it is "
            "not from this executed notebook (its provenance block shows another run)"
        )
    return None


# --------------------------------------------------------------------------- rendering


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="notebook names (e.g. 01_x); default: every executed notebook",
    )
    parser.add_argument(
        "--profile",
        default=outputs.DEFAULT_PROFILE,
        choices=outputs.PROFILES,
        help="whose outputs to render (default: default); sets the three folders",
    )
    parser.add_argument(
        "--backend",
        default=None,
        choices=outputs.BACKENDS,
        help="the backend of those outputs (default: $KERAS_BACKEND or tensorflow)",
    )
    parser.add_argument(
        "--executed",
        type=Path,
        help="folder of executed notebooks (default: the profile's, reports/executed/...)",
    )
    parser.add_argument(
        "--figures",
        type=Path,
        help="folder holding <notebook>/results.json and PNGs (default: the profile's)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where the HTML reports and index.html go (default: reports/ or its "
        "profile sub-folder)",
    )
    parser.add_argument(
        "--hide-code", action="store_true", help="paper variant: no code cells, outputs only"
    )
    args = parser.parse_args(argv)
    key = outputs.RunKey(args.profile, args.backend or outputs.default_backend())
    executed = args.executed or outputs.executed_dir(key)
    figures = args.figures or outputs.figures_root(key)
    out = args.out or outputs.report_dir(key)
    try:
        entries = build(executed, figures, out, args.hide_code, args.names or None)
    except FileNotFoundError as exc:
        print(f"reports: {exc}", file=sys.stderr)
        return 1
    refused = [e.name for e in entries if any(w.startswith(REFUSAL) for w in e.warnings)]
    if refused:
        print(
            f"reports: {len(refused)} card(s) without numbers, their results.json is from another "
            f"run: {', '.join(refused)}; run `make figures` for this profile first",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = [
    "REFUSAL",
    "Entry",
    "build",
    "build_api_docs",
    "card_figure",
    "discover",
    "executed_run",
    "figure_data_uris",
    "format_value",
    "headline_numbers",
    "main",
    "main_figure",
    "make_exporter",
    "notebook_title",
    "pairing_problem",
    "read_entry",
    "reader_text",
    "render_index",
    "render_report",
    "run_label",
    "single_seed_text",
    "strip_machine_paths",
    "thumbnail_data_uri",
]
