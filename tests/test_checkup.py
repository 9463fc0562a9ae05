"""actlab.checkup: each broken activation is caught by the check named for it (and no other that
would mislead), the collection's activations pass, and the command's exit codes hold."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from actlab import checkup
from actlab.activations import naive_elu, safe_elu
from actlab.checkup import CHECKS, assert_healthy, check_activation

# serializes reloads in this process: a fresh process per target costs seconds (its own tests
# are in test_checkup_saving.py)
FAST = {"train": False, "timing": False, "fresh_process": False}


def _failed(report) -> set[str]:
    return set(report.names("fail"))


# --------------------------------------------------------------------------- broken activations


def overflowing_softplus(x):
    """log(1 + exp(x)): inf above ln(FLT_MAX) = 88.72 (and above 11.09 in float16)."""
    return ops.log(1.0 + ops.exp(x))


def where_trap_elu(x):
    """Finite forward pass, NaN gradient above 88.72: the `where` trap of notebook 03."""
    return ops.where(x > 0, x, ops.exp(x) - 1.0)


@ops.custom_gradient
def wrong_gradient_tanh(x):
    y = ops.tanh(x)

    def grad(*args, upstream=None):
        dy = args[0] if args else upstream
        return dy * 2.0 * (1.0 - y * y)  # twice the derivative

    return y, grad


def staircase(x):
    """sign(x): changes by 2 on [-6, 6], its gradient is 0 everywhere."""
    return ops.sign(x)


@tf.custom_gradient
def numpy_tanh(x):
    """Correct values and gradient, but the forward pass leaves the graph through NumPy."""
    y = tf.constant(np.tanh(x.numpy()))

    def grad(dy):
        return dy * (1.0 - y * y)

    return y, grad


blend_weight = 0.25  # a module global the next function reads at trace time


def global_blend(x):
    return blend_weight * x + (1.0 - blend_weight) * ops.relu(x)


class EpochBlend(keras.layers.Layer):
    """Notebook 01's seed: a Python attribute (not a variable, not in the config) set by a callback."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.diff = 0.25

    def call(self, x):
        return self.diff * x + (1.0 - self.diff) * ops.relu(x)


def half_overflow_silu(x):
    """x·(e/(1 + e)) with e = exp(min(x, 40)): fine in float32 and bfloat16, but in float16 exp
    overflows above 11.09 and inf/inf = NaN although the result (≈ x) fits."""
    e = ops.exp(ops.minimum(x, 40.0))
    return x * (e / (1.0 + e))


@pytest.mark.parametrize(
    "fn, expected",
    [
        (overflowing_softplus, {"forward_finite", "float16"}),  # float16 overflows too, earlier
        (where_trap_elu, {"gradient_finite", "float16"}),
        (wrong_gradient_tanh, {"gradient_correct"}),
        (staircase, {"gradient_alive"}),
        pytest.param(
            numpy_tanh,
            {"compiles"},
            marks=pytest.mark.tensorflow_only(
                reason=("numpy_tanh leaves the graph through a TensorFlow tensor's .numpy()")
            ),
        ),
        (global_blend, {"traced_state"}),
        (EpochBlend, {"traced_state"}),
        (half_overflow_silu, {"float16"}),
        (keras.layers.Lambda(lambda x: ops.relu(x)), {"serializes"}),
    ],
    ids=lambda v: (
        getattr(v, "__name__", None)
        if callable(v) and not isinstance(v, keras.layers.Layer)
        else None
    ),
)
def test_each_broken_activation_is_caught_by_its_check(fn, expected):
    report = check_activation(fn, **FAST)
    assert _failed(report) == expected, report.format()
    assert not report.ok


def test_details_name_the_inputs_and_values():
    report = check_activation(where_trap_elu, **FAST)
    detail = report["gradient_finite"].detail
    assert "88.72" in detail and "nan" in detail, detail
    wrong = check_activation(wrong_gradient_tanh, **FAST)["gradient_correct"]
    assert "x = " in wrong.detail and f"{wrong.evidence['worst_autodiff']:.6g}" in wrong.detail
    assert wrong.evidence["worst_autodiff"] == pytest.approx(
        2 * wrong.evidence["worst_finite_difference"], rel=1e-3
    )


