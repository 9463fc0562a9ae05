"""actlab.trials: common random numbers, the cache, the verdicts on known cases, the engines
(serial, loky, a Dask LocalCluster) giving the same table, a kill -9 and a resume, the command.

Tests that start worker processes (each imports Keras and its backend) run once, in the JAX
pass of `make test`; the TensorFlow pass keeps the in-process ones (a few seconds each).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from joblib import hash as joblib_hash

from actlab import stats, trials
from actlab._util import child_env

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # trials_fixtures, for this process and (through sys.path) workers

import trials_fixtures as fx  # noqa: E402

ENGINE = pytest.mark.backend_independent(
    reason="worker processes importing Keras are slow to start; the engine is the same on "
    "either backend",
    in_pass="jax",
)
# Columns that legitimately differ between two executions of the same runs.
VOLATILE = ["seconds", "cached"]


def _tiny_trial(tmp_path=None, **kwargs):
    defaults = dict(
        candidates=["relu_by_abs"],
        baselines=["relu"],
        tasks=[fx.tiny_mlp()],
        seeds=2,
        jobs=1,
        cost=False,
        progress="log",
        force=True,  # (x + |x|) / 2 overflows in float16 (x + x), which the checkup fails
        cache=None if tmp_path is None else tmp_path / "cache",
    )
    defaults.update(kwargs)
    defaults["candidates"] = [
        trials.Arm(c, getattr(fx, c)) if isinstance(c, str) and hasattr(fx, c) else c
        for c in defaults["candidates"]
    ]
    return trials.run_trial(**defaults)


class _RandomScale(__import__("keras").layers.Layer):
    """An activation with its own random weights: its initializer, made in `__init__` as Keras'
    own layers do, takes a seed from the global random stream."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.initializer = __import__("keras").initializers.RandomNormal()

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer=self.initializer)

    def call(self, x):
        return x * self.w


ONCE = pytest.mark.backend_independent(
    reason="the engine's bookkeeping and seeded initializers; the engine tests run on JAX"
)


@ONCE
@pytest.mark.parametrize(
    "task",
    [
        fx.tiny_mlp(),
        trials.mnist_cnn(n_train=100, n_val=50, n_test=50, epochs=1, last=1),
        trials.sin_extrapolation(epochs=1, last=1),
    ],
    ids=lambda t: t.name,
)
def test_every_arm_starts_from_the_same_weights_of_the_layers_the_activation_does_not_make(task):
    import keras

    from actlab.trials.arms import activation_factory

    def shared_weights(target, seed):
        keras.utils.set_random_seed(seed)
        made = []
        make = activation_factory(target)

        def activation():
            made.append(make())
            return made[-1]

        model = task.build(activation, trials.Init(seed))
        return [w for layer in model.layers if layer not in made for w in layer.get_weights()]

    reference = shared_weights("relu", 0)
    assert len(reference) >= 4
    for target in ("gelu", _RandomScale, "actlab.layers:Rational"):
        for a, b in zip(reference, shared_weights(target, 0), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=str(target))
    other_seed = shared_weights("relu", 1)
    assert not np.array_equal(reference[0], other_seed[0])


def test_batch_order_depends_on_seed_and_epoch_only():
    a = trials.batch_order(3, 0, 100, passes=2)
    assert sorted(a[:100]) == list(range(100)) and sorted(a[100:]) == list(range(100))
    np.testing.assert_array_equal(a, trials.batch_order(3, 0, 100, passes=2))
    assert not np.array_equal(a, trials.batch_order(3, 1, 100, passes=2))
    assert not np.array_equal(a, trials.batch_order(4, 0, 100, passes=2))


