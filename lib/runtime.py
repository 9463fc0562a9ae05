"""Run-time helpers shared by every notebook: paths, seeding, parameter checks, provenance.

A notebook's life cycle::

    run = runtime.start_run("01_epoch_dynamic_blend", params, validators)  # checks, seeds, theme
    ...                                                                    # experiments
    run.finish(results, data=data.provenance)                              # results.json

`start_run` fails before any training, naming the offending parameter, and `finish` writes
`figures/<notebook>/results.json` with the numbers plus provenance (git commit, versions,
backend, data, parameters, wall time).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Output locations live in lib.outputs (one module owns them); re-exported for notebooks.
from lib.outputs import REPO_ROOT, current_run, data_dir, figures_dir, notebook_dir  # noqa: F401

# --------------------------------------------------------------------------- seeding


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and Keras (hence the backend's RNG); turn on TF op determinism.

    With determinism on, the same parameters give the same numbers on the same machine
    and versions (TensorFlow raises if an op has no deterministic kernel). On JAX, Keras's
    seed generators are explicit keys derived from the seed and XLA's CPU kernels are
    deterministic, so there is no switch to turn on.
    """
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the legacy global RNG on purpose
    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


#: Threads per TensorFlow op in the notebooks (`start_run` sets it; see `set_op_threads`).
OP_THREADS = 1


def set_op_threads(threads: int | None = OP_THREADS) -> int | None:
    """Run every TensorFlow op on `threads` threads (None: TensorFlow's default, one per core).

    The notebooks train on one thread per op, for three reasons measured on the 2-core machine
    this collection is built on (2026-11-30):

    - the small models here train as fast or faster: notebook 01's ResNet took 11.3 s per run
      on one thread against 13.1 s on two, notebook 04's MLPs the same time either way;
    - the numbers do not depend on the machine's core count: splitting an op (a convolution's
      reduction) across threads changes the order of float additions, so the same seed gave a
      different final accuracy on one thread than on two;
    - under `make -j2 figures` two notebooks do not fight over the same cores.

    TensorFlow fixes the setting when it runs its first op; after that this leaves it as it is,
    warns if it differs, and returns the value in force. Other backends: nothing is set, None.
    """
    if threads is not None and (not is_int(threads) or threads < 1):
        raise ValueError(f"`threads` must be None or an int >= 1. Received: threads={threads!r}")
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
        except RuntimeError:
            import warnings

            warnings.warn(f"TensorFlow already runs ops on "
                          f"{tf.config.threading.get_intra_op_parallelism_threads() or 'its default number of'} "
                          f"threads; set_op_threads({threads}) has to come before the first op "
                          "(restart the kernel to change it).", RuntimeWarning, stacklevel=2)
    return tf.config.threading.get_intra_op_parallelism_threads() or None


