"""The run cache: joblib's own `Memory`, keyed by everything that decides a run's result.

A run's key holds the task and its config, the arm and its config, the learning rate, the seed,
the epochs, whether the test split is evaluated, the device the runs use (`device_label`:
``"cpu"``, or ``"gpu:<name>"``, so a GPU run's numbers are never paired with a CPU run's), a hash of actlab's source that can decide a
run's numbers (the core but the trials modules that only schedule, compare or present runs:
`SCHEDULING_ONLY`; the collection's own task and arm modules enter through the objects' keys),
the versions of Python, NumPy, Keras and the backend, and the backend. `Memory` hashes the key
(`joblib.hash`) into a folder and writes the result through a temporary file renamed into place,
so a process killed while writing leaves no entry, never a corrupt one; the parent process
alone writes (runs on remote Dask workers need no shared disk).

The store is a memoized identity, ``_stored(key, result) -> result`` with `result` ignored by
the hash: calling it with a key not yet cached stores the result, and with a cached key returns
the stored one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["RunCache", "device_label", "environment_key", "source_hash"]

PACKAGE = Path(__file__).resolve().parents[1]
#: Modules of actlab.trials that never touch a run's numbers (editing them retrains nothing).
SCHEDULING_ONLY = tuple(
    f"trials/{name}.py"
    for name in (
        "__init__",
        "__main__",
        "cli",
        "compare",
        "engine",
        "figure",
        "parallel",
        "progress",
        "trial",
    )
)


@functools.lru_cache(maxsize=1)
def source_hash() -> str:
    """SHA-256 (16 hex digits) over actlab's source files (paths and contents) that can decide
    a run's numbers: the collection and `SCHEDULING_ONLY` excluded."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("collection/") or rel in SCHEDULING_ONLY:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def onednn_setting() -> str | None:
    """``TF_ENABLE_ONEDNN_OPTS`` as this process sees it (oneDNN changes TensorFlow's float
    rounding on CPUs; workers get the parent's)."""
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS")


def visible_devices(backend: str) -> list[tuple[str, str]]:
    """The accelerators `backend` sees in this process, as (kind, name) pairs: TensorFlow's
    ``tf.config.list_physical_devices("GPU")``, JAX's ``jax.devices()`` (its CPU devices left
    out); none on another backend."""
    if backend == "tensorflow":
        import tensorflow as tf

        return [
            ("gpu", tf.config.experimental.get_device_details(d).get("device_name", d.name))
            for d in tf.config.list_physical_devices("GPU")
        ]
    if backend == "jax":
        import jax

        return [(d.platform, d.device_kind) for d in jax.devices() if d.platform != "cpu"]
    return []


def device_label(backend: str) -> str:
    """Where a run on `backend` in this process computes: ``"cpu"``, or ``"<kind>:<name>"``
    of the first visible accelerator (Keras places a run there), e.g. ``"gpu:NVIDIA A100"``."""
    devices = visible_devices(backend)
    return "cpu" if not devices else f"{devices[0][0]}:{devices[0][1]}"


def environment_key(backend: str) -> dict[str, Any]:
    """The parts of a run's key that are not the run's own: source, versions, backend, the
    device (`device_label`)."""
    versions = {
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "keras": _version("keras"),
    }
    if backend == "tensorflow":
        versions["tensorflow"] = _version("tensorflow") or _version("tensorflow-cpu")
        versions["onednn"] = onednn_setting()
    elif backend == "jax":
        versions["jax"], versions["jaxlib"] = _version("jax"), _version("jaxlib")
    return {
        "actlab_source": source_hash(),
        "versions": versions,
        "backend": backend,
        "device": device_label(backend),
        "machine": platform.machine(),
        "byteorder": sys.byteorder,
    }


def _stored(key: dict, result: Any = None) -> Any:
    """The memoized identity (see the module docstring)."""
    return result


class RunCache:
    """Runs on disk under `folder` (None: nothing is cached)."""

    def __init__(self, folder: str | Path | None):
        self.folder = None if folder is None else Path(folder)
        self._fn = None
        if self.folder is not None:
            import joblib

            self.folder.mkdir(parents=True, exist_ok=True)
            memory = joblib.Memory(self.folder, verbose=0)
            self._fn = memory.cache(_stored, ignore=["result"])

    def __contains__(self, key: dict) -> bool:
        return self._fn is not None and self._fn.check_call_in_cache(key)

    def get(self, key: dict) -> Any:
        if key not in self:
            raise KeyError("not cached")
        return self._fn(key)

    def put(self, key: dict, result: Any) -> None:
        if self._fn is not None and key not in self:
            self._fn(key, result)
