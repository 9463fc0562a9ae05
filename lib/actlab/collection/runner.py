"""Execute one notebook headlessly with papermill: a parameter profile, a backend, a quiet terminal.

    python -m actlab.collection.runner notebooks/04_antirectifier_vs_relu.ipynb                 # default profile
    python -m actlab.collection.runner notebooks/04_antirectifier_vs_relu.ipynb --profile smoke --backend jax
    python -m actlab.collection.runner notebooks/04_antirectifier_vs_relu.ipynb -p epochs=2 --output /tmp/04.ipynb
    python -m actlab.collection.runner notebooks/04_antirectifier_vs_relu.ipynb --help          # its parameters

Profiles live in ``notebooks/profiles/<notebook>.yml`` as a mapping ``profile -> {name: value}``
of overrides of the notebook's ``parameters`` cell; ``default`` is the cell itself. ``-p NAME=VALUE``
values are read like the parameters cell (Python literals: ``None``, ``2``, ``1e-3``,
``[0, 1]``, ``'relu'``; anything else is text) and the runner prints how it read each. Unknown
parameter names fail here, before the kernel starts; invalid values fail in the notebook's first
cell (``runtime.start_run``), before any training.

Where the files go is decided by what ran (`actlab.collection.outputs`): the default profile on TensorFlow
writes ``reports/executed/<nb>.ipynb`` and ``figures/<nb>/``; another profile or backend its own
sub-folders (``figures/smoke/<nb>/``, ``figures/jax/<nb>/``); a run with ``-p`` overrides is
ad hoc and writes ``figures/adhoc/<nb>/``, or next to ``--output`` when given. The kernel gets
``KERAS_BACKEND``, its figures folder and a description of the run (label, overrides, run id:
``results.json`` records them) in its environment, plus quiet TensorFlow log settings; its
stderr (kernel warnings, TensorFlow's C++ log) and all Python logging go to the run's log file
(``reports/logs/<nb>.log``), neither to the terminal nor into the executed notebook.

The terminal shows one start line, a progress line (cell i/N and the elapsed time: in place on
a terminal, a plain line every minute otherwise, e.g. under CI or ``make -j``), and one result
line. On failure the partial executed copy is kept, ``<output>.failed`` records the failing cell,
line and exception, and the exit status is 1. On success ``--stamp`` is written (the Makefile's
target) with fingerprints of the executed copy and results.json, so that ``check`` can tell
when another run replaced them.

Two helpers for the Makefile::

    python -m actlab.collection.runner check   [--profile P] [--backend B] NAME ...   # forget stale stamps
    python -m actlab.collection.runner summary [--profile P] [--backend B] [--since EPOCH] NAME ...
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from actlab.collection import outputs
from actlab.collection.outputs import BACKENDS, PROFILES, REPO_ROOT, Locations, RunKey

KERNEL_NAME = "actlab"
ENGINE_NAME = "actlab"
PLAIN_PROGRESS_EVERY_S = 60.0  # a plain progress line at most this often (CI, make -j)

#: Set in the kernel's environment before anything imports TensorFlow (values the caller
#: exported win, except KERAS_BACKEND and the run's own variables).
KERNEL_LOG_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "1",  # TensorFlow's C++ log: warnings and errors (into the log file)
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # debugpy's "frozen modules" notice
}
#: ipykernel options: C-level output (TensorFlow's C++ log) goes to the kernel's stderr, the log
#: file, instead of into cell outputs; Python logging goes there too (see `kernel_logging`).
KERNEL_ARGUMENTS = (
    "--IPKernelApp.capture_fd_output=False",
    "--IPKernelApp.exec_lines=import actlab.collection.runner as _r; _r.kernel_logging(); del _r",
)


class NotebookParameterError(ValueError):
    """A profile or -p names a parameter the notebook does not have, or an unknown profile."""


# --------------------------------------------------------------------------- parameters


def profile_path(notebook: Path) -> Path:
    return notebook.parent / "profiles" / f"{notebook.stem}.yml"


def _parameter_specs(notebook: Path) -> dict[str, dict[str, Any]]:
    import papermill

    info = papermill.inspect_notebook(str(notebook))
    if not info:
        raise NotebookParameterError(f"{notebook} has no cell tagged `parameters`.")
    return info


def _literal(text: str) -> Any:
    try:  # papermill reports defaults as source text
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Names and defaults of the notebook's ``parameters`` cell (via papermill)."""
    return {name: _literal(spec["default"]) for name, spec in _parameter_specs(notebook).items()}


