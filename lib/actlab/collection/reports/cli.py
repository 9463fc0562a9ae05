"""The command line: ``python -m actlab.collection.reports`` (see `actlab.collection.reports`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actlab.collection import outputs
from actlab.collection.reports.pairing import REFUSAL
from actlab.collection.reports.render import build

DESCRIPTION = (
    "Shareable HTML reports: every executed notebook as one self-contained file, plus an index."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.collection.reports", description=DESCRIPTION
    )
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
