"""The check ``serializes``: a model using the target saves as .keras and reloads, for real.

`start` saves a model holding the target (the layer, or ``keras.layers.Activation(fn)``) and
its outputs on the probe; `launch` starts a child process (`actlab.checkup.reloading`) that
reloads it (a) importing only the target's module, with ``safe_mode=True``, and (b) with
``custom_objects`` naming the target; the child runs while the other checks do (the targets of
one module share one child, one per module). `serializes` then compares:

- reloads as something else (Keras's own ``gelu`` for an unregistered ``gelu`` of yours, saved
  by its bare name) that gives other outputs, does not reload, or reloads to other outputs:
  **fail**, naming a constructor argument that `get_config` drops;
- reloads as something else that gives the same outputs on the probes (a ``squareplus`` of
  yours with Keras's default b = 4): **warn**, saying to register it;
- reloads only with ``custom_objects``: **warn**, saying what (a) raised;
- reloads in the fresh process to the same outputs: **pass**.

Keras's own functions and layers reload by name in any process and are reloaded here; so is a
target defined in ``__main__`` or inside a function (no other process can import it: a
warning at best), and every target with ``fresh_process=False`` (the detail says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from actlab._util import child_env
from actlab.checkup import reloading
from actlab.checkup.context import Context
from actlab.checkup.probe import WIDTH, backend, first_line, to_numpy
from actlab.checkup.report import CheckResult
from actlab.checkup.saveable import (
    builtin,
    dropped_arguments,
    identity,
    importable,
    unsaveable,
)

TIMEOUT = 300  # seconds for the child process (it imports Keras and the target's module)


class Child:
    """One child process reloading the jobs of one or more targets (`launch`)."""

    def __init__(self, jobs: list[dict], folder: Path):
        self.results_path = folder / "results.json"
        self.n_jobs = len(jobs)
        spec = {"sys_path": [p for p in sys.path if p], "jobs": jobs}
        spec["results"] = str(self.results_path)
        (folder / "jobs.json").write_text(json.dumps(spec))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "actlab.checkup.reloading", str(folder / "jobs.json")],
            env=child_env(KERAS_BACKEND=backend(), TF_CPP_MIN_LOG_LEVEL="3"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._results: list[dict] | None = None
        self.waited = 0.0  # seconds the checks spent waiting for it

    def result(self, index: int) -> dict:
        if self._results is None:
            start = time.perf_counter()
            self._results = self._wait()
            self.waited += time.perf_counter() - start
        return self._results[index]

    def _wait(self) -> list[dict]:
        n = self.n_jobs
        try:
            _, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.close()
            return [{"error": f"the child process did not finish in {TIMEOUT} s"}] * n
        if self.proc.returncode != 0 or not self.results_path.is_file():
            lines = [line for line in (err or "").strip().splitlines() if line.strip()]
            return [{"error": lines[-1] if lines else f"exit {self.proc.returncode}"}] * n
        return json.loads(self.results_path.read_text())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@dataclass
class Reload:
    """A model saved for `serializes` and its reloading: in a child process (`launch`), or
    here when `result()` is first asked for. `close()` ends it and removes the files."""

    what: str  # "a model holding the X layer", ...
    identity: str  # module:qualname of the function or class
    where: str  # how the detail names where it reloaded
    expected: np.ndarray
    job: dict
    tmp: tempfile.TemporaryDirectory
    live: Any = None  # the object for custom_objects when reloading here
    fresh: bool = False  # reload in a child process (launch)
    child: Child | None = None
    index: int = 0
    dropped: list[str] = field(default_factory=list)
    problem: CheckResult | None = None  # decided before any reload (cannot be saved, ...)
    _result: dict | None = None

    def result(self) -> dict:
        if self._result is None:
            if self.child is not None:
                self._result = self.child.result(self.index)
            else:
                self._result = reloading.run_job({**self.job, "import": None}, self.live)
        return self._result

    def close(self) -> None:
        """End the child if it is this reload's alone (a shared one: `Child.close`, after every
        target sharing it), and remove the saved files."""
        if self.child is not None and self.child.n_jobs == 1:
            self.child.close()
        self.tmp.cleanup()


def launch(reloads: list[Reload | None]) -> list[Child]:
    """Start one child process per module for the reloads that run in a fresh process: the
    targets of one module share it (importing that module once is what each of them would
    do); targets of different modules never share one."""
    groups: dict[str, list[Reload]] = {}
    for r in reloads:
        if r is not None and r.fresh and r.problem is None:
            groups.setdefault(r.job["import"], []).append(r)
    children = []
    for group in groups.values():
        child = Child([r.job for r in group], Path(group[0].tmp.name))
        for i, r in enumerate(group):
            r.child, r.index = child, i
        children.append(child)
    return children


def start(ctx: Context, fresh_process: bool) -> Reload:
    """Save the target's model and its outputs, and say where it will reload: in a fresh
    process (`launch` starts it) when `fresh_process` and another process can import it."""
    target = ctx.t
    if target.layer is not None:
        obj, layer = type(target.layer), target.layer
        what = f"a model holding the {obj.__name__} layer"
    else:
        obj = target.fn
        problem = unsaveable(obj)
        if problem:
            tmp = tempfile.TemporaryDirectory(prefix="checkup-serializes-")
            reload = Reload("", "", "", np.zeros(0), {}, tmp)
            reload.problem = CheckResult("serializes", "warn", problem, {"registered": False})
            return reload
        layer = keras.layers.Activation(obj)
        what = "a model with keras.layers.Activation(<the function>)"
    tmp = tempfile.TemporaryDirectory(prefix="checkup-serializes-")
    root = Path(tmp.name)
    x = ctx.probe.layout(ctx.shape_points(), offset=True).astype("float32")
    reload = Reload(what, identity(obj), "", np.zeros(0), {}, tmp)
    reload.dropped = dropped_arguments(layer) if target.layer is not None else []
    try:
        model = keras.Sequential([keras.Input((WIDTH,)), layer])
        reload.expected = to_numpy(model(x))
        model.save(root / "model.keras")
    except Exception as exc:  # noqa: BLE001
        reload.problem = _cannot_save(what, exc, reload.dropped)
        return reload
    np.save(root / "inputs.npy", x)
    names = sorted({obj.__name__, keras.saving.get_registered_name(obj)})
    reload.job = {
        "model": str(root / "model.keras"),
        "inputs": str(root / "inputs.npy"),
        "out_plain": str(root / "plain.npy"),
        "out_custom": str(root / "custom.npy"),
        "results": str(root / "results.json"),
        "custom": None
        if builtin(obj)
        else {"module": obj.__module__, "qualname": obj.__qualname__, "names": names},
    }
    reload.live = obj
    if isinstance(layer, keras.layers.Lambda):
        reload.where = "in this process (a Lambda is saved as Python bytecode)"
    elif builtin(obj):
        reload.where = "in this process (a Keras built-in: every process knows its name)"
    elif not importable(obj):
        reload.where = "in this process only"
    elif not fresh_process:
        reload.where = "in this process (fresh_process=False)"
    else:
        module = target.module or obj.__module__
        reload.where = f"in a fresh process that imports only {module}"
        reload.job["import"] = module
        reload.fresh = True
    return reload


def _cannot_save(what: str, exc: Exception, dropped: list[str]) -> CheckResult:
    hint = f"; get_config drops the constructor argument {', '.join(dropped)}" if dropped else ""
    return CheckResult(
        "serializes",
        "fail",
        f"Saving {what} as .keras failed: {type(exc).__name__}: {first_line(exc)}{hint}.",
        {"error": first_line(exc), "dropped_arguments": dropped},
    )


def serializes(ctx: Context) -> CheckResult:
    reload: Reload = ctx.reload
    if reload.problem is not None:
        return reload.problem
    result = reload.result()
    ev: dict[str, Any] = {
        "where": reload.where,
        "identity": reload.identity,
        "dropped_arguments": reload.dropped,
        "result": {  # without the temporary files' paths: the same seed, the same report
            k: {kk: vv for kk, vv in v.items() if kk != "outputs"} if isinstance(v, dict) else v
            for k, v in result.items()
        },
    }
    hint = (
        f"; get_config drops the constructor argument {', '.join(reload.dropped)}"
        if reload.dropped
        else ""
    )
    if "error" in result:
        return CheckResult(
            "serializes",
            "fail",
            f"Reloading {reload.what} {reload.where} failed: {result['error']}{hint}.",
            ev,
        )
    plain, custom = result["plain"], result.get("custom")
    if plain["ok"] and plain["loaded"] != reload.identity:
        return _reloads_as_another(reload, plain, ev)
    if plain["ok"]:
        return _reloads_safely(reload, plain, ev, hint)
    if custom and custom["ok"] and custom["loaded"] == reload.identity:
        if _difference(reload, custom) is None:
            return _reloads_with_custom_objects(reload, plain, ev)
    what = reload.what
    return CheckResult(
        "serializes",
        "fail",
        f"{what[0].upper()}{what[1:]} does not reload with safe_mode=True {reload.where}: "
        f"{plain['error']}{hint}.",
        ev,
    )


def _difference(reload: Reload, r: dict[str, Any]) -> float | None:
    """None if a reload's outputs match (to 1e-6), else the largest |difference| (inf: shape)."""
    y = np.load(r["outputs"])
    if y.shape == reload.expected.shape and np.allclose(
        y, reload.expected, rtol=1e-6, atol=1e-6, equal_nan=True
    ):
        return None
    if y.shape != reload.expected.shape:
        return float("inf")
    return float(np.nanmax(np.abs(y - reload.expected), initial=0.0))


