"""The suite's tasks (actlab.trials.suite): each builds with ReLU and trains one epoch at a tiny
size through the trials' own run function, with common random numbers across arms; suites by
name; positive controls."""

from __future__ import annotations

import importlib
import inspect
import os
import re

import numpy as np
import pytest

from actlab import trials
from actlab.trials import suite
from actlab.trials.arms import Arm, activation_factory
from actlab.trials.runs import RunSpec, execute_run

TINY = {
    "resnet": {
        "n_train": 120,
        "n_val": 60,
        "n_test": 60,
        "stages": (4, 8),
        "epochs": 1,
        "last": 1,
        "probe_size": 16,
    },
    "deep_mlp": {"n_train": 120, "n_val": 60, "n_test": 60, "width": 8, "epochs": 1, "last": 1},
    "periodic": {
        "n_train": 64,
        "n_val": 16,
        "n_test": 32,
        "units": (16,),
        "epochs": 1,
        "passes": 1,
        "last": 1,
    },
    "trend": {"per_year": 12, "n_val": 8, "units": (8, 8), "epochs": 1, "passes": 1, "last": 1},
    "friedman": {"n_train": 64, "n_val": 16, "n_test": 32, "epochs": 1, "last": 1},
    "tabular": {"epochs": 1, "last": 1},
    "attention": {"n_train": 64, "n_val": 16, "n_test": 32, "dim": 8, "epochs": 1, "last": 1},
}
OFFLINE = list(TINY)


def _threads() -> int | None:
    """One thread per op as the trials' workers use, or what is in force when TensorFlow has
    already started in this test session (None: its default)."""
    import warnings

    from actlab.determinism import set_op_threads

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return set_op_threads(1)


def _run(task, activation: str, seed: int = 0) -> dict:
    import keras

    spec = RunSpec(
        task,
        Arm(activation, activation),
        task.learning_rates[0],
        seed,
        task.epochs,
        True,
        keras.backend.backend(),
        "eval",
        _threads(),
        os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
    )
    return execute_run(spec)


def _initial_weights_id(task, activation: str, seed: int) -> str:
    """The fingerprint a run records as ``init_id``, of a model built (not trained) with
    `activation`: the initial weights of every layer the activation does not make."""
    import keras

    from actlab.trials.runs import _fingerprint

    keras.backend.clear_session(free_memory=False)
    made, make = [], activation_factory(activation)

    def factory():
        made.append(make())
        return made[-1]

    model = task.build(factory, trials.Init(seed))
    return _fingerprint(*[w for la in model.layers if la not in made for w in la.get_weights()])


@pytest.mark.parametrize("name", OFFLINE)
def test_each_task_trains_an_epoch_with_the_same_split_and_weights_in_every_arm(name):
    from actlab.trials.runs import _fingerprint

    task = suite.factory(name)(**TINY[name])
    assert task.name == name
    record = _run(task, "relu")
    assert record["params"] > 0
    for curve in ("train_loss", f"val_{task.score}", f"test_{task.score}"):
        values = record["curves"][curve]
        assert len(values) == 1 and np.isfinite(values[0]), (curve, values)
    # common random numbers: another arm gets the same split and initial weights
    split = task.data(0)
    assert record["split_id"] == _fingerprint(
        split.x_train, split.y_train, split.x_val, split.x_test
    )
    assert record["init_id"] == _initial_weights_id(task, "tanh", 0)
    assert record["init_id"] != _initial_weights_id(task, "tanh", 1)
    # a new split per seed (the test set's variance is in the interval)
    other = task.data(1)
    assert not (
        np.array_equal(split.x_train, other.x_train)
        and np.array_equal(split.y_train, other.y_train)
    )


