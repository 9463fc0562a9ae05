"""The float64 least-squares fit that initialises a rational activation's coefficients
(`actlab.activations.rational`), and the checks of its arguments.

The initial fit
---------------
`fit_rational(fn, degrees, fit_range)` fits P/Q to `fn` on a uniform grid over `fit_range`, in
float64, deterministically (no random start):

1. the variable is scaled to u = x / max(|lo|, |hi|) (so powers stay in [-1, 1]);
2. linearized least squares: minimize Σ w (P(u) − y (1 + B(u)))² over (a, b) with
   `numpy.linalg.lstsq` (the classical Padé-type linearization; it ignores the absolute value);
3. Levenberg–Marquardt on the true residual P(u)/Q(u) − y with the chosen denominator, from two
   starts (the linearized solution, and the degree-m least-squares polynomial with b = 0), at
   most `iterations` steps each (analytic Jacobian, Marquardt's diagonal scaling, the damping
   multiplied by 4 on a rejected step and divided by 3 on an accepted one); the start with the
   lower final cost wins;
4. the coefficients are scaled back to x (a_j / s^j, b_k / s^k) and the errors recomputed from
   them on the grid: the maximum absolute error, and the root of the (weighted) mean squared
   error.

The reference library fits the same kind of residual with SciPy's Levenberg–Marquardt
(`scipy.optimize.leastsq`) from an all-ones start; this one needs only NumPy.

"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["fit_rational", "RationalFit", "APPROXIMATIONS", "approximation_target"]

#: Names `fit_rational` and `actlab.layers.Rational` accept for the function to approximate.
APPROXIMATIONS = ("relu", "leaky_relu", "tanh", "swish")
#: Negative slope of "leaky_relu" (the PAU paper's initialization, Leaky ReLU with 0.01).
LEAKY_RELU_SLOPE = 0.01
#: Largest accepted degree of P or Q (beyond it the float32 range and the fit's conditioning
#: are both poor).
MAX_DEGREE = 16


def _swish(x):
    return x / (1.0 + np.exp(-x))


_TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, LEAKY_RELU_SLOPE * x),
    "tanh": np.tanh,
    "swish": _swish,
}


def approximation_target(approximates) -> Callable[[np.ndarray], np.ndarray]:
    """The float64 NumPy function behind a name of `APPROXIMATIONS`, or the callable itself.

    Raises:
        ValueError: naming `approximates` if it is neither.
    """
    if isinstance(approximates, str) and approximates in _TARGETS:
        return _TARGETS[approximates]
    if callable(approximates) and not isinstance(approximates, str):
        return approximates
    raise ValueError(
        f"`approximates` must be one of {list(APPROXIMATIONS)} or a callable "
        f"f(x) of a float64 NumPy array. Received: approximates={approximates!r}"
    )


def check_degrees(degrees, name: str = "degrees", min_denominator: int = 0) -> tuple[int, int]:
    """`(m, n)`: numerator degree m in [0, MAX_DEGREE], denominator degree n in
    [min_denominator, MAX_DEGREE]."""
    ok = (
        isinstance(degrees, (tuple, list))
        and len(degrees) == 2
        and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in degrees)
        and 0 <= degrees[0] <= MAX_DEGREE
        and min_denominator <= degrees[1] <= MAX_DEGREE
    )
    if not ok:
        raise ValueError(
            f"`{name}` must be a pair of integers (numerator degree m in "
            f"[0, {MAX_DEGREE}], denominator degree n in [{min_denominator}, "
            f"{MAX_DEGREE}]). Received: {name}={degrees!r}"
        )
    return int(degrees[0]), int(degrees[1])


def check_fit_range(fit_range, name: str = "fit_range") -> tuple[float, float]:
    """`(lo, hi)`: two finite numbers with lo < hi."""
    ok = (
        isinstance(fit_range, (tuple, list))
        and len(fit_range) == 2
        and all(
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool)
            and math.isfinite(v)
            for v in fit_range
        )
        and fit_range[0] < fit_range[1]
    )
    if not ok:
        raise ValueError(
            f"`{name}` must be a pair of finite numbers (lo, hi) with lo < hi. "
            f"Received: {name}={fit_range!r}"
        )
    return float(fit_range[0]), float(fit_range[1])


def check_safe(safe) -> bool:
    if not isinstance(safe, bool):
        raise ValueError(
            "`safe` must be True (denominator 1 + |b1 x + … + bn xⁿ|) or False "
            f"(1 + b1 x + … + bn xⁿ, can have poles). Received: safe={safe!r}"
        )
    return safe


# --------------------------------------------------------------------------- the fit


@dataclass(frozen=True)
class RationalFit:
    """Result of `fit_rational`: coefficients (lowest power first) and errors on the grid."""

    numerator: tuple[float, ...]
    denominator: tuple[float, ...]
    max_error: float
    rms_error: float
    linearized_max_error: float
    linearized_rms_error: float
    degrees: tuple[int, int]
    fit_range: tuple[float, float]
    weight: str
    safe: bool
    n_points: int

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _numpy_rational(x, a, b, safe):
    p = np.polynomial.polynomial.polyval(x, a)
    if len(b):
        s = np.polynomial.polynomial.polyval(x, np.concatenate([[0.0], b]))
        p = p / (1.0 + (np.abs(s) if safe else s))
    return p


def _grid_weights(x, weight):
    if weight == "uniform":
        w = np.ones_like(x)
    else:  # "normal": the N(0, 1) density
        w = np.exp(-0.5 * x * x)
    return w / w.sum()


def _lm(theta, u, y, sw, m, safe, iterations):
    """Levenberg–Marquardt on r = sw · (P/Q − y); returns (theta, cost)."""
    vander = np.vander(u, max(m + 1, len(theta) - m), increasing=True)
    nb = len(theta) - (m + 1)

    def residual_and_jacobian(t):
        a, b = t[: m + 1], t[m + 1 :]
        p = vander[:, : m + 1] @ a
        s = (vander[:, :nb] @ b) * u if nb else np.zeros_like(u)  # b1 u + … + bn uⁿ
        q = 1.0 + (np.abs(s) if safe else s)
        r = sw * (p / q - y)
        jac_a = sw[:, None] * vander[:, : m + 1] / q[:, None]
        sign = np.sign(s) if safe else np.ones_like(s)
        jac_b = (-(sw * p * sign / (q * q)))[:, None] * (vander[:, :nb] * u[:, None])
        return r, np.hstack([jac_a, jac_b])

    r, jac = residual_and_jacobian(theta)
    cost = float(r @ r)
    lam = 1e-3
    for _ in range(iterations):
        jtj, jtr = jac.T @ jac, jac.T @ r
        diag = np.maximum(np.diag(jtj), 1e-12)
        improved = converged = False
        while lam < 1e12:
            try:
                step = np.linalg.solve(jtj + lam * np.diag(diag), -jtr)
            except np.linalg.LinAlgError:
                lam *= 4.0
                continue
            candidate = theta + step
            r_new, jac_new = residual_and_jacobian(candidate)
            cost_new = float(r_new @ r_new)
            if np.isfinite(cost_new) and cost_new < cost:
                converged = cost - cost_new <= 1e-14 * max(cost, 1e-300)
                theta, r, jac, cost = candidate, r_new, jac_new, cost_new
                lam = max(lam / 3.0, 1e-12)
                improved = True
                break
            lam *= 4.0
        if not improved or converged:
            break
    return theta, cost


def fit_rational(
    fn,
    degrees: Sequence[int] = (5, 4),
    fit_range: Sequence[float] = (-3.0, 3.0),
    *,
    safe: bool = True,
    weight: str = "uniform",
    n_points: int = 2001,
    iterations: int = 200,
) -> RationalFit:
    """Least-squares rational approximation of `fn` on `fit_range`, in float64.

    See the module docstring for the method (linearized least squares, then
    Levenberg–Marquardt on the true residual with the chosen denominator). Deterministic: the
    same arguments give bitwise the same coefficients on the same machine and NumPy.

    Args:
        fn: one of `APPROXIMATIONS` ("relu", "leaky_relu" with slope 0.01, "tanh", "swish") or a
            callable mapping a float64 NumPy array to one of the same shape.
        degrees: `(m, n)`, numerator and denominator degrees (n = 0: a least-squares
            polynomial of degree m).
        fit_range: `(lo, hi)`, the interval of the uniform grid.
        safe: fit the safe denominator (True) or the plain one (False), as `rational`.
        weight: "uniform" (every grid point alike) or "normal" (weighted by the N(0, 1)
            density, for inputs that are roughly standard normal).
        n_points: grid size (>= 2 (m + n + 1)).
        iterations: maximum Levenberg–Marquardt steps per start (0: the linearized solution).

    Returns:
        A `RationalFit`: `numerator` (a0..am), `denominator` (b1..bn), `max_error` (largest
        |f − fn| on the grid), `rms_error` (root of the `weight`-weighted mean of (f − fn)²),
        the same two errors of the linearized solution, and the arguments.
    """
    m, n = check_degrees(degrees)
    lo, hi = check_fit_range(fit_range)
    check_safe(safe)
    target = approximation_target(fn)
    _check_grid(weight, n_points, iterations, m + n + 1)
    x, y = _grid(fn, target, lo, hi, n_points)
    w = _grid_weights(x, weight)
    scale = max(abs(lo), abs(hi))
    linear, best = _fit_scaled(x / scale, y, np.sqrt(w), (m, n), safe, iterations)
    a, b = _unscale(best, m, n, scale)
    max_err, rms_err = _errors(a, b, x, y, w, safe)
    lin_max, lin_rms = _errors(*_unscale(linear, m, n, scale), x, y, w, safe)
    return RationalFit(
        numerator=tuple(float(v) for v in a),
        denominator=tuple(float(v) for v in b),
        max_error=max_err,
        rms_error=rms_err,
        linearized_max_error=lin_max,
        linearized_rms_error=lin_rms,
        degrees=(m, n),
        fit_range=(lo, hi),
        weight=weight,
        safe=safe,
        n_points=n_points,
    )


def _grid(fn, target, lo: float, hi: float, n_points: int):
    """The uniform grid x over [lo, hi] and the target's values y on it, in float64."""
    x = np.linspace(lo, hi, n_points)
    y = np.asarray(target(x.copy()), dtype="float64")
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise ValueError(
            "`fn` must return a finite array of the input's shape on `fit_range`. "
            f"Received: fn={fn!r}"
        )
    return x, y


