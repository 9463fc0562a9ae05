"""Executing a notebook: the kernel (its environment, its logging into the run's log file),
papermill's engine, and where a failed run failed (`describe_failure`)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.collection import outputs
from actlab.collection.outputs import REPO_ROOT, Locations, RunKey
from actlab.collection.runner.parameters import Plan, plan_run
from actlab.collection.runner.terminal import Terminal, _parallel_make, _relative

KERNEL_NAME = "actlab"
ENGINE_NAME = "actlab"

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
