"""HTML reports (`actlab.collection.reports`): self-contained files, a working index, checked in Chromium.

Fast tests use a small synthetic executed notebook; the rest render the smoke runs of every
notebook in notebooks/ (shared with test_notebooks.py through the `smoke_run` fixture).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from actlab.collection import outputs, reports, session

NOTEBOOKS = sorted((session.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Elements whose URL attributes make a browser load something (the page is not self-contained if
# any of them points outside the file); <a>/<area> hrefs are navigation, not loading.
LOADING_ATTRS = {"src", "srcset", "data", "poster", "background", "href", "xlink:href"}
NAVIGATION_TAGS = {"a", "area"}
NETWORK = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CODE_INPUT = re.compile(r"class=\"[^\"]*jp-InputArea-editor")  # a rendered code cell's input
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


class _Page(HTMLParser):
    """Tags with attributes, ids, and the CSS text (style elements and attributes) of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.css: list[str] = []
        self.texts: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "style" in attrs:
            self.css.append(attrs["style"])
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        (self.css if self._in_style else self.texts).append(data)

    @property
    def text(self) -> str:
        """The page's text (what a reader sees, markup and CSS removed)."""
        return "".join(self.texts)

    def urls(self, loading_only: bool = True):
        """(tag, attribute, value) of every URL-valued attribute."""
        for tag, attrs in self.tags:
            if loading_only and tag in NAVIGATION_TAGS:
                continue
            for name, value in attrs.items():
                if name in LOADING_ATTRS and value:
                    yield tag, name, value


def assert_self_contained(path: Path) -> _Page:
    """Every loaded resource is inline: images/fonts/CSS as data: URIs, no scripts or styles by URL."""
    page = _Page(path.read_text(encoding="utf-8"))
    for tag, name, value in page.urls():
        assert value.startswith("data:") or (
            value.startswith("#") and tag not in {"img", "script"}
        ), f"{path.name}: <{tag} {name}={value[:80]!r}> loads a resource from outside the file"
    for css in page.css:
        assert "@import" not in css, f"{path.name}: CSS @import"
        for url in CSS_URL.findall(css):
            assert url.startswith(("data:", "#")) or not url, f"{path.name}: CSS url({url[:80]})"
    assert not [t for t, _ in page.tags if t == "base"], f"{path.name}: <base href> changes URLs"
    for tag, attrs in page.tags:  # plain-text reference links are fine, but only as <a>/<area>
        if tag not in NAVIGATION_TAGS:
            for name, value in attrs.items():
                assert not NETWORK.match(value), f"{path.name}: <{tag} {name}={value!r}>"
    return page


