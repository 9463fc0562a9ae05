"""Notebook 07: `actlab.checkup` over the collection's activations and Keras built-ins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from actlab.checkup import CHECKS, check_targets

__all__ = [
    "DEFAULT_TARGETS",
    "KERAS_BUILTINS",
    "SURROGATE_TARGETS",
    "is_collection",
    "run_matrix",
    "status_table",
    "summarize",
]

#: Every function of `actlab.activations` (functions with a parameter get a fixed value), every
#: layer of `actlab.layers` with its defaults (and the non-default modes the notebooks use).
COLLECTION_TARGETS = (
    "actlab.activations:naive_elu",
    "actlab.activations:safe_elu",
    "actlab.activations:elu_double_where",
    "actlab.activations:elu_custom_gradient",
    "actlab.activations:relu_poly_approx",
    "actlab.activations:poly_relu_blend(d=0.5)",
    "actlab.activations:soft_exponential(alpha=0.5)",
    "actlab.activations:soft_exponential(alpha=-0.5)",
    "actlab.activations:complex_soft_exponential_concat(alpha_real=0.5, alpha_imag=0.5)",
    "actlab.activations:crelu",
    "actlab.activations:centered_l2_normalize",
    "actlab.activations:antirectify",
    "actlab.activations:antirectify_autodiff",
    "actlab.activations:truncate(threshold=1.0)",
    "actlab.activations:truncate(threshold=1.0, gradient='straight_through')",
    "actlab.layers:PolyReLUBlend",
    "actlab.layers:PolyReLUBlend(relu_weight=0.5)",
    "actlab.layers:SoftExponential",
    "actlab.layers:ComplexSoftExponential",
    "actlab.layers:Antirectifier",
    "actlab.layers:CReLU",
    "actlab.layers:Truncation",
    "actlab.layers:Truncation(gradient='straight_through')",
    "actlab.layers:Truncation(trainable_threshold=True)",
    "actlab.layers:Rational",
)
KERAS_BUILTINS = ("relu", "gelu", "silu", "softplus", "elu")
DEFAULT_TARGETS = (*COLLECTION_TARGETS, *KERAS_BUILTINS)
#: Notebook 05's straight-through estimators: their gradient is not the derivative, on purpose.
#: They are checked with allow_surrogate_gradient=True (gradient_correct warns, not fails).
SURROGATE_TARGETS = (
    "actlab.activations:truncate(threshold=1.0, gradient='straight_through')",
    "actlab.layers:Truncation(gradient='straight_through')",
)


def is_collection(label: str) -> bool:
    """A target of this collection (``actlab.activations:...``, ``actlab.layers:...``)."""
    return label.startswith("actlab.")


def run_matrix(
    targets: Sequence[str],
    progress: Callable[[str], None] | None = print,
    surrogate: Sequence[str] = SURROGATE_TARGETS,
    **kwargs,
) -> list[dict]:
    """`check_activation(target, **kwargs).to_dict()` for every target, in order, the
    deliberate surrogate gradients (`surrogate`) with ``allow_surrogate_gradient=True``;
    `serializes` reloads in one fresh process per module (`actlab.checkup.check_targets`)."""
    reports = check_targets(
        targets, progress=progress, allow_surrogate_gradient=tuple(surrogate), **kwargs
    )
    return [r.to_dict() for r in reports]


def status_table(reports: Sequence[dict]) -> pd.DataFrame:
    """Targets x checks, the status of each."""
    rows = {r["target"]: {c["name"]: c["status"] for c in r["checks"]} for r in reports}
    return pd.DataFrame.from_dict(rows, orient="index")[list(CHECKS)]


def summarize(
    reports: Sequence[dict], surrogate: Sequence[str] = SURROGATE_TARGETS
) -> dict[str, list]:
    """Which targets passed everything, which failed what (with each failure's detail), and
    which deliberate surrogate gradients were allowed (`surrogate`, checked with
    ``allow_surrogate_gradient=True``)."""
    clean = [
        r["target"]
        for r in reports
        if r["ok"] and not any(c["status"] == "warn" for c in r["checks"])
    ]
    ok_with_warnings = [r["target"] for r in reports if r["ok"] and r["target"] not in clean]
    failed = [
        {
            "target": r["target"],
            "checks": [c["name"] for c in r["checks"] if c["status"] == "fail"],
            "details": {c["name"]: c["detail"] for c in r["checks"] if c["status"] == "fail"},
        }
        for r in reports
        if not r["ok"]
    ]
    deliberate = [r["target"] for r in reports if r["target"] in surrogate]
    return {
        "clean": clean,
        "ok_with_warnings": ok_with_warnings,
        "failed": failed,
        "deliberate_surrogates": deliberate,
    }
