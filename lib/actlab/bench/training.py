"""Timing one training step of whole models (compiled, warmed up, interleaved)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from actlab.bench.timing import log, time_interleaved
from actlab.determinism import xla_allowed


def run_training_steps(
    pairs,
    basis: dict | None = None,
    batch_size: int = 128,
    repeats: int = 10,
    jit_compile: bool = True,
    progress: Callable[[str], None] | None = log.info,
) -> list[dict]:
    """Median seconds of one `train_on_batch` per model (compiled, warmed up, interleaved).

    `pairs` are ``(pair, name, role, build)`` tuples: models of one pair are timed against the
    pair's ``"builtin"`` one (``x_builtin``); `basis` maps a pair to what its models hold equal
    (each row carries it). Notebook 06's pairs are
    `actlab.collection.experiments.cost.training_step_pairs`.

    Keras silently compiles without XLA while TensorFlow op determinism is on, so it is lifted
    for the measurement (`xla_allowed`).
    """
    with xla_allowed(jit_compile):
        return _run_training_steps(pairs, basis or {}, batch_size, repeats, jit_compile, progress)


def _run_training_steps(pairs, basis, batch_size, repeats, jit_compile, progress) -> list[dict]:
    import keras

    rng = np.random.default_rng(0)
    steps = {}
    for scenario, name, role, build in pairs:
        model = build()
        shape = (batch_size, *model.input_shape[1:])
        x = rng.normal(size=shape).astype("float32")
        y = rng.integers(0, 10, size=batch_size)
        # the scenarios' builders end in softmax/sigmoid, the replicas here in logits
        probabilities = getattr(model.layers[-1], "activation", None) in (
            keras.activations.softmax,
            keras.activations.sigmoid,
        )
        model.compile(
            optimizer=keras.optimizers.SGD(0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not probabilities),
            jit_compile=jit_compile,
        )
        model.train_on_batch(x, y)  # build, trace, compile
        if jit_compile and not model.jit_compile:
            raise RuntimeError(f"{name}: Keras did not compile with XLA")
        steps[(scenario, name, role, model.count_params())] = (model, x, y)
    times = time_interleaved(
        {
            key: lambda m=model, x=x, y=y: m.train_on_batch(x, y)
            for key, (model, x, y) in steps.items()
        },
        repeats,
    )
    rows = []
    for (scenario, name, role, params), ts in times.items():
        q = np.quantile(ts, [0.25, 0.5, 0.75])
        rows.append(
            {
                "pair": scenario,
                "name": name,
                "role": role,
                "params": params,
                "basis": basis.get(scenario, ""),
                "median_s": float(q[1]),
                "q1_s": float(q[0]),
                "q3_s": float(q[2]),
            }
        )
    builtin = {r["pair"]: r["median_s"] for r in rows if r["role"] == "builtin"}
    for r in rows:
        r["x_builtin"] = r["median_s"] / builtin[r["pair"]]
    if progress:
        progress(f"timed one training step of {len(rows)} models x {repeats} repeats")
    return rows
