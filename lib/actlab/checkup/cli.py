"""The command: ``python -m actlab.checkup TARGET`` or ``--module package.module`` (see `main`).

Exit status: 0 nothing failed, 1 a check failed (the activation has a defect), 2 not a usable
target (a typo, an import error, not an activation, no Keras in this environment). An import
path is checked before Keras loads (`paths.precheck`), so a typo is refused in well under a
second; Keras and the backend load only for a target that can be checked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from actlab.checkup.paths import precheck, precheck_module

__all__ = ["main", "DEFAULT_LOG", "EXIT_OK", "EXIT_FAILED", "EXIT_UNUSABLE"]

#: The command's log of the backends' own messages, relative to the current directory.
DEFAULT_LOG = "checkup.log"
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.checkup",
        description="Check an activation (or every activation of a module) for non-finite "
        "values and gradients, wrong gradients, kinks, weights without gradients, XLA, traced "
        "state, half precision, serialization, training and cost. Exit status: 0 nothing "
        "failed, 1 a check failed, 2 not a usable target.",
    )
    parser.add_argument(
        "target",
        nargs="?",
        help="package.module:attribute (optionally with literal "
        'arguments, e.g. "actlab.layers:Truncation(threshold=2.0)") or a Keras '
        "activation name such as gelu",
    )
    parser.add_argument(
        "--module",
        metavar="MODULE",
        help="check every public activation of MODULE (functions of one tensor, layers built "
        "with their defaults): one row per activation, one column per check",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    parser.add_argument("--no-train", action="store_true", help="skip the training check")
    parser.add_argument("--no-timing", action="store_true", help="skip the cost check")
    parser.add_argument(
        "--no-fresh-process",
        action="store_true",
        help="serializes reloads in this process instead of a fresh one (faster; cannot tell "
        "whether importing the target's module registers it)",
    )
    parser.add_argument(
        "--allow-surrogate-gradient",
        action="store_true",
        help="a gradient that differs from finite differences only warns",
    )
    parser.add_argument(
        "--backends",
        action="store_true",
        help="also compare values and gradients on TensorFlow and JAX "
        "(one child process per backend)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random probe points, the networks and the shuffling (default 0; "
        "the same seed gives the same report)",
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        default=DEFAULT_LOG,
        help="where TensorFlow's and JAX's own messages go (default: "
        f"{DEFAULT_LOG} in the current directory)",
    )
    return parser


def _error(message: str) -> int:
    print(f"checkup: error: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.target is None) == (args.module is None):
        parser.print_usage(sys.stderr)
        return _error("give either a TARGET or --module MODULE (not both)")
    if args.module is not None and args.backends:
        return _error("--backends compares one target; check the module's activations one by one")
    try:  # before Keras loads: a typo costs no backend start-up
        if args.target is not None:
            precheck(args.target)
        else:
            precheck_module(args.module)
    except ValueError as exc:
        return _error(str(exc))
    log = Path(args.log).absolute()
    shown = os.path.relpath(log) if log.resolve().is_relative_to(Path.cwd()) else str(log)
    subject = args.target if args.target is not None else f"--module {args.module}"
    print(f"checkup: {subject} (TensorFlow's and JAX's own messages go to {shown})", flush=True)
    options = {
        "train": not args.no_train,
        "timing": not args.no_timing,
        "allow_surrogate_gradient": args.allow_surrogate_gradient,
        "fresh_process": not args.no_fresh_process,
        "seed": args.seed,
    }
    try:
        with _native_stderr_to(log):
            try:
                from actlab.checkup.backends import BACKENDS
                from actlab.checkup.modules import check_module
                from actlab.checkup.run import check_activation
            except ImportError as exc:
                raise ValueError(
                    f"cannot load Keras and a backend ({exc}): run this with the Python of the "
                    "environment actlab is installed in (in this checkout: .venv/bin/python, "
                    "or `source .venv/bin/activate` first)"
                ) from None
            if args.module is not None:
                report = check_module(args.module, progress=_progress, **options)
            else:
                report = check_activation(
                    args.target, backends=BACKENDS if args.backends else None, **options
                )
    except ValueError as exc:
        return _error(str(exc))
    _print_report(report, args.module is not None, args.json)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_report(report, module: bool, json_path: str | None) -> None:
    """The report on the terminal (a module's as a table), and as JSON to `json_path`."""
    if module:
        print(report.table())
        details = report.details()
        if details:
            print(details)
        if report.skipped:
            print(
                "not activations: " + "; ".join(f"{name} ({why})" for name, why in report.skipped)
            )
        print(report.verdict())
    else:
        print(report.format())
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"report written to {json_path}")


def _progress(line: str) -> None:
    print(line, flush=True)


@contextlib.contextmanager
def _native_stderr_to(log: Path):
    """File descriptor 2 (TensorFlow's and XLA's C++ logging, absl) to `log` while inside."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "a", encoding="utf-8") as f:
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