def image_outputs(nb) -> int:
    """Number of image outputs a rendering must show (PNG/JPEG/SVG)."""
    kinds = ("image/png", "image/jpeg", "image/svg+xml")
    return sum(
        any(k in out.get("data", {}) for k in kinds)
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def png_bytes(color=(200, 40, 40), size=(64, 32)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- unit tests


def test_headline_convention():
    results = {
        "acc_mean": 0.91234567,
        "epochs": 3,
        "curve": [1, 2],
        "table": {"a": 1},
        "diverged": "nan",
        "label": "hello",
        "ok": True,
        "main_figure": "x",
    }
    assert reports.headline_numbers(results) == [
        ("acc mean", "0.9123"),
        ("epochs", "3"),
        ("diverged", "nan"),
        ("ok", "yes"),
    ]
    explicit = {"headline": {"test accuracy": "0.912 ± 0.004", "best_lr": 0.001}, "acc_mean": 0.5}
    assert reports.headline_numbers(explicit) == [
        ("test accuracy", "0.912 ± 0.004"),
        ("best lr", "0.001"),
    ]
    many = {f"k{i}": i for i in range(10)}
    assert len(reports.headline_numbers(many)) == reports.MAX_HEADLINE
    assert reports.headline_numbers(None) == []
    assert reports.format_value(1234567) == "1,234,567"
    assert reports.format_value(1.5e-6) == "1.500e-06"


def test_main_figure_choice(tmp_path: Path):
    assert reports.main_figure({}, tmp_path / "missing") is None
    for name in ("b_loss.png", "a_curves.png", "c.svg"):
        (tmp_path / name).write_bytes(png_bytes())
    assert reports.main_figure({}, tmp_path).name == "a_curves.png"
    assert reports.main_figure({"main_figure": "b_loss"}, tmp_path).name == "b_loss.png"
    assert reports.main_figure({"main_figure": "b_loss.png"}, tmp_path).name == "b_loss.png"
    assert reports.main_figure({"main_figure": "nope"}, tmp_path).name == "a_curves.png"


def test_title_is_first_heading():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("Intro text\n\n## 01 · The *blend* `test`\nmore"),
        nbformat.v4.new_markdown_cell("# Later heading"),
    ]
    assert reports.notebook_title(nb, "fallback") == "01 · The blend test"
    assert reports.notebook_title(nbformat.v4.new_notebook(), "fallback") == "fallback"


def test_thumbnail_is_downscaled_png(tmp_path: Path):
    from PIL import Image

    (tmp_path / "big.png").write_bytes(png_bytes(size=(1000, 500)))
    uri = reports.thumbnail_data_uri(tmp_path / "big.png", width=200)
    assert uri.startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert img.size == (200, 100)


def _synthetic_run(
    root: Path,
    name: str = "42_synthetic",
    finished: str = "2026-01-02T03:04:05+00:00",
    stale: bool = False,
) -> SimpleNamespace:
    """An executed notebook (as papermill leaves it) plus its figures/<name>/results.json."""
    executed, figures, source = root / "executed", root / "figures", root / "src"
    for d in (executed, figures / name, source):
        d.mkdir(parents=True, exist_ok=True)
    (source / "diagram.png").write_bytes(png_bytes((40, 40, 200)))
    (figures / name / "z_other.png").write_bytes(png_bytes((0, 200, 0)))
    (figures / name / "main.png").write_bytes(png_bytes((200, 0, 0), size=(800, 400)))
    png64 = base64.b64encode(png_bytes()).decode()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "actlab", "display_name": "actlab", "language": "python"}
    code = nbformat.v4.new_code_cell("SECRET_CODE_MARKER = plot()", execution_count=1)
    code.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="TF_LOG_NOISE_MARKER\n"),
        nbformat.v4.new_output("display_data", data={"image/png": png64, "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": f"<div class='actlab-provenance'><table><tr><th>finished (UTC)</th>"
                f"<td>{'1999-01-01T00:00:00+00:00' if stale else finished}</td></tr>"
                f"</table></div>",
                "text/plain": "<HTML>",
            },
        ),
    ]
    hidden = nbformat.v4.new_code_cell("HIDDEN_CELL_MARKER = 1", execution_count=2)
    hidden.metadata["tags"] = ["remove-cell"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 42 · A synthetic run\nSee [the paper](https://arxiv.org/abs/1"
            "234.5678) and ![diagram](diagram.png) and $x^2$."
        ),
        code,
        hidden,
    ]
    path = executed / f"{name}.ipynb"
    nbformat.write(nb, path)
    record = {
        "notebook": name,
        "profile": "smoke",
        "finding": "Synthetic finding: 3 > 2.",
        "results": {"acc": 0.875, "curve": [1, 2], "main_figure": "main"},
        "params": {},
        "data": {"source": "embedded", "n_train": 4000, "n_test": 1000, "description": "d"},
        "provenance": {
            "git_commit": "0123456789abcdef",
            "git_dirty": True,
            "python": "3.11.7",
            "tensorflow": "2.21.0",
            "keras": "3.15.1",
            "finished_utc": finished,
            "wall_time_s": 12.3,
        },
    }
    (figures / name / "results.json").write_text(json.dumps(record))
    return SimpleNamespace(executed=executed, figures=figures, source=source, name=name, nb=nb)


def test_synthetic_report_and_index(tmp_path: Path):
    run = _synthetic_run(tmp_path)
    out = tmp_path / "out"
    entries = reports.build(
        run.executed, run.figures, out, source_dir=run.source, log=lambda m: None
    )
    assert sorted(p.name for p in out.iterdir()) == ["42_synthetic.html", "index.html"]
    (entry,) = entries
    assert entry.warnings == []
    assert entry.title == "42 · A synthetic run"
    assert entry.thumbnail_name == "main.png"  # results["main_figure"] wins over name order

    report = out / "42_synthetic.html"
    page = assert_self_contained(report)
    text = report.read_text()
    imgs = [a["src"] for t, a in page.tags if t == "img"]
    assert len(imgs) == 2 and all(
        s.startswith("data:image/png;base64,") for s in imgs
    )  # output + markdown
    assert [
        a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("http")
    ] == ["https://arxiv.org/abs/1234.5678"]  # a reference link, allowed as plain <a href>
    assert "SECRET_CODE_MARKER" in text and "TF_LOG_NOISE_MARKER" in text
    assert "HIDDEN_CELL_MARKER" not in text  # `remove-cell` tag honoured
    assert "<title>42 · A synthetic run</title>" in text

    index = (out / "index.html").read_text()
    assert_self_contained(out / "index.html")
    for expected in (
        "42 · A synthetic run",
        "Synthetic finding: 3 &gt; 2.",
        "0.875",
        "0123456789",
        "uncommitted",
        "3.11.7 / 2.21.0 / 3.15.1",
        "embedded (4,000 train / 1,000 test)",
        "smoke",
        "12.3 s",
        'href="42_synthetic.html"',
    ):
        assert expected in index, expected
    assert 'class="warn"' not in index


