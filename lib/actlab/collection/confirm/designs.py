"""Each notebook's confirmatory design from its parameters: the arms, the task (its test block
held out: `actlab.trials.with_held_out_test`) and the declared questions, as the notebook's own
trial cell builds them. Seeds, tuning seeds, grids and roundings come from the confirm profile
(`registry`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from actlab.trials import with_held_out_test

__all__ = ["BUILDERS"]


def _declared(params: Mapping[str, Any], task: str) -> list[dict[str, Any]]:
    """The notebook's declared questions, each naming its task."""
    return [{"task": task, **q} for q in params["declared"]]


def _nan_diagnosis(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import any_good, nan_elu

    (task,) = nan_elu.tasks(
        ["raw"],
        source=params["data_source"],
        n_train=params["n_train"],
        n_test=params["n_test"],
        epochs=params["epochs"],
        batch_size=params["batch_size"],
        last=min(3, params["epochs"]),
        learning_rates=[params["learning_rate"]],
    )
    candidates, baselines = nan_elu.arms()
    return dict(
        candidates=candidates,
        baselines=baselines,
        tasks=[with_held_out_test(task)],
        question=any_good.questions(_declared(params, "raw")),
        force=False,
    )


def _antirectifier(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import antirectifier as exp

    task = exp.example_task(
        source=params["source"],
        n_train=params["n_train"],
        n_val=params["n_val"],
        n_test=params["n_test"],
        epochs=params["epochs"],
        last=params["last"],
    )
    return dict(
        candidates=[exp.ARMS[params["candidate"]]],
        baselines=exp.arms(params["baselines"]),
        tasks=[with_held_out_test(task)],
        question=exp.questions(params["declared"], params["smallest_effect"]),
        force=False,
    )


def _truncation(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import truncation as ex

    task = ex.mnist_task(
        source=params["data_source"],
        n_train=params["n_train"],
        n_val=params["n_val"],
        n_test=params["n_test"],
        epochs=params["epochs"],
        batch_size=params["batch_size"],
        last=params["last"],
        filters=params["filters"],
        threshold=params["threshold"],
    )
    names = params["arm_names"]
    candidates, baselines = ex.roles(names)
    arms = {a.name: a for a in ex.arms(names, params["threshold"], params["threshold_l2"])}
    declared = _declared(params, task.name)
    return dict(
        candidates=[arms[n] for n in candidates],
        baselines=[arms[n] for n in baselines],
        tasks=[with_held_out_test(task)],
        pairs=ex.pairs(names),
        question=ex.questions(declared, params["smallest_effect"]),
        force=True,  # straight-through fails gradient_correct by design and is trained anyway
    )


def _rational(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import rational as exp

    tasks = exp.tasks(
        params["task_names"],
        source=params["source"],
        n_train=params["n_train"],
        n_val=params["n_val"],
        n_test=params["n_test"],
        epochs=params["epochs"],
        last=params["last"],
        batch_size=params["batch_size"],
    )
    return dict(
        candidates=[exp.ARMS[params["candidate"]]],
        baselines=exp.arms(params["baselines"]),
        tasks=[with_held_out_test(t) for t in tasks],
        question=exp.questions(params["declared"], params["smallest_effect"]),
        force=False,
    )


def _blend(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import blend

    task = blend.resnet_task(
        source=params["data_source"],
        n_train=params["n_train"],
        n_val=params["n_val"],
        n_test=params["n_test"],
        stages=params["stages"],
        stem_strides=params["stem_strides"],
        relu_cap=params["relu_cap"],
        epochs=params["blend_epochs"] + params["hold_epochs"],
        last=params["last"],
        batch_size=params["batch_size"],
        probe_size=params["probe_size"],
    )
    options = dict(per_batch=params["per_batch"], relu_cap=params["relu_cap"])
    epochs = (params["blend_epochs"], params["hold_epochs"])
    return dict(
        candidates=blend.arms(params["candidates"], *epochs, **options),
        baselines=blend.arms(params["baselines"], *epochs, **options),
        tasks=[with_held_out_test(task)],
        question=blend.questions(params["questions"]),
        force=False,
    )


def _soft_exponential(params: Mapping[str, Any]) -> dict[str, Any]:
    from actlab.collection.experiments import any_good
    from actlab.collection.experiments import softexp as se
    from actlab.trials import constant_reference

    arm_list = se.arms(params["sweep"], exploratory=params["exploratory_arms"])
    tasks = se.tasks(params["task_sizes"], params["learning_rates"])
    held = [with_held_out_test(t) if t.name == "mnist" else t for t in tasks]
    reference = constant_reference(tasks=("xy", "sin"))  # the ceiling of the log10 MSE tasks
    return dict(
        candidates=[a for a in arm_list if a.name != "ReLU"],
        baselines=[a for a in arm_list if a.name == "ReLU"] + [reference],
        tasks=held,
        pairs=se.pairs(arm_list),
        question=any_good.questions(params["declared"]),
        force=False,
    )


#: notebook -> its design's arms, tasks and questions from the notebook's parameters.
BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "01_epoch_dynamic_blend": _blend,
    "02_soft_exponential": _soft_exponential,
    "03_nan_diagnosis": _nan_diagnosis,
    "04_antirectifier_vs_relu": _antirectifier,
    "05_truncation_layer": _truncation,
    "08_rational_activations": _rational,
}
