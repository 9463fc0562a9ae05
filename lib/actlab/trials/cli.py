"""``python -m actlab.trials CANDIDATE... --against relu,gelu --tasks mlp,cnn --seeds 10``.

Prints a table per task (each candidate against each baseline: difference, interval,
Holm-adjusted verdict, cost ratio), writes the runs table (``runs.csv``), the comparisons, a
figure and ``trial.json`` into ``--out``, and with ``--json FILE`` an object with ``runs_total``,
``runs_trained``, ``runs_cached`` and ``comparisons``. Exit status 0 whatever the verdicts,
1 when runs failed (the others are cached), 2 on a bad target or argument (one line).
TensorFlow's and JAX's own messages (and the workers') go to ``--log``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PROG = "python -m actlab.trials"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        print(f"{PROG}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Is my activation any good? Train each candidate and each baseline on the "
        "same splits, batch orders and initial weights, choose each one's learning rate on "
        "validation, and compare them paired over seeds (Holm across the comparisons).",
    )
    p.add_argument(
        "candidates",
        nargs="+",
        metavar="CANDIDATE",
        help="package.module:attribute (optionally with literal arguments, e.g. "
        '"actlab.layers:Rational(trainable=False)") or a Keras activation name',
    )
    p.add_argument("--against", default="relu", help="baselines, comma-separated (default relu)")
    p.add_argument(
        "--tasks", default="mlp", help="tasks, comma-separated: mlp, cnn, sin (default mlp)"
    )
    p.add_argument("--seeds", type=int, default=5, help="evaluation seeds 0..N-1 (default 5)")
    p.add_argument(
        "--tune-seeds", type=int, default=2, help="seeds that choose the learning rate (default 2)"
    )
    p.add_argument("--lr", help="learning-rate grid, comma-separated (default: the task's own)")
    p.add_argument("--epochs", type=int, help="epochs (default: the task's own)")
    p.add_argument("--last", type=int, help="the score is the mean of the last K epochs")
    p.add_argument(
        "--question",
        default="difference",
        choices=("difference", "non-inferiority", "equivalence"),
        help="what every comparison asks (default difference)",
    )
    p.add_argument(
        "--margin", type=float, help="margin of non-inferiority / equivalence, in the task's units"
    )
    p.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: the core count)"
    )
    p.add_argument("--scheduler", metavar="ADDR", help="a Dask scheduler address: run there")
    p.add_argument(
        "--out",
        default="trial",
        help="folder for runs.csv, comparisons.csv, trial.png, trial.json (default ./trial)",
    )
    p.add_argument("--cache", help="run cache folder (default OUT/cache)")
    p.add_argument("--json", metavar="FILE", help="also write the summary as JSON to FILE")
    p.add_argument(
        "--log", default=None, help="TensorFlow's/JAX's own messages (default OUT/trial.log)"
    )
    p.add_argument("--force", action="store_true", help="train candidates that fail the checkup")
    p.add_argument("--no-cost", action="store_true", help="skip the cost measurement")
    return p


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@contextlib.contextmanager
def _native_output_to(path: Path):
    """Point file descriptor 2 (TensorFlow's and the workers' messages) at `path`; yield a
    stream on the original stderr for the progress lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1)
    python_stderr, sys.stderr = sys.stderr, terminal  # Python's own messages stay visible
    try:
        yield terminal
    finally:
        sys.stderr = python_stderr
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        terminal.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Path(args.out)
    cache = Path(args.cache) if args.cache else out / "cache"
    log = Path(args.log) if args.log else out / "trial.log"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        learning_rates = None if args.lr is None else [float(v) for v in _split(args.lr)]
    except ValueError:
        print(
            f"{PROG}: error: --lr must be numbers separated by commas. Received: {args.lr!r}",
            file=sys.stderr,
        )
        return 2
    import logging

    from actlab.trials.engine import TrialError, run_trial
    from actlab.trials.progress import log as trials_log

    print(
        f"trials: {', '.join(args.candidates)} against {args.against} on {args.tasks} "
        f"(native messages: {log})",
        flush=True,
    )
    with _native_output_to(log) as terminal:
        handler = logging.StreamHandler(terminal)
        handler.setFormatter(logging.Formatter("%(message)s"))
        interactive = terminal.isatty()
        if not interactive:
            trials_log.addHandler(handler)
            trials_log.setLevel(logging.INFO)
        try:
            trial = run_trial(
                args.candidates,
                _split(args.against),
                _split(args.tasks),
                args.seeds,
                tune_seeds=args.tune_seeds,
                learning_rates=learning_rates,
                epochs=args.epochs,
                last=args.last,
                question=args.question,
                margin=args.margin,
                jobs=args.jobs,
                scheduler=args.scheduler,
                cache=cache,
                force=args.force,
                cost=not args.no_cost,
                progress="bar" if interactive else "log",
            )
        except ValueError as exc:
            print(f"{PROG}: error: {str(exc).splitlines()[0]}", file=terminal)
            return 2
        except TrialError as exc:
            print(f"{PROG}: {exc}", file=terminal)
            return 1
        finally:
            trials_log.removeHandler(handler)
    if trial.note:
        print(trial.note)
    print()
    print(trial.table())
    print()
    print(trial.choices_text())
    paths = trial.save(out)
    print()
    print(trial.summary())
    print("written: " + ", ".join(str(p) for p in paths.values()))
    if args.json:
        Path(args.json).write_text(json.dumps(trial.to_json(), indent=2) + "\n")
        print(f"summary written to {args.json}")
    return 0
