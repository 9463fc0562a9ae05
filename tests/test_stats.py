"""actlab.stats: paired intervals and their verdicts, seeds_needed, the sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from actlab import stats, wording
from actlab.stats.paired import _verdict


@pytest.fixture(autouse=True)
def _arithmetic_on_few_seeds(monkeypatch):
    """These tests check the intervals' and verdicts' arithmetic, often on 2 to 5 seeds: the
    floor of `stats.MIN_SEEDS` below which nothing is decided is lowered to 2 here and tested
    on its own (`test_no_verdict_is_decided_on_fewer_than_min_seeds` in test_stats.py)."""
    import functools

    for name in ("compare_paired", "decide_paired"):
        monkeypatch.setattr(stats, name, functools.partial(getattr(stats, name), min_seeds=2))


def test_interval_is_the_textbook_paired_t_interval():
    a = np.array([95.2, 95.6, 94.9, 95.1, 95.4])
    b = np.array([95.5, 96.3, 95.6, 95.4, 95.9])
    d = a - b
    half = 2.776445 * d.std(ddof=1) / math.sqrt(5)
    r = stats.compare_paired(a, b)
    assert r["n"] == 5 and r["mean_diff"] == pytest.approx(d.mean())
    assert r["ci_low"] == pytest.approx(d.mean() - half, rel=1e-6)
    assert r["ci_high"] == pytest.approx(d.mean() + half, rel=1e-6)
    assert r["verdict"] == "b higher" and r["decided"]
    # The order matters: swapping the variants mirrors the interval and the verdict.
    s = stats.compare_paired(b, a)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((-r["ci_high"], -r["ci_low"]))
    assert s["verdict"] == "a higher"


@pytest.mark.parametrize(("n", "confidence"), [(3, 0.95), (5, 0.95), (10, 0.95), (5, 0.9)])
def test_interval_coverage_by_simulation(n, confidence):
    """Many synthetic paired samples with a known mean difference: the interval covers it at its
    nominal rate (93–97 % for 95 %, 88–92 % for 90 %)."""
    rng = np.random.default_rng(n)
    true_diff, trials, covered = 0.3, 4000, 0
    for _ in range(trials):
        shared = rng.normal(95.0, 1.0, size=n)  # the seed's effect, common to both variants
        a = shared + true_diff + rng.normal(0, 0.4, size=n)
        b = shared + rng.normal(0, 0.4, size=n)
        r = stats.compare_paired(a, b, confidence=confidence)
        covered += r["ci_low"] <= true_diff <= r["ci_high"]
    assert abs(covered / trials - confidence) <= 0.02, covered / trials


def _sample(mean: float, sd: float, n: int) -> np.ndarray:
    """n values with exactly this mean and sample std."""
    base = np.linspace(-1.0, 1.0, n)
    base = (base - base.mean()) / base.std(ddof=1)
    return mean + sd * base


def _half_width(sd: float, n: int, confidence: float = 0.95) -> float:
    return scipy_stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_verdict_boundaries_without_margin(n):
    h = _half_width(1.0, n)
    zeros = np.zeros(n)
    cases = [
        (h + 1e-6, "a higher"),
        (h - 1e-6, "no clear difference"),
        (0.0, "no clear difference"),
        (-h + 1e-6, "no clear difference"),
        (-h - 1e-6, "b higher"),
    ]
    for mean, verdict in cases:
        r = stats.compare_paired(_sample(mean, 1.0, n), zeros)
        assert r["verdict"] == verdict, (mean, r)
        assert r["decided"] == (verdict != "no clear difference")


@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
def test_verdict_boundaries_with_margin(margin):
    n, h = 5, _half_width(1.0, 5)
    zeros = np.zeros(n)
    cases = [
        (-margin + h + 1e-6, "non-inferior"),
        (-margin + h - 1e-6, "inconclusive"),
        (-margin - h + 1e-6, "inconclusive"),
        (-margin - h - 1e-6, "inferior"),
    ]
    for mean, verdict in cases:
        r = stats.compare_paired(_sample(mean, 1.0, n), zeros, margin=margin)
        assert r["verdict"] == verdict, (margin, mean, r)


def test_verdict_boundary_is_strict():
    """An interval that touches the boundary does not decide."""
    assert _verdict(0.0, 1.0, None) == "no clear difference"
    assert _verdict(-1.0, 0.0, None) == "no clear difference"
    assert _verdict(-0.5, 1.0, 0.5) == "inconclusive"
    assert _verdict(-2.0, -0.5, 0.5) == "inconclusive"
    assert _verdict(-0.4999, 1.0, 0.5) == "non-inferior"
    assert _verdict(-2.0, -0.5001, 0.5) == "inferior"


def test_float32_rounding_at_the_margin_does_not_decide():
    """A mean difference of −0.4999995 at a 0.5 margin is not a verdict."""
    a = np.float32([95.1, 95.3, 95.0, 95.4, 95.2])
    b = a + np.float32([0.2, 0.8, 0.3, 0.7, 0.4999995])
    r = stats.compare_paired(a, b, margin=0.5)
    assert r["verdict"] == "inconclusive" and not r["decided"]


def test_single_seed():
    r = stats.compare_paired([0.95], [0.96], margin=0.5)
    assert r["n"] == 1 and r["verdict"] == "single seed" and not r["decided"]
    assert r["mean_diff"] == pytest.approx(-0.01)
    assert math.isnan(r["ci_low"]) and math.isnan(r["ci_high"]) and math.isnan(r["sd_diff"])
    assert math.isnan(r["seeds_needed"])
    assert "(1 seed)" in wording.format_comparison(r)
    assert "nan" not in wording.format_comparison(r)


def test_identical_variants():
    a = [95.0, 95.5, 94.8]
    r = stats.compare_paired(a, a)
    assert (r["mean_diff"], r["ci_low"], r["ci_high"]) == (0.0, 0.0, 0.0)
    assert r["verdict"] == "no clear difference"
    assert math.isnan(r["seeds_needed"])  # no difference at all: no number of seeds decides
    assert wording.format_comparison(r).endswith(
        "no clear difference; the two are identical in every seed"
    )
    assert stats.compare_paired(a, a, margin=0.5)["verdict"] == "non-inferior"
    assert stats.compare_paired(a, a, margin=0.0)["verdict"] == "inconclusive"


def test_compare_paireds_seeds_needed_is_80_percent_power_at_the_observed_difference():
    for mean, sd, margin in [(-0.5, 0.5, None), (-0.3, 1.0, 0.5), (0.1, 0.3, None)]:
        r = stats.compare_paired(_sample(mean, sd, 3), np.zeros(3), margin=margin)
        k = r["seeds_needed"]
        assert k >= 2 and float(k).is_integer()
        effect = abs(mean if margin is None else mean + margin)
        assert stats.power_paired(int(k), sd, effect) >= 0.8
        assert int(k) == 2 or stats.power_paired(int(k) - 1, sd, effect) < 0.8
    # A larger effect needs fewer seeds; exactly on the margin: no estimate.
    small = stats.compare_paired(_sample(0.2, 1.0, 4), np.zeros(4))["seeds_needed"]
    large = stats.compare_paired(_sample(0.4, 1.0, 4), np.zeros(4))["seeds_needed"]
    assert small > large
    on_margin = stats.compare_paired(_sample(-0.5, 1.0, 4), np.zeros(4), margin=0.5)
    assert math.isnan(on_margin["seeds_needed"])


def test_bad_arguments_name_the_argument():
    good = [1.0, 2.0, 3.0]
    cases = [
        (([1.0, 2.0], good), {}, "`b`"),
        ((good, [1.0, 2.0]), {}, "`b`"),
        (([1.0, float("nan"), 3.0], good), {}, "`a`"),
        ((good, [1.0, 2.0, float("nan")]), {}, "`b`"),
        ((good, [1.0, 2.0, float("inf")]), {}, "`b`"),
        (([], []), {}, "`a`"),
        ((["x", "y", "z"], good), {}, "`a`"),
        (([[1.0, 2.0]], [[1.0, 2.0]]), {}, "`a`"),
        ((good, good), {"margin": -0.1}, "`margin`"),
        ((good, good), {"margin": float("nan")}, "`margin`"),
        ((good, good), {"margin": "0.5"}, "`margin`"),
        ((good, good), {"confidence": 1.0}, "`confidence`"),
        ((good, good), {"confidence": 95}, "`confidence`"),
    ]
    for args, kwargs, name in cases:
        with pytest.raises(ValueError, match=name):
            stats.compare_paired(*args, **kwargs)
    with pytest.raises(ValueError, match=r"Received: margin='0.5'"):
        stats.compare_paired(good, good, margin="0.5")


def test_format_comparison_sentences():
    r = {
        "n": 5,
        "mean_diff": -0.5,
        "ci_low": -0.93,
        "ci_high": -0.07,
        "verdict": "inconclusive",
        "margin": 0.5,
        "confidence": 0.95,
        "decided": False,
        "seeds_needed": 12.0,
        "sd_diff": 0.3,
    }
    assert wording.format_comparison(r) == (
        "−0.50 points (95 % CI −0.93 to −0.07, 5 paired seeds): "
        "inconclusive at a 0.5-point margin; fewer than 6 paired seeds decide nothing"
    )
    few = dict(r, verdict=stats.TOO_FEW_SEEDS)
    assert wording.format_comparison(few).endswith(
        "5 paired seeds): too few seeds to decide (fewer than 6 paired seeds)"
    )
    # from 6 seeds on an open verdict says nothing about seeds: never sized at the observed
    # difference (seeds_needed stays a number in the record, not in the words)
    six = dict(r, n=6)
    assert wording.format_comparison(six) == (
        "−0.50 points (95 % CI −0.93 to −0.07, 6 paired seeds): inconclusive at a 0.5-point margin"
    )
    decided = dict(
        r, verdict="a higher", margin=None, decided=True, mean_diff=0.8, ci_low=0.1, ci_high=1.5
    )
    assert wording.format_comparison(decided, decimals=1) == (
        "+0.8 points (95 % CI 0.1 to 1.5, 5 paired seeds): a higher"
    )
    real = stats.compare_paired([95.2, 95.6, 94.9], [95.5, 96.3, 95.6], margin=0.5)
    text = wording.format_comparison(real)
    assert "3 paired seeds" in text and real["verdict"] in text and "nan" not in text


def test_format_mean_std_and_numbers():
    assert (
        wording.format_mean_std([0.951, 0.955], decimals=1, unit="%", scale=100) == "95.3 ± 0.3 %"
    )
    assert wording.format_mean_std([0.9518], decimals=2, unit="%", scale=100) == "95.18 % (1 seed)"
    assert wording.format_mean_std([3.0, 3.0]) == "3.0 ± 0.0"
    with pytest.raises(ValueError, match="`values`"):
        wording.format_mean_std([])
    assert wording.format_number(-0.004, 2) == "0.00"
    assert wording.format_number(-0.004, 2, sign=True) == "+0.00"
    assert wording.format_number(-1.25, 1) == "−1.2"
    assert wording.format_number(float("nan")) == "n/a"


def test_compare_records_pairs_by_seed():
    records = [
        {"variant": v, "seed": s, "acc": acc}
        for v, s, acc in [
            ("relu", 0, 0.90),
            ("relu", 1, 0.92),
            ("relu", 2, 0.91),
            ("poly", 2, 0.905),
            ("poly", 0, 0.895),
            ("poly", 1, 0.915),
        ]
    ]  # other order: paired by seed
    r = stats.compare_records(records, "poly", "relu", value="acc", scale=100)
    assert r["mean_diff"] == pytest.approx(-0.5) and r["sd_diff"] == pytest.approx(0.0, abs=1e-9)
    assert r["verdict"] == stats.TOO_FEW_SEEDS and not r["decided"]  # 3 seeds decide nothing
    r = stats.compare_records(records, "poly", "relu", value="acc", scale=100, min_seeds=2)
    assert r["a"] == "poly" and r["b"] == "relu" and r["seeds"] == [2, 0, 1]
    assert r["verdict"] == "b higher"
    with pytest.raises(ValueError, match="same seeds"):
        stats.compare_records(records[:-1], "poly", "relu", value="acc")
    with pytest.raises(ValueError, match="no run"):
        stats.compare_records(records, "poly", "gelu", value="acc")
    with pytest.raises(ValueError, match="two runs"):
        stats.compare_records(records + [records[0]], "poly", "relu", value="acc")
    mse = [
        {"model": m, "seed": s, "mse": v}
        for m, s, v in [
            ("a", 0, 10.0),
            ("a", 1, 1000.0),
            ("a", 2, 100.0),
            ("b", 0, 1.0),
            ("b", 1, 100.0),
            ("b", 2, 10.0),
        ]
    ]
    r = stats.compare_records(mse, "a", "b", value="mse", group="model", log10=True, min_seeds=2)
    assert r["mean_diff"] == pytest.approx(1.0) and r["ci_low"] == pytest.approx(1.0)
    assert wording.format_ratio(r).startswith("×10 (95 % CI ×10 to ×10, 3 paired seeds): a higher")


def test_verdict_record_is_json_ready_and_short():
    import json

    r = stats.compare_paired(
        [95.2, 95.6, 94.9, 95.1, 95.4], [95.5, 96.3, 95.6, 95.4, 95.9], margin=0.5
    )
    rec = wording.verdict_record(
        {**r, "a": "x", "b": "y", "seeds": [0, 1, 2, 3, 4]}, "x − y, test accuracy", headline=True
    )
    json.dumps(rec)
    assert rec["verdict"] == r["verdict"] and rec["headline"] and rec["a"] == "x"
    assert rec["text"] == wording.format_comparison(r)
    assert len(rec["short"]) <= 60 and rec["short"].endswith(r["verdict"])
    one = wording.verdict_record(stats.compare_paired([1.0], [2.0]), "q")
    assert one["short"] == "−1.00 pts (1 seed)" and "nan" not in one["text"]
    logged = wording.verdict_record(
        stats.compare_paired([1.0, 2.0, 1.5], [0.0, 0.5, 0.4]), "q", log10=True
    )
    assert (
        logged["scale"] == "log10"
        and logged["short"].startswith("×")
        and len(logged["short"]) <= 60
    )


def test_a_mean_on_the_margin_needs_unboundedly_many_seeds():
    """Notebook 04's case: per-seed differences averaging −0.4999995 at a 0.5 margin."""
    d = np.array([-0.3, -0.7, -0.6, -0.4, -0.4999975])
    assert d.mean() == pytest.approx(-0.4999995)
    r = stats.compare_paired(d, np.zeros(5), margin=0.5)
    assert r["verdict"] == "inconclusive" and r["seeds_needed"] == math.inf
    text = wording.format_comparison(dict(r, n=6))
    assert "seeds" not in text.split(":", 1)[1] and "e+" not in text  # no sizing at the mean


