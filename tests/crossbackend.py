"""Values and gradients of every public function and layer of `actlab` on a fixed grid, on the
backend this process runs (``KERAS_BACKEND``), saved to an ``.npz`` for a cross-backend check.

Run as ``python tests/crossbackend.py OUT.npz [MODEL_FOLDER]`` (with a folder it also saves
every layer in a ``.keras`` model there; ``load FOLDER OUT.npz`` loads them, for the round trips
between backends; the tests do so once per backend, in a
subprocess, since Keras fixes its backend at import). Every case is a function of a few float32
arrays; the file holds, per case, its output(s) and the vector-Jacobian product with a fixed
upstream array for every input (the gradient of ``sum(w * f)``), computed by the backend's own
autodiff (``tf.GradientTape`` eagerly, or ``jax.vjp`` under ``jax.jit``). The grids include the
kinks and boundaries: x = 0 for the ELUs and the ReLU, |x| = T for truncation, α = 0 (and the
series thresholds) for the soft exponential, d in {0, 1} for the blend, constant rows for the
Antirectifier, and for the rational function the zeros of its denominator's sum
b1 x + … + bn x^n (x = 0 and a root at x = 2), where |·| has a kink.

Layer cases go through ``layer.stateless_call`` so that the gradient with respect to the
layer's weights is the same code on both backends.
"""

from __future__ import annotations

import sys

import numpy as np

SEED = 20261130


def _grid_x() -> np.ndarray:
    """Points for the elementwise functions: 0, tiny, ±1, the ELU overflow, huge values."""
    base = [
        0.0,
        1e-30,
        -1e-30,
        1e-7,
        -1e-7,
        0.001,
        -0.001,
        0.5,
        -0.5,
        1.0,
        -1.0,
        1.5,
        -1.5,
        2.0,
        -2.0,
        3.0,
        -3.0,
        6.0,
        -6.0,
        10.0,
        -10.0,
        30.0,
        -30.0,
        88.72,
        88.73,
        100.0,
        -100.0,
        1e4,
        -1e4,
        1e10,
        -1e10,
    ]
    return np.asarray(base, dtype="float32")


def _softexp_grid() -> tuple[np.ndarray, np.ndarray]:
    """(x, α) pairs covering α = 0, the series thresholds, the log floor and the exp cap."""
    xs = np.asarray(
        [0.0, 1e-3, -1e-3, 0.3, -0.3, 1.0, -1.0, 2.5, -2.5, 10.0, -10.0, 50.0], dtype="float32"
    )
    alphas = np.asarray(
        [
            0.0,
            1e-6,
            -1e-6,
            1e-3,
            -1e-3,
            0.0099,
            -0.0099,
            0.1,
            -0.1,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.0,
            -2.0,
        ],
        dtype="float32",
    )
    x, a = np.meshgrid(xs, alphas)
    return x.reshape(-1), a.reshape(-1)


def _rational_grid() -> np.ndarray:
    """27 points for the rational function: 0, tiny, ±1, around and at x = 2 (the root of
    x − x²/2, the kink of |·| for `KINK_DENOMINATOR`), up to ±100 (x⁵ stays finite in float32)."""
    base = [0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.001, -0.001, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5]
    base += [2.0, -2.0, 1.9999999, 2.0000002, 3.0, -3.0, 6.0, -6.0, 10.0, -10.0]
    base += [30.0, -30.0, 100.0, -100.0]
    return np.asarray(base, dtype="float32")


#: Rational coefficients with a kink of |b1 x + b2 x²| = |x − x²/2| at x = 0 and x = 2.
KINK_NUMERATOR = np.asarray([0.3, 1.0, 0.5], dtype="float32")
KINK_DENOMINATOR = np.asarray([1.0, -0.5], dtype="float32")


def _leaky_fit() -> tuple[np.ndarray, np.ndarray]:
    """The (5, 4) fit of leaky ReLU on [-3, 3] that `Rational` starts from, in float32."""
    from actlab.activations.rational import fit_rational

    fit = fit_rational("leaky_relu", (5, 4), (-3.0, 3.0))
    return np.float32(fit.numerator), np.float32(fit.denominator)


