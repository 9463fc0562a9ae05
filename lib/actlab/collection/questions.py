"""The notebooks' declared questions: from the parameters cell to `actlab.trials.Question`s,
the design they were sized by, and what results.json and the README table read.

A notebook declares its headline questions (one to three) in its parameters cell, before the
run, as dicts::

    declared = [{"id": "sin", "task": "sin", "candidate": "complex soft exp",
                 "baseline": "ReLU", "kind": "difference", "smallest_effect": 1.0,
                 "pilot_sd": 2.3}]

`kind` is ``"difference"`` (with `smallest_effect`, the smallest difference worth detecting),
``"non-inferiority"`` or ``"equivalence"`` (with `margin`); `pilot_sd` is the SD of the per-seed
differences a pilot measured on seeds disjoint from the notebook's (``tools/pilot_NN.py``), in
the task's units, from which the seeds are sized; `words` (optional) is the question in words.
Every other comparison of the notebook's trial is exploratory (its own Holm family).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from actlab import stats
from actlab.trials import Question, Trial

__all__ = [
    "KINDS",
    "check_declared",
    "comparison_styler",
    "design_lines",
    "finding",
    "full_profile_seeds",
    "questions",
    "records",
]

KINDS = ("difference", "non-inferiority", "equivalence")
_FIELDS = {"id", "task", "candidate", "baseline", "kind", "margin", "smallest_effect", "words"}


def _effect(q: Mapping[str, Any]) -> float:
    """The effect the design is sized for: the smallest effect of a difference, else 0."""
    return float(q["smallest_effect"]) if q.get("kind", "difference") == "difference" else 0.0


def _words(q: Mapping[str, Any], unit: str) -> str:
    who = f"{q['candidate']} against {q['baseline']} ({q['task']})"
    kind = q.get("kind", "difference")
    if kind == "equivalence":
        return f"Is {who} the same within ±{q['margin']:g} {unit}?"
    if kind == "non-inferiority":
        return f"Is {who} at most {q['margin']:g} {unit} worse?"
    return f"Does {who} differ by at least {q['smallest_effect']:g} {unit}?"


def questions(declared: Sequence[Mapping[str, Any]], units: Mapping[str, str]) -> list[Question]:
    """The declared questions as `actlab.trials.Question`s (`units`: each task's unit, for the
    words of a question that has none)."""
    out = []
    for q in declared:
        fields = {k: v for k, v in q.items() if k in _FIELDS}
        fields.setdefault("words", _words(q, units.get(q["task"], "")))
        out.append(Question(**fields))
    return out


def check_declared(
    name: str,
    value: Any,
    arms: Sequence[str],
    tasks: Sequence[str],
) -> None:
    """A parameters-cell validator: `value` is a list of one to three question dicts naming
    arms and tasks of the notebook, each with a `pilot_sd` > 0 (see the module docstring)."""

    def fail(why: str) -> None:
        raise ValueError(
            f"Invalid parameter `{name}`: expected one to three question dicts (id, task, "
            f"candidate, baseline, kind, smallest_effect or margin, pilot_sd): {why}. "
            f"Received: {name}={value!r}"
        )

    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        fail("a list of one to three")
    for q in value:
        if not isinstance(q, dict):
            fail(f"{q!r} is not a dict")
        missing = {"id", "task", "candidate", "baseline", "pilot_sd"} - set(q)
        unknown = set(q) - _FIELDS - {"pilot_sd"}
        if missing or unknown:
            fail(f"{q.get('id')!r} misses {sorted(missing)} / has unknown {sorted(unknown)}")
        if q["task"] not in tasks or q["candidate"] not in arms or q["baseline"] not in arms:
            fail(f"{q['id']!r}: tasks are {list(tasks)}, arms {list(arms)}")
        kind = q.get("kind", "difference")
        if kind not in KINDS:
            fail(f"{q['id']!r}: kind must be one of {KINDS}")
        if kind == "difference" and not _positive(q.get("smallest_effect")):
            fail(f"{q['id']!r}: a difference needs a smallest_effect > 0")
        if kind != "difference" and not _positive(q.get("margin")):
            fail(f"{q['id']!r}: a {kind} question needs a margin > 0")
        if not _positive(q["pilot_sd"]):
            fail(f"{q['id']!r}: pilot_sd must be a number > 0")
    if len({q["id"] for q in value}) < len(value):
        fail("ids must be unique")
    try:
        questions(value, {})
    except ValueError as exc:
        fail(str(exc))


def _positive(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def full_profile_seeds(notebook: str) -> int | None:
    """How many evaluation seeds the notebook's `full` profile runs (None: it does not set
    `seeds`), read from ``notebooks/profiles/<notebook>.yml``."""
    import yaml

    from actlab.collection.outputs import REPO_ROOT

    path = Path(REPO_ROOT) / "notebooks" / "profiles" / f"{notebook}.yml"
    if not path.is_file():
        return None
    full = (yaml.safe_load(path.read_text()) or {}).get("full") or {}
    seeds = full.get("seeds")
    return len(seeds) if isinstance(seeds, list) else None


def design_lines(
    declared: Sequence[Mapping[str, Any]],
    seeds: Sequence[int],
    units: Mapping[str, str],
    full_seeds: int | None = None,
) -> list[str]:
    """For each declared question: the seeds that give 80 % power at its smallest effect (or,
    for non-inferiority and equivalence, at its margin with no true difference) at the paired
    SD its pilot measured, against this run's seeds (and the `full` profile's)."""
    lines = []
    for q in declared:
        kind, unit = q.get("kind", "difference"), units.get(q["task"], "")
        text = stats.design_text(
            q["pilot_sd"], _effect(q), question=kind, margin=q.get("margin"), unit=unit
        )
        need = stats.seeds_needed(q["pilot_sd"], _effect(q), question=kind, margin=q.get("margin"))
        if len(seeds) >= need:
            enough = f"this run has {len(seeds)}"
        else:
            enough = f"this run has only {len(seeds)}, so it may well stay open"
            if full_seeds:
                enough += f" (the `full` profile runs {full_seeds})"
        lines.append(
            f"- **{q['id']}** ({q['task']}: {q['candidate']} − {q['baseline']}, {kind}): "
            f"{text}; {enough}."
        )
    return lines


def records(trial: Trial, full_seeds: int | None = None) -> dict[str, Any]:
    """What results.json carries for the trial: ``questions`` (the declared ones) and
    ``exploratory``, in the shape of `Trial.question_records` (an open question's ``open``
    also says how many seeds the `full` profile runs), and the run counts."""
    out: dict[str, Any] = {}
    for family, key in (("declared", "questions"), ("exploratory", "exploratory")):
        rows = trial.question_records(family)
        for r in rows:
            if r["open"] is not None and full_seeds and full_seeds > r["n"]:
                r["open"] += f"; the full profile runs {full_seeds}"
        out[key] = rows
    out.update(
        runs_total=trial.runs_total,
        runs_trained=trial.runs_trained,
        runs_cached=trial.runs_cached,
        choices=trial.choices.to_dict("records"),
        checkups=trial.checkups,
        design=trial.design,
    )
    return out


def finding(rows: Sequence[Mapping[str, Any]]) -> str:
    """The headline verdicts in one line: "id: verdict (difference, interval); ..."."""
    parts = []
    for r in rows:
        if r["n"] >= 2 and math.isfinite(r["mean_diff"]):
            if r.get("unit") == "decades":
                diff = f"×{10 ** r['mean_diff']:.3g}, CI ×{10 ** r['ci_low']:.3g} to ×{10 ** r['ci_high']:.3g}"
            else:
                fmt = stats.format_number
                diff = (
                    f"{fmt(r['mean_diff'], 2, sign=True)} {r.get('unit') or ''}, "
                    f"CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])}"
                )
            parts.append(f"{r['id']}: {r['verdict']} ({diff}, {r['n']} seeds)")
        else:
            parts.append(f"{r['id']}: {r['verdict']}")
    return "; ".join(parts)


def comparison_styler(trial: Trial, family: str):
    """The comparisons of one family (``"declared"``, ``"exploratory"``) as a table for people:
    the difference with its 95 % interval (a ratio for a log10 score), Holm's verdict."""
    import pandas as pd

    from actlab.collection.tables import people_table

    df = trial.comparisons
    df = df[df.family == family].copy() if len(df) else pd.DataFrame()
    if not len(df):
        return None

    def number(r, key):
        value = r[key]
        if not math.isfinite(value):
            return "–"
        if trial.tasks[r["task"]].log10:
            return f"×{10**value:.3g}"
        return stats.format_number(value, 2, sign=key == "mean_diff")

    for key in ("mean_diff", "ci_low", "ci_high"):
        df[f"{key}_text"] = [number(r, key) for r in df.to_dict("records")]
    df["unit_text"] = [
        "MSE ratio" if trial.tasks[t].log10 else trial.tasks[t].unit for t in df["task"]
    ]
    return people_table(
        df,
        {
            "task": "task",
            "candidate": "candidate",
            "baseline": "baseline",
            "question": "question",
            "mean_diff_text": "difference",
            "ci_low_text": "95 % CI low",
            "ci_high_text": "95 % CI high",
            "unit_text": "unit",
            "n": "seeds",
            "p_holm": "p (Holm)",
            "verdict_holm": "verdict (Holm)",
            "verdict": "before Holm",
        },
        decimals={"p (Holm)": 3},
    )