def test_paper_variant_hides_code_keeps_outputs(tmp_path: Path):
    run = _synthetic_run(tmp_path)
    reports.build(
        run.executed,
        run.figures,
        tmp_path / "paper",
        hide_code=True,
        source_dir=run.source,
        log=lambda m: None,
    )
    text = (tmp_path / "paper" / "42_synthetic.html").read_text()
    assert "SECRET_CODE_MARKER" not in text and not CODE_INPUT.search(text)
    assert "TF_LOG_NOISE_MARKER" not in text
    assert "actlab-provenance" in text and "A synthetic run" in text
    imgs = [a.get("src", "") for t, a in _Page(text).tags if t == "img"]
    assert len(imgs) == 2 and all(s.startswith("data:image/png;base64,") for s in imgs)
    assert "paper variant" in (tmp_path / "paper" / "index.html").read_text()


def test_index_warns_about_stale_failed_and_missing_results(tmp_path: Path):
    run = _synthetic_run(tmp_path, stale=True)
    failed = run.executed / f"{run.name}.ipynb.failed"
    failed.write_text("FAILED notebooks/42_synthetic.ipynb at cell [3]: ValueError: boom\n")
    messages = []
    (entry,) = reports.build(
        run.executed, run.figures, tmp_path / "out", source_dir=run.source, log=messages.append
    )
    assert any("execution failed" in w and "boom" in w for w in entry.warnings)
    assert any("not from this executed notebook" in w for w in entry.warnings)
    assert sum("WARNING" in m for m in messages) == 2
    assert (tmp_path / "out" / "index.html").read_text().count('class="warn"') == 2

    shutil.rmtree(run.figures / run.name)
    entry = reports.read_entry(run.executed / f"{run.name}.ipynb", run.figures)
    assert any("no results.json" in w for w in entry.warnings) and entry.thumbnail is None


def test_cli(tmp_path: Path, capsys):
    run = _synthetic_run(tmp_path)
    out = tmp_path / "cli"
    assert (
        reports.main(
            [
                "--executed",
                str(run.executed),
                "--figures",
                str(run.figures),
                "--out",
                str(out),
                "42_synthetic",
            ]
        )
        == 0
    )
    assert (out / "index.html").exists() and (out / "42_synthetic.html").exists()
    assert reports.main(["--executed", str(tmp_path / "empty"), "--out", str(out)]) == 1
    assert "no executed notebooks" in capsys.readouterr().err
    assert reports.main(["--executed", str(run.executed), "--out", str(out), "07_missing"]) == 1


# --------------------------------------------------------------------------- from the smoke runs


@pytest.fixture(scope="module")
def smoke_reports(smoke_run, tmp_path_factory):
    """Reports (with code, and the paper variant) rendered from every notebook's smoke run."""
    executed, failures = [], {}
    for path in NOTEBOOKS:
        try:
            executed.append(smoke_run(path))
        except Exception as exc:  # noqa: BLE001 - named by test_every_notebook_has_a_report
            failures[path.stem] = (
                f"{getattr(exc, 'ename', type(exc).__name__)}: "
                f"{str(getattr(exc, 'evalue', exc)).strip()[:300]}"
            )
    if not executed:
        pytest.fail(f"no notebook's smoke run succeeded: {failures}")
    figures = outputs.figures_root(outputs.RunKey("smoke", outputs.default_backend()))
    names = [p.stem for p in executed]
    out = tmp_path_factory.mktemp("reports")
    paper = tmp_path_factory.mktemp("reports-paper")
    quiet = lambda m: None  # noqa: E731
    api = reports.build_api_docs(out / reports.API_DIR)  # what `make docs` does; the index links it
    entries = reports.build(executed[0].parent, figures, out, names=names, log=quiet)
    reports.build(executed[0].parent, figures, paper, hide_code=True, names=names, log=quiet)
    return SimpleNamespace(
        out=out,
        paper=paper,
        entries=entries,
        names=names,
        figures=figures,
        executed={p.stem: p for p in executed},
        failures=failures,
        api=api,
    )


def _record(ctx, name: str) -> dict:
    return json.loads((ctx.figures / name / "results.json").read_text())


