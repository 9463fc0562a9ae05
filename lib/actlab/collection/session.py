"""Run-time helpers shared by every notebook: paths, seeding, parameter checks, provenance.

A notebook's life cycle::

    run = runtime.start_run("01_epoch_dynamic_blend", params, validators)  # checks, seeds, theme
    ...                                                                    # experiments
    run.finish(results, data=data.provenance)                              # results.json

`start_run` fails before any training, naming the offending parameter, and `finish` writes
`figures/<notebook>/results.json` with the numbers plus provenance (git commit, versions,
backend, data, parameters, wall time). The parameter checks live in
`actlab.collection.validators` and are re-exported here.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actlab._util import is_int, to_jsonable  # noqa: F401 - re-exported for notebooks

# Seeding and threads are the core's (actlab.determinism); output locations live in
# actlab.collection.outputs (one module owns them). Both re-exported for notebooks.
from actlab.collection.outputs import REPO_ROOT, current_run, data_dir, figures_dir, notebook_dir  # noqa: F401
from actlab.collection.validators import (  # noqa: F401 - re-exported for notebooks
    COMMON_VALIDATORS,
    Validator,
    _fail,
    boolean,
    fraction,
    list_of,
    non_negative_int,
    one_of,
    optional_positive_int,
    positive_float,
    positive_int,
    seed_list,
    validate_params,
)
from actlab.determinism import OP_THREADS, seed_everything, set_op_threads, xla_allowed  # noqa: F401

# --------------------------------------------------------------------------- trials


def trial_jobs() -> int:
    """How many worker processes a notebook's `actlab.trials.run_trial` uses: `ACTLAB_TRIAL_JOBS`
    when set (the runner sets 1 under `make -jN`, where the notebooks already share the cores),
    else the machine's core count."""
    value = os.environ.get("ACTLAB_TRIAL_JOBS", "")
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(
                f"ACTLAB_TRIAL_JOBS must be an integer >= 1. Received: ACTLAB_TRIAL_JOBS={value!r}"
            )
        return int(value)
    return os.cpu_count() or 1


def trial_cache() -> Path:
    """The run cache the notebooks' trials share (`actlab.collection.outputs.trial_cache_dir`)."""
    from actlab.collection.outputs import trial_cache_dir

    return trial_cache_dir()


# --------------------------------------------------------------------------- the spread over seeds


def seed_std(values: Any, axis: int = 0) -> Any:
    """The spread over seeds used in every report: the sample standard deviation (ddof=1) along
    `axis`, NaN when there is a single seed (no spread to estimate)."""
    arr = np.asarray(values, dtype="float64")
    if arr.shape[axis] < 2:
        return np.full(np.delete(arr.shape, axis), np.nan) if arr.ndim > 1 else float("nan")
    std = arr.std(axis=axis, ddof=1)
    return float(std) if np.ndim(std) == 0 else std


