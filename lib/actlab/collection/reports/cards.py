"""A notebook's card in the index: title, finding, headline numbers, figure and provenance,
read from the executed notebook and its results.json (`read_entry`)."""

from __future__ import annotations

import base64
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.collection.reports.pairing import pairing_problem, run_label
from actlab.collection.reports.reader import _n_seeds

MAX_HEADLINE = 6
THUMBNAIL_WIDTH = 960  # pixels; twice the card's width, sharp on high-density screens
FULL_FIGURE_WIDTH = 2400  # pixels; the "full size" view of a wide figure (never upscaled)

_NON_FINITE = {"nan", "inf", "-inf"}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


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
    data_text = (
        data.get("source")
        or data.get("source_requested")
        or data.get("description")  # a trial notebook records its split's description
        or "none recorded"
    )
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
