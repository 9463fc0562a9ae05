"""NaN diagnosis: find the first training step where something becomes non-finite, and where.

`NaNDiagnosis` is a Keras callback that works with the default, graph-mode ``model.fit``:

1. before every step it keeps a host copy of the model's weights (cheap for MLP-sized models);
2. after every step it checks, on the host, the logged loss and every weight;
3. at the first step where either is non-finite it stops training (``model.stop_training``),
   then re-runs that step's batch *eagerly* on the saved pre-step weights, layer by layer, and
   looks for the first non-finite tensor in computation order: the weights before the step,
   the input, each layer's pre-activation and activation (forward), the loss, the gradients
   with respect to each layer's activation and pre-activation and its weights (backward, from
   the output to the input), and finally the updated weights;
4. it puts the model's weights back as training left them and stores a `NaNReport`
   (``callback.report``, a dataclass; ``report.as_dict()`` for results.json).

To re-run the failing batch the callback needs the batch: give it ``batch_fn(epoch, batch) ->
(x, y)``, or the arrays with `NaNDiagnosis.for_arrays` (valid when ``fit`` does not shuffle).
`diagnose_fit` does the bookkeeping for you: it shuffles each epoch itself (seeded, like
``fit(shuffle=True)``), calls ``model.fit`` one epoch at a time, and returns the report.

Layer-level localisation needs a model whose layers form a chain (`keras.Sequential`, or a
functional model whose layers each consume the previous one's output); for other models the
report still has the step and the loss/weight/gradient of the first non-finite variable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import keras
import numpy as np

from actlab.activations.elu import EXP_OVERFLOW_FLOAT32

__all__ = ["NaNDiagnosis", "NaNReport", "diagnose_fit", "locate_nonfinite", "nonfinite_fraction"]


BatchFn = Callable[[int, int], tuple[np.ndarray, np.ndarray]]


@dataclass
class NaNReport:
    """What the diagnosis found. ``found`` is False when training stayed finite.

    ``step`` is 0-based (the number of optimizer updates completed before the failing one);
    ``epoch`` and ``batch`` are 0-based too. ``tensor`` is one of ``"weight (before step)"``,
    ``"input"``, ``"pre-activation"``, ``"activation"``, ``"loss"``,
    ``"gradient w.r.t. activation"``, ``"gradient w.r.t. pre-activation"``,
    ``"gradient w.r.t. weight"``, ``"weight (after update)"``, or ``"unknown"`` when the batch
    was not available to re-run. ``preactivation_range`` is the ``[min, max]`` of the
    pre-activation of ``layer`` (when the layer has one), ``fraction_above_exp_overflow`` the
    share of its entries above ln(FLT_MAX) = 88.72. ``layers`` has one row per layer with the
    same statistics and which of its tensors were non-finite.
    """

    found: bool = False
    step: int | None = None
    epoch: int | None = None
    batch: int | None = None
    trigger: str | None = None  # what the per-step host check saw: "loss" and/or "weights"
    layer: str | None = None
    tensor: str | None = None
    variable: str | None = None
    preactivation_range: list[float] | None = None
    fraction_above_exp_overflow: float | None = None
    loss_before: float | None = None  # loss of the failing batch on the pre-step weights
    nonfinite_weight_fraction_after: float | None = None
    located: bool = False
    steps_checked: int = 0
    layers: list[dict[str, Any]] = field(default_factory=list)
    message: str = "training stayed finite"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- helpers


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
    """
    import tensorflow as tf

    entry_weights = model.get_weights()
    out: dict[str, Any] = {
        "layer": None,
        "tensor": None,
        "variable": None,
        "preactivation_range": None,
        "fraction_above_exp_overflow": None,
        "loss_before": None,
        "located": False,
        "layers": [],
    }

    def hit(layer_name, tensor, variable=None, pre=None):
        if out["tensor"] is None:
            out.update(layer=layer_name, tensor=tensor, variable=variable, located=True)
            if pre is not None:
                s = _stats(pre)
                out["preactivation_range"] = [s["min"], s["max"]]
                out["fraction_above_exp_overflow"] = s["fraction_above_exp_overflow"]

    try:
        model.set_weights(list(weights_before))
        owner = {}
        for layer in model.layers:
            for v in layer.weights:
                owner[id(v)] = layer.name
        # 1. the weights the step started from
        for v in model.weights:
            if not _finite(v.numpy()):
                hit(owner.get(id(v)), "weight (before step)", v.path)
                break
        # 2. the input
        if not _finite(x):
            hit(None, "input")
        layers = _chain_layers(model)
        xt = tf.convert_to_tensor(x)
        yt = tf.convert_to_tensor(y)
        with tf.GradientTape(persistent=True) as tape:
            if layers is not None:
                records, y_pred = _forward_chain(layers, xt, tape)
            else:
                records, y_pred = [], model(xt, training=True)
            loss = model.compute_loss(x=xt, y=yt, y_pred=y_pred, training=True)
        out["loss_before"] = float(loss)
        pre_by_layer = {layer.name: pre for layer, pre, _ in records}
        rows = {
            layer.name: {
                "layer": layer.name,
                "class": type(layer).__name__,
                "activation": getattr(getattr(layer, "activation", None), "__name__", None),
                "nonfinite": [],
            }
            for layer, _, _ in records
        }
        # 3. forward, in layer order
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
                    hit(layer.name, "pre-activation", pre=pre)
            if not _finite(act):
                row["nonfinite"].append("activation")
                hit(layer.name, "activation", pre=pre)
        # 4. the loss
        if not _finite(loss):
            hit(None, "loss")
        # 5. backward, from the output layer to the input layer
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
                hit(layer.name, "gradient w.r.t. activation", pre=pre)
            if pre is not None and grads["pres"][i] is not None and not _finite(grads["pres"][i]):
                row["nonfinite"].append("gradient w.r.t. pre-activation")
                hit(layer.name, "gradient w.r.t. pre-activation", pre=pre)
            for v, g in zip(variables, grads["vars"], strict=True):
                if owner.get(id(v)) == layer.name and g is not None and not _finite(g):
                    row["nonfinite"].append(f"gradient w.r.t. {v.name}")
                    hit(layer.name, "gradient w.r.t. weight", v.path, pre=pre)
        if not records:  # not a chain: variables in model order
            for v, g in zip(variables, grads["vars"], strict=True):
                if g is not None and not _finite(g):
                    hit(owner.get(id(v)), "gradient w.r.t. weight", v.path)
                    break
        # 6. the update
        if weights_after is not None:
            for v, w in zip(model.weights, weights_after, strict=True):
                if not _finite(w):
                    name = owner.get(id(v))
                    if name in rows:
                        rows[name]["nonfinite"].append(f"{v.name} after update")
                    hit(name, "weight (after update)", v.path, pre=pre_by_layer.get(name))
        out["layers"] = list(rows.values())
        del tape
    finally:
        model.set_weights(entry_weights)
    return out