@contextlib.contextmanager
def xla_allowed(enabled: bool = True):
    """Let `jit_compile=True` take effect while TensorFlow op determinism is on.

    `seed_everything` turns op determinism on, and Keras then silently compiles without
    XLA (`keras.src.trainers.trainer.model_supports_jit`). Inside this context determinism is
    off (and restored afterwards), so an XLA-compiled run is not bitwise reproducible.
    On other backends (JAX compiles with XLA anyway) it does nothing.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    from tensorflow.python.framework import config as tf_config  # no public getter in tf.config

    was_on = enabled and tf_config.is_op_determinism_enabled()
    if was_on:
        tf_config.disable_op_determinism()
    try:
        yield
    finally:
        if was_on:
            tf_config.enable_op_determinism()


# --------------------------------------------------------------------------- parameters

Validator = Callable[[str, Any], None]


def _fail(name: str, value: Any, expected: str) -> None:
    raise ValueError(f"Invalid parameter `{name}`: expected {expected}. Received: {name}={value!r}")


def seed_std(values: Any, axis: int = 0) -> Any:
    """The spread over seeds used in every report: the sample standard deviation (ddof=1) along
    `axis`, NaN when there is a single seed (no spread to estimate)."""
    arr = np.asarray(values, dtype="float64")
    if arr.shape[axis] < 2:
        return np.full(np.delete(arr.shape, axis), np.nan) if arr.ndim > 1 else float("nan")
    std = arr.std(axis=axis, ddof=1)
    return float(std) if np.ndim(std) == 0 else std


def is_int(value: Any) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(name: str, value: Any) -> None:
    if not (is_int(value) and value > 0):
        _fail(name, value, "an integer > 0")


def non_negative_int(name: str, value: Any) -> None:
    if not (is_int(value) and value >= 0):
        _fail(name, value, "an integer >= 0")


def optional_positive_int(name: str, value: Any) -> None:
    if value is not None:
        positive_int(name, value)


def positive_float(name: str, value: Any) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0):
        _fail(name, value, "a finite number > 0")


def fraction(name: str, value: Any) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1):
        _fail(name, value, "a number in [0, 1]")


def boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(name, value, "True or False")


def seed_list(name: str, value: Any) -> None:
    if not (isinstance(value, (list, tuple)) and value and all(is_int(s) and s >= 0 for s in value)
            and len(set(value)) == len(value)):
        _fail(name, value, "a non-empty list of distinct integers >= 0")


def one_of(*choices: Any) -> Validator:
    def check(name: str, value: Any) -> None:
        if value not in choices:
            _fail(name, value, f"one of {list(choices)}")

    return check


def list_of(choices: tuple | list) -> Validator:
    """A non-empty list whose items are all in `choices`."""

    def check(name: str, value: Any) -> None:
        if not (isinstance(value, (list, tuple)) and value and all(v in choices for v in value)):
            _fail(name, value, f"a non-empty list of items from {list(choices)}")

    return check


#: Validators for the parameters most notebooks share.
COMMON_VALIDATORS: dict[str, Validator] = {
    "profile": one_of("default", "smoke", "full"),
    "data_source": one_of("auto", "keras", "embedded"),
    "seeds": seed_list,
    "epochs": positive_int,
    "batch_size": positive_int,
    "n_train": optional_positive_int,
    "n_test": optional_positive_int,
}


def validate_params(params: Mapping[str, Any], validators: Mapping[str, Validator]) -> None:
    """Check every parameter; raise `ValueError` naming the first bad one.

    Every key of `params` must have a validator (`COMMON_VALIDATORS` are merged in), so a
    parameter added to a notebook without a check is caught by the smoke tests.
    """
    merged = {**COMMON_VALIDATORS, **validators}
    for name, value in params.items():
        if name not in merged:
            raise ValueError(f"Parameter `{name}` has no validator; add one to the notebook.")
        merged[name](name, value)


# --------------------------------------------------------------------------- provenance


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=10, check=True)
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
        "backend_version": _version({"tensorflow": "tensorflow", "jax": "jax"}.get(backend, backend),
                                    "tensorflow-cpu"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "op_threads": op_threads,
    }


def to_jsonable(obj: Any) -> Any:
    """NumPy scalars/arrays and tuples to plain JSON types; non-finite floats to strings."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if math.isfinite(value) else str(value)  # "nan", "inf": valid JSON
    if isinstance(obj, Path):
        return str(obj)
    return obj


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
            return {"label": f"{self.profile} parameters, run outside lib.runner (interactive)",
                    "overrides": None, "backend": backend, "run_id": None}
        label = str(info.get("label", self.profile))
        if info.get("backend") not in (None, backend):
            label += f" [asked for the {info['backend']} backend, ran on {backend}]"
        return {"label": label, "overrides": dict(info.get("overrides") or {}),
                "backend": backend, "run_id": info.get("run_id")}

    def finish(self, results: Mapping[str, Any], data: Mapping[str, Any] | None = None,
               finding: str | None = None) -> Path:
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
    "02_soft_exponential": "its training loop (lib.experiments.softexp) is a tf.function over "
                           "tf.GradientTape steps",
    "03_nan_diagnosis": "its NaN locator (lib.diagnostics.locate_nonfinite) replays a batch "
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
    return (f"{notebook} runs on TensorFlow only: {reason}. This process runs Keras's "
            f"{backend!r} backend; run it with KERAS_BACKEND=tensorflow (the default). "
            "Nothing was computed or written.")


def start_run(notebook: str, params: Mapping[str, Any],
              validators: Mapping[str, Validator] | None = None, seed: int | None = None,
              op_threads: int | None = OP_THREADS) -> Run:
    """Validate parameters (before any training), fix TensorFlow's threads per op
    (`set_op_threads(op_threads)`), apply the plot theme, seed, and start the clock.

    Raises `BackendNotSupportedError` (before anything is computed or written) for a notebook
    that needs TensorFlow when another backend runs (see `TENSORFLOW_ONLY_NOTEBOOKS`).
    """
    reason = unsupported_reason(notebook)
    if reason is not None:
        raise BackendNotSupportedError(reason)
    validate_params(params, validators or {})
    set_op_threads(op_threads)
    from lib import plotting

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
        ("git commit", f"{prov['git_commit']}{' (uncommitted changes)' if prov['git_dirty'] else ''}"),
        ("finished (UTC)", prov["finished_utc"]),
        ("wall time", f"{prov['wall_time_s']} s"),
        ("Python / Keras / backend",
         f"{prov['python']} / {prov['keras']} / {prov['backend']} {prov.get('backend_version')}"),
        ("machine", f"{prov['platform']}, {prov['cpu_count']} CPUs, {prov['gpus']} GPUs"),
    ]
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        if get_ipython() is None:
            raise ImportError
        cells = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}"
                        f"</td></tr>" for k, v in rows)
        display(HTML(f"<div class='actlab-provenance'><h3>Provenance</h3><table>{cells}</table></div>"))
    except ImportError:
        for k, v in rows:
            print(f"{k:>28}: {v}", file=sys.stdout)
