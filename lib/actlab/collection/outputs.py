"""Where every generated file goes: the one module that owns output locations.

A run of a notebook is keyed by what produced it (`RunKey`): the parameter profile, the Keras
backend, and any ad-hoc overrides (``python -m actlab.collection.runner ... -p epochs=2``). Each key has its
own folders, so runs of different keys never overwrite each other's files::

    key                          figures                      executed copy, stamp, log
    default, tensorflow          figures/<nb>/                reports/executed/<nb>.ipynb
    smoke (or full)              figures/smoke/<nb>/          reports/executed/smoke/<nb>.ipynb
    default on JAX               figures/jax/<nb>/            reports/executed/jax/<nb>.ipynb
    smoke on JAX                 figures/jax/smoke/<nb>/      reports/executed/jax/smoke/...
    any profile + overrides      figures/adhoc/<nb>/          reports/executed/adhoc/<nb>.ipynb
    default, oneDNN off          figures/robustness/<nb>/     reports/executed/robustness/<nb>.ipynb
    full, oneDNN off             figures/robustness/full/<nb>/  ...

A *perturbation* (`PERTURBATIONS`: a change of float rounding, e.g. TensorFlow's oneDNN off) is
part of the key: `make robustness` re-runs a notebook under one, into the ``robustness/``
folders, and compares its headline verdicts with the unperturbed run's
(`actlab.collection.robustness`). (Logs under ``reports/logs/<same variant>/<nb>.log``, HTML reports under
``reports/<same variant>/``). A run given an explicit ``--output FILE`` writes its executed copy
and log (``FILE.log``) there; an ad-hoc run also writes its figures next to it, in
``<FILE's folder>/figures/<nb>/``.

Notebook code never chooses: `notebook_dir` returns ``$ACTLAB_FIGURES_DIR/<nb>``, and the runner
sets ``ACTLAB_FIGURES_DIR`` (and ``ACTLAB_RUN``, the key as JSON) in each kernel's environment.
Code run outside the runner (JupyterLab, a script) writes under ``figures/interactive/<nb>/``,
so it never replaces a keyed run's outputs. ``ACTLAB_FIGURES_DIR`` / ``ACTLAB_REPORTS_DIR``
move the base folders (the tests point them at temporary folders).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]  # lib/actlab/collection/outputs.py -> the checkout

PROFILES = ("default", "smoke", "full")
DEFAULT_PROFILE = "default"
BACKENDS = ("tensorflow", "jax")
DEFAULT_BACKEND = "tensorflow"
ADHOC = "adhoc"
INTERACTIVE = "interactive"
RUN_ENV = "ACTLAB_RUN"  # the run's key and locations as JSON, set by the runner for the kernel
ROBUSTNESS = "robustness"

#: Perturbations of float rounding a robustness run can apply: name -> (what it is, in words;
#: the variables the runner sets in the kernel's environment before TensorFlow loads).
PERTURBATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "onednn-off": (
        "TensorFlow's oneDNN optimizations off (TF_ENABLE_ONEDNN_OPTS=0: other kernels, "
        "another order of float additions)",
        {"TF_ENABLE_ONEDNN_OPTS": "0"},
    ),
}
#: The short label of each perturbation (run labels, table headings).
PERTURBATION_LABELS = {"onednn-off": "oneDNN off"}


# --------------------------------------------------------------------------- base folders


def figures_base() -> Path:
    """Base of every run's figures: `ACTLAB_FIGURES_DIR`, default `<repo>/figures`."""
    return Path(os.environ.get("ACTLAB_FIGURES_DIR") or REPO_ROOT / "figures")


def reports_base() -> Path:
    """Base of executed notebooks, logs and HTML reports: `ACTLAB_REPORTS_DIR`, default `<repo>/reports`."""
    return Path(os.environ.get("ACTLAB_REPORTS_DIR") or REPO_ROOT / "reports")


def data_dir() -> Path:
    """Dataset cache (`ACTLAB_DATA_DIR`, default `<repo>/data`)."""
    return Path(os.environ.get("ACTLAB_DATA_DIR") or REPO_ROOT / "data")


