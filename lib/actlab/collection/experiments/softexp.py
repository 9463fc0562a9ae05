"""Notebook 02 (soft exponential): the curve family, the hand-built x·y network, and the trial
that tests the paper's claims through `actlab.trials`: x·y extrapolation (`xy_task`), sin x
extrapolation with the complex form (`sin_task`: one hidden layer, as in the paper, trained on [−2π, 2π]),
α regularization, and MNIST (`actlab.trials.mnist_mlp` with one hidden layer).

Everything that decides a run (the tasks, the arms, the per-run records) is here, so the trial
cache keys on this module; `ARMS` names each arm's activation as an import path with literal
arguments (the α clamp of this collection, a regularizer of α).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actlab.activations.softexp import complex_soft_exponential, soft_exponential
from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.trials import Arm, Split, Task, build_regressor, log_mse_task, mnist_mlp

__all__ = [
    "ARMS",
    "alpha_summary",
    "eval_runs",
    "pairs",
    "plot_alphas",
    "plot_complex_curves",
    "plot_curves",
    "plot_regularization",
    "plot_sin",
    "plot_xy",
    "test_mse",
    "CLIP_ALPHA",
    "PAIRS",
    "TASK_NAMES",
    "alpha_record",
    "arms",
    "complex_curves",
    "curve_family",
    "exact_product",
    "exact_product_model",
    "product_data",
    "regularized_arm",
    "sin_record",
    "sin_task",
    "tasks",
    "xy_record",
    "xy_task",
    "VALIDATORS",
]

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


# --------------------------------------------------------------------------- curves


def curve_family(alphas: Sequence[float], x: np.ndarray) -> dict[str, Any]:
    """f(α, x), ∂f/∂x and ∂f/∂α (autodiff through `actlab.autodiff`, float32) for each α."""
    from actlab import autodiff

    x = np.asarray(x, dtype="float32")
    out: dict[str, Any] = {"x": x.tolist(), "f": {}, "dfdx": {}, "dfdalpha": {}}
    for alpha in alphas:
        a = np.full(x.shape, alpha, dtype="float32")
        y, (dfdx, dfda) = autodiff.vjp(soft_exponential, [x, a])
        key = f"{alpha:g}"
        out["f"][key] = np.asarray(y, dtype="float64").tolist()
        out["dfdx"][key] = np.asarray(dfdx, dtype="float64").tolist()
        out["dfdalpha"][key] = np.asarray(dfda, dtype="float64").tolist()
    return out


def complex_curves(alphas: Sequence[complex], x: np.ndarray) -> dict[str, Any]:
    """Re f and Im f for complex α, and the deviation of α = i from sin x."""
    out: dict[str, Any] = {"x": np.asarray(x).tolist(), "re": {}, "im": {}}
    for alpha in alphas:
        re, im = complex_soft_exponential(np.asarray(x, dtype="float64"), alpha.real, alpha.imag)
        key = f"{alpha.real:g}{alpha.imag:+g}i"
        out["re"][key] = np.asarray(re).tolist()
        out["im"][key] = np.asarray(im).tolist()
    re, im = complex_soft_exponential(np.asarray(x, dtype="float64"), 0.0, 1.0)
    out["alpha_i_max_abs_error_vs_sin"] = float(np.max(np.abs(np.asarray(re) - np.sin(x))))
    out["alpha_i_max_abs_error_vs_2_minus_cos"] = float(
        np.max(np.abs(np.asarray(im) - (2 - np.cos(x))))
    )
    return out


# --------------------------------------------------------------------------- x·y


def product_data(n: int, low: float, high: float, rng: np.random.Generator) -> tuple:
    """`n` pairs (x, y) uniform in [low, high]², target x·y (float32)."""
    xy = rng.uniform(low, high, size=(n, 2)).astype("float32")
    return xy, (xy[:, :1] * xy[:, 1:]).astype("float32")


def exact_product_model():
    """The paper's hand-built network: exp(ln x + ln y) with α = −1 then α = 1 (frozen)."""
    import keras

    from actlab.layers.softexp import SoftExponential

    inputs = keras.Input((2,))
    h = SoftExponential(
        alpha_initializer=keras.initializers.Constant(-1.0), trainable=False, name="log"
    )(inputs)
    h = keras.layers.Dense(
        1, kernel_initializer="ones", use_bias=False, trainable=False, name="sum"
    )(h)
    out = SoftExponential(
        alpha_initializer=keras.initializers.Constant(1.0), trainable=False, name="exp"
    )(h)
    return keras.Model(inputs, out, name="exact_product")


