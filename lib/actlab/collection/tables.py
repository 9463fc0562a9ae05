"""Tables for people: what notebooks display instead of raw DataFrames.

Two entry points share one cell formatter (`cell_text`: ✓/✗ for booleans, thousands separators,
fixed decimals, "–" for a missing value) and one styling (no positional index, names left-aligned,
numbers right-aligned):

- `for_people(frame, rename=..., percent_columns=..., formats=...)` keeps every column, shows
  fractions as percent with the same decimals as the text, and renames columns for reading;
- `people_table(df, {column: shown name}, decimals=...)` shows only the named columns, in that
  order, with per-column decimals::

    display(tables.people_table(df, {"name": "activation", "x_builtin": "× built-in",
                                     "within_builtin_target": "≤ 1.25× built-in"},
                                decimals={"× built-in": 2}))

Both return a pandas `Styler`, which renders as an HTML table in notebooks and in the reports.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cell_text", "for_people", "people_table", "percent", "MISSING"]

MISSING = "–"


def _missing(value: Any) -> bool:
    return value is None or (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and math.isnan(float(value))
    )


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as percent, e.g. ``percent(0.9518, 2) == "95.18 %"``; "–" for NaN/None."""
    return MISSING if _missing(value) else f"{100 * float(value):.{decimals}f} %"


def cell_text(value: Any, decimals: int = 2) -> str:
    """One cell as text: ✓/✗, ``1,234``, ``0.50`` (`decimals`), "–" for None/NaN."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "✓" if value else "✗"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.{decimals}f}"
    return str(value)


def _styled(table: pd.DataFrame, text_columns: Iterable[str], caption: str | None):
    """The shared look: no index, compact cells, text columns left-aligned, a caption."""
    styler = table.style.hide(axis="index").set_table_styles(
        [
            {"selector": "th", "props": "text-align: left; padding: 2px 10px;"},
            {"selector": "td", "props": "padding: 2px 10px; font-variant-numeric: tabular-nums;"},
        ]
    )
    text_columns = list(text_columns)
    if text_columns:  # names and labels left-aligned, numbers right-aligned
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    return styler.set_caption(caption) if caption else styler


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or column.dtype == object


def for_people(
    frame: pd.DataFrame,
    *,
    rename: Mapping[str, str] | None = None,
    percent_columns: Iterable[str] = (),
    decimals: int = 1,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
):
    """A Styler of every column of `frame` for display.

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
    text_columns = [c for c in df.columns if _is_text(df[c]) and c not in percent_columns]
    for col in percent_columns:
        df[col] = [percent(v, decimals) for v in df[col]]
    for col, fmt in (formats or {}).items():
        df[col] = [MISSING if _missing(v) else fmt.format(v) for v in df[col]]
    df = df.map(lambda v: cell_text(v) if _missing(v) or isinstance(v, bool | np.bool_) else v)
    names = dict(rename or {})
    return _styled(df.rename(columns=names), [names.get(c, c) for c in text_columns], caption)


def people_table(
    df,
    columns: Mapping[str, str],
    decimals: int | Mapping[str, int] = 2,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    caption: str | None = None,
):
    """A `Styler` of `df` restricted to `columns` (``{column: shown name}``, in that order).

    `decimals` is one number for every float column or ``{shown name: decimals}`` (default 2);
    `formats` maps a shown name to a function of the cell value that returns its text.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"`columns` names columns that `df` does not have: {missing}. "
            f"Received: columns={list(columns)!r}"
        )
    table = df[list(columns)].rename(columns=dict(columns)).reset_index(drop=True)
    formats = dict(formats or {})

    def formatter(name: str) -> Callable[[Any], str]:
        if name in formats:
            return formats[name]
        places = decimals.get(name, 2) if isinstance(decimals, Mapping) else decimals
        return lambda value: cell_text(value, places)

    text_columns = [shown for column, shown in columns.items() if _is_text(df[column])]
    return _styled(table, text_columns, caption).format(
        {name: formatter(name) for name in table.columns}
    )
