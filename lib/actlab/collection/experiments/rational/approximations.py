"""Notebook 08 (a): polynomial and rational stand-ins for ReLU, fitted on N(0, 1)-weighted
[-3, 3], and their error inside and outside that range (a table and a figure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.activations.polynomial import DELPHI_COEFFICIENTS
from actlab.activations.rational import fit_rational


def _relu(x):
    return np.maximum(x, 0.0)


def approximants(fit_range=(-3.0, 3.0), poly_degrees=(4, 6), rational_degrees=(5, 4)) -> dict:
    """ReLU's stand-ins: Delphi's quadratic (as published), least-squares polynomials of
    `poly_degrees` and the rational function of `rational_degrees`, the last three fitted here
    with the N(0, 1) weight on `fit_range`. Returns ``{label: (numerator, denominator)}``."""
    out = {"Delphi quadratic": (tuple(DELPHI_COEFFICIENTS), ())}
    for d in poly_degrees:
        fit = fit_rational("relu", (d, 0), fit_range, weight="normal")
        out[f"LS polynomial, degree {d}"] = (fit.numerator, ())
    fit = fit_rational("relu", tuple(rational_degrees), fit_range, weight="normal")
    out[f"rational {tuple(rational_degrees)}"] = (fit.numerator, fit.denominator)
    return out


def _evaluate(x, numerator, denominator):
    from actlab.activations.rational import _numpy_rational

    return _numpy_rational(
        np.asarray(x, "float64"), np.asarray(numerator), np.asarray(denominator), True
    )


def approximation_table(candidates: dict, fit_range=(-3.0, 3.0), outside=(3.0, 8.0)) -> list[dict]:
    """Per approximant: N(0, 1)-weighted RMS and max error on `fit_range`, max error on
    `outside` on both sides (|x| from outside[0] to outside[1]), the error at |x| = 6, and the
    probability mass of N(0, 1) outside the range. float64, on fine grids."""
    lo, hi = fit_range
    inside = np.linspace(lo, hi, 6001)
    w = np.exp(-0.5 * inside**2)
    w /= w.sum()
    out_x = np.concatenate([-np.linspace(*outside, 2001)[::-1], np.linspace(*outside, 2001)])
    rows = []
    for label, (num, den) in candidates.items():
        err_in = _evaluate(inside, num, den) - _relu(inside)
        err_out = _evaluate(out_x, num, den) - _relu(out_x)
        at6 = _evaluate(np.array([-6.0, 6.0]), num, den) - _relu(np.array([-6.0, 6.0]))
        rows.append(
            {
                "approximant": label,
                "parameters": len(num) + len(den),
                "rms_error_in_range_normal_weighted": float(np.sqrt(np.sum(w * err_in**2))),
                "max_error_in_range": float(np.max(np.abs(err_in))),
                "max_error_outside": float(np.max(np.abs(err_out))),
                "error_at_minus_6": float(at6[0]),
                "error_at_plus_6": float(at6[1]),
            }
        )
    return rows


def plot_approximations(candidates: dict, fit_range=(-3.0, 3.0), span: float = 8.0):
    """Left: each approximant and ReLU over [-span, span]; right: |error| on a log scale."""
    import matplotlib.pyplot as plt

    x = np.linspace(-span, span, 1601)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
    for ax in axes:
        ax.axvspan(*fit_range, color="0.9", zorder=0, label="fit range (N(0, 1)-weighted)")
    axes[0].plot(x, _relu(x), "k:", lw=2, label="ReLU")
    for label, (num, den) in candidates.items():
        y = _evaluate(x, num, den)
        axes[0].plot(x, y, label=label)
        axes[1].plot(x, np.maximum(np.abs(y - _relu(x)), 1e-6), label=label)
    axes[0].set(
        title="ReLU and its stand-ins",
        xlabel="x (pre-activation, unitless)",
        ylabel="f(x)",
        ylim=(-2, span + 1),
    )
    axes[1].set_yscale("log")
    axes[1].set(
        title="Absolute error |f(x) − ReLU(x)|",
        xlabel="x (pre-activation, unitless)",
        ylabel="absolute error (log scale, floor 1e-6)",
    )
    axes[0].legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig


def approximation_styler(rows: Sequence[dict]):
    """`approximation_table` for people (`actlab.collection.tables.for_people`)."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(rows).set_index("approximant")
    return for_people(
        frame,
        formats={
            "rms_error_in_range_normal_weighted": "{:.2e}",
            "max_error_in_range": "{:.2e}",
            "max_error_outside": "{:.3g}",
            "error_at_minus_6": "{:.3g}",
            "error_at_plus_6": "{:.3g}",
        },
        rename={
            "rms_error_in_range_normal_weighted": "RMS error on [-3, 3] (N(0, 1) weight)",
            "max_error_in_range": "max error on [-3, 3]",
            "max_error_outside": "max error, 3 ≤ |x| ≤ 8",
            "error_at_minus_6": "error at x = −6",
            "error_at_plus_6": "error at x = 6",
        },
        caption="Error against ReLU inside and outside the fit range",
    )
