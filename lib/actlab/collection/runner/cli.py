"""The command line: ``python -m actlab.collection.runner NOTEBOOK ...`` and its two helpers
for the Makefile, ``check`` and ``summary`` (see `actlab.collection.runner`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actlab.collection import outputs
from actlab.collection.outputs import BACKENDS, PROFILES, RunKey
from actlab.collection.runner.execution import Execution, describe_failure, prepare, run
from actlab.collection.runner.parameters import (
    NotebookParameterError,
    describe_parameters,
    parse_overrides,
)
from actlab.collection.runner.stamps import check, write_stamp
from actlab.collection.runner.terminal import Terminal, _relative, summary


def _key_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="default", choices=PROFILES)
    parser.add_argument(
        "--backend",
        default=None,
        choices=BACKENDS,
        help="Keras backend of the kernel (default: $KERAS_BACKEND or tensorflow)",
    )


def _helper_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m actlab.collection.runner {argv[0]}")
    parser.add_argument("names", nargs="*", metavar="NAME")
    _key_args(parser)
    parser.add_argument("--since", type=float, help="epoch seconds: stamps newer than this 'ran'")
    args = parser.parse_args(argv[1:])
    key = RunKey(args.profile, args.backend or outputs.default_backend())
    if argv[0] == "check":
        check(args.names, key)
    else:
        print(summary(args.names, key, args.since))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.collection.runner",
        add_help=False,
        description="Execute one notebook headlessly (papermill) with a profile, a backend and "
        "-p overrides. `python -m actlab.collection.runner NOTEBOOK --help` lists its parameters.",
    )
    parser.add_argument("notebook", type=Path, nargs="?")
    _key_args(parser)
    parser.add_argument(
        "--output",
        type=Path,
        help="executed copy (default: the run's own folder under reports/executed/); "
        "an ad-hoc run (-p) also writes its figures next to it, in figures/",
    )
    parser.add_argument("--stamp", type=Path, help="written on success (the Makefile's target)")
    parser.add_argument(
        "--perturbation",
        choices=sorted(outputs.PERTURBATIONS),
        help="a robustness run: perturb float rounding in the kernel (onednn-off: "
        "TF_ENABLE_ONEDNN_OPTS=0); writes the robustness/ folders (`make robustness`)",
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter; VALUE is read like the parameters cell "
        "(None, 2, 1e-3, [0, 1], 'relu'; else text). Repeatable.",
    )
    parser.add_argument(
        "-h",
        "--help",
        action="store_true",
        help="show this help (and the notebook's parameters when NOTEBOOK is given)",
    )
    return parser


def _fail(ex_name: str, failed: Path, message: str, term: Terminal | None) -> None:
    failed.parent.mkdir(parents=True, exist_ok=True)
    failed.write_text(message + "\n")
    text = f"[{ex_name}] {message}"
    if term:
        term.line(text, stream=sys.stderr)
    else:
        print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("check", "summary"):
        return _helper_main(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.help or args.notebook is None:
        return _help(parser, args)
    name = args.notebook.stem
    try:
        extra, notes = parse_overrides(args.param)
        ex = prepare(
            args.notebook, args.output, args.profile, extra, args.backend, args.perturbation
        )
    except (NotebookParameterError, outputs.OutputConflictError) as exc:
        message = f"FAILED before the kernel started: {exc}"
        if args.output:  # `make figures` names the output; its summary reads the .failed file
            _fail(name, Path(str(args.output) + ".failed"), message, None)
        else:
            print(f"[{name}] {message}", file=sys.stderr, flush=True)
        return 2
    from actlab.collection.session import unsupported_reason

    reason = unsupported_reason(name, ex.key.backend)
    if (
        reason
    ):  # e.g. a TensorFlow-only notebook under BACKEND=jax: nothing runs, nothing is written
        print(f"[{name}] not run on the {ex.key.backend} backend: {reason}", flush=True)
        return 0
    return _run(name, ex, notes, args.stamp)


def _help(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The options, and the notebook's parameters when one is named."""
    parser.print_help()
    if args.notebook is not None:
        try:
            print("\n" + describe_parameters(args.notebook))
        except (OSError, ValueError) as exc:
            print(f"\n(cannot read {args.notebook}'s parameters: {exc})")
        return 0
    return 0 if args.help else 2


def _run(name: str, ex: Execution, notes: list[str], stamp: Path | None) -> int:
    """Run a prepared notebook with its start, progress and result lines; the exit status."""
    import papermill

    loc = ex.loc
    term = Terminal(name)
    for note in notes:
        term.line(f"[{name}] -p {note}")
    term.line(
        f"[{name}] running ({ex.key.describe()}) -> {_relative(loc.executed)}; "
        f"log {_relative(loc.log)}"
    )
    try:
        run(ex, term.cell)
    except papermill.PapermillExecutionError as exc:
        term.stop()
        failure = describe_failure(exc, loc.executed)
        _fail(
            name,
            loc.failed,
            f"FAILED after {ex.seconds:.0f} s at {failure}; log: {_relative(loc.log)}; "
            f"partial executed copy: {_relative(loc.executed)}",
            term,
        )
        return 1
    except BaseException:
        term.stop()
        raise
    term.stop()
    if stamp:
        write_stamp(stamp, ex)
    where = f"figures in {_relative(loc.figures)}/" if loc.figures.is_dir() else "no figures"
    term.line(f"[{name}] done in {ex.seconds:.0f} s; {where}")
    return 0
