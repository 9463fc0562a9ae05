"""Reproducible runs: seeding, TensorFlow op determinism and threads per op, and the one place
where XLA may be used while determinism is on.

`seed_everything` and `set_op_threads` are what the notebooks' `start_run` and every trial run
call first; `xla_allowed` is for code that needs `jit_compile=True` to take effect.
"""

from __future__ import annotations

import contextlib
import os
import random

import numpy as np

from actlab._util import is_int


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and Keras (hence the backend's RNG); turn on TF op determinism.

    With determinism on, the same parameters give the same numbers on the same machine
    and versions (TensorFlow raises if an op has no deterministic kernel). On JAX, Keras's
    seed generators are explicit keys derived from the seed and XLA's CPU kernels are
    deterministic, so there is no switch to turn on.
    """
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the legacy global RNG on purpose
    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


#: Threads per TensorFlow op in the notebooks (`start_run` sets it; see `set_op_threads`).
OP_THREADS = 1


def set_op_threads(threads: int | None = OP_THREADS) -> int | None:
    """Run every TensorFlow op on `threads` threads (None: TensorFlow's default, one per core).

    The notebooks train on one thread per op, for three reasons:

    - the small models here train as fast on one thread as on more (the measurements are in
      docs/performance.md);
    - the numbers do not depend on the machine's core count: splitting an op (a convolution's
      reduction) across threads changes the order of float additions, so the same seed can
      give a different final accuracy on one thread than on two;
    - under `make -j2 figures` two notebooks do not fight over the same cores.

    TensorFlow fixes the setting when it runs its first op; after that this leaves it as it is,
    warns if it differs, and returns the value in force. Other backends: nothing is set, None.
    """
    if threads is not None and (not is_int(threads) or threads < 1):
        raise ValueError(f"`threads` must be None or an int >= 1. Received: threads={threads!r}")
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
        except RuntimeError:
            import warnings

            warnings.warn(
                f"TensorFlow already runs ops on "
                f"{tf.config.threading.get_intra_op_parallelism_threads() or 'its default number of'} "
                f"threads; set_op_threads({threads}) has to come before the first op "
                "(restart the kernel to change it).",
                RuntimeWarning,
                stacklevel=2,
            )
    return tf.config.threading.get_intra_op_parallelism_threads() or None


@contextlib.contextmanager
def xla_allowed(enabled: bool = True):
    """Let `jit_compile=True` take effect while TensorFlow op determinism is on.

    `seed_everything` turns op determinism on, and Keras then silently compiles without
    XLA (`keras.src.trainers.trainer.model_supports_jit`). Inside this context determinism is
    off (and restored afterwards), so an XLA-compiled run is not bitwise reproducible.
    On other backends (JAX compiles with XLA anyway) it does nothing.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    from tensorflow.python.framework import config as tf_config  # no public getter in tf.config

    was_on = enabled and tf_config.is_op_determinism_enabled()
    if was_on:
        tf_config.disable_op_determinism()
    try:
        yield
    finally:
        if was_on:
            tf_config.enable_op_determinism()
