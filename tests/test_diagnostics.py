"""The NaN diagnosis: injected non-finite values at a known step and layer, in graph-mode fit."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from actlab.activations import naive_elu
from actlab.collection import session
from actlab.diagnostics import EXP_OVERFLOW_FLOAT32, NaNDiagnosis, NaNReport, diagnose_fit

pytestmark = pytest.mark.tensorflow_only(
    reason=(
        "the NaN locator (actlab.diagnostics.locate_nonfinite) records layer by layer "
        "under tf.GradientTape"
    )
)

BATCH = 8


def small_model(jit_compile="auto"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(6, activation="relu", name="first"),
            keras.layers.Dense(5, activation=naive_elu, name="target"),
            keras.layers.Dense(3, activation="softmax", name="head"),
        ]
    )
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy", jit_compile=jit_compile)
    return model


def small_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def fit_with(model, x, y, diagnosis, epochs=3):
    return model.fit(
        x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, callbacks=[diagnosis]
    ).history


def test_clean_run_reports_nothing_and_trains_to_the_end():
    model = small_model()
    x, y = small_data()
    diagnosis = NaNDiagnosis.for_arrays(x, y, BATCH)
    history = fit_with(model, x, y, diagnosis)
    assert not diagnosis.report.found
    assert diagnosis.report.steps_checked == 3 * len(x) // BATCH
    assert len(history["loss"]) == 3


@pytest.mark.parametrize("jit_compile", [False, True])
def test_overflow_injected_at_known_step_and_layer(jit_compile):
    """Batch 11 (epoch 1, batch 3) has huge inputs: `target`'s naive ELU overflows there."""
    with session.xla_allowed(jit_compile):  # op determinism would make Keras drop XLA silently
        _overflow_injected_at_known_step_and_layer(jit_compile)


def _overflow_injected_at_known_step_and_layer(jit_compile):
    model = small_model(jit_compile)
    assert model.jit_compile is jit_compile  # with True, XLA is really used
    x, y = small_data()
    bad_step = 11
    rows = slice(3 * BATCH, 4 * BATCH)  # batch 3 of each epoch; epoch 0 must stay clean
    x_epoch1 = x.copy()
    x_epoch1[rows] *= 1e4

    def batch_fn(epoch, batch):
        xs = x if epoch == 0 else x_epoch1
        return xs[batch * BATCH : (batch + 1) * BATCH], y[batch * BATCH : (batch + 1) * BATCH]

    diagnosis = NaNDiagnosis(batch_fn=batch_fn)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[diagnosis])
    assert not diagnosis.report.found
    assert not model.run_eagerly  # graph mode
    history = model.fit(
        x_epoch1,
        y,
        batch_size=BATCH,
        epochs=3,
        initial_epoch=1,
        shuffle=False,
        verbose=0,
        callbacks=[diagnosis],
    ).history
    report = diagnosis.report
    assert report.found and report.located
    assert (report.step, report.epoch, report.batch) == (bad_step, 1, 3)
    assert report.layer == "target"
    assert report.tensor == "gradient w.r.t. pre-activation"
    assert report.preactivation_range[1] > EXP_OVERFLOW_FLOAT32
    assert report.fraction_above_exp_overflow > 0
    assert "weights" in report.trigger
    assert len(history["loss"]) == 1  # stopped during epoch 1
    assert "target" in report.message and "step 11" in report.message
    # The eager re-run restored the post-step weights: the model is as training left it.
    assert not all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_nan_loss_injected_at_known_step():
    model = small_model()
    x, y = small_data()
    y = y.copy()
    y[5 * BATCH] = np.nan  # batch 5 of epoch 0
    diagnosis = NaNDiagnosis.for_arrays(x, y, BATCH)
    fit_with(model, x, y, diagnosis)
    report = diagnosis.report
    assert (report.step, report.batch) == (5, 5)
    assert report.tensor == "loss" and report.layer is None
    assert report.trigger.startswith("loss")


class PoisonWeight(keras.callbacks.Callback):
    """Before step `step`, writes inf into the kernel of layer `layer`."""

    def __init__(self, step, layer):
        super().__init__()
        self.step, self.layer, self.seen = step, layer, 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.seen == self.step:
            kernel = self.model.get_layer(self.layer).kernel
            kernel.assign(np.where(np.arange(kernel.shape[1]) == 0, np.inf, kernel.numpy()))
        self.seen += 1


@pytest.mark.parametrize("layer", ["first", "head"])
def test_weight_injected_at_known_step_and_layer(layer):
    model = small_model()
    x, y = small_data()
    diagnosis = NaNDiagnosis.for_arrays(x, y, BATCH)
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[PoisonWeight(step=13, layer=layer), diagnosis],
    )
    report = diagnosis.report
    assert (report.step, report.epoch, report.batch) == (13, 1, 5)
    assert report.layer == layer
    assert report.tensor == "weight (before step)"
    assert report.variable.endswith("kernel")


