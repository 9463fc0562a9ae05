"""A whole module at once: `check_module` runs every public activation of a module through the
checks (how a user checks an activation library before trusting it).

An activation is a public function of one tensor (one required positional argument) or a
public `keras.layers.Layer` subclass that can be built with its defaults; the public names are
the module's ``__all__``, else the names without a leading underscore that the module's own
package defines. Every candidate is then called on a probe tensor (`targets.prepare`), and
what is not an activation (``keras.activations.get``, a loader) is listed as skipped, with
why. The targets share one fresh process for `serializes` (they import the same module).

One target's side effects do not reach the next: the state of each target's module (its
top-level names, and the contents of its top-level dicts, lists and sets) is restored before
and after each target is prepared and checked (`ModuleState`), so a setter called with a probe
tensor changes nothing the next one sees. A target that raises on the probes is that target's
failure (`run.crashed`); the scan goes on.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import sys
import time
import types
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras

from actlab.checkup import run, saving
from actlab.checkup.context import Context
from actlab.checkup.paths import PATH
from actlab.checkup.report import CHECKS, ActivationReport
from actlab.checkup.targets import prepare

__all__ = [
    "check_module",
    "check_targets",
    "module_targets",
    "ModuleReport",
    "ModuleState",
    "ABBREVIATIONS",
]

#: Short column names for the table (one column per check).
ABBREVIATIONS = {
    "forward_finite": "fwd",
    "gradient_finite": "grad",
    "gradient_correct": "corr",
    "kinks": "kinks",
    "gradient_alive": "alive",
    "weight_gradients": "wgrad",
    "compiles": "xla",
    "traced_state": "state",
    "float16": "f16",
    "bfloat16": "bf16",
    "serializes": "save",
    "training": "train",
    "cost": "cost",
    "backends": "backends",
}
MARKS = {"pass": "ok", "warn": "WARN", "fail": "FAIL", "skip": "-"}


@dataclass
class ModuleReport:
    """Every activation's report (`reports`, in name order) and what was not checked
    (`skipped`: ``(name, why)``); `ok` is False iff any check of any activation failed."""

    module: str
    reports: list[ActivationReport]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    overhead: float = 0.0  # importing the module, waiting for the shared fresh process

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    def name_of(self, report: ActivationReport) -> str:
        return report.target.split(":", 1)[-1]

    def rows(self) -> list[dict[str, Any]]:
        """One row per activation: its name, each check's status, its time in seconds."""
        return [
            {"activation": self.name_of(r), **r.statuses(), "seconds": round(r.seconds, 2)}
            for r in self.reports
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "overhead_seconds": round(self.overhead, 2),
            "activations": [r.to_dict() for r in self.reports],
            "skipped": [{"name": n, "why": why} for n, why in self.skipped],
        }

    def table(self) -> str:
        """The table for people: one row per activation, one column per check, the time."""
        names = [c.name for c in self.reports[0].checks] if self.reports else list(CHECKS)
        width = max([len("activation"), *(len(self.name_of(r)) for r in self.reports)])
        cols = [ABBREVIATIONS.get(n, n) for n in names]
        sizes = [max(len(c), 4) for c in cols]
        head = f"{'activation':<{width}}  " + " ".join(
            f"{c:<{s}}" for c, s in zip(cols, sizes, strict=True)
        )
        lines = [head + "  time"]
        for r in self.reports:
            status = r.statuses()
            marks = " ".join(
                f"{MARKS[status.get(n, 'skip')]:<{s}}" for n, s in zip(names, sizes, strict=True)
            )
            lines.append(f"{self.name_of(r):<{width}}  {marks}  {r.seconds:.1f} s")
        legend = ", ".join(f"{ABBREVIATIONS.get(n, n)} = {n}" for n in names)
        return "\n".join([*lines, f"({legend}; - = skipped)"])

    def details(self, statuses: Sequence[str] = ("fail", "warn")) -> str:
        """Every failure and warning, one line each: activation, status, check, detail."""
        return "\n".join(
            f"{self.name_of(r)}: {c.status.upper()} {c.name}: {c.detail}"
            for r in self.reports
            for c in r.checks
            if c.status in statuses
        )

    def verdict(self) -> str:
        failed = [self.name_of(r) for r in self.reports if not r.ok]
        warned = [
            self.name_of(r)
            for r in self.reports
            if r.ok and any(c.status == "warn" for c in r.checks)
        ]
        head = "OK" if self.ok else "FAIL"
        text = f"{head}: {self.module}: {len(failed)} of {len(self.reports)} activations failed a check"
        text += f" ({', '.join(failed)})" if failed else ""
        if warned:
            text += f"; {len(warned)} passed with warnings ({', '.join(warned)})"
        if self.skipped:
            text += f"; {len(self.skipped)} public names are not activations"
        return text + (
            f" [{self.seconds:.0f} s: the activations {self.seconds - self.overhead:.0f} s, importing "
            f"the module and waiting for the shared fresh process {self.overhead:.0f} s]"
        )