def trial_cache_dir() -> Path:
    """The notebooks' shared run cache of `actlab.trials` (`ACTLAB_TRIAL_CACHE`, default
    `<reports>/trials-cache`; `make clean` removes it with the reports). A run's cache key holds
    everything that decides its result, so one folder serves every profile and backend."""
    return Path(os.environ.get("ACTLAB_TRIAL_CACHE") or reports_base() / "trials-cache")


def figures_dir() -> Path:
    """The folder this process writes `<notebook>/` figure folders into.

    Inside a kernel started by the runner: the run's own folder (`ACTLAB_FIGURES_DIR`, set per
    run). Elsewhere: `ACTLAB_FIGURES_DIR` if set, otherwise `figures/interactive/` (a notebook
    run by hand never overwrites `make figures` outputs).
    """
    env = os.environ.get("ACTLAB_FIGURES_DIR")
    return Path(env) if env else REPO_ROOT / "figures" / INTERACTIVE


def notebook_dir(notebook: str) -> Path:
    """`<figures_dir()>/<notebook>/`, created if missing."""
    path = figures_dir() / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- run keys


@dataclass(frozen=True)
class RunKey:
    """What produced a run: profile, backend, the overrides on top of the profile, and for a
    robustness run the perturbation of float rounding (`PERTURBATIONS`; TensorFlow only)."""

    profile: str = DEFAULT_PROFILE
    backend: str = DEFAULT_BACKEND
    overrides: Mapping[str, Any] = field(default_factory=dict)
    perturbation: str | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(
                f"Unknown profile {self.profile!r}; expected one of {PROFILES}. "
                f"Received: profile={self.profile!r}"
            )
        if self.backend not in BACKENDS:
            raise ValueError(
                f"Unknown backend {self.backend!r}; expected one of {BACKENDS}. "
                f"Received: backend={self.backend!r}"
            )
        if self.perturbation is not None and self.perturbation not in PERTURBATIONS:
            raise ValueError(
                f"Unknown perturbation {self.perturbation!r}; expected None or one of "
                f"{sorted(PERTURBATIONS)}. Received: perturbation={self.perturbation!r}"
            )
        if self.perturbation is not None and self.backend != "tensorflow":
            raise ValueError(
                f"The perturbation {self.perturbation!r} changes TensorFlow's float rounding; "
                f"it means nothing on {self.backend!r}. Received: backend={self.backend!r}"
            )

    def __hash__(self) -> int:
        overrides = json.dumps(dict(self.overrides), sort_keys=True, default=repr)
        return hash((self.profile, self.backend, overrides, self.perturbation))

    @property
    def variant(self) -> str:
        """The sub-folder of this key ('' for the default profile on TensorFlow)."""
        parts = [] if self.backend == DEFAULT_BACKEND else [self.backend]
        if self.perturbation is not None:
            parts.append(ROBUSTNESS)
        if self.overrides:
            parts.append(ADHOC)
        elif self.profile != DEFAULT_PROFILE:
            parts.append(self.profile)
        return "/".join(parts)

    @property
    def label(self) -> str:
        """What a person reads: 'default', 'smoke', 'default + overrides', '... (jax backend)'."""
        text = self.profile + (" + overrides" if self.overrides else "")
        if self.perturbation is not None:
            text += f", {PERTURBATION_LABELS[self.perturbation]}"
        return text if self.backend == DEFAULT_BACKEND else f"{text} ({self.backend} backend)"

    def environment(self) -> dict[str, str]:
        """The variables the kernel of this run needs (its perturbation's; {} without one)."""
        return dict(PERTURBATIONS[self.perturbation][1]) if self.perturbation else {}

    def unperturbed(self) -> RunKey:
        """The same run without its perturbation (what a robustness run is compared with)."""
        return RunKey(self.profile, self.backend, dict(self.overrides))

    def describe(self) -> str:
        """The label with the overrides spelled out: 'default + overrides (epochs=2)'."""
        if not self.overrides:
            return self.label
        spelled = ", ".join(f"{k}={v!r}" for k, v in self.overrides.items())
        return f"{self.label} [{spelled}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "backend": self.backend,
            "overrides": dict(self.overrides),
            "perturbation": self.perturbation,
            "label": self.label,
            "variant": self.variant,
        }


def default_backend() -> str:
    """The backend a run uses unless told: `KERAS_BACKEND`, else TensorFlow."""
    return os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND


def _sub(base: Path, variant: str) -> Path:
    return base / variant if variant else base


