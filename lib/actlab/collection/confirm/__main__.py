"""``python -m actlab.collection.confirm {register,run,decide} [NOTEBOOK ...]`` (see the package)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m actlab.collection.confirm",
        description="Register, run or re-decide the collection's confirmatory trials.",
    )
    p.add_argument("step", choices=("register", "run", "decide"))
    p.add_argument("notebooks", nargs="*", help="e.g. 03_nan_diagnosis (default: every one)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes for `run` (default 2)")
    p.add_argument(
        "--figures",
        default="figures/confirm",
        help="`decide`: where the forest plots go (default figures/confirm; '' for none)",
    )
    p.add_argument(
        "--write",
        action="store_true",
        help="`decide`: rewrite readings.json from the committed runs with this code's reading",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.exit(2, f"{parser.prog}: error: --jobs must be >= 1 (got {args.jobs})\n")
    from actlab.collection.confirm import registry  # no Keras yet: profiles are YAML

    names = args.notebooks or registry.registered()
    unknown = [n for n in names if n not in registry.registered()]
    if unknown:
        parser.exit(2, f"{parser.prog}: error: no confirm profile for {unknown}; "
                       f"registered: {registry.registered()}\n")  # fmt: skip
    from actlab.trials.cli import native_output_to

    log = registry.ROOT / "reports" / "logs" / "confirm.log"
    print(f"confirm {args.step}: {', '.join(names)} (TensorFlow's messages: {log})", flush=True)
    with native_output_to(log):
        return {"register": _register, "run": _run, "decide": _decide}[args.step](names, args)


def _register(names, args) -> int:
    from actlab.collection.confirm import registry

    for name in names:
        print(f"registered {name}: {registry.register(name)}")
    return 0


def _run(names, args) -> int:
    import logging

    from actlab.collection.confirm import registry
    from actlab.trials.progress import log

    handler = logging.StreamHandler(sys.stdout)  # a line per run, with the ETA
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    for name in names:
        print(f"{name}: {registry.run(name, jobs=args.jobs)}")
    return 0


def _decide(names, args) -> int:
    from actlab import wording
    from actlab.collection.confirm import registry

    failed = 0
    for name in names:
        reg = registry.Registered(name)
        if not reg.runs.exists():
            print(f"{name}: registered, not run yet ({reg.registration.name} only)")
            continue
        if args.write:
            print(f"{name}: rewrote {registry.reread(name)}")
        readings, differences = registry.decide(name)
        print(f"{name}:")
        for line in wording.confirmatory.confirmatory_lines(readings):
            print(f"  - {line}")
        if args.figures:
            from actlab.collection.confirm.figures import write_figures

            path = write_figures(name, readings, Path(args.figures), registry.ROOT / "tools" /
                                 "findings_reference.json")  # fmt: skip
            print(f"  forest plot: {path}")
        if differences:
            failed += 1
            print(
                f"  the committed readings.json differs from the committed runs: {differences[:5]}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
