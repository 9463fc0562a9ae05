"""The layout: one import name (`actlab`, src layout), the two rooms and their floors (the
import-linter contracts in pyproject.toml), and CONTRIBUTING.md's layout table."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_independent(reason="imports and files, not numbers")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "actlab"


def _table_paths() -> list[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text[text.index("## Layout") : text.index("\n## ", text.index("## Layout") + 1)]
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", section, re.M)]


def test_the_layout_table_names_every_module_and_nothing_else():
    paths = _table_paths()
    for path in paths:
        if "NN_topic" in path:  # a pattern: one per notebook
            continue
        assert (ROOT / path).exists(), (
            f"CONTRIBUTING.md's layout table names {path}, which does not exist"
        )
    folders = [p for p in paths if p.endswith("/")]
    missing = []
    for module in sorted(PACKAGE.rglob("*.py")):
        rel = module.relative_to(ROOT).as_posix()
        if module.name in ("__init__.py", "__main__.py") and module.parent == PACKAGE:
            continue
        covered = rel in paths or any(rel.startswith(f) for f in folders)
        if module.name in ("__init__.py", "__main__.py"):  # a package: it, or what is in it
            folder = module.parent.relative_to(ROOT).as_posix() + "/"
            covered = any(p.startswith(folder) or folder.startswith(p) for p in folders + paths)
        if not covered:
            missing.append(rel)
    assert not missing, f"modules missing from CONTRIBUTING.md's layout table: {missing}"
    rooms = {
        p: room
        for p, room in re.findall(
            r"^\| `([^`]+)` \| (\w+|—) \|", (ROOT / "CONTRIBUTING.md").read_text(), re.M
        )
    }
    for path, room in rooms.items():
        if path.startswith("lib/actlab/"):
            expected = "collection" if path.startswith("lib/actlab/collection/") else "core"
            assert room == expected, f"{path} is in the {expected}, the table says {room}"


def _python_without_checkout_paths() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_nothing_named_lib_is_importable_and_a_users_lib_is_theirs(tmp_path):
    """A researcher's project with its own `lib/data.py` (a common layout): `import lib` is
    theirs, `actlab` is ours, and the checkup's data comes from `actlab.data`."""
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "data.py").write_text("OWNER = 'the user'\n")
    code = (
        "import importlib.util, actlab, actlab.data, lib.data\n"
        "print(lib.data.OWNER, '|', actlab.__file__, '|', hasattr(actlab.data, 'load_mnist'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env=_python_without_checkout_paths(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    owner, actlab_file, loads = (s.strip() for s in proc.stdout.split("|"))
    assert owner == "the user" and loads == "True"
    assert Path(actlab_file).is_relative_to(PACKAGE), actlab_file
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", "import importlib.util; print(importlib.util.find_spec('lib'))"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env=_python_without_checkout_paths(),
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "None", proc.stdout + proc.stderr


LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_the_import_contracts_hold():
    proc = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 kept, 0 broken" in proc.stdout or "0 broken" in proc.stdout, proc.stdout[-2000:]


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_a_core_module_importing_the_collection_breaks_the_contract(tmp_path):
    """The contract can fail: a copy of the package in which `actlab.stats` imports the
    collection's `tables` is rejected by the same configuration."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "actlab", ignore=shutil.ignore_patterns("__pycache__"))
    stats = copy / "actlab" / "stats" / "__init__.py"
    stats.write_text(stats.read_text() + "\nfrom actlab.collection import tables  # noqa\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    import os

    env = {**_python_without_checkout_paths(), "PYTHONPATH": str(copy)}
    proc = subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "BROKEN" in proc.stdout and "actlab.stats -> actlab.collection.tables" in proc.stdout, (
        proc.stdout[-3000:]
    )
    assert os.path.exists(stats)
