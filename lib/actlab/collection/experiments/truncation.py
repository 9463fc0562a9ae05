"""Notebook 05: a truncation layer after Conv2D; gradient choices and a trainable threshold.

* `user_model`: the user's model (Input 256x256x1 -> Conv2D -> Truncation -> tanh ->
  AveragePooling2D -> BatchNormalization).
* `IMPLEMENTATIONS`: the truncation as the user's sources wrote it (`clip_by_value`, the
  `K.switch` answer, the `stop_gradient` answer), rewritten as plain `keras.ops` functions
  (no `Lambda`), next to `actlab.activations.truncate` and the `actlab.layers.Truncation` layer.
  `forward_table` and `input_gradients` compare their outputs and their dy/dx.
* The trial (`actlab.trials`): `mnist_task` is the user's block on MNIST with a linear
  classifier (`mnist_net`); the arms (`ARM_NAMES`, `arms`) put after the conv no truncation, a
  smooth saturation at the same scale (`SoftClip`, T·tanh(x/T): "a non-linearity here" without
  clipping), a fixed threshold with the clip or the straight-through gradient, and a trainable
  (PACT) threshold without and with L2. Each run records, at its end, the share of saturated
  conv outputs, the share where tanh is nearly linear, and T (`saturation`); `PAIRS` are the
  comparisons, the notebook's declared questions some of them (`questions`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd
from keras import ops

from actlab import autodiff, wording
from actlab.activations.truncation import truncate
from actlab.collection import session
from actlab.collection.experiments import any_good
from actlab.layers.truncation import Truncation
from actlab.trials import Arm, Task, Trial, mnist_cnn

__all__ = [
    "IMPLEMENTATIONS",
    "clip_by_value_truncate",
    "switch_truncate",
    "stop_gradient_truncate",
    "user_model",
    "forward_table",
    "input_gradients",
    "threshold_gradients",
    "gradient_summary",
    "plot_gradients",
    "SoftClip",
    "NEAR_LINEAR",
    "ARM_NAMES",
    "LABELS",
    "PAIRS",
    "arm_target",
    "arms",
    "mnist_net",
    "saturation",
    "record_run",
    "mnist_task",
    "initial_saturation",
    "pairs",
    "roles",
    "run_records",
    "summary_table",
    "plot_thresholds",
    "questions",
    "VALIDATORS",
]


# --------------------------------------------------------------------------- implementations


def clip_by_value_truncate(x, threshold):
    """`tf.clip_by_value(x, -T, T)` (via `keras.ops.clip`, which calls it on TensorFlow)."""
    return ops.clip(x, -threshold, threshold)


def switch_truncate(x, threshold):
    """Answer 2: `K.switch(x > T, T, K.switch(x < -T, -T, x))`, with `keras.ops.where`."""
    t = ops.cast(threshold, x.dtype)
    return ops.where(x > t, t * ops.ones_like(x), ops.where(x < -t, -t * ops.ones_like(x), x))


def stop_gradient_truncate(x, threshold):
    """Answer 1: `x + stop_gradient(clip_by_value(x, -T, T) - x)`, verbatim."""
    return x + ops.stop_gradient(ops.clip(x, -threshold, threshold) - x)


def _layer_fn(gradient: str) -> Callable:
    def fn(x, threshold):
        return Truncation(
            threshold=float(threshold),
            gradient=gradient,
            dtype=keras.backend.standardize_dtype(x.dtype),
        )(x)

    return fn


#: name -> f(x, T). The first is the reference every other one is compared with.
IMPLEMENTATIONS: dict[str, Callable] = {
    "tf.clip_by_value": clip_by_value_truncate,
    "switch (answer 2)": switch_truncate,
    "stop_gradient (answer 1)": stop_gradient_truncate,
    "lib truncate, clip": lambda x, t: truncate(x, t, "clip"),
    "lib truncate, straight_through": lambda x, t: truncate(x, t, "straight_through"),
    "lib Truncation layer, clip": _layer_fn("clip"),
    "lib Truncation layer, straight_through": _layer_fn("straight_through"),
}


def user_model(
    threshold: float = 1.0,
    gradient: str = "clip",
    trainable_threshold: bool = False,
    input_shape: tuple[int, int, int] = (256, 256, 1),
) -> keras.Model:
    """Input(256,256,1) -> Conv2D(8, 5x5, same, stride 1, no bias) -> Truncation -> tanh
    -> AveragePooling2D(5, strides 2) -> BatchNormalization, exactly as the user described."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = keras.layers.Conv2D(8, (5, 5), strides=1, padding="same", use_bias=False, name="conv")(
        inputs
    )
    x = Truncation(
        threshold=threshold,
        gradient=gradient,
        trainable_threshold=trainable_threshold,
        name="truncation",
    )(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool")(x)
    outputs = keras.layers.BatchNormalization(name="batch_norm")(x)
    return keras.Model(inputs, outputs, name="user_model")


def forward_table(x: np.ndarray, threshold: float) -> pd.DataFrame:
    """Each implementation's output on `x` against `tf.clip_by_value`'s: elements that differ
    (bitwise) and the largest absolute difference."""
    xt = ops.convert_to_tensor(x)
    names = list(IMPLEMENTATIONS)
    reference = np.asarray(IMPLEMENTATIONS[names[0]](xt, threshold))
    rows = []
    for name in names:
        y = np.asarray(IMPLEMENTATIONS[name](xt, threshold))
        with np.errstate(invalid="ignore"):
            diff = np.abs(y.astype("float64") - reference.astype("float64"))
        rows.append(
            {
                "implementation": name,
                "elements": y.size,
                "differing elements": int(
                    np.sum(~((y == reference) | (np.isnan(y) & np.isnan(reference))))
                ),
                "max |difference|": float(np.nanmax(diff))
                if np.isfinite(diff).any()
                else float("nan"),
                "identical": bool(np.array_equal(y, reference, equal_nan=True)),
            }
        )
    return pd.DataFrame(rows)


def input_gradients(
    threshold: float, n: int = 601, dtype: str = "float32"
) -> tuple[np.ndarray, dict]:
    """dy/dx of every implementation on a grid over [-3T, 3T] that contains -T, 0 and T exactly.

    Returns `(x, {name: dy/dx})`."""
    x = np.linspace(-3 * threshold, 3 * threshold, n).astype(dtype)
    x[np.argmin(np.abs(x + threshold))] = -threshold
    x[np.argmin(np.abs(x - threshold))] = threshold
    x[np.argmin(np.abs(x))] = 0.0
    grads = {}
    for name, fn in IMPLEMENTATIONS.items():
        grads[name] = autodiff.elementwise_grad(lambda t, fn=fn: fn(t, threshold), x)
    return x, grads


def threshold_gradients(x: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """dy_i/dT for each element `x_i` (the PACT gradient), for both modes of `truncate`."""
    x = np.asarray(x)
    out = {}
    for gradient in ("clip", "straight_through"):
        # y_i depends on T only through its own element: with one T per element (broadcast
        # from the scalar), the gradient of sum(y) with respect to that T vector is dy_i/dT.
        t = np.full(x.shape, threshold, dtype=x.dtype)
        out[gradient] = autodiff.vjp(lambda xt, tt, g=gradient: truncate(xt, tt, g), [x, t])[1][1]
    return out


# --------------------------------------------------------------------------- the smooth baseline


def _near_linear_limit(tolerance: float = 0.02) -> float:
    """The x where tanh(x) = (1 − tolerance)·x: below it tanh is within `tolerance` of linear."""
    lo, hi = 1e-6, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.tanh(mid) / mid > 1 - tolerance else (lo, mid)
    return 0.5 * (lo + hi)


#: |x| below this: tanh(x) is within 2 % of x (tanh(x) ≥ 0.98·x), i.e. tanh is nearly linear.
NEAR_LINEAR = _near_linear_limit()


@keras.saving.register_keras_serializable(package="actlab.collection.experiments")
class SoftClip(keras.layers.Layer):
    """A smooth saturation at the truncation's scale, the baseline that separates "a
    non-linearity here" from "clipping": ``T·tanh(x/T)`` (slope 1 at 0, tends to ±T, no kink).

    Args:
        threshold: T, a positive number (fixed, not trained).
    """

    def __init__(self, threshold: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not np.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(
                f"`threshold` must be a positive number. Received: threshold={threshold!r}"
            )
        self.threshold = float(threshold)

    def call(self, inputs):
        return self.threshold * ops.tanh(inputs / self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


# --------------------------------------------------------------------------- the MNIST trial

#: The trial's arms, by name: what follows the conv layer (before tanh) and how it is built.
ARM_NAMES = ("no truncation", "smooth", "clip", "straight-through", "PACT", "PACT + L2")
#: Longer labels for figures and tables.
LABELS = {
    "no truncation": "no truncation",
    "smooth": "smooth T·tanh(x/T), no clip",
    "clip": "fixed T, clip gradient",
    "straight-through": "fixed T, straight-through",
    "PACT": "trainable T (PACT)",
    "PACT + L2": "trainable T (PACT) + L2",
}
#: Every comparison the notebook makes (candidate − baseline); the declared questions are some of
#: them, the others are exploratory. The smooth baseline separates "a saturating non-linearity
#: here" (smooth − no truncation) from "clipping" (clip − smooth).
PAIRS = (
    ("smooth", "no truncation"),
    ("clip", "smooth"),
    ("straight-through", "clip"),
    ("clip", "no truncation"),
    ("PACT", "clip"),
    ("PACT + L2", "PACT"),
)


def arm_target(name: str, threshold: float, threshold_l2: float = 0.1) -> str:
    """The activation target (`actlab.checkup.resolve_target` form) of the arm `name` at
    threshold T = `threshold` (the initial T of the trainable ones; `threshold_l2`: the L2
    factor on T of ``"PACT + L2"``)."""
    if name not in ARM_NAMES:
        raise ValueError(f"`name` must be one of {list(ARM_NAMES)}. Received: name={name!r}")
    t = float(threshold)
    layer = f"actlab.layers:Truncation(threshold={t!r}"
    return {
        "no truncation": "linear",
        "smooth": f"{__name__}:SoftClip(threshold={t!r})",
        "clip": f"{layer}, gradient='clip')",
        "straight-through": f"{layer}, gradient='straight_through')",
        "PACT": f"{layer}, gradient='clip', trainable_threshold=True)",
        "PACT + L2": (
            f"{layer}, gradient='clip', trainable_threshold=True, threshold_regularizer="
            f"{{'class_name': 'L2', 'config': {{'l2': {float(threshold_l2)!r}}}}})"
        ),
    }[name]


def arms(
    names: Sequence[str],
    threshold: float,
    threshold_l2: float = 0.1,
    learning_rates: Mapping[str, float] | None = None,
) -> list[Arm]:
    """`actlab.trials.Arm`s of `names` (out of `ARM_NAMES`), in that order. `learning_rates`:
    None (each arm's learning rate is chosen on validation from the trial's grid), or one
    learning rate per arm, chosen beforehand on validation (a pilot's choice; no tuning runs)."""
    rates = dict(learning_rates or {})
    return [
        Arm(
            n,
            arm_target(n, threshold, threshold_l2),
            train={"learning_rates": [float(rates[n])]} if n in rates else {},
        )
        for n in names
    ]


def mnist_net(activation, init=None, filters: int = 8) -> keras.Model:
    """The user's block on 28×28 MNIST plus a linear classifier, the trial's model:
    Conv2D(filters, 5×5, same, no bias) → `activation()` (the arm's truncation) → tanh →
    AveragePooling2D(5, 2) → BatchNormalization → Flatten → Dense(10, softmax). `init(i)` gives
    the conv (0) and classifier (1) kernel initializers (`actlab.trials.Init`: the same draw in
    every arm of a seed); None: Keras's defaults. Uncompiled."""
    kernel = init if init is not None else (lambda i: "glorot_uniform")
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = keras.layers.Conv2D(
        int(filters), 5, padding="same", use_bias=False, kernel_initializer=kernel(0), name="conv"
    )(inputs)
    x = activation()(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=5, strides=2, name="avg_pool")(x)
    x = keras.layers.BatchNormalization(name="batch_norm")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(
        10, activation="softmax", kernel_initializer=kernel(1), name="classifier"
    )(x)
    return keras.Model(inputs, outputs, name="mnist_truncation")


def _threshold_of(layer, nominal: float) -> float:
    """T of the layer after the conv: a `Truncation`'s (mean over channels), a `SoftClip`'s, or
    `nominal` for a layer without one."""
    t = getattr(layer, "threshold", None)
    return float(np.mean(np.asarray(t))) if t is not None else float(nominal)


def saturation(model: keras.Model, probe: np.ndarray, nominal: float) -> dict[str, float]:
    """On the images `probe`: the share of conv outputs with |x| > T (the layer after the conv
    decides T; `nominal` where it has none), the share with |x| < `NEAR_LINEAR` (tanh within
    2 % of linear there) and T."""
    pre = np.asarray(model.get_layer("conv")(probe))
    layer = model.layers[model.layers.index(model.get_layer("conv")) + 1]
    t = _threshold_of(layer, nominal)
    return {
        "saturated": float(np.mean(np.abs(pre) > t)),
        "near_linear": float(np.mean(np.abs(pre) < NEAR_LINEAR)),
        "threshold": t,
    }


def record_run(model: keras.Model, split, nominal: float, probe_size: int = 256) -> dict:
    """A trial run's record (`Task.record`): `saturation` at the end of training on the first
    `probe_size` test images of its split."""
    return saturation(model, split.x_test[:probe_size], nominal)


def mnist_task(
    *,
    threshold: float,
    filters: int = 8,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 1000,
    n_test: int | None = None,
    epochs: int = 8,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-3, 3e-3),
) -> Task:
    """The trial's task: `mnist_net` on MNIST images in [0, 1] (`actlab.trials.mnist_cnn`'s
    data: a new split per seed, `n_val` validation images carved from the training data),
    Adam, test accuracy in points over the last `last` epochs; each run records `saturation`
    with `threshold` as the nominal T."""
    base = mnist_cnn(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=learning_rates,
    )
    config = {k: v for k, v in base.config.items() if k != "filters"}
    return base.replace(
        name="mnist",
        build=functools.partial(mnist_net, filters=int(filters)),
        record=functools.partial(record_run, nominal=float(threshold)),
        config={**config, "filters": int(filters), "nominal_threshold": float(threshold)},
    )


def initial_saturation(task: Task, seed: int, threshold: float) -> dict[str, float]:
    """`saturation` before training, for seed `seed`: the conv's initial weights are the same in
    every arm of a seed (`actlab.trials.Init`), so this holds for all of them."""
    from actlab.trials import Init

    session.seed_everything(seed)
    split = task.data(seed)
    model = task.build(lambda: keras.layers.Identity(), Init(seed))
    return saturation(model, split.x_test[:256], threshold)


def pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    """The `PAIRS` whose two arms are both in `names`."""
    return [(a, b) for a, b in PAIRS if a in names and b in names]


def roles(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(candidates, baselines)`` for `run_trial`: an arm that is a pair's candidate anywhere
    is a candidate (it goes through the checkup), the others are baselines."""
    left = {a for a, _ in pairs(names)}
    return [n for n in names if n in left], [n for n in names if n not in left]


def run_records(trial: Trial) -> pd.DataFrame:
    """One row per evaluation run: arm, seed, score and its `saturation` record at the end."""
    runs = trial.runs[trial.runs.stage == "eval"]
    rows = []
    for r in runs.itertuples():
        rec = r.record if isinstance(r.record, dict) else {}
        rows.append({"arm": r.arm, "seed": r.seed, "test_score": r.test_score, **rec})
    return pd.DataFrame(rows)


def summary_table(trial: Trial, start: Mapping[str, float]) -> pd.DataFrame:
    """Per arm, for people: the learning rate chosen, the score (mean ± std over seeds), the
    share of saturated conv outputs before (`start`, from `initial_saturation`) and after
    training, the share where tanh is nearly linear, T at the end, the seeds."""
    from actlab.collection.tables import for_people

    table = any_good.arm_table(trial).droplevel("task")
    runs = run_records(trial)
    rows = []
    for arm, row in table.iterrows():
        mine = runs[runs.arm == arm]
        rows.append(
            {
                "arm": LABELS.get(arm, arm),
                "learning rate (chosen)": f"{row.learning_rate:g}",
                "test accuracy (%)": wording.format_mean_std(row.score_values, decimals=2),
                "|x| > T, start → end": (
                    f"{100 * start['saturated']:.1f} % → {100 * mine['saturated'].mean():.1f} %"
                ),
                "tanh nearly linear (end)": f"{100 * mine['near_linear'].mean():.1f} %",
                "T at the end": wording.format_mean_std(mine["threshold"].to_numpy(), decimals=3),
                "seeds": int(row.n_seeds),
            }
        )
    return for_people(
        pd.DataFrame(rows),
        caption=(
            "Each arm over the evaluation seeds (mean ± std); conv outputs on 256 test images of "
            "each seed's split, 'start' on the first seed's initial weights"
        ),
    )


def plot_thresholds(trial: Trial, threshold: float):
    """T at the end of every evaluation run of the trainable arms (one dot per seed), against
    the initial T."""
    import matplotlib.pyplot as plt

    runs = run_records(trial)
    trainable = [a for a in ("PACT", "PACT + L2") if a in set(runs.arm)]
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    ax.axhline(threshold, color="0.5", ls=":", label=f"initial T = {threshold:g}")
    for i, arm in enumerate(trainable):
        values = runs.loc[runs.arm == arm, "threshold"].to_numpy()
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        ax.plot(i + jitter, values, "o", color=f"C{i + 4}", label=LABELS[arm])
    ax.set_xticks(range(len(trainable)), [LABELS[a] for a in trainable])
    ax.set(
        ylabel="threshold T at the end (input units)",
        title="Trainable threshold after training (one dot per seed)",
        xlim=(-0.5, max(0.5, len(trainable) - 0.5)),
    )
    ax.legend(fontsize=8)
    return fig


def questions(declared: Sequence[Mapping[str, Any]], smallest_effect: float) -> list:
    """The declared questions, then every other pair of `PAIRS` as an exploratory difference
    (its own Holm family; `run_trial` makes only the pairs it is given)."""
    from actlab.trials import Question

    asked = any_good.questions(declared, smallest_effect)
    named = {(q["candidate"], q["baseline"]) for q in declared}
    return asked + [
        Question(candidate=a, baseline=b, exploratory=True) for a, b in PAIRS if (a, b) not in named
    ]


def _arm_names(name: str, value: Any) -> None:
    any_good.distinct_arms(ARM_NAMES)(name, value)
    if not pairs(value):
        session._fail(name, value, f"arms that make at least one of the pairs {list(PAIRS)}")


def _arm_learning_rates(name: str, value: Any) -> None:
    if value is None:
        return
    if not (
        isinstance(value, dict)
        and set(value) <= set(ARM_NAMES)
        and all(isinstance(v, float) and v > 0 for v in value.values())
    ):
        session._fail(
            name, value, f"None or a dict of arm name ({list(ARM_NAMES)}) to a learning rate"
        )


VALIDATORS = {
    "arm_names": _arm_names,
    "arm_learning_rates": _arm_learning_rates,
    "n_val": session.positive_int,
    "threshold": session.positive_float,
    "threshold_l2": session.positive_float,
    "learning_rates": any_good.VALIDATORS["learning_rates"],
    "tune_seeds": session.positive_int,
    "last": session.positive_int,
    "smallest_effect": session.positive_float,
    "filters": session.positive_int,
    "compare_threshold": session.positive_float,
    "compare_size": session.positive_int,
    "user_threshold": session.positive_float,
    "user_batch": session.positive_int,
    "declared": any_good.declared_between(ARM_NAMES),
    "jobs": session.optional_positive_int,
}


def gradient_summary(x: np.ndarray, grads: dict[str, np.ndarray], threshold: float) -> pd.DataFrame:
    """Per implementation: dy/dx strictly inside, strictly outside, and exactly at -T and +T
    (inside/outside as the set of values the gradient takes there)."""
    inside, outside = np.abs(x) < threshold, np.abs(x) > threshold
    at_minus, at_plus = np.flatnonzero(x == -threshold), np.flatnonzero(x == threshold)
    rows = []
    for name, g in grads.items():
        rows.append(
            {
                "implementation": name,
                "dy/dx inside": sorted(set(np.unique(g[inside]).tolist())),
                "dy/dx outside": sorted(set(np.unique(g[outside]).tolist())),
                "dy/dx at -T": float(g[at_minus[0]]),
                "dy/dx at +T": float(g[at_plus[0]]),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figures


def plot_gradients(
    x: np.ndarray, grads: dict[str, np.ndarray], t_grads: dict[str, np.ndarray], threshold: float
):
    """One figure: dy/dx of every implementation over [-3T, 3T], plus dy/dT of lib's two modes."""
    import matplotlib.pyplot as plt

    panels = list(grads.items()) + [("lib truncate: dy/dT (both modes)", None)]
    ncols = 4
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.4 * ncols, 2.7 * nrows),
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    on_edge = np.abs(np.abs(x) - threshold) == 0

    def broken(values):  # no vertical segments at jumps: the gradient never takes values in between
        cut = np.flatnonzero(np.diff(values) != 0) + 1
        return np.insert(x.astype(float), cut, np.nan), np.insert(values.astype(float), cut, np.nan)

    for i, (ax, (name, g)) in enumerate(zip(axes.flat, panels, strict=False)):
        for edge in (-threshold, threshold):
            ax.axvline(edge, color="0.6", lw=0.8, ls=":")
        if g is None:
            for (mode, tg), style in zip(t_grads.items(), ("-", "--"), strict=True):
                (line,) = ax.plot(*broken(tg), ls=style, lw=1.8, label=f"{mode} mode")
                ax.plot(x[on_edge], tg[on_edge], "o", ms=5, color=line.get_color())
            ax.legend(fontsize=7, loc="upper left")
            ax.set_ylabel("dy/dT")
        else:
            ax.plot(*broken(g), lw=1.8)
            ax.plot(x[on_edge], g[on_edge], "o", ms=5, color="C3", label="value at x = ±T")
            if i % ncols == 0:
                ax.set_ylabel("dy/dx")
        ax.set_title(name, fontsize=9)
        if i >= len(panels) - ncols:
            ax.set_xlabel(f"x (input; T = {threshold:g})")
    for ax in list(axes.flat)[len(panels) :]:
        ax.remove()
    axes.flat[0].legend(fontsize=7, loc="lower center")
    fig.suptitle(
        "Gradient of each truncation implementation over x in [-3T, 3T] "
        "(dotted lines: x = ±T; dots: the value exactly at ±T)",
        fontweight="bold",
    )
    return fig
