"""Tiny tasks and activations for the trials tests (importable by worker processes: the
tests put this folder on their path)."""

from __future__ import annotations

import keras

from actlab.trials import mnist_mlp


def tiny_mlp():
    """MNIST-MLP, smoke-sized: 300 training images, one hidden layer of 32, 2 epochs."""
    return mnist_mlp(n_train=300, n_val=100, n_test=300, units=(32,), epochs=2, last=1)


def relu_by_abs(x):
    """ReLU written another way: (x + |x|) / 2."""
    return (x + keras.ops.abs(x)) / 2


def crippled(x):
    """A crippled activation: 0.01 · tanh(x)."""
    return 0.01 * keras.ops.tanh(x)


def small_mlp():
    """Long enough for a crippled activation to fall behind ReLU: 1,000 images, 3 epochs."""
    return mnist_mlp(
        n_train=1000, n_val=100, n_test=300, units=(32,), epochs=3, last=1, batch_size=32
    )


def last_layer_bias(model, split):
    """A task's `record`: the output layer's bias after training, and the test set's size."""
    return {"bias": model.layers[-1].get_weights()[1].tolist(), "n_test": len(split.y_test)}
