"""Reloading saved models, in a fresh process or in this one: what ``serializes`` runs.

``python -m actlab.checkup.reloading JOBS.json`` loads each job's ``.keras`` file twice:
(a) after importing only the target's module, with ``safe_mode=True`` and nothing else, and
(b) with ``custom_objects`` naming the target (for an unregistered one), and writes what it
got: the outputs on the saved inputs, which function or class the activation reloaded as, or
the error. This module imports Keras and NumPy only (no actlab module that registers
anything), so in the fresh process only what importing the target's module registers is known.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np


def reason(exc: BaseException) -> str:
    """A Keras loading error in one line: the exception inside "could not be deserialized
    properly" when there is one (it names the missing class or argument)."""
    text = str(exc).strip() or type(exc).__name__
    marker = "Exception encountered:"
    if marker in text:  # nested: the innermost names the missing class or argument
        text = text.rsplit(marker, 1)[1].strip()
    text = text.split(" Full object config:")[0].split(" Make sure custom classes")[0]
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first[:300]}"


def identity(layer) -> str:
    """``module:qualname`` of what a model's activation layer holds (the function inside an
    `Activation`, else the layer's class)."""
    obj = layer.activation if isinstance(layer, keras.layers.Activation) else type(layer)
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def resolve(module: str, qualname: str) -> Any:
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _load(path: str, x: np.ndarray, out: str, custom_objects: dict | None) -> dict:
    try:
        model = keras.saving.load_model(path, safe_mode=True, custom_objects=custom_objects)
        y = np.asarray(keras.ops.convert_to_numpy(model(x)))
        np.save(out, y)
        return {"ok": True, "loaded": identity(model.layers[-1]), "outputs": out}
    except Exception as exc:  # noqa: BLE001 - the error is the finding
        return {"ok": False, "error": reason(exc)}


def run_job(job: dict, objects: Any = None) -> dict:
    """Load one saved model: (a) plain, after importing `job["import"]`; (b) with
    custom_objects, when `job["custom"]` names the target (`objects`: the live object to pass,
    instead of importing it, in this process)."""
    result: dict[str, Any] = {}
    if job.get("import"):
        try:
            importlib.import_module(job["import"])
        except Exception as exc:  # noqa: BLE001
            result["import_error"] = reason(exc)
    x = np.load(job["inputs"])
    result["plain"] = _load(job["model"], x, job["out_plain"], None)
    custom = job.get("custom")
    if custom:
        try:
            obj = objects if objects is not None else resolve(custom["module"], custom["qualname"])
            result["custom"] = _load(
                job["model"], x, job["out_custom"], {name: obj for name in custom["names"]}
            )
        except Exception as exc:  # noqa: BLE001
            result["custom"] = {"ok": False, "error": reason(exc)}
    return result


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    for entry in reversed(spec.get("sys_path", [])):  # import what the parent imports
        if entry not in sys.path:
            sys.path.insert(0, entry)
    results = []
    for job in spec["jobs"]:
        try:
            results.append(run_job(job))
        except Exception as exc:  # noqa: BLE001 - reported per job, never a traceback
            results.append({"error": reason(exc)})
    Path(spec["results"]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
