"""A small pre-activation ResNet for 28x28 images as a trials `Task` (``"resnet"``), with a
switch choosing which activations are ReLU→polynomial blends.

Source setup: the pre-activation ResNet of He et al. (2016), "Identity Mappings in Deep Residual
Networks" (CIFAR-10, 110-1001 layers, batch norm before every activation), as Swish (Ramachandran
et al. 2017) and PAU (Molina et al. 2020) used ResNets to compare activations on CIFAR-10. Scaled
down for a 2-core CPU: one block per stage, 8/16/32 filters, a stride-2 stem, 28x28 MNIST (the
5,000 embedded images by default), 6 epochs; a ResNet-20 epoch on CIFAR-10 is minutes here.

Every activation sits right after a batch norm, so its inputs are roughly standard normal at
the start of training: the regime the polynomial ``0.1992 + 0.5002 x + 0.1997 x**2`` was fitted
for. Layout, with ``stages=(16, 32)`` and one block per stage::

    input 28x28x1 -> conv3x3(16)
    stage 1, block 1: BN -> act s1b1_act1 -> conv3x3 -> BN -> act s1b1_act2 -> conv3x3 (+ identity)
    stage 2, block 1: BN -> act s2b1_act1 -> conv3x3/2 -> BN -> act s2b1_act2 -> conv3x3
                      (+ 1x1/2 conv projection of the block's activated input)
    head: BN -> act head_act -> global average pool -> dense(10, softmax)

The activations, in order, are named by `activation_names`; ``blend="inner"`` keeps the first
(``s1b1_act1``) and the last (``head_act``) as ReLU. That choice is the collection's fixed
heuristic: Delphi (Mishra et al., USENIX Security 2020) lets its planner choose which ReLUs
become polynomials, so it is not Delphi's rule.

`resnet_task` makes this network a `Task` (embedded MNIST, a new split per seed, the max
|pre-activation| of every activation recorded at the end of each run). A run's cache key hashes
the modules of the functions it calls, so this module holds the model only.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from actlab._util import is_int
from actlab.activations.polynomial import DELPHI_COEFFICIENTS, check_coefficients, check_relu_cap
from actlab.layers.polynomial import PolyReLUBlend, check_relu_weight

__all__ = [
    "BLEND_PRESETS",
    "activation_names",
    "resolve_blend",
    "build_resnet",
    "resnet_task",
    "preactivation_record",
]

#: Named choices of `blend` (besides a list of stage numbers or of activation names).
BLEND_PRESETS = ("none", "all", "inner")


def activation_names(stages: Sequence[int] = (16, 32), blocks_per_stage: int = 1) -> list[str]:
    """Names of the network's activations, input to output."""
    names = []
    for s in range(1, len(stages) + 1):
        for b in range(1, blocks_per_stage + 1):
            names += [f"s{s}b{b}_act1", f"s{s}b{b}_act2"]
    return [*names, "head_act"]


def resolve_blend(blend, stages: Sequence[int] = (16, 32), blocks_per_stage: int = 1) -> list[str]:
    """Activation names that become `PolyReLUBlend`, in network order.

    `blend` is one of:

    * ``"none"`` (all ReLU), ``"all"``, ``"inner"`` (all but the first and the last activation,
      which stay ReLU: a fixed heuristic of this collection, not Delphi's planner);
    * a list of 1-based stage numbers (every activation of those stages; ``"head"`` may be in the
      list for the last activation);
    * a list of activation names from `activation_names`.
    """
    names = activation_names(stages, blocks_per_stage)
    if isinstance(blend, str):
        if blend == "none":
            return []
        if blend == "all":
            return names
        if blend == "inner":
            return names[1:-1]
        raise ValueError(
            f"`blend` must be one of {BLEND_PRESETS}, a list of stage numbers or a "
            f"list of activation names. Received: blend={blend!r}"
        )
    if not (isinstance(blend, (list, tuple)) and len(blend) > 0):
        raise ValueError(
            "`blend` must be a preset name, or a non-empty list of stage numbers or "
            f"activation names. Received: blend={blend!r}"
        )
    chosen = set()
    for item in blend:
        if is_int(item) and 1 <= item <= len(stages):
            chosen |= {n for n in names if n.startswith(f"s{item}b")}
        elif item == "head":
            chosen.add("head_act")
        elif isinstance(item, str) and item in names:
            chosen.add(item)
        else:
            raise ValueError(
                f"`blend` item {item!r} is neither a stage number in 1..{len(stages)}, "
                f"'head', nor an activation name {names}. Received: blend={blend!r}"
            )
    return [n for n in names if n in chosen]