@dataclass(frozen=True)
class Locations:
    """Every file one run of one notebook writes."""

    notebook: str  # the stem, e.g. "01_epoch_dynamic_blend"
    executed: Path  # the executed copy
    figures_root: Path  # ACTLAB_FIGURES_DIR of the kernel; figures go to figures_root/<notebook>
    log: Path  # kernel stderr, TensorFlow's C++/Python logging, papermill's log
    stamp: Path  # written on success (the Makefile's target)

    @property
    def figures(self) -> Path:
        return self.figures_root / self.notebook

    @property
    def results(self) -> Path:
        return self.figures / "results.json"

    @property
    def failed(self) -> Path:
        return self.executed.with_name(self.executed.name + ".failed")


def executed_dir(key: RunKey) -> Path:
    """Where `make figures` keeps the executed notebooks and stamps of `key`."""
    return _sub(reports_base() / "executed", key.variant)


def logs_dir(key: RunKey) -> Path:
    return _sub(reports_base() / "logs", key.variant)


def report_dir(key: RunKey) -> Path:
    """Where `make reports` writes the HTML reports and index.html of `key`."""
    return _sub(reports_base(), key.variant)


def figures_root(key: RunKey) -> Path:
    return _sub(figures_base(), key.variant)


def keyed_locations(notebook: str, key: RunKey) -> Locations:
    """The standard locations of `key` (what `make figures` uses)."""
    executed = executed_dir(key) / f"{notebook}.ipynb"
    return Locations(
        notebook=notebook,
        executed=executed,
        figures_root=figures_root(key),
        log=logs_dir(key) / f"{notebook}.log",
        stamp=stamp_path(notebook, key),
    )


def stamp_path(notebook: str, key: RunKey) -> Path:
    return executed_dir(key) / f".{notebook}.ok"


def _same(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


class OutputConflictError(ValueError):
    """An output path that belongs to another kind of run."""


def locations(notebook: str, key: RunKey, output: Path | None = None) -> Locations:
    """Where a run of `notebook` with `key` writes, given the runner's ``--output``, if any.

    Without `output` (or with the key's own executed path): `keyed_locations`. With another
    `output`: the executed copy, its log (``.log``) and stamp go there; an ad-hoc run's figures
    go next to it (``<output folder>/figures/<notebook>/``), a profile run's to the profile's
    figures folder. Raises `OutputConflictError` when `output` is the executed copy `make figures`
    keeps for *another* key.
    """
    keyed = keyed_locations(notebook, key)
    if output is None or _same(output, keyed.executed):
        return keyed
    for profile in PROFILES:
        for backend, perturbation in itertools.product(BACKENDS, (None, *PERTURBATIONS)):
            if perturbation is not None and backend != "tensorflow":
                continue  # a perturbation is TensorFlow's only (RunKey refuses the others)
            other = RunKey(profile, backend, perturbation=perturbation)
            if other != key and _same(output, keyed_locations(notebook, other).executed):
                raise OutputConflictError(
                    f"--output {output} is where `make figures` keeps the {other.label} run of "
                    f"{notebook}; a {key.label} run must write elsewhere."
                )
    output = Path(output)
    root = output.parent / "figures" if key.overrides else keyed.figures_root
    return Locations(
        notebook=notebook,
        executed=output,
        figures_root=root,
        log=output.with_suffix(".log"),
        stamp=output.parent / f".{notebook}.ok",
    )


def current_run() -> dict[str, Any] | None:
    """The run description the runner put in this kernel's environment (`ACTLAB_RUN`), if any."""
    text = os.environ.get(RUN_ENV)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


__all__ = [
    "PERTURBATIONS",
    "PERTURBATION_LABELS",
    "trial_cache_dir",
    "BACKENDS",
    "DEFAULT_BACKEND",
    "DEFAULT_PROFILE",
    "Locations",
    "OutputConflictError",
    "PROFILES",
    "REPO_ROOT",
    "RunKey",
    "current_run",
    "data_dir",
    "default_backend",
    "executed_dir",
    "figures_base",
    "figures_dir",
    "figures_root",
    "keyed_locations",
    "locations",
    "logs_dir",
    "notebook_dir",
    "report_dir",
    "reports_base",
    "stamp_path",
]