# --------------------------------------------------------------------------- provenance


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _version(*distributions: str) -> str | None:
    """The installed version of the first of `distributions` found (without importing it)."""
    from importlib import metadata

    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def environment_provenance() -> dict[str, Any]:
    """Commit, versions and backend of this process (and the backend's version and GPUs)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
        op_threads = tf.config.threading.get_intra_op_parallelism_threads() or "default"
    elif backend == "jax":
        import jax

        gpus = sum(d.platform == "gpu" for d in jax.devices())
        op_threads = "default"
    else:  # pragma: no cover - backends this project does not run
        gpus, op_threads = None, None
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "git_commit": commit,
        "git_dirty": bool(dirty) if dirty is not None else None,
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow", "tensorflow-cpu"),
        "jax": _version("jax"),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "backend": backend,
        "backend_version": _version(
            {"tensorflow": "tensorflow", "jax": "jax"}.get(backend, backend), "tensorflow-cpu"
        ),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "op_threads": op_threads,
        # oneDNN's kernels change TensorFlow's float rounding (a robustness run turns them off)
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS") if backend == "tensorflow" else None,
    }


@dataclass
class Run:
    """One execution of a notebook: its parameters, start time and output folder."""

    notebook: str
    params: dict[str, Any]
    started: float = field(default_factory=time.time)

    @property
    def out_dir(self) -> Path:
        return notebook_dir(self.notebook)

    @property
    def profile(self) -> str:
        return self.params.get("profile", "default")

    def identity(self) -> dict[str, Any]:
        """What ran: the label, the overrides on top of the profile, the backend and the run id.

        The runner describes the run in the kernel's environment (`outputs.current_run`); a run
        outside the runner (JupyterLab, a script) says so instead of claiming a profile.
        """
        import keras

        info = current_run()
        backend = keras.backend.backend()
        if info is None:
            return {
                "label": f"{self.profile} parameters, run outside actlab.collection.runner (interactive)",
                "overrides": None,
                "backend": backend,
                "run_id": None,
                "perturbation": None,
            }
        label = str(info.get("label", self.profile))
        if info.get("backend") not in (None, backend):
            label += f" [asked for the {info['backend']} backend, ran on {backend}]"
        return {
            "label": label,
            "overrides": dict(info.get("overrides") or {}),
            "backend": backend,
            "run_id": info.get("run_id"),
            "perturbation": info.get("perturbation"),
        }

    def finish(
        self,
        results: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
        finding: str | None = None,
    ) -> Path:
        """Write `figures/<notebook>/results.json` and return its path.

        `results` holds the numbers the figures and findings show; `data` is the data set's
        provenance record; `finding` is the one-line verdict shown on the report index.
        """
        identity = self.identity()
        record = {
            "notebook": self.notebook,
            "profile": self.profile,
            "label": identity["label"],
            "overrides": identity["overrides"],
            "backend": identity["backend"],
            "run_id": identity["run_id"],
            "perturbation": identity["perturbation"],
            "finding": finding,
            "results": results,
            "params": self.params,
            "data": data,
            "provenance": {
                **environment_provenance(),
                "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "wall_time_s": round(time.time() - self.started, 1),
            },
        }
        path = self.out_dir / "results.json"
        path.write_text(json.dumps(to_jsonable(record), indent=2, sort_keys=False) + "\n")
        _display_provenance(record)
        return path


#: Notebooks that need TensorFlow, and why (`start_run` refuses them on other backends).
TENSORFLOW_ONLY_NOTEBOOKS = {
    "02_soft_exponential": "its runs moved onto actlab.trials (its own loop was a tf.function over "
    "tf.GradientTape steps) and have not been checked on JAX yet",
    "03_nan_diagnosis": "its NaN locator (actlab.diagnostics.locate_nonfinite) replays a batch "
    "layer by layer under tf.GradientTape",
    "05_truncation_layer": "it examines tf.clip_by_value's gradient, which keras.ops.clip is "
    "only on TensorFlow (on JAX it is jnp.clip, which splits a boundary "
    "tie's gradient)",
    "06_activation_cost": "it times eager, tf.function and tf.function(jit_compile=True) "
    "execution, which are TensorFlow's modes",
}


class BackendNotSupportedError(RuntimeError):
    """A notebook that needs another Keras backend than the one running."""


def unsupported_reason(notebook: str, backend: str | None = None) -> str | None:
    """Why `notebook` cannot run on `backend` (default: the running one), or None if it can."""
    if backend is None:
        import keras

        backend = keras.backend.backend()
    reason = TENSORFLOW_ONLY_NOTEBOOKS.get(notebook)
    if backend == "tensorflow" or reason is None:
        return None
    return (
        f"{notebook} runs on TensorFlow only: {reason}. This process runs Keras's "
        f"{backend!r} backend; run it with KERAS_BACKEND=tensorflow (the default). "
        "Nothing was computed or written."
    )


def start_run(
    notebook: str,
    params: Mapping[str, Any],
    validators: Mapping[str, Validator] | None = None,
    seed: int | None = None,
    op_threads: int | None = OP_THREADS,
) -> Run:
    """Validate parameters (before any training), fix TensorFlow's threads per op
    (`set_op_threads(op_threads)`), apply the plot theme, seed, and start the clock.

    Raises `BackendNotSupportedError` (before anything is computed or written) for a notebook
    that needs TensorFlow when another backend runs (see `TENSORFLOW_ONLY_NOTEBOOKS`).
    """
    reason = unsupported_reason(notebook)
    if reason is not None:
        raise BackendNotSupportedError(reason)
    validate_params(params, validators or {})
    # the collection caches datasets in the checkout's data/ (actlab.data reads the variable)
    os.environ.setdefault("ACTLAB_DATA_DIR", str(data_dir()))
    set_op_threads(op_threads)
    from actlab.collection import plotting

    plotting.set_theme()
    seed_everything(seed if seed is not None else (list(params.get("seeds", [0])) or [0])[0])
    return Run(notebook=notebook, params=dict(params))


def _run_text(record: Mapping[str, Any]) -> str:
    """'default', 'default + overrides (epochs=2)', ...: the label with every override spelled out."""
    label = str(record.get("label") or record.get("profile", "n/a"))
    overrides = record.get("overrides")
    if overrides:
        label += " (" + ", ".join(f"{k}={v!r}" for k, v in overrides.items()) + ")"
    return label


def _display_provenance(record: Mapping[str, Any]) -> None:
    """Show the provenance block in the notebook (so every report carries it)."""
    prov = record["provenance"]
    data = record.get("data") or {}
    rows = [
        ("notebook", record["notebook"]),
        ("run", _run_text(record)),
        ("data", data.get("description", "n/a")),
        (
            "git commit",
            f"{prov['git_commit']}{' (uncommitted changes)' if prov['git_dirty'] else ''}",
        ),
        ("finished (UTC)", prov["finished_utc"]),
        ("wall time", f"{prov['wall_time_s']} s"),
        (
            "Python / Keras / backend",
            f"{prov['python']} / {prov['keras']} / {prov['backend']} {prov.get('backend_version')}",
        ),
        ("machine", f"{prov['platform']}, {prov['cpu_count']} CPUs, {prov['gpus']} GPUs"),
    ]
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        if get_ipython() is None:
            raise ImportError
        cells = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>"
            for k, v in rows
        )
        display(
            HTML(f"<div class='actlab-provenance'><h3>Provenance</h3><table>{cells}</table></div>")
        )
    except ImportError:
        for k, v in rows:
            print(f"{k:>28}: {v}", file=sys.stdout)
