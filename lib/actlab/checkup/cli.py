"""The command: ``python -m actlab.checkup TARGET`` (see `main`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "DEFAULT_LOG"]


#: The command's log of the backends' own messages, relative to the current directory.
DEFAULT_LOG = "checkup.log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actlab.checkup",
        description="Check an activation for non-finite values and gradients, wrong gradients, "
        "XLA, traced state, half precision, serialization, training and cost.",
    )
    parser.add_argument(
        "target",
        help="package.module:attribute (optionally with literal "
        'arguments, e.g. "actlab.layers:Truncation(threshold=2.0)") or a Keras '
        "activation name such as gelu",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    parser.add_argument("--no-train", action="store_true", help="skip the training check")
    parser.add_argument("--no-timing", action="store_true", help="skip the cost check")
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
        "--log",
        metavar="FILE",
        default=DEFAULT_LOG,
        help="where TensorFlow's and JAX's own messages go (default: "
        f"{DEFAULT_LOG} in the current directory)",
    )
    args = parser.parse_args(argv)
    log = Path(args.log).absolute()
    shown = os.path.relpath(log) if log.resolve().is_relative_to(Path.cwd()) else str(log)
    print(f"checkup: {args.target} (TensorFlow's and JAX's own messages go to {shown})", flush=True)
    from actlab.checkup.backends import BACKENDS
    from actlab.checkup.run import check_activation

    try:
        with _native_stderr_to(log):
            report = check_activation(
                args.target,
                train=not args.no_train,
                timing=not args.no_timing,
                allow_surrogate_gradient=args.allow_surrogate_gradient,
                backends=BACKENDS if args.backends else None,
            )
    except ValueError as exc:
        print(f"checkup: error: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"report written to {args.json}")
    return 0 if report.ok else 1


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
