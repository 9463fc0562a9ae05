"""Notebook 01 (epoch-dynamic ReLU→polynomial blend): demos, the trial's arms and questions,
its tables, figures and findings.

* `run_epoch_demo` - the known answer: the epoch in a backend variable, read by an activation
  that returns it; MSE against a target of 2 goes 4, 1, 0, 1, 4, 9, ...
* `run_blend_demo` - the same proof through `BlendSchedule` and `PolyReLUBlend`.
* `arms`, `questions`, `check_design` - the comparison as an `actlab.trials` trial: each variant
  (`VARIANTS`) is an `Arm` carrying its `BlendSchedule` (built per run); the task is the small
  ResNet (`actlab.collection.models.resnet_task`); the headline questions are declared in the
  notebook's parameters.
* `arm_table`, `findings`, `question_records` - what the notebook shows and records, from the
  trial's numbers.
* `plot_*` - the notebook's figures (each returns the figure).

What decides a run's numbers (the model, the task, the schedule callbacks) is in
`actlab.collection.models`, so editing this module retrains nothing.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from actlab import wording
from actlab.activations.polynomial import DELPHI_COEFFICIENTS, poly_relu_blend, relu_poly_approx
from actlab.callbacks import BlendSchedule, EpochVariable, schedule_value
from actlab.collection import session
from actlab.collection.models import (
    activation_names,
    resnet_task,
    resolve_blend,
    schedule_callbacks,
)
from actlab.collection.session import xla_allowed
from actlab.layers.polynomial import PolyReLUBlend
from actlab.trials import Arm, Question, Trial

__all__ = [
    "VARIANTS",
    "label",
    "arm",
    "arms",
    "resnet_task",
    "questions",
    "check_design",
    "full_profile_seeds",
    "question_records",
    "arm_table",
    "numpy_blend",
    "run_epoch_demo",
    "run_blend_demo",
    "poly_error_numbers",
    "plot_blend_family",
    "plot_poly_error",
    "plot_schedules",
    "plot_demos",
    "plot_accuracy_with_d",
    "plot_preactivations",
    "VALIDATORS",
]


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


def numpy_blend(x, d, coefficients=DELPHI_COEFFICIENTS, relu_cap=None) -> np.ndarray:
    """float64 NumPy reference of `poly_relu_blend` (used by the tests and the figures)."""
    x = np.asarray(x, dtype="float64")
    poly = np.polynomial.polynomial.polyval(x, np.asarray(coefficients, dtype="float64"))
    relu = np.maximum(x, 0.0)
    if relu_cap is not None:
        relu = np.minimum(relu, relu_cap)
    return (1.0 - d) * poly + d * relu


# --------------------------------------------------------------------------- demos


def _fit_quietly(model, *args, **kwargs):
    """`model.fit` without the warning that the demo models have no trainable weights."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The model does not have any trainable weights")
        return model.fit(*args, **kwargs)


class _AddVariable(keras.layers.Layer):
    """Demo-only activation returning ``0 * x + variable`` (the answer's "returns the epoch")."""

    def __init__(self, variable: keras.Variable, **kwargs):
        super().__init__(**kwargs)
        self.variable = variable

    def call(self, inputs):
        return keras.ops.zeros_like(inputs) + keras.ops.cast(self.variable, inputs.dtype)


def run_epoch_demo(epochs: int = 6, target: float = 2.0, jit_compile: bool = True) -> dict:
    """Fit a model whose output is the current epoch (kept in a variable by `EpochVariable`).

    Returns ``{"epoch", "loss", "expected"}``: the MSE against `target` per epoch and
    ``(epoch - target)**2`` (0-based epochs), which it matches only if the compiled train
    function reads the epoch at run time.
    """
    epoch_callback = EpochVariable()
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, _AddVariable(epoch_callback.variable)(inputs))
    x = np.zeros((8, 1), "float32")
    y = np.full((8, 1), target, "float32")
    with xla_allowed(jit_compile):
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        history = _fit_quietly(
            model, x, y, batch_size=8, epochs=epochs, callbacks=[epoch_callback], verbose=0
        )
        jit_used = bool(model.jit_compile)
    epoch = list(range(epochs))
    return {
        "epoch": epoch,
        "loss": history.history["loss"],
        "expected": [(e - target) ** 2 for e in epoch],
        "jit_compile": jit_used,
    }


