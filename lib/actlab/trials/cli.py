"""``python -m actlab.trials CANDIDATE... --against relu,gelu --tasks mlp,cnn --seeds 10``.

Prints a table per task (each candidate against each baseline: difference, interval,
Holm-adjusted verdict, cost ratio), writes the runs table (``runs.csv``), the comparisons, a
figure and ``trial.json`` into ``--out``, and with ``--json FILE`` an object with ``runs_total``,
``runs_trained``, ``runs_cached`` and ``comparisons``. Exit status 0 whatever the verdicts,
1 when runs failed (the others are cached), 2 on a bad target or argument (one line).
TensorFlow's and JAX's own messages (and the workers') go to ``--log``.

The arguments are checked before Keras loads (`actlab.trials.arguments.check_arguments`): a typo in a target, a task or
a Keras name ("did you mean"), a module that is not there, seeds that are not seeds, a question
without its margin cost no backend start-up.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from actlab.trials.arguments import PROG, _split, check_arguments, seed_list  # noqa: F401

#: Loggers of the libraries a trial runs (their Python-side messages, such as TensorFlow's
#: retracing warnings): inside `native_output_to` they write to the log, not the terminal.
NATIVE_LOGGERS = ("tensorflow", "absl", "jax", "h5py", "matplotlib", "distributed")


@contextlib.contextmanager
def native_output_to(path: Path):
    """Point file descriptor 2 (TensorFlow's and the workers' C++ messages) and the Python
    loggers of the libraries (`NATIVE_LOGGERS`, and anything else that reaches the root
    logger) at `path`; yield a stream on the original stderr for the progress lines.

    TensorFlow's logger gets its own handler on a stream chosen when it is first used, unless
    the root logger has one: a handler on the root logger writing to `path` keeps a
    TensorFlow imported inside from binding its messages to the terminal, and the handlers
    of libraries imported before are set aside while inside. Python's own errors stay
    visible: `sys.stderr` is the terminal."""
    import logging

    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1)
    python_stderr, sys.stderr = sys.stderr, terminal  # Python's own messages stay visible
    root = logging.getLogger()
    to_log = logging.StreamHandler(open(path, "a", encoding="utf-8", buffering=1))  # noqa: SIM115
    to_log.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
    root.addHandler(to_log)
    set_aside = {}
    for name in NATIVE_LOGGERS:
        logger = logging.getLogger(name)
        set_aside[name] = (logger.handlers[:], logger.propagate)
        logger.handlers, logger.propagate = [], True
    try:
        yield terminal
    finally:
        for name, (handlers, propagate) in set_aside.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = handlers, propagate
        root.removeHandler(to_log)
        to_log.close()
        sys.stderr = python_stderr
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        terminal.close()


def _run(args: argparse.Namespace, cache: Path, progress: str):
    """The trial the arguments describe (`run_trial`)."""
    from actlab.trials.arms import constant_reference
    from actlab.trials.engine import run_trial

    reference = [constant_reference(tasks=args.reference_tasks)] if args.reference else []
    return run_trial(
        args.candidates,
        _split(args.against) + reference,
        _split(args.tasks),
        args.seed_list,
        tune_seeds=args.tune_seeds,
        learning_rates=args.learning_rates,
        epochs=args.epochs,
        last=args.last,
        question=args.question,
        margin=args.margin,
        jobs=args.jobs,
        scheduler=args.scheduler,
        cache=cache,
        force=args.force,
        cost=not args.no_cost,
        progress=progress,
        roundings=args.rounding_list,
        interaction_margin=args.interaction_margin,
    )


@contextlib.contextmanager
def _trial_lines_to(terminal):
    """The trial's lines (a bar draws them itself on a terminal) and warnings on `terminal`;
    the log gets them too, through the root logger."""
    import logging

    from actlab.trials.progress import log as trials_log

    handler = logging.StreamHandler(terminal)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(logging.WARNING if terminal.isatty() else logging.INFO)
    trials_log.addHandler(handler)
    level = trials_log.level
    trials_log.setLevel(logging.INFO)
    try:
        yield
    finally:
        trials_log.removeHandler(handler)
        trials_log.setLevel(level)


def _report(trial, out: Path, json_file: str | None) -> None:
    """Print the trial's tables and write its files."""
    if trial.note:
        print(trial.note)
    print()
    print(trial.table())
    print()
    print(trial.choices_text())
    if len(trial.tasks) > 1:  # across tasks: rliable's aggregates
        print()
        print(_aggregates(trial, out))
    paths = trial.save(out)
    print()
    print(trial.summary())
    print("written: " + ", ".join(str(p) for p in paths.values()))
    if json_file:
        Path(json_file).write_text(json.dumps(trial.to_json(), indent=2) + "\n")
        print(f"summary written to {json_file}")


def _aggregates(trial, out: Path) -> str:
    """The aggregates across the trial's tasks in words, and their figure in `out`."""
    from actlab.trials.suite.aggregate import aggregate_trial, plot_aggregates
    from actlab.wording import aggregate_lines

    records = aggregate_trial(trial)
    if not records:
        return aggregate_lines(records)
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # not a dependency of the core: no figure without it
        return aggregate_lines(records)
    fig = plot_aggregates(records)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "aggregates.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return aggregate_lines(records) + f"\n(figure: {out / 'aggregates.png'})"


def main(argv: Sequence[str] | None = None) -> int:
    try:  # before Keras loads: a typo costs no backend start-up
        args = check_arguments(argv)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    cache = Path(args.cache) if args.cache else out / "cache"
    log = Path(args.log) if args.log else out / "trial.log"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from actlab.trials.execution import TrialError

    print(
        f"trials: {', '.join(args.candidates)} against {args.against} on {args.tasks} "
        f"(native messages: {log})",
        flush=True,
    )
    with native_output_to(log) as terminal, _trial_lines_to(terminal):
        try:
            trial = _run(args, cache, "bar" if terminal.isatty() else "log")
        except ValueError as exc:
            print(f"{PROG}: error: {str(exc).splitlines()[0]}", file=terminal)
            return 2
        except TrialError as exc:
            print(f"{PROG}: {exc}", file=terminal)
            return 1
    _report(trial, out, args.json)
    return 0