def test_sentences_can_name_the_variants():
    r = stats.compare_paired([90.0, 91.0, 90.5], [91.5, 92.6, 92.0])
    assert r["verdict"] == "b higher"
    assert wording.verdict_words(r, ("complex", "ReLU")) == "ReLU higher"
    assert wording.format_comparison(r, names=("complex", "ReLU")).endswith(": ReLU higher")
    rec = wording.verdict_record(r, "q", names=("complex", "ReLU"))
    assert rec["verdict"] == "b higher" and rec["short"].endswith("ReLU higher")
    logged = wording.verdict_record(
        r, "q", log10=True, names=("complex", "ReLU"), higher="has the higher MSE"
    )
    assert logged["text"].endswith("ReLU has the higher MSE") and len(logged["short"]) <= 60
    assert (
        wording.verdict_words(stats.compare_paired([1.0, 2.0], [1.5, 1.0])) == "no clear difference"
    )


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7])
def test_no_verdict_is_decided_on_fewer_than_min_seeds(n):
    """Differences far from 0 (p far below 0.05 from 3 seeds on): fewer than MIN_SEEDS = 6
    paired seeds give "too few seeds", undecided, with the interval and p still reported; from
    6 on the verdict is read. Holm keeps the words and never decides them."""
    from actlab.stats.decisions import decide_paired
    from actlab.stats.paired import compare_paired

    rng = np.random.default_rng(n)
    a, b = 10 + rng.normal(0, 0.1, n), rng.normal(0, 0.1, n)
    c, d = compare_paired(a, b), decide_paired(a, b)
    assert stats.MIN_SEEDS == 6
    if n < 6:
        assert c["verdict"] == d["verdict"] == stats.TOO_FEW_SEEDS
        assert not c["decided"] and not d["decided"]
        assert c["ci_low"] > 0 and d["p"] < 0.05  # the numbers are still there
        (h,) = stats.holm_verdicts([d])
        assert h["verdict_holm"] == stats.TOO_FEW_SEEDS and not h["decided_holm"]
    else:
        assert c["verdict"] == d["verdict"] == "a higher" and c["decided"] and d["decided"]


def test_holm_verdicts_keep_the_declared_family_size_with_an_unscorable_question():
    """Notebook 02's case: 3 declared questions, one not scorable (p NaN). Holm over the family
    of 3 (the NaN counted as p = 1, never kept): p 0.017 → 0.051 is not kept at 0.05, where a
    family shrunk to 2 would have kept it (0.034)."""
    from actlab.stats.decisions import decide_paired

    rng = np.random.default_rng(0)
    base = decide_paired(rng.normal(1, 1, 20), rng.normal(0, 1, 20))
    results = [
        {**base.to_dict(), "p": 0.017, "verdict": "a higher", "decided": True},
        {**base.to_dict(), "p": float("nan"), "verdict": "no clear difference", "decided": False},
        {**base.to_dict(), "p": 0.5, "verdict": "no clear difference", "decided": False},
    ]
    out = stats.holm_verdicts(results, 0.05)
    assert out[0]["p_holm"] == pytest.approx(0.051) and not out[0]["decided_holm"]
    assert math.isnan(out[1]["p_holm"]) and not out[1]["decided_holm"]
    assert out[2]["p_holm"] == pytest.approx(1.0)
