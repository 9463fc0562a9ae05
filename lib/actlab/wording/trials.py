"""A trial's words: its comparison table, summary line and learning-rate choices, the verdict
of a comparison (naming the arm that did better), its sentence, what non-finite seeds mean,
and what an open question would take (`actlab.trials` computes; this module speaks)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from actlab import stats
from actlab.wording.numbers import amount, format_number
from actlab.wording.phrases import NOT_COMPARABLE

__all__ = [
    "NOT_COMPARABLE",
    "aggregate_lines",
    "choices_text",
    "comparison_sentence",
    "comparison_table",
    "difference_axis_label",
    "metric_text",
    "new_trial_note",
    "nonfinite_words",
    "not_comparable",
    "comparison_id",
    "comparison_question",
    "summary_line",
    "verdict_text",
    "what_it_would_take",
]


def not_comparable(bad: int) -> str:
    """The verdict of a comparison with `bad` seeds whose score is not finite."""
    return f"{NOT_COMPARABLE}: {bad} seed(s) not finite"


def verdict_text(verdict: str, candidate: str, baseline: str, higher_is_better: bool) -> str:
    """A verdict naming the arm that did better ("ReLU higher", "GELU lower" for a loss) for
    "a higher" / "b higher"; any other verdict as it is."""
    if verdict not in ("a higher", "b higher"):
        return verdict
    a_higher = verdict == "a higher"
    better = candidate if a_higher == higher_is_better else baseline
    return f"{better} {'higher' if higher_is_better else 'lower'}"


def nonfinite_words(
    missing: Mapping[str, Sequence[int]],
    n_seeds: int,
    n_finite: int,
    better: int,
    candidate: str,
) -> str:
    """Which arm had no finite score at which seeds (`missing`: arm -> seeds, arms with none
    left out) and, described and not tested, how often `candidate` scored better at the
    `n_finite` seeds where both are finite."""
    parts = [
        f"{name} at seed{'s' if len(where) > 1 else ''} " + ", ".join(str(s) for s in where)
        for name, where in missing.items()
    ]
    text = "no finite score for " + " and ".join(parts)
    if n_finite:
        text += (
            f" of {n_seeds}; at the other {n_finite} seed{'s' if n_finite != 1 else ''} "
            f"{candidate} scored better at "
            f"{better} (described, not tested)"
        )
    return text


def comparison_sentence(r: Mapping[str, Any], task: Any) -> str:
    """One comparison row (`actlab.trials.compare`) in one sentence: the difference (a ratio
    for a log10 task) with its interval, the seeds, the question and the verdict after Holm."""
    if r["n"] < 2 or not math.isfinite(r["mean_diff"]):
        return f"{r['candidate']} − {r['baseline']}: {r['verdict_holm']}"
    unit = task.unit
    if task.log10:
        ratio = lambda x: f"×{10**x:.3g}"  # noqa: E731
        head = f"{ratio(r['mean_diff'])} ({ratio(r['ci_low'])} to {ratio(r['ci_high'])})"
    else:
        fmt = format_number
        head = (
            f"{fmt(r['mean_diff'], 2, sign=True)} {unit} "
            f"({100 * (1 - r['alpha']):g} % CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])})"
        )
    margin = "" if r["margin"] is None else f" at a margin of {amount(r['margin'], unit)}"
    after = "" if r["verdict"] == r["verdict_holm"] else f" ({r['verdict']} before Holm)"
    return (
        f"{r['candidate']} − {r['baseline']} on {r['task']}: {head}, {r['n']} paired seeds, "
        f"{r['question']}{margin}: {r['verdict_holm']} after Holm (p = {r['p_holm']:.3g}){after}"
    )


def metric_text(score: str, log10: bool) -> str:
    """The declared metric of a comparison, e.g. "test accuracy, mean of the last epochs"."""
    return f"test {score}, mean of the last epochs" + (" (log10)" if log10 else "")


def difference_axis_label(unit: str) -> str:
    """The x label of a trial figure's panel of paired differences."""
    return f"paired difference, {unit} (filled: decided after Holm)"


