"""Experiments of notebook 02 (soft exponential): curve families, the x·y extrapolation task,
sinusoid regression with the complex form, a regularization sweep, and an MNIST comparison.

Every training function loops over seeds itself (`session.seed_everything(seed)` before each
model) and returns plain dicts/lists of numbers, ready for `results.json`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from actlab.activations.softexp import complex_soft_exponential, soft_exponential
from actlab.collection import session
from actlab.layers.softexp import ClipAlpha, ComplexSoftExponential, SoftExponential

__all__ = [
    "curve_family",
    "complex_curves",
    "product_data",
    "exact_product_model",
    "build_product_model",
    "AlphaHistory",
    "run_product_experiment",
    "sinusoid_data",
    "build_sinusoid_model",
    "run_sinusoid_experiment",
    "REGULARIZERS",
    "make_regularizer",
    "run_regularization_sweep",
    "build_mnist_model",
    "run_mnist_comparison",
    "mean_std",
    "count_params",
    "compare_mse",
    "compare_accuracy",
    "mse_text",
    "MSE_FLOOR",
    "plot_curves",
    "plot_complex_curves",
    "plot_product",
    "plot_alpha_trajectories",
    "plot_sinusoid",
    "plot_regularization",
    "plot_mnist",
    "summary",
    "VALIDATORS",
]


# --------------------------------------------------------------------------- helpers


def mean_std(values: Sequence[float]) -> dict[str, float]:
    """Mean, median and standard deviation over seeds (`session.seed_std`), plus the per-seed
    values (in the order of the seeds, which pairs them across models)."""
    arr = np.asarray(values, dtype="float64")
    return {
        "mean": float(arr.mean()),
        "median": float(np.median(arr)),
        "std": session.seed_std(arr),
        "values": arr.tolist(),
    }


#: MSEs below this are treated as this before taking log10 (an exact fit would give log10(0)).
MSE_FLOOR = 1e-30


def compare_mse(
    a: dict[str, Any],
    b: dict[str, Any],
    question: str,
    headline: bool = False,
    names: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Heavy-tailed MSEs compared on a log scale: `actlab.stats.compare_paired` on the per-seed
    log10 MSEs of `a` and `b` (`mean_std` dicts of the same seeds), as a verdict record whose
    sentence gives the ratio of geometric means with its interval ("×3.2 (95 % CI ×0.41 to ×25,
    3 paired seeds): no clear difference"; verdict "a higher" means a larger error for `a`, which
    the sentence says with `names`: "ReLU has the higher MSE")."""
    from actlab import stats

    la = np.log10(np.maximum(np.asarray(a["values"], dtype="float64"), MSE_FLOOR))
    lb = np.log10(np.maximum(np.asarray(b["values"], dtype="float64"), MSE_FLOOR))
    return stats.verdict_record(
        stats.compare_paired(la, lb),
        question,
        unit="decades",
        log10=True,
        headline=headline,
        names=names,
        higher="has the higher MSE",
    )


