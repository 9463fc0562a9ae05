"""Import paths (``package.module:attribute``), checked before Keras loads.

`precheck` refuses a path that cannot be a target in well under a second: a module that is not
there (found with `importlib.util.find_spec`, which does not run the module itself), an
attribute the module's source does not define (read with `ast`, without importing it), or a
dotted path without the colon (``myacts.mish``: "did you mean `myacts:mish`?"). What it cannot
tell statically (a package that re-exports with ``import *``, a module ``__getattr__``) is
left to the import that follows. No Keras, no NumPy here.
"""

from __future__ import annotations

import ast
import difflib
import importlib.machinery
import importlib.util
import re
from pathlib import Path

__all__ = ["PATH", "precheck", "precheck_module", "did_you_mean"]

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


def did_you_mean(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f" Did you mean {close[0]!r}?" if close else ""


def precheck(target: str) -> None:
    """`ValueError` naming `target` when it cannot be an import path's target; nothing when it
    may be (or when it is not an import path at all: a Keras name is Keras's to resolve)."""
    match = PATH.match(target)
    if match is None:
        dotted = DOTTED.match(target)
        if dotted is None:
            return
        for module in _dotted_modules(target):
            if _find(module) is not None:
                rest = target.strip()[len(module) + 1 :]
                raise ValueError(
                    f"Target {target!r} is a dotted path, not an import path: did you mean "
                    f"'{module}:{rest}'? (module, a colon, then the attribute)"
                )
        raise ValueError(
            f"Target {target!r} is neither a Keras activation name nor an import path "
            "'package.module:attribute'."
        )
    module, attr = match["module"], match["attr"].split(".")[0]
    spec = _find(module)
    if spec is None:
        raise ValueError(
            f"Cannot import target {target!r}: ModuleNotFoundError: No module named {module!r}."
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
    suggestion = difflib.get_close_matches(attr, sorted(names), n=1, cutoff=0.75)
    hint = f" Did you mean '{module}:{suggestion[0]}'?" if suggestion else ""
    raise ValueError(
        f"Cannot import target {target!r}: module {module!r} has no attribute "
        f"{match['attr']!r}.{hint}"
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
