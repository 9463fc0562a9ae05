"""Half precision: intermediates that leave float16's range although the result fits.

Found by `actlab.checkup`'s float16 check (notebook 07): the Antirectifier's row norm for tiny rows
and the blend's polynomial at d = 1. Both functions compute half-precision inputs in float32.
Runs on both backends (gradients through `actlab.autodiff`).
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import (
    antirectify,
    antirectify_autodiff,
    centered_l2_normalize,
    poly_relu_blend,
)
from actlab.autodiff import vjp

ROW = np.array([[1.0, -0.6, 0.35, -0.85]])


@pytest.mark.parametrize(
    "fn", [antirectify, antirectify_autodiff, centered_l2_normalize], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("scale", [-1e-4, 6e4])
def test_row_norm_in_half_precision(fn, scale):
    x64 = scale * ROW
    y32, (g32,) = vjp(fn, [x64.astype("float32")])
    y16, (g16,) = vjp(fn, [x64.astype("float16")])
    assert y16.dtype == np.float16 and g16.dtype == np.float16
    assert np.all(np.abs(g32) < 6e4), "the float32 gradient fits in float16"
    assert np.all(np.isfinite(y16)) and np.all(np.isfinite(g16)), (y16, g16)
    np.testing.assert_allclose(y16.astype("float64"), y32, atol=2e-3)
    # atol: 1e-3 of the largest gradient, but at least float16's subnormal spacing 2**-24
    atol = max(1e-3 * np.abs(g32).max(), 2.0**-24)
    np.testing.assert_allclose(g16.astype("float64"), g32, rtol=5e-3, atol=atol)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_blend_at_d1_is_relu_where_the_polynomial_overflows_float16(dtype):
    x = np.array([-1000.0, -600.0, -1.0, 0.5, 600.0, 1000.0])
    import keras

    xt = keras.ops.cast(x, dtype)
    y, (g,) = vjp(lambda t: poly_relu_blend(t, 1.0), [keras.ops.convert_to_numpy(xt)])
    assert str(y.dtype) == dtype
    np.testing.assert_array_equal(y.astype("float64"), np.maximum(x, 0))
    np.testing.assert_array_equal(g.astype("float64"), (x > 0).astype("float64"))


@pytest.mark.parametrize(
    "name",
    ["crelu", "relu_poly_approx", "centered_l2_normalize", "antirectify", "antirectify_autodiff"],
)
def test_functions_are_registered_for_activation_layers(name):
    """Usable inside keras.layers.Activation and reloadable in safe mode (actlab.checkup warned)."""
    import keras

    import actlab.activations as acts

    fn = getattr(acts, name)
    assert keras.saving.get_registered_name(fn) == f"actlab>{name}"
    assert keras.saving.get_registered_object(f"actlab>{name}") is fn