def new_trial_note(seeds: list[int], earlier: list[int], at: str) -> str:
    """The note of a trial whose design ran other seeds (`earlier`, at `at`) before."""
    return (
        f"A new trial: seeds {_span(seeds)}; an earlier trial of the same design ran "
        f"seeds {_span(earlier)} ({at}). Its runs are reused; its verdicts stand as "
        "they were, these are this trial's."
    )


def _span(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds))


def summary_line(
    total: int, trained: int, cached: int, comparisons: int, decided: int, seconds: float
) -> str:
    """A trial in one line: runs trained and cached, decided comparisons, time."""
    return (
        f"trial: {total} runs ({trained} trained, {cached} "
        f"cached), {comparisons} comparisons, {decided} decided after Holm, "
        f"{seconds:.0f} s"
    )


def choices_text(choices: Any, tasks: Mapping[str, Any]) -> str:
    """What learning rate each arm got, and why (the validation scores): `choices` is a trial's
    table of them (pandas), `tasks` its tasks by name."""
    if not len(choices):
        return "One learning rate per arm (no tuning stage)."
    lines = []
    for (task, arm), group in choices.groupby(["task", "arm"], sort=False):
        scores = ", ".join(
            f"{r.learning_rate:g}: {format_number(r.val_score, 2)}" for r in group.itertuples()
        )
        best = group[group["chosen"]]["learning_rate"].iloc[0]
        lines.append(
            f"{task} {arm}: lr {best:g} (validation {tasks[task].score}, mean of "
            f"{int(group['tune_seeds'].iloc[0])} tuning seeds: {scores})"
        )
    return "\n".join(lines)


def comparison_table(
    comparisons: Any,
    tasks: Mapping[str, Any],
    alpha: float,
    skipped: Sequence[str] = (),
    task: str | None = None,
) -> str:
    """A trial's comparisons (pandas) of one task (or every task) as a plain-text table: the
    difference, its interval, Holm's p and verdict, the cost, and the p and verdict before Holm."""
    if not len(comparisons):
        return (
            "No comparisons: every candidate failed the checkup and was not trained "
            "(force=True / --force trains them anyway)."
            if skipped
            else "No comparisons."
        )
    rows = comparisons if task is None else comparisons[comparisons.task == task]
    level = 100 * (1 - alpha)
    out = []
    for name, group in rows.groupby("task", sort=False):
        t = tasks[name]
        head = f"{name}: {t.score} on test, mean of the last {t.last} epochs" + (
            ", log10 (× = ratio)" if t.log10 else f", {t.unit}"
        )
        header = ("candidate − baseline", "diff", f"{level:g} % CI", "p Holm", "verdict (Holm)")
        lines = [head, _fmt_row((*header, "cost", "p", "before Holm"))]
        for r in group.itertuples():
            if t.log10:
                diff = f"×{10**r.mean_diff:.3g}" if math.isfinite(r.mean_diff) else "n/a"
                ci = (
                    f"×{10**r.ci_low:.3g} to ×{10**r.ci_high:.3g}"
                    if math.isfinite(r.ci_low)
                    else "n/a"
                )
            else:
                diff = format_number(r.mean_diff, 2, sign=True)
                ci = f"{format_number(r.ci_low)} to {format_number(r.ci_high)}"
            cost = getattr(r, "cost_ratio", math.nan)
            verdict = r.verdict_holm + (
                f" (±{r.margin:g})" if r.margin is not None and not _nan(r.margin) else ""
            )
            lines.append(
                _fmt_row(
                    (
                        f"{r.candidate} − {r.baseline}",
                        diff,
                        ci,
                        "n/a" if _nan(r.p_holm) else f"{r.p_holm:.3g}",
                        verdict,
                        "n/a" if _nan(cost) else f"×{cost:.2f}",
                        "n/a" if _nan(r.p) else f"{r.p:.3g}",
                        "(the same)" if r.verdict == r.verdict_holm else r.verdict,
                    )
                )
            )
        out.append("\n".join(lines))
    return "\n\n".join(out)


def comparison_id(r: Mapping[str, Any]) -> str:
    """A comparison's id when its question has none: "candidate − baseline (task)"."""
    return r.get("question_id") or f"{r['candidate']} − {r['baseline']} ({r['task']})"


