"""Activations of a user's own module, for actlab.checkup's `serializes` and `--module` tests.

A child process imports this module by name (only Keras besides), so it imports nothing from
pytest or actlab: what it registers is exactly what a user's module would register.
"""

import keras
from keras import ops


def gelu(x):
    """A user's own gelu, the sigmoid approximation x·sigmoid(1.702 x): unregistered, so Keras
    saves it by its bare name and reloads Keras's gelu instead (outputs differ by 0.02)."""
    return x * ops.sigmoid(1.702 * x)


def unregistered_swish(x):
    """Not registered: reloads only with custom_objects."""
    return x * ops.sigmoid(x)


@keras.saving.register_keras_serializable(package="checkup_targets")
def registered_swish(x):
    """Registered when this module is imported: reloads in a fresh process that imports it."""
    return x * ops.sigmoid(x)


@keras.saving.register_keras_serializable(package="checkup_targets")
class ForgetfulScale(keras.layers.Layer):
    """A registered layer whose get_config drops its required argument `scale`."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return self.scale * ops.tanh(x)

    def get_config(self):
        return super().get_config()  # `scale` forgotten


@keras.saving.register_keras_serializable(package="checkup_targets")
class ForgetfulSlope(keras.layers.Layer):
    """Registered, built with its defaults, but get_config drops `slope`: a reloaded copy gets
    the default back (0.1, not the 0.3 it was saved with)."""

    def __init__(self, slope=0.1, **kwargs):
        super().__init__(**kwargs)
        self.slope = slope

    def call(self, x):
        return ops.maximum(x, self.slope * x)

    def get_config(self):
        return super().get_config()


def make_forgetful_slope():
    return ForgetfulSlope(slope=0.3)


def not_an_activation(x):
    """Takes one argument but returns a string: listed as skipped by `check_module`."""
    return "a string"


def two_arguments(x, alpha):
    return alpha * x
