"""Register, run and re-decide the collection's confirmatory trials (see the package docstring).

Steps: `register` (confirm profile → sizing → design → ``registration.json``), `run` (the
committed registration → runs → ``runs.csv`` and ``readings.json``), `decide` (the committed
runs → the readings again, checked against ``readings.json``).
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actlab._util import cpu_label, to_jsonable

__all__ = [
    "CONFIRM_DIR",
    "Registered",
    "decide",
    "load",
    "register",
    "registered",
    "reread",
    "run",
]

ROOT = Path(__file__).resolve().parents[4]
CONFIRM_DIR = ROOT / "notebooks" / "confirm"
NOTEBOOK_DIR = ROOT / "notebooks"
FORMAT = "actlab.confirm/1"
#: Wilcoxon's asymptotic relative efficiency against the t-test is at least 0.864 for any
#: symmetric distribution (Hodges & Lehmann 1956): a log10 question's seeds are the t-test's
#: divided by it.
WILCOXON_ARE = 0.864
#: How the runs will be read (`actlab.trials.confirmatory.confirm`), registered with the design.
READING = {
    "score": "each seed's test score, the mean over the roundings",
    "interval": "each declared question at alpha/m (Holm's first step; simultaneous), read four "
    "ways against its smallest effect (different, different_but_smaller, equivalent, "
    "undetermined) or against its non-inferiority margin",
    "test": "paired t; a log10 score: Wilcoxon signed-rank with the Hodges-Lehmann estimate and "
    "its distribution-free interval",
    "check": "the same claims by a paired sign-flip test at the same level (exact up to 20 seeds, "
    "else 100,000 flips, seed 0; the signed-rank test for a log10 score): disagreement reads "
    "undetermined",
    "min_seeds": 6,
    "holm": "Holm's adjusted p of each declared claim over the declared family (an unscorable "
    "question counts, never rejected), reported beside the reading",
    "divergence": "a non-finite score, or one above the ceiling arm's mean on a log10 task, "
    "scores that ceiling; the rate per arm with its Clopper-Pearson 95 % interval",
    "interaction": "per seed (a - b under oneDNN on) - (a - b under off), equivalence within "
    "+-interaction_margin by the paired t TOST at alpha, with the variance components",
}
#: The columns of ``runs.csv`` (one row per run).
RUN_COLUMNS = (
    "task", "arm", "role", "stage", "rounding", "learning_rate", "seed", "epochs",
    "val_score", "test_score", "nonfinite_epoch", "seconds", "split_id", "order_id", "init_id",
)  # fmt: skip


@dataclass(frozen=True)
class Registered:
    """One notebook's confirmatory trial on disk: its folder and files."""

    notebook: str

    @property
    def profile(self) -> Path:
        return CONFIRM_DIR / f"{self.notebook}.yml"

    @property
    def folder(self) -> Path:
        return CONFIRM_DIR / self.notebook

    @property
    def registration(self) -> Path:
        return self.folder / "registration.json"

    @property
    def runs(self) -> Path:
        return self.folder / "runs.csv"

    @property
    def readings(self) -> Path:
        return self.folder / "readings.json"


def registered() -> list[str]:
    """The notebooks with a confirm profile, in order."""
    return sorted(p.stem for p in CONFIRM_DIR.glob("*.yml"))


def load(notebook: str) -> dict[str, Any]:
    """The confirm profile of `notebook` (``notebooks/confirm/NN_name.yml``)."""
    path = Registered(notebook).profile
    if not path.exists():
        raise ValueError(
            f"No confirm profile for {notebook!r} ({path}); registered: {registered()}"
        )
    return yaml.safe_load(path.read_text())


