"""Build an output-free notebook from a percent-format script.

    python tools/py2nb.py draft.py notebooks/NN_topic.ipynb

Cells start with ``# %%`` (code), ``# %% [markdown]`` (markdown; lines may start with ``# ``),
or ``# %% tags=["parameters"]`` (the papermill parameters cell). The notebook gets the
project kernel (``actlab``) and no outputs, ready to commit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=\[(?P<tags>[^\]]*)\])?\s*$")


def convert(source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "actlab", "display_name": "actlab (.venv)", "language": "python"},
        "language_info": {"name": "python"},
    }
    cells: list[tuple[bool, list[str], list[str]]] = []
    for line in source.splitlines():
        match = HEADER.match(line)
        if match:
            tags = [t.strip().strip("'\"") for t in (match["tags"] or "").split(",") if t.strip()]
            cells.append((bool(match["md"]), tags, []))
        elif cells:
            cells[-1][2].append(line)
    for index, (is_md, tags, lines) in enumerate(cells):
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if is_md:
            text = "\n".join(re.sub(r"^# ?", "", ln) for ln in lines)
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        if tags:
            cell.metadata["tags"] = tags
        cell.id = f"cell-{index:02d}"  # stable ids keep diffs of regenerated notebooks small
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main() -> None:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    nb = convert(src.read_text())
    nbformat.write(nb, dst)
    print(f"wrote {dst} ({len(nb.cells)} cells)")


if __name__ == "__main__":
    main()
