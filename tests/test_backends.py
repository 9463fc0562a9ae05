"""TensorFlow and JAX give the same values and gradients, and `.keras` files cross between them.

Three kinds of checks:

* Cross-backend (run once, from the TensorFlow pass): `tests/crossbackend.py` computes every
  public function and layer, with the gradients for every input, on a grid that includes the
  kinks and boundaries, in one subprocess per backend; the results are compared here. Models
  saved on each backend are loaded on the other with ``safe_mode=True``.
* The conventions chosen where the backends' own ops differ (ties of min/max/clip, the
  gradient of ``expm1``), checked in-process, so on whichever backend pytest runs (both passes).
* Keras's own layer test harness (`run_layer_test`) for every layer, in-process (both passes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import crossbackend
import gradcheck
import keras
import numpy as np
import pytest
from keras.src.testing import TestCase

from actlab import activations as A
from actlab import layers as L
from actlab.activations._gradients import maximum, minimum

HERE = Path(__file__).resolve().parent
BACKENDS = ("tensorflow", "jax")
ON_TF = keras.backend.backend() == "tensorflow"
cross_backend = pytest.mark.skipif(
    not ON_TF,
    reason="cross-backend comparison: spawns one process per backend, run once from "
    "the TensorFlow pass",
)

#: Cases whose gradients come from row reductions (sums over the feature axis): their
#: elements are compared on the scale of their row (cancellation makes tiny elements noisy).
ROW_CASES = {
    "crelu": -1,
    "centered_l2_normalize": -1,
    "antirectify": -1,
    "antirectify_autodiff": -1,
    "antirectify_axis0": 0,
    "layer:Antirectifier": -1,
    "layer:CReLU": -1,
}
#: Keras's JAX backend computes `ops.sin`/`ops.cos` of float64 in float32 (its dtype lattice
#: maps float64 to float32 on every backend but TensorFlow), so in float64 the complex soft
#: exponential is float32-accurate on JAX.
FLOAT32_SIN_ON_JAX = ("complex_soft_exponential", "layer:ComplexSoftExponential")


def _run(args: list[str], backend: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]),
    )
    env.pop("JAX_ENABLE_X64", None)
    return subprocess.Popen(
        [sys.executable, str(HERE / "crossbackend.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(procs: dict[str, subprocess.Popen]) -> None:
    for backend, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"crossbackend.py on {backend} failed:\n{out[-4000:]}"


@pytest.fixture(scope="module")
def crossbackend_dir(tmp_path_factory) -> Path:
    """Per backend, in parallel: the grid results (``<backend>.npz``) and saved models."""
    folder = tmp_path_factory.mktemp("crossbackend")
    procs = {b: _run([str(folder / f"{b}.npz"), str(folder / b)], b) for b in BACKENDS}
    _wait(procs)
    return folder


@pytest.fixture(scope="module")
def results(crossbackend_dir) -> dict[str, dict[str, np.ndarray]]:
    folder = crossbackend_dir
    loaded = {b: dict(np.load(folder / f"{b}.npz")) for b in BACKENDS}
    for b in BACKENDS:  # each file really comes from the backend it claims
        assert str(loaded[b]["backend"]) == b
    return loaded


#: Public names of `actlab.activations` that are not activations (argument checks, the fit).
NOT_ACTIVATIONS = {
    "check_coefficients",
    "check_relu_cap",
    "fit_rational",
    "RationalFit",
    "approximation_target",
}


def _owner(case: str, names: set[str]) -> str | None:
    """The longest of `names` that the case's name is, or starts with followed by "_"."""
    owners = [n for n in names if case == n or case.startswith(n + "_")]
    return max(owners, key=len) if owners else None


