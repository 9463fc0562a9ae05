"""`serializes` on a user's function that Keras saves by its bare name and reloads as its own
built-in: a twin that computes the same values (squareplus with b = 4) warns and says to
register it; one that computes other values (ActTensor's hard sigmoid) still fails."""

from __future__ import annotations

import sys

import pytest

from actlab.checkup.modules import check_module

TWINS = '''
from keras import ops


def squareplus(x):
    """Squareplus with b = 4, Keras's default: the same values as keras' squareplus."""
    return (x + ops.sqrt(ops.square(x) + 4.0)) / 2.0


def hard_sigmoid(x):
    """ActTensor's hard sigmoid, clip(0.2 x + 0.5, 0, 1); Keras 3's is relu6(x + 3) / 6."""
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)
'''


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """Both checked in one fresh process that imports only their module."""
    folder = tmp_path_factory.mktemp("twins")
    (folder / "user_twins.py").write_text(TWINS)
    sys.path.insert(0, str(folder))
    try:
        report = check_module(
            "user_twins", train=False, timing=False, dtypes=("float32",), fresh_process=True
        )
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("user_twins", None)
    return {report.name_of(r): r["serializes"] for r in report.reports}


def test_a_twin_of_a_keras_builtin_warns_and_says_to_register_it(twins):
    result = twins["squareplus"]
    assert result.status == "warn", result.detail
    assert "in a fresh process that imports only user_twins" in result.detail
    assert "as keras.src.activations.activations:squareplus, not user_twins:squareplus" in (
        result.detail
    )
    assert "gives the same outputs on the probes" in result.detail
    assert "register_keras_serializable" in result.detail
    assert result.evidence["max_abs_difference"] == 0.0


def test_a_namesake_with_other_values_still_fails(twins):
    result = twins["hard_sigmoid"]
    assert result.status == "fail", result.detail
    assert "as keras.src.activations.activations:hard_sigmoid, not user_twins:hard_sigmoid" in (
        result.detail
    )
    assert "its outputs differ by up to 0.0" in result.detail  # 1/12 at most, at x = ±2.5
    assert 0.05 < result.evidence["max_abs_difference"] <= 1 / 12 + 1e-6