@pytest.mark.tensorflow_only(
    reason="numpy_tanh leaves the graph through a TensorFlow tensor's .numpy()"
)
def test_numpy_inside_skips_what_needs_compiling():
    report = check_activation(numpy_tanh, **FAST)
    assert report["traced_state"].status == "skip"
    assert "Does not compile under XLA" in report["compiles"].detail


def test_traced_state_passes_when_the_value_is_a_variable():
    from actlab.layers import PolyReLUBlend

    report = check_activation(PolyReLUBlend(relu_weight=0.5), **FAST)
    assert report["traced_state"].status == "pass"


# --------------------------------------------------------------------------- the collection


@pytest.mark.parametrize(
    "target",
    [
        "relu",
        "gelu",
        "silu",
        "softplus",
        "elu",
        "actlab.activations:safe_elu",
        "actlab.activations:elu_double_where",
        "actlab.activations:elu_custom_gradient",
        "actlab.layers:Truncation",
        "actlab.layers:SoftExponential",
        "actlab.layers:ComplexSoftExponential",
        "actlab.layers:CReLU",
    ],
)
def test_healthy_activations_pass(target):
    assert_healthy(target, **FAST)


@pytest.mark.parametrize("target", ["actlab.layers:PolyReLUBlend", "actlab.layers:Antirectifier"])
def test_collection_layers_in_float16(target):
    assert_healthy(target, **FAST)


@pytest.mark.parametrize("target", ["actlab.layers:PolyReLUBlend", "actlab.layers:Antirectifier"])
def test_collection_layers_pass_without_float16(target):
    assert_healthy(target, dtypes=("float32", "bfloat16"), **FAST)


def test_naive_elu_fails_gradient_finite_and_warns_on_raw_pixels():
    report = check_activation(
        naive_elu,
        train=True,
        timing=True,
        n_train=300,
        cost_log2_size=16,
        cost_repeats=3,
        fresh_process=False,
    )
    assert report["gradient_finite"].status == "fail"
    assert report["training"].status in ("warn", "fail")
    runs = report["training"].evidence["runs"]
    assert runs["raw"]["nonfinite"] and runs["raw"]["step"] == 0
    if keras.backend.backend() == "tensorflow":
        assert report["cost"].status in ("pass", "warn")  # a measurement: never judged in a test
        assert report["cost"].evidence["ns_per_element"] > 0
    else:  # actlab.bench times TensorFlow only: skipped, saying so
        assert report["cost"].status == "skip" and "TensorFlow" in report["cost"].detail


def test_straight_through_is_a_surrogate_gradient():
    target = "actlab.layers:Truncation(gradient='straight_through')"
    assert check_activation(target, **FAST)["gradient_correct"].status == "fail"
    allowed = check_activation(target, allow_surrogate_gradient=True, **FAST)
    assert allowed["gradient_correct"].status == "warn" and allowed.ok


def test_kinks_are_reported_with_the_autodiff_value():
    kinks = check_activation("relu", **FAST)["kinks"]
    assert kinks.status == "pass"
    assert [(k["x"], k["left"], k["autodiff"]) for k in kinks.evidence["kinks"]] == [
        (0.0, 0.0, 0.0)
    ]


# --------------------------------------------------------------------------- report and targets


def test_report_to_dict_is_json_and_ordered():
    report = check_activation(safe_elu, dtypes=("float32",), **FAST)
    record = json.loads(json.dumps(report.to_dict()))
    assert record["target"] == "actlab.activations.elu:safe_elu" and record["ok"] is True
    assert [c["name"] for c in record["checks"]] == list(CHECKS)
    assert {c["status"] for c in record["checks"]} <= set(checkup.STATUSES)
    statuses = {c["name"]: c["status"] for c in record["checks"]}
    assert statuses["float16"] == "skip"  # not requested
    assert record["backend"] == keras.backend.backend()


