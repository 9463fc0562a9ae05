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

from actlab.collection.outputs import REPO_ROOT
from actlab.collection.runner.cli import main
from actlab.collection.runner.execution import (
    ENGINE_NAME,
    KERNEL_ARGUMENTS,
    KERNEL_LOG_ENV,
    KERNEL_NAME,
    Execution,
    Failure,
    describe_failure,
    execute,
    kernel_environment,
    kernel_logging,
    prepare,
    run,
)
from actlab.collection.runner.parameters import (
    NotebookParameterError,
    Plan,
    describe_parameters,
    notebook_parameters,
    parse_overrides,
    parse_value,
    plan_run,
    profile_path,
    resolve_parameters,
)
from actlab.collection.runner.stamps import check, read_stamp, sha256, stale_reason, write_stamp
from actlab.collection.runner.terminal import PLAIN_PROGRESS_EVERY_S, Terminal, summary

__all__ = [
    "ENGINE_NAME",
    "KERNEL_ARGUMENTS",
    "KERNEL_LOG_ENV",
    "KERNEL_NAME",
    "PLAIN_PROGRESS_EVERY_S",
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
    "kernel_environment",
    "kernel_logging",
    "main",
    "notebook_parameters",
    "parse_overrides",
    "parse_value",
    "plan_run",
    "prepare",
    "profile_path",
    "read_stamp",
    "resolve_parameters",
    "run",
    "sha256",
    "stale_reason",
    "summary",
    "write_stamp",
]
