"""What a trial declares before it runs: a `Design` (`actlab.trials.plan.plan_trial` makes one).

A `Design` holds the arms, the tasks, the evaluation and tuning seeds, each (task, arm)'s
learning-rate grid, the comparisons and the questions declared for them, the level, the
backend, TensorFlow's threads per op and oneDNN setting of the runs, and the rule that picks
each arm's learning rate on validation. `Design.tune_runs()` and `Design.eval_runs(chosen)`
list the runs; `Design.to_json()` is the trial's registration, a file that can be committed
before the run, and `Design.from_json` gives a runnable design back when its arms and tasks are
Keras names or import paths.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actlab.trials.arms import Arm, describe_object
from actlab.trials.compare import Question
from actlab.trials.shipped import get_task
from actlab.trials.tasks import Task

__all__ = ["Design", "PlannedRun", "LEARNING_RATE_RULE"]

#: How `execute` picks each (task, arm)'s learning rate from its grid (`compare.choose_learning_rates`).
LEARNING_RATE_RULE = {
    "score": "validation score of the task (never test)",
    "over": "tune_seeds",
    "statistic": "mean",
    "best": "highest (lowest for a loss)",
    "nonfinite": "a learning rate with a non-finite run scores worst",
    "ties": "first in the grid",
    "one_value_grid": "used as it is, no tuning runs",
}

FORMAT = "actlab.trials.Design/1"


@dataclass(frozen=True)
class PlannedRun:
    """One run of a design: `stage` ``"tune"`` (scored on validation) or ``"eval"`` (also
    records test); `onednn` is TensorFlow's oneDNN setting of the process that runs it."""

    task: str
    arm: str
    stage: str
    learning_rate: float
    seed: int
    epochs: int
    onednn: str | None