def test_without_batch_the_step_is_still_reported():
    model = small_model()
    x, y = small_data()
    y = y.copy()
    y[2 * BATCH] = np.nan
    diagnosis = NaNDiagnosis()
    fit_with(model, x, y, diagnosis)
    assert diagnosis.report.found and diagnosis.report.step == 2
    assert not diagnosis.report.located and diagnosis.report.tensor == "unknown"


def test_diagnose_fit_on_the_user_network_with_raw_pixels():
    """The scenario itself: naive ELU on raw pixels fails at the first step, in a hidden layer."""
    from actlab import data as mnist
    from actlab.collection.experiments import nan_elu

    ds = mnist.load_mnist(source="embedded", scale="raw", seed=0, n_train=256, n_test=10)
    x, _ = ds.flat()
    y, _ = ds.one_hot()
    session.seed_everything(0)
    model = nan_elu.build_user_network("naive")
    report, history = diagnose_fit(model, x, y, batch_size=64, epochs=2, seed=0)
    assert isinstance(report, NaNReport)
    assert report.found and report.step == 0
    assert report.layer.startswith("hidden_")
    assert report.tensor == "gradient w.r.t. pre-activation"
    assert report.preactivation_range[1] > EXP_OVERFLOW_FLOAT32
    assert report.layers[0]["layer"] == "hidden_1"
    # The backward pass meets the deepest overflowing layer first: that is where NaN is born.
    overflowing = [
        row["layer"] for row in report.layers if row.get("fraction_above_exp_overflow", 0) > 0
    ]
    assert report.layer == overflowing[-1] and len(overflowing) > 1
    assert report.layers[0]["fraction_above_exp_overflow"] > 0.05
    assert len(history["loss"]) == 1
    json.dumps(session.to_jsonable(report.as_dict()))  # results.json-ready


def test_diagnose_fit_clean_run_with_safe_elu():
    model = small_model()
    model.get_layer("target").activation = keras.activations.elu
    x, y = small_data()
    report, history = diagnose_fit(model, x, y, batch_size=BATCH, epochs=2, seed=3)
    assert not report.found and report.steps_checked == 2 * len(x) // BATCH
    assert len(history["loss"]) == 2


def test_bad_arguments():
    x, y = small_data()
    with pytest.raises(ValueError, match="batch_fn"):
        NaNDiagnosis(batch_fn=3)
    with pytest.raises(ValueError, match="stop"):
        NaNDiagnosis(stop="yes")
    with pytest.raises(ValueError, match="initial_step"):
        NaNDiagnosis(initial_step=-1)
    with pytest.raises(ValueError, match="batch_size"):
        NaNDiagnosis.for_arrays(x, y, 0)
    with pytest.raises(ValueError, match="epochs"):
        diagnose_fit(small_model(), x, y, batch_size=8, epochs=0)
    with pytest.raises(ValueError, match="len"):
        diagnose_fit(small_model(), x, y[:3], batch_size=8, epochs=1)


def _overflow_at_step(model, bad_batch=2):
    x, y = small_data()
    x = x.copy()
    x[bad_batch * BATCH : (bad_batch + 1) * BATCH] *= 1e4
    diagnosis = NaNDiagnosis.for_arrays(x, y, BATCH)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[diagnosis])
    return diagnosis.report


def test_functional_chain_model_is_located_by_layer():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    h = keras.layers.Dense(6, activation="relu", name="first")(inputs)
    h = keras.layers.Dense(5, name="target_linear")(h)
    h = keras.layers.Activation(naive_elu, name="target_act")(h)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(h)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy")
    report = _overflow_at_step(model)
    assert report.step == 2 and report.located
    assert (report.layer, report.tensor) == ("target_act", "gradient w.r.t. pre-activation")
    assert report.preactivation_range[1] > EXP_OVERFLOW_FLOAT32


def test_branching_model_falls_back_to_variables():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    a = keras.layers.Dense(5, activation=naive_elu, name="branch_a")(inputs)
    b = keras.layers.Dense(5, activation="relu", name="branch_b")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(
        keras.layers.Concatenate()([a, b])
    )
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy")
    report = _overflow_at_step(model)
    assert report.step == 2 and report.located and report.layers == []
    assert (report.layer, report.tensor) == ("branch_a", "gradient w.r.t. weight")


def test_steps_per_execution_above_one_is_refused():
    model = small_model()
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy", steps_per_execution=4)
    x, y = small_data()
    with pytest.raises(ValueError, match="steps_per_execution"):
        fit_with(model, x, y, NaNDiagnosis.for_arrays(x, y, BATCH), epochs=1)
