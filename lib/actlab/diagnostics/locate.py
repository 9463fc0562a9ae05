"""Where a training step first became non-finite: re-run one batch eagerly, layer by layer, and
look for the first non-finite tensor in computation order (`locate_nonfinite`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from actlab.activations.elu import EXP_OVERFLOW_FLOAT32


def _finite(value: Any) -> bool:
    return bool(np.all(np.isfinite(np.asarray(value))))


def nonfinite_fraction(arrays: Sequence[np.ndarray]) -> float:
    """Share of non-finite entries over all `arrays` (0.0 when they are empty)."""
    total = sum(int(np.size(a)) for a in arrays)
    bad = sum(int(np.size(a) - np.count_nonzero(np.isfinite(a))) for a in arrays)
    return bad / total if total else 0.0


def _chain_layers(model: keras.Model) -> list[keras.layers.Layer] | None:
    """The model's layers in call order if they form a simple chain, else None."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if isinstance(model, keras.Sequential):
        return layers
    try:
        previous = model.inputs[0] if len(model.inputs) == 1 else None
        if previous is None or len(model.outputs) != 1:
            return None
        for layer in layers:
            if layer.input is not previous and getattr(layer.input, "name", 1) != getattr(
                previous, "name", 2
            ):
                return None
            previous = layer.output
        return (
            layers
            if previous is model.outputs[0] or previous.name == model.outputs[0].name
            else None
        )
    except (AttributeError, ValueError):
        return None


#: Layers whose ``call`` ends with ``self.activation(...)`` of a linear map: their pre-activation
#: is the layer's output with the activation swapped for `linear`.
SPLIT_ACTIVATION_LAYERS = tuple(
    getattr(keras.layers, name)
    for name in (
        "Dense",
        "EinsumDense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
    )
    if hasattr(keras.layers, name)
)


def _has_split_activation(layer: keras.layers.Layer) -> bool:
    activation = getattr(layer, "activation", None)
    return (
        isinstance(layer, SPLIT_ACTIVATION_LAYERS)
        and activation is not None
        and activation is not keras.activations.linear
    )


def _forward_chain(layers, x, tape):
    """Eager forward pass recording each layer's pre-activation (or None) and output."""
    records = []
    h = x
    for layer in layers:
        if isinstance(layer, keras.layers.Activation):
            pre = h
            tape.watch(pre)
            out = layer(pre, training=True)
        elif _has_split_activation(layer):
            activation = layer.activation
            layer.activation = keras.activations.linear
            try:
                pre = layer(h, training=True)
            finally:
                layer.activation = activation
            tape.watch(pre)
            out = activation(pre)
        else:
            pre = None
            out = layer(h, training=True)
        tape.watch(out)
        records.append((layer, pre, out))
        h = out
    return records, h


def _stats(tensor) -> dict[str, Any]:
    a = np.asarray(tensor, dtype="float64")
    finite = a[np.isfinite(a)]
    return {
        "min": float(finite.min()) if finite.size else float("nan"),
        "max": float(finite.max()) if finite.size else float("nan"),
        "fraction_above_exp_overflow": float(np.mean(a > EXP_OVERFLOW_FLOAT32)),
        "finite": bool(finite.size == a.size),
    }


def locate_nonfinite(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    weights_before: Sequence[np.ndarray],
    weights_after: Sequence[np.ndarray] | None = None,
) -> dict[str, Any]:
    """Re-run one training batch eagerly on `weights_before` and find the first non-finite tensor.

    Returns a dict with ``layer``, ``tensor``, ``variable``, ``preactivation_range``,
    ``fraction_above_exp_overflow``, ``loss_before``, ``located`` and per-layer rows
    ``layers``. The model's weights are restored to what they were on entry.

    The order it looks in: the weights the step started from, the input, each layer's
    pre-activation and activation (forward), the loss, the gradients from the output layer down
    (backward), then the updated weights (`weights_after`, when given).
    """
    import tensorflow as tf

    entry_weights = model.get_weights()
    found = _FirstNonFinite()
    try:
        model.set_weights(list(weights_before))
        owner = {}
        for layer in model.layers:
            for v in layer.weights:
                owner[id(v)] = layer.name
        _check_start(model, x, owner, found)
        layers = _chain_layers(model)
        xt = tf.convert_to_tensor(x)
        yt = tf.convert_to_tensor(y)
        with tf.GradientTape(persistent=True) as tape:
            if layers is not None:
                records, y_pred = _forward_chain(layers, xt, tape)
            else:
                records, y_pred = [], model(xt, training=True)
            loss = model.compute_loss(x=xt, y=yt, y_pred=y_pred, training=True)
        found.out["loss_before"] = float(loss)
        rows = _layer_rows(records)
        _check_forward(records, rows, found)
        if not _finite(loss):
            found.hit(None, "loss")
        _check_backward(model, records, rows, owner, tape, loss, found)
        if weights_after is not None:
            _check_update(model, weights_after, records, rows, owner, found)
        found.out["layers"] = list(rows.values())
        del tape
    finally:
        model.set_weights(entry_weights)
    return found.out