def describe_parameters(notebook: Path) -> str:
    """The notebook's parameters, defaults and comments, and its profiles' values (for --help)."""
    specs = _parameter_specs(notebook)
    table = _profile_table(notebook)
    width = max(len(n) for n in specs)
    dwidth = max([len(s["default"]) for s in specs.values() if len(s["default"]) <= 28] + [4])
    lines = [f"parameters of {notebook.name} (name, default, comment; -p NAME=VALUE overrides):"]
    for name, spec in specs.items():
        lines.append(
            f"  {name:<{width}}  {spec['default']:<{dwidth}}  {spec.get('help') or ''}".rstrip()
        )
    for profile in PROFILES[1:]:
        values = table.get(profile) or {}
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "(none)"
        lines.append(f"profile {profile}: {shown}")
    return "\n".join(lines)


def parse_value(text: str) -> tuple[Any, str]:
    """Read a ``-p`` value like the parameters cell would: ``(value, how it was read)``.

    Python literals (None, True, 2, 1e-3, [0, 1], 'relu'); then lower-case true/false/none/null;
    then YAML flow lists/maps of bare words (``[relu, clip]``); anything else is text.
    """
    stripped = text.strip()
    try:
        value = ast.literal_eval(stripped)
        return value, "None" if value is None else type(value).__name__
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    lowered = stripped.lower()
    if lowered in ("true", "false"):
        return lowered == "true", "bool"
    if lowered in ("none", "null"):
        return None, "None"
    if stripped[:1] in "[{" and stripped:
        try:
            value = yaml.safe_load(stripped)
            if isinstance(value, list | dict):
                return value, f"{type(value).__name__} (YAML flow syntax)"
        except yaml.YAMLError:
            pass
    return stripped, "str (not a Python literal, read as text)"