@pytest.mark.parametrize("name", sorted(suite.FACTORIES))
def test_each_task_names_its_published_setup_and_what_is_scaled_down(name):
    module = importlib.import_module(suite.FACTORIES[name].partition(":")[0])
    doc = " ".join(module.__doc__.split())
    assert "Source setup" in doc, name
    assert "Scaled down for a 2-core CPU" in doc, name
    assert re.search(r"\b(19|20)\d\d\b", doc), name  # the paper, by year
    assert inspect.getdoc(suite.factory(name))


def test_suites_expand_to_their_tasks_by_name():
    quick = trials.expand_tasks("suite:quick")
    assert [t.name for t in quick] == [name for name, _ in suite.SUITES["quick"]]
    assert set(OFFLINE) <= {t.name for t in quick}
    standard = trials.expand_tasks(["suite:standard"])
    assert {t.name for t in standard} == {"mlp", "cnn", *OFFLINE}
    # the images suite is built without its data (it loads when a run starts)
    assert [t.name for t in trials.expand_tasks(["suite:images", "sin"])] == [
        "fashion",
        "cifar10",
        "sin",
    ]
    # a suite's task by name, at that suite's size; a bare name is the standard size
    size = lambda t: (t.config, t.epochs, t.passes)  # noqa: E731
    assert size(trials.get_task("suite:quick/periodic")) != size(trials.get_task("periodic"))
    assert size(trials.get_task("suite:standard/periodic")) == size(trials.get_task("periodic"))
    assert trials.shipped.expand_task_names("suite:quick")[0] == "suite:quick/resnet"


@pytest.mark.parametrize(
    "bad, words",
    [
        ("suite:huge", "No suite named 'huge'"),
        ("suite:quick/sin", "Suite 'quick' has no task 'sin'"),
    ],
)
def test_an_unknown_suite_or_suite_task_is_refused_by_name(bad, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        trials.expand_tasks([bad])


def test_a_whole_suite_is_not_one_task():
    with pytest.raises(ValueError, match="expand_tasks"):
        trials.get_task("suite:quick")


def test_positive_controls_are_the_papers_activations_on_tasks_of_the_suite():
    assert {"periodic", "deep_mlp", "attention"} <= set(suite.POSITIVE_CONTROLS)
    assert suite.POSITIVE_CONTROLS["deep_mlp"].candidate == "selu"
    assert suite.POSITIVE_CONTROLS["attention"].candidate == "gelu"
    for name, control in suite.POSITIVE_CONTROLS.items():
        assert name == control.task and name in suite.FACTORIES
        for target in (control.candidate, control.baseline):
            activation_factory(target)  # resolves


def test_snake_is_x_plus_sin_squared_over_a():
    from keras import ops

    from actlab.trials.suite.periodic import snake

    x = np.linspace(-5, 5, 11).astype("float32")
    for a in (1.0, 2.5):
        got = ops.convert_to_numpy(snake(ops.convert_to_tensor(x), a))
        np.testing.assert_allclose(got, x + np.sin(a * x) ** 2 / a, rtol=1e-5, atol=1e-6)


def test_paper_snake_is_snake_with_the_official_a():
    from keras import ops

    from actlab.trials.suite.periodic import PAPER_A, paper_snake

    x = np.linspace(-1, 1, 21).astype("float32")
    got = ops.convert_to_numpy(paper_snake(ops.convert_to_tensor(x)))
    np.testing.assert_allclose(got, x + np.sin(20 * x) ** 2 / 20, rtol=1e-5, atol=1e-6)
    assert PAPER_A == 20


def test_periodic_tasks_test_beyond_the_training_range():
    split = suite.factory("periodic")(**TINY["periodic"]).data(3)
    # sin x on [0, 8π] scaled to [-1, 1] as the paper's notebook scales it; test: [8π, 12π]
    assert -1 <= split.x_train.min() and split.x_train.max() <= 1 < split.x_test.min()
    assert split.x_test.max() <= 2
    np.testing.assert_allclose(
        split.y_test, np.sin(np.pi * 4 * (split.x_test.astype("float64") + 1)), atol=1e-5
    )
    trend = suite.factory("trend")(**TINY["trend"]).data(3)
    assert trend.x_train.max() < 6 <= trend.x_test.min()


def test_tabular_splits_are_stratified_and_standardized_on_train():
    split = suite.factory("tabular")().data(0)
    assert set(np.unique(split.y_val)) == set(np.unique(split.y_test)) == {0, 1}
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1, atol=1e-4)
    assert len(split.y_train) + len(split.y_val) + len(split.y_test) == 569


