"""The check ``training``: one epoch of a small network on the embedded MNIST, on pixels / 255
(fails when it goes non-finite) and on raw 0..255 pixels (only a warning); `actlab.diagnostics`
names the step and the layer."""

from __future__ import annotations

import functools
import time

import keras
import numpy as np

from actlab import data, diagnostics
from actlab.checkup.context import Context
from actlab.checkup.finite import because
from actlab.checkup.probe import backend
from actlab.checkup.reloading import reason
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import Target, rebuild


def training(ctx: Context, n_train: int | None, epochs: int = 1) -> CheckResult:
    if ctx.t.layer is not None:
        try:  # the network holds two copies of the layer, built from its config
            rebuild(ctx.t.layer)
        except Exception as exc:  # noqa: BLE001 - a config bug: serializes reports it
            return CheckResult(
                "training",
                "skip",
                f"Skipped: cannot build copies of the layer from get_config for the network "
                f"({reason(exc)}; see serializes).",
                {"error": reason(exc)},
            )
    rows = {}
    for scale in ("unit", "raw"):
        rows[scale] = _train_once(ctx.t, scale, ctx.seed, n_train, epochs)
        if rows[scale]["nonfinite"]:
            rows[scale]["message"] = _where_it_overflows(ctx, rows[scale])
    ev = {"runs": rows}
    unit, raw = rows["unit"], rows["raw"]
    if unit["nonfinite"]:
        return CheckResult(
            "training",
            "fail",
            f"Training on pixels / 255 went non-finite: {unit['message']}",
            ev,
        )
    if raw["nonfinite"]:
        return CheckResult(
            "training",
            "warn",
            f"Trains on pixels / 255 (test accuracy {unit['test_accuracy']:.3f}) "
            f"but goes non-finite on raw 0..255 pixels: {raw['message']} Scale "
            "the inputs (e.g. to [0, 1]).",
            ev,
        )
    return CheckResult(
        "training",
        "pass",
        f"One epoch of a 2 x Dense(64) network on MNIST stays finite on pixels / "
        f"255 (test accuracy {unit['test_accuracy']:.3f}) and on raw pixels "
        f"({raw['test_accuracy']:.3f}).",
        ev,
    )


#: Where `actlab.diagnostics` describes the failing layer's pre-activations.
_PREACTIVATIONS = " That layer's pre-activations on the failing batch"


def _where_it_overflows(ctx: Context, run: dict) -> str:
    """The run's diagnosis, its sentence on the failing layer's pre-activations said of this
    activation: on which side its float32 output or gradient is not finite (the probes of
    `ctx.f32`) within the range the pre-activations reached, and the sub-expression that
    overflows there, with its fix (`finite.because`). The diagnosis as it is when the range
    is unknown or the activation is finite on it."""
    message, span = run["message"], run.get("preactivation_range")
    cut = message.find(_PREACTIVATIONS)
    if cut < 0 or span is None:
        return message
    lo, hi = span
    t = np.concatenate([ctx.grid, ctx.beyond])
    f, df = ctx.f32["F"], ctx.f32["dF"]
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(f) if df is None else ~(np.isfinite(f) & np.isfinite(df))
    sides = []
    below = bad & (t < 0) & (t >= lo)
    if below.any():
        sides.append(float(t[below].max()))
    above = bad & (t > 0) & (t <= hi)
    if above.any():
        sides.append(float(t[above].min()))
    if not sides:
        return message
    first = min(sides, key=abs)
    what = "output" if not np.isfinite(f[t == first]).all() else "gradient"
    where = " and ".join(f"x {'≤' if x < 0 else '≥'} {x:.6g}" for x in sides)
    return (
        f"{message[:cut]} That layer's pre-activations on the failing batch ranged over "
        f"[{lo:.4g}, {hi:.4g}], and the activation's {what} is not finite in float32 for "
        f"{where}" + because(ctx, first, {})
    )


def _apply_function_layer(fn):
    """A layer that applies `fn` (output shape by symbolic call: CReLU-like functions change it)."""

    class ApplyFunction(keras.layers.Layer):
        def call(self, inputs):
            return fn(inputs)

    return ApplyFunction()


@functools.lru_cache(maxsize=2)
def _mnist(seed: int, n_train: int | None):

    return data.load_mnist(source="embedded", scale="unit", seed=seed, n_train=n_train)


def _train_once(
    target: Target,
    scale: str,
    seed: int,
    n_train: int | None,
    epochs: int,
    run_eagerly: bool = True,
) -> dict:
    """One run of the training check. Eager by default: a network this small trains faster
    than it traces, and a function that only fails when compiled is the `compiles` check's."""

    ds = _mnist(seed, n_train)
    x_train, x_test = ds.flat()
    if scale == "raw":
        x_train, x_test = x_train * 255.0, x_test * 255.0
    model = _model(target, seed, run_eagerly)
    start = time.perf_counter()
    report, history = _fit(model, x_train, ds.y_train, epochs, seed)
    seconds = time.perf_counter() - start
    weights = model.get_weights()
    nonfinite = report.found or diagnostics.nonfinite_fraction(weights) > 0
    acc = float("nan")
    if not nonfinite:
        acc = float(model.evaluate(x_test, ds.y_test, verbose=0, batch_size=256)[1])
    return {
        "scale": scale,
        "nonfinite": bool(nonfinite),
        "message": report.message,
        "step": report.step,
        "layer": report.layer,
        "tensor": report.tensor,
        "preactivation_range": getattr(report, "preactivation_range", None),
        "loss": [float(v) for v in history.get("loss", [])],
        "test_accuracy": acc,
        "nonfinite_weight_fraction": diagnostics.nonfinite_fraction(weights),
        "n_train": len(x_train),
        "epochs": epochs,
        "seconds": seconds,
        "data": ds.provenance["description"],
    }


def _model(target: Target, seed: int, run_eagerly: bool) -> keras.Model:
    """The check's network, compiled: 784 → 64 → act → 64 → act → 10, Adam."""
    layers = [keras.Input((784,))]
    for i in range(2):
        init = keras.initializers.GlorotUniform(seed=seed + i)
        if target.layer is None and target.elementwise:  # the diagnosis sees pre-activations
            layers.append(
                keras.layers.Dense(
                    64, activation=target.fn, kernel_initializer=init, name=f"hidden_{i + 1}"
                )
            )
        else:
            layers.append(keras.layers.Dense(64, kernel_initializer=init, name=f"dense_{i + 1}"))
            layers.append(
                rebuild(target.layer, name=f"activation_{i + 1}")
                if target.layer is not None
                else _apply_function_layer(target.fn)
            )
    layers.append(
        keras.layers.Dense(
            10,
            activation="softmax",
            name="output",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 9),
        )
    )
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=run_eagerly,
    )
    return model


def _fit(model: keras.Model, x_train, y_train, epochs: int, seed: int) -> tuple:
    """``(report, history)``: the fit, watched for non-finite values (`actlab.diagnostics`)."""
    if backend() == "tensorflow":
        report, history = diagnostics.diagnose_fit(
            model, x_train, y_train, batch_size=64, epochs=epochs, seed=seed
        )
    else:  # actlab.diagnostics locates layers with tf.GradientTape: on JAX only the step
        diagnosis = diagnostics.NaNDiagnosis()
        history = model.fit(
            x_train,
            y_train,
            batch_size=64,
            epochs=epochs,
            verbose=0,
            shuffle=True,
            callbacks=[diagnosis],
        ).history
        report = diagnosis.report
    return report, history
