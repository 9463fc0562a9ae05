"""The statistics of a confirmatory trial, as numbers (no sentences): the four readings of a
difference against 0 and a smallest effect δ, distribution-free paired checks (sign-flip
permutation test, Wilcoxon signed-rank with the Hodges–Lehmann interval, the sign test), the
Clopper–Pearson interval of a divergence rate, a Holm family that keeps its declared size,
power and seeds at Holm's α, rounding as a crossed factor, and the combined decision.

Every function returns a frozen dataclass with ``to_dict()`` (JSON-ready); readings are short
codes (``"different"``, ``"different_but_smaller"``, ``"equivalent"``, ``"undetermined"``, …)
for `actlab.wording` to put into words. Every distribution comes from `scipy.stats`.
"""

from actlab.readings.decision import (
    NON_INFERIORITY_READINGS,
    REASONS,
    Decision,
    confirmatory_decision,
)
from actlab.readings.family import HolmFamily, holm_family
from actlab.readings.fourway import READINGS, FourWay, four_way
from actlab.readings.paired import (
    HodgesLehmann,
    PValue,
    Rate,
    clopper_pearson,
    sign_flip_p,
    sign_test_p,
    wilcoxon_hl,
)
from actlab.readings.power import (
    KINDS,
    Sizing,
    holm_alpha,
    power_paired_t,
    sd_upper_limit,
    seeds_for_power,
    size_trial,
)
from actlab.readings.rounding import (
    RoundingFactor,
    Tost,
    VarianceComponents,
    paired_t_tost,
    rounding_factor,
)

__all__ = [
    "KINDS",
    "NON_INFERIORITY_READINGS",
    "REASONS",
    "READINGS",
    "Decision",
    "FourWay",
    "HodgesLehmann",
    "HolmFamily",
    "PValue",
    "Rate",
    "RoundingFactor",
    "Sizing",
    "Tost",
    "VarianceComponents",
    "clopper_pearson",
    "confirmatory_decision",
    "four_way",
    "holm_alpha",
    "holm_family",
    "paired_t_tost",
    "power_paired_t",
    "rounding_factor",
    "sd_upper_limit",
    "seeds_for_power",
    "size_trial",
    "sign_flip_p",
    "sign_test_p",
    "wilcoxon_hl",
]