# --------------------------------------------------------------------------- 1. register
def _parameters(notebook: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.runner.parameters import notebook_parameters

    params = notebook_parameters(NOTEBOOK_DIR / f"{notebook}.ipynb")
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise ValueError(f"{notebook}: unknown parameter(s) in its confirm profile: {unknown}")
    return {**params, **overrides}


def size(profile: Mapping[str, Any], questions: Sequence[Any], unit_log: Mapping[str, bool]):
    """Each declared question's `actlab.readings.Sizing` at Holm's first step over the declared
    family, from its pilot (``profile["pilots"][id]``: sd, n); a log10 question's seeds divided
    by `WILCOXON_ARE`. Returns (seeds the trial runs: the largest, [sizing records])."""
    from actlab.readings import size_trial

    kinds = {"difference": "difference", "non-inferiority": "non_inferiority"}
    declared = [q for q in questions if not q.exploratory]
    records = []
    for q in declared:
        pilot = profile["pilots"][q.id]
        kind = kinds.get(q.kind, "equivalence")
        effect = q.smallest_effect if q.kind == "difference" else q.margin
        s = size_trial(
            pilot["sd"], effect, n_pilot=pilot["n"], alpha=profile.get("alpha", 0.05),
            m=len(declared), kind=kind,
        )  # fmt: skip
        n = s.n / WILCOXON_ARE if unit_log[q.task] else s.n
        records.append(
            {"id": q.id, **s.to_dict(), "n": int(math.ceil(n)), "pilot": dict(pilot),
             "wilcoxon_are": WILCOXON_ARE if unit_log[q.task] else None}
        )  # fmt: skip
    return max(max(r["n"] for r in records), 6), records


def build(notebook: str, seeds: Sequence[int] | None = None):
    """The confirmatory `Design` of `notebook` and its sizing records (seeds from the sizing,
    unless given: the registration's)."""
    from actlab.collection.confirm.designs import BUILDERS
    from actlab.trials import plan_trial

    profile = load(notebook)
    params = _parameters(notebook, profile.get("parameters") or {})
    parts = BUILDERS[notebook](params)
    confirm = profile["confirm"]
    common = dict(
        tune_seeds=list(confirm["tune_seeds"]),
        learning_rates=confirm["learning_rates"],
        cost=False,
        roundings=tuple(confirm["roundings"]),
        interaction_margin=confirm["interaction_margin"],
        confirmatory=True,
        ceiling_arm=confirm.get("ceiling_arm"),
        alpha=profile.get("alpha", 0.05),
    )
    probe = plan_trial(**parts, seeds=[confirm["first_seed"]], **common)
    n, sizing = size(confirm, probe.questions, {t.name: t.log10 for t in probe.tasks})
    if seeds is None:
        seeds = list(range(confirm["first_seed"], confirm["first_seed"] + n))
    return plan_trial(**parts, seeds=list(seeds), **common), sizing


def register(notebook: str) -> Path:
    """Write `notebook`'s registration (the design as JSON, its sizing, the profile) for commit."""
    design, sizing = build(notebook)
    reg = Registered(notebook)
    reg.folder.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "notebook": notebook,
        "registered_utc": _now(),
        "profile": load(notebook),
        "sizing": sizing,
        "reading": READING,
        "design": design.to_json(),
    }
    reg.registration.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
    return reg.registration


# --------------------------------------------------------------------------- 2. run
def _git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def registration_commit(notebook: str) -> str:
    """The last commit that wrote `notebook`'s registration ('' if it is not committed)."""
    rel = Registered(notebook).registration.relative_to(ROOT)
    return _git("log", "--format=%H", "-1", "--", str(rel))


def _committed_design(notebook: str) -> tuple[Any, dict]:
    """The design rebuilt from the profile with the registration's seeds, checked against the
    registration: the same arms, tasks, seeds, grids, questions, α and roundings."""
    reg = json.loads(Registered(notebook).registration.read_text())
    design, _ = build(notebook, reg["design"]["seeds"])
    now = design.to_json()
    keys = ("seeds", "tune_seeds", "learning_rates", "questions", "alpha", "roundings",
            "interaction_margin", "confirmatory", "ceiling_arm", "pairs")  # fmt: skip
    names = lambda d: ([a["name"] for a in d["candidates"] + d["baselines"]],  # noqa: E731
                       [t["name"] for t in d["tasks"]])  # fmt: skip
    differ = [k for k in keys if to_jsonable(now[k]) != reg["design"][k]]
    if names(now) != names(reg["design"]):
        differ.append("arms/tasks")
    if differ:
        raise ValueError(
            f"{notebook}: the code no longer builds the registered design (differs in "
            f"{differ}); a changed design is a new registration."
        )
    return design, reg


