"""Notebook 01's arms and questions: the variants (`VARIANTS`) as `actlab.trials.Arm`s, the
declared questions as `actlab.trials.Question`s, and what the parameters must agree on."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from actlab import wording
from actlab.collection import session
from actlab.collection.models import schedule_callbacks
from actlab.trials import Arm, Question

#: The arms notebook 01 can train: which activations are blends (`models.resolve_blend`), the
#: blend's initial d, and the schedule that moves d (None: d stays where it starts). The label
#: is the arm's name in the trial's tables and sentences.
VARIANTS: dict[str, dict[str, Any]] = {
    "relu": {"blend": "none", "relu_weight": 1.0, "schedule": None, "label": "ReLU"},
    "poly_scratch": {
        "blend": "all",
        "relu_weight": 0.0,
        "schedule": None,
        "label": "polynomial from scratch",
    },
    "sudden_swap": {"blend": "all", "relu_weight": 1.0, "schedule": "step", "label": "sudden swap"},
    "linear_hold": {
        "blend": "all",
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend",
    },
    "cosine_hold": {
        "blend": "all",
        "relu_weight": 1.0,
        "schedule": "cosine",
        "label": "cosine blend",
    },
    "partial_linear": {
        "blend": "inner",
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend, first & last ReLU",
    },
    "stage3_linear": {
        "blend": [3, "head"],
        "relu_weight": 1.0,
        "schedule": "linear",
        "label": "linear blend, last stage + head",
    },
}


def label(variant: str) -> str:
    """The arm name of a variant (its label)."""
    return VARIANTS[variant]["label"]


def arm(
    variant: str,
    blend_epochs: int,
    hold_epochs: int,
    *,
    per_batch: bool = False,
    relu_cap: float | None = None,
) -> Arm:
    """The `actlab.trials.Arm` of a variant: its blends (a `PolyReLUBlend` in every place the
    variant names, starting at its d), and for a scheduled variant a `BlendSchedule` over
    `blend_epochs` epochs built anew for every run (then `hold_epochs` at d = 0)."""
    _check_variants([variant], "variant")
    spec = VARIANTS[variant]
    cap = "" if relu_cap is None else f", relu_cap={float(relu_cap)!r}"
    target = f"actlab.layers:PolyReLUBlend(relu_weight={float(spec['relu_weight'])!r}{cap})"
    callbacks = None
    if spec["schedule"] is not None:
        callbacks = functools.partial(
            schedule_callbacks,
            int(blend_epochs),
            spec["schedule"],
            int(hold_epochs),
            bool(per_batch),
        )
    return Arm(
        spec["label"],
        target,
        callbacks=callbacks,
        model={} if spec["blend"] == "all" else {"blend": spec["blend"]},
    )


def arms(variants: Sequence[str], blend_epochs: int, hold_epochs: int, **kwargs) -> list[Arm]:
    """`arm` for each variant."""
    return [arm(v, blend_epochs, hold_epochs, **kwargs) for v in variants]


def _check_variants(variants: Sequence[str], name: str = "variants") -> None:
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        raise ValueError(
            f"`{name}` must be a non-empty list from {list(VARIANTS)}. "
            f"Received: {name}={list(variants)!r}"
        )


QUESTION_KINDS = ("difference", "non-inferiority", "equivalence")
#: Keys a declared question (a dict of the parameters cell) may have.
QUESTION_KEYS = (
    "id",
    "kind",
    "candidate",
    "baseline",
    "margin",
    "smallest_effect",
    "pilot_sd",
    "words",
)


def questions(declared: Sequence[Mapping[str, Any]]) -> list[Question]:
    """The declared questions (dicts of the parameters cell: ``id``, ``kind``, ``candidate`` and
    ``baseline`` as variant keys, ``margin``, ``smallest_effect``, ``pilot_sd``) as
    `actlab.trials.Question`s of the ``resnet`` task; every other comparison of the trial is
    exploratory (its own Holm family)."""
    out = []
    for q in declared:
        unknown = sorted(set(q) - set(QUESTION_KEYS))
        if unknown:
            raise ValueError(f"a question may have the keys {QUESTION_KEYS}; {unknown} are not")
        _check_variants([q["candidate"], q["baseline"]], "questions")
        out.append(
            Question(
                q.get("kind", "difference"),
                q.get("margin"),
                candidate=label(q["candidate"]),
                baseline=label(q["baseline"]),
                task="resnet",
                id=q.get("id"),
                words=q.get("words")
                or wording.accuracy_question_words(
                    q.get("kind", "difference"),
                    label(q["candidate"]),
                    label(q["baseline"]),
                    q.get("margin"),
                ),
                smallest_effect=q.get("smallest_effect"),
            )
        )
    return out


def check_design(
    candidates: Sequence[str],
    baselines: Sequence[str],
    declared: Sequence[Mapping[str, Any]],
    last: int,
    hold_epochs: int,
) -> None:
    """What the parameters must agree on, checked before any training: candidates and
    baselines are disjoint; each question compares a candidate with a baseline; the score's
    epochs (`last`) lie in the hold, where every blend is the pure polynomial."""
    both = sorted(set(candidates) & set(baselines))
    if both:
        raise ValueError(
            f"`candidates` and `baselines` must be disjoint; both hold {both}. "
            f"Received: candidates={list(candidates)!r}, baselines={list(baselines)!r}"
        )
    for q in declared:
        if q["candidate"] not in candidates or q["baseline"] not in baselines:
            raise ValueError(
                f"question {q.get('id')!r} compares {q['candidate']!r} with {q['baseline']!r}: "
                "its candidate must be in `candidates` and its baseline in `baselines`. "
                f"Received: questions={list(declared)!r}"
            )
    if last > hold_epochs:
        raise ValueError(
            f"`last` (the epochs the score averages) must be at most `hold_epochs` "
            f"({hold_epochs}), so that every blend arm is scored as the pure polynomial "
            f"network. Received: last={last!r}"
        )


def full_profile_seeds(notebook: str = "01_epoch_dynamic_blend") -> int | None:
    """How many evaluation seeds the notebook's `full` profile runs (None: it sets none)."""
    import yaml

    path = session.REPO_ROOT / "notebooks" / "profiles" / f"{notebook}.yml"
    if not path.is_file():
        return None
    seeds = ((yaml.safe_load(path.read_text()) or {}).get("full") or {}).get("seeds")
    return len(seeds) if isinstance(seeds, list) else None
