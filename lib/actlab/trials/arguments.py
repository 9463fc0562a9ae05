"""The command line of `python -m actlab.trials`: its parser (four groups of arguments) and
`check_arguments`, which checks them before Keras loads: a typo in a target, a task, a suite or a
Keras name ("did you mean"), a module that is not there, seeds that are not seeds, a question
without its margin, roundings without their margin cost no backend start-up."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Sequence

from actlab.checkup.paths import precheck
from actlab.trials.plan import check_roundings

__all__ = ["PROG", "check_arguments", "seed_list"]

PROG = "python -m actlab.trials"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        print(f"{PROG}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Is my activation any good? Train each candidate and each baseline on the "
        "same splits, batch orders and initial weights, choose each one's learning rate on "
        "validation, and compare them paired over seeds (Holm across the comparisons).",
    )
    for add in (_compared, _design, _where, _extras):
        add(parser)
    return parser


def _compared(parser: argparse.ArgumentParser) -> None:
    """What is compared: the candidates, the baselines, the tasks."""
    p = parser.add_argument_group("what is compared")
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


def _design(parser: argparse.ArgumentParser) -> None:
    """The design: seeds, learning rates, training length, the question."""
    p = parser.add_argument_group("the design")
    p.add_argument(
        "--seeds",
        default="5",
        help="evaluation seeds: a count N (seeds 0..N-1, or S..S+N-1 with --seed-start S) or a "
        "range A-B (seeds A to B, both included), e.g. 100-107 for a pilot on seeds that the "
        "confirmatory trial (0..N-1) will not use (default 5)",
    )
    p.add_argument(
        "--seed-start",
        type=int,
        metavar="S",
        help="the first evaluation seed when --seeds is a count (default 0)",
    )
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


def _where(parser: argparse.ArgumentParser) -> None:
    """Where the runs go and what is written."""
    p = parser.add_argument_group("where it runs, what it writes")
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


def _extras(parser: argparse.ArgumentParser) -> None:
    """A reference arm, rounding as a factor, what the checkup and the cost do."""
    p = parser.add_argument_group("more")
    p.add_argument(
        "--reference",
        action="store_true",
        help="also compare with a constant prediction (the output bias alone, trained) on the "
        "regression tasks: does the candidate beat predicting a constant?",
    )
    p.add_argument(
        "--roundings",
        metavar="1,0",
        help="TensorFlow's oneDNN settings crossed with the arms (every evaluation run under "
        "each; each seed's score is their mean); needs --interaction-margin",
    )
    p.add_argument(
        "--interaction-margin",
        type=float,
        metavar="M",
        help="with --roundings: the declared equivalence margin of the arm x rounding "
        "interaction, in the task's units",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="train candidates whose checkup fails a check that makes runs meaningless",
    )
    p.add_argument("--no-cost", action="store_true", help="skip the cost measurement")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def seed_list(seeds: str, start: int | None = None) -> list[int]:
    """``--seeds`` (and ``--seed-start``) as a list: ``"5"`` -> 0..4, ``"5"`` with start 100
    -> 100..104, ``"100-107"`` -> 100..107. `ValueError` in the command's words otherwise."""
    text = seeds.strip()
    if start is not None and start < 0:
        raise ValueError(f"--seed-start must be a seed >= 0. Received: --seed-start {start!r}")
    if re.fullmatch(r"\d+", text):
        count = int(text)
        if count < 1:
            raise ValueError(
                "--seeds must be a count >= 1 or a range A-B of seeds (e.g. 100-107). "
                f"Received: --seeds {seeds!r}"
            )
        first = start or 0
        return list(range(first, first + count))
    match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", text)
    if match and start is not None:
        raise ValueError(
            "--seed-start goes with a count of seeds, not with a range. "
            f"Received: --seeds {seeds!r} --seed-start {start!r}"
        )
    if match and int(match[1]) <= int(match[2]):
        return list(range(int(match[1]), int(match[2]) + 1))
    raise ValueError(
        "--seeds must be a count >= 1 or a range A-B of seeds with A <= B (e.g. 100-107). "
        f"Received: --seeds {seeds!r}"
    )