def run_blend_demo(
    total_epochs: int = 4,
    hold_epochs: int = 1,
    schedule: str = "linear",
    jit_compile: bool = True,
    n_points: int = 64,
    span: float = 4.0,
) -> dict:
    """Fit a one-layer model (a `PolyReLUBlend`, nothing trainable) against ReLU targets.

    The MSE of an epoch is ``(1 - d)**2 * mean((poly(x) - relu(x))**2)`` for that epoch's d, so
    the per-epoch loss shows which d the compiled train function used. Returns
    ``{"epoch", "d", "loss", "expected"}``.
    """
    inputs = keras.Input(shape=(n_points,))
    model = keras.Model(inputs, PolyReLUBlend(name="blend")(inputs))
    x = np.linspace(-span, span, n_points, dtype="float32")[None]
    y = np.maximum(x, 0.0)
    callback = BlendSchedule(total_epochs, schedule, hold_epochs=hold_epochs)
    with xla_allowed(jit_compile):
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        history = _fit_quietly(
            model, x, y, batch_size=1, epochs=callback.epochs, callbacks=[callback], verbose=0
        )
        jit_used = bool(model.jit_compile)
    d = history.history["relu_weight"]
    gap = float(
        np.mean((keras.ops.convert_to_numpy(relu_poly_approx(x.astype("float64"))) - y) ** 2)
    )
    return {
        "epoch": list(range(callback.epochs)),
        "d": d,
        "loss": history.history["loss"],
        "expected": [(1 - v) ** 2 * gap for v in d],
        "jit_compile": jit_used,
    }


# --------------------------------------------------------------------------- the trial

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


def question_records(
    trial: Trial, family: str = "declared", profile: str = "default", full_seeds: int | None = None
) -> list[dict[str, Any]]:
    """`Trial.question_records(family)` (the records results.json and the README table read),
    each open one saying what the `full` profile runs when this run is another profile."""
    return wording.full_profile_open(trial.question_records(family), profile, full_seeds)


def _eval_runs(trial: Trial):
    runs = trial.runs
    return runs[runs.stage == "eval"] if len(runs) else runs


def _peak(record: Any) -> float:
    """The largest max |pre-activation| over a run's activations (NaN when one overflowed)."""
    values = list((record or {}).get("preact_max", {}).values()) if isinstance(record, dict) else []
    if not values or not all(math.isfinite(v) for v in values):
        return float("nan")
    return float(max(values))


def arm_table(trial: Trial, variants: Sequence[str]) -> list[dict[str, Any]]:
    """Per variant (in the given order): its arm, the activations it replaces, the learning
    rate chosen on validation, the score (mean test accuracy of the last epochs, points) as
    mean and std over the evaluation seeds, runs that went non-finite, and the largest
    |pre-activation| at the end of training (max over layers, mean over seeds)."""
    runs = _eval_runs(trial)
    config = trial.tasks["resnet"].config
    stages, blocks = config["stages"], config["blocks_per_stage"]
    n_act = len(activation_names(stages, blocks))
    rows = []
    for v in variants:
        group = runs[runs.arm == label(v)]
        if not len(group):
            continue
        scores = group["test_score"].to_numpy(dtype="float64")
        peaks = np.array([_peak(r) for r in group.get("record", [None] * len(group))])
        rows.append(
            {
                "variant": v,
                "label": label(v),
                "n_replaced": len(resolve_blend(VARIANTS[v]["blend"], stages, blocks)),
                "n_activations": n_act,
                "learning_rate": float(group["learning_rate"].iloc[0]),
                "score_mean": float(np.nanmean(scores)) if np.isfinite(scores).any() else math.nan,
                "score_std": session.seed_std(scores[np.isfinite(scores)]),
                "n_seeds": int(len(group)),
                "n_nonfinite": int(group["nonfinite_epoch"].notna().sum()),
                "max_preact_mean": float(np.mean(peaks)) if len(peaks) else math.nan,
            }
        )
    return rows