def _reloads_as_another(reload: Reload, plain: dict[str, Any], ev: dict) -> CheckResult:
    """It reloads as another object: a twin (the same outputs) warns, anything else fails."""
    what = reload.what
    d = _difference(reload, plain)
    ev["max_abs_difference"] = 0.0 if d is None else d
    if d is None:  # a twin: the model computes the same, but through another object
        return CheckResult(
            "serializes",
            "warn",
            f"{what[0].upper()}{what[1:]} reloads {reload.where} as {plain['loaded']}, "
            f"not {reload.identity}: Keras saved it by its bare name, which that object "
            f"answers to. That object gives the same outputs on the probes "
            f"({reload.expected.size} values, to 1e-6), so the reloaded model computes "
            "the same, but a change to yours would not reach it; register yours with "
            "@keras.saving.register_keras_serializable(package=...) so that it is saved as "
            "'package>name'.",
            ev,
        )
    return CheckResult(
        "serializes",
        "fail",
        f"{what[0].upper()}{what[1:]} reloads {reload.where} as {plain['loaded']}, not "
        f"{reload.identity} (its outputs differ by up to {d:.3g}): Keras saved it by its "
        "bare name, which another object answers to; register it with "
        "@keras.saving.register_keras_serializable(package=...) so that it is saved as "
        "'package>name'.",
        ev,
    )


