"""Notebook 08's texts (rational activations): its findings, the cost of Rational's training
step, what the approximation table shows and how far the learned functions moved."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actlab.wording.numbers import format_number, number_text

__all__ = ["approximation_text", "cost_text", "drift_text", "rational_findings"]


def rational_findings(
    records: Sequence[Mapping[str, Any]],
    exploratory: Sequence[Mapping[str, Any]],
    trial: Any,
) -> dict[str, Any]:
    """Notebook 08's findings from the question records (`Trial.question_records`): one line per
    headline question (its sentence, "decided" or what it would take, and the cost of
    Rational's step against that baseline), the exploratory ones, and the one-line finding."""
    cost = {
        (r["task"], r["candidate"], r["baseline"]): r.get("cost_ratio")
        for r in trial.comparisons.to_dict("records")
    }
    lines = []
    for r in records:
        ratio = cost.get((r["task"], r["candidate"], r["baseline"]))
        lines.append(
            f"- **{r['question']}** {r['text']}"
            + ("" if r["decided"] else f"; the question stays open: {r['open']}")
            + (
                f"; a {r['candidate']} training step costs {ratio:.2f}× {r['baseline']}'s."
                if ratio is not None and math.isfinite(ratio)
                else "."
            )
        )
    if exploratory:
        lines.append(
            "- Exploratory (Holm among themselves): "
            + "; ".join(r["text"] for r in exploratory)
            + "."
        )

    def short(r: Mapping[str, Any]) -> str:
        return (
            f"{r['candidate']} − {r['baseline']} ({r['task']}) "
            f"{number_text(r['mean_diff'], 2, sign=True)} "
            f"[{number_text(r['ci_low'])}, {number_text(r['ci_high'])}]: "
            f"{r['verdict']}" + ("" if r["decided"] else " (open)")
        )

    ratios = [
        cost.get((r["task"], r["candidate"], r["baseline"]))
        for r in records
        if r["baseline"] == "ReLU"
    ]
    tail = (
        f"; Rational's step {ratios[0]:.2f}x ReLU's"
        if ratios and ratios[0] is not None and math.isfinite(ratios[0])
        else ""
    )
    return {"lines": lines, "finding": "; ".join(short(r) for r in records) + tail}


def cost_text(trial: Any, labels: Mapping[str, str]) -> str:
    """Notebook 08: the cost of Rational's training step against each baseline's (the trial's median
    per-round ratio, with its quartiles), per task (`labels`: task -> its name)."""
    parts = []
    for r in trial.comparisons.to_dict("records"):
        ratio = r.get("cost_ratio")
        if ratio is None or not math.isfinite(ratio):
            continue
        q1, q3 = r.get("cost_ratio_q1"), r.get("cost_ratio_q3")
        spread = (
            f" (quartiles {q1:.2f}–{q3:.2f})"
            if q1 is not None and q3 is not None and math.isfinite(q1) and math.isfinite(q3)
            else ""
        )
        parts.append(
            f"{labels.get(r['task'], r['task'])}: {r['candidate']} {ratio:.2f}× "
            f"{r['baseline']}'s{spread}"
        )
    return (
        "One training step (the task's model, a batch of the task's size, `train_on_batch`, "
        "interleaved rounds after the runs): " + "; ".join(parts) + "."
        if parts
        else "The cost was not measured."
    )


def _g(x: float, digits: int = 2) -> str:
    return format_number(x, digits) if abs(x) >= 0.01 or x == 0 else f"{x:.1e}"


def approximation_text(rows: Sequence[dict], fit_range=(-3.0, 3.0), outside=(3.0, 8.0)) -> str:
    """Notebook 08: what the approximation table shows, from its numbers."""
    best_in = min(rows, key=lambda r: r["rms_error_in_range_normal_weighted"])
    best_out = min(rows, key=lambda r: r["max_error_outside"])
    worst_out = max(rows, key=lambda r: r["max_error_outside"])
    lo, hi = fit_range
    inside = ", ".join(
        f"{r['approximant']} {_g(r['rms_error_in_range_normal_weighted'], 3)}" for r in rows
    )
    out = ", ".join(f"{r['approximant']} {_g(r['max_error_outside'])}" for r in rows)
    return (
        f"On [{lo:g}, {hi:g}] with the N(0, 1) weight the RMS error against ReLU is: {inside} "
        f"(smallest: {best_in['approximant']}). For {outside[0]:g} ≤ |x| ≤ {outside[1]:g} the "
        f"largest error is: {out}. Outside the fit range {best_out['approximant']} stays "
        f"closest to ReLU and {worst_out['approximant']} leaves it fastest "
        f"({_g(worst_out['max_error_outside'])} at worst, "
        f"{worst_out['max_error_outside'] / max(best_out['max_error_outside'], 1e-300):.0f}× "
        f"the best)."
    )


def drift_text(rows: Sequence[dict], labels: Mapping[str, str], fit_range=(-3.0, 3.0)) -> str:
    """Notebook 08: how far the learned rational functions moved from their start, per
    architecture (`labels`: arch -> its name) and layer, mean over seeds."""
    lo, hi = fit_range
    parts = [
        f"{labels[r['arch']]} {r['layer']}: RMS change {_g(r['rms_change'])} (max "
        f"{_g(r['max_change'])}) on [{lo:g}, {hi:g}], coefficients moved by "
        f"{100 * r['relative_coefficient_change']:.1f} % of their norm, "
        f"{100 * r['fraction_inputs_outside_fit_range']:.1f} % of its test inputs outside "
        f"the fit range"
        for r in rows
    ]
    biggest = max(rows, key=lambda r: r["rms_change"])
    return (
        "Mean over seeds, learned minus initial function: "
        + "; ".join(parts)
        + f". The largest change is in {labels[biggest['arch']]} {biggest['layer']}."
    )
