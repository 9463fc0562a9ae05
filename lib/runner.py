"""Execute one notebook headlessly with papermill, with a parameter profile.

    python -m lib.runner notebooks/01_epoch_dynamic_blend.ipynb --profile smoke \
        --output reports/executed/01_epoch_dynamic_blend.ipynb --stamp reports/executed/.x.ok

Profiles live in ``notebooks/profiles/<notebook>.yml`` as a mapping ``profile -> {name: value}``
of overrides of the notebook's ``parameters`` cell; ``default`` is the cell itself. Unknown
parameter names fail here, before the kernel starts; invalid values fail in the notebook's
first cell (``runtime.start_run``), before any training.

On failure the partial executed copy is kept at ``--output``, a ``<output>.failed`` file
records the failing cell, and the exit status is 1. On success ``--stamp`` is written (the
Makefile's target), and other profiles' stamps for the notebook are removed, since the
figures on disk now come from this profile.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from lib.runtime import REPO_ROOT

PROFILES = ("default", "smoke", "full")
KERNEL_NAME = "actlab"


class NotebookParameterError(ValueError):
    """A profile names a parameter the notebook does not have, or an unknown profile."""


def profile_path(notebook: Path) -> Path:
    return notebook.parent / "profiles" / f"{notebook.stem}.yml"


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Names and defaults of the notebook's ``parameters`` cell (via papermill)."""
    import papermill

    info = papermill.inspect_notebook(str(notebook))
    if not info:
        raise NotebookParameterError(f"{notebook} has no cell tagged `parameters`.")
    defaults = {}
    for name, spec in info.items():
        try:  # papermill reports defaults as source text
            defaults[name] = ast.literal_eval(spec["default"])
        except (ValueError, SyntaxError):
            defaults[name] = spec["default"]
    return defaults


def resolve_parameters(notebook: Path, profile: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The overrides to inject: the profile's values, then `extra`, plus ``profile`` itself."""
    if profile not in PROFILES:
        raise NotebookParameterError(f"Unknown profile {profile!r}; expected one of {PROFILES}.")
    known = notebook_parameters(notebook)
    overrides: dict[str, Any] = {}
    path = profile_path(notebook)
    if path.exists():
        table = yaml.safe_load(path.read_text()) or {}
        bad_profiles = set(table) - set(PROFILES)
        if bad_profiles:
            raise NotebookParameterError(f"{path}: unknown profile(s) {sorted(bad_profiles)}; "
                                         f"expected {PROFILES}.")
        overrides.update(table.get(profile) or {})
    overrides.update(extra or {})
    if "profile" in known:
        overrides["profile"] = profile
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise NotebookParameterError(
            f"{notebook.name}: unknown parameter(s) {unknown} (profile {profile!r}); the notebook's "
            f"parameters are {sorted(known)}.")
    return overrides


def execute(notebook: Path, output: Path, profile: str = "default",
            extra: dict[str, Any] | None = None, progress: bool | None = None) -> None:
    """Run the notebook; raise `papermill.PapermillExecutionError` if a cell fails."""
    import papermill

    params = resolve_parameters(notebook, profile, extra)
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(output), parameters=params, kernel_name=KERNEL_NAME,
        cwd=str(notebook.parent), progress_bar=sys.stderr.isatty() if progress is None else progress,
        request_save_on_cell_execute=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--profile", default="default", choices=PROFILES)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--stamp", type=Path)
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=YAML",
                        help="extra parameter override, value parsed as YAML (repeatable)")
    args = parser.parse_args(argv)

    import papermill

    extra = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--param expects NAME=VALUE, got {item!r}")
        extra[name] = yaml.safe_load(value)

    name = args.notebook.name
    failed = args.output.with_suffix(args.output.suffix + ".failed")
    failed.unlink(missing_ok=True)
    start = time.time()
    print(f"[{name}] running (profile={args.profile}) -> {args.output}", flush=True)
    try:
        execute(args.notebook, args.output, args.profile, extra)
    except NotebookParameterError as exc:
        message = f"FAILED {args.notebook}: {exc}"
        failed.parent.mkdir(parents=True, exist_ok=True)
        failed.write_text(message + "\n")
        print(message, file=sys.stderr, flush=True)
        return 2
    except papermill.PapermillExecutionError as exc:
        cell = f"cell [{exc.exec_count}]"
        try:  # quote the failing cell's first line (papermill adds marker cells, so match on count)
            import nbformat

            cells = nbformat.read(args.output, as_version=4).cells
            source = next(c.source for c in cells if c.get("execution_count") == exc.exec_count)
            cell += f" ({source.strip().splitlines()[0][:80]!r})"
        except Exception:  # noqa: BLE001 - the message is still useful without the source line
            pass
        message = (f"FAILED {args.notebook} at {cell}: {exc.ename}: {exc.evalue}\n"
                   f"  partial executed copy kept at {args.output}")
        failed.write_text(message + "\n")
        print(message, file=sys.stderr, flush=True)
        return 1
    print(f"[{name}] done in {time.time() - start:.0f} s", flush=True)
    if args.stamp:
        for other in args.stamp.parent.glob(f".{args.notebook.stem}.*.ok"):
            other.unlink()
        args.stamp.parent.mkdir(parents=True, exist_ok=True)
        args.stamp.write_text(f"{args.profile}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["execute", "resolve_parameters", "notebook_parameters", "main", "REPO_ROOT"]