def parse_overrides(items: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """``["epochs=2", ...]`` -> ``({"epochs": 2}, ["epochs=2 -> 2 (int)", ...])``."""
    values, notes = {}, []
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise NotebookParameterError(f"-p expects NAME=VALUE. Received: {item!r}")
        values[name], how = parse_value(text)
        notes.append(f"{name}={text} read as {values[name]!r} ({how})")
    return values, notes


def _profile_table(notebook: Path) -> dict[str, Any]:
    path = profile_path(notebook)
    if not path.exists():
        return {}
    table = yaml.safe_load(path.read_text()) or {}
    bad_profiles = set(table) - set(PROFILES)
    if bad_profiles:
        raise NotebookParameterError(
            f"{path}: unknown profile(s) {sorted(bad_profiles)}; expected {PROFILES}."
        )
    return table


def _same_value(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 is not True, [0] is not [0.0])."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    return a == b


@dataclass
class Plan:
    """What a run injects (`params`) and what it is (`key`)."""

    params: dict[str, Any]
    key: RunKey
    defaults: dict[str, Any] = field(default_factory=dict)


def plan_run(
    notebook: Path,
    profile: str = "default",
    extra: Mapping[str, Any] | None = None,
    backend: str | None = None,
    perturbation: str | None = None,
) -> Plan:
    """The parameters to inject and the run's key: the profile's values, then `extra`; a
    `perturbation` (`outputs.PERTURBATIONS`) makes it a robustness run.

    Overrides are the `extra` values that differ from what the profile (or the cell) gives, so a
    ``-p`` that repeats the profile's value does not make a run ad hoc.
    """
    if profile not in PROFILES:
        raise NotebookParameterError(f"Unknown profile {profile!r}; expected one of {PROFILES}.")
    backend = backend or outputs.default_backend()
    if backend not in BACKENDS:
        raise NotebookParameterError(f"Unknown backend {backend!r}; expected one of {BACKENDS}.")
    extra = dict(extra or {})
    if "profile" in extra:
        raise NotebookParameterError("`profile` is set with --profile, not -p.")
    known = notebook_parameters(notebook)
    values = dict(_profile_table(notebook).get(profile) or {})
    unknown = sorted((set(values) | set(extra)) - set(known))
    if unknown:
        raise NotebookParameterError(
            f"{notebook.name}: unknown parameter(s) {unknown} (profile {profile!r}); the notebook's "
            f"parameters are {sorted(known)}."
        )
    baseline = {**known, **values}
    overrides = {k: v for k, v in extra.items() if not _same_value(baseline[k], v)}
    params = {**values, **extra}
    if "profile" in known:
        params["profile"] = profile
    try:
        key = RunKey(profile, backend, overrides, perturbation)
    except ValueError as exc:
        raise NotebookParameterError(str(exc)) from None
    return Plan(params=params, key=key, defaults=baseline)


def resolve_parameters(
    notebook: Path, profile: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The overrides to inject: the profile's values, then `extra`, plus ``profile`` itself."""
    return plan_run(notebook, profile, extra).params


# --------------------------------------------------------------------------- the kernel


def kernel_logging() -> None:
    """Run in each kernel before the notebook (``exec_lines``): Python logging to the log file.

    The kernel's real stderr (``sys.__stderr__``) is the run's log file. A handler on the root
    logger also stops TensorFlow from adding its own handler to the cell outputs, and absl's
    handler, if it is in use, is pointed at the log file too.
    """
    stream = sys.__stderr__
    if stream is None:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    try:
        import absl.logging

        absl.logging.get_absl_handler().python_handler.stream = stream
    except Exception:  # noqa: BLE001 - absl is optional; logging still goes to the file
        pass


def _kernel_manager_class(log: Path, env: Mapping[str, str]):
    """A kernel manager that starts the kernel with `env` and its stdout/stderr in `log`."""
    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            with open(log, "ab") as sink:  # the child keeps its own copy of the descriptor
                kw["stdout"] = kw["stderr"] = sink
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return RunKernelManager


def _register_engine() -> None:
    """A papermill engine that reports each code cell's start and stamps the notebook metadata."""
    from papermill.engines import NBClientEngine, papermill_engines

    class RunEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, actlab_on_cell=None, actlab_metadata=None, **kwargs
        ):
            if actlab_metadata is not None:
                nb_man.nb.metadata["actlab"] = actlab_metadata
            if actlab_on_cell is not None:
                code = [i for i, c in enumerate(nb_man.nb.cells) if c.cell_type == "code"]
                start = nb_man.cell_start

                def cell_start(cell, cell_index=None, **kw):
                    start(cell, cell_index, **kw)
                    if cell_index in code:
                        actlab_on_cell(code.index(cell_index) + 1, len(code))

                nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, RunEngine)


@contextlib.contextmanager
def _parent_logs_to(log: Path):
    """papermill's, nbclient's and jupyter_client's own logging (this process) to the log file."""
    handler = logging.FileHandler(log, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    saved = []
    for name in ("papermill", "traitlets", "nbclient", "jupyter_client"):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate
        handler.close()


def kernel_environment(loc: Locations, info: Mapping[str, Any]) -> dict[str, str]:
    """The variables the runner sets in the kernel's environment."""
    env = {k: os.environ.get(k, v) for k, v in KERNEL_LOG_ENV.items()}
    env.update(
        {
            "KERAS_BACKEND": info["backend"],
            "ACTLAB_FIGURES_DIR": str(loc.figures_root.resolve()),
            "ACTLAB_DATA_DIR": str(outputs.data_dir().resolve()),
            # trials in a notebook use every core when it runs alone, one under `make -jN` (the
            # notebooks already share the cores); ACTLAB_TRIAL_JOBS set by the caller wins
            "ACTLAB_TRIAL_JOBS": os.environ.get("ACTLAB_TRIAL_JOBS")
            or ("1" if _parallel_make() else ""),
            outputs.RUN_ENV: json.dumps(info),
        }
    )
    # a robustness run's perturbation of float rounding (set before TensorFlow loads)
    perturbation = info.get("perturbation")
    if perturbation:
        env.update(outputs.PERTURBATIONS[perturbation][1])
    # the kernel imports this checkout's actlab (lib/actlab), whatever the editable install
    # points at
    path = os.environ.get("PYTHONPATH", "")
    root = str(REPO_ROOT / "lib")
    if root not in path.split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, path) if p)
    return env


@dataclass
class Execution:
    """One run: where it wrote, what it was, how long it took."""

    notebook: Path
    plan: Plan
    loc: Locations
    run_id: str
    seconds: float = 0.0

    @property
    def key(self) -> RunKey:
        return self.plan.key


