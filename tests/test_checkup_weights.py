"""actlab.checkup's `weight_gradients`: the gradient with respect to each trainable weight of a
layer is there, finite, not identically zero, and agrees with float64 finite differences."""

from __future__ import annotations

import keras
import pytest
from keras import ops

from actlab.checkup import check_activation


def _weight_check(target):
    from actlab.checkup.context import Context
    from actlab.checkup.targets import prepare
    from actlab.checkup.weights import weight_gradients

    return weight_gradients(Context(prepare(target), False, 0))


class FrozenBetaSwish(keras.layers.Layer):
    """x·sigmoid(β x) with a trainable β behind stop_gradient: it never learns."""

    def build(self, input_shape):
        self.beta = self.add_weight(name="beta", shape=(), initializer="ones")

    def call(self, x):
        return x * ops.sigmoid(ops.stop_gradient(self.beta) * x)


class HalfGradientScale(keras.layers.Layer):
    """a·x, but a reaches the output half through stop_gradient: its gradient is half the true
    one."""

    def build(self, input_shape):
        self.a = self.add_weight(name="a", shape=(), initializer="ones")

    def call(self, x):
        a = 0.5 * self.a + ops.stop_gradient(0.5 * self.a)
        return a * x


def test_a_weight_behind_stop_gradient_fails():
    report = check_activation(
        FrozenBetaSwish(), train=False, timing=False, dtypes=("float32",), fresh_process=False
    )
    result = report["weight_gradients"]
    assert result.status == "fail", result.detail
    assert "`beta`" in result.detail
    (row,) = result.evidence["weights"]
    assert row["no_gradient"] or row["all_zero"]  # TensorFlow: None; JAX: zeros
    assert report.names("fail") == ["weight_gradients"], report.format()


def test_a_wrong_weight_gradient_disagrees_with_finite_differences():
    result = _weight_check(HalfGradientScale())
    assert result.status == "fail", result.detail
    m = result.evidence["weights"][0]["mismatch"]
    assert m["autodiff"] == pytest.approx(0.5 * m["finite_difference"], rel=1e-3)


@pytest.mark.parametrize(
    "target",
    [
        "actlab.layers:SoftExponential",
        "actlab.layers:ComplexSoftExponential",
        "actlab.layers:Rational",
        "actlab.layers:Truncation(trainable_threshold=True)",
        "actlab.layers:PolyReLUBlend",
        "actlab.layers:Antirectifier",
        "actlab.layers:CReLU",
        "actlab.layers:Truncation",
    ],
)
def test_every_layer_of_the_collection_passes(target):
    result = _weight_check(target)
    assert result.status in ("pass", "skip"), result.detail
    if result.status == "pass":
        assert "match float64 finite differences" in result.detail