def run_records(trial: Trial) -> list[dict[str, Any]]:
    """The evaluation runs, compact, for results.json: arm, seed, learning rate, score, test
    accuracy per epoch, the pre-activation record and the pairing fingerprints."""
    keep = ("arm", "seed", "learning_rate", "test_score", "nonfinite_epoch", "seconds")
    keep += ("split_id", "order_id", "init_id")
    out = []
    for r in _eval_runs(trial).to_dict("records"):
        row = {k: r.get(k) for k in keep}
        row["test_accuracy"] = list(r.get("test_accuracy", ()))
        row["record"] = r.get("record")
        out.append(session.to_jsonable(row))
    return out


# --------------------------------------------------------------------------- trial figures


def _d_curve(variant: str, blend_epochs: int, epochs: int) -> list[float]:
    spec = VARIANTS[variant]
    if spec["schedule"] is None:
        return [spec["relu_weight"]] * epochs
    return [schedule_value(spec["schedule"], e, blend_epochs) for e in range(epochs)]


def plot_accuracy_with_d(trial: Trial, variants: Sequence[str], blend_epochs: int) -> plt.Figure:
    """Test accuracy per epoch (mean ± std over the evaluation seeds) with d on a second axis,
    one panel per variant; the epochs the score averages shaded."""
    runs = _eval_runs(trial)
    task = trial.tasks["resnet"]
    shown = [v for v in variants if (runs.arm == label(v)).any()]
    n = len(shown)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False, sharey=True
    )
    curves = {
        v: 100 * np.array([list(c) for c in runs[runs.arm == label(v)]["test_accuracy"]], "float64")
        for v in shown
    }
    low = min(np.nanmin(np.nanmean(c, axis=0)) for c in curves.values())
    bottom = max(0.0, 10 * np.floor(low / 10 - 0.05))
    for ax, v in zip(axes.flat, shown, strict=False):
        values = curves[v]
        epoch = np.arange(values.shape[1])
        mean = np.nanmean(values, axis=0)
        std = np.nan_to_num(session.seed_std(values, axis=0))  # one seed: no band
        ax.plot(epoch, mean, "o-", color="C0", label="test accuracy")
        ax.fill_between(epoch, mean - std, mean + std, color="C0", alpha=0.2)
        ax.axvspan(task.epochs - task.last - 0.5, task.epochs - 0.5, color="0.9", zorder=0)
        ax.set(
            title=label(v),
            xlabel="epoch (0-based)",
            ylabel="test accuracy (%)",
            ylim=(bottom, 100.5),
        )
        ax.yaxis.set_tick_params(labelleft=True)
        twin = ax.twinx()
        d = _d_curve(v, blend_epochs, values.shape[1])
        twin.step(epoch, d, where="mid", color="C3", ls="--", label="d (held during each epoch)")
        twin.plot(epoch, d, "s", color="C3", ms=4)
        twin.set(ylim=(-0.05, 1.05), ylabel="ReLU weight d")
        twin.grid(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax is axes.flat[0]:
            lines = ax.get_lines()[:1] + twin.get_lines()[:1]
            ax.legend(lines, [ln.get_label() for ln in lines], loc="lower right", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    n_seeds = runs["seed"].nunique()
    fig.suptitle(
        f"Test accuracy (mean ± std over {n_seeds} seed{'s' if n_seeds != 1 else ''}) and d per "
        f"epoch; shaded: {wording.last_epochs_text(task.last)}, which the score averages",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def plot_preactivations(trial: Trial, variants: Sequence[str]) -> plt.Figure:
    """Largest |input| of each activation at the end of training (mean over seeds; probe of
    training images, inference mode), one line per variant, log scale, with |x| = 3."""
    runs = _eval_runs(trial)
    fig, ax = plt.subplots(figsize=(7.5, 4))
    names = None
    probe = None
    for i, v in enumerate(variants):
        records = [r for r in runs[runs.arm == label(v)].get("record", []) if isinstance(r, dict)]
        if not records:
            continue
        names = names or list(records[0]["preact_max"])
        probe = records[0].get("probe_size")
        values = np.array([[r["preact_max"][n] for n in names] for r in records], "float64")
        ax.plot(range(len(names)), np.nanmean(values, axis=0), "o-", color=f"C{i}", label=label(v))
    ax.axhline(3.0, color="tab:red", lw=1, alpha=0.6, label="|x| = 3 (polynomial error 0.5)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(ScalarFormatter())
    ax.tick_params(axis="y", which="both", labelsize=8)
    if names:
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set(
        title=f"Largest |input| of each activation after training ({probe} training images)",
        xlabel="activation (input to output)",
        ylabel="max |pre-activation| (log)",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- parameters


def _stages_validator(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ValueError(
            f"Invalid parameter `{name}`: expected a non-empty list of filter counts "
            f"> 0. Received: {name}={value!r}"
        )


def _relu_cap_validator(name: str, value: Any) -> None:
    ok = value is None or (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
    if not ok:
        raise ValueError(
            f"Invalid parameter `{name}`: expected None or a number > 0. Received: {name}={value!r}"
        )


def _learning_rates_validator(name: str, value: Any) -> None:
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in value)
        and len(set(value)) == len(value)
    ):
        session._fail(name, value, "a non-empty list of distinct learning rates > 0")


def _questions_validator(name: str, value: Any) -> None:
    try:
        if not isinstance(value, list):
            raise TypeError("not a list")
        questions(value)
        for q in value:
            if not (isinstance(q.get("pilot_sd"), float) and q["pilot_sd"] > 0):
                raise ValueError(f"question {q.get('id')!r} needs a pilot_sd > 0 (points)")
            if q.get("kind", "difference") == "difference" and not q.get("smallest_effect"):
                raise ValueError(f"question {q.get('id')!r} needs a smallest_effect (points)")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        session._fail(
            name,
            value,
            f"a list of questions (id, kind, candidate, baseline, margin, smallest_effect, "
            f"pilot_sd; variants from {list(VARIANTS)}): {exc}",
        )


#: Validators for notebook 01's own parameters (the common ones come from `session`).
VALIDATORS = {
    "candidates": session.list_of(tuple(VARIANTS)),
    "baselines": session.list_of(tuple(VARIANTS)),
    "questions": _questions_validator,
    "tune_seeds": session.positive_int,
    "learning_rates": _learning_rates_validator,
    "n_val": session.positive_int,
    "blend_epochs": session.positive_int,
    "hold_epochs": session.positive_int,
    "last": session.positive_int,
    "stages": _stages_validator,
    "stem_strides": session.positive_int,
    "relu_cap": _relu_cap_validator,
    "per_batch": session.boolean,
    "probe_size": session.positive_int,
    "demo_epochs": session.positive_int,
    "jobs": session.optional_positive_int,
}

# --------------------------------------------------------------------------- figures


def plot_blend_family(
    d_values: Sequence[float] = (1.0, 0.75, 0.5, 0.25, 0.0),
    span: float = 4.0,
    relu_cap: float | None = None,
) -> plt.Figure:
    """The blend ``(1 - d) poly + d relu`` over x for several d."""
    x = np.linspace(-span, span, 401)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(d_values)))
    for d, color in zip(d_values, colors, strict=True):
        y = np.asarray(poly_relu_blend(x, d, relu_cap=relu_cap))
        ax.plot(x, y, color=color, label=f"d = {d:g}")
    ax.set(
        title="Blend (1 − d)·poly(x) + d·ReLU(x)",
        xlabel="pre-activation x (BN units)",
        ylabel="activation f(x)",
    )
    ax.legend(title="ReLU weight")
    return fig


def plot_poly_error(span: float = 8.0, bn_range: float = 3.0) -> plt.Figure:
    """|poly(x) - relu(x)| over x, log scale, with the batch-norm-typical range shaded."""
    x = np.linspace(-span, span, 801)
    err = np.abs(numpy_blend(x, 0.0) - np.maximum(x, 0.0))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.axvspan(
        -bn_range,
        bn_range,
        color="tab:green",
        alpha=0.12,
        label=f"|x| ≤ {bn_range:g} (BN output, ~99.7% of N(0, 1))",
    )
    ax.plot(x, err, color="tab:red", label="|poly(x) − ReLU(x)|")
    ax.set_yscale("log")
    ax.set(
        title="Quadratic approximation error against ReLU",
        xlabel="pre-activation x (BN units)",
        ylabel="absolute error (log scale)",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=9)
    return fig


def plot_schedules(
    total_epochs: int, hold_epochs: int, schedules: Sequence[str] = ("linear", "cosine", "step")
) -> plt.Figure:
    """d against training time: per-epoch updates (thick steps, d held during each epoch) and
    per-batch updates (thin dashed curves)."""
    epochs = total_epochs + hold_epochs
    fig, ax = plt.subplots(figsize=(6.5, 4))
    t = np.linspace(0, epochs, 400, endpoint=False)
    for i, name in enumerate(schedules):
        color = f"C{i}"
        per_epoch = [schedule_value(name, e, total_epochs) for e in range(epochs)]
        ax.step(
            range(epochs + 1),
            [*per_epoch, per_epoch[-1]],
            where="post",
            color=color,
            lw=2.5,
            alpha=0.8,
            label=f"{name}, per epoch",
        )
        ax.plot(
            t,
            [schedule_value(name, v, total_epochs) for v in t],
            "--",
            color=color,
            lw=1,
            label=f"{name}, per batch",
        )
    if hold_epochs:
        ax.axvspan(
            total_epochs,
            epochs,
            color="grey",
            alpha=0.15,
            label=f"hold at d = 0 ({hold_epochs} epoch{'s' if hold_epochs > 1 else ''})",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        title=f"ReLU weight d per schedule (blend over T = {total_epochs} "
        f"epoch{'s' if total_epochs > 1 else ''})",
        xlabel="training time (epochs; epoch e runs from e to e + 1)",
        ylabel="d (1 = ReLU, 0 = polynomial)",
        ylim=(-0.05, 1.05),
        xlim=(0, epochs),
    )
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    return fig


def poly_error_numbers(
    points: Sequence[float] = (-6.0, -3.0, 3.0, 6.0), x0: float = 3.0, iterations: int = 5
) -> dict:
    """|poly - relu| at `points`, and the polynomial iterated from `x0` (a stack of layers
    without normalization)."""
    err = {f"{p:g}": float(abs(numpy_blend(p, 0.0) - max(p, 0.0))) for p in points}
    orbit = [float(x0)]
    for _ in range(iterations):
        orbit.append(float(numpy_blend(orbit[-1], 0.0)))
    normal_within_3 = math.erf(3 / math.sqrt(2))
    return {
        "abs_error_at": err,
        "iterated_from": x0,
        "orbit": orbit,
        "normal_mass_within_3": normal_within_3,
    }


def plot_demos(epoch_demo: Mapping, blend_demo: Mapping) -> plt.Figure:
    """Left: the answer's epoch-returning activation (MSE to 2 per epoch). Right: the blend
    demo's MSE per epoch against the value expected from that epoch's d, with d."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.plot(
        epoch_demo["epoch"],
        epoch_demo["expected"],
        "s",
        ms=11,
        mfc="none",
        color="C1",
        label="expected (epoch − 2)²",
    )
    left.plot(epoch_demo["epoch"], epoch_demo["loss"], "o-", color="C0", label="MSE in fit")
    left.set(
        title="Activation returning the epoch (target 2)",
        xlabel="epoch (0-based)",
        ylabel="training MSE",
    )
    left.legend()
    right.plot(
        blend_demo["epoch"],
        blend_demo["expected"],
        "s",
        ms=11,
        mfc="none",
        color="C1",
        label="expected (1 − d)²·mean((poly − ReLU)²)",
    )
    right.plot(blend_demo["epoch"], blend_demo["loss"], "o-", color="C0", label="MSE in fit")
    right.set(
        title="PolyReLUBlend driven by BlendSchedule",
        xlabel="epoch (0-based)",
        ylabel="training MSE against ReLU",
    )
    twin = right.twinx()
    twin.step(blend_demo["epoch"], blend_demo["d"], where="mid", color="C3", ls="--", label="d")
    twin.plot(blend_demo["epoch"], blend_demo["d"], "s", color="C3", ms=4)
    twin.set(ylim=(-0.05, 1.05), ylabel="ReLU weight d")
    twin.grid(False)
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines = right.get_lines()[:2] + twin.get_lines()[:1]
    right.legend(
        lines,
        [ln.get_label() for ln in lines],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=3,
    )
    fig.tight_layout()
    return fig
