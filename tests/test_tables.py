"""lib.tables: tables formatted for people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import tables


def test_for_people_formats_percent_booleans_and_hides_the_index():
    frame = pd.DataFrame({"acc": [0.9518, 0.9, np.nan], "finite": [True, False, np.bool_(True)],
                          "params": [337418, 669706, 1]}, index=pd.Index(["a", "b", "c"], name="model"))
    styler = tables.for_people(frame, rename={"acc": "test accuracy", "model": "network"},
                               percent_columns=["acc"], decimals=2, formats={"params": "{:,}"},
                               caption="cap")
    data = styler.data
    assert list(data.columns) == ["network", "test accuracy", "finite", "params"]
    assert data["test accuracy"].tolist() == ["95.18 %", "90.00 %", ""]
    assert data["finite"].tolist() == ["✓", "✗", "✓"]
    assert data["params"].tolist() == ["337,418", "669,706", "1"]
    html = styler.to_html()
    assert "cap" in html and "95.18 %" in html and ">0<" not in html  # no positional index
    with pytest.raises(ValueError, match="not in the table"):
        tables.for_people(frame, percent_columns=["missing"])
    assert tables.percent(0.5) == "50.0 %" and tables.percent(None) == ""