def _check_layout(stages, blocks_per_stage, stem_strides) -> None:
    if not (
        isinstance(stages, (list, tuple)) and stages and all(is_int(f) and f > 0 for f in stages)
    ):
        raise ValueError(
            f"`stages` must be a non-empty list of filter counts > 0. Received: stages={stages!r}"
        )
    if not (is_int(blocks_per_stage) and blocks_per_stage > 0):
        raise ValueError(
            "`blocks_per_stage` must be an integer > 0. "
            f"Received: blocks_per_stage={blocks_per_stage!r}"
        )
    if not (is_int(stem_strides) and stem_strides > 0):
        raise ValueError(
            f"`stem_strides` must be an integer > 0. Received: stem_strides={stem_strides!r}"
        )


def build_resnet(
    blend="none",
    stages: Sequence[int] = (16, 32),
    blocks_per_stage: int = 1,
    num_classes: int = 10,
    input_shape: Sequence[int] = (28, 28, 1),
    coefficients=DELPHI_COEFFICIENTS,
    relu_cap: float | None = None,
    relu_weight: float = 1.0,
    stem_strides: int = 1,
    bn_momentum: float = 0.9,
    name: str = "resnet",
    activation: Callable[[], keras.layers.Layer] | None = None,
    initializer: Callable[[int, str], Any] | None = None,
) -> keras.Model:
    """A small pre-activation ResNet (functional) with the chosen activations as blends.

    Args:
        blend: which activations become `PolyReLUBlend` (see `resolve_blend`); the others are
            `keras.layers.ReLU(max_value=relu_cap)`.
        stages: filters per stage (each stage after the first halves the resolution).
        blocks_per_stage: residual blocks per stage (integer > 0).
        num_classes: softmax outputs (integer > 1).
        input_shape: image shape, channels last.
        coefficients, relu_cap: passed to every blend (and `relu_cap` to the ReLUs: ReLU6 when 6).
        relu_weight: initial d of the blends (1.0 = start as ReLU, 0.0 = polynomial from scratch).
        stem_strides: stride of the stem convolution (2 halves the resolution early: 4x cheaper).
        bn_momentum: batch-norm moving-average momentum. 0.9 (not Keras's 0.99) lets the moving
            statistics used at evaluation follow the training within the few dozen steps per
            epoch of a small data set.
        name: model name.
        activation: None, or a function returning a fresh layer for each place `blend` names
            (`actlab.trials` passes its arm's activation this way); by default a
            `PolyReLUBlend(coefficients, relu_cap, relu_weight)` there.
        initializer: None (He normal convolutions, Glorot uniform classifier), or a function
            ``(index, kind) -> initializer`` such as `actlab.trials.Init`: the i-th
            convolution in build order gets ``initializer(i, "he_normal")``, the classifier
            the next index with ``"glorot_uniform"`` (seeded: the same weights in every arm).
    """
    _check_layout(stages, blocks_per_stage, stem_strides)
    if not (is_int(num_classes) and num_classes > 1):
        raise ValueError(
            f"`num_classes` must be an integer > 1. Received: num_classes={num_classes!r}"
        )
    coefficients = check_coefficients(coefficients)
    relu_cap = check_relu_cap(relu_cap)
    relu_weight = check_relu_weight(relu_weight)
    if not (
        isinstance(bn_momentum, (int, float))
        and not isinstance(bn_momentum, bool)
        and 0 <= bn_momentum < 1
    ):
        raise ValueError(
            f"`bn_momentum` must be a number in [0, 1). Received: bn_momentum={bn_momentum!r}"
        )
    if activation is not None and not callable(activation):
        raise ValueError(
            "`activation` must be None or a function returning a layer. "
            f"Received: activation={activation!r}"
        )
    if initializer is not None and not callable(initializer):
        raise ValueError(
            "`initializer` must be None or a function (index, kind) -> initializer. "
            f"Received: initializer={initializer!r}"
        )
    blends = set(resolve_blend(blend, stages, blocks_per_stage))
    index = itertools.count()  # build order of the convolutions, then the classifier

    def init(kind):
        return kind if initializer is None else initializer(next(index), kind)

    def act(x, act_name):
        if act_name in blends and activation is not None:
            layer = activation()
        elif act_name in blends:
            layer = PolyReLUBlend(
                coefficients, relu_cap=relu_cap, relu_weight=relu_weight, name=act_name
            )
        else:
            layer = keras.layers.ReLU(max_value=relu_cap, name=act_name)
        return layer(x)

    def conv(x, filters, kernel, strides, conv_name):
        return keras.layers.Conv2D(
            filters,
            kernel,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer=init("he_normal"),
            name=conv_name,
        )(x)

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = conv(inputs, stages[0], 3, stem_strides, "stem_conv")
    for s, filters in enumerate(stages, start=1):
        for b in range(1, blocks_per_stage + 1):
            tag = f"s{s}b{b}"
            strides = 2 if (s > 1 and b == 1) else 1
            y = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"{tag}_bn1")(x)
            y = act(y, f"{tag}_act1")
            shortcut = x
            if strides != 1 or x.shape[-1] != filters:
                shortcut = conv(y, filters, 1, strides, f"{tag}_proj")
            y = conv(y, filters, 3, strides, f"{tag}_conv1")
            y = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"{tag}_bn2")(y)
            y = act(y, f"{tag}_act2")
            y = conv(y, filters, 3, 1, f"{tag}_conv2")
            x = keras.layers.Add(name=f"{tag}_add")([shortcut, y])
    x = keras.layers.BatchNormalization(momentum=bn_momentum, name="head_bn")(x)
    x = act(x, "head_act")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_initializer=init("glorot_uniform"),
        name="classifier",
    )(x)
    return keras.Model(inputs, outputs, name=name)


