"""Periodic extrapolation as Snake's paper sets it up: ``"periodic"`` and ``"trend"``.

Source setup: Liu Ziyin, Hartwig and Ueda, "Neural Networks Fail to Learn Periodic Functions
and How to Fix It" (NeurIPS 2020), which proposes Snake, ``x + sin²(ax)/a``: an MLP fits a
periodic function on a training range of several periods and is judged beyond that range
(ReLU extrapolates linearly, tanh to a constant); the paper then predicts a temperature record,
a yearly cycle on a slow trend, into the future. A function seen over a single period cannot be
extrapolated by anything; these tasks show several. The models and training follow the
paper's official notebooks (github.com/AdenosHermes/NeurIPS_2020_Snake):

- `periodic_extrapolation` (``extrapolation_experiments.ipynb``): sin x, trained on
  [0, 2π·`periods`] (default 4 periods), tested on the next `test_periods` (2) periods. As
  there: the inputs are scaled so that the training range is [-1, 1] (the test range is then
  [1, 2]), one hidden layer of 512 units, 64 training points, full-batch SGD (learning rate
  0.01, momentum 0.9) for 15,000 steps, and Snake's control is `paper_snake` (a = 20).
  Not as there: the notebook samples two ranges with a gap between them and tests on 3.5 times
  the range around them; here the test is extrapolation only, and 64 further points are the
  validation split.
- `periodic_trend` (``Snake_Atmospheric_Temperature.ipynb``): a temperature-like weekly
  signal, ``trend·t + sin(2πt) + 0.3·sin(4πt)`` with t in years, observed with noise for
  `years` (default 6) years, tested on the next `test_years` (2) noise-free. As there: two
  hidden layers of 100 units, SGD (learning rate 3e-4, momentum 0.99, weight decay 3e-3 on
  every weight: an L2 penalty of 1.5e-3, the same gradient as PyTorch's coupled decay) in
  batches of 32 for 2,500 passes over the data. Not as there: the signal is synthetic (the
  notebook's own file is itself an artificial stand-in for the record), 60 observed weeks are
  the validation split, and the control's Snake has a fixed a = 20 (the notebook learns one a
  per unit, initialised from |N(0, 50)|); the score is the test MSE without the penalty.

Scaled down for a 2-core CPU: nothing at `suite:standard` size (a run takes seconds);
`suite:quick` trains 2,000 steps of `periodic` and 300 passes of `trend`. The score is the
test MSE, compared on log10.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence

import numpy as np

from actlab._util import is_int
from actlab.trials.suite._split import f32
from actlab.trials.tasks import Split, Task, build_regressor, log_mse_task, sine_split

__all__ = ["PAPER_A", "paper_snake", "periodic_extrapolation", "periodic_trend", "snake"]

#: Snake's a in the paper's official notebooks for inputs scaled to about [-1, 1].
PAPER_A = 20.0


def snake(x, a: float = 1.0):
    """Snake (Liu Ziyin et al. 2020), ``x + sin²(a·x)/a``; a = 1 is the paper's ``x + sin²x``."""
    from keras import ops

    return x + ops.square(ops.sin(a * x)) / a


def paper_snake(x):
    """Snake with a = `PAPER_A` (20), as the paper's official notebooks use it: the positive
    control of the periodic tasks."""
    return snake(x, PAPER_A)


def _check_count(name, value, low=1):
    if not is_int(value) or value < low:
        raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")


def _steps(n: int, batch_size: int, passes: int) -> int:
    """Training steps in one epoch of `passes` passes (one compiled call runs them all)."""
    return max(1, -(-n * passes // batch_size))


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
    split = sine_split(
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
        f"{test_periods} periods, inputs scaled by 1/({periods}π) − 1 (training range "
        f"[-1, 1]); drawn by seed {seed}",
    )
    scale = lambda x: f32(x / (math.pi * periods) - 1.0)  # noqa: E731
    return dataclasses.replace(
        split, x_train=scale(split.x_train), x_val=scale(split.x_val), x_test=scale(split.x_test)
    )


def periodic_extrapolation(
    *,
    periods: int = 4,
    test_periods: int = 2,
    n_train: int = 64,
    n_val: int = 64,
    n_test: int = 512,
    noise: float = 0.0,
    units: Sequence[int] = (512,),
    epochs: int = 20,
    passes: int = 750,
    batch_size: int | None = None,
    last: int = 3,
    learning_rates: Sequence[float] = (1e-2,),
    momentum: float = 0.9,
) -> Task:
    """sin x over `periods` periods, tested on the next `test_periods`, trained with SGD (see
    the module docstring). One epoch is `passes` passes over the training points, in batches of
    `batch_size` (None: all of them, full-batch as the paper)."""
    for name, value in (("periods", periods), ("test_periods", test_periods)):
        _check_count(name, value)
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        _check_count(name, value, 8)
    batch_size = n_train if batch_size is None else batch_size
    _check_count("batch_size", batch_size)
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
        steps_per_execution=_steps(n_train, batch_size, passes),
        learning_rates=tuple(learning_rates),
        optimizer="sgd",
        optimizer_options={"momentum": float(momentum)},
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
    units: Sequence[int] = (100, 100),
    epochs: int = 25,
    passes: int = 100,
    batch_size: int = 32,
    last: int = 3,
    learning_rates: Sequence[float] = (3e-4,),
    momentum: float = 0.99,
    weight_decay: float = 3e-3,
) -> Task:
    """A temperature-like series with a trend, extrapolated `test_years` ahead, trained with
    SGD and weight decay (see the module docstring); `n_val` of the observed weeks, drawn by
    the seed, are the validation split. Scored by the MSE without the penalty."""
    for name, value in (("years", years), ("test_years", test_years), ("per_year", per_year)):
        _check_count(name, value)
    _check_count("n_val", n_val, 8)
    if n_val >= years * per_year // 2:
        raise ValueError(
            f"`n_val` must be below half of the {years * per_year} observed points. "
            f"Received: n_val={n_val!r}"
        )
    if not (isinstance(weight_decay, int | float) and weight_decay >= 0):
        raise ValueError(
            f"`weight_decay` must be a number >= 0. Received: weight_decay={weight_decay!r}"
        )
    config = {
        "years": int(years),
        "test_years": int(test_years),
        "per_year": int(per_year),
        "n_val": int(n_val),
        "trend": float(trend),
        "noise": float(noise),
    }
    n_train = years * per_year - n_val
    return Task(
        name="trend",
        data=functools.partial(_trend_split, **config),
        build=functools.partial(
            build_regressor, units=tuple(int(u) for u in units), l2=float(weight_decay) / 2
        ),
        loss="mse",
        metrics=("mse",),
        score="mse",
        higher_is_better=False,
        scale=1.0,
        unit="decades",
        log10=True,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        passes=passes,
        steps_per_execution=_steps(n_train, batch_size, passes),
        learning_rates=tuple(learning_rates),
        optimizer="sgd",
        optimizer_options={"momentum": float(momentum)},
        config={**config, "units": [int(u) for u in units], "weight_decay": float(weight_decay)},
    )
