"""actlab.checkup's `traced_state` by experiment: every Python number the call reads (int or
float; a layer attribute in the config or not; a module global of any case; a closure variable;
a default argument) is changed after compiling, and compiled and eager outputs compared."""

from __future__ import annotations

import keras
from keras import ops

from actlab.checkup import check_activation

FAST = {"train": False, "timing": False, "dtypes": ("float32",), "fresh_process": False}

TOTAL_EPOCHS = 4  # notebook 01's trap: a schedule in upper-case module globals (ints)
CURRENT_EPOCH = 0


def epoch_blend(x):
    d = 1.0 - CURRENT_EPOCH / TOTAL_EPOCHS
    return d * ops.relu(x) + (1.0 - d) * x * x


def test_upper_case_int_globals_are_looked_at_and_warned_about():
    result = check_activation(epoch_blend, **FAST)["traced_state"]
    assert result.status == "warn", result.detail
    assert "test_checkup_state.CURRENT_EPOCH (an UPPER_CASE module global)" in result.detail
    assert "make it a variable" in result.detail
    changed = {v["value"]: v for v in result.evidence["values"]}
    assert changed["test_checkup_state.CURRENT_EPOCH"]["set_to"] == 1  # an int moves by 1


class ConfigBlend(keras.layers.Layer):
    """relu_weight in get_config, changed by a callback after compiling."""

    def __init__(self, relu_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.relu_weight = relu_weight

    def call(self, x):
        return self.relu_weight * ops.relu(x) + (1.0 - self.relu_weight) * x

    def get_config(self):
        return {**super().get_config(), "relu_weight": self.relu_weight}


def test_a_config_attribute_a_callback_may_change_warns():
    result = check_activation(ConfigBlend(relu_weight=0.7), **FAST)["traced_state"]
    assert result.status == "warn", result.detail
    assert "ConfigBlend.relu_weight (a layer attribute in get_config)" in result.detail


def test_keras_leaky_relu_gets_the_warning_never_a_failure():
    report = check_activation(keras.layers.LeakyReLU(negative_slope=0.3), **FAST)
    assert report["traced_state"].status == "warn", report["traced_state"].detail
    assert "LeakyReLU.negative_slope" in report["traced_state"].detail
    assert report.ok, report.format()


class EpochCounter(keras.layers.Layer):
    """An int attribute outside the config, set by a callback: frozen, a failure."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epoch = 0

    def call(self, x):
        return x * ops.sigmoid(x * (1.0 + self.epoch))


def test_an_int_attribute_outside_the_config_fails():
    result = check_activation(EpochCounter(), **FAST)["traced_state"]
    assert result.status == "fail", result.detail
    assert "EpochCounter.epoch (a layer attribute outside get_config)" in result.detail


def _scheduled():
    d = 1.0

    def act(x):
        return d * ops.relu(x) + (1.0 - d) * ops.tanh(x)

    def set_d(value):
        nonlocal d
        d = value

    return act, set_d


scheduled, set_scheduled_d = _scheduled()


def _swish_with(beta):
    def swish(x):
        return x * ops.sigmoid(beta * x)

    return swish


fixed_swish = _swish_with(1.5)


def leaky(x, slope=0.1):
    return ops.maximum(x, slope * x)


def test_a_closure_variable_another_function_rebinds_fails():
    result = check_activation(scheduled, **FAST)["traced_state"]
    assert result.status == "fail", result.detail
    assert "closure variable d of _scheduled.<locals>.act" in result.detail
    assert "another function rebinds it: nonlocal" in result.detail


def test_closure_constants_and_default_arguments_are_looked_at():
    for fn, name in ((fixed_swish, "closure variable beta"), (leaky, "default argument slope")):
        result = check_activation(fn, **FAST)["traced_state"]
        assert result.status == "pass", result.detail
        (value,) = result.evidence["values"]
        assert value["value"].startswith(name) and value["frozen"]
        assert "frozen at trace time as fixed by the definition" in result.detail
