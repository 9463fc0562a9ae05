"""Tables for people: what notebooks display instead of raw DataFrames.

`for_people` turns a DataFrame into a pandas Styler with readable column names, no positional
index, fractions shown as percent with a fixed number of decimals (the same as the text), booleans
as ✓/✗ and NaN as an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = ["for_people", "percent"]


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as percent, e.g. ``percent(0.9518, 2) == "95.18 %"``; "" for NaN/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{100 * float(value):.{decimals}f} %"


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "✓" if value else "✗"
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def for_people(frame: pd.DataFrame, *, rename: Mapping[str, str] | None = None,
               percent_columns: Iterable[str] = (), decimals: int = 1,
               formats: Mapping[str, str] | None = None, caption: str | None = None):
    """A Styler of `frame` for display.

    Args:
        frame: the data; a non-positional index (e.g. variant names) becomes the first column.
        rename: column -> readable name (applied last; columns not named keep theirs).
        percent_columns: columns holding fractions, shown as percent with `decimals` decimals.
        decimals: decimals of the percent columns.
        formats: column -> format string for other numeric columns (e.g. ``"{:,}"``).
        caption: the table's caption.
    """
    df = frame.copy()
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    percent_columns = list(percent_columns)
    missing = [c for c in [*percent_columns, *(formats or {})] if c not in df.columns]
    if missing:
        raise ValueError(f"`percent_columns`/`formats` name columns not in the table: {missing!r}")
    for col in percent_columns:
        df[col] = [percent(v, decimals) for v in df[col]]
    for col, fmt in (formats or {}).items():
        df[col] = [fmt.format(v) if not (isinstance(v, float) and math.isnan(v)) else ""
                   for v in df[col]]
    df = df.map(_cell) if hasattr(df, "map") else df.applymap(_cell)
    if rename:
        df = df.rename(columns=dict(rename))
    styler = df.style.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler
