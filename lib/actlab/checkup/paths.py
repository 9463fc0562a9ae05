"""Import paths (``package.module:attribute``), checked before Keras loads.

`precheck` refuses a path that cannot be a target in well under a second: a module that is not
there (found with `importlib.util.find_spec`, which does not run the module itself), an
attribute the module's source does not define (read with `ast`, without importing it), or a
dotted path without the colon (``myacts.mish``: "did you mean `myacts:mish`?"). What it cannot
tell statically (a package that re-exports with ``import *``, a module ``__getattr__``) is
left to the import that follows. A bare name must be one of Keras's activation names, read from
the source of ``keras.activations`` (`keras_activation_names`), so ``gelux`` is refused with
"did you mean 'gelu'?" too. No Keras, no NumPy here.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.machinery
import importlib.util
import re
from pathlib import Path

__all__ = ["PATH", "precheck", "precheck_module", "did_you_mean", "keras_activation_names"]

PATH = re.compile(
    r"^\s*(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_][\w.]*)\s*(?:\((?P<args>.*)\))?\s*$",
    re.S,
)
DOTTED = re.compile(
    r"^\s*(?P<module>[A-Za-z_][\w.]*)\.(?P<attr>[A-Za-z_]\w*)\s*(?:\(.*\))?\s*$", re.S
)


def _find(module: str):
    """The module's spec without running it or its parent packages (each part is looked up on
    its parent's search path, as the import system would, but nothing is imported: ``keras``'s
    ``__init__`` would load TensorFlow); None if there is no such module."""
    parts = module.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
        for i in range(1, len(parts)):
            if spec is None or not spec.submodule_search_locations:
                return None
            spec = importlib.machinery.PathFinder.find_spec(
                ".".join(parts[: i + 1]), list(spec.submodule_search_locations)
            )
        return spec
    except (ImportError, ValueError):
        return None


def _top_level_names(source: str) -> set[str] | None:
    """Names a module's source binds at top level (outside functions and classes); None when
    it may bind others (a star import, a module ``__getattr__``, use of ``globals()``)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, ast.Name) and node.id == "globals":
            return None
    names: set[str] = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "__getattr__":
                return None
            names.add(node.name)
            continue  # their bodies bind local names
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


@functools.lru_cache(maxsize=1)
def keras_activation_names() -> frozenset[str] | None:
    """The names ``keras.activations.get`` accepts, read without importing Keras (its
    ``__init__`` loads the backend): the functions in ``ALL_OBJECTS`` of
    ``keras/src/activations/__init__.py`` and the aliases added to ``ALL_OBJECTS_DICT``. None
    when that file is not found or not in that shape (another Keras layout): Keras decides."""
    spec = _find("keras.src.activations")
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and target.id == "ALL_OBJECTS":
                if isinstance(value, (ast.Set, ast.List, ast.Tuple)):
                    names.update(e.id for e in value.elts if isinstance(e, ast.Name))
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "ALL_OBJECTS_DICT"
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
            ):
                names.add(target.slice.value)
    return frozenset(names) if names else None


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def close_names(name: str, candidates) -> list[str]:
    """The candidates nearest to `name` (at most two): fewest edits, a swap of two neighbours
    counting as one (``gleu`` is one edit from both ``gelu`` and ``glu``), else difflib's."""
    candidates = sorted(set(candidates))
    if not candidates:
        return []
    edits = {c: _distance(name, c) for c in candidates}
    best = min(edits.values())
    if best <= max(1, len(name) // 3):
        return [c for c in candidates if edits[c] == best][:2]
    return difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)


def did_you_mean(name: str, candidates, prefix: str = "") -> str:
    """`` Did you mean 'gelu'?`` (or ``'gelu' or 'glu'``), or "" when nothing is close."""
    close = close_names(name, candidates)
    return (
        " Did you mean " + " or ".join(repr(f"{prefix}{c}") for c in close) + "?" if close else ""
    )


def precheck(target: str, what: str = "target", known=None) -> None:
    """`ValueError` naming `target` when it cannot be an import path's target, nor one of
    `known` names (None: Keras's activation names; left to Keras when they cannot be read);
    nothing when it may be. `what` names it in the message ("target", "task")."""
    match = PATH.match(target)
    if match is None:
        dotted = DOTTED.match(target)
        if dotted is None:
            names = keras_activation_names() if known is None else known
            if names is None or target in names:
                return
            kind = "a Keras activation name" if known is None else f"one of {sorted(names)}"
            raise ValueError(
                f"{what.capitalize()} {target!r} is neither {kind} nor an import path "
                "'package.module:attribute'." + did_you_mean(target.strip(), names)
            )
        for module in _dotted_modules(target):
            if _find(module) is not None:
                rest = target.strip()[len(module) + 1 :]
                raise ValueError(
                    f"{what.capitalize()} {target!r} is a dotted path, not an import path: did "
                    f"you mean '{module}:{rest}'? (module, a colon, then the attribute)"
                )
        kind = "a Keras activation name" if known is None else f"one of {sorted(known)}"
        raise ValueError(
            f"{what.capitalize()} {target!r} is neither {kind} nor an import path "
            "'package.module:attribute'."
        )
    module, attr = match["module"], match["attr"].split(".")[0]
    spec = _find(module)
    if spec is None:
        raise ValueError(
            f"Cannot import {what} {target!r}: ModuleNotFoundError: No module named {module!r}."
        )
    origin = spec.origin
    if not origin or not origin.endswith(".py") or not Path(origin).is_file():
        return  # a namespace package, an extension module: the import will tell
    try:
        names = _top_level_names(Path(origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return  # the import will raise the real error
    if names is None or attr in names:
        return
    if spec.submodule_search_locations and _find(f"{module}.{attr}") is not None:
        return  # a submodule of a package
    raise ValueError(
        f"Cannot import {what} {target!r}: module {module!r} has no attribute "
        f"{match['attr']!r}." + did_you_mean(attr, names, prefix=f"{module}:")
    )


def precheck_module(name: str) -> None:
    """`ValueError` when there is no module `name` (``--module``), before Keras loads."""
    if not re.fullmatch(r"[A-Za-z_][\w.]*", name or "") or _find(name) is None:
        parent = name.rsplit(".", 1)[0] if name and "." in name else None
        hint = ""
        if parent and _find(parent) is not None:
            hint = f" (module {parent!r} exists; is {name.rsplit('.', 1)[1]!r} an attribute?)"
        raise ValueError(f"Cannot import module {name!r}: no module of that name{hint}.")


def _dotted_modules(target: str) -> list[str]:
    """``a.b.c`` -> ``["a.b", "a"]``: the modules a dotted path may start with, longest first."""
    head = target.strip().split("(")[0]
    parts = head.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