# --------------------------------------------------------------------------- callback


class NaNDiagnosis(keras.callbacks.Callback):
    """Stop at the first step whose loss or weights are non-finite and say where it started.

    Args:
        batch_fn: ``batch_fn(epoch, batch) -> (x, y)`` returning the batch ``fit`` trained on at
            that (0-based) epoch and batch; without it the report has the step but not the layer.
        stop: stop training at the first non-finite step (default True).
        initial_step: the global step count of the first batch (when ``fit`` is called in pieces).

    The model must be compiled with ``steps_per_execution=1`` (the default): batch hooks run
    once per execution, so with more steps per execution a step could not be pinned down.

    After training, ``callback.report`` is a `NaNReport`.
    """

    def __init__(self, batch_fn: BatchFn | None = None, stop: bool = True, initial_step: int = 0):
        super().__init__()
        if batch_fn is not None and not callable(batch_fn):
            raise ValueError(
                f"`batch_fn` must be callable or None. Received: batch_fn={batch_fn!r}"
            )
        if not isinstance(stop, bool):
            raise ValueError(f"`stop` must be True or False. Received: stop={stop!r}")
        if isinstance(initial_step, bool) or not isinstance(initial_step, int) or initial_step < 0:
            raise ValueError(
                f"`initial_step` must be an integer >= 0. Received: initial_step={initial_step!r}"
            )
        self.batch_fn = batch_fn
        self.stop = stop
        self.step = initial_step
        self.report = NaNReport()
        self._epoch = 0
        self._before: list[np.ndarray] | None = None

    @classmethod
    def for_arrays(cls, x: np.ndarray, y: np.ndarray, batch_size: int, **kwargs) -> NaNDiagnosis:
        """A diagnosis for ``model.fit(x, y, batch_size=batch_size, shuffle=False)``."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"`batch_size` must be an integer > 0. Received: batch_size={batch_size!r}"
            )

        def batch_fn(epoch: int, batch: int):
            sl = slice(batch * batch_size, (batch + 1) * batch_size)
            return x[sl], y[sl]

        return cls(batch_fn=batch_fn, **kwargs)

    def on_train_begin(self, logs=None):
        steps = getattr(self.model, "steps_per_execution", 1)
        if steps != 1:
            raise ValueError(
                "NaNDiagnosis checks after every step and needs the model compiled "
                f"with steps_per_execution=1. Received: steps_per_execution={steps!r}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if not self.report.found:
            self._before = [np.array(w, copy=True) for w in self.model.get_weights()]

    def on_train_batch_end(self, batch, logs=None):
        if self.report.found:
            return
        step = self.step
        self.step += 1
        self.report.steps_checked = self.step
        loss = (logs or {}).get("loss")
        after = self.model.get_weights()
        triggers = []
        if loss is not None and not _finite(loss):
            triggers.append("loss")
        if not all(_finite(w) for w in after):
            triggers.append("weights")
        if not triggers:
            return
        report = self.report
        report.found = True
        report.step, report.epoch, report.batch = step, self._epoch, batch
        report.trigger = " and ".join(triggers)
        report.nonfinite_weight_fraction_after = nonfinite_fraction(after)
        if self.stop:
            self.model.stop_training = True
        if self.batch_fn is not None and self._before is not None:
            x, y = self.batch_fn(self._epoch, batch)
            found = locate_nonfinite(self.model, x, y, self._before, after)
            for key, value in found.items():
                setattr(report, key, value)
        else:
            report.tensor = "unknown"
        report.message = _describe(report)


def _describe(r: NaNReport) -> str:
    where = f"step {r.step} (epoch {r.epoch}, batch {r.batch}; 0-based)"
    if not r.located:
        return (
            f"Non-finite {r.trigger} after {where}; the batch was not available to "
            f"locate the first non-finite tensor."
        )
    what = r.tensor + (f" `{r.variable}`" if r.variable else "")
    layer = f" in layer `{r.layer}`" if r.layer else ""
    text = (
        f"First non-finite value at {where}, in computation order (forward pass, loss, then "
        f"the backward pass from the output layer down): {what}{layer}."
    )
    if r.preactivation_range is not None:
        lo, hi = r.preactivation_range
        text += (
            f" That layer's pre-activations on the failing batch ranged over "
            f"[{lo:.4g}, {hi:.4g}]; {r.fraction_above_exp_overflow:.1%} of them were above "
            f"ln(FLT_MAX) = {EXP_OVERFLOW_FLOAT32:.4f}."
        )
    return text


# --------------------------------------------------------------------------- convenience


def diagnose_fit(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    epochs: int,
    shuffle: bool = True,
    seed: int = 0,
    callbacks: Sequence | None = None,
    **fit_kwargs,
) -> tuple[NaNReport, dict[str, list]]:
    """``model.fit`` (graph mode) with a `NaNDiagnosis`; returns ``(report, history)``.

    Each epoch's order is a seeded permutation (``shuffle=True``) that this function applies
    itself, so that the callback can re-run any batch; ``fit`` then runs with ``shuffle=False``
    and ``initial_epoch`` so epochs are numbered as in a single call. ``history`` maps each
    logged metric to its per-epoch values (epochs after a stop are absent).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(
            f"`batch_size` must be an integer > 0. Received: batch_size={batch_size!r}"
        )
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"`epochs` must be an integer > 0. Received: epochs={epochs!r}")
    if len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must have the same length. Received: len(x)={len(x)!r}, len(y)={len(y)!r}"
        )
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(len(x)) if shuffle else np.arange(len(x)) for _ in range(epochs)]

    def batch_fn(epoch: int, batch: int):
        idx = orders[epoch][batch * batch_size : (batch + 1) * batch_size]
        return x[idx], y[idx]

    diagnosis = NaNDiagnosis(batch_fn=batch_fn)
    history: dict[str, list] = {}
    for epoch in range(epochs):
        order = orders[epoch]
        h = model.fit(
            x[order],
            y[order],
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=0,
            callbacks=[diagnosis, *(callbacks or [])],
            **fit_kwargs,
        )
        for key, values in h.history.items():
            history.setdefault(key, []).extend(values)
        if diagnosis.report.found:
            break
    return diagnosis.report, history
