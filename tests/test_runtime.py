"""actlab.collection.session and actlab.collection.plotting: parameter checks, seeding, results.json, figure files."""

from __future__ import annotations

import json
import math
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from actlab.collection import plotting, session


def test_validate_params_names_the_bad_parameter():
    validators = {"mode": session.one_of("a", "b"), "lr": session.positive_float}
    session.validate_params({"epochs": 3, "seeds": [0, 1], "mode": "a", "lr": 0.1}, validators)
    cases = [
        ({"epochs": 0}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"seeds": []}, "seeds"),
        ({"seeds": [1, 1]}, "seeds"),
        ({"mode": "c"}, "mode"),
        ({"lr": float("nan")}, "lr"),
        ({"profile": "huge"}, "profile"),
        ({"data_source": "web"}, "data_source"),
    ]
    for params, name in cases:
        with pytest.raises(ValueError, match=f"`{name}`"):
            session.validate_params(params, validators)
    with pytest.raises(ValueError, match="`unvalidated` has no validator"):
        session.validate_params({"unvalidated": 1}, validators)


def _train_once(seed: int) -> np.ndarray:
    session.seed_everything(seed)
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1),
        ]
    )
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=True)
    return np.concatenate([w.ravel() for w in model.get_weights()])


def test_seed_everything_makes_training_repeatable():
    a, b, c = _train_once(3), _train_once(3), _train_once(4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_run_finish_writes_results_with_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(tmp_path))
    # op_threads=None: this pytest process's TensorFlow keeps its threads for the other tests
    run = session.start_run("99_test", {"profile": "smoke", "seeds": [5]}, op_threads=None)
    path = run.finish(
        {"acc": np.float32(0.5), "curve": np.arange(3), "bad": math.nan},
        data={"description": "synthetic"},
        finding="it works",
    )
    record = json.loads(path.read_text())
    assert path == tmp_path / "99_test" / "results.json"
    assert record["results"] == {"acc": 0.5, "curve": [0, 1, 2], "bad": "nan"}
    assert record["profile"] == "smoke" and record["finding"] == "it works"
    assert record["params"] == {"profile": "smoke", "seeds": [5]}
    for key in (
        "git_commit",
        "python",
        "tensorflow",
        "keras",
        "backend",
        "wall_time_s",
        "finished_utc",
    ):
        assert key in record["provenance"]
    assert record["provenance"]["backend"] == keras.backend.backend()


def test_save_figure_is_byte_reproducible(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_FIGURES_DIR", str(tmp_path))
    plotting.set_theme()
    outputs = []
    for _ in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [1, 0, 1])
        ax.set(title="t", xlabel="x (units)", ylabel="y (units)")
        png = plotting.save_figure(fig, "99_test", "line", svg=True)
        plt.close(fig)
        outputs.append((png.read_bytes(), png.with_suffix(".svg").read_bytes()))
    assert png == tmp_path / "99_test" / "line.png"
    assert outputs[0] == outputs[1]
    assert b"Software" not in outputs[0][0]


_THREADS_SCRIPT = """
import warnings
from actlab.collection import session
import tensorflow as tf
print(session.set_op_threads(1))                     # before the first op: takes effect
tf.constant(1.0) + 1.0                               # TensorFlow initializes its threads
print(session.set_op_threads(1))                     # the same value: nothing to say
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(session.set_op_threads(2))                 # too late: warns, keeps 1
print(len(caught), caught[0].category.__name__ if caught else None)
print(session.environment_provenance()["op_threads"])
"""


@pytest.mark.tensorflow_only(
    reason="threads per op are TensorFlow's setting (JAX: set_op_threads "
    "returns None, tested below)"
)
def test_set_op_threads_before_and_after_the_first_op():
    import os
    import subprocess
    import sys

    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", _THREADS_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=session.REPO_ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "1", "1", "1", "RuntimeWarning", "1"], out.stdout


def test_set_op_threads_checks_its_argument():
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="Received: threads="):
            session.set_op_threads(bad)
    if keras.backend.backend() != "tensorflow":
        assert session.set_op_threads(1) is None


@pytest.mark.tensorflow_only(reason="TensorFlow op determinism and Keras's XLA switch for it")
def test_xla_allowed_lets_keras_compile_with_xla_under_determinism():
    session.seed_everything(0)  # turns op determinism on: Keras then drops jit_compile silently
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", jit_compile=True)
    assert model.jit_compile is False
    with session.xla_allowed():
        model.compile("sgd", "mse", jit_compile=True)
    assert model.jit_compile is True
    from tensorflow.python.framework import config as tf_config

    assert tf_config.is_op_determinism_enabled(), "determinism is restored on exit"


def test_seed_std_is_the_sample_std_and_nan_for_one_seed():
    assert session.seed_std([0.9, 0.8, 0.7]) == pytest.approx(0.1)  # ddof=1
    np.testing.assert_allclose(
        session.seed_std([[1.0, 2.0], [3.0, 6.0]]), [np.sqrt(2.0), np.sqrt(8.0)]
    )
    assert math.isnan(session.seed_std([0.9]))
    assert np.all(np.isnan(session.seed_std([[1.0, 2.0, 3.0]])))
    assert session.seed_std(
        np.array([1.0, 2.0, 3.0, 4.0]).reshape(2, 2), axis=1
    ).tolist() == pytest.approx([np.sqrt(0.5)] * 2)


def test_trial_jobs_and_cache(monkeypatch, tmp_path):
    """A notebook's trials use every core alone, one worker under `make -jN` (the runner says
    so in the kernel's environment), and share one cache under the reports."""
    from actlab.collection import outputs, runner

    monkeypatch.delenv("ACTLAB_TRIAL_JOBS", raising=False)
    assert session.trial_jobs() == (os.cpu_count() or 1)
    monkeypatch.setenv("ACTLAB_TRIAL_JOBS", "3")
    assert session.trial_jobs() == 3
    monkeypatch.setenv("ACTLAB_TRIAL_JOBS", "zero")
    with pytest.raises(ValueError, match="ACTLAB_TRIAL_JOBS"):
        session.trial_jobs()
    monkeypatch.delenv("ACTLAB_TRIAL_JOBS")
    loc = outputs.locations("01_x", outputs.RunKey(), tmp_path / "x" / "01_x.ipynb")
    monkeypatch.setenv("MAKEFLAGS", " -j2 --jobserver-auth=3,4")
    assert runner.kernel_environment(loc, {"backend": "tensorflow"})["ACTLAB_TRIAL_JOBS"] == "1"
    monkeypatch.setenv("MAKEFLAGS", "")
    assert runner.kernel_environment(loc, {"backend": "tensorflow"})["ACTLAB_TRIAL_JOBS"] == ""
    monkeypatch.delenv("ACTLAB_TRIAL_CACHE", raising=False)
    monkeypatch.setenv("ACTLAB_REPORTS_DIR", str(tmp_path / "reports"))
    assert session.trial_cache() == tmp_path / "reports" / "trials-cache"
