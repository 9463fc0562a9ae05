"""Notebook 06's training-step pairs: one training step of each scenario's model against its
built-in counterpart (timed by `actlab.bench.run_training_steps`)."""

from __future__ import annotations

from collections.abc import Callable


def _mlp(act: Callable[[], object], width: int = 256, depth: int = 2, inputs: int = 784):
    import keras

    layers = [keras.Input((inputs,))]
    for _ in range(depth):
        layers += [keras.layers.Dense(width), act()]
    layers.append(keras.layers.Dense(10))
    return keras.Sequential(layers)


def _convnet(act: Callable[[], object]):
    import keras

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 5, padding="same", use_bias=False),
            act(),
            keras.layers.Activation("tanh"),
            keras.layers.AveragePooling2D(5, strides=2),
            keras.layers.BatchNormalization(),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )


#: What each training-step pair holds equal between the custom and the built-in model.
TRAINING_STEP_BASIS = {
    "ELU": "same network (8 × Dense(128)), only the activation differs",
    "PolyReLUBlend": "same ResNet, only the activations differ",
    "SoftExponential": "equal width: 2 hidden layers of 256 units; the complex form outputs two "
    "features per unit, so the layer after it has twice the weights",
    "Antirectifier": "equal width: 256 units, both concatenate to 512 features",
    "Truncation": "same network, only the truncation differs",
}


def training_step_pairs() -> list[tuple[str, str, str, Callable]]:
    """(scenario, name, role, model builder) for one training step of each scenario's model.

    Scenarios 1, 3 and 4 use their own builders: the small ResNet with its activations as blends
    (`models.build_resnet`), the user's 8 x Dense(128) ELU network (`nan_elu.build_user_network`)
    and the Antirectifier example network against its CReLU ablation
    (`experiments.antirectifier.build_mlp`). Scenarios 2 and 5 have no model with the
    built-in counterpart (PReLU, `ops.clip`), so their shapes are rebuilt here: an MLP with
    per-unit soft exponentials vs PReLU, and the user's Conv2D + truncation front end on 28 x 28
    inputs (`experiments.truncation.mnist_net`'s layers) with `ops.clip`.
    Within a pair the models have equal width (`TRAINING_STEP_BASIS` says what is held equal;
    each row of `run_training_steps` carries it as ``basis``, and the parameter count).
    """
    import keras
    from keras import ops

    from actlab import layers as L
    from actlab.collection import models
    from actlab.collection.experiments import antirectifier, nan_elu

    def act(fn):
        return lambda: keras.layers.Activation(fn)

    def elu_net(variant):
        return lambda: nan_elu.build_user_network(variant)

    return [
        ("ELU", "keras elu", "builtin", elu_net("builtin")),
        ("ELU", "safe_elu", "custom", elu_net("clamped")),
        ("ELU", "elu_custom_gradient", "custom", elu_net("custom_gradient")),
        ("PolyReLUBlend", "ResNet relu", "builtin", lambda: models.build_resnet(blend="none")),
        ("PolyReLUBlend", "ResNet blends", "custom", lambda: models.build_resnet(blend="all")),
        ("SoftExponential", "MLP PReLU", "builtin", lambda: _mlp(keras.layers.PReLU)),
        ("SoftExponential", "MLP SoftExponential", "custom", lambda: _mlp(L.SoftExponential)),
        (
            "SoftExponential",
            "MLP ComplexSoftExponential",
            "custom",
            lambda: _mlp(L.ComplexSoftExponential),
        ),
        (
            "Antirectifier",
            "example net, CReLU-256",
            "builtin",
            lambda: antirectifier.build_mlp("crelu_256"),
        ),
        (
            "Antirectifier",
            "example net, Antirectifier-256",
            "custom",
            lambda: antirectifier.build_mlp("antirectifier_256"),
        ),
        (
            "Truncation",
            "conv ops.clip",
            "builtin",
            lambda: _convnet(act(lambda x: ops.clip(x, -1.0, 1.0))),
        ),
        ("Truncation", "conv Truncation(clip)", "custom", lambda: _convnet(L.Truncation)),
        (
            "Truncation",
            "conv Truncation(straight_through)",
            "custom",
            lambda: _convnet(lambda: L.Truncation(gradient="straight_through")),
        ),
    ]