@dataclass(frozen=True)
class Design:
    """What a trial declares before it runs (see the module docstring); made by `plan_trial`."""

    candidates: tuple[Arm, ...]
    baselines: tuple[Arm, ...]
    tasks: tuple[Task, ...]
    seeds: tuple[int, ...]
    tune_seeds: tuple[int, ...]
    grids: Mapping[tuple[str, str], tuple[float, ...]]
    pairs: tuple[tuple[str, str], ...] | None
    questions: tuple[Question, ...]
    listed: bool
    alpha: float
    backend: str
    op_threads: int = 1
    onednn: str | None = None
    force: bool = False
    cost: bool = True
    task_sources: Mapping[str, Any] | None = None
    roundings: tuple[str, ...] = ()
    interaction_margin: float | None = None
    confirmatory: bool = False
    ceiling_arm: str | None = None

    # ------------------------------------------------------------------ what it plans
    @property
    def crossed(self) -> bool:
        """Whether every evaluation run is repeated under several roundings (oneDNN settings)."""
        return len(self.roundings) > 1

    @property
    def settings(self) -> tuple[str | None, ...]:
        """The oneDNN setting of the runs: each rounding, or this process's own."""
        return tuple(self.roundings) or (self.onednn,)

    @property
    def arms(self) -> dict[str, Arm]:
        return {a.name: a for a in self.candidates + self.baselines}

    @property
    def task_map(self) -> dict[str, Task]:
        return {t.name: t for t in self.tasks}

    def pair_list(self) -> list[tuple[str, str]]:
        """The (candidate, baseline) comparisons: `pairs`, or every candidate × baseline."""
        if self.pairs is not None:
            return [tuple(p) for p in self.pairs]
        return [(c.name, b.name) for c in self.candidates for b in self.baselines]

    def tuned(self, task: str, arm: str) -> bool:
        """Whether (task, arm) chooses its learning rate on tuning runs (a grid of several)."""
        return self.arms[arm].runs_on(task) and len(self.grids[(task, arm)]) > 1

    def _run(
        self, task: Task, arm: Arm, lr: float, seed: int, stage: str, onednn: str | None
    ) -> PlannedRun:
        epochs = int(arm.train.get("epochs", task.epochs))
        return PlannedRun(task.name, arm.name, stage, float(lr), int(seed), epochs, onednn)

    def tune_runs(self, arms: Sequence[str] | None = None) -> list[PlannedRun]:
        """Every tuning run, for `arms` (None: all of them), under the first rounding."""
        names = list(self.arms) if arms is None else list(arms)
        return [
            self._run(t, self.arms[a], lr, s, "tune", self.settings[0])
            for t in self.tasks
            for a in names
            if self.tuned(t.name, a)
            for lr in self.grids[(t.name, a)]
            for s in self.tune_seeds
        ]

    def eval_runs(
        self, chosen: Mapping[tuple[str, str], float], arms: Sequence[str] | None = None
    ) -> list[PlannedRun]:
        """Every evaluation run, given the learning rates `chosen` per (task, arm) by the tuning
        runs (a one-value grid needs none), under every rounding; a tuned arm without a choice
        is not run."""
        names = list(self.arms) if arms is None else list(arms)
        return [
            self._run(
                t, self.arms[a], chosen.get((t.name, a), self.grids[(t.name, a)][0]), s, "eval", r
            )
            for r in self.settings
            for t in self.tasks
            for a in names
            if self.arms[a].runs_on(t.name)
            and ((t.name, a) in chosen or len(self.grids[(t.name, a)]) == 1)
            for s in self.seeds
        ]

    # ------------------------------------------------------------------ the registration
    def to_json(self) -> dict[str, Any]:
        """The design as JSON-able data: the registration of a trial."""
        return {
            "format": FORMAT,
            "candidates": [_arm_json(a) for a in self.candidates],
            "baselines": [_arm_json(a) for a in self.baselines],
            "tasks": [
                {
                    "name": t.name,
                    "source": (self.task_sources or {}).get(t.name),
                    "description": describe_object({**t.__dict__}),
                }
                for t in self.tasks
            ],
            "seeds": list(self.seeds),
            "tune_seeds": list(self.tune_seeds),
            "learning_rates": {f"{t}/{a}": list(g) for (t, a), g in self.grids.items()},
            "learning_rate_rule": LEARNING_RATE_RULE,
            "pairs": None if self.pairs is None else [list(p) for p in self.pairs],
            "questions": [dict(q.__dict__) for q in self.questions],
            "questions_listed": self.listed,
            "alpha": self.alpha,
            "backend": self.backend,
            "op_threads": self.op_threads,
            "onednn": self.onednn,
            "roundings": list(self.settings),
            "interaction_margin": self.interaction_margin,
            "confirmatory": self.confirmatory,
            "ceiling_arm": self.ceiling_arm,
            "force": self.force,
            "cost": self.cost,
            "runs": {
                "tune": [_run_json(r) for r in self.tune_runs()],
                "eval_per_arm_and_task": len(self.seeds) * len(self.settings),
            },
        }

    def dumps(self) -> str:
        """`to_json` as indented JSON text (a file to commit)."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Design:
        """The design `to_json` wrote (a mapping or JSON text), runnable again: each arm's
        activation a Keras name or import path (and its callbacks, if any, an importable
        function), each task a shipped name or import path (`Task.source`). Raises
        `ValueError` naming what cannot be rebuilt."""
        if isinstance(data, str):
            data = json.loads(data)
        if data.get("format") != FORMAT:
            raise ValueError(f"Not a {FORMAT} design. Received: format={data.get('format')!r}")
        tasks, sources = [], {}
        for entry in data["tasks"]:
            source = entry.get("source")
            if source is None:
                raise ValueError(
                    f"Task {entry['name']!r} was given as an object, not a name or import path: "
                    "the design records it but cannot rebuild it."
                )
            tasks.append(_task_from_source(source))
            sources[entry["name"]] = source
        grids = {
            tuple(k.split("/", 1)): tuple(float(v) for v in g)
            for k, g in data["learning_rates"].items()
        }
        return cls(
            candidates=tuple(_arm_from_json(a) for a in data["candidates"]),
            baselines=tuple(_arm_from_json(a) for a in data["baselines"]),
            tasks=tuple(tasks),
            seeds=tuple(data["seeds"]),
            tune_seeds=tuple(data["tune_seeds"]),
            grids=grids,
            pairs=None if data["pairs"] is None else tuple(tuple(p) for p in data["pairs"]),
            questions=tuple(Question(**q) for q in data["questions"]),
            listed=bool(data["questions_listed"]),
            alpha=float(data["alpha"]),
            backend=data["backend"],
            op_threads=int(data["op_threads"]),
            onednn=data["onednn"],
            force=bool(data["force"]),
            cost=bool(data["cost"]),
            task_sources=sources,
            roundings=tuple(data["roundings"]) if len(data["roundings"]) > 1 else (),
            interaction_margin=data["interaction_margin"],
            confirmatory=bool(data.get("confirmatory", False)),
            ceiling_arm=data.get("ceiling_arm"),
        )

    def record(self, candidates: Sequence[str], skipped: Sequence[str], tuned: bool) -> dict:
        """The design as a trial records it (``trial.json``, the cache's ``trials.jsonl``):
        the trained `candidates` and the `skipped` ones; grids of the trained arms only."""
        trained = set(candidates) | {b.name for b in self.baselines if candidates}
        return {
            "candidates": list(candidates) + list(skipped),
            "baselines": [b.name for b in self.baselines] if candidates else [],
            "tasks": {t.name: describe_object({**t.__dict__}) for t in self.tasks},
            "seeds": list(self.seeds),
            "tune_seeds": list(self.tune_seeds) if tuned else [],
            "learning_rates": {
                f"{t}/{a}": list(g)
                for (t, a), g in self.grids.items()
                if a in trained and self.arms[a].runs_on(t)
            },
            "pairs": None if self.pairs is None else [list(p) for p in self.pairs],
            "questions": [q.__dict__ for q in self.questions],
            "alpha": self.alpha,
            "backend": self.backend,
            "op_threads": self.op_threads,
            "onednn": self.onednn,
            **(
                {"roundings": list(self.roundings), "interaction_margin": self.interaction_margin}
                if self.crossed
                else {}
            ),
            **(
                {"confirmatory": True, "ceiling_arm": self.ceiling_arm} if self.confirmatory else {}
            ),
        }


def _run_json(r: PlannedRun) -> list:
    return [r.task, r.arm, r.learning_rate, r.seed, r.epochs]


def _ref(obj: Any) -> str | None:
    """``"module:qualname"`` when that path imports back to `obj` itself, else None."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not name or "<" in name:
        return None
    try:
        found = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return f"{module}:{name}" if found is obj else None


def _arm_json(arm: Arm) -> dict[str, Any]:
    activation = arm.activation if isinstance(arm.activation, str) else _ref(arm.activation)
    return {
        "name": arm.name,
        "activation": activation,
        "callbacks": None if arm.callbacks is None else _ref(arm.callbacks),
        "has_callbacks": arm.callbacks is not None,
        "model": describe_object(dict(arm.model)),
        "train": describe_object(dict(arm.train)),
        "tasks": None if arm.tasks is None else list(arm.tasks),
        "description": describe_object(arm.activation),
    }


def _import(path: str) -> Any:
    module, _, attr = path.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _arm_from_json(entry: Mapping[str, Any]) -> Arm:
    if entry["activation"] is None or (entry["has_callbacks"] and entry["callbacks"] is None):
        raise ValueError(
            f"Arm {entry['name']!r} was given as an object that no import path reaches: the "
            "design records it but cannot rebuild it."
        )
    return Arm(
        entry["name"],
        entry["activation"],
        callbacks=None if entry["callbacks"] is None else _import(entry["callbacks"]),
        model=entry["model"],
        train=entry["train"],
        tasks=None if entry["tasks"] is None else tuple(entry["tasks"]),
    )


def _task_from_source(source: Mapping[str, Any]) -> Task:
    task = get_task(source["task"])
    return task.replace(**source["overrides"]) if source["overrides"] else task
