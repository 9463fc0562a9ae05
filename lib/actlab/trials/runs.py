"""One training run: what a worker process executes for a (task, arm, learning rate, seed).

Everything that makes runs comparable happens here, before Keras builds anything: the parent's
Keras backend, `seed_everything(seed)` (TensorFlow op determinism on), one TensorFlow thread per
op; then the seed's split, the model with seeded initializers per layer index, and every
epoch's batch order drawn from a NumPy generator seeded by (seed, epoch, pass) and fed to
``fit(shuffle=False)`` one epoch at a time, so validation (and, for the chosen learning rate,
test) is evaluated after every epoch. A run records fingerprints of its split, its batch order
and the initial weights of every layer the activation does not make, so common random numbers
can be checked in the runs table.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.trials.arms import Arm, activation_factory
from actlab.trials.cache import device_label
from actlab.trials.tasks import Init, Task

__all__ = ["RunSpec", "execute_run", "batch_order"]

# Keras' global state (seeds, the session) is per process: a worker that runs tasks in several
# threads (a Dask worker with threads_per_worker > 1) runs them one at a time.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunSpec:
    """What one run needs; pickled to the worker."""

    task: Task
    arm: Arm
    learning_rate: float
    seed: int
    epochs: int
    record_test: bool
    backend: str
    stage: str  # "tune" or "eval"
    op_threads: int = 1
    onednn: str | None = None  # TF_ENABLE_ONEDNN_OPTS of the parent


def batch_order(seed: int, epoch: int, n: int, passes: int = 1) -> np.ndarray:
    """The indices of one epoch's training examples, in order: the same for every arm."""
    return np.concatenate(
        [np.random.default_rng([int(seed), int(epoch), p]).permutation(n) for p in range(passes)]
    )


def _batches(x: np.ndarray, y: np.ndarray, batch_size: int, backend: str) -> dict[str, Any]:
    """What `fit` / `evaluate` get for arrays fed in order: on TensorFlow a `tf.data` dataset of
    the same batches (Keras builds a new input pipeline from NumPy arrays at every call, about
    0.1 s of tracing, which dominated the short runs of small tasks); elsewhere the arrays."""
    if backend != "tensorflow":
        return {"x": x, "y": y, "batch_size": batch_size}
    import tensorflow as tf

    return {"x": tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)}


def _fingerprint(*arrays: Any) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(str((a.dtype, a.shape)).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:12]


def _use_environment(spec: RunSpec) -> None:
    """The parent's backend and oneDNN setting (both must be set before the backend loads)."""
    if "tensorflow" not in sys.modules:
        if spec.onednn is None:
            os.environ.pop("TF_ENABLE_ONEDNN_OPTS", None)
        else:
            os.environ["TF_ENABLE_ONEDNN_OPTS"] = spec.onednn
    elif os.environ.get("TF_ENABLE_ONEDNN_OPTS") != spec.onednn:
        raise RuntimeError(
            f"this worker loaded TensorFlow with TF_ENABLE_ONEDNN_OPTS="
            f"{os.environ.get('TF_ENABLE_ONEDNN_OPTS')!r}, the trial wants {spec.onednn!r}: "
            "start new workers (a new Python session, or a fresh Dask cluster)"
        )
    _use_backend(spec.backend)


def _use_backend(backend: str) -> None:
    keras = sys.modules.get("keras")
    if keras is None:
        os.environ["KERAS_BACKEND"] = backend
        import keras
    if keras.backend.backend() != backend:
        raise RuntimeError(
            f"this worker runs Keras on {keras.backend.backend()!r}, the trial on {backend!r}: "
            f"start the workers with KERAS_BACKEND={backend}"
        )


def warm_up(backend: str, onednn: str | None, op_threads: int) -> None:
    """What a worker does once before its first run: the backend, its threads, the data."""
    spec = RunSpec(None, None, 0.0, 0, 0, False, backend, "warm", op_threads, onednn)  # type: ignore[arg-type]
    with _LOCK:
        _use_environment(spec)
        from actlab.determinism import set_op_threads

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            set_op_threads(op_threads)
        from actlab import data

        data._embedded_arrays()


def execute_run(spec: RunSpec) -> dict[str, Any]:
    """Train one run and return its record (see `run_trial` for the columns)."""
    with _LOCK:
        return _execute(spec)