def check_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed arguments, checked as far as they can be without Keras: targets (an import
    path's module and attribute, or a Keras activation name), tasks, seeds, the question's
    margin, the numbers, the roundings. `ValueError` (one line, in the command's words)
    otherwise; a malformed command line exits 2 as argparse does."""
    args = _parser().parse_args(argv)
    for check in (_check_names, _check_seeds, _check_numbers, _check_question, _check_roundings):
        check(args)
    args.reference_tasks = _reference_tasks(_split(args.tasks)) if args.reference else None
    return args


def _check_names(args: argparse.Namespace) -> None:
    from actlab.trials.shipped import TASKS

    for option, text in (("--against", args.against), ("--tasks", args.tasks)):
        if not _split(text):
            raise ValueError(f"{option} names nothing. Received: {option} {text!r}")
    for target in [*args.candidates, *_split(args.against)]:
        precheck(target)
    for task in _split(args.tasks):
        if task.startswith("suite:"):
            _check_suite(task)
        else:
            precheck(task, what="task", known=set(TASKS))


def _check_suite(task: str) -> None:
    """``suite:NAME`` (or ``suite:NAME/TASK``) names a suite (and one of its tasks)."""
    from actlab.checkup.paths import did_you_mean
    from actlab.trials.suite import SUITES

    name, _, member = task.removeprefix("suite:").partition("/")
    if name not in SUITES:
        raise ValueError(
            f"--tasks: no suite {name!r}; the suites are {sorted(SUITES)}."
            + did_you_mean(name, SUITES)
        )
    members = [m for m, _ in SUITES[name]]
    if member and member not in members:
        raise ValueError(
            f"--tasks: suite {name!r} has no task {member!r}; its tasks are {members}."
            + did_you_mean(member, members)
        )


def _check_seeds(args: argparse.Namespace) -> None:
    from actlab.trials.plan import TUNE_SEED_BASE

    args.seed_list = seed_list(args.seeds, args.seed_start)
    if args.tune_seeds < 0:
        raise ValueError(
            f"--tune-seeds must be a count >= 0. Received: --tune-seeds {args.tune_seeds!r}"
        )
    tuning = set(range(TUNE_SEED_BASE, TUNE_SEED_BASE + args.tune_seeds))
    if tuning & set(args.seed_list):
        raise ValueError(
            f"--seeds must not hold the tuning seeds {TUNE_SEED_BASE}.."
            f"{TUNE_SEED_BASE + args.tune_seeds - 1} (the learning rate is chosen on other "
            f"seeds than those compared). Received: --seeds {args.seeds!r}"
        )


def _check_numbers(args: argparse.Namespace) -> None:
    from actlab.trials.tasks import check_learning_rates

    for option, value in (("--epochs", args.epochs), ("--last", args.last), ("--jobs", args.jobs)):
        if value is not None and value < 1:
            raise ValueError(f"{option} must be >= 1. Received: {option} {value!r}")
    if args.epochs is not None and args.last is not None and args.last > args.epochs:
        raise ValueError(
            f"--last must be at most --epochs. Received: --last {args.last!r} "
            f"--epochs {args.epochs!r}"
        )
    args.learning_rates = None
    if args.lr is not None:
        try:
            args.learning_rates = list(check_learning_rates(_split(args.lr), "lr"))
        except ValueError:
            raise ValueError(
                "--lr must be distinct positive numbers separated by commas. "
                f"Received: --lr {args.lr!r}"
            ) from None


def _check_question(args: argparse.Namespace) -> None:
    if args.question != "difference" and args.margin is None:
        raise ValueError(
            f"--question {args.question} needs --margin: the largest difference that counts "
            "as no worse / the same, in the task's units, declared before the run"
        )
    if args.question == "difference" and args.margin is not None:
        raise ValueError(
            "--margin goes with --question non-inferiority or equivalence; a difference is "
            f"two-sided around 0. Received: --margin {args.margin!r}"
        )
    if args.margin is not None and not (math.isfinite(args.margin) and args.margin > 0):
        raise ValueError(
            f"--margin must be a finite number > 0. Received: --margin {args.margin!r}"
        )


def _check_roundings(args: argparse.Namespace) -> None:
    args.rounding_list = None if args.roundings is None else _split(args.roundings)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    try:
        check_roundings(args.rounding_list, args.interaction_margin, backend)
    except ValueError as exc:
        raise ValueError(
            str(exc)
            .replace("`roundings`", "--roundings")
            .replace("roundings=", "--roundings ")
            .replace("`interaction_margin`", "--interaction-margin")
            .replace("interaction_margin=", "--interaction-margin ")
        ) from None


def _reference_tasks(names: list[str]) -> list[str]:
    """The names of the regression tasks among `names` (those scored by a mean squared
    error), where `--reference` compares with a constant prediction."""
    from actlab.trials.shipped import get_task

    tasks = [get_task(name) for name in names]
    found = [t.name for t in tasks if t.loss in ("mse", "mean_squared_error")]
    if not found:
        raise ValueError(
            "--reference compares with a constant prediction on regression tasks (a mean "
            f"squared error); none of --tasks is one. Received: --tasks {','.join(names)}"
        )
    return found