def run(notebook: str, jobs: int = 2, cache: str | None = "build/confirm-cache") -> Path:
    """Train `notebook`'s committed registration (cached: an interrupted run resumes), then write
    ``runs.csv`` and ``readings.json``. Refuses a registration that is not committed."""
    from actlab.trials import decide as decide_runs
    from actlab.trials import execute

    commit = registration_commit(notebook)
    rel = Registered(notebook).registration.relative_to(ROOT)
    if not commit or _git("status", "--porcelain", "--", str(rel)):
        raise ValueError(
            f"{notebook}: commit its registration ({rel}) before its run: the commit order "
            "is the evidence that the design came first."
        )
    design, _ = _committed_design(notebook)
    # tracked changes only: the trials' own untracked outputs (runs.csv, ...) are not the code
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "lib", "notebooks"))
    start = time.perf_counter()
    runs = execute(design, jobs=jobs, cache=cache, progress="log")
    wall = time.perf_counter() - start
    rows = [_row(r) for r in runs.rows]
    reg = Registered(notebook)
    _write_runs(reg.runs, rows)
    readings = decide_runs(runs, design).confirmatory
    data = {
        "format": FORMAT,
        "notebook": notebook,
        "registration_commit": commit,
        "run_commit": _git("rev-parse", "HEAD"),
        "git_dirty": dirty,
        "finished_utc": _now(),
        "cpu": cpu_label(),
        "wall_s": round(wall, 1),
        "train_s": round(sum(r["seconds"] for r in rows if _finite(r["seconds"])), 1),
        "runs": len(rows),
        "runs_cached": sum(bool(r.get("cached")) for r in runs.rows),
        "skipped": runs.skipped,
        "readings": [r.to_dict() for r in readings],
    }
    reg.readings.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
    return reg.readings


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _row(r: Mapping[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in RUN_COLUMNS}


def _write_runs(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RUN_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r[k] is None else repr(r[k]) if isinstance(r[k], float)
                                 else r[k]) for k in RUN_COLUMNS})  # fmt: skip


def read_runs(path: Path) -> list[dict[str, Any]]:
    """``runs.csv`` back as rows (numbers as numbers; floats round-trip exactly via repr)."""
    ints, floats = ("seed", "epochs", "nonfinite_epoch"), ("learning_rate", "val_score",
                                                           "test_score", "seconds")  # fmt: skip
    out = []
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            row: dict[str, Any] = dict(r)
            for k in ints:
                row[k] = int(r[k]) if r[k] != "" else None
            for k in floats:
                row[k] = float(r[k]) if r[k] != "" else math.nan
            out.append(row)
    return out


# --------------------------------------------------------------------------- 3. decide
def decide(notebook: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Re-read `notebook`'s committed runs (no training): its readings, and the differences
    from the committed ``readings.json`` (none when the code reproduces every number)."""
    from actlab.trials.confirmatory import confirm

    reg = Registered(notebook)
    design, _ = _committed_design(notebook)
    rows = read_runs(reg.runs)
    readings = [r.to_dict() for r in confirm(rows, design)]
    committed = json.loads(reg.readings.read_text())["readings"]
    return readings, _differences(to_jsonable(readings), committed)


def reread(notebook: str) -> Path:
    """Rewrite `notebook`'s ``readings.json`` from its committed runs with this code's reading
    (no training): the run's own record (commits, CPU, times) is kept, ``read_commit`` added."""
    reg = Registered(notebook)
    readings, _ = decide(notebook)
    data = json.loads(reg.readings.read_text())
    data.update(readings=readings, read_commit=_git("rev-parse", "HEAD"))
    reg.readings.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
    return reg.readings


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: missing" for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            out += _differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, f"{where}[{i}]")]  # fmt: skip
    if isinstance(a, float) and isinstance(b, float):
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