def exact_product(task: Task, seeds: Sequence[int]) -> dict[str, Any]:
    """The hand-built network on each seed's x·y split: the MSE in range (validation pairs) and
    on the extrapolation square (test pairs), the largest over seeds, and its diagonal."""
    model = exact_product_model()

    def mse(x, y):
        return float(np.mean((np.asarray(model(x), dtype="float64") - y) ** 2))

    splits = [task.data(seed) for seed in seeds]
    return {
        "mse_in_range": max(mse(s.x_val, s.y_val) for s in splits),
        "mse_extrapolation": max(mse(s.x_test, s.y_test) for s in splits),
        "diagonal": _predict(model, np.c_[DIAGONAL, DIAGONAL]),
    }


def _xy_split(
    seed: int, *, n_train: int, n_val: int, n_test: int, train_range: tuple, test_range: tuple
) -> Split:
    rng = np.random.default_rng([seed, 22])
    x_train, y_train = product_data(n_train, *train_range, rng)
    x_val, y_val = product_data(n_val, *train_range, rng)
    x_test, y_test = product_data(n_test, *test_range, rng)
    lo, hi = train_range
    return Split(
        x_train,
        y_train,
        x_val,
        y_val,
        x_test,
        y_test,
        f"x·y: {n_train} train / {n_val} validation pairs uniform on [{lo:g}, {hi:g}]², "
        f"{n_test} test pairs on [{test_range[0]:g}, {test_range[1]:g}]² (extrapolation); "
        f"drawn by seed {seed}",
    )


#: Where the figures look at a trained network: the diagonal x = y = t (target t²) and sin x.
DIAGONAL = np.linspace(0.1, 4.0, 80).astype("float32")
SIN_GRID = np.linspace(0.0, 4 * math.pi, 160).astype("float32")


def _alphas(model) -> dict[str, list[float]]:
    from actlab.layers.softexp import ComplexSoftExponential, SoftExponential

    out = {}
    for i, layer in enumerate(
        layer
        for layer in model.layers
        if isinstance(layer, SoftExponential | ComplexSoftExponential)
    ):
        for w in layer.weights:
            out[f"act_{i + 1}/{w.name}"] = np.asarray(w).ravel().astype("float64").tolist()
    return out


def alpha_record(model, split) -> dict[str, Any]:
    """A run's record: the final α of every soft exponential unit (empty for ReLU)."""
    return {"alpha": _alphas(model)}


def _predict(model, x: np.ndarray) -> list[float]:
    return np.asarray(model(x, training=False), dtype="float64").ravel().tolist()


def xy_record(model, split) -> dict[str, Any]:
    """The final α and the prediction on the diagonal x = y = t (`DIAGONAL`)."""
    return {**alpha_record(model, split), "diagonal": _predict(model, np.c_[DIAGONAL, DIAGONAL])}


def sin_record(model, split) -> dict[str, Any]:
    """The final α and the prediction on [0, 4π] (`SIN_GRID`)."""
    return {**alpha_record(model, split), "prediction": _predict(model, SIN_GRID[:, None])}


