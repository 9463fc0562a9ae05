"""actlab.checkup's `backends` check: a disagreement between TensorFlow and JAX
is a failure that names the input and both values."""

from __future__ import annotations

from pathlib import Path

import pytest
from keras import ops

from actlab.checkup import check_activation, compare_backends

pytestmark = pytest.mark.backend_independent(
    reason=(
        "starts one child process per backend itself; running it in both passes would repeat it"
    ),
    in_pass="jax",  # the shorter pass of `make test`
)


def max_relu(x):
    """ReLU as maximum(x, 0): at x = 0 TensorFlow sends the tie's gradient to x (1), JAX splits
    it (0.5)."""
    return ops.maximum(x, 0.0)


def refuses_jax_tracing(x):
    """Fine eagerly; raises inside a JAX transformation (JAX then notes that it removed its
    internal frames, after the exception)."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        if isinstance(x, jax.core.Tracer):
            raise ValueError("this activation reads a concrete value")
    return ops.relu(x)


@pytest.fixture
def importable_here(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))


def test_backends_agree_on_a_collection_function():
    result = compare_backends("actlab.activations:safe_elu")
    assert result.status == "pass", result.detail
    assert result.evidence["max_gradient_excess_jax"] <= 1


def test_a_tie_split_differently_fails_naming_the_kink(importable_here):
    result = compare_backends("test_checkup_backends:max_relu")
    assert result.status == "fail"
    assert 0.0 in result.evidence["gradient_disagrees_at_jax"]
    assert result.evidence["value_disagrees_at_jax"] == []
    worst = result.evidence["worst"]
    # the worst point is x = 0 or a subnormal x that XLA on CPU flushes to 0 under JAX
    assert worst["what"] == "gradient" and abs(worst["x"]) < 1e-37
    assert abs(worst["tensorflow"] - worst["other_value"]) == 0.5
    assert f"x = {worst['x']:.6g}" in result.detail and "jax gives 0.5" in result.detail


def test_backends_check_joins_the_report(importable_here):
    report = check_activation(
        "test_checkup_backends:max_relu",
        train=False,
        timing=False,
        dtypes=("float32",),
        backends=("tensorflow", "jax"),
    )
    assert [c.name for c in report.checks][-1] == "backends"
    assert not report.ok and report.names("fail") == ["backends"]


def test_backends_need_an_import_path():
    with pytest.raises(ValueError, match="import path"):
        compare_backends(max_relu)
    with pytest.raises(ValueError, match="backends="):
        compare_backends("gelu", backends=("torch",))


def test_a_failure_on_one_backend_reports_the_real_exception(importable_here):
    result = compare_backends("test_checkup_backends:refuses_jax_tracing", backends=("jax",))
    assert result.status == "fail"
    assert "jax: ValueError: this activation reads a concrete value" in result.detail
    assert "JAX has removed its internal frames" not in result.detail
