"""Periodic extrapolation as Snake's paper sets it up: ``"periodic"`` and ``"trend"``.

Source setup: Liu Ziyin, Hartwig and Ueda, "Neural Networks Fail to Learn Periodic Functions
and How to Fix It" (NeurIPS 2020), which proposes Snake, ``x + sin²(ax)/a``: an MLP fits a
periodic function on a training range of several periods and is judged beyond that range
(ReLU extrapolates linearly, tanh to a constant); the paper then predicts a real temperature
record, a yearly cycle on a slow trend, into the future. A function seen over a single period
cannot be extrapolated by anything; these tasks show several.

- `periodic_extrapolation`: sin x, trained on [0, 2π·`periods`] (default 4 periods), tested on
  the next `test_periods` (2) periods.
- `periodic_trend`: a temperature-like weekly signal, ``trend·t + sin(2πt) + 0.3·sin(4πt)`` with
  t in years, observed with noise for `years` (default 6) years, tested on the next
  `test_years` (2) noise-free.

Scaled down for a 2-core CPU: two hidden layers of 32 units (the paper: up to 512), a few
hundred points, a few hundred Adam steps. The score is the test MSE, compared on log10.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from actlab._util import is_int
from actlab.trials.suite._split import f32
from actlab.trials.tasks import Split, Task, build_regressor, log_mse_task, sine_split

__all__ = ["periodic_extrapolation", "periodic_trend", "snake"]


def snake(x, a: float = 1.0):
    """Snake (Liu Ziyin et al. 2020), ``x + sin²(a·x)/a``; a = 1 is the paper's ``x + sin²x``.
    The positive control of the periodic tasks."""
    from keras import ops

    return x + ops.square(ops.sin(a * x)) / a


def _check_count(name, value, low=1):
    if not is_int(value) or value < low:
        raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")


def _sin_split(
    seed: int,
    *,
    periods: int,
    test_periods: int,
    n_train: int,
    n_val: int,
    n_test: int,
    noise: float,
) -> Split:
    return sine_split(
        seed,
        33,
        periods=periods,
        test_periods=test_periods,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        noise=noise,
        description=f"sin x: {n_train} train / {n_val} validation points uniform on "
        f"[0, {2 * periods}π] (noise {noise:g}), {n_test} test points on the next "
        f"{test_periods} periods; drawn by seed {seed}",
    )


def periodic_extrapolation(
    *,
    periods: int = 4,
    test_periods: int = 2,
    n_train: int = 512,
    n_val: int = 128,
    n_test: int = 512,
    noise: float = 0.0,
    units: Sequence[int] = (32, 32),
    epochs: int = 20,
    passes: int = 5,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (3e-3,),
) -> Task:
    """sin x over `periods` periods, tested on the next `test_periods` (see the module
    docstring). One epoch is `passes` passes over the training points."""
    for name, value in (("periods", periods), ("test_periods", test_periods)):
        _check_count(name, value)
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        _check_count(name, value, 8)
    config = {
        "periods": int(periods),
        "test_periods": int(test_periods),
        "n_train": int(n_train),
        "n_val": int(n_val),
        "n_test": int(n_test),
        "noise": float(noise),
    }
    return log_mse_task(
        name="periodic",
        data=functools.partial(_sin_split, **config),
        build=functools.partial(build_regressor, units=tuple(int(u) for u in units)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        learning_rates=tuple(learning_rates),
        config={**config, "units": [int(u) for u in units]},
    )


def _trend_signal(t: np.ndarray, trend: float) -> np.ndarray:
    return trend * t + np.sin(2 * math.pi * t) + 0.3 * np.sin(4 * math.pi * t)


def _trend_split(
    seed: int,
    *,
    years: int,
    test_years: int,
    per_year: int,
    n_val: int,
    trend: float,
    noise: float,
) -> Split:
    rng = np.random.default_rng([seed, 34])
    t = np.arange(years * per_year, dtype="float64")[:, None] / per_year
    y = _trend_signal(t, trend) + noise * rng.normal(size=t.shape)
    val = np.zeros(len(t), dtype=bool)
    val[rng.choice(len(t), size=n_val, replace=False)] = True
    t_test = years + np.arange(test_years * per_year, dtype="float64")[:, None] / per_year
    return Split(
        f32(t[~val]),
        f32(y[~val]),
        f32(t[val]),
        f32(y[val]),
        f32(t_test),
        f32(_trend_signal(t_test, trend)),
        f"trend·t + sin 2πt + 0.3 sin 4πt (trend {trend:g}/year), {per_year} points a year: "
        f"{len(t) - n_val} train / {n_val} validation over {years} years (noise {noise:g}, "
        f"validation drawn by seed {seed}), test: the next {test_years} years noise-free",
    )


def periodic_trend(
    *,
    years: int = 6,
    test_years: int = 2,
    per_year: int = 52,
    n_val: int = 60,
    trend: float = 0.3,
    noise: float = 0.1,
    units: Sequence[int] = (32, 32),
    epochs: int = 20,
    passes: int = 5,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (3e-3,),
) -> Task:
    """A temperature-like series with a trend, extrapolated `test_years` ahead (see the module
    docstring); `n_val` of the observed weeks, drawn by the seed, are the validation split."""
    for name, value in (("years", years), ("test_years", test_years), ("per_year", per_year)):
        _check_count(name, value)
    _check_count("n_val", n_val, 8)
    if n_val >= years * per_year // 2:
        raise ValueError(
            f"`n_val` must be below half of the {years * per_year} observed points. "
            f"Received: n_val={n_val!r}"
        )
    config = {
        "years": int(years),
        "test_years": int(test_years),
        "per_year": int(per_year),
        "n_val": int(n_val),
        "trend": float(trend),
        "noise": float(noise),
    }
    return log_mse_task(
        name="trend",
        data=functools.partial(_trend_split, **config),
        build=functools.partial(build_regressor, units=tuple(int(u) for u in units)),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        learning_rates=tuple(learning_rates),
        config={**config, "units": [int(u) for u in units]},
    )
