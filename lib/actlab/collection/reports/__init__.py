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

from actlab.collection.reports.cards import (
    FULL_FIGURE_WIDTH,
    MAX_HEADLINE,
    THUMBNAIL_WIDTH,
    Entry,
    card_figure,
    figure_data_uris,
    format_value,
    headline_numbers,
    main_figure,
    notebook_title,
    read_entry,
    thumbnail_data_uri,
)
from actlab.collection.reports.cli import main
from actlab.collection.reports.pairing import REFUSAL, executed_run, pairing_problem, run_label
from actlab.collection.reports.reader import reader_text, single_seed_text, strip_machine_paths
from actlab.collection.reports.render import (
    API_DIR,
    INDEX_TEMPLATE,
    NOTEBOOK_GLOB,
    REMOVE_CELL_TAGS,
    REMOVE_INPUT_TAGS,
    REMOVE_OUTPUT_TAGS,
    REPORT_TEMPLATE,
    TEMPLATES_DIR,
    build,
    build_api_docs,
    discover,
    make_exporter,
    render_index,
    render_report,
)

__all__ = [
    "API_DIR",
    "FULL_FIGURE_WIDTH",
    "INDEX_TEMPLATE",
    "MAX_HEADLINE",
    "NOTEBOOK_GLOB",
    "REFUSAL",
    "REMOVE_CELL_TAGS",
    "REMOVE_INPUT_TAGS",
    "REMOVE_OUTPUT_TAGS",
    "REPORT_TEMPLATE",
    "TEMPLATES_DIR",
    "THUMBNAIL_WIDTH",
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