def xy_task(
    *,
    n_train: int = 256,
    n_val: int = 128,
    n_test: int = 256,
    hidden: int = 4,
    epochs: int = 5,
    passes: int = 40,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (1e-2,),
) -> Task:
    """x·y: Dense(hidden) → act → Dense(hidden) → act → Dense(1), Adam, MSE; trained on
    [0.1, 2]², validated there, tested on [2, 4]² (extrapolation). Score: test MSE on a log10
    scale, the mean of the last epochs (one epoch is `passes` passes)."""
    config = {
        "n_train": n_train,
        "n_val": n_val,
        "n_test": n_test,
        "train_range": (0.1, 2.0),
        "test_range": (2.0, 4.0),
    }
    steps = max(1, -(-n_train // batch_size)) * passes
    return log_mse_task(
        name="xy",
        data=functools.partial(_xy_split, **config),
        build=functools.partial(build_regressor, units=(int(hidden), int(hidden)), inputs=2),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        steps_per_execution=steps,
        learning_rates=tuple(learning_rates),
        config={**config, "hidden": hidden},
        record=xy_record,
    )


def _sin_split(seed: int, *, n_train: int, n_val: int, n_test: int) -> Split:
    rng = np.random.default_rng([seed, 23])
    x = rng.uniform(-2 * math.pi, 2 * math.pi, size=(n_train + n_val, 1)).astype("float32")
    x_test = rng.uniform(2 * math.pi, 4 * math.pi, size=(n_test, 1)).astype("float32")
    return Split(
        x[:n_train],
        np.sin(x[:n_train]),
        x[n_train:],
        np.sin(x[n_train:]),
        x_test,
        np.sin(x_test),
        f"sin x: {n_train} train / {n_val} validation points uniform on [−2π, 2π], {n_test} "
        f"test points on [2π, 4π] (extrapolation); drawn by seed {seed}",
    )


def sin_task(
    *,
    n_train: int = 256,
    n_val: int = 128,
    n_test: int = 256,
    hidden: int = 8,
    epochs: int = 5,
    passes: int = 40,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (1e-2,),
) -> Task:
    """sin x: Dense(hidden) → act → Dense(1), Adam, MSE; trained on two periods, [−2π, 2π],
    validated there, tested on [2π, 4π] (extrapolation): one complex unit with α = i computes
    sin x exactly. Score: test MSE on a log10 scale, the mean of the last epochs."""
    config = {"n_train": n_train, "n_val": n_val, "n_test": n_test}
    steps = max(1, -(-n_train // batch_size)) * passes
    return log_mse_task(
        name="sin",
        data=functools.partial(_sin_split, **config),
        build=functools.partial(build_regressor, units=(int(hidden),), inputs=1),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        steps_per_execution=steps,
        learning_rates=tuple(learning_rates),
        config={**config, "hidden": hidden, "train_range": "[−2π, 2π]", "test_range": "[2π, 4π]"},
        record=sin_record,
    )


def tasks(sizes: Mapping[str, Mapping[str, Any]], rates: Mapping[str, Sequence[float]]) -> list:
    """The three tasks with the parameters cell's sizes and learning-rate grids: `xy_task`,
    `sin_task` and `actlab.trials.mnist_mlp` with one hidden layer of 64 (the complex form
    hands twice that width to the classifier)."""
    xy = xy_task(**{**sizes.get("xy", {}), "learning_rates": rates["xy"]})
    sin = sin_task(**{**sizes.get("sin", {}), "learning_rates": rates["sin"]})
    mnist = mnist_mlp(
        **{"units": (64,), **sizes.get("mnist", {}), "learning_rates": rates["mnist"]}
    )
    steps = -(-(mnist.config["n_train"] or 3000) // mnist.batch_size)
    mnist = mnist.replace(name="mnist", record=alpha_record, steps_per_execution=steps)
    return [xy, sin, mnist]


# --------------------------------------------------------------------------- reading a trial


def eval_runs(trial, task: str):
    """The evaluation runs of `task` (pandas), in seed order."""
    runs = trial.runs
    return runs[(runs.stage == "eval") & (runs.task == task)].sort_values(["arm", "seed"])


def test_mse(trial, task: str) -> dict[str, list[float]]:
    """Per arm, each seed's score as an MSE (the mean of the last epochs' test MSE)."""
    return {
        arm: [10**v for v in group["test_score"]]
        for arm, group in eval_runs(trial, task).groupby("arm", sort=False)
    }


def alpha_summary(trial, task: str, arm: str) -> dict[str, Any]:
    """The final α of `arm` on `task` over seeds: every unit's value per weight, and how many
    units ended near ±1 (|α| > 0.9: near the ln/exp pair) or, for the imaginary part, with
    |Im α| > 0.5."""
    runs = eval_runs(trial, task)
    values: dict[str, list[float]] = {}
    for record in runs[runs.arm == arm]["record"]:
        for key, alphas in (record or {}).get("alpha", {}).items():
            values.setdefault(key.split("/", 1)[1], []).extend(alphas)
    out: dict[str, Any] = {"values": values}
    for key, v in values.items():
        v = np.asarray(v)
        limit = 0.5 if "imag" in key else 0.9
        out[key] = {"units": int(v.size), "beyond": int(np.sum(np.abs(v) > limit)), "limit": limit}
    return out


# --------------------------------------------------------------------------- figures


def plot_curves(curves: dict[str, Any]):
    """f(α, x) and ∂f/∂x for each α (two panels)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = np.asarray(curves["x"])
    for key in curves["f"]:
        alpha = float(key)
        # not drawn: α < 0 left of the log branch's domain (clamped there, flat, ∂f/∂x = 0)
        outside = (1 - alpha * (x + alpha) <= 1e-9) if alpha < 0 else np.zeros(x.shape, bool)
        axes[0].plot(x, np.where(outside, np.nan, curves["f"][key]), label=f"α = {key}")
        axes[1].plot(x, np.where(outside, np.nan, curves["dfdx"][key]), label=f"α = {key}")
    axes[0].set(
        title="Soft exponential f(α, x)",
        xlabel="x (input, unitless)",
        ylabel="f(α, x)",
        ylim=(-4, 6),
    )
    axes[1].set(title="Derivative ∂f/∂x", xlabel="x (input, unitless)", ylabel="∂f/∂x", ylim=(0, 6))
    axes[0].legend(loc="upper left")
    fig.text(
        0.5,
        -0.02,
        "α < 0 is drawn only inside the log branch's domain "
        "1 − α(x + α) > 0 (outside it the function is clamped to a constant).",
        ha="center",
        fontsize="small",
    )
    fig.tight_layout()
    return fig


def plot_complex_curves(curves: dict[str, Any]):
    """Re f and Im f for complex α, with sin x for reference."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    x = np.asarray(curves["x"])
    for key in curves["re"]:
        axes[0].plot(x, curves["re"][key], label=f"α = {key}")
        axes[1].plot(x, curves["im"][key], label=f"α = {key}")
    axes[0].plot(x, np.sin(x), "k:", lw=2, label="sin x")
    axes[1].plot(x, 2 - np.cos(x), "k:", lw=2, label="2 − cos x")
    axes[0].set(
        title="Real part Re f(α, x)", xlabel="x (input, unitless)", ylabel="Re f", ylim=(-4, 4)
    )
    axes[1].set(
        title="Imaginary part Im f(α, x)", xlabel="x (input, unitless)", ylabel="Im f", ylim=(-3, 5)
    )
    for ax in axes:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=3, fontsize="small")
    fig.tight_layout()
    return fig


def _first_seed_records(trial, task: str) -> dict[str, dict]:
    runs = eval_runs(trial, task)
    first = runs["seed"].min()
    return {r["arm"]: r["record"] for r in runs[runs.seed == first].to_dict("records")}


def _mse_panel(ax, mse: Mapping[str, Sequence[float]], title: str, extra=None):
    names = list(mse) + ([extra[0]] if extra else [])
    for i, name in enumerate(names):
        values = np.maximum(np.asarray(mse[name] if name in mse else extra[1]), 1e-16)
        ax.bar(i, np.median(values), color=f"C{i}", alpha=0.5)
        ax.scatter(np.full(len(values), i), values, color="k", s=12, zorder=3)
    ax.scatter([], [], color="k", s=12, label="one seed (bars: median)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names)
    ax.set(title=title, ylabel="test MSE (log scale)")
    ax.legend(fontsize="small")


def plot_xy(trial, exact_diagonal: Sequence[float], exact_mse: float):
    """Left: the first seed's trained networks and the hand-built one on the diagonal x = y = t
    (target t²); right: each seed's extrapolation MSE per arm."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.axvspan(0.1, 2.0, color="0.85", zorder=0, label="training range")
    ax.plot(DIAGONAL, DIAGONAL**2, "k:", lw=2, label="target x·y = t²")
    ax.plot(DIAGONAL, exact_diagonal, lw=1, label="hand-built exp(ln x + ln y)")
    for arm, record in _first_seed_records(trial, "xy").items():
        ax.plot(DIAGONAL, record["diagonal"], label=f"trained, {arm} (first seed)")
    ax.set(title="x·y on the diagonal x = y = t", xlabel="t (input, unitless)",
           ylabel="prediction", ylim=(-2, 20))  # fmt: skip
    ax.legend(fontsize="small")
    _mse_panel(
        axes[1], test_mse(trial, "xy"), "Extrapolation on [2, 4]²: test MSE per seed",
        ("hand-built", [exact_mse]),
    )  # fmt: skip
    fig.tight_layout()
    return fig


def plot_sin(trial):
    """Left: the first seed's predictions on [0, 4π] per arm; right: each seed's extrapolation
    MSE per arm."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    ax = axes[0]
    ax.axvspan(0.0, 2 * math.pi, color="0.85", zorder=0, label="training range (from −2π)")
    ax.plot(SIN_GRID, np.sin(SIN_GRID), "k:", lw=2, label="target sin x")
    for arm, record in _first_seed_records(trial, "sin").items():
        ax.plot(SIN_GRID, record["prediction"], label=f"{arm} (first seed)")
    ax.set(title="sin x: fit on [−2π, 2π], extrapolation to [2π, 4π]", xlabel="x (radians)",
           ylabel="prediction", ylim=(-3, 3))  # fmt: skip
    ax.legend(loc="lower left", fontsize="small")
    _mse_panel(axes[1], test_mse(trial, "sin"), "Extrapolation on [2π, 4π]: test MSE per seed")
    fig.tight_layout()
    return fig


def plot_alphas(trial):
    """The final α of every unit (all seeds) of each soft exponential arm, per task."""
    import matplotlib.pyplot as plt

    panels = []
    for task in trial.tasks:
        arms = eval_runs(trial, task)["arm"].unique()
        for arm in arms:
            for key, values in alpha_summary(trial, task, arm)["values"].items():
                panels.append((f"{task}: {arm}\n{key}", values))
    if not panels:
        return None
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(panels)), 3.8))
    rng = np.random.default_rng(0)
    for i, (_, values) in enumerate(panels):
        ax.scatter(i + rng.uniform(-0.2, 0.2, len(values)), values, s=10, alpha=0.6)
    for level in (-1, 0, 1):
        ax.axhline(level, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(range(len(panels)), [p[0] for p in panels], fontsize=8)
    ax.set(title="Final α per unit, every seed (α starts at 0, the identity; ±1 is ln / exp)",
           ylabel="final α")  # fmt: skip
    fig.tight_layout()
    return fig


def plot_regularization(trial, sweep_arms: Sequence[str]):
    """For the soft exponential without and with each α penalty on x·y: the final mean |α|
    per seed and the extrapolation MSE per seed."""
    import matplotlib.pyplot as plt

    names = ["soft exp", *sweep_arms]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    mse = test_mse(trial, "xy")
    for i, name in enumerate(names):
        runs = eval_runs(trial, "xy")
        per_seed = [
            float(np.mean(np.abs(np.concatenate([np.ravel(v) for v in r["alpha"].values()]))))
            for r in runs[runs.arm == name]["record"]
        ]
        axes[0].scatter(np.full(len(per_seed), i), per_seed, s=14, color=f"C{i}")
        axes[0].bar(i, np.mean(per_seed), alpha=0.4, color=f"C{i}")
    axes[0].set_xticks(range(len(names)), names, fontsize=8)
    axes[0].set(title="Final mean |α| per seed (bars: mean)", ylabel="mean |α| over units")
    _mse_panel(axes[1], {n: mse[n] for n in names}, "x·y extrapolation: test MSE per seed")
    axes[1].tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- notebook parameters


def _sizes(name: str, value: Any) -> None:
    if not (isinstance(value, dict) and set(value) <= set(TASK_NAMES)):
        session._fail(name, value, f"a dict of task name ({list(TASK_NAMES)}) to its options")
    try:
        tasks(value, {t: [1e-3] for t in TASK_NAMES})
    except (TypeError, ValueError) as exc:
        session._fail(name, value, f"options the tasks accept ({exc})")


def _rates(name: str, value: Any) -> None:
    if not (
        isinstance(value, dict)
        and set(value) == set(TASK_NAMES)
        and all(
            isinstance(v, list) and v and all(isinstance(r, float) and r > 0 for r in v)
            for v in value.values()
        )
    ):
        session._fail(name, value, f"a dict of each task ({list(TASK_NAMES)}) to a list of rates")


def _sweep(name: str, value: Any) -> None:
    try:
        if not isinstance(value, list):
            raise TypeError("not a list")
        for s in value:
            regularized_arm(s["kind"], s["strength"])
            if not (isinstance(s["strength"], float) and s["strength"] > 0):
                raise ValueError("strength must be a float > 0")
    except (TypeError, ValueError, KeyError) as exc:
        session._fail(name, value, f"a list of {{'kind': 'l1' or 'l2', 'strength': s}} ({exc})")


_between_arms = any_good.declared_between(list(ARMS))


def _declared(name: str, value: Any) -> None:
    _between_arms(name, value)
    for q in value:
        if q.get("task") not in TASK_NAMES:
            session._fail(name, value, f"questions on tasks of {list(TASK_NAMES)}")
        if q.get("kind", "difference") == "difference" and not q.get("smallest_effect"):
            session._fail(name, value, "a smallest_effect for each difference question")


#: Validators of notebook 02's own parameters (the common ones come from `session`).
VALIDATORS = {
    "declared": _declared,
    "task_sizes": _sizes,
    "learning_rates": _rates,
    "sweep": _sweep,
    "exploratory_arms": session.boolean,
    "tune_seeds": session.positive_int,
    "jobs": session.optional_positive_int,
}
