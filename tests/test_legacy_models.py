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
import pytest

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


# ------------------------------------------------- configs whose arguments changed meaning


def _from_config(class_name: str, config: dict, package: str = "lib"):
    """A layer from a saved config, as `load_model` deserializes it (registered name
    ``<package>>class_name``, safe mode)."""
    return keras.saving.deserialize_keras_object(
        {
            "module": f"{package}.layers",
            "class_name": class_name,
            "config": config,
            "registered_name": f"{package}>{class_name}",
        },
        safe_mode=True,
    )


def test_a_pre_rename_rational_config_keeps_its_meaning():
    """Saved as ``lib>Rational``, `shared_axes=None` meant one set for the layer: it loads as
    "all". Saved as ``actlab>Rational``, None means one set per unit, as in PReLU."""
    config = {"name": "r", "degrees": [3, 2], "approximates": "tanh", "shared_axes": None}
    old = _from_config("Rational", config)
    assert type(old) is actlab.layers.Rational and old.shared_axes == "all"
    old.build((None, 4))
    assert tuple(old.numerator.shape) == (4,) and tuple(old.denominator.shape) == (2,)
    assert _from_config("Rational", dict(config, shared_axes=[1])).shared_axes == [1]
    new = _from_config("Rational", config, package="actlab")
    assert new.shared_axes is None
    new.build((None, 4))
    assert tuple(new.numerator.shape) == (4, 4)


@pytest.mark.parametrize("package", ["lib", "actlab"])
@pytest.mark.parametrize(
    ("input_shape", "axes", "weight_shape"),
    [((None, 12), None, (12,)), ((None, 6, 6, 3), [1, 2], (1, 1, 3))],
)
def test_a_per_channel_truncation_config_loads_as_shared_axes(
    package, input_shape, axes, weight_shape
):
    """`per_channel=True` (before `shared_axes`): shared along every axis but the last, decided
    when the layer is built; `per_channel=False` is one threshold for the layer."""
    config = {"name": "t", "threshold": 1.5, "trainable_threshold": True, "per_channel": True}
    layer = _from_config("Truncation", config, package)
    assert layer.get_config()["per_channel"] is True  # not built yet: as it was given
    layer.build(input_shape)
    assert layer.shared_axes == axes and tuple(layer.threshold.shape) == weight_shape
    assert "per_channel" not in layer.get_config()
    assert layer.get_config()["shared_axes"] == axes
    single = _from_config("Truncation", dict(config, per_channel=False), package)
    single.build(input_shape)
    assert single.shared_axes == "all" and tuple(single.threshold.shape) == ()
    with pytest.raises(ValueError, match="Received: per_channel=1"):
        _from_config("Truncation", dict(config, per_channel=1), package)
    with pytest.raises(ValueError, match="shared_axes="):
        _from_config("Truncation", dict(config, shared_axes=[1]), package)


def _rewrite_as_per_channel(path: Path, out: Path) -> None:
    """`path` (a model with one ``Truncation(shared_axes=[1, 2])``) as the code before
    `shared_axes` saved it: ``lib>Truncation`` with `per_channel=True` and a threshold of
    shape ``(channels,)``."""
    import io

    import h5py

    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(files["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Truncation":
            layer["registered_name"] = "lib>Truncation"
            del layer["config"]["shared_axes"]
            layer["config"]["per_channel"] = True
    files["config.json"] = json.dumps(config).encode()
    buffer = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buffer, "r+") as f:
        vars_ = f["layers/truncation/vars"]
        saved = vars_["0"][()]
        del vars_["0"]
        vars_.create_dataset("0", data=saved.reshape(-1))
    files["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def test_a_per_channel_conv_model_file_loads_its_thresholds(tmp_path):
    inputs = keras.Input((6, 6, 2))
    h = keras.layers.Conv2D(3, 3, name="conv")(inputs)
    trunc = actlab.layers.Truncation(shared_axes=[1, 2], trainable_threshold=True, name="trunc")
    model = keras.Model(inputs, trunc(h))
    trunc.threshold.assign(np.reshape([0.25, 0.5, 2.0], (1, 1, 3)))
    x = np.random.default_rng(0).normal(0, 2, (4, 6, 6, 2)).astype("float32")
    expected = keras.ops.convert_to_numpy(model(x))
    model.save(tmp_path / "new.keras")
    _rewrite_as_per_channel(tmp_path / "new.keras", tmp_path / "old.keras")
    assert "lib>Truncation" in _registered_names(tmp_path / "old.keras")

    loaded = keras.saving.load_model(tmp_path / "old.keras", safe_mode=True)
    got = loaded.get_layer("trunc")
    assert got.shared_axes == [1, 2]
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(got.threshold), np.reshape([0.25, 0.5, 2.0], (1, 1, 3))
    )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), expected, rtol=0, atol=0)