def test_the_attention_label_counts_the_first_token():
    split = suite.factory("attention")(**TINY["attention"]).data(0)
    x, y = split.x_train, split.y_train
    assert np.array_equal(y, [(row[1:] == row[0]).sum() for row in x])


def test_a_design_of_suite_tasks_names_them_and_rebuilds_them_from_json():
    from actlab.trials.design import Design

    names = trials.shipped.expand_task_names("suite:quick")
    design = trials.plan_trial(["gelu"], ["relu"], names, seeds=2)
    assert design.task_sources["periodic"]["task"] == "suite:quick/periodic"
    again = Design.from_json(design.dumps())
    assert [t.name for t in again.tasks] == [t.name for t in design.tasks]
    assert [t.config for t in again.tasks] == [t.config for t in design.tasks]


def test_periodic_tasks_train_as_the_papers_notebooks():
    """SGD with momentum (the task's optimizer options reach the optimizer, an arm's own
    override them); the trend's weight decay is an L2 penalty its score leaves out."""
    import keras

    from actlab.trials.runs import _model

    periodic = suite.factory("periodic")(**TINY["periodic"])
    assert (periodic.optimizer, periodic.optimizer_options) == ("sgd", {"momentum": 0.9})
    assert periodic.batch_size == 64  # full batch
    spec = RunSpec(periodic, Arm("relu", "relu"), 0.01, 0, 1, True, keras.backend.backend(), "eval")
    model, _ = _model(spec)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.optimizer.momentum == 0.9
    own = Arm("relu", "relu", train={"optimizer": {"momentum": 0.5}})
    model, _ = _model(RunSpec(periodic, own, 0.01, 0, 1, True, keras.backend.backend(), "eval"))
    assert model.optimizer.momentum == 0.5

    trend = suite.factory("trend")(**TINY["trend"])
    assert trend.optimizer_options == {"momentum": 0.99} and trend.score == "mse"
    model = trend.build(lambda: keras.layers.Activation("relu"), trials.Init(0))
    split = trend.data(0)
    model.compile(loss="mse", metrics=["mse"])
    logs = model.evaluate(split.x_val, split.y_val, verbose=0, return_dict=True)
    assert logs["loss"] > logs["mse"] > 0  # the loss holds the penalty, the score does not
    penalty = sum(1.5e-3 * float(np.sum(np.square(w))) for w in model.get_weights())
    np.testing.assert_allclose(logs["loss"] - logs["mse"], penalty, rtol=1e-3)


@pytest.mark.backend_independent(reason="the tasks' data and scores, no training")
def test_every_offline_suite_task_has_its_declared_normalization():
    """The aggregates need a reference per task: every task of `suite:quick` and
    `suite:standard` has one, `trend` too (scored by an MSE metric, its loss holds a penalty)."""
    from actlab.trials.suite import aggregate as agg

    for name in ("quick", "standard"):
        tasks = trials.expand_tasks(f"suite:{name}")
        assert set(agg.normalizations(tasks)) == {t.name for t in tasks}
    trend = suite.factory("trend")()
    split = trend.data(0)
    constant = np.mean((split.y_test.astype("float64") - split.y_train.mean(dtype="float64")) ** 2)
    norm = agg.normalization_for(trend)
    assert norm.reference == pytest.approx(np.log10(constant)) and not norm.higher_is_better
