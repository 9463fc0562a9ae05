"""Tables for people: what a notebook displays instead of a raw DataFrame.

    display(tables.people_table(df, {"name": "activation", "x_builtin": "× built-in",
                                     "within_builtin_target": "≤ 1.25× built-in"},
                                decimals={"× built-in": 2}))

The result is a pandas `Styler`: no positional index, readable column names (only the columns
given, in that order), booleans as ✓/✗, integers with thousands separators, floats with a fixed
number of decimals per column, missing values as "–". It renders as an HTML table in notebooks and
in the HTML reports.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["cell_text", "people_table"]

MISSING = "–"


def cell_text(value: Any, decimals: int = 2) -> str:
    """One cell as text: ✓/✗, ``1,234``, ``0.50`` (`decimals`), "–" for None/NaN."""
    if value is None:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "✓" if value else "✗"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        return MISSING if math.isnan(value) else f"{value:,.{decimals}f}"
    return str(value)


def people_table(df, columns: Mapping[str, str], decimals: int | Mapping[str, int] = 2,
                 formats: Mapping[str, Callable[[Any], str]] | None = None, caption: str | None = None):
    """A `Styler` of `df` restricted to `columns` (``{column: shown name}``, in that order).

    `decimals` is one number for every float column or ``{shown name: decimals}`` (default 2);
    `formats` maps a shown name to a function of the cell value that returns its text.
    """
    from pandas.api.types import is_string_dtype

    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"`columns` names columns that `df` does not have: {missing}. "
                         f"Received: columns={list(columns)!r}")
    table = df[list(columns)].rename(columns=dict(columns)).reset_index(drop=True)
    formats = dict(formats or {})

    def formatter(name: str) -> Callable[[Any], str]:
        if name in formats:
            return formats[name]
        places = decimals.get(name, 2) if isinstance(decimals, Mapping) else decimals
        return lambda value: cell_text(value, places)

    styler = table.style.format({name: formatter(name) for name in table.columns})
    styler = styler.hide(axis="index")
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; padding: 2px 10px;"},
        {"selector": "td", "props": "padding: 2px 10px; font-variant-numeric: tabular-nums;"},
    ])
    text_columns = [name for name, column in zip(table.columns, columns, strict=True)
                    if is_string_dtype(df[column]) or df[column].dtype == object]
    if text_columns:  # names and labels left-aligned, numbers right-aligned
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    if caption:
        styler = styler.set_caption(caption)
    return styler
