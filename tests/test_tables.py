"""actlab.collection.tables: tables formatted for people (for_people and people_table share cells and style)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from actlab.collection import tables


def test_for_people_formats_percent_booleans_and_hides_the_index():
    frame = pd.DataFrame(
        {
            "acc": [0.9518, 0.9, np.nan],
            "finite": [True, False, np.bool_(True)],
            "params": [337418, 669706, 1],
        },
        index=pd.Index(["a", "b", "c"], name="model"),
    )
    styler = tables.for_people(
        frame,
        rename={"acc": "test accuracy", "model": "network"},
        percent_columns=["acc"],
        decimals=2,
        formats={"params": "{:,}"},
        caption="cap",
    )
    data = styler.data
    assert list(data.columns) == ["network", "test accuracy", "finite", "params"]
    assert data["test accuracy"].tolist() == ["95.18 %", "90.00 %", "–"]
    assert data["finite"].tolist() == ["✓", "✗", "✓"]
    assert data["params"].tolist() == ["337,418", "669,706", "1"]
    html = styler.to_html()
    assert "cap" in html and "95.18 %" in html and ">0<" not in html  # no positional index
    with pytest.raises(ValueError, match="not in the table"):
        tables.for_people(frame, percent_columns=["missing"])
    assert tables.percent(0.5) == "50.0 %" and tables.percent(None) == "–"


def test_cells_for_people():
    assert tables.cell_text(True) == "✓" and tables.cell_text(np.bool_(False)) == "✗"
    assert tables.cell_text(1234567) == "1,234,567" and tables.cell_text(np.int64(5)) == "5"
    assert tables.cell_text(1.23456, 2) == "1.23" and tables.cell_text(np.float32(0.5), 1) == "0.5"
    assert tables.cell_text(float("nan")) == "–" and tables.cell_text(None) == "–"
    assert tables.cell_text("ReLU") == "ReLU"


def test_people_table_html():
    df = pd.DataFrame(
        {
            "name": ["a", "b"],
            "x_builtin": [1.23456, 2.0],
            "ok": [True, False],
            "params": [136458, 269834],
            "hidden": [1, 2],
        },
        index=[7, 9],
    )
    styler = tables.people_table(
        df,
        {
            "name": "activation",
            "x_builtin": "× built-in",
            "ok": "within target",
            "params": "parameters",
        },
        decimals={"× built-in": 3},
        formats={"activation": str.upper},
    )
    html = styler.to_html()
    for text in (
        "activation",
        "× built-in",
        "within target",
        "1.235",
        "2.000",
        "✓",
        "✗",
        "136,458",
        "A",
    ):
        assert text in html, text
    assert "x_builtin" not in html and "hidden" not in html and ">7<" not in html
    assert "row_heading" not in html  # no positional index column
    assert re.search(r"#T_\w+_row0_col0[^{]*\{\s*text-align: left", html)  # names left-aligned
    assert not re.search(r"#T_\w+_row0_col1[^{]*\{\s*text-align: left", html)  # numbers not


def test_unknown_column_is_named():
    with pytest.raises(ValueError, match="nope"):
        tables.people_table(pd.DataFrame({"a": [1]}), {"nope": "x"})
