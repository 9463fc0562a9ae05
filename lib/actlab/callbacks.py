"""Callbacks that change the model between epochs through variables (not Python numbers).

Why variables: `model.fit` traces the train step once into a graph (`tf.function`, optionally
XLA-compiled). A Python number read inside `call` is baked into that graph as a constant at
trace time, so changing it later has no effect; a variable is read at every step, so assigning
it from a callback reaches the compiled function.

* `EpochVariable` - the known answer to "how do I get the current epoch inside `fit`": keep it
  in a backend variable and assign it at each epoch begin.
* `BlendSchedule` - drives `actlab.layers.PolyReLUBlend`'s ReLU weight `d` from ReLU to polynomial.
* `PreActivationMonitor` - records, per epoch, the largest |input| of each blend (or any) layer
  on a fixed probe batch, to watch for escaping activations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import keras
import numpy as np

from actlab._util import is_int
from actlab.layers.polynomial import PolyReLUBlend, check_relu_weight

__all__ = [
    "SCHEDULES",
    "schedule_value",
    "find_layers",
    "EpochVariable",
    "BlendSchedule",
    "PreActivationMonitor",
]

SCHEDULES = ("linear", "cosine", "step")


def schedule_value(
    schedule: str | Callable[[float, int], float], t: float, total_epochs: int
) -> float:
    """The ReLU weight d at (possibly fractional, 0-based) epoch `t` of a blend.

    Formula (T = `total_epochs`; d is 0 for every t >= T: the hold period):
    ```
    linear:  d = (T - t) / T                      # the user's formula, d(0) = 1, d(T-1) = 1/T
    cosine:  d = (1 + cos(pi * t / T)) / 2
    step:    d = 1 for t < T, then 0              # a sudden swap after T epochs of ReLU
    ```
    A callable `schedule(t, total_epochs) -> d` is also accepted; its value must be in [0, 1].
    """
    if t >= total_epochs:
        return 0.0
    t = max(float(t), 0.0)
    if schedule == "linear":
        value = (total_epochs - t) / total_epochs
    elif schedule == "cosine":
        value = 0.5 * (1.0 + math.cos(math.pi * t / total_epochs))
    elif schedule == "step":
        value = 1.0
    elif callable(schedule):
        value = schedule(t, total_epochs)
        try:
            return check_relu_weight(value, "schedule")
        except ValueError as exc:
            raise ValueError(
                f"`schedule` returned {value!r} at t={t}; it must return a number in "
                f"[0, 1]. Received: schedule={schedule!r}"
            ) from exc
    else:
        raise ValueError(
            f"`schedule` must be one of {SCHEDULES} or a callable (t, total_epochs) "
            f"-> d. Received: schedule={schedule!r}"
        )
    return min(max(value, 0.0), 1.0)


def find_layers(model: keras.Model, kind: type = PolyReLUBlend) -> list[keras.layers.Layer]:
    """All layers of type `kind` inside `model`, nested models and layers included, in order."""
    if hasattr(model, "_flatten_layers"):  # Keras 3: tracks layers held by layers, too
        layers = model._flatten_layers(include_self=False, recursive=True)
    else:  # pragma: no cover - fallback for models without layer tracking
        layers = list(getattr(model, "layers", []))
    return [layer for layer in layers if isinstance(layer, kind)]


class EpochVariable(keras.callbacks.Callback):
    """Keeps the current 0-based epoch in a backend variable (the answer's approach).

    Anything in the model that reads `variable` (an activation, a loss) sees the epoch that is
    running, also inside compiled and XLA-compiled functions. On JAX the variable must be
    tracked by the model (held as an attribute of one of its layers, as
    `actlab.collection.experiments.blend.run_epoch_demo` does): `fit` passes the model's variables into its
    jitted step as arguments, and any other variable is baked in as a constant when traced.

    Args:
        variable: a `keras.Variable` to assign; by default a new float32 non-trainable scalar.
    """

    def __init__(self, variable: keras.Variable | None = None):
        super().__init__()
        if variable is None:
            variable = keras.Variable(0.0, dtype="float32", trainable=False, name="epoch")
        if not isinstance(variable, keras.Variable):
            raise ValueError(
                f"`variable` must be a keras.Variable or None. Received: variable={variable!r}"
            )
        self.variable = variable

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(float(epoch))


class BlendSchedule(keras.callbacks.Callback):
    """Moves every `PolyReLUBlend` in the model (or the given ones) from ReLU to polynomial.

    At each epoch begin (and, with ``per_batch=True``, before each batch) the ReLU weight is set
    to ``d = schedule_value(schedule, t, total_epochs)`` where `t` is the 0-based epoch (plus the
    fraction of the epoch done, per batch). ``"linear"`` is exactly the user's
    ``diff = (TOTAL_EPOCHS - CURRENT_EPOCH) / TOTAL_EPOCHS``; it never reaches 0 within
    `total_epochs` epochs (the last is still 1/T ReLU), so `hold_epochs` more epochs at d = 0
    train and evaluate the model as a pure polynomial network: fit for `self.epochs`
    (``total_epochs + hold_epochs``) epochs. The d of each epoch goes into the epoch logs under
    `log_key` (so `History` has it); for ``per_batch=True`` it is the d of the epoch's last batch.
    On JAX, ``per_batch=True`` writes the model's state back to its variables before every batch
    (`jax_state_sync`, which `fit` otherwise does once per epoch), a cost per step.

    Args:
        total_epochs: length T of the blend, in epochs (integer > 0).
        schedule: ``"linear"``, ``"cosine"``, ``"step"`` or a callable ``(t, T) -> d``.
        hold_epochs: epochs at d = 0 after the blend (integer >= 0); informs `self.epochs`.
        per_batch: update d before every training batch instead of once per epoch.
        layers: None (every `PolyReLUBlend` in the model) or a non-empty list of blend layers
            or their names; several schedules over disjoint lists give a staggered,
            layer-by-layer replacement.
        log_key: name of d in the epoch logs (distinct keys for several schedules).

    In a custom training loop (no `fit`), call ``schedule.set_model(model)`` once and then
    ``schedule.on_epoch_begin(epoch)`` at the start of each epoch (``on_train_batch_begin(batch)``
    too with ``per_batch=True``, after setting ``schedule.params = {"steps": steps_per_epoch}``).
    The blends are found on that first call; ``on_train_begin()`` may be called but is not
    needed. Without a model, the first call raises a `RuntimeError` that says what to call.
    """

    def __init__(
        self,
        total_epochs: int,
        schedule: str | Callable = "linear",
        hold_epochs: int = 0,
        per_batch: bool = False,
        layers: Sequence | None = None,
        log_key: str = "relu_weight",
    ):
        super().__init__()
        if not (is_int(total_epochs) and total_epochs > 0):
            raise ValueError(
                f"`total_epochs` must be an integer > 0. Received: total_epochs={total_epochs!r}"
            )
        if not (callable(schedule) or schedule in SCHEDULES):
            raise ValueError(
                f"`schedule` must be one of {SCHEDULES} or a callable (t, "
                f"total_epochs) -> d. Received: schedule={schedule!r}"
            )
        if not (is_int(hold_epochs) and hold_epochs >= 0):
            raise ValueError(
                f"`hold_epochs` must be an integer >= 0. Received: hold_epochs={hold_epochs!r}"
            )
        if not isinstance(per_batch, bool):
            raise ValueError(
                f"`per_batch` must be True or False. Received: per_batch={per_batch!r}"
            )
        if layers is not None:
            ok = (
                isinstance(layers, (list, tuple))
                and len(layers) > 0
                and all(isinstance(la, (str, PolyReLUBlend)) for la in layers)
            )
            if not ok:
                raise ValueError(
                    "`layers` must be None or a non-empty list of PolyReLUBlend "
                    f"layers or layer names. Received: layers={layers!r}"
                )
        if not (isinstance(log_key, str) and log_key):
            raise ValueError(f"`log_key` must be a non-empty string. Received: log_key={log_key!r}")
        self.total_epochs = int(total_epochs)
        self.schedule = schedule
        self.hold_epochs = int(hold_epochs)
        self.per_batch = per_batch
        self.layers = None if layers is None else list(layers)
        self.log_key = log_key
        self.targets: list[PolyReLUBlend] = []
        self.current = None
        self._epoch = 0
        self._resolved = False  # targets found for the current model

    @property
    def epochs(self) -> int:
        """Epochs to pass to `fit`: the blend plus the hold at d = 0."""
        return self.total_epochs + self.hold_epochs

    def value(self, t: float) -> float:
        """d at 0-based (fractional) epoch `t`."""
        return schedule_value(self.schedule, t, self.total_epochs)

    def set_model(self, model):
        super().set_model(model)
        self._resolved = False  # a new model: find its blends again on first use

    def _resolve_layers(self) -> list[PolyReLUBlend]:
        if getattr(self, "_model", None) is None:
            raise RuntimeError(
                "BlendSchedule has no model, so it cannot find the PolyReLUBlend layers to move. "
                "Pass it to `model.fit(..., callbacks=[schedule])`, or, in a custom training "
                "loop, call `schedule.set_model(model)` once before "
                "`schedule.on_epoch_begin(epoch)`."
            )
        blends = find_layers(self.model, PolyReLUBlend)
        if self.layers is None:
            if not blends:
                raise ValueError(
                    "BlendSchedule found no PolyReLUBlend layer in the model; pass "
                    "`layers` or add blends. Received: layers=None"
                )
            return blends
        by_name = {layer.name: layer for layer in blends}
        resolved = []
        for item in self.layers:
            layer = by_name.get(item) if isinstance(item, str) else item
            if layer is None or all(layer is not b for b in blends):
                raise ValueError(
                    f"`layers` names {item!r}, which is not a PolyReLUBlend of this "
                    f"model (its blends: {sorted(by_name)}). Received: "
                    f"layers={self.layers!r}"
                )
            resolved.append(layer)
        return resolved

    def _apply(self, t: float) -> None:
        if not self._resolved:  # a custom loop that never called on_train_begin
            self.on_train_begin()
        self.current = self.value(t)
        for layer in self.targets:
            layer.set_relu_weight(self.current)

    def on_train_begin(self, logs=None):
        self.targets = self._resolve_layers()
        self._resolved = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._apply(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if not self.per_batch:
            return
        steps = (self.params or {}).get("steps")
        if steps:  # unknown epoch length: stay with the epoch-begin value
            # On JAX, `fit` keeps the model's variables in a state tuple during an epoch and
            # writes them back only at its end; syncing first makes the next step re-read
            # the variables, this assignment included (a no-op on TensorFlow).
            sync = getattr(self.model, "jax_state_sync", None)
            if sync is not None:
                sync()
            self._apply(self._epoch + batch / steps)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.log_key] = self.current


class PreActivationMonitor(keras.callbacks.Callback):
    """Largest |input| of each watched layer on a fixed probe batch, at every epoch end.

    A probe model maps the model's inputs to the inputs of the watched layers and runs in
    inference mode (batch norm with its moving statistics, as at validation and test time),
    so it does not change the model's state. One forward pass on the probe batch per epoch.

    Args:
        probe_x: a fixed batch of inputs (NumPy array).
        kind: layer class to watch when `layers` is None (default `PolyReLUBlend`).
        layers: None or a list of layers / layer names to watch (e.g. ReLU layers of a baseline).

    Attributes:
        history: ``{layer name: [max |pre-activation| per epoch]}`` (NaN if it overflowed).
    """

    def __init__(self, probe_x, kind: type = PolyReLUBlend, layers: Sequence | None = None):
        super().__init__()
        self.probe_x = np.asarray(probe_x)
        if self.probe_x.ndim < 1 or len(self.probe_x) == 0:
            raise ValueError(
                "`probe_x` must be a non-empty batch. Received: "
                f"probe_x.shape={self.probe_x.shape!r}"
            )
        self.kind = kind
        self.layers = None if layers is None else list(layers)
        self.history: dict[str, list[float]] = {}
        self._probe = None
        self._names: list[str] = []

    def on_train_begin(self, logs=None):
        if self.layers is None:
            watched = find_layers(self.model, self.kind)
        else:
            by_name = {layer.name: layer for layer in find_layers(self.model, keras.layers.Layer)}
            missing = [la for la in self.layers if isinstance(la, str) and la not in by_name]
            if missing:
                raise ValueError(
                    f"`layers` names {missing}, not layers of this model. "
                    f"Received: layers={self.layers!r}"
                )
            watched = [by_name[la] if isinstance(la, str) else la for la in self.layers]
        if not watched:
            raise ValueError(
                f"PreActivationMonitor found no layer to watch (kind={self.kind}). "
                f"Received: layers={self.layers!r}"
            )
        self._names = [layer.name for layer in watched]
        inputs = self.model.inputs
        inputs = inputs[0] if len(inputs) == 1 else inputs
        self._probe = keras.Model(inputs, [layer.input for layer in watched])
        for name in self._names:
            self.history.setdefault(name, [])

    def on_epoch_end(self, epoch, logs=None):
        outputs = self._probe(self.probe_x, training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        for name, out in zip(self._names, outputs, strict=True):
            value = float(np.max(np.abs(keras.ops.convert_to_numpy(out))))
            self.history[name].append(value if math.isfinite(value) else float("nan"))
