"""Notebook 01's demos: the known answer (`run_epoch_demo`), the same proof through
`BlendSchedule` and `PolyReLUBlend` (`run_blend_demo`), and their figure (`plot_demos`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from actlab.activations.polynomial import relu_poly_approx
from actlab.callbacks import BlendSchedule, EpochVariable
from actlab.collection.session import xla_allowed
from actlab.layers.polynomial import PolyReLUBlend


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