def _prepare(spec: RunSpec) -> int:
    """The backend, this worker's threads per op (checked), Keras' state anew, the seed."""
    _use_environment(spec)
    import keras

    from actlab.determinism import seed_everything, set_op_threads

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        threads = set_op_threads(spec.op_threads)
    if spec.backend == "tensorflow" and threads != spec.op_threads:
        raise RuntimeError(
            f"this worker already runs TensorFlow ops on {threads or 'the default number of'} "
            f"threads, the trial wants {spec.op_threads}: start new workers"
        )
    # Keras' global state anew; without its gc.collect() (0.4 s a run): Python's own collector
    # and loky's memory check reclaim the previous run's models
    keras.backend.clear_session(free_memory=False)
    seed_everything(spec.seed)
    return threads


def _model(spec: RunSpec) -> tuple[Any, list]:
    """The task's model around the arm's activation, compiled; and the initial weights of
    every layer the activation does not make (the same in every arm)."""
    import keras

    task, arm = spec.task, spec.arm
    made: list = []
    make = activation_factory(arm.activation)

    def activation():
        layer = make()
        made.append(layer)
        return layer

    model = task.build(activation, Init(spec.seed), **dict(arm.model))
    shared = [w for layer in model.layers if layer not in made for w in layer.get_weights()]
    optimizer = keras.optimizers.get(
        {
            "class_name": task.optimizer,
            "config": {
                "learning_rate": spec.learning_rate,
                **task.optimizer_options,
                **dict(arm.train.get("optimizer", {})),
            },
        }
    )
    model.compile(
        optimizer=optimizer,
        loss=task.loss,
        metrics=list(task.metrics),
        steps_per_execution=task.steps_per_execution,
    )
    return model, shared


def _train(spec: RunSpec, model: Any, split: Any) -> tuple[dict, list, int | None]:
    """Every epoch in its seeded batch order, validation (and test) evaluated after each:
    the curves, the orders, the first epoch whose loss was not finite."""
    task, arm = spec.task, spec.arm
    callbacks = list(arm.callbacks()) if arm.callbacks is not None else []
    n = len(split.y_train)
    curves: dict[str, list[float]] = {"train_loss": []}
    orders = []
    nonfinite_epoch = None
    parts = [("val", _batches(split.x_val, split.y_val, 1024, spec.backend))]
    if spec.record_test:
        parts.append(("test", _batches(split.x_test, split.y_test, 1024, spec.backend)))
    for epoch in range(spec.epochs):
        order = batch_order(spec.seed, epoch, n, task.passes)
        orders.append(order)
        history = model.fit(
            **_batches(split.x_train[order], split.y_train[order], task.batch_size, spec.backend),
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=0,
            callbacks=callbacks,
        ).history
        loss = float(history["loss"][-1])
        curves["train_loss"].append(loss)
        if not math.isfinite(loss) and nonfinite_epoch is None:
            nonfinite_epoch = epoch + 1
        for part, data in parts:
            values = model.evaluate(**data, verbose=0, return_dict=True)
            for name, value in values.items():
                curves.setdefault(f"{part}_{name}", []).append(float(value))
    return curves, orders, nonfinite_epoch


def _execute(spec: RunSpec) -> dict[str, Any]:
    threads = _prepare(spec)
    task = spec.task
    start = time.perf_counter()
    split = task.data(spec.seed)
    model, shared = _model(spec)
    curves, orders, nonfinite_epoch = _train(spec, model, split)
    record = task.record(model, split) if task.record is not None else None
    seconds = time.perf_counter() - start
    if f"val_{task.score}" not in curves:
        raise ValueError(
            f"Task {task.name!r}: the score {task.score!r} is not among the evaluated metrics "
            f"{sorted(k[4:] for k in curves if k.startswith('val_'))}"
        )
    return {
        "curves": curves,
        "seconds": seconds,
        "nonfinite_epoch": nonfinite_epoch,
        "params": int(model.count_params()),
        "device": device_label(spec.backend),
        "split_id": _fingerprint(split.x_train, split.y_train, split.x_val, split.x_test),
        "order_id": _fingerprint(*orders),
        "init_id": _fingerprint(*shared),
        "op_threads": threads,
        "record": record,
        "data": split.description,
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
