"""The README's "Use the layers in your own model" section runs as written.

Its python code blocks are executed in order, as one script, in a fresh process (in a temporary
folder: it saves a model), and the load error it quotes is the one Keras raises when a process
loads a model without ``import actlab.layers``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from actlab.collection import session

pytestmark = pytest.mark.backend_independent(
    reason="the README's code says it runs on TensorFlow, the default backend (in a child process)",
    in_pass="jax",  # the shorter pass of `make test`; the children run TensorFlow all the same
)

README = session.REPO_ROOT / "README.md"
SECTION = "## Use the layers in your own model"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    body = text.split(SECTION, 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", _section(), flags=re.MULTILINE | re.DOTALL)


def _run(code: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["KERAS_BACKEND"] = "tensorflow"  # the README's diagnose_fit example says TensorFlow
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_section_covers_what_a_user_needs():
    section = _section()
    for needed in (
        "import actlab.layers",
        "save(",
        "load_model",
        "BlendSchedule",
        "set_model",
        "diagnose_fit",
        'pip install ".[tensorflow-cpu]"',
        "nothing named `lib` is installed",
        "lib>Antirectifier",
        "Could not locate class",
    ):
        assert needed in section, needed
    assert len(_blocks("python")) >= 5


@pytest.mark.slow
def test_readme_python_blocks_run_as_written(tmp_path):
    script = "\n\n".join(_blocks("python"))
    proc = _run(script, tmp_path)
    assert proc.returncode == 0, (
        f"README code failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )
    assert (tmp_path / "my_model.keras").is_file()
    assert "[1.0, 0.6666" in proc.stdout  # the relu_weight history the README shows
    assert "First non-finite value at step 0" in proc.stdout


@pytest.mark.slow
def test_quoted_load_error_is_what_keras_says(tmp_path):
    quoted = _blocks("text")
    (error,) = [q for q in quoted if "Could not locate class" in q]
    save = _run(
        "import keras\nimport actlab.layers as L\n"
        "keras.Sequential([keras.Input((4,)), L.Antirectifier()]).save('m.keras')",
        tmp_path,
    )
    assert save.returncode == 0, save.stderr[-2000:]
    load = _run("import keras\nkeras.saving.load_model('m.keras')", tmp_path)
    assert load.returncode != 0
    for line in error.strip().splitlines():  # every quoted piece appears in the real message
        for piece in line.split("[...]"):
            piece = piece.strip()
            if piece:
                assert piece in load.stderr, piece
    fixed = _run("import keras\nimport actlab.layers\nkeras.saving.load_model('m.keras')", tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
