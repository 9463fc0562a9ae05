"""`Trial`: what `run_trial` returns: the runs, the learning-rate choices, the comparisons,
and the tables, sentences, figure and files made from them."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab import stats, wording
from actlab._util import to_jsonable
from actlab.trials.tasks import Task

__all__ = ["Trial", "note_design"]

#: The keys of each comparison in `Trial.to_json`.
JSON_COMPARISON_KEYS = (
    "task",
    "candidate",
    "baseline",
    "n",
    "mean_diff",
    "ci_low",
    "ci_high",
    "p_holm",
    "verdict",
)


def note_design(folder: Path | None, design: dict) -> str | None:
    """Record the design in ``trials.jsonl`` of the cache and say whether an earlier trial of
    the same design (everything but the seeds) ran other seeds: then this is a new trial."""
    if folder is None:
        return None
    same = {k: v for k, v in design.items() if k != "seeds"}
    digest = hashlib.sha256(json.dumps(to_jsonable(same), sort_keys=True).encode()).hexdigest()[:16]
    path = Path(folder) / "trials.jsonl"
    earlier = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("design") == digest and entry.get("seeds") != design["seeds"]:
                earlier.append(entry)
    with path.open("a") as f:
        stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        f.write(json.dumps({"design": digest, "seeds": design["seeds"], "at": stamp}) + "\n")
    if not earlier:
        return None
    last = earlier[-1]
    return (
        f"A new trial: seeds {_span(design['seeds'])}; an earlier trial of the same design ran "
        f"seeds {_span(last['seeds'])} ({last['at']}). Its runs are reused; its verdicts stand as "
        "they were, these are this trial's."
    )


def _span(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds))


@dataclass
class Trial:
    """The result of `run_trial`.

    Attributes:
        runs: one row per run (pandas): task, arm, role, stage ("tune"/"eval"), learning_rate,
            seed, epochs, val_score and test_score (the declared score; test only for the
            evaluation runs), every epoch's ``train_loss``, ``val_<metric>`` and
            ``test_<metric>`` (tuples), seconds, nonfinite_epoch, params, the fingerprints of the
            split, batch order and shared initial weights (split_id, order_id, init_id) and
            cached (True when read from the cache, False when trained now).
        comparisons: one row per task × candidate × baseline (pandas): question, margin,
            family, n, candidate_mean, baseline_mean, mean_diff, sd_diff, ci_low, ci_high, p,
            p_holm, verdict (before Holm), verdict_holm, decided_holm, candidate_lr,
            baseline_lr, cost_ratio (with cost_ratio_q1/q3), text.
        choices: per task and arm, each learning rate's mean validation score over the tuning
            seeds and which was chosen (empty with one-value grids).
        checkups: the candidates' checkup summaries; skipped: those not trained.
        design: what was declared before the run; note: set when the same design ran other
            seeds before (a new trial).
    """

    runs: Any
    comparisons: Any
    choices: Any
    checkups: dict[str, dict]
    skipped: list[str]
    design: dict[str, Any]
    tasks: dict[str, Task]
    seconds: float
    note: str | None = None
    _figure: Any = field(default=None, repr=False)

    def __post_init__(self):
        import pandas as pd

        for name in ("runs", "comparisons", "choices"):
            value = getattr(self, name)
            if not isinstance(value, pd.DataFrame):
                setattr(self, name, pd.DataFrame(list(value)))

    @property
    def runs_total(self) -> int:
        return len(self.runs)

    @property
    def runs_cached(self) -> int:
        return int(self.runs["cached"].sum()) if len(self.runs) else 0

    @property
    def runs_trained(self) -> int:
        return self.runs_total - self.runs_cached

    def summary(self) -> str:
        """One line: runs trained and cached, decided comparisons, time."""
        decided = int(self.comparisons["decided_holm"].sum()) if len(self.comparisons) else 0
        return (
            f"trial: {self.runs_total} runs ({self.runs_trained} trained, {self.runs_cached} "
            f"cached), {len(self.comparisons)} comparisons, {decided} decided after Holm, "
            f"{self.seconds:.0f} s"
        )

    def choices_text(self) -> str:
        """What learning rate each arm got, and why (the validation scores)."""
        if not len(self.choices):
            return "One learning rate per arm (no tuning stage)."
        lines = []
        for (task, arm), group in self.choices.groupby(["task", "arm"], sort=False):
            scores = ", ".join(
                f"{r.learning_rate:g}: {wording.format_number(r.val_score, 2)}"
                for r in group.itertuples()
            )
            best = group[group["chosen"]]["learning_rate"].iloc[0]
            lines.append(
                f"{task} {arm}: lr {best:g} (validation {self.tasks[task].score}, mean of "
                f"{int(group['tune_seeds'].iloc[0])} tuning seeds: {scores})"
            )
        return "\n".join(lines)

    def table(self, task: str | None = None) -> str:
        """The comparisons of one task (or every task) as a plain-text table for people."""
        if not len(self.comparisons):
            return (
                "No comparisons: every candidate failed the checkup and was not trained "
                "(force=True / --force trains them anyway)."
                if self.skipped
                else "No comparisons."
            )
        rows = self.comparisons if task is None else self.comparisons[self.comparisons.task == task]
        level = 100 * (1 - self.design.get("alpha", 0.05))
        out = []
        for name, group in rows.groupby("task", sort=False):
            t = self.tasks[name]
            head = f"{name}: {t.score} on test, mean of the last {t.last} epochs" + (
                ", log10 (× = ratio)" if t.log10 else f", {t.unit}"
            )
            lines = [
                head,
                _fmt_row(
                    (
                        "candidate − baseline",
                        "diff",
                        f"{level:g} % CI",
                        "p Holm",
                        "verdict (Holm)",
                        "cost",
                    )
                ),
            ]
            for r in group.itertuples():
                if t.log10:
                    diff = f"×{10**r.mean_diff:.3g}" if math.isfinite(r.mean_diff) else "n/a"
                    ci = (
                        f"×{10**r.ci_low:.3g} to ×{10**r.ci_high:.3g}"
                        if math.isfinite(r.ci_low)
                        else "n/a"
                    )
                else:
                    diff = wording.format_number(r.mean_diff, 2, sign=True)
                    ci = f"{wording.format_number(r.ci_low)} to {wording.format_number(r.ci_high)}"
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
                        )
                    )
                )
            out.append("\n".join(lines))
        return "\n\n".join(out)

    def question_records(self, family: str = "declared") -> list[dict[str, Any]]:
        """One JSON-ready record per comparison of `family` (``"declared"``: the headline
        questions; ``"exploratory"``), the shape the collection's results.json and README
        findings table read: ``id``, ``question`` (words), ``kind``, ``margin``,
        ``smallest_effect``, ``metric``, ``task``, ``candidate``, ``baseline``, ``n``,
        ``mean_diff``, ``sd_diff``, ``ci_low``, ``ci_high``, ``p``, ``p_holm``, ``verdict``
        (after Holm), ``verdict_before_holm``, ``decided`` (after Holm), ``text`` (one sentence),
        ``nonfinite`` (which arm had no finite score at which seeds; None when every score is
        finite) and ``open``: None when decided, else what it would take (the seeds for 80 % power at
        the smallest effect, or at the margin, given the spread this trial observed)."""
        out = []
        for r in self.comparisons.to_dict("records"):
            if r["family"] != family:
                continue
            # pandas holds a missing margin, effect, id or words as NaN once another row has one
            for name in ("margin", "smallest_effect", "question_id", "question_words"):
                if _nan(r.get(name)):
                    r[name] = None
            out.append(
                to_jsonable(
                    {
                        "id": r.get("question_id")
                        or f"{r['candidate']} − {r['baseline']} ({r['task']})",
                        "question": r.get("question_words")
                        or f"{r['candidate']} − {r['baseline']} on {r['task']}: {r['question']}",
                        "kind": r["question"],
                        "margin": r["margin"],
                        "smallest_effect": r.get("smallest_effect"),
                        "metric": r.get("metric"),
                        "unit": r.get("unit"),
                        "task": r["task"],
                        "candidate": r["candidate"],
                        "baseline": r["baseline"],
                        "n": r["n"],
                        "mean_diff": r["mean_diff"],
                        "sd_diff": r.get("sd_diff"),
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "p": r["p"],
                        "p_holm": r["p_holm"],
                        "verdict": r["verdict_holm"],
                        "verdict_before_holm": r["verdict"],
                        "decided": bool(r["decided_holm"]),
                        "text": r["text"],
                        "nonfinite": None if _nan(r.get("nonfinite")) else r.get("nonfinite"),
                        "open": None if r["decided_holm"] else _what_it_would_take(r),
                    }
                )
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """`runs_total`, `runs_trained`, `runs_cached` and `comparisons` (task, candidate,
        baseline, n, mean_diff, ci_low, ci_high, p_holm, verdict: after Holm), plus the design,
        the checkups and the learning-rate choices."""
        comparisons = [
            {
                **{k: r[k] for k in JSON_COMPARISON_KEYS if k != "verdict"},
                "verdict": r["verdict_holm"],
                "question": r["question"],
                "margin": r["margin"],
                "verdict_before_holm": r["verdict"],
                "cost_ratio": r.get("cost_ratio"),
                "text": r["text"],
            }
            for r in self.comparisons.to_dict("records")
        ]
        return to_jsonable(
            {
                "runs_total": self.runs_total,
                "runs_trained": self.runs_trained,
                "runs_cached": self.runs_cached,
                "comparisons": comparisons,
                "choices": self.choices.to_dict("records"),
                "checkups": self.checkups,
                "skipped": self.skipped,
                "design": self.design,
                "note": self.note,
                "seconds": self.seconds,
            }
        )

    def curves(self):
        """Every epoch's values in long form: task, arm, stage, learning_rate, seed, epoch,
        split (train/val/test), metric, value."""
        import pandas as pd

        records = []
        for r in self.runs.to_dict("records"):
            for column, values in r.items():
                if not isinstance(values, tuple):
                    continue
                split, metric = column.split("_", 1)
                for epoch, value in enumerate(values, start=1):
                    records.append(
                        {
                            **{k: r[k] for k in ("task", "arm", "stage", "learning_rate", "seed")},
                            "epoch": epoch,
                            "split": split,
                            "metric": metric,
                            "value": value,
                        }
                    )
        return pd.DataFrame(records)

    def plot(self):
        """A figure: per task, the paired differences with their intervals (after Holm's
        verdict) and the learning curves (test score per epoch, mean over seeds, per arm)."""
        from actlab.trials.figure import plot_trial

        return plot_trial(self)

    def save(self, folder: str | Path, figure: bool = True) -> dict[str, Path]:
        """Write ``runs.csv`` (per-epoch values as JSON lists), ``comparisons.csv``,
        ``trial.json`` and, with `figure` (needs matplotlib), ``trial.png``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        runs = self.runs.copy()
        for column in runs.columns:  # per-epoch values (tuples) and records as JSON text
            if runs[column].map(lambda v: isinstance(v, tuple | dict | list)).any():
                runs[column] = runs[column].map(
                    lambda v: (
                        json.dumps(to_jsonable(v)) if isinstance(v, tuple | dict | list) else ""
                    )
                )
        paths = {"runs": folder / "runs.csv", "comparisons": folder / "comparisons.csv"}
        runs.to_csv(paths["runs"], index=False)
        self.comparisons.to_csv(paths["comparisons"], index=False)
        paths["json"] = folder / "trial.json"
        paths["json"].write_text(json.dumps(self.to_json(), indent=2) + "\n")
        if figure and len(self.runs):
            try:
                import matplotlib  # noqa: F401 - not a dependency of the core: no figure without it
            except ImportError:
                return paths
            fig = self.plot()
            paths["figure"] = folder / "trial.png"
            fig.savefig(paths["figure"], dpi=110, bbox_inches="tight", metadata={"Software": None})
            import matplotlib.pyplot as plt

            plt.close(fig)
        return paths


