"""actlab.stats' declared questions: decide_paired (difference, non-inferiority, equivalence),
TOST, Holm and the power calculation behind seeds_needed, against scipy (a test oracle only) and
by simulation (type-I error, coverage and power within Monte Carlo error)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import stats, wording


@pytest.fixture(autouse=True)
def _arithmetic_on_few_seeds(monkeypatch):
    """These tests check the intervals' and verdicts' arithmetic, often on 2 to 5 seeds: the
    floor of `stats.MIN_SEEDS` below which nothing is decided is lowered to 2 here and tested
    on its own (`test_no_verdict_is_decided_on_fewer_than_min_seeds` in test_stats.py)."""
    import functools

    for name in ("compare_paired", "decide_paired"):
        monkeypatch.setattr(stats, name, functools.partial(getattr(stats, name), min_seeds=2))


scipy_stats = pytest.importorskip("scipy.stats")


def _mc_bound(p: float, sims: int) -> float:
    """Four Monte Carlo standard errors of a proportion `p` estimated from `sims` runs."""
    return 4 * math.sqrt(p * (1 - p) / sims)


def test_difference_p_is_scipys_paired_t_test_and_agrees_with_the_interval():
    rng = np.random.default_rng(1)
    for n in [2, 3, 5, 12]:
        for _ in range(20):
            a, b = rng.normal(0.3, 1.0, n), rng.normal(0.0, 1.0, n)
            r = stats.decide_paired(a, b)
            assert r["p"] == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue, rel=1e-9)
            assert (r["p"] < 0.05) == r["decided"] == (r["ci_low"] > 0 or r["ci_high"] < 0)


def test_non_inferiority_and_equivalence_p_against_scipy_one_sided_tests():
    rng = np.random.default_rng(2)
    m = 0.5
    for n in [3, 6, 10]:
        for _ in range(20):
            d = rng.normal(rng.uniform(-1, 1), 0.5, n)
            ni = stats.decide_paired(d, np.zeros(n), "non-inferiority", margin=m)
            p_ni = scipy_stats.ttest_1samp(d + m, 0, alternative="greater").pvalue
            p_inf = scipy_stats.ttest_1samp(d + m, 0, alternative="less").pvalue
            expected = {"non-inferior": p_ni, "inferior": p_inf, "inconclusive": p_ni}
            assert ni["p"] == pytest.approx(min(1, 2 * expected[ni["verdict"]]), rel=1e-9)
            assert (ni["p"] < 0.05) == ni["decided"]
            assert (ni["verdict"] == "non-inferior") == (ni["ci_low"] > -m)
            eq = stats.decide_paired(d, np.zeros(n), "equivalence", margin=m)
            lower = scipy_stats.ttest_1samp(d + m, 0, alternative="greater").pvalue
            upper = scipy_stats.ttest_1samp(d - m, 0, alternative="less").pvalue
            if eq["verdict"] in ("equivalent", "inconclusive"):
                assert eq["p"] == pytest.approx(min(1, 2 * max(lower, upper)), rel=1e-9)
            assert (eq["verdict"] == "equivalent") == (-m < eq["ci_low"] and eq["ci_high"] < m)
            assert (eq["p"] < 0.05) == eq["decided"]
            # lower is better (an MSE): "worse" is higher, so the test mirrors
            lower_better = stats.decide_paired(
                -d, np.zeros(n), "non-inferiority", margin=m, higher_is_better=False
            )
            assert lower_better["verdict"] == ni["verdict"] and lower_better["p"] == ni["p"]


def test_tost_is_two_one_sided_scipy_tests():
    rng = np.random.default_rng(3)
    for n in [3, 8]:
        for _ in range(20):
            a, b = rng.normal(0.1, 1.0, n), rng.normal(0.0, 1.0, n)
            r = stats.tost(a, b, margin=0.8, alpha=0.05)
            d = a - b
            lower = scipy_stats.ttest_1samp(d + 0.8, 0, alternative="greater").pvalue
            upper = scipy_stats.ttest_1samp(d - 0.8, 0, alternative="less").pvalue
            assert r["p_lower"] == pytest.approx(lower, rel=1e-9)
            assert r["p_upper"] == pytest.approx(upper, rel=1e-9)
            assert r["equivalent"] == (max(lower, upper) < 0.05)
            # the (1 - 2 alpha) interval inside the margins is the same decision
            assert r["equivalent"] == (-0.8 < r["ci_low"] and r["ci_high"] < 0.8)


def test_identical_runs_are_equivalent_and_show_no_difference():
    a = [97.1, 96.8, 97.4, 97.0, 96.9]
    assert stats.decide_paired(a, a)["verdict"] == "no clear difference"
    assert stats.decide_paired(a, a)["p"] == 1.0
    eq = stats.decide_paired(a, a, "equivalence", margin=0.2)
    assert eq["verdict"] == "equivalent" and eq["p"] == 0.0
    assert stats.decide_paired(a, a, "non-inferiority", margin=0.2)["verdict"] == "non-inferior"


def test_type_one_error_and_coverage_by_simulation():
    rng = np.random.default_rng(4)
    sims, n, alpha = 1200, 5, 0.05
    d = rng.normal(0.0, 1.0, (sims, n))
    rejected = covered = ni_false = eq_false = 0
    for row in d:
        r = stats.decide_paired(row, np.zeros(n))
        rejected += r["decided"]
        covered += r["ci_low"] < 0.0 < r["ci_high"]
        # true difference exactly on the margin: a false "non-inferior" / "equivalent"
        ni_false += (
            stats.decide_paired(row - 0.5, np.zeros(n), "non-inferiority", 0.5)["verdict"]
            == "non-inferior"
        )
        eq_false += (
            stats.decide_paired(row + 0.5, np.zeros(n), "equivalence", 0.5)["verdict"]
            == "equivalent"
        )
    assert abs(rejected / sims - alpha) < _mc_bound(alpha, sims)
    assert abs(covered / sims - (1 - alpha)) < _mc_bound(alpha, sims)
    assert abs(ni_false / sims - alpha / 2) < _mc_bound(alpha / 2, sims)
    assert eq_false / sims < alpha / 2 + _mc_bound(alpha / 2, sims)


def test_power_matches_scipys_noncentral_t_and_simulation():
    for n, sd, effect in [(3, 1.0, 1.0), (5, 0.3, 0.5), (10, 1.0, 0.5), (30, 2.0, 1.0)]:
        tc = scipy_stats.t.ppf(0.975, n - 1)
        ncp = effect * math.sqrt(n) / sd
        exact = scipy_stats.nct.sf(tc, n - 1, ncp) + scipy_stats.nct.cdf(-tc, n - 1, ncp)
        assert stats.power_paired(n, sd, effect) == pytest.approx(exact, abs=5e-5)
    rng = np.random.default_rng(5)
    sims = 1000
    for question, effect, margin in [
        ("difference", 0.5, None),
        ("non-inferiority", 0.0, 0.4),
        ("equivalence", 0.0, 0.6),
    ]:
        n, sd = 6, 0.4
        expected = stats.power_paired(n, sd, effect, question, margin)
        claim = {"difference": None, "non-inferiority": "non-inferior", "equivalence": "equivalent"}
        hits = 0
        for row in rng.normal(effect, sd, (sims, n)):
            r = stats.decide_paired(row, np.zeros(n), question, margin)
            hits += r["decided"] if claim[question] is None else r["verdict"] == claim[question]
        assert abs(hits / sims - expected) < _mc_bound(expected, sims), (question, expected)


def test_seeds_needed_is_the_smallest_n_with_80_percent_power():
    for kwargs in [
        dict(sd=0.27, effect=0.5),
        dict(sd=0.68, effect=0.5),
        dict(sd=0.3, question="non-inferiority", margin=0.5),
        dict(sd=0.3, question="equivalence", margin=0.2),
        dict(sd=0.3, effect=0.05, question="equivalence", margin=0.2),
    ]:
        k = stats.seeds_needed(**kwargs)
        assert float(k).is_integer() and k >= 2
        sd, effect = kwargs["sd"], kwargs.get("effect", 0.0)
        q, m = kwargs.get("question", "difference"), kwargs.get("margin")
        assert stats.power_paired(int(k), sd, effect, q, m) >= 0.8
        assert k == 2 or stats.power_paired(int(k) - 1, sd, effect, q, m) < 0.8
    # about twice the seeds of "half-width = observed difference" (the old rule's 50 % power)
    assert stats.seeds_needed(0.68, 0.5) >= 2 * 5
    assert stats.seeds_needed(0.3, 0.3, question="equivalence", margin=0.2) == math.inf
    assert "80 % power (paired t-test" in wording.design_text(0.3, 0.5)
    for bad, name in [
        (dict(sd=0.3), "`effect`"),
        (dict(sd=-1, effect=0.5), "`sd`"),
        (dict(sd=0.3, effect=0.5, power=80), "`power`"),
        (dict(sd=0.3, question="equivalence"), "`margin`"),
        (dict(sd=0.3, effect=0.5, question="same"), "`question`"),
        (dict(sd=0.3, effect=0.5, alpha=5), "`alpha`"),
    ]:
        with pytest.raises(ValueError, match=name):
            stats.seeds_needed(**bad)


def _holm_rejects(p: np.ndarray, alpha: float) -> np.ndarray:
    """Holm's procedure as stated (Holm 1979): order the p-values, reject H_(1), H_(2), ...
    while p_(i) <= alpha / (m - i + 1), stop at the first that is not."""
    m = len(p)
    rejected = np.zeros(m, dtype=bool)
    for rank, j in enumerate(np.argsort(p, kind="stable")):
        if p[j] > alpha / (m - rank):
            break
        rejected[j] = True
    return rejected


def test_holm_adjusted_p_by_definition_and_family_wise_error():
    rng = np.random.default_rng(7)
    for _ in range(200):
        p = rng.uniform(0, 0.2, rng.integers(1, 8))
        adjusted = stats.holm(p)
        for alpha in (0.01, 0.03, 0.05, 0.1):
            np.testing.assert_array_equal(adjusted <= alpha, _holm_rejects(p, alpha))
    np.testing.assert_allclose(stats.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.isnan(stats.holm([0.01, np.nan])[1]) and stats.holm([0.01, np.nan])[0] == 0.01
    with pytest.raises(ValueError, match="`p_values`"):
        stats.holm([0.5, 1.5])
    # five true nulls, five paired comparisons each: FWER <= alpha after Holm, not before
    sims, any_raw, any_holm = 400, 0, 0
    for _ in range(sims):
        results = [stats.decide_paired(rng.normal(0, 1, 5), np.zeros(5)) for _ in range(5)]
        any_raw += any(r["decided"] for r in results)
        any_holm += any(r["decided_holm"] for r in stats.holm_verdicts(results))
    assert any_holm / sims <= 0.05 + _mc_bound(0.05, sims)
    assert any_raw / sims > 0.15  # 1 - 0.95**5 = 0.23 without a correction


def test_holm_verdicts_keep_or_open_each_verdict():
    big = stats.decide_paired([3.0, 3.2, 2.9, 3.1], [0.0, 0.1, 0.0, 0.2])
    weak = stats.decide_paired([1.0, 1.8, 0.55, 1.6], [0.5, 0.9, 0.4, 1.0])
    null = stats.decide_paired([1.0, 2.0, 3.0], [1.5, 1.5, 3.2])
    eq = stats.decide_paired([1.0, 1.1], [1.0, 1.1], "equivalence", 0.5)
    assert big["decided"] and weak["decided"] and 0.025 < weak["p"] < 0.05
    out = stats.holm_verdicts([big, weak, eq, null])  # weak's p is doubled (rank 3 of 4)
    assert out[0]["verdict_holm"] == "a higher" and out[0]["decided_holm"]
    assert out[1]["verdict_holm"] == "no clear difference" and not out[1]["decided_holm"]
    assert out[1]["verdict"] == "a higher"  # the unadjusted verdict stays beside it
    assert out[2]["verdict_holm"] == "equivalent"


def test_decide_paired_arguments():
    good = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="`question`"):
        stats.decide_paired(good, good, "same")
    with pytest.raises(ValueError, match="`margin`"):
        stats.decide_paired(good, good, "equivalence")
    with pytest.raises(ValueError, match="`margin`"):
        stats.decide_paired(good, good, "difference", margin=0.5)
    with pytest.raises(ValueError, match="`alpha`"):
        stats.decide_paired(good, good, alpha=1.5)
    one = stats.decide_paired([1.0], [2.0])
    assert one["verdict"] == "single seed" and math.isnan(one["p"])


def test_power_of_a_difference_is_a_probability_at_every_effect():
    # scipy's nct.cdf returns NaN at some large noncentralities: the power reads both tails
    # as upper tails, so a far-off effect has power 1, not NaN
    for n in (2, 3, 5, 30):
        for effect in (0.0, 0.3, 1.0, 4.0, 10.0, 40.0):
            p = stats.power_paired(n, 0.4, effect)
            assert 0.0 <= p <= 1.0, (n, effect, p)
    assert stats.power_paired(3, 0.4, 40.0) == pytest.approx(1.0)


def test_results_are_frozen_records_with_to_dict():
    import dataclasses
    import json

    from actlab._util import to_jsonable

    a, b = [1.0, 2.0, 3.5, 4.0], [0.5, 2.0, 3.0, 3.0]
    r = stats.decide_paired(a, b, "non-inferiority", 0.5)
    assert isinstance(r, stats.Decision) and r.question == "non-inferiority"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.p = 0.0
    d = r.to_dict()
    assert d["p"] == r.p == r["p"] and "p_holm" not in d and dict(r) == d
    json.dumps(to_jsonable(r))
    (held,) = stats.holm_verdicts([r])
    assert isinstance(held, stats.Decision) and held.p_holm == pytest.approx(r.p)
    assert held.to_dict()["verdict_holm"] == held.verdict_holm
    c = stats.compare_paired(a, b)
    assert isinstance(c, stats.Comparison) and "a" not in c.to_dict()
    rec = stats.compare_records(
        [
            {"variant": v, "seed": s, "x": x}
            for v, xs in (("A", a), ("B", b))
            for s, x in enumerate(xs)
        ],
        "A",
        "B",
        value="x",
    )
    assert (rec.a, rec.b, rec.seeds) == ("A", "B", [0, 1, 2, 3]) and rec.mean_diff == c.mean_diff
    t = stats.tost(a, b, 2.0)
    assert isinstance(t, stats.Tost) and t.to_dict()["equivalent"] == t.equivalent
