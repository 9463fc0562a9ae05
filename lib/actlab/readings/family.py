"""Holm's step-down adjustment over a family of declared size, unscorable questions included."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from actlab._util import to_jsonable
from actlab.readings import _checks

__all__ = ["HolmFamily", "holm_family"]


@dataclass(frozen=True)
class HolmFamily:
    """`holm_family`'s record, one entry per question in the order given."""

    m: int  # the declared family size: every question, scorable or not
    alpha: float
    p: tuple[float, ...]  # raw p (NaN: unscorable)
    adjusted: tuple[float, ...]  # Holm-adjusted p (NaN: unscorable)
    level: tuple[float, ...]  # the α each question's raw p met or would meet: α/(m − rank + 1)
    rejected: tuple[bool, ...]
    scorable: tuple[bool, ...]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def holm_family(p_values: Sequence[float | None], alpha: float = 0.05) -> HolmFamily:
    """Holm's step-down procedure (Holm 1979) over a family of declared size m, where a
    question that could not be scored (p None or NaN, e.g. a diverged run and no ceiling)
    still counts in m and is never rejected.

    Formula:
        Unscorable p are set to 1 (so they sort last and can never be rejected). Sort the p
        ascending, p(1) ≤ … ≤ p(m); adjusted p(i) = min(1, max over j ≤ i of (m − j + 1)·p(j));
        reject H(i) iff adjusted p(i) ≤ α, i.e. p(j) ≤ α/(m − j + 1) for every j ≤ i. Ties
        keep the given order. An unscorable question reports NaN, not 1, as its p and adjusted p.

    Args:
        p_values: one raw p per declared question (None or NaN for one that cannot be scored).
        alpha: the family-wise error rate.

    Returns:
        A `HolmFamily`: m, α, and per question (in the given order) the raw and adjusted p, the
        step's level α/(m − rank + 1), whether it is rejected and whether it was scorable.
    """
    alpha = _checks.probability("alpha", alpha)
    raw = []
    for i, value in enumerate(p_values):
        if value is None:
            raw.append(math.nan)
            continue
        if not _checks._is_real(value) or not (math.isnan(value) or 0.0 <= value <= 1.0):
            raise ValueError(
                f"`p_values` must hold numbers in [0, 1], None or NaN. Received: "
                f"p_values[{i}]={value!r}"
            )
        raw.append(float(value))
    m = len(raw)
    if m == 0:
        raise ValueError("`p_values` must hold at least one question. Received: []")
    p = np.asarray(raw)
    scorable = ~np.isnan(p)
    filled = np.where(scorable, p, 1.0)
    order = np.argsort(filled, kind="stable")
    steps = m - np.arange(m)  # m, m − 1, …, 1
    adjusted_sorted = np.minimum(1.0, np.maximum.accumulate(steps * filled[order]))
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    level = np.empty(m)
    level[order] = alpha / steps
    rejected = (adjusted <= alpha) & scorable
    adjusted = np.where(scorable, adjusted, math.nan)
    return HolmFamily(
        m=m,
        alpha=alpha,
        p=tuple(float(v) for v in p),
        adjusted=tuple(float(v) for v in adjusted),
        level=tuple(float(v) for v in level),
        rejected=tuple(bool(v) for v in rejected),
        scorable=tuple(bool(v) for v in scorable),
    )
