"""A run's parameters: the notebook's ``parameters`` cell, its profiles, ``-p`` overrides, and
the run key they make (`plan_run`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actlab.collection import outputs
from actlab.collection.outputs import BACKENDS, PROFILES, RunKey


class NotebookParameterError(ValueError):
    """A profile or -p names a parameter the notebook does not have, or an unknown profile."""


def profile_path(notebook: Path) -> Path:
    return notebook.parent / "profiles" / f"{notebook.stem}.yml"


def _parameter_specs(notebook: Path) -> dict[str, dict[str, Any]]:
    import papermill

    info = papermill.inspect_notebook(str(notebook))
    if not info:
        raise NotebookParameterError(f"{notebook} has no cell tagged `parameters`.")
    return info


def _literal(text: str) -> Any:
    try:  # papermill reports defaults as source text
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Names and defaults of the notebook's ``parameters`` cell (via papermill)."""
    return {name: _literal(spec["default"]) for name, spec in _parameter_specs(notebook).items()}


def describe_parameters(notebook: Path) -> str:
    """The notebook's parameters, defaults and comments, and its profiles' values (for --help)."""
    specs = _parameter_specs(notebook)
    table = _profile_table(notebook)
    width = max(len(n) for n in specs)
    dwidth = max([len(s["default"]) for s in specs.values() if len(s["default"]) <= 28] + [4])
    lines = [f"parameters of {notebook.name} (name, default, comment; -p NAME=VALUE overrides):"]
    for name, spec in specs.items():
        lines.append(
            f"  {name:<{width}}  {spec['default']:<{dwidth}}  {spec.get('help') or ''}".rstrip()
        )
    for profile in PROFILES[1:]:
        values = table.get(profile) or {}
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "(none)"
        lines.append(f"profile {profile}: {shown}")
    return "\n".join(lines)


def parse_value(text: str) -> tuple[Any, str]:
    """Read a ``-p`` value like the parameters cell would: ``(value, how it was read)``.

    Python literals (None, True, 2, 1e-3, [0, 1], 'relu'); then lower-case true/false/none/null;
    then YAML flow lists/maps of bare words (``[relu, clip]``); anything else is text.
    """
    stripped = text.strip()
    try:
        value = ast.literal_eval(stripped)
        return value, "None" if value is None else type(value).__name__
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    lowered = stripped.lower()
    if lowered in ("true", "false"):
        return lowered == "true", "bool"
    if lowered in ("none", "null"):
        return None, "None"
    if stripped[:1] in "[{" and stripped:
        try:
            value = yaml.safe_load(stripped)
            if isinstance(value, list | dict):
                return value, f"{type(value).__name__} (YAML flow syntax)"
        except yaml.YAMLError:
            pass
    return stripped, "str (not a Python literal, read as text)"


def parse_overrides(items: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """``["epochs=2", ...]`` -> ``({"epochs": 2}, ["epochs=2 -> 2 (int)", ...])``."""
    values, notes = {}, []
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise NotebookParameterError(f"-p expects NAME=VALUE. Received: {item!r}")
        values[name], how = parse_value(text)
        notes.append(f"{name}={text} read as {values[name]!r} ({how})")
    return values, notes


def _profile_table(notebook: Path) -> dict[str, Any]:
    path = profile_path(notebook)
    if not path.exists():
        return {}
    table = yaml.safe_load(path.read_text()) or {}
    bad_profiles = set(table) - set(PROFILES)
    if bad_profiles:
        raise NotebookParameterError(
            f"{path}: unknown profile(s) {sorted(bad_profiles)}; expected {PROFILES}."
        )
    return table


def _same_value(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 is not True, [0] is not [0.0])."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    return a == b


@dataclass
class Plan:
    """What a run injects (`params`) and what it is (`key`)."""

    params: dict[str, Any]
    key: RunKey
    defaults: dict[str, Any] = field(default_factory=dict)


def plan_run(
    notebook: Path,
    profile: str = "default",
    extra: Mapping[str, Any] | None = None,
    backend: str | None = None,
    perturbation: str | None = None,
) -> Plan:
    """The parameters to inject and the run's key: the profile's values, then `extra`; a
    `perturbation` (`outputs.PERTURBATIONS`) makes it a robustness run.

    Overrides are the `extra` values that differ from what the profile (or the cell) gives, so a
    ``-p`` that repeats the profile's value does not make a run ad hoc.
    """
    if profile not in PROFILES:
        raise NotebookParameterError(f"Unknown profile {profile!r}; expected one of {PROFILES}.")
    backend = backend or outputs.default_backend()
    if backend not in BACKENDS:
        raise NotebookParameterError(f"Unknown backend {backend!r}; expected one of {BACKENDS}.")
    extra = dict(extra or {})
    if "profile" in extra:
        raise NotebookParameterError("`profile` is set with --profile, not -p.")
    known = notebook_parameters(notebook)
    values = dict(_profile_table(notebook).get(profile) or {})
    unknown = sorted((set(values) | set(extra)) - set(known))
    if unknown:
        raise NotebookParameterError(
            f"{notebook.name}: unknown parameter(s) {unknown} (profile {profile!r}); the notebook's "
            f"parameters are {sorted(known)}."
        )
    baseline = {**known, **values}
    overrides = {k: v for k, v in extra.items() if not _same_value(baseline[k], v)}
    params = {**values, **extra}
    if "profile" in known:
        params["profile"] = profile
    try:
        key = RunKey(profile, backend, overrides, perturbation)
    except ValueError as exc:
        raise NotebookParameterError(str(exc)) from None
    return Plan(params=params, key=key, defaults=baseline)


def resolve_parameters(
    notebook: Path, profile: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The overrides to inject: the profile's values, then `extra`, plus ``profile`` itself."""
    return plan_run(notebook, profile, extra).params