def _rows() -> np.ndarray:
    """Antirectifier rows: constant rows (zero after centring), ordinary and tiny-spread ones."""
    rng = np.random.default_rng(SEED)
    rows = [
        np.zeros(6),
        np.full(6, 3.0),
        np.full(6, -1e4),
        rng.normal(size=6),
        rng.normal(size=6) * 1e-4,
        np.array([0, 0, 0, 0, 0, 1.0]),
        np.array([1.0, -1.0, 1.0, -1.0, 0.0, 0.0]),
        rng.normal(size=6) * 100,
    ]
    return np.asarray(rows, dtype="float32")


def cases():
    """``{name: (fn, inputs)}``: `fn(*tensors)` returns a tensor or a tuple of tensors."""
    from actlab import activations as A
    from actlab.activations import softexp_autodiff as SA

    x = _grid_x()
    sx, sa = _softexp_grid()
    rows = _rows()
    out = {}
    for name in ("naive_elu", "safe_elu", "elu_double_where", "elu_custom_gradient"):
        fn = getattr(A, name)
        # naive_elu overflows on purpose above 88.72: compare it below that.
        xs = x[np.abs(x) < 80] if name == "naive_elu" else x
        out[name] = (lambda t, fn=fn: fn(t), [xs])
        out[name + "_alpha0.5"] = (lambda t, fn=fn: fn(t, alpha=0.5), [xs])
    out["relu_poly_approx"] = (lambda t: A.relu_poly_approx(t), [x[np.abs(x) < 1e3]])
    small = x[np.abs(x) < 1e3]
    for d in (0.0, 0.25, 1.0):
        xs, ds = np.meshgrid(small, np.float32(d))
        out[f"poly_relu_blend_d{d}"] = (
            lambda t, dd: A.poly_relu_blend(t, dd),
            [xs.reshape(-1), ds.reshape(-1)],
        )
        out[f"poly_relu_blend_relu6_d{d}"] = (
            lambda t, dd: A.poly_relu_blend(t, dd, relu_cap=6.0),
            [xs.reshape(-1), ds.reshape(-1)],
        )
    for mode in ("clip", "straight_through"):
        for t_val in (1.0, 0.5, 3.0):
            xs = np.concatenate([x, np.float32([t_val, -t_val])])
            ts = np.full_like(xs, t_val)
            out[f"truncate_{mode}_T{t_val}"] = (
                lambda t, thr, mode=mode: A.truncate(t, thr, gradient=mode),
                [xs, ts],
            )
    out["soft_exponential"] = (A.soft_exponential, [sx, sa])
    out["soft_exponential_autodiff"] = (SA.soft_exponential_autodiff, [sx, sa])
    cb = np.roll(sa, 3)
    out["complex_soft_exponential"] = (A.complex_soft_exponential, [sx, sa, cb])
    out["complex_soft_exponential_concat"] = (A.complex_soft_exponential_concat, [sx, sa, cb])
    out["complex_soft_exponential_autodiff"] = (SA.complex_soft_exponential_autodiff, [sx, sa, cb])
    out["crelu"] = (A.crelu, [rows])
    out["centered_l2_normalize"] = (A.centered_l2_normalize, [rows])
    out["antirectify"] = (A.antirectify, [rows])
    out["antirectify_autodiff"] = (A.antirectify_autodiff, [rows])
    out["antirectify_axis0"] = (lambda t: A.antirectify(t, axis=0), [rows.T.copy()])
    # (3, 9) like the layer cases' input, so that JAX compiles these shapes once for both
    rx = _rational_grid().reshape(3, 9)
    num, den = _leaky_fit()
    out["rational_leaky_fit"] = (lambda t, a, b: A.rational(t, a, b), [rx, num, den])
    out["rational_kink"] = (
        lambda t, a, b: A.rational(t, a, b),
        [rx, KINK_NUMERATOR, KINK_DENOMINATOR],
    )
    # the plain denominator 1 + b1 x + … has poles: on [-0.5, 0.5], away from them
    plain_x = np.linspace(-0.5, 0.5, 27, dtype="float32").reshape(3, 9)
    out["rational_plain"] = (
        lambda t, a, b: A.rational(t, a, b, safe=False),
        [plain_x, num, den],
    )
    return out


