"""`assert_xla`: a test that compiles with `jit_compile=True` checks that XLA was really used.

Keras silently compiles without XLA while TensorFlow op determinism is on
(`runtime.seed_everything` turns it on; `runtime.xla_allowed()` lifts it), so a test that only
passes `jit_compile=True` may be testing the plain graph instead.
"""

from __future__ import annotations

from typing import Any


def assert_xla(obj: Any, *args: Any) -> None:
    """`obj` is a compiled Keras model whose `jit_compile` held, or a `tf.function` that XLA
    must compile for `args` (its function carries ``_XlaMustCompile``)."""
    import keras

    if isinstance(obj, keras.Model):
        assert obj.jit_compile is True, (
            "Keras compiled this model without XLA (op determinism on? wrap the test in "
            "runtime.xla_allowed())"
        )
        return
    concrete = obj.get_concrete_function(*args)
    attr = concrete.function_def.attr.get("_XlaMustCompile")
    assert attr is not None and attr.b, f"{obj} is not compiled with XLA (jit_compile=True)"