@pytest.mark.notebook
def test_every_notebook_has_a_report(smoke_reports):
    assert not smoke_reports.failures, f"smoke runs failed, no report: {smoke_reports.failures}"
    for folder, extra in ((smoke_reports.out, [reports.API_DIR]), (smoke_reports.paper, [])):
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["index.html", *extra, *(f"{n}.html" for n in smoke_reports.names)]
        ), "one file per report"


@pytest.mark.notebook
@pytest.mark.parametrize("variant", ["out", "paper"])
def test_reports_are_self_contained(smoke_reports, variant):
    for name in smoke_reports.names:
        path = getattr(smoke_reports, variant) / f"{name}.html"
        page = assert_self_contained(path)
        assert not [a for t, a in page.tags if t == "script" and "src" in a]
        nb = nbformat.read(smoke_reports.executed[name], as_version=4)
        imgs = [a.get("src", "") for t, a in page.tags if t == "img"]
        assert len(imgs) >= image_outputs(nb) > 0, f"{path.name}: figures missing"
        assert all(s.startswith("data:image/") for s in imgs)


@pytest.mark.notebook
@pytest.mark.parametrize("variant", ["out", "paper"])
def test_reports_carry_the_provenance_of_their_results(smoke_reports, variant):
    for name in smoke_reports.names:
        text = (getattr(smoke_reports, variant) / f"{name}.html").read_text()
        assert len(re.findall(r"class=['\"]actlab-provenance['\"]", text)) == 1, name
        prov = _record(smoke_reports, name)["provenance"]
        assert prov["finished_utc"] in text and prov["tensorflow"] in text and prov["keras"] in text


@pytest.mark.notebook
def test_paper_variant_has_no_code(smoke_reports):
    for name in smoke_reports.names:
        full = (smoke_reports.out / f"{name}.html").read_text()
        paper = (smoke_reports.paper / f"{name}.html").read_text()
        assert CODE_INPUT.search(full) and "run.finish(" in _Page(full).text
        assert not CODE_INPUT.search(paper) and "run.finish(" not in _Page(paper).text


@pytest.mark.notebook
def test_index_links_resolve_and_nothing_is_remote(smoke_reports):
    for folder in (smoke_reports.out, smoke_reports.paper):
        index = folder / "index.html"
        page = assert_self_contained(index)
        hrefs = [a["href"] for t, a in page.tags if "href" in a]
        assert hrefs
        for href in hrefs:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"index links outside the folder: {href}"
            if parts.path:
                assert (folder / unquote(parts.path)).is_file(), f"broken link {href}"
            if parts.fragment:
                target = _Page((folder / unquote(parts.path)).read_text()) if parts.path else page
                assert unquote(parts.fragment) in target.ids, f"broken anchor {href}"
        for name in smoke_reports.names:
            assert f"{name}.html" in hrefs