def layer_cases():
    """``{name: (layer factory, input, {weight name: value})}`` for every layer in `actlab.layers`."""
    from actlab import layers as L

    x = _grid_x()[None, :].repeat(2, axis=0)
    x[1] *= -0.5
    sx, sa = _softexp_grid()
    n = 12
    sx2 = sx.reshape(-1, n)
    rows = _rows()
    rx = _rational_grid().reshape(3, 9)
    num, den = _leaky_fit()
    rng = np.random.default_rng(SEED)  # one set per unit: the fit, perturbed unit by unit
    num_units = (num[:, None] + 0.05 * rng.normal(size=(6, 9))).astype("float32")
    den_units = (den[:, None] + 0.05 * rng.normal(size=(4, 9))).astype("float32")
    return {
        "Antirectifier": (lambda: L.Antirectifier(), rows, {}),
        "CReLU": (lambda: L.CReLU(), rows, {}),
        "PolyReLUBlend_d1": (lambda: L.PolyReLUBlend(relu_weight=1.0), x / 1e9, {}),
        "PolyReLUBlend_d0": (lambda: L.PolyReLUBlend(relu_weight=0.0), x / 1e9, {}),
        "PolyReLUBlend_d0.3_cap": (
            lambda: L.PolyReLUBlend(relu_weight=0.3, relu_cap=6.0),
            np.clip(x, -20, 20),
            {},
        ),
        "Truncation_clip": (
            lambda: L.Truncation(threshold=1.0, trainable_threshold=True),
            np.concatenate([x, np.float32([[1.0] * 31, [-1.0] * 31])]),
            {},
        ),
        "Truncation_ste_per_unit": (
            lambda: L.Truncation(
                threshold=2.0,
                gradient="straight_through",
                trainable_threshold=True,
                shared_axes=None,
            ),
            np.concatenate([x, np.float32([[2.0] * 31, [-2.0] * 31])]),
            {},
        ),
        "SoftExponential": (lambda: L.SoftExponential(), sx2, {"alpha": sa.reshape(-1, n)[3]}),
        "SoftExponential_zero": (lambda: L.SoftExponential(), sx2, {}),
        "ComplexSoftExponential": (
            lambda: L.ComplexSoftExponential(),
            sx2,
            {"alpha_real": sa.reshape(-1, n)[5], "alpha_imag": sa.reshape(-1, n)[9]},
        ),
        "ComplexSoftExponential_zero": (lambda: L.ComplexSoftExponential(), sx2, {}),
        "Rational": (lambda: L.Rational(), rx, {}),
        "Rational_kink": (
            lambda: L.Rational(degrees=(2, 2)),
            rx,
            {"numerator": KINK_NUMERATOR, "denominator": KINK_DENOMINATOR},
        ),
        "Rational_per_unit": (
            lambda: L.Rational(shared_axes=None),
            rx,
            {"numerator": num_units, "denominator": den_units},
        ),
    }


def _upstream(shape, key: str, dtype: str) -> np.ndarray:
    rng = np.random.default_rng([SEED, sum(map(ord, key))])
    return rng.uniform(0.5, 1.5, size=shape).astype(dtype)


def _vjp(fn, inputs):
    """(outputs as a list of NumPy arrays, gradients of Σ_k sum(w_k * out_k) for every input),
    with a fixed random upstream gradient w_k per output. TensorFlow runs it eagerly; on JAX the
    whole product is compiled once (`actlab.autodiff.jit`, as Keras runs JAX): op by op, JAX
    compiles every primitive for every shape and dtype, about 870 XLA compilations (22 s of the
    35 s this script took)."""
    import keras

    from actlab.autodiff import jit, vjp_tensors

    upstream = lambda i, shape: _upstream(shape, f"w{i}", inputs[0].dtype)  # noqa: E731
    product = lambda *xs: vjp_tensors(fn, xs, upstream)  # noqa: E731
    if keras.backend.backend() == "jax":
        product = jit(product)
    out, grads = product(*inputs)
    ys = out if isinstance(out, (tuple, list)) else [out]
    return [np.asarray(y) for y in ys], [np.asarray(g) for g in grads]