@pytest.mark.parametrize(
    "target",
    [
        "no_such_module_xyz:f",
        "actlab.activations:no_such_fn",
        42,
        "not_an_activation_name",
        "actlab.activations:EXP_OVERFLOW_FLOAT32",
        "actlab.activations:check_coefficients",
    ],
)
def test_bad_targets_raise_value_error_naming_them(target):
    with pytest.raises(ValueError, match=str(target).split(":")[0][:12]):
        check_activation(target, **FAST)


def test_assert_healthy_lists_failed_checks():
    with pytest.raises(AssertionError, match="gradient_finite"):
        assert_healthy(naive_elu, **FAST)


def test_command_exit_codes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the backends' own messages go to ./checkup.log
    out = tmp_path / "report.json"
    assert (
        checkup.main(
            ["actlab.activations:safe_elu", "--no-train", "--no-timing", "--json", str(out)]
            + ["--no-fresh-process"]
        )
        == 0
    )
    assert json.loads(out.read_text())["ok"] is True
    fast = ["--no-train", "--no-timing", "--no-fresh-process"]
    assert checkup.main(["actlab.activations:naive_elu", *fast]) == 1
    text = capsys.readouterr().out
    assert "FAIL  gradient_finite" in text and "FAIL: actlab.activations:naive_elu" in text
    surrogate = "actlab.layers:Truncation(gradient='straight_through')"
    assert checkup.main([surrogate, *fast, "--allow-surrogate-gradient"]) == 0
    assert (tmp_path / "checkup.log").is_file()  # in the current directory, nowhere else
    log = tmp_path / "logs" / "mine.log"
    assert checkup.main(["relu", "--no-train", "--no-timing", "--log", str(log)]) == 0
    assert log.is_file() and "mine.log" in capsys.readouterr().out


def test_command_unimportable_target_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "actlab.checkup",
            "no_such_module_xyz:act",
            "--no-train",
            "--no-timing",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Cannot import target 'no_such_module_xyz:act'" in proc.stderr


def test_training_check_runs_functions_that_change_the_shape():
    """crelu doubles the features: it cannot be Dense's own activation, so it gets its own layer."""
    report = check_activation(
        "actlab.activations:crelu",
        train=True,
        timing=False,
        n_train=200,
        dtypes=("float32",),
        fresh_process=False,
    )
    assert report["training"].status == "pass", report["training"].detail


def test_a_layer_built_for_another_width_is_checked_from_its_config():
    from actlab.layers import SoftExponential

    layer = SoftExponential()
    layer.build((None, 16))
    report = check_activation(layer, dtypes=("float32",), **FAST)
    assert report.ok, report.format()


# --------------------------------------------------------------------------- the command, fast


MYACTS = """
from keras import ops


def mish(x):
    return x * ops.tanh(ops.softplus(x))
"""


@pytest.mark.backend_independent(reason="the command's argument handling, before any backend")
@pytest.mark.parametrize(
    "target, words",
    [
        ("myacts:mishh", "module 'myacts' has no attribute 'mishh'. Did you mean 'myacts:mish'?"),
        ("myacts.mish", "did you mean 'myacts:mish'?"),
        ("no_such_module_xyz:act", "No module named 'no_such_module_xyz'"),
        ("gelux", "Target 'gelux' is neither a Keras activation name nor an import path "),
        ("gelux", "Did you mean 'gelu'?"),
    ],
)
def test_a_typo_exits_2_before_keras_loads(tmp_path, target, words):
    (tmp_path / "myacts.py").write_text(MYACTS)
    code = (
        "import sys\nfrom actlab.checkup.cli import main\n"
        f"status = main([{target!r}, '--log', 'checkup.log'])\n"
        "print(status, 'keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert proc.stdout.split() == ["2", "False", "False"], proc.stdout + proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