def prepare(
    notebook: Path,
    output: Path | None = None,
    profile: str = "default",
    extra: Mapping[str, Any] | None = None,
    backend: str | None = None,
    perturbation: str | None = None,
) -> Execution:
    """Check the parameters and decide the locations (nothing runs yet)."""
    plan = plan_run(Path(notebook), profile, extra, backend, perturbation)
    loc = outputs.locations(Path(notebook).stem, plan.key, output)
    return Execution(Path(notebook), plan, loc, run_id=uuid.uuid4().hex[:12])


def run(ex: Execution, on_cell: Callable[[int, int], None] | None = None) -> Execution:
    """Execute a prepared run; raise `papermill.PapermillExecutionError` if a cell fails."""
    import papermill

    loc, key = ex.loc, ex.key
    for path in (loc.executed.parent, loc.log.parent):
        path.mkdir(parents=True, exist_ok=True)
    loc.failed.unlink(missing_ok=True)
    info = {
        **key.to_json(),
        "run_id": ex.run_id,
        "notebook": loc.notebook,
        "executed": _relative(loc.executed, REPO_ROOT),
        "figures": _relative(loc.figures, REPO_ROOT),
        "log": _relative(loc.log, REPO_ROOT),
    }
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    loc.log.write_text(f"# {loc.notebook}: {key.describe()}, run {ex.run_id}, started {started}\n")
    _register_engine()
    begin = time.monotonic()
    try:
        with _parent_logs_to(loc.log):
            papermill.execute_notebook(
                str(ex.notebook),
                str(loc.executed),
                parameters=ex.plan.params,
                kernel_name=KERNEL_NAME,
                engine_name=ENGINE_NAME,
                cwd=str(ex.notebook.parent),
                progress_bar=False,
                request_save_on_cell_execute=True,
                kernel_manager_class=_kernel_manager_class(loc.log, kernel_environment(loc, info)),
                extra_arguments=list(KERNEL_ARGUMENTS),
                actlab_on_cell=on_cell,
                actlab_metadata={**info, "started_utc": started},
            )
    finally:
        ex.seconds = time.monotonic() - begin
    return ex


def execute(
    notebook: Path,
    output: Path | None = None,
    profile: str = "default",
    extra: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    backend: str | None = None,
) -> Locations:
    """Run the notebook (quietly unless `progress`); raise `papermill.PapermillExecutionError`
    if a cell fails. Returns where the run wrote (`actlab.collection.outputs.Locations`)."""
    ex = prepare(notebook, output, profile, extra, backend)
    term = Terminal(ex.loc.notebook) if progress else None
    try:
        run(ex, term.cell if term else None)
    finally:
        if term:
            term.stop()
    return ex.loc


# --------------------------------------------------------------------------- failures

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Failure:
    """Where a notebook failed: cell, line in the cell, the exception, the innermost frame."""

    cell: int | None
    line_no: int | None
    line: str | None
    error: str
    frame: str | None = None

    def __str__(self) -> str:
        where = f"cell [{self.cell}]" if self.cell is not None else "an unknown cell"
        if self.line_no is not None:
            where += f", line {self.line_no}"
        text = where
        if self.line:
            text += f" ({self.line.strip()[:100]})"
        text += f": {self.error}"
        if self.frame:
            text += f" [raised in {self.frame}]"
        return text


def describe_failure(exc: Any, executed: Path | None = None) -> Failure:
    """The failing line of the cell and the exception, from a `PapermillExecutionError`."""
    error = (
        f"{exc.ename}: {str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ''}"
    )
    tb = _ANSI.sub("", "\n".join(getattr(exc, "traceback", None) or []))
    cell_frames = re.findall(r"Cell In\[(\d+)\], line (\d+)", tb)
    line_no = None
    for count, line in cell_frames:
        if int(count) == exc.exec_count:
            line_no = int(line)
            break
    frames = re.findall(r"^File (\S.*?):(\d+), in ([\w.<>]+)", tb, flags=re.MULTILINE)
    frame = None
    if frames:
        path, lineno, func = frames[-1]
        frame = f"{path.replace(str(REPO_ROOT) + '/', '')}:{lineno} ({func})"
    text = None
    if executed is not None and line_no is not None:
        try:
            import nbformat

            cells = nbformat.read(executed, as_version=4).cells
            source = next(c.source for c in cells if c.get("execution_count") == exc.exec_count)
            text = source.splitlines()[line_no - 1]
        except Exception:  # noqa: BLE001 - the message is still useful without the source line
            text = None
    return Failure(exc.exec_count, line_no, text, error, frame)


