"""Test session setup: quiet TensorFlow, never write into the real figures/ folder, and run
each notebook's smoke profile at most once per session (shared by the notebook and report tests).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Smoke runs and in-process experiments write here, not into figures/ (which holds `make figures`).
os.environ["ACTLAB_FIGURES_DIR"] = tempfile.mkdtemp(prefix="actlab-test-figures-")

_SMOKE: dict[Path, Path | BaseException] = {}


@pytest.fixture(scope="session")
def smoke_dir() -> Path:
    """Where smoke-executed notebooks are written (one folder for the whole session)."""
    return Path(tempfile.mkdtemp(prefix="actlab-test-executed-"))


@pytest.fixture(scope="session")
def smoke_run(smoke_dir: Path):
    """`smoke_run(notebook_path) -> executed_path`; runs the smoke profile once per notebook."""
    from lib import runner

    def run(path: Path) -> Path:
        if path not in _SMOKE:
            out = smoke_dir / path.name
            try:
                runner.execute(path, out, profile="smoke", progress=False)
                _SMOKE[path] = out
            except BaseException as exc:  # re-raised for every test that needs this notebook
                _SMOKE[path] = exc
        result = _SMOKE[path]
        if isinstance(result, BaseException):
            raise result
        return result

    return run
