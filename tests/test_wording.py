"""actlab.wording is the one place that speaks: no string literal elsewhere in lib/ or tools/
holds one of its phrases (docstrings describe texts and are not scanned), and its modules do
not export one name twice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from actlab import wording
from actlab.wording.phrases import PHRASES

pytestmark = pytest.mark.backend_independent(reason="source text, not numbers")

ROOT = Path(__file__).resolve().parents[1]
WORDING = ROOT / "lib" / "actlab" / "wording"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _literals(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a file (f-strings' literal parts too), docstrings left out."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def _sources() -> list[Path]:
    files = sorted((ROOT / "lib").rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py"))
    return [f for f in files if WORDING not in f.parents]


def test_no_literal_outside_wording_holds_one_of_its_phrases():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {phrase!r} in {text!r}"
        for path in _sources()
        for line, text in _literals(path)
        for phrase in PHRASES
        if phrase.lower() in text.lower()
    ]
    assert not found, "sentences built outside actlab.wording:\n" + "\n".join(found)


def test_the_scan_finds_a_phrase_in_an_f_string(tmp_path):
    source = tmp_path / "x.py"
    source.write_text('"""doc: after Holm"""\n\ndef f(n):\n    return f"{n} after Holm"\n')
    assert [text for _, text in _literals(source)] == [" after Holm"]


def test_the_phrases_are_what_wording_writes():
    assert len(set(PHRASES)) == len(PHRASES)
    texts = "\n".join(text for path in sorted(WORDING.rglob("*.py")) for _, text in _literals(path))
    for phrase in PHRASES:
        assert phrase in texts or phrase in vars(wording.phrases).values(), phrase


def test_no_name_is_exported_twice():
    modules = (
        wording.numbers,
        wording.comparisons,
        wording.designs,
        wording.trials,
        wording.findings,
        wording.rational,
        wording.readme,
        wording.robustness,
    )
    names = [n for m in modules for n in m.__all__]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
    for name in wording.__all__:
        assert hasattr(wording, name), name


def test_the_printed_table_shows_the_verdict_before_holm_where_it_differs():
    import pandas as pd

    from actlab.trials import Task
    from actlab.wording.trials import comparison_table

    task = Task("t", data=lambda seed: None, build=lambda *a: None)
    row = dict(task="t", candidate="a", baseline="b", mean_diff=0.9, ci_low=0.1, ci_high=1.7,
               p=0.03, p_holm=0.06, verdict="a higher", verdict_holm="no clear difference",
               margin=None, cost_ratio=1.0)  # fmt: skip
    same = {**row, "baseline": "c", "p": 0.2, "p_holm": 0.2, "verdict": "no clear difference"}
    text = comparison_table(pd.DataFrame([row, same]), {"t": task}, 0.05)
    header, first, second = text.splitlines()[1:4]
    assert header.split()[-3:] == ["p", "before", "Holm"]
    assert first.endswith("0.03      a higher") and "no clear difference" in first
    assert second.endswith("(the same)")
