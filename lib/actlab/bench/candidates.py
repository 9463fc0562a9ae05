"""The candidates the benchmark times: each actlab activation and its built-in counterpart.

Each candidate is a factory: given the input shape it returns `(fn, variables)`, where
`variables` are the trainable weights whose gradients the backward pass also computes. A pair
may also hold a "before" candidate: an earlier implementation of its custom activation with the
same values (gradients by autodiff), timed in the same run so that the speed-up of the rewrite
is measured, not remembered (`actlab.bench.before_after_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ROLES = ("builtin", "custom", "before")


@dataclass(frozen=True)
class Candidate:
    """One implementation to time. `role` is one of `ROLES`; `pair` groups them."""

    pair: str
    name: str
    role: str
    factory: Callable[[tuple[int, int]], tuple[Callable, list]]


def _fn(fn: Callable) -> Callable[[tuple[int, int]], tuple[Callable, list]]:
    return lambda shape: (fn, [])


def _layer(make: Callable) -> Callable[[tuple[int, int]], tuple[Callable, list]]:
    def factory(shape):
        layer = make()
        layer.build(shape)
        return layer, list(layer.trainable_variables)

    return factory


def _fn_with_units(fn: Callable, n_params: int, value: float):
    """A function of (x, *params) with `n_params` per-unit float32 variables set to `value`."""

    def factory(shape):
        import keras

        if keras.backend.backend() != "tensorflow":  # read through keras's StatelessScope
            params = [
                keras.Variable(np.full((shape[-1],), value, "float32")) for _ in range(n_params)
            ]
            return (lambda x: fn(x, *params)), params
        import tensorflow as tf

        params = [tf.Variable(tf.fill((shape[-1],), value)) for _ in range(n_params)]
        return (lambda x: fn(x, *params)), params

    return factory


def default_candidates() -> list[Candidate]:
    """Every actlab activation against its built-in counterpart (the pairs notebook 06 times)."""
    return [*_elu_and_blend(), *_soft_exponentials(), *_antirectifier_and_truncation()]


def _elu_and_blend() -> list[Candidate]:
    import keras

    from actlab import activations as A
    from actlab import layers as L

    return [
        Candidate("ELU", "keras elu", "builtin", _fn(keras.activations.elu)),
        Candidate("ELU", "naive_elu", "custom", _fn(A.naive_elu)),
        Candidate("ELU", "safe_elu", "custom", _fn(A.safe_elu)),
        Candidate("ELU", "elu_double_where", "custom", _fn(A.elu_double_where)),
        Candidate("ELU", "elu_custom_gradient", "custom", _fn(A.elu_custom_gradient)),
        Candidate("PolyReLUBlend", "relu", "builtin", _fn(keras.activations.relu)),
        Candidate(
            "PolyReLUBlend",
            "PolyReLUBlend(d=0.5)",
            "custom",
            _layer(lambda: L.PolyReLUBlend(relu_weight=0.5)),
        ),
    ]


def _soft_exponentials() -> list[Candidate]:
    import keras
    from keras import ops

    from actlab import layers as L
    from actlab.activations.softexp_autodiff import (
        complex_soft_exponential_autodiff,
        soft_exponential_autodiff,
    )

    def complex_autodiff_concat(x, a, b):
        return ops.concatenate(complex_soft_exponential_autodiff(x, a, b), axis=-1)

    prelu = _layer(lambda: keras.layers.PReLU())
    return [
        Candidate("SoftExponential", "PReLU", "builtin", prelu),
        Candidate(
            "SoftExponential",
            "SoftExponential",
            "custom",
            _layer(lambda: L.SoftExponential(alpha_initializer=keras.initializers.Constant(0.3))),
        ),
        Candidate(
            "SoftExponential",
            "soft_exponential_autodiff",
            "before",
            _fn_with_units(soft_exponential_autodiff, 1, 0.3),
        ),
        Candidate("ComplexSoftExponential", "PReLU", "builtin", prelu),
        Candidate(
            "ComplexSoftExponential",
            "ComplexSoftExponential",
            "custom",
            _layer(
                lambda: L.ComplexSoftExponential(
                    alpha_real_initializer=keras.initializers.Constant(0.3),
                    alpha_imag_initializer=keras.initializers.Constant(0.3),
                )
            ),
        ),
        Candidate(
            "ComplexSoftExponential",
            "complex_soft_exponential_autodiff",
            "before",
            _fn_with_units(complex_autodiff_concat, 2, 0.3),
        ),
    ]


def _antirectifier_and_truncation() -> list[Candidate]:
    from keras import ops

    from actlab import activations as A
    from actlab import layers as L

    plain_crelu = _fn(lambda x: ops.concatenate([ops.relu(x), ops.relu(-x)], axis=-1))
    return [
        Candidate("Antirectifier", "concat(relu(x), relu(-x))", "builtin", plain_crelu),
        Candidate("Antirectifier", "Antirectifier", "custom", _layer(lambda: L.Antirectifier())),
        Candidate("Antirectifier", "antirectify_autodiff", "before", _fn(A.antirectify_autodiff)),
        Candidate("Truncation", "ops.clip", "builtin", _fn(lambda x: ops.clip(x, -1.0, 1.0))),
        Candidate(
            "Truncation",
            "Truncation(clip)",
            "custom",
            _layer(lambda: L.Truncation(threshold=1.0, gradient="clip")),
        ),
        Candidate(
            "Truncation",
            "Truncation(straight_through)",
            "custom",
            _layer(lambda: L.Truncation(threshold=1.0, gradient="straight_through")),
        ),
    ]
