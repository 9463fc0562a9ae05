"""actlab.readings: the statistics of a confirmatory trial, checked against scipy, exact
enumeration, brute force, hand-worked cases and simulation (numbers, not words)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from actlab import readings

pytestmark = pytest.mark.backend_independent(
    reason="NumPy/SciPy statistics: no Keras backend involved"
)


# ------------------------------------------------------------------------------------ four_way
@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.6, 2.0, "different"),  # excludes 0, reaches past δ
        (-3.0, -0.1, "different"),
        (0.1, 0.4, "different_but_smaller"),
        (-0.4, -0.1, "different_but_smaller"),
        (-0.3, 0.4, "equivalent"),
        (-0.7, 0.4, "undetermined"),
        (-2.0, 2.0, "undetermined"),
        (0.2, 0.8, "different"),  # excludes 0, straddles δ: not within
    ],
)
def test_four_way_readings(low, high, reading):
    result = readings.four_way(low, high, 0.5)
    assert result.reading == reading
    assert result.decided == (reading != "undetermined")
    assert json.loads(json.dumps(result.to_dict()))["reading"] == reading


@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.0, 0.3, "equivalent"),  # an endpoint at 0 includes 0
        (-0.3, 0.0, "equivalent"),
        (0.0, 0.0, "equivalent"),
        (0.1, 0.5, "different"),  # an endpoint at +δ is not within ±δ
        (-0.5, -0.1, "different"),
        (-0.5, 0.2, "undetermined"),
        (-0.5, 0.5, "undetermined"),
        (0.0, 0.5, "undetermined"),
        (math.nan, math.nan, "undetermined"),
        (-math.inf, math.inf, "undetermined"),
        (0.7, math.inf, "different"),
    ],
)
def test_four_way_boundaries(low, high, reading):
    assert readings.four_way(low, high, 0.5).reading == reading


@pytest.mark.parametrize("delta", [0, 0.0, -0.5, math.nan, math.inf, None, "0.5", True])
def test_four_way_rejects_a_bad_delta(delta):
    with pytest.raises(ValueError, match="`delta`"):
        readings.four_way(-0.1, 0.1, delta)


def test_four_way_rejects_a_reversed_interval():
    with pytest.raises(ValueError, match="`low`"):
        readings.four_way(0.3, 0.1, 0.5)


# ---------------------------------------------------------------------------------- sign_flip_p
def _scipy_exact_sign_flip(d, alternative):
    return stats.permutation_test(
        (d,),
        lambda x, axis: np.sum(x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf,
        alternative=alternative,
    ).pvalue


@pytest.mark.parametrize("n", [2, 5, 8, 11])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_sign_flip_matches_scipy_exact(n, alternative):
    rng = np.random.default_rng(n)
    for shift in (0.0, 0.4, -1.0):
        d = rng.normal(shift, 1.0, n)
        result = readings.sign_flip_p(d, alternative)
        assert result.method == "exact" and result.n == n
        assert result.p == pytest.approx(_scipy_exact_sign_flip(d, alternative), abs=1e-12)


def test_sign_flip_of_one_seed_is_never_below_one_half():
    assert readings.sign_flip_p([2.0]).p == 1.0
    assert readings.sign_flip_p([2.0], "greater").p == 0.5


def test_sign_flip_with_ties_and_zeros_matches_scipy():
    d = np.array([1.0, 1.0, -1.0, 2.0, 0.0, 2.0, 3.0])
    for alternative in ("two-sided", "greater", "less"):
        assert readings.sign_flip_p(d, alternative).p == pytest.approx(
            _scipy_exact_sign_flip(d, alternative), abs=1e-12
        )


def test_sign_flip_cannot_go_below_0_0625_at_five_seeds():
    rng = np.random.default_rng(5)
    smallest = min(readings.sign_flip_p(rng.normal(3, 1, 5) + 10).p for _ in range(20))
    assert smallest == pytest.approx(0.0625)  # 2 of 32 patterns: the observed and its mirror
    assert readings.sign_flip_p([1.0, 2.0, 3.0, 4.0, 5.0], "greater").p == pytest.approx(1 / 32)


def test_sign_flip_exact_at_20_seeds_and_monte_carlo_beyond():
    rng = np.random.default_rng(20)
    d = rng.normal(0.3, 1.0, 20)
    exact = readings.sign_flip_p(d)
    assert exact.method == "exact"
    # the same null by random patterns: within Monte Carlo error of the exact p
    assert exact.p == pytest.approx(
        stats.permutation_test(
            (d,),
            lambda x, axis: np.sum(x, axis=axis),
            permutation_type="samples",
            vectorized=True,
            n_resamples=20_000,
            rng=1,
        ).pvalue,
        abs=0.01,
    )
    d = rng.normal(0.3, 1.0, 21)
    first, again = readings.sign_flip_p(d, seed=3), readings.sign_flip_p(d, seed=3)
    assert first.method == "monte_carlo" and first.p == again.p  # fixed seed: reproducible
    assert first.p >= 1 / 100_001


def test_sign_flip_rejects_non_finite_differences():
    with pytest.raises(ValueError, match="`diffs`"):
        readings.sign_flip_p([1.0, math.nan, 2.0])
    with pytest.raises(ValueError, match="`alternative`"):
        readings.sign_flip_p([1.0, 2.0], "both")


# ---------------------------------------------------------------------------------- wilcoxon_hl
def test_signed_rank_cdf_is_the_enumerated_distribution():
    from actlab.readings.paired import _signed_rank_cdf

    for n in (1, 4, 9):
        ranks = np.arange(1, n + 1)
        k = np.arange(1 << n)[:, None]
        t_plus = (((k >> np.arange(n)) & 1) * ranks).sum(axis=1)  # T⁺ of every sign pattern
        for t in range(-1, n * (n + 1) // 2 + 1):
            assert _signed_rank_cdf(n, t) == pytest.approx(np.mean(t_plus <= t), abs=1e-12)


def test_signed_rank_cdf_at_50_seeds_is_the_counting_recursion():
    from actlab.readings.paired import _hl_rank, _signed_rank_cdf

    n, total = 50, 50 * 51 // 2
    counts = [1] + [0] * total  # sign patterns with T⁺ = t, adding rank r at a time
    for r in range(1, n + 1):
        for t in range(total, r - 1, -1):
            counts[t] += counts[t - r]
    cdf = np.cumsum(counts) / 2.0**n
    for t in (300, 435, 466, 600):
        assert _signed_rank_cdf(n, t) == pytest.approx(cdf[t], rel=1e-9)
    k, coverage, _ = _hl_rank(n, 0.95)
    assert cdf[k - 1] <= 0.025 < cdf[k] and coverage == pytest.approx(1 - 2 * cdf[k - 1])


def test_hodges_lehmann_estimate_is_the_median_of_walsh_averages():
    rng = np.random.default_rng(7)
    for n in (2, 3, 8, 13):
        d = rng.standard_cauchy(n)
        walsh = [(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)]
        assert readings.wilcoxon_hl(d).estimate == pytest.approx(float(np.median(walsh)))


def test_hodges_lehmann_hand_checked_case():
    # d = 1..8: M = 36 Walsh averages (i + j)/2, i ≤ j, sorted 1, 1.5, 2, 2, 2.5, 2.5, … .
    # T⁺ ≤ 3 in 5 of 256 sign patterns ({}, {1}, {2}, {3}, {1, 2}): 0.0195 ≤ 0.025 and
    # T⁺ ≤ 4 in 7 (0.0273 > 0.025), so k = 4: [W(4), W(33)] = [2, 7] (the table's critical
    # value 3 for n = 8 at two-sided 0.05), coverage 1 − 10/256; the estimate is 4.5.
    result = readings.wilcoxon_hl(np.arange(1.0, 9.0))
    assert (result.rank, result.low, result.high, result.estimate) == (4, 2.0, 7.0, 4.5)
    assert result.coverage == pytest.approx(1 - 10 / 256)
    assert result.interval_method == "exact" and result.p_method == "exact"
    assert result.p == pytest.approx(2 / 256)  # T⁺ = 36: only the all-positive pattern
    assert json.loads(json.dumps(result.to_dict()))["rank"] == 4


def test_hodges_lehmann_has_no_finite_95_interval_at_five_seeds():
    result = readings.wilcoxon_hl([1.0, 2.0, 3.0, 4.0, 5.0])
    assert result.rank == 0 and result.low == -math.inf and result.high == math.inf


def test_wilcoxon_p_is_scipys():
    rng = np.random.default_rng(3)
    d = rng.normal(0.5, 1.0, 30)
    result = readings.wilcoxon_hl(d)
    assert result.p == stats.wilcoxon(d).pvalue and result.p_method == "exact"
    d = np.round(d[:12], 0)  # ties and zeros: scipy permutes exhaustively up to 13
    assert readings.wilcoxon_hl(d).p_method == "permutation"
    assert readings.wilcoxon_hl(rng.normal(0, 1, 60)).p_method == "asymptotic"


def test_hodges_lehmann_normal_interval_beyond_50_seeds_is_near_the_exact_rank():
    from actlab.readings.paired import _hl_rank

    exact_k, _, method = _hl_rank(50, 0.95)
    assert method == "exact"
    result = readings.wilcoxon_hl(np.random.default_rng(4).normal(0, 1, 51))
    assert result.interval_method == "normal" and math.isnan(result.coverage)
    assert abs(result.rank - exact_k) <= 30  # 51 seeds add 51 Walsh averages, ~25 per side
    # the normal k at n = 50 lies within one rank of the exact one
    z = stats.norm.ppf(0.975)
    normal_k = math.floor(50 * 51 / 4 + 0.5 - z * math.sqrt(50 * 51 * 101 / 24))
    assert abs(normal_k - exact_k) <= 1


def test_hodges_lehmann_interval_covers_a_shifted_cauchy_centre():
    rng = np.random.default_rng(12)
    samples = rng.standard_cauchy((1000, 12)) + 1.3  # SE of the coverage: 0.0064
    covered = [r.low <= 1.3 <= r.high for r in map(readings.wilcoxon_hl, samples)]
    nominal = readings.wilcoxon_hl(samples[0]).coverage  # the exact coverage, ≥ 0.95
    assert nominal >= 0.95
    assert np.mean(covered) >= 0.95 - 0.02


# ------------------------------------------------------------------ sign test, Clopper–Pearson
def test_sign_test_is_scipys_binomial_test_on_the_non_zero_signs():
    assert readings.sign_test_p([1.0, 2.0, 3.0, 4.0, 5.0]).p == pytest.approx(2 / 32)
    result = readings.sign_test_p([1.0, 0.0, -2.0, 3.0, 4.0, 0.0, 5.0])
    assert (result.n, result.statistic) == (5, 4.0)
    assert result.p == stats.binomtest(4, 5).pvalue
    assert readings.sign_test_p([0.0, 0.0]).p == 1.0


@pytest.mark.parametrize(("k", "n"), [(0, 20), (1, 20), (7, 20), (20, 20), (3, 171)])
def test_clopper_pearson_is_the_beta_quantile_interval(k, n):
    rate = readings.clopper_pearson(k, n)
    low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
    assert (rate.low, rate.high) == (pytest.approx(low), pytest.approx(high))
    assert rate.rate == k / n and rate.method == "clopper_pearson"


def test_clopper_pearson_of_no_divergence_in_20_runs():
    assert readings.clopper_pearson(0, 20).high == pytest.approx(1 - 0.025 ** (1 / 20))
    with pytest.raises(ValueError, match="`k`"):
        readings.clopper_pearson(21, 20)
    with pytest.raises(ValueError, match="`n`"):
        readings.clopper_pearson(0, 0)


# ---------------------------------------------------------------------------------- holm_family
def test_holm_keeps_an_unscorable_question_in_its_family():
    # 02's family: MNIST (p small), sin x (raw p 0.0335), x·y (unscorable: a diverged run).
    declared = readings.holm_family([0.001, 0.0335, None], alpha=0.05)
    shrunk = readings.holm_family([0.001, 0.0335], alpha=0.05)
    assert declared.m == 3 and shrunk.m == 2
    assert round(declared.adjusted[1], 3) == 0.067  # 2 · 0.0335 at step 2 of 3
    assert round(shrunk.adjusted[1], 3) == 0.034  # 1 · 0.0335 at step 2 of 2
    assert declared.rejected == (True, False, False)
    assert shrunk.rejected == (True, True)
    assert declared.scorable == (True, True, False)
    assert math.isnan(declared.p[2]) and math.isnan(declared.adjusted[2])
    assert declared.level == pytest.approx((0.05 / 3, 0.05 / 2, 0.05))
    assert readings.holm_family([0.001, math.nan, 0.0335]).adjusted[2] == pytest.approx(0.067)
    assert json.loads(json.dumps(declared.to_dict()))["adjusted"][2] == "nan"


def test_holm_never_rejects_an_unscorable_question_even_alone():
    family = readings.holm_family([None, math.nan], alpha=0.05)
    assert family.rejected == (False, False) and family.m == 2


def test_holm_matches_the_step_down_definition():
    rng = np.random.default_rng(0)
    for _ in range(200):
        m = int(rng.integers(1, 7))
        p = rng.uniform(0, 0.1, m)
        family = readings.holm_family(list(p), alpha=0.05)
        order = np.argsort(p, kind="stable")
        rejected, going = np.zeros(m, bool), True
        for step, i in enumerate(order):
            going = going and p[i] <= 0.05 / (m - step)
            rejected[i] = going
        assert family.rejected == tuple(rejected)


def test_holm_rejects_bad_p_values():
    with pytest.raises(ValueError, match="`p_values`"):
        readings.holm_family([0.1, 1.5])
    with pytest.raises(ValueError, match="`p_values`"):
        readings.holm_family([])
    with pytest.raises(ValueError, match="`alpha`"):
        readings.holm_family([0.1], alpha=0)


# -------------------------------------------------------------------------- power and sizing
def _simulated_power(n, sd, effect, alpha, kind, true=0.0, reps=20_000, seed=0):
    rng = np.random.default_rng(seed)
    mu = effect if kind == "difference" else true
    d = rng.normal(mu, sd, (reps, n))
    mean, se = d.mean(axis=1), d.std(axis=1, ddof=1) / math.sqrt(n)
    half = stats.t.ppf(1 - alpha / 2, n - 1) * se
    low, high = mean - half, mean + half
    if kind == "difference":
        return np.mean((low > 0) | (high < 0))
    if kind == "non_inferiority":
        return np.mean(low > -effect)
    return np.mean((low > -effect) & (high < effect))


@pytest.mark.parametrize(
    ("kind", "effect", "true"),
    [("difference", 0.5, 0.0), ("non_inferiority", 0.4, 0.0), ("equivalence", 0.9, 0.1)],
)
@pytest.mark.parametrize("alpha", [0.05, 0.025])
def test_power_matches_simulated_paired_t_tests(kind, effect, true, alpha):
    computed = readings.power_paired_t(20, 1.0, effect, alpha, kind, true_difference=true)
    simulated = _simulated_power(20, 1.0, effect, alpha, kind, true)
    assert 0.2 < computed < 0.95  # a power where the check has teeth
    assert abs(simulated - computed) < 0.01


def test_the_issues_sizing_numbers():
    at_alpha = readings.seeds_for_power(2.1, 0.5, 0.05)
    assert (at_alpha.n, round(at_alpha.power, 3)) == (141, 0.802)
    at_holm = readings.seeds_for_power(2.1, 0.5, readings.holm_alpha(0.05, 2))
    assert (at_holm.n, round(at_holm.power, 3)) == (171, 0.802)
    # 141 seeds read at Holm's first step: 71 % power
    assert round(readings.power_paired_t(141, 2.1, 0.5, 0.025), 2) == 0.71


def test_seeds_for_power_is_the_smallest_n():
    for kind, true in (("difference", 0.0), ("non_inferiority", 0.1), ("equivalence", 0.0)):
        sizing = readings.seeds_for_power(1.0, 0.5, 0.05, 0.8, kind, true_difference=true)
        n = int(sizing.n)
        assert readings.power_paired_t(n, 1.0, 0.5, 0.05, kind, true_difference=true) >= 0.8
        assert readings.power_paired_t(n - 1, 1.0, 0.5, 0.05, kind, true_difference=true) < 0.8
    beyond = readings.seeds_for_power(1.0, 0.5, kind="equivalence", true_difference=0.5)
    assert beyond.n == math.inf and math.isnan(beyond.power)


def test_sd_upper_limit_and_the_registrations_sizing():
    # the SD's upper 80 % limit from a pilot of 20: sd·√(19/χ²₀.₂(19))
    upper = readings.sd_upper_limit(2.1, 20)
    assert upper == pytest.approx(2.1 * math.sqrt(19 / stats.chi2.ppf(0.2, 19)))
    # by simulation: the limit lies above the true SD in 80 % of pilots
    rng = np.random.default_rng(1)
    s = rng.normal(0, 1, (20_000, 20)).std(axis=1, ddof=1)
    assert np.mean(s * upper / 2.1 >= 1.0) == pytest.approx(0.8, abs=0.01)
    sizing = readings.size_trial(2.1, 0.5, n_pilot=20, alpha=0.05, m=2)
    assert (sizing.n, sizing.alpha, sizing.sd_upper) == (171, 0.025, pytest.approx(upper))
    assert sizing.power_at_sd_upper == pytest.approx(
        readings.power_paired_t(171, upper, 0.5, 0.025)
    )
    assert sizing.power_at_sd_upper < sizing.power
    assert json.loads(json.dumps(sizing.to_dict()))["n"] == 171


def test_power_arguments_are_checked():
    with pytest.raises(ValueError, match="`n`"):
        readings.power_paired_t(1, 1.0, 0.5)
    with pytest.raises(ValueError, match="`effect`"):
        readings.power_paired_t(10, 1.0, 0.0)
    with pytest.raises(ValueError, match="`kind`"):
        readings.power_paired_t(10, 1.0, 0.5, kind="superiority")
    with pytest.raises(ValueError, match="`m`"):
        readings.holm_alpha(0.05, 0)
    assert readings.holm_alpha(0.05, 3) == pytest.approx(0.05 / 3)


# ------------------------------------------------------------------------------ rounding_factor
def test_rounding_factor_on_a_constructed_layout():
    a1, a2 = [3.0, 5.0, 4.0, 6.0], [3.2, 4.6, 4.4, 6.2]
    b1, b2 = [2.0, 4.5, 4.0, 5.0], [2.0, 4.3, 4.2, 5.4]
    result = readings.rounding_factor(a1, a2, b1, b2, margin=0.25)
    d1, d2 = np.subtract(a1, b1), np.subtract(a2, b2)  # 1, .5, 0, 1 and 1.2, .3, .2, .8
    assert result.test_input == pytest.approx(tuple((d1 + d2) / 2))
    assert result.interaction == pytest.approx(tuple(d1 - d2))
    assert result.n == 4
    components = result.components
    assert components.residual == pytest.approx(np.var(d1 - d2, ddof=1) / 2)
    seeds = np.column_stack([d1, d2]).mean(axis=1)
    ms_seeds = 2 * np.var(seeds, ddof=1)
    assert components.ms_seeds == pytest.approx(ms_seeds)
    assert components.between_seeds == pytest.approx((ms_seeds - components.residual) / 2)
    # the sums of squares add up to the total
    d = np.column_stack([d1, d2])
    total = np.sum((d - d.mean()) ** 2)
    parts = (
        components.ms_seeds * components.df_seeds
        + components.ms_roundings * components.df_roundings
        + components.ms_residual * components.df_residual
    )
    assert parts == pytest.approx(total)
    assert result.correlation_a == pytest.approx(stats.pearsonr(a1, a2).statistic)
    assert json.loads(json.dumps(result.to_dict()))["equivalence"]["margin"] == 0.25


def test_interaction_tost_is_two_one_sided_t_tests():
    x = np.random.default_rng(2).normal(0.05, 0.3, 40)
    tost = readings.paired_t_tost(x, 0.25, alpha=0.05)
    p_low = stats.ttest_1samp(x, -0.25, alternative="greater").pvalue
    p_high = stats.ttest_1samp(x, 0.25, alternative="less").pvalue
    assert tost.p == pytest.approx(min(1.0, 2 * max(p_low, p_high)))
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert (tost.low, tost.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert tost.equivalent == (-0.25 < tost.low and tost.high < 0.25) == (tost.p < 0.05)
    assert readings.paired_t_tost([0.1, 0.1, 0.1], 0.25).equivalent  # no spread: the point
    assert not readings.paired_t_tost(x, 0.01).equivalent


def test_variance_components_recover_a_simulated_layout():
    rng = np.random.default_rng(9)
    seeds = 4000
    u = rng.normal(0, 1.0, seeds)[:, None]  # between seeds: variance 1
    d = 0.5 + u + np.array([0.0, 0.3]) + rng.normal(0, 0.5, (seeds, 2))  # residual 0.25
    zeros = np.zeros(seeds)
    result = readings.rounding_factor(d[:, 0], d[:, 1], zeros, zeros, margin=0.5)
    components = result.components
    assert components.between_seeds == pytest.approx(1.0, abs=0.06)
    assert components.residual == pytest.approx(0.25, abs=0.02)
    assert components.between_roundings == pytest.approx(0.3**2 / 2, abs=0.01)  # ρ = ±0.15
    assert result.equivalence.mean == pytest.approx(-0.3, abs=0.03)
    assert math.isnan(result.correlation_b)  # arm b constant


def test_rounding_factor_checks_its_arguments():
    with pytest.raises(ValueError, match="one entry per seed"):
        readings.rounding_factor([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0], 0.25)
    with pytest.raises(ValueError, match="`scores_b_r1`"):
        readings.rounding_factor([1.0, 2.0], [1.0, 2.0], [1.0, math.nan], [1.0, 2.0], 0.25)
    with pytest.raises(ValueError, match="`margin`"):
        readings.rounding_factor([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0], 0.0)


# ------------------------------------------------------------------------ confirmatory_decision
def test_decision_on_a_plain_score_is_the_paired_t_read_four_ways():
    d = np.random.default_rng(0).normal(1.0, 1.0, 30)
    result = readings.confirmatory_decision(d, kind="difference", delta_or_margin=0.5)
    t = stats.ttest_1samp(d, 0.0)
    ci = t.confidence_interval(0.95)
    assert (result.low, result.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert result.p == pytest.approx(t.pvalue) and result.estimate == pytest.approx(d.mean())
    assert result.p_check == readings.sign_flip_p(d, seed=0).p  # 30 seeds: Monte Carlo
    assert result.check_method == "monte_carlo" and result.method == "paired_t"
    assert (result.reading, result.decided, result.reasons) == ("different", True, ())
    assert json.loads(json.dumps(result.to_dict()))["reading"] == "different"


def test_decision_reads_smaller_than_delta_and_equivalence():
    rng = np.random.default_rng(1)
    smaller = readings.confirmatory_decision(
        rng.normal(0.2, 0.1, 12), kind="difference", delta_or_margin=0.5
    )
    assert smaller.reading == "different_but_smaller" and smaller.check_method == "exact"
    same = rng.normal(0.0, 0.2, 12)
    equivalent = readings.confirmatory_decision(same, kind="equivalence", delta_or_margin=0.5)
    assert equivalent.reading == "equivalent" and equivalent.decided
    p_low = stats.ttest_1samp(same, -0.5, alternative="greater").pvalue
    p_high = stats.ttest_1samp(same, 0.5, alternative="less").pvalue
    assert equivalent.p == pytest.approx(2 * max(p_low, p_high))


def test_decision_is_undetermined_when_the_sign_flip_check_disagrees():
    d = [1.0, 1.1, 0.9, 1.05, 0.95, -0.2]  # t: p 0.01; sign flips: 4 of 64 patterns, 0.0625
    result = readings.confirmatory_decision(d, kind="difference", delta_or_margin=2.0)
    assert result.estimate_reading == "different_but_smaller"
    assert result.check_reading == "equivalent"
    assert result.p < 0.05 and result.p_check == pytest.approx(4 / 64)
    assert (result.reading, result.decided) == ("undetermined", False)
    assert "check_disagrees" in result.reasons


def test_decision_never_decides_on_fewer_than_min_seeds():
    d = [2.0, 2.1, 1.9, 2.2, 1.8]  # clear, but five seeds
    result = readings.confirmatory_decision(d, kind="difference", delta_or_margin=0.5)
    assert result.estimate_reading == "different"
    assert (result.reading, result.decided) == ("undetermined", False)
    assert result.reasons[0] == "too_few_seeds"
    assert readings.confirmatory_decision(
        d + [2.05], kind="difference", delta_or_margin=0.5
    ).decided


def test_decision_at_holms_level():
    d = np.random.default_rng(4).normal(0.6, 1.0, 18)
    at_alpha = readings.confirmatory_decision(d, kind="difference", delta_or_margin=0.5)
    at_holm = readings.confirmatory_decision(
        d, kind="difference", delta_or_margin=0.5, alpha_holm=readings.holm_alpha(0.05, 3)
    )
    assert at_alpha.p == at_holm.p and 0.05 / 3 < at_holm.p < 0.05
    assert at_alpha.decided and not at_holm.decided
    assert at_holm.confidence == pytest.approx(1 - 0.05 / 3)
    assert at_holm.high - at_holm.low > at_alpha.high - at_alpha.low


def test_an_unscorable_question_stays_in_its_holm_family():
    d = [0.5, 1.0, math.nan, 0.7, 0.2, 0.9, 1.1]
    result = readings.confirmatory_decision(d, kind="difference", delta_or_margin=0.5)
    assert math.isnan(result.p) and not result.decided and "unscorable" in result.reasons
    family = readings.holm_family([0.001, 0.0335, result.p])
    assert family.m == 3 and family.rejected[2] is False


def test_log_mse_scores_worst_at_the_ceiling():
    rng = np.random.default_rng(8)
    b = rng.normal(-3.0, 1.0, 16)
    a = b - 0.8 + rng.standard_cauchy(16) * 0.1  # a better (lower log-MSE), heavy tails
    a[4] = math.inf  # diverged
    b[[2, 9]] = [math.nan, 7.0]  # diverged, and above the ceiling
    result = readings.confirmatory_decision(
        scores_a=a,
        scores_b=b,
        ceiling=0.0,
        higher_is_better=False,
        kind="difference",
        delta_or_margin=0.3,
        log_scale=True,
    )
    filled_a = np.where(np.isfinite(a) & (a <= 0.0), a, 0.0)
    filled_b = np.where(np.isfinite(b) & (b <= 0.0), b, 0.0)
    expected = readings.wilcoxon_hl(filled_a - filled_b)
    assert (result.estimate, result.low, result.high, result.p) == (
        expected.estimate,
        expected.low,
        expected.high,
        pytest.approx(expected.p),
    )
    assert (result.scored_worst_a, result.scored_worst_b) == (1, 2)
    assert result.divergence_b.low == readings.clopper_pearson(2, 16).low
    assert "scored_worst" in result.reasons and result.method == "wilcoxon_hl"
    assert result.check_method == "signed_rank"
    assert result.p_sensitivity == readings.sign_test_p(filled_a - filled_b).p
    assert result.reading == "different" and result.decided


def test_non_inferiority_in_either_direction():
    rng = np.random.default_rng(6)
    higher = readings.confirmatory_decision(
        rng.normal(-0.1, 0.3, 20), kind="non_inferiority", delta_or_margin=0.5
    )
    assert higher.reading == "non_inferior" and higher.decided
    lower = readings.confirmatory_decision(  # a − b of a loss: +1 is worse by more than 0.5
        rng.normal(1.0, 0.3, 20),
        kind="non_inferiority",
        delta_or_margin=0.5,
        higher_is_better=False,
    )
    assert lower.reading == "inferior"


def test_decision_arguments_are_checked():
    with pytest.raises(ValueError, match="`delta_or_margin`"):
        readings.confirmatory_decision([1.0] * 8, kind="difference", delta_or_margin=0)
    with pytest.raises(ValueError, match="`kind`"):
        readings.confirmatory_decision([1.0] * 8, kind="superiority", delta_or_margin=0.5)
    with pytest.raises(ValueError, match="`ceiling`"):
        readings.confirmatory_decision(
            scores_a=[1.0] * 8,
            scores_b=[1.0] * 8,
            ceiling=2.0,
            kind="difference",
            delta_or_margin=0.5,
        )
    with pytest.raises(ValueError, match="either `diffs`"):
        readings.confirmatory_decision(kind="difference", delta_or_margin=0.5)


@pytest.mark.parametrize("kind", ["difference", "equivalence", "non_inferiority"])
def test_decision_p_is_below_the_level_exactly_when_the_interval_claims(kind):
    rng = np.random.default_rng(11)
    claims = {
        "difference": ("different", "different_but_smaller"),
        "equivalence": ("equivalent", "different_but_smaller"),
        "non_inferiority": ("non_inferior",),
    }[kind]
    for _ in range(60):
        d = rng.normal(rng.uniform(-1, 1), rng.uniform(0.2, 1.5), int(rng.integers(6, 13)))
        result = readings.confirmatory_decision(d, kind=kind, delta_or_margin=0.5)
        assert (result.p < 0.05) == (result.estimate_reading in claims)
        record = json.loads(json.dumps(result.to_dict()))
        assert record["reading"] == result.reading and record["n"] == d.size
