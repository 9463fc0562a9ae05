"""Design sentences: how many paired seeds a declared question needs, and whether a run has
them."""

from __future__ import annotations

import math

from actlab.stats import seeds_needed
from actlab.wording.numbers import format_number

__all__ = ["design_text"]


def design_text(
    sd: float,
    effect: float | None = None,
    *,
    question: str = "difference",
    margin: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    unit: str = "points",
) -> str:
    """A sentence for a design, e.g. "8 paired seeds give 80 % power (paired t-test, α = 0.05)
    to detect a difference of 0.50 points at a paired SD of 0.30 points"."""
    k = seeds_needed(sd, effect, question=question, margin=margin, power=power, alpha=alpha)
    if question == "difference":
        what = f"to detect a difference of {format_number(abs(effect))} {unit}"
    else:
        what = (
            f"to show non-inferiority at a margin of {margin:g} {unit}"
            if question == "non-inferiority"
            else f"to show equivalence within ±{margin:g} {unit}"
        )
        what += f" if the true difference is {format_number(effect or 0.0, sign=True)} {unit}"
    count = "no number of seeds gives" if not math.isfinite(k) else f"{int(k)} paired seeds give"
    return (
        f"{count} {100 * power:g} % power (paired t-test, α = {alpha:g}) {what} at a paired "
        f"SD of {format_number(sd)} {unit}"
    )