@ONCE
def test_a_trial_pairs_its_runs_tunes_on_validation_and_caches(tmp_path):
    """Serial, in this process: each seed gives every arm the same split, batch order and shared
    initial weights (and the seeds differ); the learning rate is chosen on validation by tuning
    runs that never read the test split; a second call trains nothing; more seeds train only the
    new ones and the trial says it is a new one."""
    recorded = fx.tiny_mlp().replace(record=fx.last_layer_bias)
    kwargs = dict(tasks=[recorded], learning_rates=[1e-3, 3e-3], tune_seeds=1)
    first = _tiny_trial(tmp_path, **kwargs)
    assert first.runs_total == 8 and first.runs_trained == 8 and first.runs_cached == 0
    tune, runs = first.runs[first.runs.stage == "tune"], first.runs[first.runs.stage == "eval"]
    assert len(tune) == 4 and tune["test_score"].isna().all()
    assert tune["test_accuracy"].isna().all() and tune["seed"].eq(10_000).all()
    choices = first.choices
    assert len(choices) == 4 and choices["chosen"].sum() == 2
    for arm, group in choices.groupby("arm"):
        best = group.loc[group["val_score"].idxmax(), "learning_rate"]
        assert (runs[runs.arm == arm]["learning_rate"] == best).all()
        assert np.isclose(
            group.loc[group.learning_rate == best, "val_score"].iloc[0],
            tune[(tune.arm == arm) & (tune.learning_rate == best)]["val_score"].iloc[0],
        )
    for column in ("split_id", "order_id", "init_id"):
        per_seed = runs.groupby("seed")[column].nunique()
        assert (per_seed == 1).all(), column  # every arm the same within a seed
        assert runs[column].nunique() == 2, column  # and a new one per seed
    assert {"val_accuracy", "test_accuracy", "val_loss", "train_loss"} <= set(runs.columns)
    assert all(len(r["bias"]) == 10 and r["n_test"] == 300 for r in runs["record"])
    assert all(len(v) == 2 for v in runs["test_accuracy"])
    np.testing.assert_allclose(
        runs["test_score"], [100 * v[-1] for v in runs["test_accuracy"]], rtol=1e-6
    )
    (row,) = first.comparisons.to_dict("records")
    assert row["candidate"] == "relu_by_abs" and row["baseline"] == "relu" and row["n"] == 2
    assert {"p_holm", "verdict_holm", "ci_low", "ci_high", "text"} <= set(row)
    assert "lr 0.003" in first.choices_text() or "lr 0.001" in first.choices_text()

    again = _tiny_trial(tmp_path, **kwargs)
    assert again.runs_trained == 0 and again.runs_cached == 8 and again.note is None
    assert again.runs.drop(columns=VOLATILE).equals(first.runs.drop(columns=VOLATILE))

    more = _tiny_trial(tmp_path, seeds=3, **kwargs)
    assert more.runs_trained == 2 and more.runs_cached == 8
    assert more.note and more.note.startswith("A new trial: seeds 0–2")
    summary = more.to_json()
    assert {"runs_total", "runs_trained", "runs_cached", "comparisons"} <= set(summary)
    assert set(summary["comparisons"][0]) >= {
        "task", "candidate", "baseline", "n", "mean_diff", "ci_low", "ci_high", "p_holm", "verdict"
    }  # fmt: skip
    paths = more.save(tmp_path / "out")
    assert paths["runs"].read_text().count("\n") == 11 and paths["figure"].stat().st_size > 0

    asked = trials.Question("equivalence", 5.0, id="same", words="Is ReLU by |x| ReLU?")
    declared = _tiny_trial(tmp_path, question=[asked], **kwargs)  # the cached runs
    assert declared.runs_trained == 0
    (record,) = declared.question_records()
    assert record["id"] == "same" and record["question"] == "Is ReLU by |x| ReLU?"
    assert record["kind"] == "equivalence" and record["margin"] == 5.0 and record["n"] == 2
    assert record["verdict"] == declared.comparisons["verdict_holm"].iloc[0]
    assert (record["open"] is None) == record["decided"]
    assert declared.question_records("exploratory") == []
    json.dumps(record)  # JSON-ready


