"""From runs to decisions: each run's score, the learning rate chosen per arm on validation,
the declared questions, the paired comparisons with Holm across the trial, and the cost ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab import stats
from actlab.trials.tasks import Task
from actlab.wording import trials as wording_trials

__all__ = ["Question", "score_of", "choose_learning_rates", "compare", "cost_ratios"]


@dataclass(frozen=True)
class Question:
    """A question declared before the run, for the comparisons it matches.

    Args:
        kind: ``"difference"`` (two-sided), ``"non-inferiority"`` (is the candidate at most
            `margin` worse?) or ``"equivalence"`` (within ± `margin`, TOST).
        margin: in the units of the task's scaled score (points; decades for a log10 score).
        candidate, baseline, task: which comparisons it is for (None: any).
        exploratory: the comparison is reported, but adjusted in its own Holm family
            (declared questions are adjusted together, separately from exploratory ones).
        id: a short name for the question (results.json, the README's findings table).
        words: the question in words, e.g. "does the gradual blend beat the sudden swap?".
        smallest_effect: the smallest difference worth detecting (for a difference; the seeds
            are sized for it), in the units of the score; with `margin` for the other kinds.
    """

    kind: str = "difference"
    margin: float | None = None
    candidate: str | None = None
    baseline: str | None = None
    task: str | None = None
    exploratory: bool = False
    id: str | None = None
    words: str | None = None
    smallest_effect: float | None = None

    def __post_init__(self):
        stats.decide_paired([0.0, 1.0], [0.0, 1.0], self.kind, self.margin)  # checks both

    def matches(self, task: str, candidate: str, baseline: str) -> bool:
        return all(
            want is None or want == have
            for want, have in (
                (self.task, task),
                (self.candidate, candidate),
                (self.baseline, baseline),
            )
        )


def as_questions(question: Any, margin: float | None) -> tuple[list[Question], bool]:
    """The questions of `run_trial`: a kind (with `margin`) for every comparison, one
    `Question`, or a list of them (comparisons none of them matches are exploratory; none:
    every comparison is)."""
    if isinstance(question, str):
        return [Question(question, margin)], False
    if margin is not None:
        raise ValueError(
            "`margin` goes with a question given by name; a `Question` carries its own. "
            f"Received: margin={margin!r}"
        )
    if isinstance(question, Question):
        return [question], False
    if isinstance(question, Sequence) and all(isinstance(q, Question) for q in question):
        return list(question), True  # an empty list: every comparison exploratory
    raise ValueError(
        "`question` must be 'difference', 'non-inferiority', 'equivalence', a Question or a "
        f"list of Questions. Received: question={question!r}"
    )


def check_pairs(pairs: Any, candidates: list[str], baselines: list[str]) -> list[tuple[str, str]]:
    """The (candidate, baseline) name pairs to compare: `pairs` checked, or every candidate
    against every baseline."""
    if pairs is None:
        return [(c, b) for c in candidates for b in baselines]
    names = set(candidates) | set(baselines)
    out = []
    ok = isinstance(pairs, Sequence) and not isinstance(pairs, str) and len(pairs) > 0
    for pair in pairs if ok else ():
        if (
            isinstance(pair, str)
            or not isinstance(pair, Sequence)
            or len(pair) != 2
            or not set(pair) <= names
            or pair[0] == pair[1]
        ):
            ok = False
            break
        out.append((pair[0], pair[1]))
    if not ok or len(set(out)) < len(out):
        raise ValueError(
            "`pairs` must be None or a non-empty list of distinct (candidate, baseline) pairs "
            f"of two different arm names of the trial ({sorted(names)}). Received: pairs={pairs!r}"
        )
    return out


def score_of(curve: Sequence[float], task: Task, last: int) -> float:
    """The declared score of one run: the mean of the last `last` epochs, scaled (log10 after
    the mean for a log10 task); NaN when any of them is not finite."""
    values = np.asarray(curve[-last:], dtype="float64")
    if values.size < last or not np.all(np.isfinite(values)):
        return float("nan")
    value = float(values.mean()) * task.scale
    if task.log10:
        return math.log10(value) if value > 0 else float("nan")
    return value


def _nonfinite_words(
    seeds: list[int], va: np.ndarray, vb: np.ndarray, cand: str, base: str, task: Task
) -> str:
    """Which arm had no finite score at which seeds, and, described and not tested, how the
    two arms compared at the seeds where both are finite (`wording.nonfinite_words`)."""
    missing = {}
    for name, v in ((cand, va), (base, vb)):
        where = [s for s, x in zip(seeds, v, strict=True) if not np.isfinite(x)]
        if where:
            missing[name] = where
    ok = np.isfinite(va) & np.isfinite(vb)
    sign = 1.0 if task.higher_is_better else -1.0
    better = int(np.sum(sign * (va[ok] - vb[ok]) > 0))
    return wording_trials.nonfinite_words(missing, len(seeds), int(ok.sum()), better, cand)


def choose_learning_rates(runs: list[dict], tasks: dict[str, Task]) -> list[dict]:
    """Per (task, arm): the learning rate with the best mean validation score over the tuning
    seeds (a run that went non-finite scores worst; ties go to the first in the grid)."""
    rows = []
    groups: dict[tuple, dict[float, list[float]]] = {}
    for r in runs:
        if r["stage"] == "tune":
            groups.setdefault((r["task"], r["arm"]), {}).setdefault(r["learning_rate"], []).append(
                r["val_score"]
            )
    for (task, arm), by_lr in groups.items():
        sign = 1.0 if tasks[task].higher_is_better else -1.0
        means = {
            lr: (float(np.mean(v)) if np.all(np.isfinite(v)) else float("nan"))
            for lr, v in by_lr.items()
        }
        ranked = [lr for lr in by_lr if math.isfinite(means[lr])]
        best = max(ranked, key=lambda lr: sign * means[lr]) if ranked else next(iter(by_lr))
        for lr, mean in means.items():
            rows.append(
                {
                    "task": task,
                    "arm": arm,
                    "learning_rate": lr,
                    "val_score": mean,
                    "tune_seeds": len(by_lr[lr]),
                    "chosen": lr == best,
                }
            )
    return rows


def _words(verdict: str, task: Task, candidate: str, baseline: str) -> str:
    return wording_trials.verdict_text(verdict, candidate, baseline, task.higher_is_better)


def _not_comparable(n: int, bad: int, q: Question, alpha: float) -> stats.Decision:
    """The record of a comparison with `bad` seeds whose score is not finite: no numbers."""
    nan = math.nan
    return stats.Decision(
        n=n,
        mean_diff=nan,
        ci_low=nan,
        ci_high=nan,
        verdict=wording_trials.not_comparable(bad),
        sd_diff=nan,
        margin=q.margin,
        confidence=1.0 - alpha,
        decided=False,
        seeds_needed=nan,
        question=q.kind,
        alpha=alpha,
        p=nan,
    )


def compare(
    runs: list[dict],
    tasks: dict[str, Task],
    candidates: list[str],
    baselines: list[str],
    questions: list[Question],
    listed: bool,
    alpha: float,
    pairs: list[tuple[str, str]] | None = None,
) -> list[dict]:
    """One row per task × (candidate, baseline) pair (every candidate against every baseline
    unless `pairs` says which), paired over the evaluation seeds."""
    scores: dict[tuple, dict[int, float]] = {}
    lrs: dict[tuple, float] = {}
    for r in runs:
        if r["stage"] == "eval":
            scores.setdefault((r["task"], r["arm"]), {})[r["seed"]] = r["test_score"]
            lrs[(r["task"], r["arm"])] = r["learning_rate"]
    if pairs is None:
        pairs = [(c, b) for c in candidates for b in baselines]
    rows = [
        _pair_row(name, task, cand, base, scores, lrs, questions, listed, alpha)
        for name, task in tasks.items()
        for cand, base in pairs
        if (name, cand) in scores and (name, base) in scores
    ]
    for family in {r["family"] for r in rows}:
        members = [r for r in rows if r["family"] == family]
        adjusted = stats.holm_verdicts([m["_result"] for m in members], alpha)
        for m, res in zip(members, adjusted, strict=True):
            m["p_holm"] = res.p_holm
            m["verdict_holm"] = _words(
                res.verdict_holm, tasks[m["task"]], m["candidate"], m["baseline"]
            )
            if res.verdict.startswith(wording_trials.NOT_COMPARABLE):
                m["verdict_holm"] = res.verdict
            m["decided_holm"] = res.decided_holm
    for r in rows:
        del r["_result"]
        r["text"] = wording_trials.comparison_sentence(r, tasks[r["task"]])
    return rows


def _pair_row(
    name: str,
    task: Task,
    cand: str,
    base: str,
    scores: dict[tuple, dict[int, float]],
    lrs: dict[tuple, float],
    questions: list[Question],
    listed: bool,
    alpha: float,
) -> dict[str, Any]:
    """One comparison, before Holm: the question it answers, its arms' numbers, its decision
    (``_result``) and its verdict."""
    q = next((q for q in questions if q.matches(name, cand, base)), None)
    exploratory = q is None or q.exploratory
    q = q or Question()
    a, b = scores[(name, cand)], scores[(name, base)]
    seeds = sorted(set(a) & set(b))
    va = np.array([a[s] for s in seeds])
    vb = np.array([b[s] for s in seeds])
    bad = ~(np.isfinite(va) & np.isfinite(vb))
    row = {
        "task": name,
        "candidate": cand,
        "baseline": base,
        "question": q.kind,
        "margin": q.margin,
        "question_id": q.id,
        "question_words": q.words,
        "smallest_effect": q.smallest_effect,
        "family": "exploratory" if (exploratory and listed) else "declared",
        "metric": wording_trials.metric_text(task.score, task.log10),
        "unit": task.unit,
        "higher_is_better": task.higher_is_better,
        "candidate_lr": lrs[(name, cand)],
        "baseline_lr": lrs[(name, base)],
        "candidate_mean": float(np.nanmean(va)) if (~np.isnan(va)).any() else math.nan,
        "baseline_mean": float(np.nanmean(vb)) if (~np.isnan(vb)).any() else math.nan,
        "nonfinite_seeds": int(bad.sum()),
        "nonfinite": _nonfinite_words(seeds, va, vb, cand, base, task) if bad.any() else None,
    }
    if bad.any() or len(seeds) == 0:
        result = _not_comparable(len(seeds), int(bad.sum()), q, alpha)
    else:
        result = stats.decide_paired(
            va, vb, q.kind, q.margin, alpha, higher_is_better=task.higher_is_better
        )
    row.update(
        n=result.n,
        mean_diff=result.mean_diff,
        sd_diff=result.sd_diff,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p=result.p,
        alpha=alpha,
        decided=result.decided,
        _result=result,
    )
    row["verdict"] = _words(result.verdict, task, cand, base)
    return row


def cost_ratios(
    tasks: dict[str, Task],
    arms: dict[str, Any],
    pairs: list[tuple[str, str, str]],
    repeats: int = 15,
) -> dict[tuple[str, str, str], tuple[float, float | None, float | None]]:
    """Per (task, candidate, baseline): the median per-round ratio (and quartiles) of one
    training step's time, the task's model with the candidate's activation over the one with
    the baseline's (`actlab.bench.time_interleaved`, `actlab.bench.paired_ratio`): every model
    compiled and warmed up first, rounds interleaved, in this process."""
    import keras

    from actlab import bench
    from actlab.trials.arms import activation_factory
    from actlab.trials.tasks import Init

    out = {}
    for name, task in tasks.items():
        needed = sorted({a for t, c, b in pairs if t == name for a in (c, b)})
        if not needed:
            continue
        split = task.data(0)
        x = split.x_train[: task.batch_size]
        y = split.y_train[: task.batch_size]
        calls = {}
        for arm_name in needed:
            arm = arms[arm_name]
            model = task.build(activation_factory(arm.activation), Init(0), **dict(arm.model))
            model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=task.loss)
            model.train_on_batch(x, y)
            model.train_on_batch(x, y)
            calls[arm_name] = lambda m=model, x=x, y=y: m.train_on_batch(x, y)
        times = bench.time_interleaved(calls, repeats)
        for t, c, b in pairs:
            if t == name:
                out[(t, c, b)] = bench.paired_ratio({"times_s": times[c]}, {"times_s": times[b]})
    return out