def layer_function(factory, x, weights):
    """A built layer and ``f(x, *trainable) -> y`` through `stateless_call`."""
    import keras

    layer = factory()
    layer.build(x.shape)
    for name, value in weights.items():
        getattr(layer, name).assign(np.broadcast_to(value, getattr(layer, name).shape))
    non_trainable = [keras.ops.convert_to_tensor(v.value) for v in layer.non_trainable_variables]

    def f(xt, *trainable):
        y, _ = layer.stateless_call(list(trainable), non_trainable, xt)
        return y

    trainable = [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in layer.trainable_variables]
    return layer, f, [x, *trainable]


def compute(dtype: str = "float32") -> dict[str, np.ndarray]:
    """Every case's outputs (``name/y0``, …) and gradients (``name/g0``, …) on this backend.

    The grids are float32 values; for ``dtype="float64"`` they are computed in float64 (layers
    with ``floatx`` float64), which the test uses as the reference for float32 rounding.
    """
    import keras

    result = {}
    for name, (fn, inputs) in cases().items():
        ys, gs = _vjp(fn, [np.asarray(v, dtype=dtype) for v in inputs])
        for i, y in enumerate(ys):
            result[f"{name}/y{i}"] = y
        for i, g in enumerate(gs):
            result[f"{name}/g{i}"] = g
    floatx = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        for name, (factory, x, weights) in layer_cases().items():
            _, f, inputs = layer_function(factory, np.asarray(x, dtype=dtype), weights)
            ys, gs = _vjp(f, inputs)
            result[f"layer:{name}/y0"] = ys[0]
            for i, g in enumerate(gs):
                result[f"layer:{name}/g{i}"] = g
    finally:
        keras.config.set_floatx(floatx)
    return result


def save_models(folder: str) -> None:
    """Every layer of `layer_cases` in a small model, saved as ``.keras`` with its outputs."""
    from pathlib import Path

    import keras

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, (factory, x, weights) in layer_cases().items():
        x = np.asarray(x, dtype="float32")
        inputs = keras.Input(x.shape[1:])
        layer = factory()
        model = keras.Model(inputs, layer(inputs))
        for wname, value in weights.items():
            getattr(layer, wname).assign(np.broadcast_to(value, getattr(layer, wname).shape))
        if hasattr(layer, "set_relu_weight"):  # the blend saves its current d, not its initial one
            layer.set_relu_weight(0.37)
        model.save(folder / f"{name}.keras")
        np.save(folder / f"{name}.npy", np.asarray(model(x)))


def load_models(folder: str, out: str) -> None:
    """Load every ``.keras`` of `folder` with ``safe_mode=True``; save their outputs to `out`."""
    from pathlib import Path

    import keras

    import actlab.layers  # noqa: F401  (registers the classes)

    result = {}
    for name, (_, x, _) in layer_cases().items():
        model = keras.saving.load_model(Path(folder) / f"{name}.keras", safe_mode=True)
        result[name] = np.asarray(model(np.asarray(x, dtype="float32")))
        blends = [la for la in model.layers if hasattr(la, "get_relu_weight")]
        if blends:
            result[name + ":relu_weight"] = np.asarray(blends[0].get_relu_weight())
    np.savez(out, **result)


def main(path: str, model_dir: str | None = None) -> None:
    """float32 results as ``float32:<key>``, float64 ones as ``float64:<key>``, in `path`;
    with `model_dir`, also the models of `save_models` there."""
    import keras

    if model_dir is not None:
        save_models(model_dir)
    arrays = {f"float32:{k}": v for k, v in compute("float32").items()}
    if keras.backend.backend() == "jax":  # float64 needs x64 mode (off by default in JAX)
        import jax

        jax.config.update("jax_enable_x64", True)
    arrays.update({f"float64:{k}": v for k, v in compute("float64").items()})
    arrays["backend"] = np.asarray(keras.backend.backend())
    np.savez(path, **arrays)


if __name__ == "__main__":
    if sys.argv[1] == "save":
        save_models(sys.argv[2])
    elif sys.argv[1] == "load":
        load_models(sys.argv[2], sys.argv[3])
    else:
        main(*sys.argv[1:3])