@ONCE
def test_pairs_arms_on_some_tasks_and_steps_per_execution(tmp_path):
    """`pairs` makes exactly the named comparisons (an arm on both sides of different pairs);
    an arm with `tasks` trains on those only; several steps per compiled call train the same
    numbers as one (the same runs on a task that differs only there)."""
    plain = fx.tiny_mlp()
    batched = plain.replace(name="mlp_spe", steps_per_execution=3)
    gelu = trials.Arm("gelu", "gelu", tasks=["mlp"])
    trial = _tiny_trial(
        tmp_path,
        baselines=["relu", gelu],
        tasks=[plain, batched],
        seeds=1,
        pairs=[("relu_by_abs", "relu"), ("gelu", "relu_by_abs")],
    )
    runs = trial.runs
    assert sorted(zip(runs.task, runs.arm, strict=True)) == sorted(
        [("mlp", a) for a in ("relu_by_abs", "relu", "gelu")]
        + [("mlp_spe", a) for a in ("relu_by_abs", "relu")]
    )
    by = {(r["task"], r["arm"]): r for r in runs.to_dict("records")}
    for arm in ("relu", "relu_by_abs"):
        for column in ("train_loss", "val_loss", "test_accuracy"):
            assert by[("mlp", arm)][column] == by[("mlp_spe", arm)][column], (arm, column)
    made = sorted(
        zip(
            trial.comparisons.task,
            trial.comparisons.candidate,
            trial.comparisons.baseline,
            strict=True,
        )
    )
    assert made == [
        ("mlp", "gelu", "relu_by_abs"),
        ("mlp", "relu_by_abs", "relu"),
        ("mlp_spe", "relu_by_abs", "relu"),
    ]
    assert trial.design["pairs"] == [["relu_by_abs", "relu"], ["gelu", "relu_by_abs"]]
    for bad in ([("relu", "relu")], [("relu", "nosuch")], [("relu", "gelu"), ("relu", "gelu")], []):
        with pytest.raises(ValueError, match="`pairs`"):
            _tiny_trial(baselines=["relu", gelu], tasks=[plain], pairs=bad)
    with pytest.raises(ValueError, match="runs on none of this trial's tasks"):
        _tiny_trial(baselines=[trials.Arm("gelu", "gelu", tasks=["cnn"])], tasks=[plain])
    with pytest.raises(ValueError, match="`tasks`"):
        trials.Arm("gelu", "gelu", tasks=[])
    with pytest.raises(ValueError, match="`steps_per_execution`"):
        plain.replace(steps_per_execution=0)
    for bad in ({"learning_rate": 0.1}, [("momentum", 0.9)]):
        with pytest.raises(ValueError, match="`optimizer_options`"):
            plain.replace(optimizer_options=bad)


def test_an_open_question_says_what_it_would_take():
    from actlab.wording.trials import what_it_would_take as _what_it_would_take

    row = dict(question="difference", margin=None, smallest_effect=0.5, unit="points", n=4,
               sd_diff=0.5)  # fmt: skip
    text = _what_it_would_take(row)
    k = int(stats.seeds_needed(0.5, 0.5))
    assert text.startswith(f"about {k} paired seeds for 80 % power at a difference of 0.50")
    assert "observed at 4 seeds" in text
    assert "no smallest effect" in _what_it_would_take({**row, "smallest_effect": None})
    eq = _what_it_would_take({**row, "question": "equivalence", "margin": 0.5})
    assert eq.startswith(
        f"about {int(stats.seeds_needed(0.5, question='equivalence', margin=0.5))}"
    )
    assert "the 0.5 points margin" in eq
    assert "same difference" in _what_it_would_take({**row, "sd_diff": 0.0})


def test_an_open_question_with_enough_seeds_stays_open_and_is_never_sized_at_its_mean():
    """A trial that ran the seeds its spread needs and still did not decide: the text must not
    ask for fewer seeds than it ran, must not size a new trial at the observed difference
    (only the declared effect sizes a trial), and must not read an undeclared equivalence."""
    from actlab.wording.trials import what_it_would_take as _what_it_would_take

    row = dict(question="difference", margin=None, smallest_effect=0.5, unit="points", n=36,
               sd_diff=0.76, mean_diff=-0.13, ci_low=-0.39, ci_high=0.13)  # fmt: skip
    k = int(stats.seeds_needed(0.76, 0.5))
    assert k <= 36
    cases = [
        row,
        {**row, "mean_diff": -0.25, "ci_low": -0.55, "ci_high": 0.05},
        {**row, "mean_diff": -0.55, "ci_low": -0.8, "ci_high": -0.3},
        dict(
            row,
            question="non-inferiority",
            margin=0.5,
            smallest_effect=None,
            mean_diff=-0.26,
            ci_low=-0.52,
            ci_high=0.0,
            higher_is_better=True,
        ),  # fmt: skip
    ]
    for case in cases:
        text = _what_it_would_take(case)
        assert text.startswith("36 paired seeds were enough for 80 % power at ")
        assert f"({k} needed at the observed paired SD 0.76 points)" in text
        assert "stays open" in text and "same declared effect" in text
        for banned in ("observed difference", "equivalen", "smaller than the smallest"):
            assert banned not in text, (banned, text)
        for n in (int(stats.seeds_needed(0.76, 0.25)), int(stats.seeds_needed(0.76, 0.13))):
            assert f"{n} paired seeds" not in text  # never sized at the observed mean


