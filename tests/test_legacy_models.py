"""Models saved before the package was renamed `actlab` keep loading.

`tests/fixtures/legacy_lib_model.keras` was written by the code of commit 85389d8, when the import
package was `lib`: its file names every layer and function `lib>Name` (PolyReLUBlend, Rational
with one coefficient set for the layer, SoftExponential with ClipAlpha, ComplexSoftExponential,
Antirectifier, CReLU, a per-channel trainable Truncation, and the ELU variants and the
polynomial in `keras.layers.Activation`). `make_legacy_fixture.py.txt` beside it is the script
that wrote it (it imports `lib`, so it no longer runs).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import numpy as np

import actlab.activations  # noqa: F401 - registers the functions (and their old names)
import actlab.layers  # noqa: F401 - registers the layers (and their old names)

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = FIXTURES / "legacy_lib_model.keras"


def _registered_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        text = zf.read("config.json").decode()
    names = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("registered_name"):
                names.add(node["registered_name"])
            if node.get("class_name") == "function" and isinstance(node.get("config"), str):
                names.add(node["config"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(text))
    return {n for n in names if ">" in n}


def test_the_fixture_is_a_pre_rename_file():
    names = _registered_names(LEGACY)
    assert {
        "lib>PolyReLUBlend",
        "lib>Rational",
        "lib>safe_elu",
        "lib>Truncation",
        "lib>ComplexSoftExponential",
        "lib>ClipAlpha",
    } <= names
    assert not any(n.startswith("actlab>") for n in names)


def test_a_pre_rename_file_loads_in_safe_mode_and_predicts_the_same(tmp_path):
    model = keras.saving.load_model(LEGACY, safe_mode=True)
    with np.load(FIXTURES / "legacy_lib_model_io.npz") as io:
        x, expected = io["x"], io["y"]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert abs(model.get_layer("blend").get_relu_weight() - 0.3) < 1e-7  # its d came back too

    again = tmp_path / "again.keras"  # saved again: the new names, and it still predicts the same
    model.save(again)
    names = _registered_names(again)
    assert "actlab>Rational" in names and "actlab>safe_elu" in names
    assert not any(n.startswith("lib>") for n in names), names
    reloaded = keras.saving.load_model(again, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
