"""Paired comparisons over seeds: a Student-t interval on the per-seed differences, a verdict
read from the interval, p-values adjusted across comparisons (Holm), equivalence (TOST) and
non-inferiority against a declared margin, and how many seeds give 80 % power.

Every notebook pairs its runs: a seed fixes the data split and the initial weights of every variant,
so variant A's and variant B's metric for seed s form a pair. `compare_paired` judges A − B from
those pairs; `decide_paired` asks one declared question of them ("difference",
"non-inferiority" or "equivalence") and gives its p-value, which `holm` / `holm_verdicts` adjust
across a family of comparisons; `tost` is the textbook two one-sided tests; `seeds_needed` is a
power calculation for the paired t-test (80 % power at a declared smallest effect of interest).
The sentences about these numbers are `actlab.wording`'s.

The distributions are scipy's (`scipy.stats.t`, `scipy.stats.nct` for the power of a
difference or a non-inferiority, `scipy.stats.norm`).

Verdicts (``d = a − b``, interval ``[ci_low, ci_high]``):

- no margin: ``"a higher"`` (ci_low > 0), ``"b higher"`` (ci_high < 0), else ``"no clear difference"``;
- margin m ≥ 0 (the question "is a at most m below b?"): ``"non-inferior"`` (ci_low > −m),
  ``"inferior"`` (ci_high < −m), else ``"inconclusive"``;
- one seed: no interval (NaN) and ``"single seed"``.

`decide_paired` reads every question from the same two-sided (1 − α) interval that it reports,
so a verdict never disagrees with the interval shown: a difference when the interval excludes 0;
non-inferiority when it lies above −m (one-sided test at α/2); equivalence when it lies inside
(−m, m) (two one-sided tests at α/2 each: with α = 0.05 the stricter 95 % convention, CPMP
2000; α = 0.10 gives Schuirmann's 90 % interval). Its ``p`` is on the same scale: ``p < α``
exactly when the interval supports the verdict (twice the one-sided p of the claim made), so
Holm can adjust the p-values of different questions together.
"""

from actlab.stats._common import MIN_SEEDS, OPEN_VERDICTS, QUESTIONS, TOO_FEW_SEEDS
from actlab.stats.decisions import decide_paired, holm, holm_verdicts, tost
from actlab.stats.paired import compare_paired, compare_records
from actlab.stats.power import detectable_effect, power_paired, seeds_needed
from actlab.stats.records import Comparison, Decision, Tost

__all__ = [
    "MIN_SEEDS",
    "OPEN_VERDICTS",
    "TOO_FEW_SEEDS",
    "QUESTIONS",
    "Comparison",
    "Decision",
    "Tost",
    "compare_paired",
    "compare_records",
    "decide_paired",
    "detectable_effect",
    "holm",
    "holm_verdicts",
    "power_paired",
    "seeds_needed",
    "tost",
]