def test_a_comparison_with_a_diverged_seed_says_which_and_what_it_would_take():
    """A run whose loss overflowed has no score: the comparison is not comparable, names the
    arm and seed, describes the finite seeds (not a test) and says what deciding would need."""
    from actlab.trials import compare as cmp
    from actlab.wording.trials import what_it_would_take as _what_it_would_take

    task = trials.Task("xy", data=_no_data, build=_no_data, score="loss",
                       higher_is_better=False, log10=True)  # fmt: skip
    soft = [9.6, 5.4, float("nan"), 3.8, 800.0]
    relu = [3.6, 7.8, 69.9, 7.6, 19.6]
    runs = [
        {"stage": "eval", "task": "xy", "arm": arm, "seed": seed, "test_score": v,
         "learning_rate": 0.01}
        for arm, values in (("soft exp", soft), ("ReLU", relu))
        for seed, v in enumerate(values)
    ]  # fmt: skip
    q = cmp.Question(id="xy", smallest_effect=1.0)
    (row,) = cmp.compare(runs, {"xy": task}, ["soft exp"], ["ReLU"], [q], False, 0.05)
    assert row["verdict_holm"] == "not comparable: 1 seed(s) not finite"
    assert row["nonfinite"] == (
        "no finite score for soft exp at seed 2 of 5; at the other 4 seeds soft exp scored "
        "better at 2 (described, not tested)"
    )
    text = _what_it_would_take({**row, "question": "difference", "unit": "decades"})
    assert text.startswith("no finite score for soft exp at seed 2 of 5")
    assert "a new trial with a metric declared to score a diverged run" in text
    both = cmp._nonfinite_words([0, 1], np.array([np.nan, 1.0]), np.array([np.inf, 1.0]),
                                "a", "b", task)  # fmt: skip
    assert both.startswith("no finite score for a at seed 0 and b at seed 0 of 2")
    # "better" follows the task's direction: lower for a loss, higher for an accuracy
    a, b = np.array([1.0, 2.0, np.nan]), np.array([2.0, 3.0, 1.0])
    assert "a scored better at 2" in cmp._nonfinite_words([0, 1, 2], a, b, "a", "b", task)
    accuracy = task.replace(higher_is_better=True)
    assert "a scored better at 0" in cmp._nonfinite_words([0, 1, 2], a, b, "a", "b", accuracy)


def _no_data(*args, **kwargs):
    raise AssertionError("not called")


def test_records_of_a_difference_beside_a_margin_question_have_no_nan_margin():
    """In the comparisons table a difference's margin (None) is NaN once another row has one,
    and a question without an id or words beside one that has them; its record says None (or
    names the comparison), and an open difference still says what it would take."""
    row = dict(task="t", candidate="a", baseline="b", family="declared", n=4, mean_diff=0.1,
               sd_diff=0.5, ci_low=-0.7, ci_high=0.9, p=0.7, p_holm=0.7, verdict="no clear "
               "difference", verdict_holm="no clear difference", decided_holm=False, text="...",
               unit="points")  # fmt: skip
    rows = [
        {**row, "question": "difference", "margin": None, "smallest_effect": 0.5},
        {**row, "baseline": "c", "question": "non-inferiority", "margin": 0.5,
         "smallest_effect": None, "verdict": "inconclusive", "verdict_holm": "inconclusive",
         "question_id": "ni", "question_words": "Is a at most 0.5 worse than c?"},
    ]  # fmt: skip
    trial = trials.Trial([], rows, [], {}, [], {}, {}, 0.0)
    assert np.isnan(trial.comparisons["margin"].iloc[0])  # what pandas makes of it
    diff, ni = trial.question_records()
    assert diff["margin"] is None and ni["smallest_effect"] is None
    assert ni["id"] == "ni" and diff["id"] == "a − b (t)"  # not the NaN pandas holds
    assert diff["question"] == "a − b on t: difference"
    assert diff["open"].startswith("about ") and "difference of 0.50" in diff["open"]
    assert ni["open"].endswith("a new trial") and "if the true difference is 0" in ni["open"]


def test_bad_arguments_name_the_argument():
    task = fx.tiny_mlp()
    with pytest.raises(ValueError, match="`tune_seeds` must be disjoint"):
        trials.run_trial(["gelu"], ["relu"], [task], seeds=[10_000], tune_seeds=1)
    with pytest.raises(ValueError, match="unique"):
        trials.run_trial(["relu"], ["relu"], [task])
    with pytest.raises(ValueError, match="Cannot import target"):
        trials.run_trial(["nosuchmodule:act"], ["relu"], [task])
    with pytest.raises(ValueError, match="`margin`"):
        trials.run_trial(["gelu"], ["relu"], [task], question="equivalence")
    with pytest.raises(ValueError, match="`seeds`"):
        trials.run_trial(["gelu"], ["relu"], [task], seeds=[1, 1])
    with pytest.raises(ValueError, match="`last`"):
        task.replace(last=5)
    with pytest.raises(ValueError, match="`train` may hold"):
        trials.Arm("x", "relu", train={"lr": 1})