# --------------------------------------------------------------------------- for actlab.trials


def _trial_model(activation, init, blend="all", **options) -> keras.Model:
    """`Task.build` of `resnet_task`: `build_resnet` with the arm's activation factory in every
    place `blend` names (an arm's ``model={"blend": ...}``; default all of them) and the run's
    seeded initializers; `options` are the task's model settings."""
    return build_resnet(blend, activation=activation, initializer=init, **options)


def _bn_to_activation(name: str) -> str:
    """The activation a batch norm feeds (``s1b1_bn2`` → ``s1b1_act2``, ``head_bn`` → ``head_act``)."""
    return name[: -len("_bn")] + "_act" if name.endswith("_bn") else name.replace("_bn", "_act")


def preactivation_record(model: keras.Model, split, probe_size: int = 256) -> dict[str, Any]:
    """`Task.record` of `resnet_task`: at the end of a run, the largest |input| of every
    activation (the output of the batch norm right before it) on the first `probe_size`
    training images, in inference mode (moving statistics, as at test time), and the blends'
    final d (None without blends). NaN where it overflowed."""
    bns = [la for la in model.layers if isinstance(la, keras.layers.BatchNormalization)]
    probe = keras.Model(model.inputs[0], [la.output for la in bns])
    outputs = probe(split.x_train[:probe_size], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    peaks = {}
    for bn, out in zip(bns, outputs, strict=True):
        value = float(np.max(np.abs(keras.ops.convert_to_numpy(out))))
        peaks[_bn_to_activation(bn.name)] = value if math.isfinite(value) else float("nan")
    blends = [la for la in model.layers if isinstance(la, PolyReLUBlend)]
    return {
        "preact_max": peaks,
        "final_d": max(la.get_relu_weight() for la in blends) if blends else None,
        "probe_size": int(min(probe_size, len(split.x_train))),
    }


def resnet_task(
    *,
    source: str = "embedded",
    n_train: int | None = None,
    n_val: int = 500,
    n_test: int | None = None,
    stages: Sequence[int] = (8, 16, 32),
    blocks_per_stage: int = 1,
    stem_strides: int = 2,
    relu_cap: float | None = None,
    epochs: int = 6,
    last: int = 2,
    batch_size: int = 64,
    learning_rates: Sequence[float] = (2e-3,),
    probe_size: int = 256,
):
    """This ResNet on MNIST as an `actlab.trials.Task` named ``"resnet"``.

    The data are `actlab.trials.mnist_cnn`'s (a new stratified split per seed: `n_val` of the
    training images are the validation split, `n_train` subsamples the rest, None: all); the
    arm's activation goes into every place its ``model["blend"]`` names (default ``"all"``);
    Adam; the score is test accuracy in points, the mean of the last `last` epochs. Every run
    records `preactivation_record` on `probe_size` training images.
    """
    from actlab.trials.shipped import mnist_cnn

    _check_layout(stages, blocks_per_stage, stem_strides)  # fails here, not in every run
    model = {
        "stages": [int(f) for f in stages],
        "blocks_per_stage": int(blocks_per_stage),
        "stem_strides": int(stem_strides),
        "relu_cap": check_relu_cap(relu_cap),
    }
    if not (is_int(probe_size) and probe_size > 0):
        raise ValueError(
            f"`probe_size` must be an integer > 0. Received: probe_size={probe_size!r}"
        )
    base = mnist_cnn(
        source=source,
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=learning_rates,
    )
    return base.replace(
        name="resnet",
        build=functools.partial(_trial_model, **model),
        record=functools.partial(preactivation_record, probe_size=int(probe_size)),
        config={**{k: v for k, v in base.config.items() if k != "filters"}, **model},
    )
