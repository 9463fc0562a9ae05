"""The JAX child process: the same timings on Keras's JAX backend, in a second process.

Keras fixes its backend when imported, so a TensorFlow process gets its JAX timings from a
child (`run_in_jax_subprocess`), started as ``python -m actlab.bench`` (`__main__`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from actlab._util import child_env
from actlab.bench.candidates import Candidate, default_candidates
from actlab.bench.tables import JAX_MODE
from actlab.bench.timing import DIRECTIONS, ROW, _row, time_interleaved


def _prepare_jax(candidate: Candidate, shape: tuple[int, int], direction: str, cache: dict):
    """`_prepare` for the JAX backend: one `jax.jit`-compiled step on a fixed input.

    The candidate's variables enter as arguments through `keras.StatelessScope`, so the
    forward + backward step returns their gradients too (a VJP with the fixed upstream dy).
    """
    import jax
    import keras

    fn, variables = candidate.factory(shape)
    values = [jax.numpy.asarray(keras.ops.convert_to_numpy(v)) for v in variables]

    def forward(x, *vals):
        with keras.StatelessScope(state_mapping=list(zip(variables, vals, strict=True))):
            return fn(x)

    y_shape = (shape[0], *tuple(forward(jax.numpy.zeros((1, *shape[1:])), *values).shape[1:]))
    key = (shape, y_shape)
    if key not in cache:
        rng = np.random.default_rng(0)
        cache[key] = (
            jax.numpy.asarray(rng.normal(size=shape).astype("float32")),
            jax.numpy.asarray(rng.normal(size=y_shape).astype("float32")),
        )
    x, dy = cache[key]
    if direction == "forward":
        step = jax.jit(forward)
    else:

        def forward_backward(x, dy, *vals):
            y, pullback = jax.vjp(forward, x, *vals)
            return y, pullback(dy)

        step = jax.jit(lambda x, *vals: forward_backward(x, dy, *vals))

    def run():
        return jax.block_until_ready(step(x, *values))

    run()  # compile and warm up outside the timed region
    return run, int(np.prod(y_shape))


def run_jax_benchmark(
    candidates: Sequence[Candidate],
    sizes_log2: Sequence[int],
    directions: Sequence[str] = DIRECTIONS,
    repeats: int = 5,
) -> list[dict]:
    """`run_benchmark` on Keras's JAX backend (this process must run it): mode `JAX_MODE`."""
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(
            "run_jax_benchmark needs KERAS_BACKEND=jax; use "
            f"run_in_jax_subprocess. Running backend: {keras.backend.backend()!r}"
        )
    rows = []
    for log2 in sizes_log2:
        n = 1 << log2
        shape = (max(n // ROW, 1), ROW)
        inputs: dict = {}
        for direction in directions:
            steps, out_elements = {}, {}
            for cand in candidates:
                try:
                    steps[cand], out_elements[cand] = _prepare_jax(cand, shape, direction, inputs)
                except Exception as exc:  # noqa: BLE001 - reported as data, not a crash
                    rows.append(_row(cand, log2, JAX_MODE, direction, [], 0, error=repr(exc)[:200]))
            for cand, ts in time_interleaved(steps, repeats).items():
                rows.append(_row(cand, log2, JAX_MODE, direction, ts, out_elements[cand]))
    return rows


def run_in_jax_subprocess(
    sizes_log2: Sequence[int],
    repeats: int = 5,
    directions: Sequence[str] = DIRECTIONS,
    timeout_s: float = 1800,
) -> dict:
    """`run_jax_benchmark` of `default_candidates()` in a child process on the JAX backend.

    Keras fixes its backend when imported, so the JAX timings of a TensorFlow notebook come
    from a second process, run now (same machine, same minute) and after this one's own
    timings. Returns ``{"rows": [...], "versions": {...}, "wall_s": ...}``; raises with the
    child's output if it fails.
    """
    import json
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rows.json")
        env = child_env(KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2")
        cmd = [
            sys.executable,
            "-m",
            "actlab.bench",
            "--jax-rows",
            out,
            "--repeats",
            str(repeats),
            "--sizes",
            *map(str, sizes_log2),
            "--directions",
            *directions,
        ]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(
                f"the JAX timing process failed:\n{(proc.stdout + proc.stderr)[-3000:]}"
            )
        with open(out) as f:
            result = json.load(f)
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Time lib's activations under JAX's XLA.")
    parser.add_argument("--jax-rows", required=True, help="write the rows (JSON) here")
    parser.add_argument("--sizes", type=int, nargs="+", required=True, help="log2 sizes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--directions", nargs="+", default=list(DIRECTIONS))
    args = parser.parse_args(argv)
    import jax
    import keras

    rows = run_jax_benchmark(default_candidates(), args.sizes, args.directions, args.repeats)
    with open(args.jax_rows, "w") as f:
        json.dump(
            {
                "rows": rows,
                "versions": {
                    "jax": jax.__version__,
                    "keras": keras.__version__,
                    "backend": keras.backend.backend(),
                },
            },
            f,
        )
