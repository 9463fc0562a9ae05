"""Numbers as the collection writes them: decimals with a typographic minus, mean ± std over
seeds, ratios of a log10 difference, a record's number that may be missing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MINUS",
    "amount",
    "format_mean_std",
    "format_number",
    "is_number",
    "number_text",
    "ratio_text",
]

MINUS = "\u2212"


def format_number(x: float, decimals: int = 2, sign: bool = False) -> str:
    """`x` with `decimals` decimals and a typographic minus (−), ``+`` in front when `sign`."""
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:+.{decimals}f}" if sign else f"{x:.{decimals}f}"
    if float(text.lstrip("+-") or 0) == 0:  # no "−0.00"
        text = text.replace("-", "+" if sign else "")
    return text.replace("-", MINUS)


def format_mean_std(
    values: Sequence[float], decimals: int = 1, unit: str = "", scale: float = 1.0
) -> str:
    """Mean ± sample std (ddof=1) over seeds, e.g. "95.2 ± 0.3 %" or, for one seed, "95.2 % (1 seed)"
    (never "± nan" or "± 0.0" for a single value). `scale` multiplies first (100 for percent)."""
    arr = np.asarray(values, dtype="float64").ravel() * scale
    if arr.size == 0:
        raise ValueError(f"`values` must hold at least one number. Received: values={values!r}")
    unit_text = f" {unit}" if unit else ""
    mean = format_number(float(arr.mean()), decimals)
    if arr.size == 1:
        return f"{mean}{unit_text} (1 seed)"
    return f"{mean} ± {format_number(float(arr.std(ddof=1)), decimals)}{unit_text}"


def amount(x: float, unit: str) -> str:
    """``1 decade``, ``0.5 points``: an amount with its unit, in the singular for exactly one
    (a unit ending in "s"); the unit left out when empty."""
    if not unit:
        return f"{x:g}"
    return f"{x:g} {unit[:-1] if x == 1 and unit.endswith('s') else unit}"


def ratio_text(x: float, digits: int = 3) -> str:
    """A log10 difference as the ratio it is, ``×10**x`` to `digits` significant digits;
    "n/a" when `x` is not finite."""
    return f"×{10**x:.{digits}g}" if math.isfinite(x) else "n/a"


def is_number(x: Any) -> bool:
    """Whether a record's number is a finite number (a record's NaN is the text "nan": one seed
    gives no interval, a non-finite seed no difference)."""
    return not isinstance(x, bool) and isinstance(x, int | float) and math.isfinite(x)


def number_text(x: Any, decimals: int = 2, sign: bool = False) -> str:
    """`format_number` of a record's number; "n/a" for what is not a finite number."""
    if not is_number(x):
        return "n/a"
    return format_number(x, decimals, sign=sign)
