"""The installable package: `pip wheel .` builds a wheel whose metadata declares the runtime
dependencies as compatible ranges (Keras 3, NumPy; TensorFlow and JAX as extras), Python
3.11-3.13, and whose contents hold the `lib` package with its report templates."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lib import runtime


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools")
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: offline, with the environment's setuptools
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(runtime.REPO_ROOT), "--no-deps",
                           "--no-build-isolation", "--quiet", "-w", str(out)],
                          capture_output=True, text=True, timeout=300)
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
    assert runtime_deps == {"keras<4,>=3.15", "numpy<3,>=2.0"}, runtime_deps
    extras = set(meta.get_all("Provides-Extra"))
    assert {"tensorflow", "jax"} <= extras
    assert any(k.startswith("tensorflow") and 'extra == "tensorflow"' in v for k, v in requires.items())
    assert any(k.startswith("jax") and 'extra == "jax"' in v for k, v in requires.items())
    for dep in requires:  # ranges, not the lock's exact pins
        assert "==" not in dep, dep


def test_wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"lib"}, tops  # no tests/, notebooks/, tools/ in the wheel
    lib = runtime.REPO_ROOT / "lib"
    for path in lib.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".j2", ".json"):
            assert path.relative_to(lib.parent).as_posix() in names, path
    for template in ("lib/templates/index.html.j2", "lib/templates/actlab_report/index.html.j2",
                     "lib/templates/actlab_report/conf.json"):
        assert template in names


def test_notebooks_keep_the_exact_lock():
    lock = (runtime.REPO_ROOT / "requirements.lock").read_text().splitlines()
    pins = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
            for line in lock if "==" in line and not line.startswith("#")}
    import keras
    import numpy

    assert pins["keras"] == keras.__version__ and pins["numpy"] == numpy.__version__
