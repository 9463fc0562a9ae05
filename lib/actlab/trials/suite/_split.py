"""Seeded splits shared by the suite's tasks: every arm gets the same split for a seed (common
random numbers), a new one per seed."""

from __future__ import annotations

import numpy as np

from actlab.trials.tasks import Split

__all__ = ["f32", "three_way", "standardize", "make_split"]


def f32(a) -> np.ndarray:
    return np.asarray(a, dtype="float32")


def three_way(
    n: int, n_val: int, n_test: int, seed: int, stream: int, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of train / validation / test drawn by (seed, stream); stratified by `y` (class
    labels) when given, so every class is in every part."""
    if n_val + n_test >= n:
        raise ValueError(f"n_val + n_test ({n_val + n_test}) must be below the {n} examples")
    rng = np.random.default_rng([int(seed), int(stream)])
    if y is None:
        order = rng.permutation(n)
        return order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]
    parts: list[list[np.ndarray]] = [[], [], []]
    fractions = (n_val / n, n_test / n)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k_val, k_test = (int(round(f * len(idx))) for f in fractions)
        parts[1].append(idx[:k_val])
        parts[2].append(idx[k_val : k_val + k_test])
        parts[0].append(idx[k_val + k_test :])
    return tuple(rng.permutation(np.concatenate(p)) for p in parts)  # type: ignore[return-value]


def standardize(
    x_train: np.ndarray, *others: np.ndarray, axis: int | None = 0
) -> tuple[np.ndarray, ...]:
    """`x_train` and `others` shifted and scaled by the training part's mean and standard
    deviation (per feature with ``axis=0``, one number with None; a constant feature is only
    shifted)."""
    mean = x_train.mean(axis=axis, keepdims=axis is not None)
    std = x_train.std(axis=axis, keepdims=axis is not None)
    std = np.where(std > 0, std, 1.0)
    return tuple(f32((a - mean) / std) for a in (x_train, *others))


def make_split(x, y, train, val, test, description: str) -> Split:
    """A `Split` of `x` and `y` by three index arrays or slices (train, validation, test)."""
    return Split(x[train], y[train], x[val], y[val], x[test], y[test], description)