def _reloads_safely(reload: Reload, plain: dict[str, Any], ev: dict, hint: str) -> CheckResult:
    """It reloads as itself with safe_mode=True: the same outputs pass, others fail."""
    what = reload.what
    d = _difference(reload, plain)
    ev["max_abs_difference"] = 0.0 if d is None else d
    if d is not None:
        return CheckResult(
            "serializes",
            "fail",
            f"{what[0].upper()}{what[1:]} reloads with safe_mode=True {reload.where} but "
            f"its outputs differ by up to {d:.3g}{hint}.",
            ev,
        )
    if reload.where == "in this process only":
        return _here_only(what, "reloads with safe_mode=True", reload, ev)
    return CheckResult(
        "serializes",
        "pass",
        f"{what[0].upper()}{what[1:]} saves as .keras and reloads with safe_mode=True "
        f"{reload.where}, giving the same outputs.",
        ev,
    )


def _reloads_with_custom_objects(reload: Reload, plain: dict[str, Any], ev: dict) -> CheckResult:
    """It reloads to the same outputs only with custom_objects: a warning."""
    what = reload.what
    if reload.where == "in this process only":
        return _here_only(what, "reloads with custom_objects", reload, ev)
    names = reload.job["custom"]["names"]
    return CheckResult(
        "serializes",
        "warn",
        f"{what[0].upper()}{what[1:]} reloads only with custom_objects: {reload.where}, "
        f"load_model(..., safe_mode=True) raised {plain['error']}; with "
        f"custom_objects={{{names[-1]!r}: {reload.identity.split(':')[-1]}}} it reloads to "
        "the same outputs. Register it with "
        "@keras.saving.register_keras_serializable(package=...) where it is defined, so "
        "that importing that module is enough.",
        ev,
    )


def _here_only(what: str, how: str, reload: Reload, ev: dict) -> CheckResult:
    return CheckResult(
        "serializes",
        "warn",
        f"{what[0].upper()}{what[1:]} {how} in this process, but {reload.identity} is "
        "defined in __main__ or inside a function (or wrapped, as ops.custom_gradient does on "
        "JAX), so no other process can import it by that name: a model using it reloads only "
        "where that code has run first. Define it at the top of a module and register it with "
        "@keras.saving.register_keras_serializable(package=...).",
        ev,
    )
