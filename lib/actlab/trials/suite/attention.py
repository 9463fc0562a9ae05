"""A small attention model on a synthetic sequence task, the activation in its feed-forward
block: ``"attention"``.

Source setup: the Transformer encoder block (Vaswani et al. 2017: multi-head self-attention,
then a position-wise feed-forward block Dense(4d) → activation → Dense(d), each with a residual
connection; layer norm first, as in GPT-2 and most encoders since), the place where GELU
(Hendrycks & Gimpel 2016) is used in BERT (Devlin et al. 2019) and GPT. GELU's own paper tests
MLPs and CNNs; this task follows the setting it is known for.

The task: a sequence of `length` tokens from a vocabulary of `vocab`; the label is how many of
the other positions hold the first token (a class in 0..length−1). Answering needs attention
from the first position to every position that matches it. A new sample per seed.

Scaled down for a 2-core CPU: one block, d = 32, 2 heads, sequences of 12, a few thousand
examples (a BERT-base block has d = 768, 12 heads, sequences of 512).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from actlab._util import is_int
from actlab.trials.suite._split import make_split
from actlab.trials.tasks import Split, Task

__all__ = ["attention_task", "build_attention"]


@functools.lru_cache(maxsize=1)
def _positions_layer():
    import keras

    class LearnedPositions(keras.layers.Layer):
        """Adds a learned embedding per position (seeded by its initializer)."""

        def __init__(self, initializer, **kwargs):
            super().__init__(**kwargs)
            self.initializer = initializer

        def build(self, input_shape):
            self.table = self.add_weight(
                name="table", shape=tuple(input_shape[1:]), initializer=self.initializer
            )

        def call(self, x):
            return x + self.table

    return LearnedPositions


def build_attention(
    activation,
    init,
    length: int = 12,
    vocab: int = 8,
    dim: int = 32,
    heads: int = 2,
    classes: int | None = None,
):
    """Tokens → embedding + learned positions → [LayerNorm → MultiHeadAttention → +] →
    [LayerNorm → Dense(4·dim) → activation → Dense(dim) → +] → LayerNorm → first position →
    Dense(classes, softmax). Every weight the activation does not make is seeded by `init`."""
    import keras

    classes = int(length if classes is None else classes)
    tokens = keras.Input((int(length),), dtype="int32")
    x = keras.layers.Embedding(int(vocab), dim, embeddings_initializer=init(0, "random_normal"))(
        tokens
    )
    x = _positions_layer()(init(1, "random_normal"))(x)
    y = keras.layers.LayerNormalization()(x)
    y = keras.layers.MultiHeadAttention(
        num_heads=int(heads), key_dim=dim // int(heads), kernel_initializer=init(2)
    )(y, y)
    x = keras.layers.Add()([x, y])
    y = keras.layers.LayerNormalization()(x)
    y = keras.layers.Dense(4 * dim, kernel_initializer=init(3))(y)
    y = activation()(y)
    y = keras.layers.Dense(dim, kernel_initializer=init(4))(y)
    x = keras.layers.Add()([x, y])
    x = keras.layers.LayerNormalization()(x)
    first = x[:, 0, :]
    out = keras.layers.Dense(classes, activation="softmax", kernel_initializer=init(5))(first)
    return keras.Model(tokens, out)


def _count_split(
    seed: int, *, length: int, vocab: int, n_train: int, n_val: int, n_test: int
) -> Split:
    rng = np.random.default_rng([seed, 36])
    n = n_train + n_val + n_test
    x = rng.integers(0, vocab, size=(n, length)).astype("int32")
    y = (x[:, 1:] == x[:, :1]).sum(axis=1).astype("int64")
    a, b = n_train, n_train + n_val
    return make_split(
        x,
        y,
        slice(0, a),
        slice(a, b),
        slice(b, None),
        f"count the first token: {length} tokens of {vocab}, drawn by seed {seed}: {n_train} "
        f"train / {n_val} validation / {n_test} test",
    )


def attention_task(
    *,
    length: int = 12,
    vocab: int = 8,
    dim: int = 32,
    heads: int = 2,
    n_train: int = 4000,
    n_val: int = 1000,
    n_test: int = 2000,
    epochs: int = 10,
    batch_size: int = 64,
    last: int = 3,
    learning_rates: Sequence[float] = (2e-3,),
) -> Task:
    """The counting task with one pre-norm Transformer block (see the module docstring); the
    score is test accuracy in points, the mean of the last `last` epochs."""
    for name, value, low in (
        ("length", length, 2),
        ("vocab", vocab, 2),
        ("dim", dim, 2),
        ("heads", heads, 1),
        ("n_train", n_train, 8),
        ("n_val", n_val, 8),
        ("n_test", n_test, 8),
    ):
        if not is_int(value) or value < low:
            raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")
    if dim % heads:
        raise ValueError(f"`dim` must be a multiple of `heads` ({heads}). Received: dim={dim!r}")
    data = {
        "length": int(length),
        "vocab": int(vocab),
        "n_train": int(n_train),
        "n_val": int(n_val),
        "n_test": int(n_test),
    }
    model = {"length": int(length), "vocab": int(vocab), "dim": int(dim), "heads": int(heads)}
    return Task(
        name="attention",
        data=functools.partial(_count_split, **data),
        build=functools.partial(build_attention, **model),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**data, **model},
    )
