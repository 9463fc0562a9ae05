"""`make lab` opens without JupyterLab's "Jupyter news" pop-up: jupyter/overrides.json, copied
into the environment's JupyterLab settings by `make venv` / `make lab`, sets the notification
plugin's ``fetchNews`` to "false" (the pop-up is JupyterLab asking, when it is "none")."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "@jupyterlab/apputils-extension:notification"

pytestmark = pytest.mark.backend_independent(reason="JupyterLab settings, not numbers")


def test_overrides_turn_the_news_off_with_values_the_schema_accepts():
    overrides = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert overrides[PLUGIN]["fetchNews"] == "false"
    package, plugin = PLUGIN.rsplit(":", 1)
    schema_file = Path(sys.prefix, "share/jupyter/lab/schemas", package, f"{plugin}.json")
    if not schema_file.is_file():
        pytest.skip(f"JupyterLab's schema is not installed here ({schema_file})")
    properties = json.loads(schema_file.read_text())["properties"]
    allowed = {option["const"] for option in properties["fetchNews"]["oneOf"]}
    assert set(overrides[PLUGIN]) <= set(properties) and "false" in allowed


def test_make_lab_and_venv_install_the_overrides():
    makefile = (ROOT / "Makefile").read_text()
    target = "$(VENV)/share/jupyter/lab/settings/overrides.json"  # where JupyterLab reads them
    assert f"LAB_OVERRIDES := {target}" in makefile
    for rule in ("lab", "venv"):
        assert re.search(rf"^{rule}: .*\$\(LAB_OVERRIDES\)", makefile, re.M), rule
