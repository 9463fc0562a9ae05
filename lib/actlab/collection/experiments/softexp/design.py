"""Notebook 02's arms: each an import path with literal arguments (`ARMS`, this collection's α
clamp `CLIP_ALPHA`, a regularizer of α), the tasks each runs on, and the comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actlab.trials import Arm

#: ClipAlpha(-1, 1) as a Keras config (a literal, so an arm stays an import path): this
#: collection's clamp of α, which keeps the exp branch bounded and contains the ln/exp pair.
CLIP_ALPHA = {"class_name": "actlab>ClipAlpha", "config": {"min_value": -1.0, "max_value": 1.0}}


def _target(layer: str, **kwargs: Any) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"actlab.layers:{layer}({args})"


#: The arms of the trial: name → activation target (α per unit, initialized at 0, the identity).
ARMS = {
    "ReLU": "relu",
    "soft exp": _target("SoftExponential", alpha_constraint=CLIP_ALPHA),
    "complex soft exp": _target("ComplexSoftExponential", alpha_real_constraint=CLIP_ALPHA),
}
#: The tasks each arm runs on: the real form is the x·y candidate (and, exploratory, on the
#: other tasks), the complex form is a question for sin x and MNIST.
ARM_TASKS = {"ReLU": None, "soft exp": ("xy",), "complex soft exp": ("sin", "mnist")}
TASK_NAMES = ("xy", "sin", "mnist")
REGULARIZERS = ("l1", "l2")
#: Every comparison of the notebook (candidate, baseline): those not declared are exploratory.
PAIRS = (
    ("soft exp", "ReLU"),
    ("complex soft exp", "ReLU"),
    ("complex soft exp", "soft exp"),
)


def regularized_arm(kind: str, strength: float) -> Arm:
    """The soft exponential with an L1 or L2 penalty of `strength` on α, on the x·y task."""
    if kind not in REGULARIZERS:
        raise ValueError(f"`kind` must be one of {REGULARIZERS}. Received: kind={kind!r}")
    regularizer = {"class_name": kind.upper(), "config": {kind: float(strength)}}
    target = _target("SoftExponential", alpha_regularizer=regularizer, alpha_constraint=CLIP_ALPHA)
    return Arm(f"soft exp, {kind.upper()} {strength:g}", target, tasks=("xy",))


def arms(sweep: Sequence[Mapping[str, Any]] = (), exploratory: bool = False) -> list[Arm]:
    """The arms (`ARMS`, each on its `ARM_TASKS`; with `exploratory`, the real soft
    exponential on every task) and one per regularization setting of `sweep`
    (``{"kind": "l1" | "l2", "strength": s}``, on x·y)."""
    out = []
    for name, target in ARMS.items():
        on = None if (exploratory and name == "soft exp") else ARM_TASKS[name]
        out.append(Arm(name, target, tasks=on))
    return out + [regularized_arm(s["kind"], s["strength"]) for s in sweep]


def pairs(arm_list: Sequence[Arm]) -> list[tuple[str, str]]:
    """`PAIRS`, and each regularized soft exponential (an arm of `arm_list` beyond `ARMS`)
    against the unregularized one."""
    return list(PAIRS) + [(a.name, "soft exp") for a in arm_list if a.name not in ARMS]
