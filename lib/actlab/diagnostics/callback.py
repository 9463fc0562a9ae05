"""`NaNDiagnosis`, the callback that stops at the first non-finite step and has it located,
its `NaNReport`, and `diagnose_fit`, which runs ``model.fit`` with it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import keras
import numpy as np

from actlab.activations.elu import EXP_OVERFLOW_FLOAT32
from actlab.diagnostics.locate import _finite, locate_nonfinite, nonfinite_fraction

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
