"""What the paired tests share: Student's t quantile (scipy), the checks of `alpha` and of a
question with its margin, the questions and their open verdicts, one-sided p-values."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from scipy import stats as _dist

#: The questions `decide_paired` asks: is there a difference (two-sided); is `a` at most
#: `margin` worse than `b` (non-inferiority); are they within ± `margin` (equivalence, TOST).
QUESTIONS = ("difference", "non-inferiority", "equivalence")
#: No verdict is decided on fewer paired seeds than this (below it: ``"too few seeds"``, the
#: interval and p still reported); `actlab.readings.confirmatory_decision` uses the same floor.
MIN_SEEDS = 6
#: The verdict of a comparison with 2 to MIN_SEEDS − 1 paired seeds.
TOO_FEW_SEEDS = "too few seeds"
#: The verdict each question gives when its interval decides nothing.
OPEN_VERDICTS = {
    "difference": "no clear difference",
    "non-inferiority": "inconclusive",
    "equivalence": "inconclusive",
}


@functools.lru_cache(maxsize=4096)
def _t_quantile(p: float, df: int) -> float:
    """The `p` quantile of Student's t with `df` degrees of freedom (scipy)."""
    return float(_dist.t.ppf(p, df))


def _p_ge(x: float, df: int) -> float:
    """P(T ≥ x) where x may be ±inf (a zero spread): 0 or 1 then."""
    if math.isnan(x):
        return 0.5  # 0/0: the mean sits exactly on the boundary and nothing varies
    return float(_dist.t.sf(x, df))


def _check_alpha(alpha: Any) -> float:
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float | np.floating)
        or not 0.0 < float(alpha) < 1.0
    ):
        raise ValueError(f"`alpha` must be strictly between 0 and 1. Received: alpha={alpha!r}")
    return float(alpha)


def _check_question(question: Any, margin: Any) -> float | None:
    if question not in QUESTIONS:
        raise ValueError(f"`question` must be one of {QUESTIONS}. Received: question={question!r}")
    if question == "difference":
        if margin is not None:
            raise ValueError(
                "`margin` belongs to the questions 'non-inferiority' and 'equivalence'; "
                f"a difference is two-sided around 0. Received: margin={margin!r}"
            )
        return None
    if (
        isinstance(margin, bool)
        or not isinstance(margin, int | float | np.integer | np.floating)
        or not math.isfinite(margin)
        or margin <= 0
    ):
        raise ValueError(
            f"`margin` must be a finite number > 0 for the question {question!r} (declare it "
            f"before the run, in the units of the metric). Received: margin={margin!r}"
        )
    return float(margin)


def _z(mean: float, sd: float, n: int, shift: float) -> float:
    """(mean − shift) / standard error, ±inf (or NaN at 0/0) when nothing varies."""
    num = mean - shift
    if sd == 0.0:
        return math.copysign(math.inf, num) if num != 0 else float("nan")
    return num / (sd / math.sqrt(n))