# --------------------------------------------------------------------------- the terminal


def _parallel_make() -> bool:
    flags = os.environ.get("MAKEFLAGS", "")
    return "--jobserver" in flags or re.search(r"(^|\s)-j\d*(\s|$)", flags) is not None


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Terminal:
    """Start line, progress (in place on a terminal, plain lines otherwise), result line."""

    def __init__(
        self,
        name: str,
        stream: TextIO | None = None,
        live: bool | None = None,
        every_s: float = PLAIN_PROGRESS_EVERY_S,
    ):
        self.name = name
        self.stream = stream or sys.stdout
        mode = os.environ.get("ACTLAB_PROGRESS", "")
        if live is None:
            live = mode == "live" or (
                mode != "plain" and self.stream.isatty() and not _parallel_make()
            )
        self.live = live
        self.every_s = every_s
        self.start = time.monotonic()
        self.state = "starting the kernel"
        self._shown = ""
        self._last_plain = self.start
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def line(self, text: str, stream: TextIO | None = None) -> None:
        """Print a whole line (clearing the live progress line first)."""
        with self._lock:
            self._clear()
            print(text, file=stream or self.stream, flush=True)

    def cell(self, i: int, n: int) -> None:
        self.state = f"cell {i}/{n}"

    def _clear(self) -> None:
        if self.live and self._shown:
            self.stream.write("\r" + " " * len(self._shown) + "\r")
            self.stream.flush()
            self._shown = ""

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            now = time.monotonic()
            text = f"[{self.name}] {self.state}, {_clock(now - self.start)}"
            with self._lock:
                if self.live:
                    width = shutil.get_terminal_size((100, 20)).columns - 1
                    self._clear()
                    self._shown = text[:width]
                    self.stream.write(self._shown)
                    self.stream.flush()
                elif now - self._last_plain >= self.every_s:
                    self._last_plain = now
                    print(text, file=self.stream, flush=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with self._lock:
            self._clear()


# --------------------------------------------------------------------------- stamps


def sha256(path: Path) -> str | None:
    if not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_stamp(stamp: Path, ex: Execution) -> None:
    """The Makefile's target: what ran, and fingerprints of the files it wrote."""
    loc = ex.loc
    record = {
        "notebook": loc.notebook,
        "label": ex.key.label,
        "key": ex.key.to_json(),
        "run_id": ex.run_id,
        "seconds": round(ex.seconds, 1),
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "executed": str(loc.executed.resolve()),
        "executed_sha256": sha256(loc.executed),
        "results": str(loc.results.resolve()),
        "results_sha256": sha256(loc.results),
    }
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(record, indent=1) + "\n")


