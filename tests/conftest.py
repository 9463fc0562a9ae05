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
# Smoke-sized trials run in the notebook's own process (worker processes would cost more to
# start than their runs take), with a cache of their own.
os.environ["ACTLAB_TRIAL_JOBS"] = "1"
os.environ["ACTLAB_TRIAL_CACHE"] = tempfile.mkdtemp(prefix="actlab-test-trials-")

_SMOKE: dict[Path, Path | BaseException] = {}


def pytest_collection_modifyitems(config, items):
    """Off TensorFlow (the `make test` JAX pass): skip what is TensorFlow-specific, saying why.

    ``@pytest.mark.tensorflow_only(reason=...)`` (on a test or as a module's ``pytestmark``)
    marks a test written against TensorFlow (``tf.GradientTape``, ``tf.function`` modes, op
    determinism); ``@pytest.mark.backend_independent(reason=...)`` marks a test whose subject
    does not depend on the Keras backend (packaging, the docs' code blocks, which say they run
    on TensorFlow): both run once, in the TensorFlow pass, as do the notebook smoke runs
    (``@pytest.mark.notebook``). A long backend-independent test may say
    ``backend_independent(reason=..., in_pass="jax")``: it then runs once in the JAX pass
    instead, which `make test` runs alongside the longer TensorFlow pass.
    """
    import keras

    backend = keras.backend.backend()
    for item in items:
        marker = item.get_closest_marker("backend_independent")
        in_pass = marker.kwargs.get("in_pass", "tensorflow") if marker is not None else None
        if in_pass is not None and in_pass != "tensorflow" and backend == "tensorflow":
            item.add_marker(
                pytest.mark.skip(
                    reason=f"backend-independent: once, in the {in_pass} pass of `make test`"
                )
            )
    if backend == "tensorflow":
        return
    for item in items:
        marker = item.get_closest_marker("tensorflow_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(
                pytest.mark.skip(reason=f"TensorFlow only ({reason}); running on {backend}")
            )
        elif item.get_closest_marker("backend_independent") is not None:
            marker = item.get_closest_marker("backend_independent")
            if marker.kwargs.get("in_pass") == backend:
                continue
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(
                pytest.mark.skip(
                    reason=f"backend-independent ({reason}): once, in "
                    "the TensorFlow pass of `make test`"
                )
            )
        elif item.get_closest_marker("notebook") is not None:
            item.add_marker(
                pytest.mark.skip(
                    reason="notebook smoke runs: once, in the TensorFlow pass of `make test`"
                )
            )


@pytest.fixture(scope="session")
def smoke_dir() -> Path:
    """Where smoke-executed notebooks are written (one folder for the whole session)."""
    return Path(tempfile.mkdtemp(prefix="actlab-test-executed-"))


@pytest.fixture(scope="session")
def smoke_run(smoke_dir: Path):
    """`smoke_run(notebook_path) -> executed_path`; runs the smoke profile once per notebook."""
    from actlab.collection import runner

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