@pytest.mark.notebook
def test_index_cards_show_results_json(smoke_reports):
    index = (smoke_reports.out / "index.html").read_text()
    page = _Page(index)
    cards = {a["id"] for t, a in page.tags if t == "article"}
    assert cards == set(smoke_reports.names)
    assert 'class="warn"' not in index, "a card has a warning (stale or missing results.json?)"
    thumbs = [a["src"] for t, a in page.tags if t == "img" and not a["alt"].endswith("full size")]
    assert len(thumbs) == len(smoke_reports.names)  # one per card (+ full-size views of wide ones)
    assert all(s.startswith("data:image/png;base64,") for s in thumbs)
    no_headline = []
    for entry in smoke_reports.entries:
        record = _record(smoke_reports, entry.name)
        prov = record["provenance"]
        card_html = index.split(f'id="{entry.name}"', 1)[1].split("</article>", 1)[0]
        card = " ".join(_Page(card_html).text.split())  # what a reader sees, whitespace collapsed
        heading = next(
            c.source
            for c in nbformat.read(smoke_reports.executed[entry.name], 4).cells
            if c.cell_type == "markdown" and c.source.lstrip().startswith("#")
        )
        assert re.sub(r"[*_`]", "", heading.lstrip("# ").splitlines()[0]).strip() in card
        shown = lambda text, n=entry.n_seeds: reports.reader_text(text, n)  # noqa: E731 - as shown
        assert record["finding"] and " ".join(shown(record["finding"]).split()) in card
        if not entry.headline:
            no_headline.append(entry.name)
        for label, value in entry.headline:
            assert shown(label) in card and shown(value) in card, (label, value)
        for value in (
            record["profile"],
            prov["python"],
            prov["tensorflow"],
            prov["keras"],
            f"{prov['wall_time_s']:.1f} s",
            (record["data"] or {}).get("source")  # a trial notebook records its split instead
            or (record["data"] or {}).get("description", "none recorded"),
            prov["finished_utc"][:10],
        ):
            assert str(value) in card, value
        if prov["git_commit"]:
            assert prov["git_commit"][:10] in card
    assert not no_headline, (
        f"no headline numbers for the card of {no_headline}: add results['headline'] = "
        "{label: number or short text} (or top-level numbers) to what run.finish writes"
    )


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get if missing; skip only if that is impossible."""
    if CHROMIUM.exists():
        return CHROMIUM
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM} and cannot be installed here "
            "(needs root and apt-get: `apt-get install chromium`)"
        )
    proc = subprocess.run(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium",
        shell=True,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if proc.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(
            f"Chromium could not be installed (apt-get exited {proc.returncode}): "
            f"{(proc.stderr or proc.stdout)[-400:]}"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser, path: Path, shots: Path | None):
    """Load `path`; return (image naturalWidths, console errors, non-file requests); with
    `shots`, a full-page screenshot there too."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, remote = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url[:100]}"))
    page.on(
        "request", lambda r: None if r.url.startswith(("file:", "data:")) else remote.append(r.url)
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    widths = page.evaluate("Array.from(document.images, i => i.complete ? i.naturalWidth : 0)")
    if shots is not None:
        page.screenshot(path=str(shots / f"{path.parent.name}-{path.stem}.png"), full_page=True)
    return page, widths, errors, remote


@pytest.mark.notebook
def test_reports_render_in_chromium(smoke_reports, browser, capsys):
    """Every report, the index and the API reference load in Chromium with their images, no
    console error and no request off this machine. Screenshots (full page) only for a person
    to look at: with ``ACTLAB_SCREENSHOT_DIR`` set, they are saved there."""
    shots = (
        Path(os.environ["ACTLAB_SCREENSHOT_DIR"]) if "ACTLAB_SCREENSHOT_DIR" in os.environ else None
    )
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        with capsys.disabled():
            print(f"\n[test_reports] browser screenshots in {shots}")

    page, widths, errors, remote = _open(browser, smoke_reports.out / "index.html", shots)
    # one image per card, plus the full-size views of wide card figures
    assert len(widths) >= len(smoke_reports.names) and all(w > 0 for w in widths), widths
    assert not errors and not remote, (errors, remote)
    first = smoke_reports.names[0]  # the index's link opens the report
    page.click(f'article[id="{first}"] h2 a')
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{first}.html")
    page.close()

    page, widths, errors, remote = _open(browser, smoke_reports.out / "index.html", shots)
    page.click(f'a[href="{reports.API_DIR}/index.html"]')  # the API reference (`make docs`)
    page.wait_for_url("**/api/actlab.html")  # pdoc's index page forwards to the package's page
    page.goto(page.url.rsplit("/", 1)[0] + "/actlab/layers/antirectifier.html", wait_until="load")
    assert "class Antirectifier" in page.inner_text("body")
    if shots is not None:
        page.screenshot(path=str(shots / "api-antirectifier.png"), full_page=False)
    assert not errors and not remote, (errors, remote)
    page.close()

    pages = [smoke_reports.out / f"{n}.html" for n in smoke_reports.names]
    pages.append(smoke_reports.paper / f"{smoke_reports.names[-1]}.html")
    for path in pages:
        page, widths, errors, remote = _open(browser, path, shots)
        page.close()
        assert widths and all(w > 0 for w in widths), f"{path.name}: unrendered image {widths}"
        assert not errors, f"{path.name}: console errors {errors}"
        assert not remote, f"{path.name}: requested {remote}"


@pytest.mark.notebook
def test_no_report_shows_a_machine_path_or_a_nan_spread(smoke_reports):
    """What is sent to a colleague names no folder of this machine, no '± nan'."""
    machine = [str(session.REPO_ROOT), str(smoke_reports.figures), str(smoke_reports.out.parent)]
    api = list(smoke_reports.api.parent.rglob("*.html"))
    pages = [*smoke_reports.out.glob("*.html"), *smoke_reports.paper.glob("*.html"), *api]
    assert len(pages) > 2 * len(smoke_reports.names) and api
    for path in pages:
        text = path.read_text(encoding="utf-8")
        for folder in machine:
            assert folder not in text, f"{path.name} shows {folder}"
        if path in api:  # actlab.collection.reports' docstrings quote "± nan" on purpose
            continue
        assert not re.search(r"±\s*nan", text, re.IGNORECASE), f"{path.name}: '± nan'"
        assert not re.search(r"\d+ elements?, +(eager|function|jit)", text), (
            f"{path.name}: progress"
        )
