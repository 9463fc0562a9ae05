"""The installable package: `pip wheel .` builds a wheel whose metadata declares the runtime
dependencies as compatible ranges (Keras 3, NumPy; TensorFlow and JAX as extras), Python
3.11-3.13, and whose contents hold the `lib` package with its report templates."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lib import runtime

pytestmark = pytest.mark.backend_independent(reason=
    "the wheel and its metadata are the same on every backend")


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


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv(wheel, tmp_path):
    """`pip install` of the wheel into a fresh venv pulls Keras and NumPy from the package index
    and `lib.layers` imports, runs and round-trips through a .keras file there (the `jax` extra:
    much smaller than TensorFlow). The
    fuller check (Python 3.12 and 3.13, `.[jax]`, fit with BlendSchedule, save/load) is in the
    report of issue 18; this one keeps to the running Python."""
    import venv

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # without PYTHONPATH: the checkout on it (its actlab.egg-info) would look installed already
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[jax]"],
                          capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    code = ("import numpy as np, keras, lib, lib.layers as L\n"
            "m = keras.Sequential([keras.Input((6,)), L.Antirectifier(), L.PolyReLUBlend()])\n"
            "m.save('m.keras')\n"
            "back = keras.saving.load_model('m.keras')\n"
            "y, z = (k.predict(np.ones((2, 6)), verbose=0) for k in (m, back))\n"
            "assert np.array_equal(y, z)\n"
            "print(lib.__file__, keras.backend.backend(), y.shape)\n")
    proc = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**env, "KERAS_BACKEND": "jax"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(env_dir) in proc.stdout and "jax (2, 12)" in proc.stdout, proc.stdout
