"""Aggregates across tasks (actlab.trials.suite.aggregate) on synthetic runs tables, no
training: the declared normalization, rliable's IQM and probability of improvement with
stratified bootstrap intervals at a fixed seed, the record, the table and the figure."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from actlab.trials.suite import aggregate as agg

pytestmark = pytest.mark.backend_independent(reason="NumPy, rliable and pandas only, no Keras")

NORMS = {
    "acc": agg.Normalization(reference=10.0, higher_is_better=True),
    "mse": agg.Normalization(reference=np.log10(0.5), higher_is_better=False),  # log10 MSE
}


def _runs(scores: dict[tuple[str, str], list[float]], roles=None) -> pd.DataFrame:
    """A runs table: (task, arm) → test scores over seeds 0..n-1 (plus a tuning row)."""
    rows = []
    for (task, arm), values in scores.items():
        role = (roles or {}).get(arm, "baseline" if arm in ("relu", "gelu") else "candidate")
        for seed, value in enumerate(values):
            rows.append(
                {
                    "task": task,
                    "arm": arm,
                    "role": role,
                    "stage": "eval",
                    "seed": seed,
                    "test_score": value,
                }
            )
        rows.append(
            {
                "task": task,
                "arm": arm,
                "role": role,
                "stage": "tune",
                "seed": 10_000,
                "test_score": float("nan"),
            }
        )
    return pd.DataFrame(rows)


def test_normalization_puts_the_reference_at_0_the_baseline_mean_at_1_higher_better():
    acc = agg.normalized_scores([10.0, 50.0, 90.0], [40.0, 60.0], NORMS["acc"])
    np.testing.assert_allclose(acc, [0.0, 1.0, 2.0])
    # lower is better (a log10 MSE): a decade below the baseline is one more unit
    log = np.log10
    mse = agg.normalized_scores(log([0.5, 0.05, 0.005]), log([0.05, 0.05]), NORMS["mse"])
    np.testing.assert_allclose(mse, [0.0, 1.0, 2.0])
    # a baseline worse than the reference sits at −1, and better still means higher
    worse = agg.normalized_scores(log([5.0, 0.5, 0.05]), log([5.0]), NORMS["mse"])
    np.testing.assert_allclose(worse, [-1.0, 0.0, 1.0])
    # a diverged run is the worst score
    diverged = agg.normalized_scores([float("nan"), float("inf")], log([0.05]), NORMS["mse"])
    assert np.all(diverged == -np.inf)


def test_the_declared_reference_is_the_best_constant_prediction():
    from actlab.trials.suite import factory

    friedman = factory("friedman")(n_train=64, n_val=16, n_test=400)
    norm = agg.normalization_for(friedman, seeds=(0, 1))
    expected = np.mean(
        [np.mean((friedman.data(s).y_test - friedman.data(s).y_train.mean()) ** 2) for s in (0, 1)]
    )
    assert norm.reference == pytest.approx(np.log10(expected), rel=1e-6)  # a log10 task
    assert norm.higher_is_better is False
    tabular = agg.normalization_for(factory("tabular")(), seeds=(0,))
    split = factory("tabular")().data(0)
    majority = np.bincount(split.y_train).argmax()
    assert tabular.reference == pytest.approx(100 * np.mean(split.y_test == majority))


def test_iqm_and_probability_of_improvement_are_rliables_with_seeded_intervals():
    rng = np.random.default_rng(1)
    scores = {}
    for task, base, cand, sd in (("acc", 80.0, 84.0, 1.6), ("mse", -1.0, -1.3, 0.05)):
        scores[(task, "relu")] = list(base + rng.normal(0, sd, 6))
        scores[(task, "mine")] = list(cand + rng.normal(0, sd, 6))
    runs = _runs(scores)
    (record,) = agg.aggregate(runs, NORMS, reps=200, seed=3)
    assert (record.candidate, record.baseline, record.tasks, record.seeds) == (
        "mine",
        "relu",
        ("acc", "mse"),
        6,
    )
    # the point estimates, recomputed by hand
    x = np.column_stack(
        [
            agg.normalized_scores(scores[(t, "mine")], scores[(t, "relu")], NORMS[t])
            for t in ("acc", "mse")
        ]
    )
    y = np.column_stack(
        [
            agg.normalized_scores(scores[(t, "relu")], scores[(t, "relu")], NORMS[t])
            for t in ("acc", "mse")
        ]
    )
    assert record.iqm == pytest.approx(scipy.stats.trim_mean(x, 0.25, axis=None))
    assert record.baseline_iqm == pytest.approx(scipy.stats.trim_mean(y, 0.25, axis=None))
    wins = np.mean([[np.mean(a > y[:, j]) for a in x[:, j]] for j in range(2)])
    assert record.improvement == pytest.approx(wins)
    assert record.iqm_low <= record.iqm <= record.iqm_high
    assert record.improvement_low <= record.improvement <= record.improvement_high <= 1.0
    assert record.iqm_low > record.baseline_iqm_high  # clearly better
    # the same seed, the same intervals; NumPy's global stream is not used
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    assert agg.aggregate(runs, NORMS, reps=200, seed=3) == (record,)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert agg.aggregate(runs, NORMS, reps=200, seed=4)[0].iqm_low != record.iqm_low


def test_the_bootstrap_resamples_runs_within_each_task():
    runs = np.array([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]])  # 3 runs of 2 tasks
    seen = []

    def record(a):
        seen.append(a.copy())
        return a.mean(axis=(1, 2))

    low, high = agg.stratified_bootstrap(record, [runs], reps=200, confidence=0.9, seed=0)
    (a,) = seen
    assert a.shape == (200, 3, 2)
    assert set(a[:, :, 0].ravel()) == {0.0, 1.0, 2.0}
    assert set(a[:, :, 1].ravel()) == {10.0, 11.0, 12.0}
    assert (low, high) == tuple(np.percentile(a.mean(axis=(1, 2)), [5, 95]))
    assert len({b.tobytes() for b in a}) > 20  # with replacement, varied


def test_the_batched_statistics_are_rliables_estimators():
    from rliable import metrics

    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=(30, 6, 3)).astype(float)  # ties included
    y = rng.integers(0, 4, size=(30, 6, 3)).astype(float)
    y[0] = x[0]
    np.testing.assert_allclose(
        agg.iqm_batched(x), [metrics.aggregate_iqm(b) for b in x], rtol=1e-12
    )
    np.testing.assert_allclose(
        agg.improvement_batched(x, y),
        [metrics.probability_of_improvement(a, b) for a, b in zip(x, y, strict=True)],
        rtol=1e-12,
    )


def test_an_arm_against_itself_improves_with_probability_one_half():
    values = {("acc", "relu"): [80.0, 81.0, 79.0], ("acc", "same"): [80.0, 81.0, 79.0]}
    (record,) = agg.aggregate(_runs(values), NORMS, reps=200)
    assert record.improvement == 0.5 and record.iqm == record.baseline_iqm == pytest.approx(1.0)


def test_every_candidate_against_every_baseline_on_the_tasks_both_ran():
    values = {
        ("acc", "relu"): [80.0, 82.0, 81.0],
        ("acc", "gelu"): [81.0, 83.0, 82.0],
        ("acc", "a"): [85.0, 86.0, 84.0],
        ("acc", "b"): [70.0, 72.0, 71.0],
        ("mse", "relu"): [0.1, 0.2, 0.15],
        ("mse", "a"): [0.05, 0.06, 0.07],
    }
    records = agg.aggregate(_runs(values), NORMS, reps=200)
    assert [(r.candidate, r.baseline, r.tasks) for r in records] == [
        ("a", "relu", ("acc", "mse")),
        ("a", "gelu", ("acc",)),
        ("b", "relu", ("acc",)),
        ("b", "gelu", ("acc",)),
    ]
    table = agg.aggregate_table(records)
    assert list(table.columns) == [f.name for f in dataclasses.fields(agg.Aggregate)]
    assert table.tasks.tolist() == ["acc,mse", "acc", "acc", "acc"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        records[0].iqm = 0.0


def test_diverged_runs_count_as_the_worst_and_are_counted():
    values = {
        ("mse", "relu"): [0.1, 0.1, 0.1, 0.1],
        ("mse", "bad"): [0.05, float("nan"), 0.05, 0.05],
    }
    (record,) = agg.aggregate(_runs(values), NORMS, reps=200)
    assert record.nonfinite == 1 and math.isfinite(record.iqm)


@pytest.mark.parametrize(
    "values, norms, words",
    [
        ({("acc", "relu"): [80.0, 81.0], ("acc", "a"): [82.0]}, NORMS, "same evaluation seeds"),
        ({("acc", "relu"): [80.0, 81.0], ("acc", "a"): [82.0, 83.0]}, {}, "No `Normalization`"),
        (
            {("acc", "relu"): [10.0, 10.0], ("acc", "a"): [82.0, 83.0]},
            NORMS,
            "equals the reference",
        ),
        ({("acc", "relu"): [80.0, 81.0], ("mse", "a"): [-1.0, -0.7]}, NORMS, "share no task"),
    ],
)
def test_what_cannot_be_aggregated_is_refused_saying_why(values, norms, words):
    with pytest.raises(ValueError, match=words):
        agg.aggregate(_runs(values), norms, reps=200)


def test_a_normalization_needs_a_finite_reference():
    with pytest.raises(ValueError, match="reference"):
        agg.Normalization(reference=float("-inf"), higher_is_better=False)


def test_the_figure_has_rliables_two_plots_with_title_and_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = {
        ("acc", "relu"): [80.0, 82.0, 81.0],
        ("acc", "gelu"): [81.0, 83.0, 82.0],
        ("acc", "a"): [85.0, 86.0, 84.0],
    }
    fig = agg.plot_aggregates(agg.aggregate(_runs(values), NORMS, reps=200))
    try:
        iqm, poi = fig.axes[:2]
        assert "IQM" in iqm.get_title() and "normalized" in iqm.get_xlabel()
        assert [t.get_text() for t in iqm.get_yticklabels()] == [
            "a (vs relu)",
            "relu",
            "a (vs gelu)",
            "gelu",
        ]
        assert poi.get_xlabel() == "P(candidate > baseline)" and poi.get_title()
        assert fig._suptitle is not None and "1 tasks" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_a_trials_runs_aggregate_with_each_tasks_declared_reference():
    from types import SimpleNamespace

    from actlab.trials.suite import factory

    tabular = factory("tabular")()
    values = {("tabular", "relu"): [93.0, 94.0, 92.0], ("tabular", "a"): [95.0, 96.0, 94.0]}
    trial = SimpleNamespace(runs=_runs(values), tasks={"tabular": tabular})
    (record,) = agg.aggregate_trial(trial, reps=200)
    norms = agg.normalizations([tabular], seeds=[0, 1, 2])
    assert agg.aggregate(trial.runs, norms, reps=200) == (record,)
    assert 55 < norms["tabular"].reference < 70  # the majority class: benign, 63 %