def read_stamp(stamp: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(Path(stamp).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def stale_reason(stamp: Path) -> str | None:
    """Why `stamp` no longer vouches for the files on disk (None: it does, or there is none)."""
    if not Path(stamp).exists():
        return None
    record = read_stamp(stamp)
    if record is None or "executed_sha256" not in record:
        return "its stamp comes from an older runner"
    for what in ("executed", "results"):
        path, digest = record.get(what), record.get(f"{what}_sha256")
        if path is None:
            continue
        now = sha256(Path(path))
        if now != digest:
            change = "is gone" if now is None else "was rewritten by another run"
            return f"{path} {change}"
    return None


def check(names: Iterable[str], key: RunKey, log: Callable[[str], None] = print) -> list[str]:
    """Delete the stamps of `key` whose files another run replaced; return those notebooks."""
    stale = []
    for name in names:
        stamp = outputs.stamp_path(name, key)
        reason = stale_reason(stamp)
        if reason:
            stamp.unlink()
            stale.append(name)
            log(f"[{name}] will run again: {reason} since its {key.label} run")
    return stale


# --------------------------------------------------------------------------- summary


def _finding(loc: Locations, run_id: str | None) -> str:
    try:
        record = json.loads(loc.results.read_text())
    except (OSError, ValueError):
        return "(no results.json)"
    if run_id and record.get("run_id") not in (None, run_id):
        return "(results.json is from another run)"
    return " ".join(str(record.get("finding") or "").split()) or "(no finding recorded)"


def summary(
    names: Iterable[str], key: RunKey, since: float | None = None, width: int | None = None
) -> str:
    """The table `make figures` ends with: status, time and finding per notebook, and where."""
    from actlab.collection.session import unsupported_reason

    names = list(names)
    width = width or max(80, min(160, shutil.get_terminal_size((120, 20)).columns))
    rows, counts = [], {"ran": 0, "up to date": 0, "FAILED": 0, "not run": 0}
    for name in names:
        loc = outputs.keyed_locations(name, key)
        record = read_stamp(loc.stamp) if loc.stamp.exists() else None
        if loc.failed.exists():
            status, first = "FAILED", loc.failed.read_text().strip().splitlines()[0]
            match = re.search(r"after (\d+) s", first)
            secs = f"{match.group(1)} s" if match else ""
            note = first.split(": ", 1)[-1] if ": " in first else first
        elif record is not None:
            fresh = since is None or loc.stamp.stat().st_mtime >= since
            status = "ran" if fresh else "up to date"
            secs = f"{record.get('seconds', 0):.0f} s"
            note = _finding(loc, record.get("run_id"))
        elif unsupported_reason(name, key.backend):
            status, secs, note = (
                "not run",
                "",
                f"not on {key.backend}: {unsupported_reason(name, key.backend)}",
            )
        else:
            status, secs, note = (
                "not run",
                "",
                "(waits for the other notebooks)"
                if any(outputs.keyed_locations(n, key).failed.exists() for n in names)
                else "",
            )
        counts[status] += 1
        rows.append((name, status, secs, note))
    nw = max([len(r[0]) for r in rows] + [8])
    lines = [
        f"make figures ({key.label}): " + ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    ]
    for name, status, secs, note in rows:
        head = f"  {name:<{nw}}  {status:<10}  {secs:>6}  "
        room = max(20, width - len(head))
        lines.append(head + (note if len(note) <= room else note[: room - 1] + "…"))
    rel = _relative
    lines += [
        f"  executed notebooks: {rel(outputs.executed_dir(key))}/   logs: {rel(outputs.logs_dir(key))}/",
        f"  figures and results.json: {rel(outputs.figures_root(key))}/<notebook>/   "
        f"HTML reports: make reports{_make_vars(key)} -> {rel(outputs.report_dir(key))}/index.html",
    ]
    return "\n".join(lines)


def _make_vars(key: RunKey) -> str:
    text = "" if key.profile == outputs.DEFAULT_PROFILE else f" PROFILE={key.profile}"
    return text + ("" if key.backend == outputs.DEFAULT_BACKEND else f" BACKEND={key.backend}")


def _relative(path: Path, to: Path | None = None) -> str:
    """`path` relative to `to` (default: the current folder) when inside it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(Path(to or Path.cwd()).resolve()))
    except ValueError:
        return str(Path(path).resolve())


# --------------------------------------------------------------------------- command line


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
        parser.print_help()
        if args.notebook is not None:
            try:
                print("\n" + describe_parameters(args.notebook))
            except (OSError, ValueError) as exc:
                print(f"\n(cannot read {args.notebook}'s parameters: {exc})")
            return 0
        return 0 if args.help else 2

    import papermill

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
    loc = ex.loc
    from actlab.collection.session import unsupported_reason

    reason = unsupported_reason(name, ex.key.backend)
    if (
        reason
    ):  # e.g. a TensorFlow-only notebook under BACKEND=jax: nothing runs, nothing is written
        print(f"[{name}] not run on the {ex.key.backend} backend: {reason}", flush=True)
        return 0
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
    if args.stamp:
        write_stamp(args.stamp, ex)
    where = f"figures in {_relative(loc.figures)}/" if loc.figures.is_dir() else "no figures"
    term.line(f"[{name}] done in {ex.seconds:.0f} s; {where}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = [
    "Execution",
    "Failure",
    "NotebookParameterError",
    "Plan",
    "REPO_ROOT",
    "Terminal",
    "check",
    "describe_failure",
    "describe_parameters",
    "execute",
    "kernel_logging",
    "main",
    "notebook_parameters",
    "parse_overrides",
    "parse_value",
    "plan_run",
    "prepare",
    "resolve_parameters",
    "run",
    "stale_reason",
    "summary",
    "write_stamp",
]
