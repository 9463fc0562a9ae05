"""The checkup's messages are exact: the `compiles` detail keeps the compiler's cause (in the
JSON too), a half-precision overflow is reported where it starts, and an overflow on the
negative side is said to be there, with the clamp on the exponent that overflows."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import ops

from actlab.checkup import check_activation
from actlab.checkup.probe import first_line

FAST = {"train": False, "timing": False, "fresh_process": False}


def numpy_tanh(x):
    """Correct eagerly; leaves the graph through NumPy, so it cannot compile."""
    return ops.convert_to_tensor(np.tanh(np.asarray(x)))


def softabs(x):
    """sqrt(x·x + 1): x·x overflows float16 from |x| = 256, the result fits up to 65504."""
    return ops.sqrt(x * x + 1.0)


def squareplus(x):
    """(x + sqrt(x² + 4)) / 2, with ops.square: the same overflow as x · x in float16."""
    return (x + ops.sqrt(ops.square(x) + 4.0)) / 2.0


def naive_silu(x):
    """x / (1 + exp(-x)): exp(-x) overflows for x below -88.72 (the negative side)."""
    return x / (1.0 + ops.exp(-x))


@pytest.mark.backend_independent(reason="formatting an exception, no backend involved")
def test_an_autograph_error_is_shown_by_its_cause_and_the_users_line():
    exc = NotImplementedError(
        "in user code:\n\n"
        '    File "/home/me/myacts.py", line 7, in numpy_tanh  *\n'
        "        return ops.convert_to_tensor(np.tanh(np.asarray(x)))\n\n"
        "    NotImplementedError: Cannot convert a symbolic tf.Tensor (x:0) to a numpy array.\n"
    )
    assert first_line(exc) == (
        "Cannot convert a symbolic tf.Tensor (x:0) to a numpy array. (in numpy_tanh, "
        "myacts.py line 7: return ops.convert_to_tensor(np.tanh(np.asarray(x))))"
    )
    assert first_line(ValueError("one\ntwo")) == "one"


def test_the_compiles_detail_keeps_the_cause():
    """On TensorFlow the compiler's error comes wrapped by autograph ("in user code:"); on JAX
    the function cannot even be differentiated (NumPy on a tracer): the first check fails,
    the others are skipped, and the cause is kept either way, in the JSON too."""
    report = check_activation(numpy_tanh, dtypes=("float32",), **FAST)
    name = "compiles" if keras.backend.backend() == "tensorflow" else "forward_finite"
    result = report[name]
    assert result.status == "fail", report.format()
    assert not result.detail.rstrip().endswith("in user code:"), result.detail
    error = json.loads(json.dumps(result.to_dict()))["evidence"]["error"]
    assert error in result.detail and "in user code" not in error
    if keras.backend.backend() == "tensorflow":
        assert "Cannot convert a symbolic tf.Tensor" in error, error
        assert "in numpy_tanh, test_checkup_messages.py line" in error, error
    else:
        assert "TracerArrayConversionError" in error, error
        assert report["compiles"].status == "skip"


def test_a_float16_overflow_is_reported_where_it_starts():
    result = check_activation(softabs, dtypes=("float32", "float16"), **FAST)["float16"]
    assert result.status == "fail", result.detail
    assert abs(result.evidence["onset_x"]) == 256.0  # not the probe at 500
    assert result.evidence["smallest_abs_x"] == 500.0
    assert "the output is inf from x = -256 outwards" in result.detail
    assert "(bisected between the probes -200 and -500)" in result.detail
    assert "`x * x` overflows above |x| = 256 in float16" in result.detail
    result = check_activation(squareplus, dtypes=("float32", "float16"), **FAST)["float16"]
    assert abs(result.evidence["onset_x"]) == 256.0, result.detail
    assert "`square(x)` overflows above |x| = 256 in float16" in result.detail


def test_an_overflow_on_the_negative_side_is_clamped_on_minus_x():
    report = check_activation(naive_silu, dtypes=("float32",), **FAST)
    result = report["gradient_finite"]
    assert result.status == "fail"
    assert "exp(-x) overflows (inf)" in result.detail
    assert "exp(minimum(-x, 80))" in result.detail and "minimum(x," not in result.detail


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the training check names the layer's pre-activations on TensorFlow only",
)
def test_the_training_warning_speaks_of_the_side_that_overflows():
    report = check_activation(
        naive_silu, train=True, timing=False, fresh_process=False, dtypes=("float32",)
    )
    result = report["training"]
    assert result.status == "warn", result.detail
    assert "above ln(FLT_MAX)" not in result.detail
    assert "the activation's gradient is not finite in float32 for x ≤ -88.7" in result.detail
    assert "exp(minimum(-x, 80))" in result.detail