def module_targets(name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """`(targets, skipped)`: ``"module:attribute"`` of every candidate activation of module
    `name`, and ``(attribute, why)`` for public names that are not. `ValueError` when the
    module cannot be imported."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - any import error is the user's target
        raise ValueError(f"Cannot import module {name!r}: {type(exc).__name__}: {exc}") from None
    public = getattr(module, "__all__", None)
    package = name.split(".")[0]
    targets, skipped = [], []
    for attr in sorted(public if public is not None else dir(module)):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        home = (getattr(obj, "__module__", "") or "").split(".")[0]
        if public is None and home != package:
            continue  # imported from elsewhere (keras.ops in a user's module)
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
            try:
                obj()
            except Exception as exc:  # noqa: BLE001
                skipped.append((attr, f"a layer that needs arguments ({type(exc).__name__})"))
                continue
            targets.append(f"{name}:{attr}")
        elif isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
            required = _required(obj)
            if required == 1:
                targets.append(f"{name}:{attr}")
            else:
                skipped.append((attr, f"a function of {required} required arguments"))
    return targets, skipped


def _required(fn) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return -1
    return sum(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in parameters
    )


class ModuleState:
    """A snapshot of a module's state, to `restore` after calling into it: its top-level names
    (a global that a setter rebinds) and the contents of its top-level dicts, lists and sets
    (a cache a call fills). Deeper mutations (an attribute of an object) are not undone."""

    CONTAINERS = (dict, list, set)

    def __init__(self, module: types.ModuleType):
        self.module = module
        self.names = dict(vars(module))
        self.contents = {  # not __builtins__ (the builtins' own dict) nor other dunders
            k: copy.copy(v)
            for k, v in self.names.items()
            if type(v) in self.CONTAINERS and not k.startswith("__")
        }

    def restore(self) -> None:
        namespace = vars(self.module)
        for name in set(namespace) - set(self.names):
            if not isinstance(namespace[name], types.ModuleType):  # a submodule imported since
                del namespace[name]
        namespace.update(self.names)
        for name, saved in self.contents.items():
            value = self.names[name]
            value.clear()
            if isinstance(value, dict):
                value.update(saved)
            elif isinstance(value, list):
                value.extend(saved)
            else:
                value.update(saved)


def _modules_of(targets: Sequence[Any]) -> list[types.ModuleType]:
    """The modules whose state the targets may change: an import path's module (imported
    here if it can be; `prepare` reports it if not), a function's or a layer's own module."""
    modules: dict[str, types.ModuleType] = {}
    for target in targets:
        if isinstance(target, str):
            match = PATH.match(target)
            if match is None:
                continue
            with contextlib.suppress(Exception):
                importlib.import_module(match["module"])
            name = match["module"]
        else:
            obj = getattr(target, "func", target)  # a functools.partial's function
            obj = obj if isinstance(obj, type) or inspect.isfunction(obj) else type(obj)
            name = getattr(obj, "__module__", None)
        module = sys.modules.get(name) if name else None
        if module is not None and not name.startswith(("keras", "tensorflow", "jax")):
            modules[name] = module
    return list(modules.values())


def check_module(
    name: str,
    *,
    progress: Callable[[str], None] | None = None,
    **kwargs,
) -> ModuleReport:
    """`check_activation` on every activation of module `name` (see the module docstring);
    `kwargs` as for `check_targets` (``train=False, timing=False``...). `progress` gets one
    line per activation as it is done. `ValueError` when the module cannot be imported."""
    start = time.perf_counter()
    names, skipped = module_targets(name)
    reports = check_targets(names, progress=progress, skipped=skipped, **kwargs)
    seconds = time.perf_counter() - start
    return ModuleReport(
        name, reports, sorted(skipped), seconds, seconds - sum(r.seconds for r in reports)
    )


def check_targets(
    targets: Sequence[Any],
    *,
    progress: Callable[[str], None] | None = None,
    skipped: list[tuple[str, str]] | None = None,
    fresh_process: bool = True,
    allow_surrogate_gradient: bool | Collection[Any] = False,
    seed: int = 0,
    **kwargs,
) -> list[ActivationReport]:
    """`check_activation` on each of `targets`, in order, with one fresh process per module for
    `serializes` (not one per target). `allow_surrogate_gradient`: True for all, or the targets
    (as given) whose surrogate gradient is deliberate. A target that is not an activation is
    appended to `skipped` as ``(name, why)`` when a list is given, else raises `ValueError`."""
    states = [ModuleState(m) for m in _modules_of(targets)]

    def restore() -> None:
        for state in states:
            state.restore()

    # (target, its Context or the report of its crash, seconds it took to prepare)
    contexts: list[tuple[Any, Context | ActivationReport, float]] = []
    children = []
    try:
        for target in targets:
            start = time.perf_counter()
            surrogate = (
                allow_surrogate_gradient
                if isinstance(allow_surrogate_gradient, bool)
                else target in allow_surrogate_gradient
            )
            restore()
            try:
                prepared = prepare(target)
            except ValueError as exc:
                if skipped is None:
                    raise
                name = target.split(":", 1)[-1] if isinstance(target, str) else repr(target)
                skipped.append((name, _short(str(exc))))
                continue
            try:
                ctx = Context(prepared, surrogate, seed)
                ctx.reload = saving.start(ctx, fresh_process)
            except Exception as exc:  # noqa: BLE001 - the target raised: its failure
                ctx = run.crashed(prepared.label, exc, 0.0, seed)
            contexts.append((target, ctx, time.perf_counter() - start))
        restore()
        children = saving.launch([c.reload for _, c, _ in contexts if isinstance(c, Context)])
        reports = []
        for i, (target, ctx, seconds) in enumerate(contexts, 1):
            if isinstance(ctx, Context):
                waited = sum(c.waited for c in children)
                restore()
                report = run.run_checks(ctx, target, time.perf_counter(), **kwargs)
                # the shared fresh process's start-up is no one target's time; preparing is
                report.seconds -= sum(c.waited for c in children) - waited
            else:
                report = ctx
            report.seconds += seconds
            reports.append(report)
            if progress:
                progress(f"[{i}/{len(contexts)}] {report.verdict()}")
        return reports
    finally:
        restore()
        for child in children:
            child.close()
        for _, ctx, _ in contexts:
            if isinstance(ctx, Context) and ctx.reload is not None:
                ctx.reload.close()


def _short(message: str) -> str:
    """ "Target 'm:x' is not an activation: ..." -> "not an activation: ..."."""
    return message.split(" is ", 1)[-1][:200] if " is " in message else message[:200]
