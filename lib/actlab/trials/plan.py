"""Step 1 of a trial, `plan_trial`: every argument checked and every run decided, as a
`Design`, before anything trains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from actlab._util import is_int
from actlab.trials.arms import Arm, activation_factory, as_arm
from actlab.trials.cache import onednn_setting
from actlab.trials.compare import as_questions, check_pairs
from actlab.trials.design import Design
from actlab.trials.shipped import expand_task_names, get_task
from actlab.trials.tasks import Task, check_learning_rates

__all__ = ["plan_trial", "check_roundings", "ROUNDINGS", "TUNE_SEED_BASE"]

#: Tuning seeds start here (evaluation seeds are usually small integers: they must not overlap).
TUNE_SEED_BASE = 10_000


def _listed(name: str, value: Any) -> list:
    if isinstance(value, str) or not isinstance(value, Sequence):
        value = [value]
    value = list(value)
    if not value:
        raise ValueError(f"`{name}` must name at least one. Received: {name}={value!r}")
    return value


def _seeds(name: str, value: Any, base: int = 0, at_least: int = 1) -> list[int]:
    if is_int(value) and value >= at_least:
        return list(range(base, base + int(value)))
    if isinstance(value, Sequence) and not isinstance(value, str):
        out = list(value)
        if len(out) >= at_least and all(is_int(s) and s >= 0 for s in out):
            if len(set(out)) == len(out):
                return [int(s) for s in out]
    what = "a count >= 1" if at_least else "a count"
    raise ValueError(
        f"`{name}` must be {what} or a non-empty list of distinct non-negative integers. "
        f"Received: {name}={value!r}"
    )


def _arms(candidates: Any, baselines: Any) -> tuple[list[Arm], list[Arm]]:
    cand = [as_arm(c) for c in _listed("candidates", candidates)]
    base = [as_arm(b) for b in _listed("baselines", baselines)]
    names = [a.name for a in cand + base]
    if len(set(names)) < len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"Arm names must be unique across candidates and baselines: {dup}")
    return cand, base


def _tasks(tasks: Any, epochs: int | None, last: int | None) -> tuple[list[Task], dict]:
    overrides = {k: v for k, v in (("epochs", epochs), ("last", last)) if v is not None}
    out, sources = [], {}
    for given in expand_task_names(_listed("tasks", tasks)):  # a suite: its tasks
        task = get_task(given)
        if overrides:
            task = task.replace(**overrides)
        out.append(task)
        if isinstance(given, str):
            sources[task.name] = {"task": given, "overrides": overrides}
        else:
            sources[task.name] = None
    if len({t.name for t in out}) < len(out):
        raise ValueError(f"Task names must be unique: {[t.name for t in out]}")
    return out, sources


def plan_trial(
    candidates: Sequence[Any],
    baselines: Sequence[Any] = ("relu",),
    tasks: Sequence[Any] = ("mlp",),
    seeds: int | Sequence[int] = 5,
    *,
    tune_seeds: int | Sequence[int] = 2,
    learning_rates: Sequence[float] | None = None,
    epochs: int | None = None,
    last: int | None = None,
    question: Any = "difference",
    margin: float | None = None,
    pairs: Sequence[Sequence[str]] | None = None,
    alpha: float = 0.05,
    force: bool = False,
    cost: bool = True,
    op_threads: int = 1,
    roundings: Sequence[str] | None = None,
    interaction_margin: float | None = None,
    confirmatory: bool = False,
    ceiling_arm: str | None = None,
) -> Design:
    """Check every argument and plan a trial: a `Design`, before anything trains. The
    arguments are `run_trial`'s (see there); `force` and `cost` are recorded for `execute` and
    `decide`. Raises `ValueError` naming the argument that is wrong."""
    import keras

    backend = keras.backend.backend()
    crossed = check_roundings(roundings, interaction_margin, backend)

    if not is_int(op_threads) or op_threads < 1:
        raise ValueError(
            f"`op_threads` must be an integer >= 1. Received: op_threads={op_threads!r}"
        )
    cand, base = _arms(candidates, baselines)
    task_list, sources = _tasks(tasks, epochs, last)
    for arm in cand + base:
        if not any(arm.runs_on(t.name) for t in task_list):
            raise ValueError(
                f"Arm {arm.name!r} runs on none of this trial's tasks: its tasks are "
                f"{list(arm.tasks)}, the trial's {[t.name for t in task_list]}"
            )
    pair_list = check_pairs(pairs, [a.name for a in cand], [a.name for a in base])
    grid = (
        None if learning_rates is None else check_learning_rates(learning_rates, "learning_rates")
    )
    grids = {
        (t.name, a.name): check_learning_rates(
            a.train.get("learning_rates", grid or t.learning_rates), "learning_rates"
        )
        for t in task_list
        for a in cand + base
    }
    eval_seeds = _seeds("seeds", seeds)
    by_name = {a.name: a for a in cand + base}
    needs_tuning = any(len(g) > 1 and by_name[a].runs_on(t) for (t, a), g in grids.items())
    tuning = _seeds("tune_seeds", tune_seeds, TUNE_SEED_BASE, at_least=1 if needs_tuning else 0)
    if set(eval_seeds) & set(tuning):
        raise ValueError(
            f"`tune_seeds` must be disjoint from `seeds` (the learning rate is chosen on other "
            f"seeds than those compared). Both hold {sorted(set(eval_seeds) & set(tuning))}."
        )
    questions, listed = as_questions(question, margin)
    check_confirmatory(confirmatory, ceiling_arm, questions, crossed, pair_list, by_name)
    for arm in cand + base:
        activation_factory(arm.activation)  # a bad target fails here, before anything runs
    return Design(
        candidates=tuple(cand),
        baselines=tuple(base),
        tasks=tuple(task_list),
        seeds=tuple(eval_seeds),
        tune_seeds=tuple(tuning),
        grids=grids,
        pairs=None if pairs is None else tuple(pair_list),
        questions=tuple(questions),
        listed=listed,
        alpha=alpha,
        backend=backend,
        op_threads=op_threads,
        onednn=onednn_setting(),
        force=bool(force),
        cost=bool(cost),
        task_sources=sources,
        roundings=crossed,
        interaction_margin=None if not crossed else float(interaction_margin),
        confirmatory=bool(confirmatory),
        ceiling_arm=ceiling_arm,
    )


def check_confirmatory(
    confirmatory: Any,
    ceiling_arm: Any,
    questions: Sequence[Any],
    crossed: tuple[str, ...],
    pairs: Sequence[tuple[str, str]],
    arms: dict[str, Any],
) -> None:
    """A confirmatory design (`actlab.trials.confirmatory`): crossed with the roundings, every
    declared question naming its task, candidate and baseline (a compared pair) and its
    smallest effect (a difference) or margin; `ceiling_arm` one of the arms."""
    if not isinstance(confirmatory, bool):
        raise ValueError(f"`confirmatory` must be True or False. Received: {confirmatory!r}")
    if ceiling_arm is not None and ceiling_arm not in arms:
        raise ValueError(
            f"`ceiling_arm` must be None or one of the trial's arms ({sorted(arms)}). "
            f"Received: ceiling_arm={ceiling_arm!r}"
        )
    if not confirmatory:
        return
    if not crossed:
        raise ValueError(
            "A confirmatory design runs every seed under both roundings: pass `roundings` "
            "(e.g. ('1', '0')) and `interaction_margin`. Received: confirmatory=True, roundings=None"
        )
    declared = [q for q in questions if not q.exploratory]
    for q in declared:
        effect = q.smallest_effect if q.kind == "difference" else q.margin
        if None in (q.task, q.candidate, q.baseline) or (q.candidate, q.baseline) not in pairs:
            raise ValueError(
                "Each question of a confirmatory design names its task, candidate and baseline "
                f"(a compared pair). Received: {q!r}"
            )
        if effect is None:
            raise ValueError(
                "Each question of a confirmatory design declares its smallest effect (a "
                f"difference) or margin. Received: {q!r}"
            )
    if not declared:
        raise ValueError("A confirmatory design declares at least one question. Received: none")


ROUNDINGS = ("1", "0")  # TF_ENABLE_ONEDNN_OPTS: oneDNN on, off


def check_roundings(roundings: Any, margin: Any, backend: str) -> tuple[str, ...]:
    """The checked roundings of a crossed design (() for none) and its interaction margin."""
    if roundings is None:
        if margin is not None:
            raise ValueError(
                "`interaction_margin` goes with `roundings` (the interaction of an arm "
                f"difference with the rounding). Received: interaction_margin={margin!r}"
            )
        return ()
    values = [roundings] if isinstance(roundings, str) else list(roundings)
    if len(values) < 2 or len(set(values)) < len(values) or not set(values) <= set(ROUNDINGS):
        raise ValueError(
            f"`roundings` must be None or distinct oneDNN settings from {ROUNDINGS} (at least "
            f"two). Received: roundings={roundings!r}"
        )
    if backend != "tensorflow":
        raise ValueError(
            f"`roundings` are TensorFlow's oneDNN settings; this trial runs on {backend!r}. "
            f"Received: roundings={roundings!r}"
        )
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin > 0:
        raise ValueError(
            "`interaction_margin` must be a number > 0 with `roundings`: the declared "
            "equivalence margin of the arm × rounding interaction. "
            f"Received: interaction_margin={margin!r}"
        )
    return tuple(values)