@pytest.mark.backend_independent(reason="which names the grid covers is the same on both")
def test_the_grid_covers_every_public_function_and_layer():
    """`crossbackend.py` says it covers every public function and layer: each has a case."""
    functions = {
        n for n in A._PUBLIC if callable(getattr(A, n)) and not n.isupper()
    } - NOT_ACTIVATIONS
    layers = {
        n
        for n in L._PUBLIC
        if isinstance(getattr(L, n), type) and issubclass(getattr(L, n), keras.layers.Layer)
    }
    covered = {_owner(c, functions) for c in crossbackend.cases()}
    assert functions <= covered, f"functions without a case: {sorted(functions - covered)}"
    covered = {_owner(c, layers) for c in crossbackend.layer_cases()}
    assert layers <= covered, f"layers without a case: {sorted(layers - covered)}"


def _case_names() -> list[str]:
    return list(crossbackend.cases()) + [f"layer:{n}" for n in crossbackend.layer_cases()]


def _scale(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per element: max(|a|, |b|), or the largest |value| of its row for row cases."""
    scale = np.maximum(np.abs(a), np.abs(b))
    if name in ROW_CASES and scale.ndim == 2:
        scale = np.broadcast_to(np.max(scale, axis=ROW_CASES[name], keepdims=True), scale.shape)
    return scale


def _keys(data: dict, dtype: str, name: str) -> list[str]:
    return sorted(k for k in data if k.startswith(f"{dtype}:{name}/"))


@cross_backend
@pytest.mark.parametrize("name", _case_names())
def test_same_values_and_gradients_float64(results, name):
    """float64: equal to 1e-6 relative (a different convention at a kink is an O(1) change).

    Not tighter: even with JAX's x64 mode on, Keras's JAX backend computes some ops of float64
    inputs in float32 (its dtype lattice maps float64 to float32 on every backend but
    TensorFlow): `sin`/`cos` (so the complex soft exponential is float32-accurate, compared
    normwise) and the row reductions of the Antirectifier (compared on each row's scale).
    """
    tf_data, jax_data = results["tensorflow"], results["jax"]
    keys = _keys(tf_data, "float64", name)
    assert keys and keys == _keys(jax_data, "float64", name)
    float32_sin = name.startswith(FLOAT32_SIN_ON_JAX)
    for key in keys:
        a, b = tf_data[key].astype("float64"), jax_data[key].astype("float64")
        assert a.shape == b.shape, key
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=key)
        finite = np.isfinite(a) & np.isfinite(b)
        np.testing.assert_array_equal(a[~finite], b[~finite], err_msg=key)
        diff = np.abs(a - b)[finite]
        scale = _scale(name, a, b)[finite]
        if float32_sin:  # float32 sines: normwise, at float32's precision
            scale = np.full_like(scale, 10 * np.max(scale))
        bad = diff > 1e-6 * scale
        assert not bad.any(), (
            f"{key}: TF {a[finite][bad][:5]} vs JAX {b[finite][bad][:5]} "
            f"({bad.sum()} of {bad.size} elements)"
        )


@cross_backend
@pytest.mark.parametrize("name", _case_names())
def test_same_values_and_gradients_float32(results, name):
    """float32: equal to 1e-6 relative, except where float32 itself cannot be that accurate.

    Each backend's float32 result is compared with its own float64 result: the float32
    rounding error of that backend (a kink convention shows in both precisions alike, so it
    does not count as rounding). Where that error exceeds 1e-6 relative (cancellation in the
    formula, e.g. the soft exponential's ∂f/∂α just above its series threshold, where
    ULP-level differences between the backends' exp and expm1 grow by the cancellation factor),
    the two backends may differ by up to twice the larger of the two errors; elsewhere by
    1e-6 relative.
    """
    tf_data, jax_data = results["tensorflow"], results["jax"]
    keys = _keys(tf_data, "float32", name)
    assert keys and keys == _keys(jax_data, "float32", name)
    for key in keys:
        a, b = tf_data[key].astype("float64"), jax_data[key].astype("float64")
        key64 = key.replace("float32:", "float64:", 1)
        a64, b64 = tf_data[key64], jax_data[key64]
        if name.startswith(FLOAT32_SIN_ON_JAX):  # JAX's "float64" sines are float32's
            b64 = a64
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=key)
        finite = np.isfinite(a) & np.isfinite(b)
        np.testing.assert_array_equal(a[~finite], b[~finite], err_msg=key)
        scale = _scale(name, a, b)
        with np.errstate(invalid="ignore"):
            float32_error = np.nan_to_num(np.maximum(np.abs(a - a64), np.abs(b - b64)))
        tol = np.maximum(1e-6 * scale, 2 * float32_error)
        tol = np.maximum(tol, 1e-37)  # both flush to zero the same way below float32's tiny
        bad = (np.abs(a - b) > tol) & finite
        assert not bad.any(), (
            f"{key}: TF {a[bad][:5]} vs JAX {b[bad][:5]} ({bad.sum()} of {bad.size} elements)"
        )


@cross_backend
def test_keras_files_cross_backends(crossbackend_dir):
    """Saved on one backend, loaded with safe_mode=True on the other: the same outputs and d."""
    tmp_path = crossbackend_dir
    other = {"tensorflow": "jax", "jax": "tensorflow"}
    procs = {
        b: _run(["load", str(tmp_path / other[b]), str(tmp_path / f"{b}-loads.npz")], b)
        for b in BACKENDS
    }
    _wait(procs)
    for saved_on, loaded_on in other.items():
        loaded = np.load(tmp_path / f"{loaded_on}-loads.npz")
        for name in crossbackend.layer_cases():
            saved = np.load(tmp_path / saved_on / f"{name}.npy")
            np.testing.assert_allclose(
                loaded[name],
                saved,
                rtol=1e-6,
                atol=1e-6,
                err_msg=f"{name}: saved on {saved_on}, loaded on {loaded_on}",
            )
            if name.startswith("PolyReLUBlend"):
                assert float(loaded[name + ":relu_weight"]) == pytest.approx(0.37)


# ------------------------------------------------------------- conventions, on this backend


def grad(fn, *inputs):
    """Gradients of sum(fn(*inputs)) for every input, in float32, on the running backend."""
    return gradcheck.autodiff_grads(fn, inputs, dtype="float32")[1]


@pytest.mark.parametrize("alpha", [1.0, 0.5])
@pytest.mark.parametrize(
    "fn", [A.safe_elu, A.elu_double_where, A.elu_custom_gradient], ids=lambda f: f.__name__
)
def test_elu_gradient_at_zero_is_alpha(fn, alpha):
    """At x = 0 the ELUs take the negative branch's slope, alpha (TF's Elu and the docstrings)."""
    (g,) = grad(lambda t: fn(t, alpha=alpha), np.zeros(3))
    np.testing.assert_array_equal(g, np.full(3, alpha, dtype="float32"))


@pytest.mark.parametrize("fn", [A.safe_elu, A.elu_double_where], ids=lambda f: f.__name__)
def test_elu_gradient_is_exp_for_very_negative_inputs(fn):
    """exp(x), not expm1(x) + 1 (JAX's own rule), which is 0 in float32 at x = -30."""
    x = np.array([-30.0, -20.0, -10.0], dtype="float32")
    (g,) = grad(fn, x)
    np.testing.assert_allclose(g, np.exp(x.astype("float64")), rtol=1e-6)


@pytest.mark.parametrize(
    "fn",
    [lambda t: minimum(t, np.float32(0)), lambda t: maximum(t, np.float32(0))],
    ids=["min", "max"],
)
def test_min_max_ties_go_to_the_first_argument(fn):
    (g,) = grad(fn, np.array([0.0, 0.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])


@pytest.mark.parametrize("mode", ["clip", "straight_through"])
def test_truncation_boundary_counts_as_inside(mode):
    """At |x| == T: dy/dx = 1 and dy/dT = 0 in both modes (tf.clip_by_value's convention)."""
    x = np.array([-2.0, -1.0, 1.0, 2.0, 0.5])
    gx, gt = grad(lambda t, thr: A.truncate(t, thr, gradient=mode), x, np.ones(5))
    expected_x = [
        1.0 if mode == "straight_through" else 0.0,
        1.0,
        1.0,
        1.0 if mode == "straight_through" else 0.0,
        1.0,
    ]
    np.testing.assert_array_equal(gx, expected_x)
    np.testing.assert_array_equal(gt, [-1.0, 0.0, 0.0, 1.0, 0.0])


def test_capped_relu_slope_is_one_at_the_cap_and_zero_at_zero():
    """ReLU6 in the blend (d = 1): slope 1 at x = 6 (inside), 0 at x = 0 (ReLU's convention)."""
    (g,) = grad(lambda t: A.poly_relu_blend(t, 1.0, relu_cap=6.0), np.array([0.0, 6.0, 7.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_truncate_propagates_nan():
    y = keras.ops.convert_to_numpy(A.truncate(np.array([np.nan, 5.0], dtype="float32"), 1.0))
    assert np.isnan(y[0]) and y[1] == 1.0


def test_complex_soft_exponential_has_gradients():
    """The custom gradient of a two-output function (it failed on JAX: the upstream tuple)."""
    x = np.array([0.5, -1.0, 2.0])
    gx, ga, gb = grad(
        lambda t, a, b: A.complex_soft_exponential_concat(t, a, b),
        x,
        np.full(3, 0.3),
        np.full(3, 0.2),
    )
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(ga)) and np.all(np.isfinite(gb))
    assert np.all(gx != 0)


# ------------------------------------------------------------- Keras's own layer tests


class TestKerasLayerHarness(TestCase):
    """`run_layer_test` (config round trip, symbolic and eager calls, a training step, mixed
    precision) for every layer, on the backend this pytest pass runs."""

    def test_antirectifier(self):
        self.run_layer_test(
            L.Antirectifier,
            {"axis": -1},
            input_shape=(2, 5),
            expected_output_shape=(2, 10),
            expected_num_trainable_weights=0,
            supports_masking=False,
        )

    def test_crelu(self):
        self.run_layer_test(
            L.CReLU,
            {"axis": -1},
            input_shape=(2, 3, 4),
            expected_output_shape=(2, 3, 8),
            expected_num_trainable_weights=0,
        )

    def test_poly_relu_blend(self):
        self.run_layer_test(
            L.PolyReLUBlend,
            {"relu_weight": 0.5, "relu_cap": 6.0},
            input_shape=(2, 4),
            expected_output_shape=(2, 4),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=1,
            supports_masking=True,
        )

    def test_truncation_trainable(self):
        self.run_layer_test(
            L.Truncation,
            {"threshold": 2.0, "trainable_threshold": True, "shared_axes": None},
            input_shape=(2, 3),
            expected_output_shape=(2, 3),
            expected_num_trainable_weights=1,
            supports_masking=True,
        )

    def test_truncation_straight_through(self):
        self.run_layer_test(
            L.Truncation,
            {"threshold": 1.0, "gradient": "straight_through"},
            input_shape=(2, 3),
            expected_output_shape=(2, 3),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=1,
            supports_masking=True,
        )

    def test_soft_exponential(self):
        self.run_layer_test(
            L.SoftExponential,
            {"alpha_initializer": "zeros", "alpha_constraint": L.ClipAlpha(-1, 1)},
            input_shape=(2, 4),
            expected_output_shape=(2, 4),
            expected_num_trainable_weights=1,
            supports_masking=True,
        )

    def test_complex_soft_exponential(self):
        self.run_layer_test(
            L.ComplexSoftExponential,
            {"alpha_imag_initializer": "ones"},
            input_shape=(2, 4),
            expected_output_shape=(2, 8),
            expected_num_trainable_weights=2,
        )

    def test_rational(self):
        self.run_layer_test(
            L.Rational,
            {"degrees": (3, 2), "approximates": "tanh"},
            input_shape=(2, 4),
            expected_output_shape=(2, 4),
            expected_num_trainable_weights=2,
            supports_masking=True,
        )

    def test_rational_shared_axes(self):
        self.run_layer_test(
            L.Rational,
            {"shared_axes": [1], "denominator_constraint": "non_neg", "safe": False},
            input_shape=(2, 3, 4),
            expected_output_shape=(2, 3, 4),
            expected_num_trainable_weights=2,
            supports_masking=True,
        )