def comparison_question(r: Mapping[str, Any]) -> str:
    """A comparison's question in words when it was declared without any."""
    return r.get("question_words") or (
        f"{r['candidate']} − {r['baseline']} on {r['task']}: {r['question']}"
    )


def what_it_would_take(r: dict[str, Any]) -> str:
    """For an undecided comparison: the seeds that would give 80 % power at the declared
    smallest effect (or, for non-inferiority / equivalence, at its margin with no true
    difference), at the spread of the per-seed differences this trial observed. When the trial
    already ran that many seeds, what its interval does say and what the observed difference
    would take instead."""
    sd = r.get("sd_diff")
    kind, margin = r["question"], r["margin"]
    effect = r.get("smallest_effect")
    unit = r.get("unit") or ""
    nonfinite = r.get("nonfinite")
    if isinstance(nonfinite, str) and nonfinite:
        return (
            f"{nonfinite}. The declared metric has no value for a run whose "
            "loss overflowed; deciding needs a new trial with a metric declared to score a "
            "diverged run (for example its rank among the arms, or a declared cap)"
        )
    if sd is None or _nan(sd) or r["n"] < 2:
        return "not comparable at these seeds; see the runs"
    if sd == 0:
        return f"open at {r['n']} seeds although every seed gave the same difference"
    if kind == "difference" and effect is None:
        return (
            f"open at {r['n']} seeds (paired SD {format_number(sd)} {unit}); no smallest "
            "effect was declared to size more"
        )
    k = stats.seeds_needed(
        float(sd), effect if kind == "difference" else None, question=kind, margin=margin
    )
    at = (
        f"a difference of {format_number(abs(effect))} {unit}"
        if kind == "difference"
        else f"the {amount(margin, unit)} margin if the true difference is 0"
    )
    if not math.isfinite(k):
        return f"no number of seeds reaches 80 % power at {at} with a paired SD of {sd:.2g} {unit}"
    if r["n"] < k:
        return (
            f"about {int(k)} paired seeds for 80 % power at {at} (paired SD {sd:.2g} {unit} "
            f"observed at {r['n']} seeds): a new trial"
        )
    return _powered_but_open(r, int(k), at, float(sd), unit)


def _powered_but_open(r: dict[str, Any], k: int, at: str, sd: float, unit: str) -> str:
    """An undecided comparison whose trial ran at least the `k` seeds its observed spread needs
    for 80 % power at the declared effect or margin: it stays open, and is quoted so. Nothing is
    sized at the observed difference, and no equivalence is read that was not declared."""
    return (
        f"{r['n']} paired seeds were enough for 80 % power at {at} ({k} needed at the observed "
        f"paired SD {sd:.2g} {unit}); the question stays open at this level and is quoted as "
        "open (another trial would be a new registration at the same declared effect)"
    )


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _fmt_row(cells: tuple) -> str:
    widths = (30, 9, 20, 8, 32, 6, 8, 28)
    return "  ".join(f"{str(c):<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()


def aggregate_lines(records: Sequence[Any]) -> str:
    """A trial's aggregates across its tasks (`actlab.trials.suite.aggregate.Aggregate`
    records), one line per candidate and baseline: the IQM of normalized scores (baseline mean
    = 1, best constant = 0) and the probability of improvement, with their intervals."""
    if not records:
        return "No aggregates: no candidate and baseline ran on the same tasks."
    first = records[0]
    lines = [
        f"across {len(first.tasks)} tasks ({first.seeds} seeds each; "
        f"{100 * first.confidence:g} % stratified bootstrap intervals, {first.reps} resamples):"
    ]
    for r in records:
        nonfinite = f"; {r.nonfinite} diverged run(s) scored worst" if r.nonfinite else ""
        lines.append(
            f"{r.candidate} vs {r.baseline}: IQM {_interval(r.iqm, r.iqm_low, r.iqm_high)} "
            f"against {_interval(r.baseline_iqm, r.baseline_iqm_low, r.baseline_iqm_high)}; "
            f"P({r.candidate} beats {r.baseline}) "
            f"{_interval(r.improvement, r.improvement_low, r.improvement_high)}{nonfinite}"
        )
    return "\n".join(lines)


def _interval(point: float, low: float, high: float) -> str:
    return f"{format_number(point)} ({format_number(low)} to {format_number(high)})"