def test_the_command_exits_2_on_a_bad_target_or_argument(capfd):
    from actlab.trials.cli import main

    assert main(["nosuchmodule:act", "--against", "relu", "--out", "/nonexistent/x"]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Cannot import target 'nosuchmodule:act'" in err[0]
    assert main(["gelu", "--seeds", "many"]) == 2
    assert len(capfd.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_info:  # argparse's own refusal
        main(["gelu", "--epochs", "many"])
    assert exit_info.value.code == 2
    assert len(capfd.readouterr().err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- worker processes
@ENGINE
def test_known_answers_and_the_same_runs_serially_and_on_loky_workers():
    """(x + |x|)/2 against relu, 5 seeds: the interval inside ±0.2 points; 0.01·tanh(x) against
    relu: below 0 (5 seeds read "too few seeds" all the same). Then the same runs of one seed
    again on 2 loky workers: the same rows, bit for bit. (A Dask cluster's runs against the
    serial ones: `test_a_dask_worker_killed_mid_trial_loses_nothing`.)"""
    questions = [
        trials.Question("equivalence", 0.2, candidate="relu_by_abs"),
        trials.Question("difference", candidate="crippled"),
    ]
    serial = _tiny_trial(
        candidates=["relu_by_abs", "crippled"], tasks=[fx.small_mlp()], seeds=5, question=questions
    )
    rows = {r["candidate"]: r for r in serial.comparisons.to_dict("records")}
    same = rows["relu_by_abs"]  # 5 seeds: "too few seeds" (stats.MIN_SEEDS), numbers still read
    assert same["verdict_holm"] == stats.TOO_FEW_SEEDS, same["text"]
    assert -0.2 <= same["ci_low"] and same["ci_high"] <= 0.2, same["text"]
    crippled = rows["crippled"]
    assert crippled["verdict_holm"] == stats.TOO_FEW_SEEDS and crippled["ci_high"] < 0, crippled

    subset = dict(candidates=["crippled"], tasks=[fx.small_mlp()], seeds=[3])
    loky = _tiny_trial(jobs=2, **subset)
    key = ["arm", "seed"]
    expected = serial.runs[serial.runs.arm.isin(["crippled", "relu"]) & (serial.runs.seed == 3)]
    tables = [
        runs.drop(columns=VOLATILE).sort_values(key).reset_index(drop=True)
        for runs in (expected, loky.runs)
    ]
    assert len(tables[0]) == 2
    assert tables[0].equals(tables[1])


def _fake_gpu(monkeypatch):
    from actlab.trials import cache

    monkeypatch.setattr(cache, "visible_devices", lambda backend: [("gpu", "Fake A100")])


@ONCE
def test_the_device_is_in_the_cache_key_and_a_run_on_another_device_is_refused(monkeypatch):
    from actlab.trials import cache
    from actlab.trials.parallel import _on_the_keys_device

    on_cpu = cache.environment_key("tensorflow")
    _fake_gpu(monkeypatch)
    on_gpu = cache.environment_key("tensorflow")
    assert (on_cpu["device"], on_gpu["device"]) == ("cpu", "gpu:Fake A100")
    assert {k for k in on_cpu if on_cpu[k] != on_gpu[k]} == {"device"}
    assert joblib_hash(on_cpu) != joblib_hash(on_gpu)
    run = {"device": "gpu:Fake A100", "curves": {}}
    assert _on_the_keys_device(run, on_gpu) is run
    refused = _on_the_keys_device(run, on_cpu)["error"]
    assert "ran on gpu:Fake A100" in refused and "keyed on cpu" in refused


@ENGINE  # in a fresh process's threads: the JAX pass (TensorFlow's are set by earlier tests)
def test_a_run_records_its_device_in_its_row(monkeypatch):
    import keras

    from actlab.trials.execution import _row
    from actlab.trials.runs import RunSpec, execute_run

    _fake_gpu(monkeypatch)
    task = trials.mnist_mlp(n_train=64, n_val=32, n_test=32, units=(8,), epochs=1, last=1)
    spec = RunSpec(
        task, trials.Arm("relu", "relu"), 1e-3, 0, 1, True, keras.backend.backend(), "eval"
    )
    row = _row(spec, execute_run(spec), cached=False, role="baseline")
    assert row["device"] == "gpu:Fake A100"


def _cached_runs(folder: Path) -> int:
    """How many entries the run cache at `folder` holds (the checkup's among them)."""
    return sum(1 for _ in folder.rglob("output.pkl")) if folder.exists() else 0


@ENGINE
def test_a_dask_worker_killed_mid_trial_loses_nothing(tmp_path):
    """kill -9 of a busy one of two Dask workers once the first run is cached: the scheduler
    hands its run to the other worker (or the one its nanny restarts), and the trial ends with
    the same runs and comparisons, score for score, as an undisturbed (serial) run of the same
    design, each into a cache of its own."""
    import threading

    from distributed import Client, LocalCluster

    design = dict(seeds=2, tasks=[fx.tiny_mlp()])
    reference = _tiny_trial(tmp_path / "reference", **design)
    killed: dict[str, object] = {}

    def kill_a_busy_worker(client, cache, stop):
        while not stop.is_set() and _cached_runs(cache) < 2:  # the checkup and one run
            time.sleep(0.05)
        busy = [w for w, keys in client.processing().items() if keys]
        if busy and not stop.is_set():
            os.kill(client.run(os.getpid, workers=busy[:1])[busy[0]], signal.SIGKILL)
            killed.update(worker=busy[0], cached=_cached_runs(cache))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            stop = threading.Event()
            cache = tmp_path / "disturbed" / "cache"
            killer = threading.Thread(target=kill_a_busy_worker, args=(client, cache, stop))
            killer.start()
            try:
                disturbed = _tiny_trial(tmp_path / "disturbed", scheduler=client, **design)
            finally:
                stop.set()
                killer.join()
            assert killed["worker"] not in client.scheduler_info()["workers"]
    assert killed["cached"] < 1 + len(reference.runs), killed  # killed mid-trial
    assert not disturbed.runs.cached.any()
    key = ["arm", "seed"]
    tables = [
        t.runs.drop(columns=VOLATILE).sort_values(key).reset_index(drop=True)
        for t in (reference, disturbed)
    ]
    assert len(tables[0]) == 4 and tables[0].equals(tables[1])
    assert reference.comparisons.equals(disturbed.comparisons)


@ENGINE
def test_a_run_dask_gives_up_on_comes_back_failed_instead_of_hanging():
    """A run whose worker dies more often than the scheduler allows (here: once) is a failed
    run of the trial (joblib's dask backend never calls back on it, so a trial waited for ever)."""
    import dask
    from distributed import Client, LocalCluster

    from actlab.trials.parallel import _on_dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster:
            with Client(cluster) as client:
                results = list(_on_dask(client, [(os._exit, (7,), {})]))
    assert len(results) == 1 and results[0][0] == 7
    assert results[0][1]["error"].startswith("KilledWorker"), results


@ENGINE
def test_kill_9_in_the_middle_then_the_same_command_trains_only_the_missing_runs(tmp_path):
    command = [
        sys.executable, "-m", "actlab.trials", "trials_fixtures:relu_by_abs",
        "--against", "relu", "--tasks", "trials_fixtures:tiny_mlp", "--seeds", "4",
        "--jobs", "1", "--no-cost", "--force", "--out", str(tmp_path / "out"),
        "--json", str(tmp_path / "summary.json"),
    ]  # fmt: skip
    env = child_env(PYTHONPATH=str(HERE))
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(HERE)])
    log = tmp_path / "first.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and log.read_text().count("trained in") < 2:
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = log.read_text().count("trained in")
    assert 2 <= done_before < 8
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["runs_total"] == 8
    assert summary["runs_cached"] >= done_before
    assert summary["runs_trained"] == 8 - summary["runs_cached"] > 0
    assert len(summary["comparisons"]) == 1 and summary["comparisons"][0]["n"] == 4


def test_log_mse_task_is_a_regression_compared_in_decades():
    task = trials.log_mse_task(
        "r", data=lambda seed: None, build=lambda a, i: None, epochs=2, last=1
    )
    assert (task.loss, task.score, task.higher_is_better, task.metrics) == (
        "mse",
        "loss",
        False,
        (),
    )
    assert (task.scale, task.unit, task.log10, task.epochs) == (1.0, "decades", True, 2)
    assert trials.sin_extrapolation().unit == "decades" and trials.sin_extrapolation().log10