def compare_accuracy(
    a: dict[str, Any],
    b: dict[str, Any],
    question: str,
    headline: bool = False,
    names: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Test accuracies (`mean_std` dicts of fractions, same seeds) compared in percentage points,
    paired by seed: a `actlab.stats.verdict_record`."""
    from actlab import stats

    result = stats.compare_paired(100 * np.asarray(a["values"]), 100 * np.asarray(b["values"]))
    return stats.verdict_record(result, question, headline=headline, names=names)


def mse_text(stats_: dict[str, Any], digits: int = 3) -> str:
    """Per-seed MSEs and their median, e.g. "median 13.6 (seeds: 9.8, 13.6, 2.1e+04)", or
    "1.2e+03 (1 seed)"."""
    values = stats_["values"]
    if len(values) == 1:
        return f"{values[0]:.{digits}g} (1 seed)"
    return (
        f"median {stats_['median']:.{digits}g} (seeds: "
        + ", ".join(f"{v:.{digits}g}" for v in values)
        + ")"
    )


def count_params(model: keras.Model) -> dict[str, int]:
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    total = int(sum(np.prod(w.shape) for w in model.weights))
    return {"trainable": trainable, "total": total}


def _alpha_weights(model: keras.Model) -> dict[str, keras.Variable]:
    """`{"<layer>/<weight>": variable}` for every soft exponential α in the model."""
    out = {}
    for layer in model.layers:
        if isinstance(layer, (SoftExponential, ComplexSoftExponential)):
            for w in layer.weights:
                out[f"{layer.name}/{w.name}"] = w
    return out


class AlphaHistory(keras.callbacks.Callback):
    """Records every soft exponential α (flattened) before training and after each epoch."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[list[float]]] = {}

    def _record(self):
        for key, w in _alpha_weights(self.model).items():
            self.history.setdefault(key, []).append(np.asarray(w).ravel().tolist())

    def on_train_begin(self, logs=None):
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()


# --------------------------------------------------------------------------- curves


def curve_family(alphas: Sequence[float], x: np.ndarray) -> dict[str, Any]:
    """f(α, x), ∂f/∂x and ∂f/∂α (float64 autodiff) for each α."""
    xt = tf.constant(np.asarray(x, dtype="float64"))
    out = {"x": np.asarray(x).tolist(), "f": {}, "dfdx": {}, "dfdalpha": {}}
    for alpha in alphas:
        at = tf.constant(float(alpha), dtype="float64")
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([xt, at])
            y = soft_exponential(xt, at * tf.ones_like(xt))
        key = f"{alpha:g}"
        out["f"][key] = y.numpy().tolist()
        out["dfdx"][key] = tape.gradient(y, xt).numpy().tolist()
        out["dfdalpha"][key] = tape.gradient(y, at).numpy().tolist()  # summed: only for checks
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


# --------------------------------------------------------------------------- x·y task


def product_data(n: int, low: float, high: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` pairs (x, y) uniform in [low, high]², target x·y (float32)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(low, high, size=(n, 2)).astype("float32")
    return xy, (xy[:, :1] * xy[:, 1:]).astype("float32")


def exact_product_model() -> keras.Model:
    """The paper's hand-built network: exp(ln x + ln y) with α = −1 then α = 1 (frozen)."""
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


def _act(kind: str, regularizer=None, name=None) -> keras.layers.Layer:
    if kind == "softexp":
        return SoftExponential(
            alpha_regularizer=regularizer, alpha_constraint=ClipAlpha(-1, 1), name=name
        )
    if kind == "complex":
        return ComplexSoftExponential(
            alpha_real_regularizer=regularizer,
            alpha_imag_regularizer=regularizer,
            alpha_real_constraint=ClipAlpha(-1, 1),
            name=name,
        )
    if kind == "relu":
        return keras.layers.ReLU(name=name)
    raise ValueError(f"`kind` must be 'softexp', 'complex' or 'relu'. Received: kind={kind!r}")


def build_product_model(kind: str, hidden: int = 4, regularizer=None) -> keras.Model:
    """Input(2) → Dense(hidden) → act → Dense(hidden) → act → Dense(1).

    `kind` is "softexp" (α per unit, init 0, clamped to [−1, 1] by this collection's choice,
    optional `regularizer` on α)
    or "relu".
    """
    inputs = keras.Input((2,))
    h = keras.layers.Dense(hidden, name="dense_1")(inputs)
    h = _act(kind, regularizer, name="act_1")(h)
    h = keras.layers.Dense(hidden, name="dense_2")(h)
    h = _act(kind, regularizer, name="act_2")(h)
    out = keras.layers.Dense(1, name="out")(h)
    return keras.Model(inputs, out, name=f"product_{kind}")


def _fit_and_score(
    model, train, inside, outside, epochs, batch_size, learning_rate, seed, key, jit_compile
):
    """Train one seeded model and score it in range and on the extrapolation range."""
    start = time.time()
    model, hist, alphas = _fit(
        model,
        *train,
        epochs,
        batch_size,
        learning_rate,
        seed=seed,
        key=key,
        jit_compile=jit_compile,
    )
    return model, {
        "seconds": time.time() - start,
        "mse_in_range": _mse(model, *inside),
        "mse_extrapolation": _mse(model, *outside),
        "final_loss": hist["loss"][-1],
        "loss_history": hist["loss"],
        "alpha_history": alphas,
        "alpha_final": {k: v[-1] for k, v in alphas.items()},
    }


def _predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model(x, training=False), dtype="float64")


def _mse(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    pred = _predict(model, x)
    value = float(np.mean((pred - y) ** 2))
    return value if math.isfinite(value) else float("inf")


class _Trainer:
    """Adam on shuffled mini-batches (remainder dropped), one XLA-compiled call per epoch.

    A lean replacement for `model.fit`, whose per-epoch overhead dominates these tiny models.
    The objective is the mean loss plus `model.losses` (the α regularizers); the optimizer
    applies the weights' constraints after each step. Compiling costs seconds, so a trainer is
    cached per architecture (`key`) and reused across seeds: each run copies the freshly
    initialized weights of that seed's model in and resets the optimizer.
    """

    def __init__(self, model, loss, learning_rate, steps, jit_compile):
        self.model = model
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(model.trainable_variables)
        # initial optimizer state (iterations, moments, and the learning-rate variable)
        self._optimizer_init = [np.array(v.numpy()) for v in self.optimizer.variables]
        loss_fn = keras.losses.get(loss)
        variables = model.trainable_variables
        optimizer = self.optimizer

        @tf.function(jit_compile=jit_compile)
        def run_epoch(xb, yb):
            total = tf.constant(0.0)
            for i in tf.range(steps):
                with tf.GradientTape() as tape:
                    data_loss = tf.reduce_mean(loss_fn(yb[i], model(xb[i], training=True)))
                    objective = data_loss + (tf.add_n(model.losses) if model.losses else 0.0)
                grads = tape.gradient(objective, variables)
                optimizer.apply_gradients(zip(grads, variables, strict=True))
                total += data_loss
            return total / steps

        self.run_epoch = run_epoch

    def reset(self, fresh: keras.Model) -> None:
        self.model.set_weights(fresh.get_weights())
        for v, init in zip(self.optimizer.variables, self._optimizer_init, strict=True):
            v.assign(init)


_TRAINERS: dict[tuple, _Trainer] = {}


def _fit(
    model, x, y, epochs, batch_size, learning_rate, loss="mse", seed=0, key=None, jit_compile=True
):
    """Train `model` (or, with `key`, the cached trainer's copy of that architecture, set to
    `model`'s initial weights). Returns `(trained model, {"loss": [...]}, alpha history)`."""
    steps = max(1, len(x) // batch_size)
    full_key = (
        None
        if key is None
        else (key, loss, learning_rate, steps, batch_size, x.shape[1:], y.shape[1:], jit_compile)
    )
    trainer = _TRAINERS.get(full_key) if full_key is not None else None
    if trainer is None:
        trainer = _Trainer(model, loss, learning_rate, steps, jit_compile)
        if full_key is not None:
            _TRAINERS[full_key] = trainer
    else:
        trainer.reset(model)
    rng = np.random.default_rng(seed)
    alphas = AlphaHistory()
    alphas.set_model(trainer.model)
    alphas.on_train_begin()
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))[: steps * batch_size]
        xb = x[order].reshape(steps, batch_size, *x.shape[1:])
        yb = y[order].reshape(steps, batch_size, *y.shape[1:])
        history.append(float(trainer.run_epoch(xb, yb)))
        alphas.on_epoch_end(epoch)
    return trainer.model, {"loss": history}, alphas.history


def run_product_experiment(
    seeds: Sequence[int],
    kinds: Sequence[str] = ("softexp", "relu"),
    n_train: int = 1000,
    n_test: int = 1000,
    train_range: tuple[float, float] = (0.1, 2.0),
    extrap_range: tuple[float, float] = (2.0, 4.0),
    hidden: int = 4,
    epochs: int = 200,
    batch_size: int = 50,
    learning_rate: float = 1e-2,
    jit_compile: bool = True,
) -> dict[str, Any]:
    """Train each `kind` on x·y over `train_range`², test inside it and on `extrap_range`².

    Returns per kind: test MSE in range and in extrapolation (mean ± std over seeds), the
    parameter count, the final α per unit and their per-epoch trajectories (softexp only), the
    first seed's predictions on the diagonal x = y = t (target t²), and the hand-built exact
    network's errors and diagonal.
    """
    diag = np.linspace(train_range[0], extrap_range[1], 200).astype("float32")
    results: dict[str, Any] = {
        "train_range": list(train_range),
        "extrap_range": list(extrap_range),
        "models": {},
        "diagonal": diag.tolist(),
    }
    exact = exact_product_model()
    results["exact_diagonal_prediction"] = (
        _predict(exact, np.repeat(diag[:, None], 2, axis=1)).ravel().tolist()
    )
    for seed in seeds:
        x_in, y_in = product_data(n_test, *train_range, seed=10_000 + seed)
        x_ex, y_ex = product_data(n_test, *extrap_range, seed=20_000 + seed)
        results.setdefault("exact", {"mse_in_range": [], "mse_extrapolation": []})
        results["exact"]["mse_in_range"].append(_mse(exact, x_in, y_in))
        results["exact"]["mse_extrapolation"].append(_mse(exact, x_ex, y_ex))
    for kind in kinds:
        per_seed: dict[str, list] = {
            "mse_in_range": [],
            "mse_extrapolation": [],
            "final_loss": [],
            "alpha_final": [],
            "alpha_history": [],
            "loss_history": [],
            "seconds": [],
        }
        diagonal = None
        for seed in seeds:
            x_tr, y_tr = product_data(n_train, *train_range, seed=seed)
            x_in, y_in = product_data(n_test, *train_range, seed=10_000 + seed)
            x_ex, y_ex = product_data(n_test, *extrap_range, seed=20_000 + seed)
            session.seed_everything(seed)
            model, record = _fit_and_score(
                build_product_model(kind, hidden),
                (x_tr, y_tr),
                (x_in, y_in),
                (x_ex, y_ex),
                epochs,
                batch_size,
                learning_rate,
                seed,
                ("product", kind, hidden),
                jit_compile,
            )
            for key in per_seed:
                per_seed[key].append(record[key])
            if diagonal is None:
                diagonal = _predict(model, np.repeat(diag[:, None], 2, axis=1)).ravel().tolist()
        results["models"][kind] = {
            "params": count_params(model),
            "diagonal_prediction_first_seed": diagonal,
            "mse_in_range": mean_std(per_seed["mse_in_range"]),
            "mse_extrapolation": mean_std(per_seed["mse_extrapolation"]),
            **{
                k: per_seed[k]
                for k in ("final_loss", "alpha_final", "alpha_history", "loss_history", "seconds")
            },
        }
    results["exact"] = {k: mean_std(v) for k, v in results["exact"].items()}
    return results


# --------------------------------------------------------------------------- sinusoids


def sinusoid_data(
    n: int, low: float, high: float, seed: int, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """`n` points x uniform in [low, high], target sin(x) (+ Gaussian noise), float32."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=(n, 1))
    y = np.sin(x) + noise * rng.normal(size=x.shape)
    return x.astype("float32"), y.astype("float32")


def build_sinusoid_model(kind: str, hidden: int = 8, alpha_imag_init: float = 0.0) -> keras.Model:
    """Input(1) → Dense(hidden) → act → Dense(1).

    "complex" uses `ComplexSoftExponential` (2·hidden features into the head; Im α initialized
    uniform in ±`alpha_imag_init`, zeros if 0), "softexp" the real form, "relu" a ReLU.
    """
    inputs = keras.Input((1,))
    h = keras.layers.Dense(hidden, name="dense_1")(inputs)
    if kind == "complex" and alpha_imag_init > 0:
        act = ComplexSoftExponential(
            alpha_imag_initializer=keras.initializers.RandomUniform(
                -alpha_imag_init, alpha_imag_init
            ),
            alpha_real_constraint=ClipAlpha(-1, 1),
            name="act_1",
        )
    else:
        act = _act(kind, name="act_1")
    h = act(h)
    out = keras.layers.Dense(1, name="out")(h)
    return keras.Model(inputs, out, name=f"sinusoid_{kind}")


def run_sinusoid_experiment(
    seeds: Sequence[int],
    kinds: Sequence[str] = ("complex", "softexp", "relu"),
    hidden: dict[str, int] | int = 8,
    n_train: int = 512,
    n_test: int = 1000,
    train_range: tuple[float, float] = (-2 * math.pi, 2 * math.pi),
    extrap_range: tuple[float, float] = (2 * math.pi, 4 * math.pi),
    epochs: int = 200,
    batch_size: int = 32,
    learning_rate: float = 1e-2,
    alpha_imag_init: float = 0.0,
    noise: float = 0.0,
    n_grid: int = 400,
    jit_compile: bool = True,
) -> dict[str, Any]:
    """Regress sin(x) on `train_range`; test inside and on `extrap_range`.

    Returns per kind: MSEs (mean ± std over seeds), parameter count, α trajectories and the
    first seed's predictions on a grid spanning both ranges (for the figure).
    """
    grid = np.linspace(train_range[0], extrap_range[1], n_grid).astype("float32")[:, None]
    results: dict[str, Any] = {
        "train_range": list(train_range),
        "extrap_range": list(extrap_range),
        "grid": grid.ravel().tolist(),
        "models": {},
    }
    for kind in kinds:
        width = hidden[kind] if isinstance(hidden, dict) else hidden
        per_seed: dict[str, list] = {
            "mse_in_range": [],
            "mse_extrapolation": [],
            "alpha_history": [],
            "loss_history": [],
            "seconds": [],
        }
        prediction = None
        for seed in seeds:
            x_tr, y_tr = sinusoid_data(n_train, *train_range, seed=seed, noise=noise)
            x_in, y_in = sinusoid_data(n_test, *train_range, seed=10_000 + seed)
            x_ex, y_ex = sinusoid_data(n_test, *extrap_range, seed=20_000 + seed)
            session.seed_everything(seed)
            model, record = _fit_and_score(
                build_sinusoid_model(kind, width, alpha_imag_init),
                (x_tr, y_tr),
                (x_in, y_in),
                (x_ex, y_ex),
                epochs,
                batch_size,
                learning_rate,
                seed,
                ("sinusoid", kind, width),
                jit_compile,
            )
            for key in per_seed:
                per_seed[key].append(record[key])
            if prediction is None:
                prediction = _predict(model, grid).ravel().tolist()
        results["models"][kind] = {
            "hidden": width,
            "params": count_params(model),
            "mse_in_range": mean_std(per_seed["mse_in_range"]),
            "mse_extrapolation": mean_std(per_seed["mse_extrapolation"]),
            "prediction_first_seed": prediction,
            **{k: per_seed[k] for k in ("alpha_history", "loss_history", "seconds")},
        }
    return results


# --------------------------------------------------------------------------- regularization

REGULARIZERS = ("none", "l1", "l2")


def make_regularizer(kind: str, strength: float):
    """`None`, `keras.regularizers.L1(strength)` or `L2(strength)`."""
    if kind == "none":
        return None
    if kind == "l1":
        return keras.regularizers.L1(strength)
    if kind == "l2":
        return keras.regularizers.L2(strength)
    raise ValueError(f"`kind` must be one of {REGULARIZERS}. Received: kind={kind!r}")


def run_regularization_sweep(
    seeds: Sequence[int],
    strengths: Sequence[float],
    kinds: Sequence[str] = ("l1", "l2"),
    n_train: int = 1000,
    n_test: int = 1000,
    train_range: tuple[float, float] = (0.1, 2.0),
    extrap_range: tuple[float, float] = (2.0, 4.0),
    hidden: int = 4,
    epochs: int = 200,
    batch_size: int = 50,
    learning_rate: float = 1e-2,
    jit_compile: bool = True,
) -> list[dict[str, Any]]:
    """The x·y soft exponential network with no / L1 / L2 regularization of α at each strength.

    One row per setting: test MSE in range and in extrapolation and the final mean |α|
    (mean ± std over seeds).
    """
    settings = [("none", 0.0)] + [(k, s) for k in kinds for s in strengths]
    rows = []
    for kind, strength in settings:
        mse_in, mse_ex, mean_abs_alpha, alphas_final = [], [], [], []
        for seed in seeds:
            x_tr, y_tr = product_data(n_train, *train_range, seed=seed)
            x_in, y_in = product_data(n_test, *train_range, seed=10_000 + seed)
            x_ex, y_ex = product_data(n_test, *extrap_range, seed=20_000 + seed)
            session.seed_everything(seed)
            model = build_product_model("softexp", hidden, make_regularizer(kind, strength))
            model, _, _ = _fit(
                model,
                x_tr,
                y_tr,
                epochs,
                batch_size,
                learning_rate,
                seed=seed,
                key=("product", "softexp", hidden, kind, strength),
                jit_compile=jit_compile,
            )
            mse_in.append(_mse(model, x_in, y_in))
            mse_ex.append(_mse(model, x_ex, y_ex))
            values = np.concatenate([np.asarray(w).ravel() for w in _alpha_weights(model).values()])
            mean_abs_alpha.append(float(np.mean(np.abs(values))))
            alphas_final.append(values.tolist())
        rows.append(
            {
                "regularizer": kind,
                "strength": strength,
                "mse_in_range": mean_std(mse_in),
                "mse_extrapolation": mean_std(mse_ex),
                "mean_abs_alpha": mean_std(mean_abs_alpha),
                "alpha_final": alphas_final,
            }
        )
    return rows


# --------------------------------------------------------------------------- MNIST


def build_mnist_model(kind: str, hidden: int = 64) -> keras.Model:
    """Flatten(784) → Dense(hidden) → act → Dense(10, softmax).

    "complex" doubles the features reaching the head (2·hidden).
    """
    inputs = keras.Input((784,))
    h = keras.layers.Dense(hidden, name="dense_1")(inputs)
    h = _act(kind, name="act_1")(h)
    out = keras.layers.Dense(10, activation="softmax", name="out")(h)
    return keras.Model(inputs, out, name=f"mnist_{kind}")


def run_mnist_comparison(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    seeds: Sequence[int],
    kinds: Sequence[str] = ("complex", "softexp", "relu"),
    hidden: int = 64,
    epochs: int = 5,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    jit_compile: bool = True,
) -> dict[str, Any]:
    """Train each kind on flattened images; test accuracy (mean ± std over seeds), params."""
    results: dict[str, Any] = {}
    for kind in kinds:
        acc, loss, seconds, mean_abs_alpha = [], [], [], []
        for seed in seeds:
            session.seed_everything(seed)
            model = build_mnist_model(kind, hidden)
            start = time.time()
            model, _, _ = _fit(
                model,
                x_train,
                y_train,
                epochs,
                batch_size,
                learning_rate,
                loss="sparse_categorical_crossentropy",
                seed=seed,
                key=("mnist", kind, hidden),
                jit_compile=jit_compile,
            )
            seconds.append(time.time() - start)
            prob = _predict(model, x_test)
            acc.append(float(np.mean(prob.argmax(axis=1) == y_test)))
            loss.append(
                float(-np.mean(np.log(np.maximum(prob[np.arange(len(y_test)), y_test], 1e-12))))
            )
            alpha = _alpha_weights(model)
            if alpha:
                mean_abs_alpha.append(
                    {k: float(np.mean(np.abs(np.asarray(w)))) for k, w in alpha.items()}
                )
        results[kind] = {
            "params": count_params(model),
            "test_accuracy": mean_std(acc),
            "test_loss": mean_std(loss),
            "seconds": seconds,
            "mean_abs_alpha": mean_abs_alpha,
        }
    return results


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


def _shade(ax, train_range, label="training range"):
    ax.axvspan(*train_range, color="0.85", zorder=0, label=label)


def plot_product(product: dict[str, Any]):
    """Predictions on the diagonal x = y = t (target t²) and test MSEs per model."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    t = np.asarray(product["diagonal"])
    ax = axes[0]
    _shade(ax, product["train_range"])
    ax.plot(t, t**2, "k:", lw=2, label="target x·y = t²")
    ax.plot(t, product["exact_diagonal_prediction"], lw=1, label="hand-built exp(ln x + ln y)")
    for kind, res in product["models"].items():
        ax.plot(t, res["diagonal_prediction_first_seed"], label=f"trained {kind} (first seed)")
    ax.set(
        title="x·y on the diagonal x = y = t",
        xlabel="t (input, unitless)",
        ylabel="prediction",
        ylim=(-2, 20),
    )
    ax.legend(fontsize="small")
    ax = axes[1]
    names = ["exact"] + list(product["models"])
    stats = [product["exact"]] + [product["models"][k] for k in product["models"]]
    pos = np.arange(len(names))
    for offset, split in ((-0.2, "mse_in_range"), (0.2, "mse_extrapolation")):
        medians = [max(s[split].get("median", s[split]["mean"]), 1e-16) for s in stats]
        ax.bar(
            pos + offset,
            medians,
            width=0.4,
            label="in range" if split == "mse_in_range" else "extrapolation",
        )
        for p_, s in zip(pos, stats, strict=True):
            ax.scatter(
                np.full(len(s[split]["values"]), p_ + offset),
                s[split]["values"],
                color="k",
                s=12,
                zorder=3,
            )
    ax.scatter([], [], color="k", s=12, label="one seed")
    ax.set_yscale("log")
    ax.set(
        xticks=pos,
        xticklabels=names,
        title="Test MSE (bars: median over seeds)",
        ylabel="mean squared error (log scale)",
    )
    ax.legend()
    fig.tight_layout()
    return fig


def plot_alpha_trajectories(histories: dict[str, list[list[float]]], title: str):
    """One panel per α weight: each unit's value per epoch."""
    import matplotlib.pyplot as plt

    keys = list(histories)
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        values = np.asarray(histories[key])
        ax.plot(np.arange(len(values)), values, lw=1.2)
        ax.set(title=f"{title}: {key}", xlabel="epoch", ylabel="α value (one line per unit)")
    fig.tight_layout()
    return fig


def plot_sinusoid(sinusoid: dict[str, Any]):
    """Predictions of each model over training and extrapolation ranges."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4))
    grid = np.asarray(sinusoid["grid"])
    _shade(ax, sinusoid["train_range"])
    ax.plot(grid, np.sin(grid), "k:", lw=2, label="target sin x")
    for kind, res in sinusoid["models"].items():
        ax.plot(
            grid,
            res["prediction_first_seed"],
            label=f"{kind} ({res['params']['trainable']} params, first seed)",
        )
    ax.set(
        title="Sinusoid regression: fit on the shaded range, extrapolation to the right",
        xlabel="x (radians)",
        ylabel="prediction",
        ylim=(-3, 3),
    )
    ax.legend(loc="upper right", ncol=2, fontsize="small")
    fig.tight_layout()
    return fig


def plot_regularization(rows: list[dict[str, Any]]):
    """Test MSE and final mean |α| against regularization strength."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    none = next(r for r in rows if r["regularizer"] == "none")
    panels = (
        ("mse_in_range", "test MSE, in range"),
        ("mse_extrapolation", "test MSE, extrapolation"),
        ("mean_abs_alpha", "final mean |α|"),
    )
    for ax, (field_name, label) in zip(axes, panels, strict=True):
        log = field_name != "mean_abs_alpha"
        for i, kind in enumerate(sorted({r["regularizer"] for r in rows} - {"none"})):
            sel = [r for r in rows if r["regularizer"] == kind]
            strengths = [r["strength"] for r in sel]
            center = "median" if log else "mean"  # heavy-tailed MSEs: the median
            ax.plot(
                strengths,
                [r[field_name][center] for r in sel],
                marker="o",
                color=f"C{i}",
                label=f"{kind.upper()} (median MSE, mean |α|)",
            )
            for strength, r in zip(strengths, sel, strict=True):
                ax.scatter(
                    np.full(len(r[field_name]["values"]), strength),
                    r[field_name]["values"],
                    color=f"C{i}",
                    s=10,
                    alpha=0.5,
                )
        ax.axhline(
            none[field_name]["median" if log else "mean"],
            color="k",
            ls="--",
            label="no regularizer",
        )
        ax.set_xscale("log")
        if log:
            ax.set_yscale("log")
        ax.set(
            title=label[0].upper() + label[1:],
            xlabel="regularization strength (coefficient)",
            ylabel=label + (" (log scale)" if log else ""),
        )
    fig.tight_layout()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        fontsize="small",
        title="x·y task; small dots: individual seeds",
        title_fontsize="small",
    )
    return fig


def plot_mnist(mnist: dict[str, Any]):
    """Test accuracy (mean ± std over seeds) per activation, labelled with parameter counts."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    kinds = list(mnist)
    means = [mnist[k]["test_accuracy"]["mean"] * 100 for k in kinds]
    stds = [np.nan_to_num(mnist[k]["test_accuracy"]["std"]) * 100 for k in kinds]  # 1 seed: none
    labels = [f"{k}\n{mnist[k]['params']['trainable']:,} params" for k in kinds]
    ax.bar(labels, means, yerr=stds, capsize=4)
    low = min(m - s for m, s in zip(means, stds, strict=True))
    n_seeds = len(mnist[kinds[0]]["test_accuracy"]["values"])
    ax.set(
        title=f"MNIST test accuracy (mean ± std over {n_seeds} seed{'s' if n_seeds != 1 else ''})",
        xlabel="hidden activation",
        ylabel="test accuracy (%)",
        ylim=(max(0, low - 5), 100),
    )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- summary


def summary(product, sinusoid, sweep, mnist) -> dict[str, Any]:
    """The numbers for results.json: every statistic, first-seed α trajectories only."""

    def models(
        block,
        drop=(
            "alpha_history",
            "loss_history",
            "diagonal_prediction_first_seed",
            "prediction_first_seed",
        ),
    ):
        return {
            k: {f: v for f, v in res.items() if f not in drop} for k, res in block["models"].items()
        }

    return {
        "product": {
            "train_range": product["train_range"],
            "extrap_range": product["extrap_range"],
            "exact": product["exact"],
            "models": models(product),
            "alpha_history_first_seed": product["models"]
            .get("softexp", {})
            .get("alpha_history", [None])[0],
        },
        "sinusoid": {
            "train_range": sinusoid["train_range"],
            "extrap_range": sinusoid["extrap_range"],
            "models": models(sinusoid),
            "alpha_history_first_seed": sinusoid["models"]
            .get("complex", {})
            .get("alpha_history", [None])[0],
        },
        "regularization_sweep": sweep,
        "mnist": mnist,
    }


# --------------------------------------------------------------------------- notebook parameters


def _positive_float_list(name: str, value: Any) -> None:
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
            for v in value
        )
    ):
        raise ValueError(
            f"Invalid parameter `{name}`: expected a non-empty list of numbers > 0. "
            f"Received: {name}={value!r}"
        )


#: Validators of notebook 02's own parameters (the common ones come from `runtime`).
VALIDATORS = {
    "jit_compile": session.boolean,
    "product_hidden": session.positive_int,
    "product_epochs": session.positive_int,
    "sinusoid_hidden": session.positive_int,
    "sinusoid_epochs": session.positive_int,
    "sweep_strengths": _positive_float_list,
    "sweep_epochs": session.positive_int,
    "mnist_hidden": session.positive_int,
    "mnist_epochs": session.positive_int,
    "mnist_batch_size": session.positive_int,
}
