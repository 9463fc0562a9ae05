"""The check ``backends``: the same float32 values and gradients on TensorFlow and JAX, each
evaluated in a child process of its own (`compare_backends`)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actlab._util import child_env
from actlab.autodiff import float64_scope
from actlab.checkup.probe import Probe, range_grid, shape_grid
from actlab.checkup.report import CheckResult
from actlab.checkup.targets import prepare

__all__ = ["BACKENDS", "compare_backends"]

BACKENDS = ("tensorflow", "jax")
BACKEND_RTOL = 1e-5  # float32: a few ulps of each backend's own exp/log/sin
BACKEND_ATOL = 1e-6  # for values that cancel to ~0


def float32_profile(target: Any, seed: int) -> dict[str, np.ndarray]:
    """f and f' in float32 on the range grid and the [-6, 6] shape grid, on this backend, and
    the same in float64 where the target computes in float64 (NaN where it does not)."""
    prepared = prepare(target)
    probe = Probe(prepared, seed)
    t = np.concatenate([*range_grid(), shape_grid()])
    out = probe.evaluate(prepared.fn, t, "float32")
    nan = np.full_like(out["F"], np.nan)
    F64 = dF64 = nan
    with float64_scope():
        try:
            ref = probe.evaluate(prepared.clone("float64"), t, "float64")
            if ref["out_dtype"] == "float64":
                F64, dF64 = ref["F"], nan if ref["dF"] is None else ref["dF"]
        except Exception:  # noqa: BLE001 - no float64 reference: no rounding allowance either
            pass
    return {
        "t": t,
        "F": out["F"],
        "dF": nan if out["dF"] is None else out["dF"],
        "F64": F64,
        "dF64": dF64,
        "x_used": out["x_used"],
    }


#: What each backend's child process runs: the profile, or the exception's type and message in
#: a file beside it (stderr's last line can be a library's note, such as JAX's "JAX has
#: removed its internal frames...", not the exception).
_CHILD = """
import sys
try:
    import numpy as np
    from actlab.checkup.backends import float32_profile
    np.savez(sys.argv[3], **float32_profile(sys.argv[1], int(sys.argv[2])))
except BaseException as exc:
    with open(sys.argv[3] + ".error", "w", encoding="utf-8") as f:
        f.write(f"{type(exc).__name__}: {exc}")
    raise SystemExit(3) from None
"""


def _profile_in_subprocess(
    target: str, backend: str, seed: int, tmp: Path
) -> dict[str, np.ndarray]:
    out = tmp / f"{backend}.npz"
    env = child_env(KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, target, str(seed), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    error = Path(f"{out}.error")
    if error.is_file():
        lines = [line for line in error.read_text().strip().splitlines() if line.strip()]
        raise RuntimeError(f"{backend}: {lines[0][:300] if lines else 'an empty exception'}")
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(f"{backend}: {lines[-1] if lines else 'exit ' + str(proc.returncode)}")
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def compare_backends(target: str, backends: Sequence[str] = BACKENDS, seed: int = 0) -> CheckResult:
    """The check ``backends``: the same values and gradients on every backend (float32).

    Each backend evaluates `target` (an import path or Keras name: it is re-imported in a child
    process with ``KERAS_BACKEND`` set) on the range grid and on [-6, 6] including the kinks.
    A point where one backend's value or gradient is finite and the other's is not, or where
    both differ by more than ``BACKEND_RTOL`` relative plus ``BACKEND_ATOL`` plus twice the
    larger of the two backends' own float32 errors (against their float64 results, where the
    target computes in float64: a difference of large terms that float32 cannot resolve on
    either backend is rounding, not a disagreement), fails: the two backends disagree (for
    example on which one-sided derivative a kink takes).
    """
    if not isinstance(target, str):
        raise ValueError(
            "Comparing backends re-imports the target in a child process per "
            "backend, so it must be an import path or a Keras activation name. "
            f"Received: target={target!r}"
        )
    for b in backends:
        if b not in BACKENDS:
            raise ValueError(f"`backends` may hold {BACKENDS!r}. Received: backends={backends!r}")
    with tempfile.TemporaryDirectory(prefix="checkup-backends-") as tmp:
        try:
            runs = {b: _profile_in_subprocess(target, b, seed, Path(tmp)) for b in backends}
        except (RuntimeError, OSError) as exc:
            return CheckResult(
                "backends",
                "fail",
                f"The target could not run on every backend: {exc}.",
                {"error": str(exc)},
            )
    first, *others = backends
    ref = runs[first]
    evidence: dict[str, Any] = {
        "backends": list(backends),
        "points": int(len(ref["t"])),
        "rtol": BACKEND_RTOL,
        "atol": BACKEND_ATOL,
        "float64_reference": bool(np.isfinite(ref["F64"]).any()),
    }
    worst = _worst_disagreement(runs, first, others, evidence)
    if worst is None:
        return CheckResult(
            "backends",
            "pass",
            f"{' and '.join(backends)} give the same float32 "
            f"values and gradients at all {len(ref['t'])} probe points (within "
            f"{BACKEND_RTOL:g} relative + {BACKEND_ATOL:g} + their own float32 "
            f"rounding).",
            evidence,
        )
    evidence["worst"] = worst
    return CheckResult(
        "backends",
        "fail",
        f"The backends disagree on the {worst['what']} at "
        f"x = {worst['x']:.6g}: {first} gives {worst[first]:.8g}, {worst['other']} "
        f"gives {worst['other_value']:.8g}; choose one convention and enforce it "
        f"on both (as actlab.activations does at its kinks).",
        evidence,
    )


def _excess(ref: dict, cur: dict, key: str) -> np.ndarray:
    """Per point, the difference of two backends' `key` (``"F"`` or ``"dF"``) over its
    tolerance (> 1: they disagree; inf where one is finite and the other is not)."""
    a, b = ref[key], cur[key]
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    with np.errstate(all="ignore"):
        rounding = np.fmax(np.abs(a - ref[key + "64"]), np.abs(b - cur[key + "64"]))
        rounding = np.where(np.isfinite(rounding), rounding, 0.0)
        excess = np.abs(a - b) / (
            BACKEND_RTOL * np.maximum(np.abs(a), np.abs(b)) + BACKEND_ATOL + 2 * rounding
        )
    excess = np.where(finite_a & finite_b, excess, 0.0)
    return np.where(finite_a != finite_b, np.inf, excess)


def _worst_disagreement(
    runs: dict, first: str, others: list[str], evidence: dict[str, Any]
) -> dict[str, Any] | None:
    """Each other backend's values and gradients against the first's (written to
    `evidence`); the worst disagreement, or None."""
    ref = runs[first]
    worst: dict[str, Any] | None = None
    for other in others:
        cur = runs[other]
        for key, what in (("F", "value"), ("dF", "gradient")):
            a, b = ref[key], cur[key]
            excess = _excess(ref, cur, key)
            evidence[f"max_{what}_excess_{other}"] = float(np.max(excess))
            evidence[f"{what}_disagrees_at_{other}"] = sorted(
                {float(x) for x in ref["x_used"][excess > 1]}
            )[:20]
            i = int(np.argmax(excess))
            if excess[i] > 1 and (worst is None or excess[i] > worst["excess"]):
                worst = {
                    "excess": float(excess[i]),
                    "what": what,
                    "other": other,
                    "x": float(ref["x_used"][i]),
                    first: float(a[i]),
                    "other_value": float(b[i]),
                }
    return worst


# --------------------------------------------------------------------------- entry points
