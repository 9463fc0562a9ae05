"""The notebooks' findings: the lines and the one-line finding each notebook writes from its
trial's question records (`actlab.trials.Trial.question_records`), comparisons and arm tables.
Every function reads records and tables (duck-typed: no import of `actlab.trials` or the
collection) and returns text."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actlab.wording.numbers import amount, format_number, is_number, number_text

__all__ = [
    "CLAIM",
    "ESCAPE_RATIO",
    "accuracy_text",
    "arm_accuracy_text",
    "antirectifier_findings",
    "blend_findings",
    "claim",
    "comparison_short",
    "full_profile_open",
    "last_epochs_text",
    "mse_text",
    "ratio_finding",
    "trial_findings",
]


def trial_findings(trial: Any) -> list[str]:
    """One line per declared comparison of a trial (its ``.comparisons`` and ``.checkups``),
    from the numbers, plus the exploratory count and the failed checkups."""
    rows = trial.comparisons.to_dict("records")
    lines = []
    for r in rows:
        if r["family"] != "declared":
            continue
        cost = r.get("cost_ratio", math.nan)
        cost_text = (
            ""
            if cost is None or not math.isfinite(cost)
            else f"; its training step costs {cost:.2f}× {r['baseline']}'s"
        )
        lines.append(f"- {r['text']}{cost_text}.")
    exploratory = [r for r in rows if r["family"] == "exploratory"]
    if exploratory:
        decided = [
            f"{r['candidate']} − {r['baseline']} ({r['task']}): {r['verdict_holm']}"
            for r in exploratory
            if r["decided_holm"]
        ]
        lines.append(
            f"- Exploratory ({len(exploratory)} comparisons, Holm among themselves): "
            + ("; ".join(decided) if decided else "none decided")
            + "."
        )
    for name, check in trial.checkups.items():
        if not check["ok"]:
            lines.append(f"- {name} failed the checkup ({', '.join(check['failed'])}).")
    return lines


def full_profile_open(
    records: list[dict[str, Any]], profile: str, full_seeds: int | None
) -> list[dict[str, Any]]:
    """Question records whose open text also says what the `full` profile runs, when this run
    is another profile (changed in place, and returned)."""
    if profile != "full" and full_seeds:
        for r in records:
            if r["open"]:
                r["open"] += f"; the `full` profile runs {full_seeds}"
    return records


def ratio_finding(records: Sequence[Mapping[str, Any]]) -> str:
    """The headline verdicts in one line: "id: verdict (difference, interval, seeds)"; a
    difference in decades of MSE as the ratio it is."""
    parts = []
    for r in records:
        if r["n"] < 2 or not is_number(r["mean_diff"]):
            parts.append(f"{r['id']}: {r['verdict']}")
            continue
        if r.get("unit") == "decades":
            diff = (
                f"MSE ×{10 ** r['mean_diff']:.3g}, CI ×{10 ** r['ci_low']:.3g} "
                f"to ×{10 ** r['ci_high']:.3g}"
            )
        else:
            fmt = format_number
            diff = (
                f"{fmt(r['mean_diff'], 2, sign=True)} {r.get('unit') or ''}, "
                f"CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])}"
            )
        parts.append(f"{r['id']}: {r['verdict']} ({diff}, {r['n']} seeds)")
    return "; ".join(parts)


def mse_text(values: Sequence[float], digits: int = 2) -> str:
    """Per-seed MSEs by their median and range, e.g. "median 13.6 (2.1 to 2.1e+04, 4 seeds)"."""
    import numpy as np

    values = np.asarray(values, dtype="float64")
    if len(values) == 1:
        return f"{values[0]:.{digits}g} (1 seed)"
    return (
        f"median {np.median(values):.{digits}g} ({values.min():.{digits}g} to "
        f"{values.max():.{digits}g}, {len(values)} seeds)"
    )


# --------------------------------------------------------------------------- notebook 01
#: A variant "escapes" when its largest |pre-activation| exceeds the ReLU arm's by this factor
#: (or is not finite).
ESCAPE_RATIO = 10.0


def last_epochs_text(k: int) -> str:
    """ "the last epoch" or "the last k epochs"."""
    return "the last epoch" if k == 1 else f"the last {k} epochs"


def accuracy_text(row: Mapping) -> str:
    """ "97.1 ± 0.3 %", or "97.1 % (1 seed)"."""
    if row["n_seeds"] < 2 or not math.isfinite(row["score_std"]):
        return f"{row['score_mean']:.1f} % (1 seed)"
    return f"{row['score_mean']:.1f} ± {row['score_std']:.1f} %"


def arm_accuracy_text(table: Any, task: str, arm: str) -> str:
    """An arm's test accuracy on a task from `any_good.arm_table`: "mean ± std %" over seeds
    ("(1 seed)" without a spread), "not trained" for an arm the trial did not run."""
    if (task, arm) not in table.index:
        return "not trained"
    r = table.loc[(task, arm)]
    if r["n_seeds"] < 2:
        return f"{r['score_mean']:.1f} % (1 seed)"
    return f"{r['score_mean']:.1f} ± {r['score_std']:.1f} %"


def comparison_short(r: Mapping[str, Any]) -> str:
    """ "+0.52 points (95 % CI 0.10 to 0.94, 12 seeds): linear blend higher"."""
    if r["n"] < 2 or not is_number(r["mean_diff"]):
        return f"{r['verdict']} ({r['n']} seed{'s' if r['n'] != 1 else ''})"
    fmt = format_number
    return (
        f"{fmt(r['mean_diff'], 2, sign=True)} points (95 % CI {fmt(r['ci_low'])} to "
        f"{fmt(r['ci_high'])}, {r['n']} seeds): {r['verdict']}"
    )


def blend_findings(
    arm_rows: Sequence[Mapping[str, Any]],
    last: int,
    records: Sequence[Mapping[str, Any]],
    exploratory: Sequence[Mapping[str, Any]] = (),
    undersized: str | None = None,
) -> tuple[list[str], str]:
    """Notebook 01's sentences stating what the numbers show (each headline question with its
    interval and Holm-adjusted verdict, and what an open one would take; `undersized`, the
    sentence of `undersized_text` when this run's design is smaller than its questions need;
    the exploratory comparisons that were decided; every arm's score from `arm_rows`, scored
    over the `last` epochs; the pre-activations), and the one-line finding (which then says the
    design is too small to decide)."""
    rows = {r["variant"]: r for r in arm_rows}
    lines = []
    for r in records:
        text = f"**{r['question']}** {r['text']}."
        if r["open"]:
            text += f" Open: {r['open']}."
        lines.append(text)
    if undersized:
        lines += _undersized_lines(records, undersized)
    decided = [
        f"{r['candidate']} − {r['baseline']}: {comparison_short(r)}"
        for r in exploratory
        if r["decided"]
    ]
    if exploratory:
        lines.append(
            f"Exploratory ({len(exploratory)} comparison{'s' if len(exploratory) != 1 else ''}, "
            "Holm among themselves): " + ("; ".join(decided) if decided else "none decided") + "."
        )
    if rows:
        lines += _blend_arm_lines(rows, last)
    head = "; ".join(
        f"{r['candidate']} − {r['baseline']}: {comparison_short(r)}"
        + (" (open)" if r["open"] else "")
        for r in records
    )
    n_q = len(records)
    finding = (
        f"Small ResNet on MNIST, blends scored as the pure polynomial network (Holm across "
        f"{n_q} headline question{'s' if n_q != 1 else ''}): {head}."
        if records
        else "No headline question declared."
    )
    if undersized and any(r["open"] for r in records):
        finding = (
            finding.rstrip(".") + "; this design is too small to decide at the pilot's spread "
            "(the `full` profile is sized to)."
        )
    elif undersized:
        finding = (
            finding.rstrip(".") + "; decided although this design is smaller than the pilot's "
            "spread needs, so the differences are likely overstated (the `full` profile is "
            "sized to decide)."
        )
    return lines, finding


def _undersized_lines(records: Sequence[Mapping[str, Any]], undersized: str) -> list[str]:
    """The undersized design's sentence and, when it decided all the same, why that size is
    likely overstated."""
    lines = [undersized]
    decided = [r for r in records if r["decided"]]
    if decided:
        sizes = ", ".join(f"{format_number(r['mean_diff'], 2, sign=True)} points" for r in decided)
        lines.append(
            f"{len(decided)} of {len(records)} headline question"
            f"{'s' if len(records) != 1 else ''} decided all the same: the verdict after Holm "
            "stands, but a design this small decides only when the difference comes out "
            f"large, so its size ({sizes}) is likely overstated; the `full` profile "
            "estimates it with the seeds the pilot's spread needs."
        )
    return lines


def _blend_arm_lines(rows: Mapping[str, Mapping[str, Any]], last: int) -> list[str]:
    """Every arm's score, and the largest pre-activation against ReLU's."""
    n = max(r["n_seeds"] for r in rows.values())
    lines = [
        f"Test accuracy (mean of {last_epochs_text(last)}, mean ± std over {n} seed"
        f"{'s' if n != 1 else ''}, each arm at the learning rate chosen on validation): "
        + "; ".join(
            f"{r['label']} {accuracy_text(r)} (lr {r['learning_rate']:g}"
            + (f", {r['n_nonfinite']} run(s) non-finite" if r["n_nonfinite"] else "")
            + ")"
            for r in rows.values()
        )
        + "."
    ]
    worst = max(
        rows.values(),
        key=lambda r: -1 if math.isnan(r["max_preact_mean"]) else r["max_preact_mean"],
    )
    peak = worst["max_preact_mean"]
    text = (
        f"Largest |pre-activation| at the end of training (max over layers, mean over seeds): "
        f"{format_number(peak, 1)} ({worst['label']})"
    )
    relu = rows.get("relu")
    if relu is not None and worst is not relu:
        ratio = peak / relu["max_preact_mean"]
        escaped = not math.isfinite(peak) or ratio > ESCAPE_RATIO
        text += (
            f" against {format_number(relu['max_preact_mean'], 1)} with ReLU "
            f"(×{format_number(ratio, 1)}): "
            + ("escaping activations." if escaped else "no escaping activations")
        )
    elif not math.isfinite(peak):
        text += ": escaping activations (not finite)."
    else:
        text += ": batch norm right before each activation keeps the inputs bounded"
    if math.isfinite(peak) and not text.endswith("."):
        text += ", though beyond the ±3 where the polynomial is accurate." if peak > 3 else "."
    lines.append(text)
    return lines


# --------------------------------------------------------------------------- notebook 04
#: What the non-inferiority verdict (after Holm) says about the example's claim.
CLAIM = {
    "non-inferior": "supported",
    "inferior": "not supported",
    "inconclusive": "open",
    "single seed": "open",
    "too few seeds": "open",
}


def claim(record: Mapping[str, Any]) -> str:
    """The claim "half the parameters, comparable accuracy" from its question's record:
    ``supported`` (non-inferior at the margin), ``not supported`` (inferior) or ``open``."""
    return CLAIM.get(record["verdict"], "open")


def antirectifier_findings(
    records: Sequence[Mapping[str, Any]],
    exploratory: Sequence[Mapping[str, Any]],
    table: Any,
    claim_id: str,
    data_description: str,
) -> dict[str, Any]:
    """Notebook 04's findings from the question records: one line per headline question (its
    sentence, and "decided" or what it would take), the exploratory ones after them, what the
    claim comes to (`table`: parameters per arm, ``table.loc[arm, "params"]``), and the
    one-line finding of the run."""
    by_id = {r["id"]: r for r in records}
    main = by_id[claim_id]
    verdict_of_claim = claim(main)
    a, b = main["candidate"], main["baseline"]
    ratio = table.loc[a, "params"] / table.loc[b, "params"]
    lines = [
        f"- **{r['question']}** {r['text']}"
        + ("." if r["decided"] else f"; the question stays open: {r['open']}.")
        for r in records
    ]
    if exploratory:
        lines.append(
            "- Exploratory (Holm among themselves): "
            + "; ".join(r["text"] for r in exploratory)
            + "."
        )
    lines.append(
        f"- So the example's claim, comparable accuracy (at most {amount(main['margin'], 'points')} below "
        f"{b}) with {ratio:.2f}× the parameters, is **{verdict_of_claim}** on this run ("
        + {
            "supported": "the whole interval lies above the margin",
            "not supported": "the whole interval lies below the margin",
            "open": "the interval reaches past the margin, after Holm",
        }[verdict_of_claim]
        + f"). Data: {data_description}."
    )

    def short(r: Mapping[str, Any]) -> str:
        at = "" if r["margin"] is None else f" at {r['margin']:g}"
        return (
            f"{r['candidate']} − {r['baseline']} {number_text(r['mean_diff'], 2, sign=True)}"
            f" [{number_text(r['ci_low'])}, {number_text(r['ci_high'])}]"
            f" ({r['kind']}{at}): {r['verdict']}"
        )

    summary = "; ".join(short(r) for r in records)
    return {
        "claim": verdict_of_claim,
        "lines": lines,
        "finding": f"{summary}; half-parameters claim {verdict_of_claim} ({main['n']} paired seeds)",
    }
