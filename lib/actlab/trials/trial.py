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

from actlab._util import to_jsonable
from actlab.trials.tasks import Task
from actlab.wording import trials as wording_trials

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
    return wording_trials.new_trial_note(design["seeds"], last["seeds"], last["at"])


@dataclass
class Trial:
    """The result of `run_trial`.

    Attributes (the tables' columns are declared in `actlab.trials.schema`, and `execute` and
    `decide` check them):
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
        confirmatory: for a confirmatory design, each declared question's reading
            (`actlab.trials.confirmatory.Reading.to_dict()`).
        roundings: for a design crossed with roundings, per comparison the arm × rounding
            interaction (`actlab.trials.decision`); empty otherwise.
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
    roundings: list[dict[str, Any]] = field(default_factory=list)
    confirmatory: list[dict[str, Any]] = field(default_factory=list)
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
        return wording_trials.summary_line(
            self.runs_total,
            self.runs_trained,
            self.runs_cached,
            len(self.comparisons),
            decided,
            self.seconds,
        )

    def choices_text(self) -> str:
        """What learning rate each arm got, and why (the validation scores)."""
        return wording_trials.choices_text(self.choices, self.tasks)

    def table(self, task: str | None = None) -> str:
        """The comparisons of one task (or every task) as a plain-text table for people."""
        alpha = self.design.get("alpha", 0.05)
        return wording_trials.comparison_table(
            self.comparisons, self.tasks, alpha, self.skipped, task
        )

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
                        "id": wording_trials.comparison_id(r),
                        "question": wording_trials.comparison_question(r),
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
                        "open": None if r["decided_holm"] else wording_trials.what_it_would_take(r),
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
                **({"roundings": self.roundings} if self.roundings else {}),
                **({"confirmatory": self.confirmatory} if self.confirmatory else {}),
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


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
