"""Notebook 02's curves: the soft exponential and its derivatives for several α, and the
complex form's real and imaginary parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from actlab.activations.softexp import complex_soft_exponential, soft_exponential


def curve_family(alphas: Sequence[float], x: np.ndarray) -> dict[str, Any]:
    """f(α, x), ∂f/∂x and ∂f/∂α (autodiff through `actlab.autodiff`, float32) for each α."""
    from actlab import autodiff

    x = np.asarray(x, dtype="float32")
    out: dict[str, Any] = {"x": x.tolist(), "f": {}, "dfdx": {}, "dfdalpha": {}}
    for alpha in alphas:
        a = np.full(x.shape, alpha, dtype="float32")
        y, (dfdx, dfda) = autodiff.vjp(soft_exponential, [x, a])
        key = f"{alpha:g}"
        out["f"][key] = np.asarray(y, dtype="float64").tolist()
        out["dfdx"][key] = np.asarray(dfdx, dtype="float64").tolist()
        out["dfdalpha"][key] = np.asarray(dfda, dtype="float64").tolist()
    return out


def complex_curves(alphas: Sequence[complex], x: np.ndarray) -> dict[str, Any]:
    """Re f and Im f for complex α, and the deviation of α = i from sin x."""
    out: dict[str, Any] = {"x": np.asarray(x).tolist(), "re": {}, "im": {}}
    for alpha in alphas:
        re, im = complex_soft_exponential(np.asarray(x, dtype="float64"), alpha.real, alpha.imag)
        key = f"{alpha.real:g}{alpha.imag:+g}i"
        out["re"][key] = np.asarray(re).tolist()
        out["im"][key] = np.asarray(im).tolist()
    re, im = complex_soft_exponential(np.asarray(x, dtype="float64"), 0.0, 1.0)
    out["alpha_i_max_abs_error_vs_sin"] = float(np.max(np.abs(np.asarray(re) - np.sin(x))))
    out["alpha_i_max_abs_error_vs_2_minus_cos"] = float(
        np.max(np.abs(np.asarray(im) - (2 - np.cos(x))))
    )
    return out
