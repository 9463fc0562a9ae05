"""Goldens: every text the collection renders from a trial's numbers, byte for byte as recorded.

The trial is rebuilt from a committed fixture (tests/fixtures/goldens: the runs of a tiny real
trial and the inputs `compare.compare` needs, recorded once by its ``record.py``) with
`compare.choose_learning_rates`, `compare.compare` and `Trial(...)`, never by training, so these
hold on any CPU. Texts must be identical; numbers (records, ``trial.json``) equal within 1e-9
relative. ``python tests/test_goldens.py --write`` renders the expected texts again (only when a
wording change is meant: say so in the commit).
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLDENS = HERE / "fixtures" / "goldens"
EXPECTED = GOLDENS / "expected.json"
README_EXPECTED = GOLDENS / "readme_table.md"
#: Keys of `Trial.to_json` that are timings or provenance, not results.
VOLATILE = ("seconds",)


def _restore(value: Any) -> Any:
    """A fixture value as the trial had it: per-epoch lists as tuples, "nan"/"inf" as floats."""
    if isinstance(value, list):
        return tuple(_restore(v) for v in value)
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def _unused(*args, **kwargs):
    raise AssertionError("the goldens never train")


@cache
def inputs() -> dict[str, Any]:
    return json.loads((GOLDENS / "trial_inputs.json").read_text())


def tasks() -> dict:
    from actlab.trials import Task

    out = {}
    for name, fields in inputs()["tasks"].items():
        fields = dict(fields)
        fields["metrics"] = tuple(fields["metrics"])
        fields["learning_rates"] = tuple(fields["learning_rates"])
        out[name] = Task(data=_unused, build=_unused, **fields)
    return out


def runs() -> list[dict[str, Any]]:
    rows = json.loads((GOLDENS / "runs.json").read_text())
    return [{k: _restore(v) for k, v in r.items()} for r in rows]


def build_trial():
    """The recorded trial, from its runs and inputs (no training)."""
    from actlab.trials import Question, Trial, compare

    spec = inputs()
    by_name = tasks()
    rows = runs()
    questions = [Question(**q) for q in spec["questions"]]
    choices = compare.choose_learning_rates(rows, by_name)
    comparisons = compare.compare(
        rows,
        by_name,
        spec["candidates"],
        spec["baselines"],
        questions,
        spec["listed"],
        spec["alpha"],
        [tuple(p) for p in spec["pairs"]],
    )
    cost = {(c["task"], c["candidate"], c["baseline"]): c for c in spec["cost"]}
    for c in comparisons:
        measured = cost[(c["task"], c["candidate"], c["baseline"])]
        for k in ("cost_ratio", "cost_ratio_q1", "cost_ratio_q3"):
            c[k] = _restore(measured[k])
    return Trial(
        runs=rows,
        comparisons=comparisons,
        choices=choices,
        checkups=spec["checkups"],
        skipped=spec["skipped"],
        design=spec["design"],
        tasks=by_name,
        seconds=spec["seconds"],
        note=spec["note"],
    )


#: Declared questions of the notebooks' parameters cells (the shapes `design_lines` reads).
DECLARED = [
    {"candidate": "A", "baseline": "ReLU", "task": "mlp", "kind": "difference", "pilot_sd": 0.4},
    {"candidate": "A", "baseline": "ReLU", "kind": "non-inferiority", "margin": 0.5,
     "pilot_sd": 0.3},
    {"kind": "equivalence", "margin": 1.0, "pilot_sd": 0.45, "task": "sin"},
    {"candidate": "B", "baseline": "GELU", "kind": "equivalence", "margin": 0.1, "pilot_sd": 2.0,
     "smallest_effect": 0.3},
]  # fmt: skip
ANTIRECTIFIER_DECLARED = [
    {"id": "half-parameters", "candidate": "Antirectifier-256", "baseline": "ReLU-512",
     "kind": "non-inferiority", "margin": 0.5, "pilot_sd": 0.35, "pilot_mean": -0.2},
    {"id": "far", "candidate": "Antirectifier-256", "baseline": "ReLU-256",
     "kind": "non-inferiority", "margin": 0.5, "pilot_sd": 0.35, "pilot_mean": -0.9},
    {"id": "hopeless", "candidate": "CReLU-256", "baseline": "ReLU-256",
     "kind": "non-inferiority", "margin": 0.5, "pilot_sd": 0.35, "pilot_mean": -0.5},
    {"id": "centring", "candidate": "CReLU-256", "baseline": "Antirectifier-256",
     "kind": "difference", "pilot_sd": 0.3},
]  # fmt: skip
BLEND_DECLARED = [
    {"id": "linear", "candidate": "linear_hold", "baseline": "relu", "kind": "difference",
     "smallest_effect": 0.5, "pilot_sd": 0.4},
    {"id": "sudden-ni", "candidate": "sudden_swap", "baseline": "relu", "kind": "non-inferiority",
     "margin": 1.0, "pilot_sd": 0.6},
    {"id": "eq", "candidate": "linear_hold", "baseline": "sudden_swap", "kind": "equivalence",
     "margin": 0.5, "pilot_sd": 0.1},
]  # fmt: skip
#: Paired comparisons for the stats sentences: (a, b) per-seed values.
PAIRS = {
    "higher": ([97.1, 97.4, 96.9, 97.3, 97.2], [96.0, 96.2, 95.9, 96.4, 96.1]),
    "open": ([97.1, 96.4, 96.9, 97.3, 97.2], [97.0, 96.8, 96.7, 97.1, 97.4]),
    "identical": ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    "one": ([97.0], [96.5]),
    "boundary": ([0.0, 1.0, -1.0, 0.5, -0.5], [0.0, 0.0, 0.0, 0.0, 0.0]),
}


def render_texts() -> dict[str, Any]:
    """Every golden, by name: texts (str or lists of str) and records (JSON-ready)."""
    import numpy as np
    import pandas as pd

    from actlab import stats, wording
    from actlab._util import to_jsonable
    from actlab.collection.experiments import (
        any_good,
        blend,
        rational,
    )

    trial = build_trial()
    declared = trial.question_records("declared")
    exploratory = trial.question_records("exploratory")
    out: dict[str, Any] = {
        "trial.table": trial.table(),
        "trial.summary": trial.summary(),
        "trial.choices_text": trial.choices_text(),
        "trial.question_records.declared": declared,
        "trial.question_records.exploratory": exploratory,
        "trial.to_json": {k: v for k, v in trial.to_json().items() if k not in VOLATILE},
    }
    for name in trial.tasks:
        out[f"trial.table.{name}"] = trial.table(name)
    seeds = list(range(5))
    units = {"mlp": "points", "sin": "decades"}
    out["any_good.findings"] = wording.trial_findings(trial)
    out["any_good.records"] = to_jsonable(any_good.records(trial))
    out["any_good.design_lines"] = wording.design_lines(DECLARED, 1.0, seeds, units)
    out["any_good.design_lines.points"] = wording.design_lines(DECLARED, 0.5, range(40))
    out["any_good.seeds_short"] = [
        wording.seeds_short(DECLARED, 1.0, seeds),
        wording.seeds_short(DECLARED[:2], 1.0, range(40)),
    ]
    out["any_good.undersized_text"] = [
        wording.undersized_text(DECLARED, 1.0, seeds, "default"),
        wording.undersized_text(DECLARED[:3], 1.0, seeds, "default"),
        wording.undersized_text(DECLARED[:2], 1.0, range(40), "full"),
    ]
    out["any_good.number_text"] = [
        wording.number_text(x, d, s)
        for x in (1.234, -0.004, "nan", None, 12.5, -3.0)
        for d, s in ((2, False), (1, True))
    ]
    out["softexp.finding"] = wording.ratio_finding(declared)
    out["softexp.mse_text"] = [wording.mse_text(v) for v in ([1e-3, 2e-3, 4e-3], [0.5])]
    out["antirectifier.design_lines"] = wording.pilot_design_lines(
        ANTIRECTIFIER_DECLARED, 0.5, range(12)
    )
    params = trial.runs.groupby("arm")["params"].first()
    table = pd.DataFrame({"params": params})
    ni = next(r for r in declared if r["kind"] == "non-inferiority")
    found = wording.antirectifier_findings(declared, exploratory, table, ni["id"], "tiny data")
    out["antirectifier.findings"] = found
    out["rational.findings"] = wording.rational_findings(declared, exploratory, trial)
    out["rational.cost_text"] = wording.cost_text(trial, rational.LABELS)
    arm_table = any_good.arm_table(trial)
    out["nan_elu.accuracy_text"] = [
        wording.arm_accuracy_text(arm_table, t, a)
        for t in ("mlp", "sin")
        for a in ("relu", "relu_by_abs", "crippled", "blowup")
    ]
    out["blend.design_lines"] = [
        wording.blend_design_lines(BLEND_DECLARED, range(n), blend.label, full)
        for n, full in ((3, 20), (40, None))
    ]
    out["blend.question_records"] = blend.question_records(trial, "declared", "default", 20)
    out["blend.short"] = [wording.comparison_short(r) for r in declared + exploratory]
    out["blend.accuracy_text"] = [
        wording.accuracy_text({"n_seeds": n, "score_mean": 97.123, "score_std": s})
        for n, s in ((5, 0.31), (1, math.nan))
    ]
    sentences = []
    for name, (a, b) in PAIRS.items():
        for margin in (None, 0.5, 8.0):
            r = stats.compare_paired(a, b, margin=margin)
            sentences.append(f"{name} {margin}: " + wording.format_comparison(r))
            sentences.append(
                wording.format_comparison(r, unit="", margin_unit="", names=("A", "B"))
            )
            sentences.append(wording.format_short(r, names=("A", "B"), higher="has the higher MSE"))
        pos_a, pos_b = np.abs(a) + 0.5, np.abs(b) + 0.5
        r = stats.compare_paired(np.log10(pos_a), np.log10(pos_b))
        sentences.append(wording.format_ratio(r, names=("A", "B")))
        record = wording.verdict_record(r, f"{name} ratio", log10=True, headline=True)
        sentences.append(to_jsonable(record))
        record = wording.verdict_record(
            stats.compare_paired(a, b), name, unit="points", names=("A", "B")
        )
        sentences.append(to_jsonable(record))
        sentences.append(wording.format_mean_std(a, 2, "%"))
    sentences.append(wording.format_mean_std([0.95], 1, "%", scale=100))
    for kind, effect, margin in (
        ("difference", 0.5, None),
        ("difference", -0.05, None),
        ("non-inferiority", 0.0, 0.5),
        ("non-inferiority", -0.2, 0.5),
        ("equivalence", 0.0, 1.0),
        ("equivalence", 1.5, 1.0),
    ):
        sentences.append(wording.design_text(0.4, effect, question=kind, margin=margin))
        sentences.append(wording.design_text(0.4, effect, question=kind, margin=margin, unit="dec"))
    out["stats.sentences"] = sentences
    out["stats.numbers"] = [
        wording.format_number(x, d, s)
        for x in (0.0, -0.001, 1.005, -12.345, math.nan, math.inf)
        for d, s in ((2, False), (2, True), (0, True))
    ]
    return out


def render_readme_table() -> str:
    spec = importlib.util.spec_from_file_location(
        "readme_table", ROOT / "tools" / "readme_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render(json.loads(module.REFERENCE.read_text()))


def _same(got: Any, want: Any, where: str = "") -> None:
    """Texts identical, numbers within 1e-9 relative, NaN where NaN was."""
    if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        if math.isnan(want):
            assert math.isnan(got), f"{where}: {got!r} != nan"
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-300), f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got)}"
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list | tuple) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}:\n got {got!r}\nwant {want!r}"


def _jsonable(texts: dict[str, Any]) -> Any:
    from actlab._util import to_jsonable

    return json.loads(json.dumps(to_jsonable(texts), ensure_ascii=False))


def test_readme_table_is_the_recorded_one():
    assert render_readme_table() == README_EXPECTED.read_text()


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    return _jsonable(render_texts())


EXPECTED_NAMES = sorted(json.loads(EXPECTED.read_text())) if EXPECTED.exists() else []


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_rendered_text_is_the_recorded_one(rendered, name):
    want = json.loads(EXPECTED.read_text())[name]
    _same(rendered[name], want, name)


def test_every_golden_is_recorded(rendered):
    assert sorted(rendered) == EXPECTED_NAMES


def _write() -> None:
    texts = _jsonable(render_texts())
    EXPECTED.write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n")
    README_EXPECTED.write_text(render_readme_table())


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_goldens.py --write")
    sys.path.insert(0, str(HERE))
    _write()
