"""The README's findings table: one row per notebook from the reference run's results
(`tools/readme_table.py` collects them into `tools/findings_reference.json` and puts this table
between the README's markers)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from actlab.wording.confirmatory import reading_words
from actlab.wording.numbers import amount

__all__ = [
    "confirmatory_cell",
    "findings_table",
    "question_cell",
    "robustness_cell",
    "run_cell",
    "verdicts_cell",
]


def _number(x: Any, sign: bool = True) -> str:
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "n/a"
    return (f"{x:+.2f}" if sign else f"{x:.2f}").replace("-", "−")


def question_cell(q: Mapping[str, Any]) -> str:
    """One headline question of an exploratory run (a notebook's profile run): its words and
    kind, the difference with its interval and seeds, Holm's p — numbers, no verdict word (the
    verdict column quotes the confirmatory trial only)."""
    unit = q.get("unit") or "points"
    kind, margin, effect = q.get("kind"), q.get("margin"), q.get("smallest_effect")
    if kind == "non-inferiority":
        how = f"non-inferiority, margin {amount(margin, unit)}"
    elif kind == "equivalence":
        how = f"equivalence within ±{amount(margin, unit)}"
    else:
        how = "difference" + (f", smallest effect {amount(effect, unit)}" if effect else "")
    if not (isinstance(q.get("mean_diff"), int | float) and math.isfinite(q["mean_diff"])):
        numbers = f"not comparable ({q.get('n')} paired seeds, a score not finite)"
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
    return f"*{q.get('question')}* ({how}): {numbers}{holm}"


def confirmatory_cell(entry: Mapping[str, Any] | None) -> str:
    """A notebook's confirmatory trial (`tools/readme_table.py` reads notebooks/confirm/): each
    declared question's reading after Holm and its rounding interaction, with the trial's run;
    or that it is registered and not run yet; or that it has none."""
    if not entry:
        return "no confirmatory trial registered: no verdict"
    if entry.get("status") == "none":
        return entry["why"]
    if entry.get("status") != "run":
        return "registered, not run yet: no verdict"
    commit = (entry.get("registration_commit") or "?")[:7]
    parts = []
    for r in entry["readings"]:
        d = r["decision"]
        inter = r.get("interaction")
        same = (
            "n/a"
            if inter is None
            else ("yes" if inter["equivalence"]["equivalent"] else "not shown")
        )
        numbers = (
            "no interval"
            if not isinstance(d.get("low"), int | float) or not math.isfinite(d["low"])
            else f"{_signed(d['estimate'], r)} ({100 * d['confidence']:.4g} % CI "
            f"{_signed(d['low'], r, False)} to {_signed(d['high'], r, False)})"
        )
        edges = (
            f"; the learning rate sat at its grid's edge for {', '.join(r['lr_edges'])}"
            if r.get("lr_edges")
            else ""
        )
        parts.append(
            f"*{r.get('words') or r.get('id')}* {numbers}, {r['n']} seeds × "
            f"{len(r['roundings'])} roundings: **{reading_words(r)}**; the same within "
            f"±{r['interaction_margin']:g} under oneDNN off? {same}{edges}"
        )
    run = (
        f"registered {commit}, run {(entry.get('finished_utc') or '?')[:10]} at "
        f"{(entry.get('run_commit') or '?')[:7]}, {entry.get('runs')} runs, "
        f"{entry.get('train_s', 0) / 3600:.1f} h of training on {entry.get('cpu')}"
    )
    return "; ".join(parts) + f" ({run})"


def _signed(x: float, r: Mapping[str, Any], sign: bool = True) -> str:
    if r["log_scale"]:
        return f"×{10**x:.3g}"
    return f"{_number(x, sign)} {r['unit']}".rstrip() if sign else _number(x, sign)


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
    confirmatory: Mapping[str, Any] | None = None,
) -> str:
    """The README's findings table (Markdown, its introduction first): one row per notebook of
    `questions` (name -> its question); the verdict column quotes each notebook's confirmatory
    trial (`confirmatory`: name -> `confirmatory_cell`'s entry) and nothing else; the reference
    run's `notebooks` entries are shown as exploratory numbers."""
    confirmatory = confirmatory or {}
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
        "**Verdicts** come from one registered confirmatory trial per notebook "
        "(`notebooks/confirm/`): its design, sized at Holm's α for the declared effect, was "
        "committed before its run, and it is quoted whatever it says. Each seed runs every arm "
        "under both of TensorFlow's oneDNN settings and scores their mean; a question is read "
        "four ways against its declared smallest effect (different; different but smaller; "
        "equivalent; undetermined) or against its non-inferiority margin, its interval at α/m "
        "over the notebook's m declared questions (Holm's first step; Holm's adjusted p beside), "
        "checked by a sign-flip permutation test (Wilcoxon and "
        "Hodges–Lehmann for a log MSE), never on fewer than 6 seeds; the arm × rounding "
        "interaction is its own equivalence question. On MNIST the intervals are conditional on "
        "the 5,000 embedded images: one fixed test block of 1,000 held out for every seed, "
        "training and validation images resampled per seed from the other 4,000 (another draw "
        "of images could move them). `make confirm` re-reads every quoted number from the "
        "committed runs. **Exploratory** numbers are the notebooks' own profile runs, recorded "
        "in `tools/findings_reference.json` "
        f"({dates[0] if dates else '?'}{'–' + dates[-1] if len(dates) > 1 and dates[-1] != dates[0] else ''}, "
        f"commit {', '.join(commits)}; {first.get('cpu_count', '?')} CPU cores, "
        f"{first.get('gpus', 0)} GPU; TensorFlow {first.get('tensorflow', '?')}, Keras "
        f"{first.get('keras', '?')}): paired differences with 95 % Student-t intervals and "
        "Holm's p, without verdict words. Their data: " + ("; ".join(data) if data else "?") + ".",
        "",
        "| notebook | question | confirmatory verdict | exploratory numbers | exploratory run |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, question in questions.items():
        entry = notebooks.get(name)
        quoted = name not in described
        cells = [
            f"`{name}`",
            question,
            confirmatory_cell(confirmatory.get(name)) if quoted else "",
            verdicts_cell(name, entry, described, with_finding),
            run_cell(entry) if entry and quoted else "",
        ]
        lines.append("| " + " | ".join(c.replace("|", "∣") for c in cells) + " |")
    return "\n".join(lines)