def _check_grid(weight, n_points, iterations, n_coefficients: int) -> None:
    if weight not in ("uniform", "normal"):
        raise ValueError(f"`weight` must be 'uniform' or 'normal'. Received: weight={weight!r}")
    if not (
        isinstance(n_points, int)
        and not isinstance(n_points, bool)
        and n_points >= 2 * n_coefficients
    ):
        raise ValueError(
            f"`n_points` must be an integer >= 2 (m + n + 1) = {2 * n_coefficients}. "
            f"Received: n_points={n_points!r}"
        )
    if not (isinstance(iterations, int) and not isinstance(iterations, bool) and iterations >= 0):
        raise ValueError(
            f"`iterations` must be an integer >= 0. Received: iterations={iterations!r}"
        )


def _fit_scaled(u, y, sw, degrees, safe, iterations):
    """(linearized solution, best solution) in the scaled variable u: linearized least squares
    P(u) − y B(u) ≈ y, then Levenberg–Marquardt from it and from the least-squares polynomial."""
    m, n = degrees
    vander = np.vander(u, max(m, n) + 1, increasing=True)
    design = np.hstack([vander[:, : m + 1], -y[:, None] * vander[:, 1 : n + 1]])
    linear, *_ = np.linalg.lstsq(sw[:, None] * design, sw * y, rcond=None)
    starts = [linear]
    if n:
        poly, *_ = np.linalg.lstsq(sw[:, None] * vander[:, : m + 1], sw * y, rcond=None)
        starts.append(np.concatenate([poly, np.zeros(n)]))
    best, best_cost = linear, math.inf
    for start in starts:
        theta, cost = _lm(start.copy(), u, y, sw, m, safe, iterations)
        if cost < best_cost:
            best, best_cost = theta, cost
    return linear, best


def _unscale(theta, m: int, n: int, scale: float):
    """Coefficients of u = x / scale back to x: (a_j / scale^j, b_k / scale^k)."""
    a = theta[: m + 1] / scale ** np.arange(m + 1)
    b = theta[m + 1 :] / scale ** np.arange(1, n + 1)
    return a, b


def _errors(a, b, x, y, w, safe) -> tuple[float, float]:
    """The maximum absolute error and the root of the weighted mean squared error on the grid."""
    err = _numpy_rational(x, a, b, safe) - y
    return float(np.max(np.abs(err))), float(np.sqrt(np.sum(w * err * err)))
