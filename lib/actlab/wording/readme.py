"""The README's findings table: one row per notebook from the reference run's results
(`tools/readme_table.py` collects them into `tools/findings_reference.json` and puts this table
between the README's markers)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from actlab.wording.numbers import amount

__all__ = ["findings_table", "question_cell", "robustness_cell", "run_cell", "verdicts_cell"]


def _number(x: Any, sign: bool = True) -> str:
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "n/a"
    return (f"{x:+.2f}" if sign else f"{x:.2f}").replace("-", "−")


def question_cell(q: Mapping[str, Any]) -> str:
    """One headline question: its words and kind, the difference with its interval, the
    verdict after Holm, and "decided" or what it would take."""
    unit = q.get("unit") or "points"
    kind, margin, effect = q.get("kind"), q.get("margin"), q.get("smallest_effect")
    if kind == "non-inferiority":
        how = f"non-inferiority, margin {amount(margin, unit)}"
    elif kind == "equivalence":
        how = f"equivalence within ±{amount(margin, unit)} (TOST)"
    else:
        how = "difference" + (f", smallest effect {amount(effect, unit)}" if effect else "")
    if not (isinstance(q.get("mean_diff"), int | float) and math.isfinite(q["mean_diff"])):
        numbers = f"{q.get('n')} paired seeds"  # not comparable: no difference to quote
    elif unit == "decades":
        ratio = lambda v: f"×{10**v:.3g}" if isinstance(v, int | float) else "n/a"  # noqa: E731
        numbers = (
            f"{ratio(q.get('mean_diff'))} (95 % CI {ratio(q.get('ci_low'))} to "
            f"{ratio(q.get('ci_high'))}, {q.get('n')} paired seeds)"
        )
    else:
        numbers = (
            f"{_number(q.get('mean_diff'))} {unit} (95 % CI {_number(q.get('ci_low'), False)} "
            f"to {_number(q.get('ci_high'), False)}, {q.get('n')} paired seeds)"
        )
    p = q.get("p_holm")
    holm = f", Holm p = {p:.2g}" if isinstance(p, int | float) and math.isfinite(p) else ""
    outcome = "decided" if q.get("decided") else f"open: {q.get('open') or 'see the notebook'}"
    return f"*{q.get('question')}* ({how}): {numbers}: **{q.get('verdict')}**{holm}; {outcome}"


def _date(prov: Mapping[str, Any]) -> str:
    return (prov.get("finished_utc") or "?")[:10]


def run_cell(entry: Mapping[str, Any]) -> str:
    """The run a row quotes: profile, date, wall time, cache, machine, note."""
    prov = entry.get("provenance") or {}
    wall = prov.get("wall_time_s")
    text = f"`{entry.get('profile')}`, {_date(prov)}" + (
        f", {wall:,.0f} s" if isinstance(wall, int | float) else ""
    )
    if entry.get("from_cache"):
        text += " (every training run from the trial cache)"
    if entry.get("profile") != "default":
        text += f" on {prov.get('cpu_count', '?')} CPU cores ({prov.get('platform', '?')})"
    if entry.get("note"):
        text += f"; {entry['note']}"
    return text


def robustness_cell(entry: Mapping[str, Any]) -> str:
    """Whether the headline verdicts were the same with oneDNN off."""
    robust = entry.get("robustness")
    if not robust:
        return "not run (`make robustness`)"
    if robust.get("agree"):
        return f"yes: {robust.get('summary')}"
    if robust.get("flips"):
        return f"**NO**: {robust.get('summary')}"
    return str(robust.get("summary"))


def verdicts_cell(
    name: str,
    entry: Mapping[str, Any] | None,
    described: Mapping[str, str],
    with_finding: Mapping[str, str],
) -> str:
    """A notebook's headline verdicts: its declared questions (`question_cell`), or its paired
    verdicts and, per `with_finding`, its one-line finding; `described` rows are words only."""
    if name in described:
        return described[name]
    if not entry:
        return "not in the reference run"
    if entry.get("questions"):
        return "; ".join(question_cell(q) for q in entry["questions"])
    verdicts = "; ".join(f"{v['question']}: {v['text']}" for v in entry["verdicts"])
    how = with_finding.get(name)
    if how == "only" or (how and not verdicts):
        return entry.get("finding") or "no finding recorded"
    if how:
        return f"{entry.get('finding')} Paired verdicts: {verdicts}"
    return verdicts or "no verdicts recorded"


def findings_table(
    notebooks: Mapping[str, Any],
    questions: Mapping[str, str],
    described: Mapping[str, str],
    with_finding: Mapping[str, str],
) -> str:
    """The README's findings table (Markdown, its introduction first) from the reference
    run's `notebooks` entries: one row per notebook of `questions` (name -> its question)."""
    provs = [nb["provenance"] for nb in notebooks.values() if nb["provenance"]]
    first = provs[0] if provs else {}
    dates = sorted(_date(p) for p in provs if p.get("finished_utc"))
    commits = sorted({(p.get("git_commit") or "?")[:7] for p in provs})
    data = sorted(
        {
            f"{d.get('source')} MNIST, {d.get('n_train'):,} training / {d.get('n_test'):,} test images"
            for d in (nb.get("data") for nb in notebooks.values())
            if d and d.get("n_train") is not None and d.get("n_test") is not None
        }
        | {
            d["description"]
            for d in (nb.get("data") for nb in notebooks.values())
            if d and d.get("description")
        }
    )
    lines = [
        "Each notebook's headline questions, declared before its run, as the run recorded in "
        "`tools/findings_reference.json` answered them "
        f"({dates[0] if dates else '?'}{'–' + dates[-1] if len(dates) > 1 and dates[-1] != dates[0] else ''}, "
        f"commit {', '.join(commits)}; {first.get('cpu_count', '?')} CPU cores, "
        f"{first.get('gpus', 0)} GPU, {first.get('platform', '?')}; Python {first.get('python', '?')}, "
        f"TensorFlow {first.get('tensorflow', '?')}, Keras {first.get('keras', '?')}, "
        f"{first.get('backend', '?')} backend). Each is a paired difference over seeds with its "
        "95 % Student-t interval; a non-inferiority or equivalence question is decided against its "
        "declared margin, and a notebook's headline questions are adjusted together (Holm). "
        '"Open" says what it would take. The run column names the profile quoted (a `full` run '
        "where the default profile is declared too small to decide); the last column says whether "
        "the headline verdicts were the same when the run was repeated with TensorFlow's oneDNN "
        "off, another float rounding (`make robustness`). Rows without a declared question quote "
        "the notebook's paired verdicts, whose verdict word follows from the interval alone. Data: "
        + ("; ".join(data) if data else "?")
        + ".",
        "",
        "| notebook | question | headline verdicts | run | the same with oneDNN off? |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, question in questions.items():
        entry = notebooks.get(name)
        cells = [
            f"`{name}`",
            question,
            verdicts_cell(name, entry, described, with_finding),
            run_cell(entry) if entry and name not in described else "",
            robustness_cell(entry) if entry and name not in described else "",
        ]
        lines.append("| " + " | ".join(c.replace("|", "∣") for c in cells) + " |")
    return "\n".join(lines)
