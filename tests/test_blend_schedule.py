"""`BlendSchedule`, `EpochVariable`, `PreActivationMonitor`: d reaches compiled (XLA) train,
test and predict functions every epoch, History records it, MirroredStrategy works."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

from actlab import wording
from actlab.activations import DELPHI_COEFFICIENTS
from actlab.callbacks import (
    BlendSchedule,
    EpochVariable,
    PreActivationMonitor,
    find_layers,
    schedule_value,
)
from actlab.collection.session import REPO_ROOT, xla_allowed
from actlab.layers import PolyReLUBlend

N = 16
X = np.linspace(-5, 5, N, dtype="float32")[None].repeat(4, axis=0)  # 4 identical rows
Y = np.maximum(X, 0)


def numpy_poly(x):
    return sum(c * np.asarray(x, "float64") ** k for k, c in enumerate(DELPHI_COEFFICIENTS))


GAP = float(np.mean((numpy_poly(X) - Y) ** 2))  # MSE of the pure polynomial against ReLU


def expected_mse(d):
    """MSE of the blend against ReLU: (1 - d)^2 * mean((poly - relu)^2)."""
    return (1 - d) ** 2 * GAP


def blend_model(name="blend"):
    inputs = keras.Input((N,))
    return keras.Model(inputs, PolyReLUBlend(name=name)(inputs))


def fit(model, callbacks, epochs, batch_size=4, **kwargs):
    with warnings.catch_warnings():  # these test models have nothing to train on purpose
        warnings.filterwarnings("ignore", message="The model does not have any trainable weights")
        return model.fit(
            X, Y, batch_size=batch_size, epochs=epochs, callbacks=callbacks, verbose=0, **kwargs
        )


class Recorder(keras.callbacks.Callback):
    """Runs the compiled predict function at each epoch end and records the layer's d."""

    def __init__(self):
        super().__init__()
        self.predictions, self.d, self.batch_d = [], [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.batch_d.append(self.model.get_layer("blend").get_relu_weight())

    def on_epoch_end(self, epoch, logs=None):
        self.predictions.append(np.asarray(self.model.predict(X, batch_size=4, verbose=0)))
        self.d.append(self.model.get_layer("blend").get_relu_weight())


class CountingBlend(PolyReLUBlend):
    """Counts Python executions of `call`: they happen only when a function is (re)traced."""

    traces = 0

    def call(self, inputs):
        CountingBlend.traces += 1
        return super().call(inputs)


class FrozenBlend(keras.layers.Layer):
    """The user's failing approach: d as a Python float attribute, read when traced."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d = 1.0

    def call(self, inputs):
        poly = sum(c * inputs**k for k, c in enumerate(DELPHI_COEFFICIENTS))
        return (1 - self.d) * poly + self.d * keras.ops.relu(inputs)


class SetPythonFloat(keras.callbacks.Callback):
    def __init__(self, layer, total):
        super().__init__()
        self.layer, self.total = layer, total

    def on_epoch_begin(self, epoch, logs=None):
        self.layer.d = max(self.total - epoch, 0) / self.total


# --------------------------------------------------------------------------- schedules


def test_linear_is_the_users_formula_and_holds_at_zero():
    total = 5
    for epoch in range(total):
        assert schedule_value("linear", epoch, total) == (total - epoch) / total
    assert schedule_value("linear", total - 1, total) == 1 / total  # never 0 within the blend
    assert [
        schedule_value(s, total + k, total) for s in ("linear", "cosine", "step") for k in (0, 3)
    ] == [0.0] * 6


def test_cosine_and_step_values():
    assert schedule_value("cosine", 0, 4) == 1.0
    assert schedule_value("cosine", 2, 4) == pytest.approx(0.5)
    assert schedule_value("cosine", 1, 4) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert [schedule_value("step", e, 3) for e in range(5)] == [1, 1, 1, 0, 0]
    assert schedule_value(lambda t, total: 1 - t / (2 * total), 2, 4) == 0.75


def test_schedule_callable_out_of_range_raises():
    with pytest.raises(ValueError, match="schedule="):
        schedule_value(lambda t, total: 1.5, 0, 3)


# --------------------------------------------------------------------------- in model.fit


@pytest.fixture(autouse=True)
def _xla_even_after_determinism():
    """These tests need `jit_compile=True` to take effect. An earlier test in the same process
    may have turned on op determinism (`runtime.seed_everything`), under which Keras silently
    compiles without XLA: lift it for each test (restored afterwards)."""
    with xla_allowed():
        yield


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_d_reaches_xla_compiled_train_test_and_predict_functions(schedule):
    CountingBlend.traces = 0
    inputs = keras.Input((N,))
    model = keras.Model(inputs, CountingBlend(name="blend")(inputs))
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    blend_schedule = BlendSchedule(4, schedule, hold_epochs=2)
    recorder = Recorder()
    traces_after_first_epoch = []

    class TraceProbe(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            traces_after_first_epoch.append(CountingBlend.traces)

    history = fit(
        model,
        [blend_schedule, recorder, TraceProbe()],
        blend_schedule.epochs,
        validation_data=(X, Y),
    )
    assert model.jit_compile is True
    d = [schedule_value(schedule, e, 4) for e in range(6)]
    assert history.history["relu_weight"] == pytest.approx(d)  # History has d
    assert recorder.d == pytest.approx(d)
    assert len(set(d)) >= 2
    np.testing.assert_allclose(
        history.history["loss"], [expected_mse(v) for v in d], rtol=1e-5, atol=1e-7
    )  # train function
    np.testing.assert_allclose(
        history.history["val_loss"], [expected_mse(v) for v in d], rtol=1e-5, atol=1e-7
    )  # test function
    for value, prediction in zip(d, recorder.predictions, strict=True):  # predict function
        expected = (1 - value) * numpy_poly(X) + value * Y
        np.testing.assert_allclose(prediction, expected, rtol=1e-5, atol=1e-6)
    # nothing was retraced after the first epoch, although d changed: the compiled functions
    # read the variable at run time
    assert len(set(traces_after_first_epoch)) == 1


def test_python_float_is_frozen_at_trace_time():
    """Negative control: the same schedule through a Python float does not reach the graph."""
    inputs = keras.Input((N,))
    layer = FrozenBlend(name="blend")
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    assert model.jit_compile is True  # XLA really used (see the fixture above)
    history = fit(model, [SetPythonFloat(layer, 4)], 5)
    assert layer.d == 0.0  # the attribute did change ...
    np.testing.assert_allclose(history.history["loss"], [0.0] * 5, atol=1e-7)  # ... the graph not


def test_per_batch_updates_reach_the_compiled_train_function():
    model = blend_model()
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    blend_schedule = BlendSchedule(2, "linear", hold_epochs=1, per_batch=True)
    recorder = Recorder()
    assert model.jit_compile is True  # XLA really used (see the fixture above)
    history = fit(model, [blend_schedule, recorder], blend_schedule.epochs, batch_size=1)
    t = [e + b / 4 for e in range(3) for b in range(4)]  # 4 steps per epoch
    batch_d = [max(2 - v, 0) / 2 for v in t]
    assert recorder.batch_d == pytest.approx(batch_d)
    per_epoch = np.array([expected_mse(v) for v in batch_d]).reshape(3, 4).mean(axis=1)
    np.testing.assert_allclose(history.history["loss"], per_epoch, rtol=1e-5, atol=1e-7)
    assert history.history["relu_weight"] == pytest.approx([batch_d[3], batch_d[7], batch_d[11]])


def test_layers_subset_and_staggered_schedules():
    inputs = keras.Input((N,))
    a = PolyReLUBlend(name="a")(inputs)
    b = PolyReLUBlend(name="b")(inputs)
    c = PolyReLUBlend(name="c", relu_weight=0.5)(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate()([a, b, c]))
    model.compile(optimizer="sgd", loss="mse")
    first = BlendSchedule(2, "linear", layers=["a"], log_key="d_a")
    second = BlendSchedule(4, "step", layers=[model.get_layer("b")], log_key="d_b")
    history = model.fit(
        X,
        np.concatenate([Y] * 3, axis=1),
        batch_size=4,
        epochs=5,
        callbacks=[first, second],
        verbose=0,
    )
    assert history.history["d_a"] == [1.0, 0.5, 0.0, 0.0, 0.0]
    assert history.history["d_b"] == [1.0, 1.0, 1.0, 1.0, 0.0]
    assert model.get_layer("c").get_relu_weight() == 0.5  # not driven
    assert [layer.name for layer in find_layers(model)] == ["a", "b", "c"]


def test_save_load_after_fit_keeps_d(tmp_path):
    model = blend_model()
    model.compile(optimizer="sgd", loss="mse")
    fit(model, [BlendSchedule(4, "linear", hold_epochs=0)], 4)
    assert model.get_layer("blend").get_relu_weight() == 0.25  # the user's last epoch: 1/T ReLU
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.get_layer("blend").get_relu_weight() == 0.25
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


@pytest.mark.tensorflow_only(reason="checks TensorFlow op determinism around the XLA demo")
def test_epoch_variable_answer_demo_under_xla():
    """The known answer: an activation returning the epoch; MSE to 2 goes 4, 1, 0, 1, 4, 9."""
    from tensorflow.python.framework import config as tf_config

    from actlab.collection.experiments.blend import run_epoch_demo

    # notebooks turn op determinism on (runtime.seed_everything), which makes Keras drop XLA;
    # the demo must still run under XLA, and leave determinism as it found it
    tf_config.enable_op_determinism()
    try:
        result = run_epoch_demo(epochs=6, target=2.0, jit_compile=True)
        assert tf_config.is_op_determinism_enabled()
    finally:
        tf_config.disable_op_determinism()
    assert result["jit_compile"] is True
    np.testing.assert_allclose(result["loss"], [4, 1, 0, 1, 4, 9])
    assert result["expected"] == [4, 1, 0, 1, 4, 9]


def test_blend_demo_matches_expected_losses():
    from actlab.collection.experiments.blend import run_blend_demo

    result = run_blend_demo(total_epochs=3, hold_epochs=1, schedule="linear", jit_compile=True)
    assert result["jit_compile"] is True
    assert result["d"] == pytest.approx([1, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(result["loss"], result["expected"], rtol=1e-5)
    assert result["loss"][-1] > result["loss"][1] > 0


def test_preactivation_monitor_records_max_abs_input():
    inputs = keras.Input((N,))
    scaled = keras.layers.Dense(N, use_bias=False, kernel_initializer="identity", name="d")(inputs)
    model = keras.Model(inputs, PolyReLUBlend(name="blend")(scaled))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    probe = X[:1] * np.linspace(0.5, 1.5, N, dtype="float32")
    monitor = PreActivationMonitor(probe)
    model.fit(X, Y, batch_size=4, epochs=2, callbacks=[monitor], verbose=0)
    assert monitor.history == {"blend": pytest.approx([np.abs(probe).max()] * 2)}


def test_preactivation_monitor_bad_arguments():
    with pytest.raises(ValueError, match="probe_x"):
        PreActivationMonitor(np.zeros((0, N)))
    model = blend_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="layers="):
        fit(model, [PreActivationMonitor(X, layers=["nope"])], 1)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"total_epochs": 0}, "total_epochs="),
        ({"total_epochs": -3}, "total_epochs="),
        ({"total_epochs": 2.5}, "total_epochs="),
        ({"total_epochs": True}, "total_epochs="),
        ({"total_epochs": 3, "schedule": "exponential"}, "schedule="),
        ({"total_epochs": 3, "schedule": None}, "schedule="),
        ({"total_epochs": 3, "hold_epochs": -1}, "hold_epochs="),
        ({"total_epochs": 3, "hold_epochs": 1.0}, "hold_epochs="),
        ({"total_epochs": 3, "per_batch": "yes"}, "per_batch="),
        ({"total_epochs": 3, "layers": []}, "layers="),
        ({"total_epochs": 3, "layers": [3]}, "layers="),
        ({"total_epochs": 3, "layers": "blend"}, "layers="),
        ({"total_epochs": 3, "log_key": ""}, "log_key="),
    ],
)
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BlendSchedule(**kwargs)


def test_unknown_layer_name_or_no_blend_raises_at_fit():
    model = blend_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="layers="):
        fit(model, [BlendSchedule(2, layers=["nope"])], 1)
    inputs = keras.Input((N,))
    plain = keras.Model(inputs, keras.layers.ReLU()(inputs))
    plain.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="layers="):
        fit(plain, [BlendSchedule(2)], 1)


def test_epoch_variable_rejects_non_variable():
    with pytest.raises(ValueError, match="variable="):
        EpochVariable(variable=3.0)


# --------------------------------------------------------------------------- distribution

MIRRORED_SCRIPT = r"""
import json, os, warnings
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
import keras
import numpy as np
from actlab.callbacks import BlendSchedule
from actlab.layers import PolyReLUBlend

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
x = np.linspace(-5, 5, 16, dtype="float32")[None].repeat(8, axis=0)
y = np.maximum(x, 0)
with strategy.scope():
    inputs = keras.Input((16,))
    hidden = keras.layers.Dense(16, kernel_initializer="identity", name="dense")(inputs)
    model = keras.Model(inputs, PolyReLUBlend(name="blend")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")

replica_d = []
class Spy(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        var = self.model.get_layer("blend").relu_weight.value
        replica_d.append([float(v.numpy()) for v in strategy.experimental_local_results(var)])

schedule = BlendSchedule(3, "linear", hold_epochs=1)
history = model.fit(x, y, batch_size=8, epochs=schedule.epochs, callbacks=[schedule, Spy()],
                    verbose=0)
print("RESULT " + json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "variable_type": type(model.get_layer("blend").relu_weight.value).__name__,
    "d": history.history["relu_weight"],
    "loss": history.history["loss"],
    "replica_d": replica_d,
}))
"""


@pytest.mark.tensorflow_only(
    reason="tf.distribute.MirroredStrategy (run once, in the TensorFlow pass)"
)
def test_mirrored_strategy_on_two_logical_cpus():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KERAS_BACKEND": "tensorflow"}
    out = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    assert out.returncode == 0 and lines, out.stderr[-3000:]
    result = json.loads(lines[-1][len("RESULT ") :])
    assert result["replicas"] == 2
    assert "Mirrored" in result["variable_type"]
    d = [1.0, 2 / 3, 1 / 3, 0.0]
    assert result["d"] == pytest.approx(d)
    assert result["replica_d"] == [pytest.approx([v, v]) for v in d]  # every replica follows
    np.testing.assert_allclose(result["loss"], [expected_mse(v) for v in d], rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- the trial's pieces


def test_arms_carry_their_blends_and_a_new_schedule_per_run():
    from actlab.collection.experiments.blend import arm
    from actlab.trials.arms import activation_factory

    linear = arm("linear_hold", 3, 2)
    assert linear.name == "linear blend" and linear.model == {}
    assert linear.activation == "actlab.layers:PolyReLUBlend(relu_weight=1.0)"
    (first,), (second,) = linear.callbacks(), linear.callbacks()
    assert isinstance(first, BlendSchedule) and first is not second
    assert (first.schedule, first.total_epochs, first.hold_epochs, first.epochs) == (
        "linear",
        3,
        2,
        5,
    )
    assert arm("sudden_swap", 3, 2, per_batch=True).callbacks()[0].schedule == "step"
    assert arm("sudden_swap", 3, 2, per_batch=True).callbacks()[0].per_batch
    assert arm("relu", 3, 2).model == {"blend": "none"} and arm("relu", 3, 2).callbacks is None
    scratch = arm("poly_scratch", 3, 2)
    assert scratch.callbacks is None
    assert activation_factory(scratch.activation)().get_relu_weight() == 0.0
    assert arm("partial_linear", 3, 2).model == {"blend": "inner"}
    capped = activation_factory(arm("cosine_hold", 3, 2, relu_cap=6).activation)()
    assert isinstance(capped, PolyReLUBlend) and capped.relu_cap == 6.0
    with pytest.raises(ValueError, match="variant="):
        arm("gradual", 3, 2)


QUESTION = {
    "id": "linear_vs_sudden",
    "kind": "difference",
    "candidate": "linear_hold",
    "baseline": "sudden_swap",
    "smallest_effect": 0.5,
    "pilot_sd": 0.7,
}


def test_questions_and_design_checks():
    from actlab.collection.experiments.blend import VALIDATORS, check_design, questions

    (q,) = questions([QUESTION])
    assert (q.candidate, q.baseline, q.task, q.id) == (
        "linear blend",
        "sudden swap",
        "resnet",
        QUESTION["id"],
    )
    assert q.words == "Does the linear blend differ from the sudden swap in test accuracy?"
    assert q.smallest_effect == 0.5 and q.matches("resnet", "linear blend", "sudden swap")
    ni = {**QUESTION, "kind": "non-inferiority", "margin": 1.0, "baseline": "relu"}
    assert (
        questions([ni])[0].words
        == "Is the linear blend at most 1 point below the ReLU in test accuracy?"
    )
    with pytest.raises(ValueError, match="keys"):
        questions([{**QUESTION, "effect": 0.5}])
    with pytest.raises(ValueError, match="questions="):
        questions([{**QUESTION, "baseline": "sudden"}])
    for bad in ({**QUESTION, "pilot_sd": None}, {**QUESTION, "smallest_effect": None}):
        with pytest.raises(ValueError, match="questions="):
            VALIDATORS["questions"]("questions", [bad])
    VALIDATORS["questions"]("questions", [QUESTION])
    check_design(["linear_hold"], ["sudden_swap"], [QUESTION], 2, 2)
    with pytest.raises(ValueError, match="disjoint"):
        check_design(["linear_hold"], ["linear_hold"], [], 2, 2)
    with pytest.raises(ValueError, match="questions="):
        check_design(["cosine_hold"], ["sudden_swap"], [QUESTION], 2, 2)
    with pytest.raises(ValueError, match="last=3"):
        check_design(["linear_hold"], ["sudden_swap"], [QUESTION], 3, 2)


def test_design_lines_say_when_a_run_is_smaller_than_its_question_needs():
    from actlab import stats, wording
    from actlab.collection.experiments.blend import label

    def design_lines(declared, seeds, full):
        return wording.blend_design_lines(declared, seeds, label, full)

    detectable_effect = stats.detectable_effect

    need = int(stats.seeds_needed(0.7, 0.5))
    (line,) = design_lines([QUESTION], list(range(need)), 30)
    assert f"{need} paired seeds give 80 % power" in line and f"this run has {need}: sized" in line
    (line,) = design_lines([QUESTION], list(range(5)), 30)
    effect = detectable_effect(0.7, 5)
    assert stats.power_paired(5, 0.7, effect) >= 0.8 > stats.power_paired(5, 0.7, 0.99 * effect)
    assert (
        f"this run has 5: a smaller design, with 80 % power only for a difference of about {wording.format_number(effect)} points"
        in line
    )
    assert line.endswith("the `full` profile runs 30.")


def _trial(sudden, linear, cosine, relu=None):
    """A Trial from made-up evaluation runs (no training): the scores per seed of each arm."""
    from actlab.collection.experiments import blend
    from actlab.collection.models import activation_names, resnet_task
    from actlab.trials import Trial
    from actlab.trials.compare import compare

    task = resnet_task(epochs=5, last=2)
    names = activation_names((8, 16, 32))
    arms = {"sudden swap": sudden, "linear blend": linear, "cosine blend": cosine}
    if relu is not None:
        arms["ReLU"] = relu
    runs = []
    for arm, scores in arms.items():
        for seed, score in enumerate(scores):
            peak = 4.0 if arm == "ReLU" else 50.0
            runs.append(
                {
                    "task": "resnet",
                    "arm": arm,
                    "role": "baseline" if arm in ("sudden swap", "ReLU") else "candidate",
                    "stage": "eval",
                    "learning_rate": 0.002,
                    "seed": seed,
                    "test_score": score,
                    "test_accuracy": (0.5, 0.6, 0.7, score / 100, score / 100),
                    "nonfinite_epoch": None,
                    "record": {"preact_max": {n: peak for n in names}, "final_d": 0.0},
                }
            )
    questions = blend.questions(
        [QUESTION, {**QUESTION, "id": "cosine_vs_sudden", "candidate": "cosine_hold"}]
    )
    bases = ["sudden swap"] + (["ReLU"] if relu is not None else [])
    comparisons = compare(
        runs, {"resnet": task}, ["linear blend", "cosine blend"], bases, questions, True, 0.05
    )
    return Trial(runs, comparisons, [], {}, [], {}, {"resnet": task}, 1.0)


def test_tables_findings_and_records_come_from_the_trial():
    import matplotlib.pyplot as plt

    from actlab.collection.experiments import blend

    sudden = [80.0, 81.0, 79.0, 80.0, 80.8, 79.2]  # 6 seeds: fewer decide nothing
    trial = _trial(
        sudden,
        [s + d for s, d in zip(sudden, [6, 5, 7, 6, 6, 6], strict=True)],
        [s + d for s, d in zip(sudden, [1, -1, 0.5, -0.5, 0.3, -0.3], strict=True)],
        relu=[90.0, 91.0, 89.0, 90.0, 90.8, 89.2],
    )
    variants = ["sudden_swap", "linear_hold", "cosine_hold", "relu"]
    rows = {r["variant"]: r for r in blend.arm_table(trial, variants)}
    assert rows["sudden_swap"]["score_mean"] == pytest.approx(80.0)
    assert rows["sudden_swap"]["score_std"] == pytest.approx(np.std(sudden, ddof=1))
    assert (rows["linear_hold"]["n_replaced"], rows["linear_hold"]["n_activations"]) == (7, 7)
    assert rows["relu"]["n_replaced"] == 0 and rows["relu"]["max_preact_mean"] == 4.0
    records = blend.question_records(trial, "declared", "default", 24)
    linear, cosine = records
    assert (
        linear["verdict"] == "linear blend higher" and linear["decided"] and linear["open"] is None
    )
    assert linear["mean_diff"] == pytest.approx(6.0) and linear["n"] == 6
    assert cosine["verdict"] == "no clear difference" and not cosine["decided"]
    assert cosine["open"].startswith("about ") and cosine["open"].endswith(
        "the `full` profile runs 24"
    )
    assert blend.question_records(trial, "declared", "full", 24)[1]["open"].endswith("a new trial")
    exploratory = blend.question_records(trial, "exploratory", "default", 24)
    assert {r["baseline"] for r in exploratory} == {"ReLU"}
    lines, finding = wording.blend_findings(
        blend.arm_table(trial, variants), trial.tasks["resnet"].last, records, exploratory
    )
    text = " ".join(lines)
    assert linear["text"] in text and f"Open: {cosine['open']}." in text
    assert "sudden swap 80.0 ± 0.8 % (lr 0.002)" in text and "ReLU 90.0 ± 0.8 %" in text
    assert "Exploratory (2 comparisons, Holm among themselves): linear blend − ReLU:" in text
    assert "50.0 (sudden swap) against 4.0 with ReLU (×12.5): escaping activations." in text
    assert "+6.00 points (95 % CI" in finding and "no clear difference" in finding
    assert finding.count("(open)") == 1 and "2 headline questions" in finding
    for fig in (
        blend.plot_accuracy_with_d(trial, variants, 3),
        blend.plot_preactivations(trial, variants),
    ):
        assert fig.axes
        plt.close(fig)


def test_an_undersized_design_says_so_in_the_findings_and_the_finding():
    from actlab import stats
    from actlab.collection.experiments import blend

    # each question's own smallest effect (0.5 here), not a notebook-wide one
    need = int(stats.seeds_needed(0.7, 0.5))
    assert wording.seeds_short([QUESTION], None, list(range(4))) == need
    assert wording.seeds_short([QUESTION], None, list(range(need))) is None
    assert wording.seeds_short([{**QUESTION, "smallest_effect": 1.0}], 0.5, range(4)) == int(
        stats.seeds_needed(0.7, 1.0)
    )
    undersized = wording.undersized_text([QUESTION], None, list(range(4)), "default")
    assert f"about {need} seeds" in undersized and "it runs 4" in undersized
    sudden = [80.0, 81.0, 79.0, 80.0, 80.8, 79.2]  # 6 seeds: fewer decide nothing
    variants = ["sudden_swap", "linear_hold", "cosine_hold"]
    for noise, decided in (
        ([0.3, -0.5, 0.8, -0.2, 0.1, -0.4], False),
        ([6.0, 5.0, 7.0, 6.0, 6.0, 6.0], True),
    ):
        trial = _trial(sudden, [s + d for s, d in zip(sudden, noise, strict=True)], sudden)
        records = blend.question_records(trial, "declared", "default", 141)[:1]
        assert records[0]["decided"] is decided
        lines, finding = wording.blend_findings(
            blend.arm_table(trial, variants), trial.tasks["resnet"].last, records, (), undersized
        )
        assert undersized in lines
        if decided:
            assert "1 of 1 headline question decided all the same" in " ".join(lines)
            assert "+6.00 points) is likely overstated" in " ".join(lines)
            assert finding.endswith("likely overstated (the `full` profile is sized to decide).")
        else:
            assert "decided all the same" not in " ".join(lines)
            assert finding.endswith(
                "too small to decide at the pilot's spread (the `full` profile is sized to)."
            )
        assert (
            "design"
            not in wording.blend_findings(
                blend.arm_table(trial, variants), trial.tasks["resnet"].last, records
            )[1]
        )


def test_single_seed_findings_say_one_seed():
    from actlab.collection.experiments import blend

    trial = _trial([80.0], [81.0], [82.0])
    variants = ["sudden_swap", "linear_hold", "cosine_hold"]
    records = blend.question_records(trial, "declared", "smoke", 24)
    lines, finding = wording.blend_findings(
        blend.arm_table(trial, variants), trial.tasks["resnet"].last, records
    )
    text = " ".join(lines) + finding
    assert "80.0 % (1 seed)" in text and "single seed" in text
    assert "nan" not in text and "± 0.0" not in text


@pytest.mark.tensorflow_only(
    reason="compares float64 at 1e-12; JAX computes float64 as float32 unless JAX_ENABLE_X64 is set"
)
def test_poly_error_numbers_match_the_question():
    from actlab.collection.experiments.blend import numpy_blend, poly_error_numbers

    numbers = poly_error_numbers()
    assert numbers["abs_error_at"]["6"] == pytest.approx(4.3896)
    assert numbers["abs_error_at"]["-6"] == pytest.approx(4.3872)
    orbit = numbers["orbit"]
    assert orbit[0] == 3.0 and bool(np.all(np.diff(orbit) > 0)) and orbit[-1] > 30
    x = np.linspace(-7, 7, 15)
    np.testing.assert_allclose(
        numpy_blend(x, 0.3, relu_cap=6), np.asarray(poly_relu_blend_np(x, 0.3, 6)), rtol=1e-12
    )


def poly_relu_blend_np(x, d, cap):
    from actlab.activations import poly_relu_blend

    return poly_relu_blend(np.asarray(x, "float64"), d, relu_cap=cap)


# --------------------------------------------------------------------------- custom training loops


def test_custom_loop_without_on_train_begin_moves_every_blend():
    """The user's case: a custom loop that calls only on_epoch_begin. d must move with
    `current` (it used to stay 1.0), and the compiled train step must see it."""
    model = blend_model()
    model.compile(optimizer="sgd", loss="mse", jit_compile=False)
    schedule = BlendSchedule(total_epochs=4, hold_epochs=1)
    schedule.set_model(model)
    seen = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The model does not have any trainable weights")
        for epoch in range(schedule.epochs):
            schedule.on_epoch_begin(epoch)
            loss = model.train_on_batch(X, Y)
            loss = float(loss[0] if isinstance(loss, list) else loss)
            seen.append((schedule.current, model.get_layer("blend").get_relu_weight(), loss))
    expected = [1.0, 0.75, 0.5, 0.25, 0.0]
    assert [c for c, _, _ in seen] == expected
    np.testing.assert_allclose([d for _, d, _ in seen], expected, atol=1e-7)
    np.testing.assert_allclose(
        [loss for *_, loss in seen], [expected_mse(d) for d in expected], rtol=1e-4, atol=1e-6
    )


def test_custom_loop_per_batch_and_a_new_model():
    first, second = blend_model(), blend_model()
    schedule = BlendSchedule(total_epochs=2, per_batch=True)
    schedule.set_model(first)
    schedule.params = {"steps": 4}
    schedule.on_epoch_begin(0)
    schedule.on_train_batch_begin(2)
    assert first.get_layer("blend").get_relu_weight() == pytest.approx(1 - 0.5 / 2)
    schedule.set_model(second)  # found again for the new model
    schedule.on_epoch_begin(1)
    assert second.get_layer("blend").get_relu_weight() == pytest.approx(0.5)
    assert first.get_layer("blend").get_relu_weight() == pytest.approx(0.75)


def test_custom_loop_without_a_model_says_what_to_call():
    schedule = BlendSchedule(total_epochs=3)
    with pytest.raises(RuntimeError, match=r"schedule\.set_model\(model\)"):
        schedule.on_epoch_begin(0)


def test_a_record_without_a_finite_difference_is_written_as_its_verdict():
    """`Trial.question_records` writes a non-finite seed's NaNs as the text "nan" (JSON): the
    finding's short form must not do arithmetic on it."""

    record = {"n": 12, "mean_diff": "nan", "ci_low": "nan", "ci_high": "nan",
              "verdict": "not comparable: 1 seed(s) not finite"}  # fmt: skip
    assert wording.comparison_short(record) == "not comparable: 1 seed(s) not finite (12 seeds)"
    assert (
        wording.comparison_short({**record, "n": 1, "verdict": "single seed"})
        == "single seed (1 seed)"
    )
