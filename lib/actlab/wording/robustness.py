"""A robustness comparison in words: a notebook's headline verdicts as run and under a
perturbation of float rounding, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["overlap_text", "robustness_text"]


def _fmt(x: Any) -> str:
    if not isinstance(x, int | float) or x != x:
        return "n/a"
    return f"{x:+.2f}".replace("-", "−")


def _cell(q: Mapping[str, Any] | None, unit: str | None) -> str:
    if q is None:
        return "(not asked)"
    if unit == "decades" and isinstance(q.get("mean_diff"), int | float):
        ratio = lambda v: f"×{10**v:.3g}" if isinstance(v, int | float) else "n/a"  # noqa: E731
        numbers = f"{ratio(q['mean_diff'])} ({ratio(q.get('ci_low'))} to {ratio(q.get('ci_high'))})"
    else:
        numbers = (
            f"{_fmt(q.get('mean_diff'))} ({_fmt(q.get('ci_low'))} to {_fmt(q.get('ci_high'))})"
        )
    return f"{q.get('verdict')}: {numbers}, {q.get('n')} seeds"


def robustness_text(record: Mapping[str, Any]) -> str:
    """A robustness comparison (`actlab.collection.robustness.compare_results`) for people: the
    two runs, one row per question (verdict, difference, interval, seeds), the summary."""
    label = record["perturbation_label"]
    ref = (record.get("reference") or {}).get("results") or "(missing)"
    new = (record.get("perturbed") or {}).get("results") or "(missing)"
    lines = [
        f"robustness: {record['notebook']} ({record['profile']} profile): the run ({ref}) "
        f"against the same run with {label} ({new})"
    ]
    rows = [("question", "as run", f"with {label}", "same")]
    for q in record["questions"]:
        kind = q.get("kind") or ""
        rows.append(
            (
                f"{q['id']} ({kind})" if kind else str(q["id"]),
                _cell(q["reference"], q.get("unit")),
                _cell(q["perturbed"], q.get("unit")),
                "yes"
                if q["agree"]
                else ("n/a" if not (q["reference"] and q["perturbed"]) else "FLIP"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        lines.append(
            "  " + "  ".join(f"{c:<{w}}" for c, w in zip(r[:3], widths, strict=True)) + f"  {r[3]}"
        )
    tail = f"{record['notebook']}: {record['summary']}"
    if record.get("written"):
        tail += f"; written {record['written']}"
    lines.append(tail)
    return "\n".join(lines)


def overlap_text(overlap: list[float] | None, unit: str | None) -> str:
    """A flip, read: overlapping intervals are one answer within the runs' noise, with the
    verdict at its threshold (a question sized for a larger effect than the one measured);
    disjoint intervals are two answers."""
    if overlap is None:
        return " (the two intervals do not overlap: the runs disagree beyond their noise)"
    if unit == "decades":
        low, high = (f"×{10**v:.3g}" for v in overlap)
    else:
        low, high = (_fmt(v) for v in overlap)
    return (
        f" (the two intervals overlap from {low} to {high}: one answer within the runs' noise, "
        "with the verdict at its threshold)"
    )