class _FirstNonFinite:
    """The result of `locate_nonfinite`; `hit` records the first non-finite tensor only."""

    def __init__(self):
        self.out: dict[str, Any] = {
            "layer": None,
            "tensor": None,
            "variable": None,
            "preactivation_range": None,
            "fraction_above_exp_overflow": None,
            "loss_before": None,
            "located": False,
            "layers": [],
        }

    def hit(self, layer_name, tensor, variable=None, pre=None) -> None:
        out = self.out
        if out["tensor"] is None:
            out.update(layer=layer_name, tensor=tensor, variable=variable, located=True)
            if pre is not None:
                s = _stats(pre)
                out["preactivation_range"] = [s["min"], s["max"]]
                out["fraction_above_exp_overflow"] = s["fraction_above_exp_overflow"]


def _check_start(model, x, owner, found: _FirstNonFinite) -> None:
    """1. the weights the step started from; 2. the input."""
    for v in model.weights:
        if not _finite(v.numpy()):
            found.hit(owner.get(id(v)), "weight (before step)", v.path)
            break
    if not _finite(x):
        found.hit(None, "input")


def _layer_rows(records) -> dict[str, dict[str, Any]]:
    return {
        layer.name: {
            "layer": layer.name,
            "class": type(layer).__name__,
            "activation": getattr(getattr(layer, "activation", None), "__name__", None),
            "nonfinite": [],
        }
        for layer, _, _ in records
    }


def _check_forward(records, rows, found: _FirstNonFinite) -> None:
    """3. forward, in layer order: each layer's pre-activation, then its activation."""
    for layer, pre, act in records:
        row = rows[layer.name]
        if pre is not None:
            s = _stats(pre)
            row.update(
                pre_min=s["min"],
                pre_max=s["max"],
                fraction_above_exp_overflow=s["fraction_above_exp_overflow"],
            )
            if not s["finite"]:
                row["nonfinite"].append("pre-activation")
                found.hit(layer.name, "pre-activation", pre=pre)
        if not _finite(act):
            row["nonfinite"].append("activation")
            found.hit(layer.name, "activation", pre=pre)


def _check_backward(model, records, rows, owner, tape, loss, found: _FirstNonFinite) -> None:
    """5. backward, from the output layer to the input layer (variables in model order when the
    layers are not a chain)."""
    variables = model.trainable_variables
    targets = {
        "vars": variables,
        "acts": [act for _, _, act in records],
        "pres": [pre if pre is not None else act for _, pre, act in records],
    }
    grads = tape.gradient(loss, targets)
    for i in reversed(range(len(records))):
        layer, pre, _ = records[i]
        row = rows[layer.name]
        if grads["acts"][i] is not None and not _finite(grads["acts"][i]):
            row["nonfinite"].append("gradient w.r.t. activation")
            found.hit(layer.name, "gradient w.r.t. activation", pre=pre)
        if pre is not None and grads["pres"][i] is not None and not _finite(grads["pres"][i]):
            row["nonfinite"].append("gradient w.r.t. pre-activation")
            found.hit(layer.name, "gradient w.r.t. pre-activation", pre=pre)
        for v, g in zip(variables, grads["vars"], strict=True):
            if owner.get(id(v)) == layer.name and g is not None and not _finite(g):
                row["nonfinite"].append(f"gradient w.r.t. {v.name}")
                found.hit(layer.name, "gradient w.r.t. weight", v.path, pre=pre)
    if not records:  # not a chain: variables in model order
        for v, g in zip(variables, grads["vars"], strict=True):
            if g is not None and not _finite(g):
                found.hit(owner.get(id(v)), "gradient w.r.t. weight", v.path)
                break


def _check_update(model, weights_after, records, rows, owner, found: _FirstNonFinite) -> None:
    """6. the weights after the update."""
    pre_by_layer = {layer.name: pre for layer, pre, _ in records}
    for v, w in zip(model.weights, weights_after, strict=True):
        if not _finite(w):
            name = owner.get(id(v))
            if name in rows:
                rows[name]["nonfinite"].append(f"{v.name} after update")
            found.hit(name, "weight (after update)", v.path, pre=pre_by_layer.get(name))
