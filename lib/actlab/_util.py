"""Small helpers shared by the core and the collection (no Keras import)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


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


def child_env(**extra: str) -> dict[str, str]:
    """`os.environ` plus `extra`, with ``PYTHONPATH`` starting at the folder that holds this
    `actlab`, so that a child process imports the same package (a checkout's ``lib/`` or
    site-packages) as its parent."""
    import os

    home = str(Path(__file__).resolve().parent.parent)
    path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != home]
    return {**os.environ, **extra, "PYTHONPATH": os.pathsep.join([home, *path])}


def cpu_label() -> str:
    """The CPU a run computed on, as a record says it: model name, cores, and whether it has
    AVX-512 (oneDNN's kernels, and so float rounding and speed, differ with it), e.g.
    ``"AMD EPYC, 2 cores, AVX-512"``."""
    import os
    import platform
    from pathlib import Path

    name, flags = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not name:
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    label = f"{name or platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    if flags:
        label += ", AVX-512" if "avx512f" in flags else ", no AVX-512"
    return label