def _what_it_would_take(r: dict[str, Any]) -> str:
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
            f"open at {r['n']} seeds (paired SD {wording.format_number(sd)} {unit}); no smallest "
            "effect was declared to size more"
        )
    k = stats.seeds_needed(
        float(sd), effect if kind == "difference" else None, question=kind, margin=margin
    )
    at = (
        f"a difference of {wording.format_number(abs(effect))} {unit}"
        if kind == "difference"
        else f"the {margin:g} {unit} margin if the true difference is 0"
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
    for 80 % power at the declared effect or margin: the difference lies nearer the decision's
    boundary than the sizing assumed. Says so, what the interval excludes, and what the observed
    difference would take (a new trial, declared with it)."""
    kind, margin, n = r["question"], r["margin"], r["n"]
    mean, low, high = r.get("mean_diff"), r.get("ci_low"), r.get("ci_high")
    head = (
        f"{n} paired seeds were enough for 80 % power at {at} ({k} needed at the observed "
        f"paired SD {sd:.2g} {unit})"
    )
    if _nan(mean) or _nan(low) or _nan(high):
        return head + "; see the runs"
    observed = wording.format_number(mean, sign=True)
    if kind == "difference":
        effect = abs(r["smallest_effect"])
        if -effect < low and high < effect:
            return (
                f"{head}, and the interval excludes differences of "
                f"{wording.format_number(effect)} {unit} or more either way: any difference is "
                "smaller than the smallest effect of interest (to conclude 'the same', declare "
                "an equivalence question at that margin in a new trial)"
            )
        if abs(mean) >= effect:  # then only Holm's adjustment can have left it undecided
            return (
                f"{head}; the observed difference {observed} {unit} is at least that, but "
                "undecided after Holm across the notebook's questions (a new trial)"
            )
        need = stats.seeds_needed(sd, abs(mean)) if mean != 0 else math.inf
        return head + (
            f"; the observed difference {observed} {unit} is smaller than that, and about "
            f"{int(need)} paired seeds would have 80 % power at it (a new trial)"
            if math.isfinite(need)
            else f"; at the observed difference {observed} {unit} no practical number of seeds decides"
        )
    # non-inferiority / equivalence: power at the observed difference instead of at 0
    better = mean if r.get("higher_is_better", True) else -mean
    need = stats.seeds_needed(sd, better, question=kind, margin=margin)
    if math.isfinite(need):
        return (
            f"{head}; at the observed difference {observed} {unit}, nearer the margin, about "
            f"{int(need)} paired seeds would have 80 % power (a new trial)"
        )
    return (
        f"{head}; at the observed difference {observed} {unit} no number of seeds would show "
        f"{'non-inferiority' if kind == 'non-inferiority' else 'equivalence'} at the {margin:g} "
        f"{unit} margin"
    )


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _fmt_row(cells: tuple) -> str:
    widths = (30, 9, 20, 8, 32, 6)
    return "  ".join(f"{str(c):<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()
