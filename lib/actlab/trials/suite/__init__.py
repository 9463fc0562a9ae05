"""A task suite drawn from the activation literature, suites by name, their positive controls
and the aggregates across tasks (rliable).

Each task names in its module's docstring the published setup it follows and what is scaled
down for a 2-core CPU:

=============  ==========================================================  =================
name           task                                                        source
=============  ==========================================================  =================
``resnet``     small pre-activation ResNet, embedded MNIST                 He et al. 2016
``deep_mlp``   16-layer plain MLP (no normalization), embedded MNIST        Klambauer 2017
``periodic``   sin x over 4 periods, tested on the next 2                  Liu Ziyin 2020
``trend``      a temperature-like yearly cycle on a trend, 2 years ahead   Liu Ziyin 2020
``friedman``   ``make_friedman1`` regression                               Friedman 1991
``tabular``    breast-cancer classification (scikit-learn's copy)          Klambauer 2017
``attention``  one Transformer block on a token-counting task              Vaswani 2017
``fashion``    the ResNet on Fashion-MNIST (download, SHA-256 checked)     Xiao et al. 2017
``cifar10``    the ResNet on CIFAR-10 (download, SHA-256 checked)          Krizhevsky 2009
=============  ==========================================================  =================

`SUITES` lists, per suite, each task and the options its factory is called with (``{}``: the
factory's defaults, the standard size); ``"suite:quick"`` in a task list expands to them
(`actlab.trials.shipped.expand_tasks`), one task as ``"suite:quick/periodic"``.
`POSITIVE_CONTROLS`: per task from a paper, that paper's activation and its baseline.
`aggregate` (rliable's IQM and probability of improvement, stratified bootstrap) is in
`actlab.trials.suite.aggregate`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "FACTORIES",
    "SUITES",
    "POSITIVE_CONTROLS",
    "PositiveControl",
    "factory",
    "suite_task",
    "suite_task_names",
]

#: Task name → ``"module:function"`` of the factory (imported when used: no Keras at import).
FACTORIES: Mapping[str, str] = MappingProxyType(
    {
        "resnet": "actlab.trials.suite.resnet:resnet_task",
        "deep_mlp": "actlab.trials.suite.deep:deep_mlp",
        "periodic": "actlab.trials.suite.periodic:periodic_extrapolation",
        "trend": "actlab.trials.suite.periodic:periodic_trend",
        "friedman": "actlab.trials.suite.tabular:friedman_regression",
        "tabular": "actlab.trials.suite.tabular:tabular_classifier",
        "attention": "actlab.trials.suite.attention:attention_task",
        "fashion": "actlab.trials.suite.images:fashion_resnet",
        "cifar10": "actlab.trials.suite.images:cifar10_resnet",
    }
)

_OFFLINE = ("resnet", "deep_mlp", "periodic", "trend", "friedman", "tabular", "attention")

#: Suite name → [(task name, factory options)]. ``quick``: every offline task at a size where
#: 1 candidate × 2 baselines × 5 seeds fit in 15 minutes on 2 workers of a 2-core CPU (the
#: measured times are in docs/performance.md). ``standard``: the factories' defaults, plus the
#: shipped MNIST MLP and CNN; ``images``: Fashion-MNIST and CIFAR-10 (downloaded, SHA-256
#: checked).
SUITES: Mapping[str, tuple[tuple[str, Mapping[str, Any]], ...]] = MappingProxyType(
    {
        "quick": (
            ("resnet", {"n_train": 1000, "n_val": 500, "n_test": 500, "epochs": 3, "last": 2}),
            ("deep_mlp", {"n_train": 1000, "n_val": 500, "n_test": 500, "epochs": 3, "last": 2}),
            ("periodic", {"epochs": 10, "passes": 200}),
            ("trend", {"epochs": 10, "passes": 30}),
            ("friedman", {"n_train": 500, "n_test": 500, "epochs": 10}),
            ("tabular", {"epochs": 6}),
            ("attention", {"n_train": 2000, "n_val": 500, "n_test": 500, "epochs": 4, "last": 2}),
        ),
        "standard": (("mlp", {}), ("cnn", {}), *((name, {}) for name in _OFFLINE)),
        "images": (("fashion", {}), ("cifar10", {})),
    }
)


def factory(name: str) -> Callable[..., Any]:
    """The factory of a suite task by name (`FACTORIES`), or of a shipped one."""
    if name in FACTORIES:
        module, _, attr = FACTORIES[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    from actlab.trials.shipped import TASKS

    if name in TASKS:
        return TASKS[name]
    raise ValueError(
        f"No task named {name!r}: the suite's are {sorted(FACTORIES)}, the shipped {sorted(TASKS)}"
    )


def _suite(suite: str) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    if suite not in SUITES:
        raise ValueError(f"No suite named {suite!r}: the suites are {sorted(SUITES)}")
    return SUITES[suite]


def suite_task_names(suite: str) -> list[str]:
    """The tasks of `suite` as ``"suite:<suite>/<task>"`` strings (what a design records)."""
    return [f"suite:{suite}/{name}" for name, _ in _suite(suite)]


def suite_task(suite: str, name: str):
    """Task `name` at `suite`'s size."""
    options = dict(_suite(suite))
    if name not in options:
        raise ValueError(f"Suite {suite!r} has no task {name!r}: its tasks are {list(options)}")
    return factory(name)(**dict(options[name]))


@dataclass(frozen=True)
class PositiveControl:
    """A task's positive control: the activation its source paper proposed (`candidate`) and
    the baseline it beat there, as targets `actlab.trials` accepts; `source` names the paper."""

    task: str
    candidate: str
    baseline: str
    source: str


_SNAKE = "actlab.trials.suite.periodic:paper_snake"

#: Per task from a paper: the paper's activation against its baseline (to be run at standard
#: size: the evidence that the scaled-down task still probes what the paper probed).
POSITIVE_CONTROLS: Mapping[str, PositiveControl] = MappingProxyType(
    {
        c.task: c
        for c in (
            PositiveControl("periodic", _SNAKE, "relu", "Liu Ziyin et al. 2020 (Snake)"),
            PositiveControl("trend", _SNAKE, "relu", "Liu Ziyin et al. 2020 (Snake)"),
            PositiveControl("deep_mlp", "selu", "relu", "Klambauer et al. 2017 (SELU)"),
            PositiveControl("tabular", "selu", "relu", "Klambauer et al. 2017 (SELU)"),
            PositiveControl("attention", "gelu", "relu", "Hendrycks & Gimpel 2016 (GELU)"),
            PositiveControl("resnet", "silu", "relu", "Ramachandran et al. 2017 (Swish-1)"),
            PositiveControl("cifar10", "silu", "relu", "Ramachandran et al. 2017 (Swish-1)"),
        )
    }
)
