"""The suite's positive controls: each task from a paper, at `suite:standard` size, with that
paper's activation against the baseline it beat there (`POSITIVE_CONTROLS`), reported whatever
it shows: the evidence that the scaled-down task still probes what the paper probed.

    readings = run_controls(seeds=10, jobs=2, cache="build/controls-cache")
    save(readings, "docs/suite-controls.json")   # docs/suite.md's table is rendered from it

or ``python tools/suite_controls.py [--seeds 10] [--jobs 2]`` (writes that file and the table).

Three steps: `control_trial` (one trial per task: the control's candidate against its
baseline, paired over the seeds, a family of one), `reading` (its comparison as a
`ControlReading`), `run_controls` (every offline task's). Exploratory: the seeds are not sized
for a declared effect, and no verdict here is confirmatory.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from actlab._util import cpu_label
from actlab.trials.suite import POSITIVE_CONTROLS, SUITES, PositiveControl

__all__ = [
    "ControlReading",
    "OUTCOMES",
    "control_trial",
    "load",
    "offline_controls",
    "outcome",
    "reading",
    "run_controls",
    "save",
]

FORMAT = 1

#: What a control's comparison says about the paper's claim (the candidate did better):
#: ``"as the paper"`` (candidate better, decided after Holm), ``"opposite"`` (baseline better,
#: decided), ``"no clear difference"``, ``"not decided"`` (too few seeds, a single seed, no
#: finite score).
OUTCOMES = ("as the paper", "opposite", "no clear difference", "not decided")


@dataclass(frozen=True)
class ControlReading:
    """One positive control's paired comparison (candidate − baseline, per seed, averaged).

    `score` (its name)/`unit`/`higher_is_better`/`log10` are the task's score (the means and the
    difference are on log10 of it when `log10`); `verdict` is the Holm-adjusted
    verdict as the trial words it (``"silu higher"``, ``"no clear difference"``, ``"too few
    seeds"``: a family of one); `outcome` one of
    `OUTCOMES`; `train_s` the training seconds of the trial's runs made now (NaN when all came
    from the cache)."""

    task: str
    candidate: str
    baseline: str
    source: str
    seeds: int
    score: str
    unit: str
    higher_is_better: bool
    log10: bool
    candidate_mean: float
    baseline_mean: float
    mean_diff: float
    ci_low: float
    ci_high: float
    p: float
    verdict: str
    outcome: str
    nonfinite_seeds: int
    train_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlReading:
        names = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"unknown fields in a control reading: {unknown}")
        return cls(**{k: (math.nan if v is None else v) for k, v in data.items()})


def offline_controls() -> tuple[PositiveControl, ...]:
    """The controls whose task is in `suite:standard` (runs offline), in the suite's order."""
    standard = [name for name, _ in SUITES["standard"]]
    return tuple(POSITIVE_CONTROLS[t] for t in standard if t in POSITIVE_CONTROLS)


def control_trial(
    control: PositiveControl,
    seeds: int | Sequence[int] = 10,
    *,
    jobs: int | None = 2,
    cache: str | os.PathLike | None = None,
    progress: str = "auto",
):
    """Step 1: the control's candidate against its baseline on its task at `suite:standard`
    size; a `Trial`."""
    from actlab.trials.engine import run_trial

    return run_trial(
        [control.candidate],
        baselines=[control.baseline],
        tasks=[f"suite:standard/{control.task}"],
        seeds=seeds,
        jobs=jobs,
        cache=cache,
        cost=False,
        progress=progress,
    )


def outcome(decided: bool, verdict: str, mean_diff: float, higher_is_better: bool) -> str:
    """Step 2a: a comparison read against the paper's claim (one of `OUTCOMES`): decided after
    Holm, the sign of the difference says which arm did better."""
    if decided and math.isfinite(mean_diff) and mean_diff != 0:
        return "as the paper" if (mean_diff > 0) == higher_is_better else "opposite"
    return "no clear difference" if verdict == "no clear difference" else "not decided"


def reading(control: PositiveControl, trial) -> ControlReading:
    """Step 2: the trial's one comparison as a `ControlReading`."""
    rows = trial.comparisons.to_dict("records")
    if len(rows) != 1:
        raise ValueError(f"a control trial makes one comparison; this one made {len(rows)}")
    r = rows[0]
    runs = trial.runs
    made = runs[(runs["stage"] == "eval") & (~runs["cached"].astype(bool))]
    higher = bool(r["higher_is_better"])
    task = trial.tasks[str(r["task"])]
    return ControlReading(
        task=control.task,
        candidate=str(r["candidate"]),
        baseline=str(r["baseline"]),
        source=control.source,
        seeds=int(r["n"]),
        score=str(task.score),
        unit=str(r["unit"]),
        higher_is_better=higher,
        log10=bool(task.log10),
        candidate_mean=float(r["candidate_mean"]),
        baseline_mean=float(r["baseline_mean"]),
        mean_diff=float(r["mean_diff"]),
        ci_low=float(r["ci_low"]),
        ci_high=float(r["ci_high"]),
        p=float(r["p_holm"]),
        verdict=str(r["verdict_holm"]),
        outcome=outcome(
            bool(r["decided_holm"]), str(r["verdict_holm"]), float(r["mean_diff"]), higher
        ),
        nonfinite_seeds=int(r["nonfinite_seeds"] or 0),
        train_s=float(made["seconds"].sum()) if len(made) else math.nan,
    )


def run_controls(
    controls: Iterable[PositiveControl] | None = None,
    seeds: int | Sequence[int] = 10,
    *,
    jobs: int | None = 2,
    cache: str | os.PathLike | None = None,
    progress: str = "auto",
) -> tuple[ControlReading, ...]:
    """Step 3: every control (default: `offline_controls`), one trial each."""
    chosen = offline_controls() if controls is None else tuple(controls)
    return tuple(
        reading(c, control_trial(c, seeds, jobs=jobs, cache=cache, progress=progress))
        for c in chosen
    )


def save(readings: Sequence[ControlReading], path: str | os.PathLike, **provenance: Any) -> None:
    """Write the readings with their provenance (date, CPU, backend, anything passed)."""
    import keras

    data = {
        "format": FORMAT,
        "finished_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu_label(),
        "backend": keras.backend.backend(),
        **provenance,
        "readings": [r.to_dict() for r in readings],
    }
    Path(path).write_text(json.dumps(data, indent=1) + "\n")


def load(path: str | os.PathLike) -> tuple[dict[str, Any], tuple[ControlReading, ...]]:
    """The provenance and readings `save` wrote."""
    data = json.loads(Path(path).read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: format {data.get('format')!r}, expected {FORMAT}")
    readings = tuple(ControlReading.from_dict(r) for r in data.pop("readings"))
    return data, readings
