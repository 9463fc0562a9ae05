"""Numerical checks shared by the tests, on either backend: gradients by the backend's autodiff
(through `actlab.autodiff`: `tf.GradientTape` or `jax.vjp`), central finite differences in
float64, and save/load round trips.

Every gradient here is that of ``sum(weights * fn(*inputs))`` (weights default to ones) with
respect to each input. On JAX, importing this module turns on x64 mode: without it JAX computes
float64 arrays in float32, and the float64 references would compare float32 numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np

from actlab.autodiff import vjp

if keras.backend.backend() == "jax":
    import jax

    jax.config.update("jax_enable_x64", True)


def _as_arrays(inputs: Sequence, dtype: str | None) -> list[np.ndarray]:
    return [np.asarray(v, dtype=dtype) if dtype else np.asarray(v) for v in inputs]


def autodiff_grads(
    fn: Callable,
    inputs: Sequence[np.ndarray],
    weights: np.ndarray | float | Callable | None = None,
    dtype: str | None = "float64",
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(fn(*inputs), [d sum(weights * fn(*inputs)) / d input for each input])`` by autodiff,
    as NumPy arrays. The inputs are cast to `dtype` first (None keeps theirs). `weights` is an
    array or a number (cast to the output's dtype, broadcast to its shape), or a callable
    ``(output_index, output_shape) -> array`` (`actlab.autodiff.vjp`'s `upstream`)."""
    y, grads = vjp(fn, _as_arrays(inputs, dtype), weights)
    return y, grads


def autodiff_grad(fn: Callable, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """d/dx of sum(weights * fn(x)) by autodiff, in float64."""
    return autodiff_grads(fn, [x], weights)[1][0]


def finite_diff_grads(
    fn: Callable,
    inputs: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    eps: float = 1e-6,
) -> list[np.ndarray]:
    """Central differences of sum(weights * fn(*inputs)) in every input, one element at a time,
    in float64 (`fn` gets backend tensors)."""
    args = _as_arrays(inputs, "float64")

    def scalar(call: list[np.ndarray]) -> float:
        y = keras.ops.convert_to_numpy(fn(*[keras.ops.convert_to_tensor(a) for a in call]))
        return float(np.sum(y if weights is None else y * weights))

    grads = []
    for index, target in enumerate(args):
        grad = np.zeros_like(target)
        for i in np.ndindex(target.shape):
            values = []
            for sign in (1.0, -1.0):
                shifted = target.copy()
                shifted[i] += sign * eps
                values.append(scalar([*args[:index], shifted, *args[index + 1 :]]))
            grad[i] = (values[0] - values[1]) / (2 * eps)
        grads.append(grad)
    return grads


def finite_diff_grad(
    fn: Callable, x: np.ndarray, weights: np.ndarray | None = None, eps: float = 1e-6
) -> np.ndarray:
    """Central differences of sum(weights * fn(x)), one coordinate at a time, in float64."""
    return finite_diff_grads(fn, [x], weights, eps)[0]


def elementwise_finite_diff(fn: Callable, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of an elementwise function, all coordinates at once, in float64."""
    x = np.asarray(x, dtype="float64")
    plus = keras.ops.convert_to_numpy(fn(keras.ops.convert_to_tensor(x + eps)))
    minus = keras.ops.convert_to_numpy(fn(keras.ops.convert_to_tensor(x - eps)))
    return (plus - minus) / (2 * eps)


def assert_gradients_match(
    fn: Callable,
    inputs: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    names: Sequence[str] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-7,
    eps: float = 1e-6,
) -> list[np.ndarray]:
    """Autodiff gradients of sum(weights * fn(*inputs)) in float64 equal central finite
    differences for every input, to `rtol` and to `atol` times (1 + the largest finite
    difference of that input). Returns the autodiff gradients."""
    _, grads = autodiff_grads(fn, inputs, weights)
    fds = finite_diff_grads(fn, inputs, weights, eps)
    names = list(names) if names is not None else [f"input {i}" for i in range(len(grads))]
    for name, grad, fd in zip(names, grads, fds, strict=True):
        assert grad.shape == fd.shape, (
            f"{name}: autodiff {grad.shape}, finite differences {fd.shape}"
        )
        scale = np.max(np.abs(fd), initial=0.0) + 1.0
        np.testing.assert_allclose(grad, fd, rtol=rtol, atol=atol * scale, err_msg=name)
    return grads


def assert_save_load_roundtrip(
    model: keras.Model, x: np.ndarray, tmp_path: Path, atol: float = 1e-6
) -> keras.Model:
    """Save as .keras, reload with safe_mode=True, and check predictions match."""
    path = Path(tmp_path) / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)),
        keras.ops.convert_to_numpy(model(x)),
        atol=atol,
        rtol=0,
    )
    return loaded
