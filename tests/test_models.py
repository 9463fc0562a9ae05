"""The small pre-activation ResNet: which activations become blends, BN before each
activation, shapes, save/load with blends."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from gradcheck import assert_save_load_roundtrip

from actlab.collection.models import activation_names, build_resnet, resolve_blend
from actlab.layers import PolyReLUBlend

NAMES = ["s1b1_act1", "s1b1_act2", "s2b1_act1", "s2b1_act2", "head_act"]


def test_activation_names():
    assert activation_names((16, 32), 1) == NAMES
    assert len(activation_names((8, 16, 32), 2)) == 3 * 2 * 2 + 1


@pytest.mark.parametrize(
    ("blend", "expected"),
    [
        ("none", []),
        ("all", NAMES),
        ("inner", NAMES[1:-1]),  # Delphi keeps the first and the last ReLU
        ([2], ["s2b1_act1", "s2b1_act2"]),
        ([1, "head"], ["s1b1_act1", "s1b1_act2", "head_act"]),
        (["head_act", "s1b1_act2"], ["s1b1_act2", "head_act"]),
    ],
)
def test_resolve_blend(blend, expected):
    assert resolve_blend(blend, (16, 32), 1) == expected


@pytest.mark.parametrize("blend", ["some", [], [3], [0], ["s9b1_act1"], 2, None])
def test_bad_blend(blend):
    with pytest.raises(ValueError, match="blend="):
        resolve_blend(blend, (16, 32), 1)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"stages": ()}, "stages="),
        ({"stages": (16, 0)}, "stages="),
        ({"blocks_per_stage": 0}, "blocks_per_stage="),
        ({"num_classes": 1}, "num_classes="),
        ({"relu_weight": 2.0}, "relu_weight="),
        ({"relu_cap": -1}, "relu_cap="),
        ({"coefficients": (1.0,)}, "coefficients="),
        ({"stem_strides": 0}, "stem_strides="),
        ({"bn_momentum": 1.0}, "bn_momentum="),
    ],
)
def test_bad_model_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_resnet(**kwargs)


@pytest.mark.parametrize("blend", ["all", "inner", "none"])
def test_blends_placed_and_each_activation_follows_batch_norm(blend):
    model = build_resnet(blend, stages=(8, 16), relu_cap=6)
    blends = {layer.name for layer in model.layers if isinstance(layer, PolyReLUBlend)}
    assert blends == set(resolve_blend(blend, (8, 16), 1))
    for name in NAMES:
        layer = model.get_layer(name)
        producer = layer.input._keras_history.operation
        assert isinstance(producer, keras.layers.BatchNormalization), (name, producer.name)
        if name not in blends:
            assert isinstance(layer, keras.layers.ReLU) and layer.max_value == 6
    assert model.output_shape == (None, 10)


def test_resnet_save_load_keeps_d(tmp_path):
    model = build_resnet("inner", stages=(4, 8), relu_weight=0.0)
    model.get_layer("s2b1_act1").set_relu_weight(0.6)
    x = np.random.default_rng(1).uniform(size=(3, 28, 28, 1)).astype("float32")
    loaded = assert_save_load_roundtrip(model, x, tmp_path, atol=1e-5)
    assert loaded.get_layer("s2b1_act1").get_relu_weight() == pytest.approx(0.6)
    assert loaded.get_layer("s1b1_act2").get_relu_weight() == 0.0
