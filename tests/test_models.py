"""The small pre-activation ResNet: which activations become blends, BN before each
activation, shapes, save/load with blends; as an `actlab.trials` task (the arm's activation in
the blended places, seeded initializers shared by every arm, the pre-activation record)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from gradcheck import assert_save_load_roundtrip

from actlab.callbacks import BlendSchedule
from actlab.collection.models import (
    activation_names,
    build_resnet,
    preactivation_record,
    resnet_task,
    resolve_blend,
    schedule_callbacks,
)
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


# --------------------------------------------------------------------------- as a trial task


def test_activation_factory_fills_the_blended_places_and_initializers_go_by_build_order():
    made, calls = [], []

    def factory():
        made.append(keras.layers.Activation("tanh"))
        return made[-1]

    def initializer(index, kind):
        calls.append((index, kind))
        return keras.initializers.get({"class_name": kind, "config": {"seed": index}})

    model = build_resnet("inner", stages=(4, 8), activation=factory, initializer=initializer)
    assert len(made) == 3 and all(layer in model.layers for layer in made)
    assert not [la for la in model.layers if isinstance(la, PolyReLUBlend)]
    assert isinstance(model.get_layer("s1b1_act1"), keras.layers.ReLU)  # "inner" keeps it ReLU
    # stem, stage 1's two convolutions, stage 2's projection and two convolutions, classifier
    assert calls == [(i, "he_normal") for i in range(6)] + [(6, "glorot_uniform")]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"activation": "relu"}, "activation="), ({"initializer": 3}, "initializer=")],
)
def test_bad_factories(kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_resnet("all", stages=(4,), **kwargs)


def _weights(model):
    return {
        layer.name: layer.get_weights()
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.Dense)
    }


def test_trial_task_gives_every_arm_the_same_initial_weights():
    from actlab.trials import Init
    from actlab.trials.arms import activation_factory

    task = resnet_task(stages=(4, 8), n_train=64, n_val=32, n_test=64, epochs=2, last=1)
    relu = _weights(task.build(activation_factory("relu"), Init(3)))
    blend = task.build(activation_factory("actlab.layers:PolyReLUBlend()"), Init(3))
    other_seed = _weights(task.build(activation_factory("relu"), Init(4)))
    assert len([la for la in blend.layers if isinstance(la, PolyReLUBlend)]) == 5
    assert len(relu) == 7
    for name, weights in _weights(blend).items():
        for a, b in zip(weights, relu[name], strict=True):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(weights[0], other_seed[name][0])  # the kernel: seeded by the run


def test_resnet_task_settings_and_bad_arguments():
    task = resnet_task(stages=(4, 8), n_train=64, n_val=32, n_test=64, epochs=3, last=2)
    assert (task.name, task.epochs, task.last, task.score) == ("resnet", 3, 2, "accuracy")
    assert task.config["stages"] == [4, 8] and task.config["n_train"] == 64
    split = task.data(5)
    assert split.x_train.shape[1:] == (28, 28, 1) and len(split.y_val) == 30  # stratified 32
    with pytest.raises(ValueError, match="probe_size="):
        resnet_task(probe_size=0)
    with pytest.raises(ValueError, match="stages="):
        resnet_task(stages=[])
    with pytest.raises(ValueError, match="relu_cap="):
        resnet_task(relu_cap=-1)


def test_preactivation_record_is_the_max_abs_input_of_each_activation():
    from actlab.trials import Split

    model = build_resnet("all", stages=(4, 8), relu_weight=0.25)
    x = np.random.default_rng(0).uniform(size=(20, 28, 28, 1)).astype("float32")
    y = np.zeros(20, "int64")
    record = preactivation_record(model, Split(x, y, x, y, x, y), probe_size=16)
    names = activation_names((4, 8))
    assert list(record["preact_max"]) == names
    probe = keras.Model(model.inputs[0], [model.get_layer(n).input for n in names])
    expected = [float(np.max(np.abs(keras.ops.convert_to_numpy(o)))) for o in probe(x[:16])]
    np.testing.assert_allclose(list(record["preact_max"].values()), expected, rtol=1e-6)
    assert record["final_d"] == pytest.approx(0.25) and record["probe_size"] == 16
    relu = build_resnet("none", stages=(4, 8))
    assert preactivation_record(relu, Split(x, y, x, y, x, y))["final_d"] is None


def test_schedule_callbacks_are_new_blend_schedules():
    first, second = schedule_callbacks(3, "cosine", 2, True), schedule_callbacks(3, "cosine", 2)
    (schedule,) = first
    assert isinstance(schedule, BlendSchedule) and schedule is not second[0]
    assert (schedule.total_epochs, schedule.schedule, schedule.hold_epochs) == (3, "cosine", 2)
    assert schedule.per_batch and not second[0].per_batch and schedule.epochs == 5
