"""What a reader sees: this machine's absolute paths written relative to the checkout, and
"(1 seed)" for a spread over a single seed."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from actlab.collection.outputs import REPO_ROOT


def _machine_paths() -> list[tuple[str, str]]:
    """(absolute prefix of this machine, what a reader sees instead), longest first."""
    import site
    import sysconfig

    from actlab.collection import session

    pairs = {}
    for path in {
        sysconfig.get_paths().get("purelib"),
        sysconfig.get_paths().get("platlib"),
        *site.getsitepackages(),
    }:
        if path:
            pairs[str(path)] = "[site-packages]"
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        pairs[str(prefix)] = "[python]"
    pairs[str(Path.home())] = "~"
    pairs[str(session.figures_dir())] = "figures"
    pairs[str(session.data_dir())] = "data"
    pairs[str(REPO_ROOT)] = "."
    expanded = {}
    for path, shown in pairs.items():
        if len(path) > 1:  # never "/"
            expanded[path] = shown
            real = str(Path(path).resolve())
            expanded.setdefault(real, shown)
    return sorted(expanded.items(), key=lambda kv: -len(kv[0]))


def strip_machine_paths(text: str) -> str:
    """`text` with this machine's absolute paths written relative to the checkout.

    ``/home/me/actlab/data/mnist.npz`` -> ``data/mnist.npz``; the figures and data folders (also
    when moved with ``ACTLAB_FIGURES_DIR``/``ACTLAB_DATA_DIR``) -> ``figures``/``data``; the
    Python installation -> ``[python]`` or ``[site-packages]``; the home folder -> ``~``.
    """
    for path, shown in _machine_paths():
        if path not in text:
            continue
        text = text.replace(path + "/", "" if shown == "." else shown + "/")
        text = re.sub(re.escape(path) + r"(?![\w-]|\.\w)", shown, text)
    return text


_SPREAD = re.compile(
    r"(?P<value>\d[\d,]*(?:\.\d+)?)(?P<u1>\s?%)?\s*±\s*"
    r"(?P<spread>nan|NaN|0(?:\.0+)?)(?!\.?\d)(?P<u2>\s?%)?"
)


def single_seed_text(text: str, n_seeds: int | None = None) -> str:
    """ "73.0 ± nan %" -> "73.0 % (1 seed)"; also "± 0.0" when the run had `n_seeds` == 1.

    A sample standard deviation over one seed is undefined (NaN), and "± 0.0" from a single seed
    reads like a measured spread: either way the honest text is "(1 seed)".
    """

    def fix(m: re.Match) -> str:
        if m["spread"].lower() != "nan" and n_seeds != 1:
            return m.group(0)
        unit = m["u1"] or m["u2"] or ""
        return f"{m['value']}{unit} (1 seed)"

    return _SPREAD.sub(fix, text)


def reader_text(text: str, n_seeds: int | None = None) -> str:
    """What a reader of a report sees: machine-neutral paths and honest single-seed spreads."""
    return single_seed_text(strip_machine_paths(text), n_seeds)


def _n_seeds(params: Any) -> int | None:
    seeds = params.get("seeds") if isinstance(params, Mapping) else None
    return len(seeds) if isinstance(seeds, list | tuple) else None
