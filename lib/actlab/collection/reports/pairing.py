"""Which results.json goes with which executed notebook.

The runner writes the same run id into the executed notebook's metadata (``metadata.actlab``)
and, through the kernel, into results.json; files from before run ids are matched by the
finish time the provenance block shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

REFUSAL = "refusing to pair"


def run_label(record: Mapping[str, Any]) -> str:
    """What ran, for a card: 'default', 'smoke', 'default + overrides (epochs=2)', '... (jax backend)'."""
    label = str(record.get("label") or record.get("profile") or "n/a")
    overrides = record.get("overrides")
    if isinstance(overrides, Mapping) and overrides:
        label += " (" + ", ".join(f"{k}={v!r}" for k, v in overrides.items()) + ")"
    return label


def executed_run(nb: Any) -> Mapping[str, Any]:
    """The runner's description of the run that produced an executed notebook ({} if none)."""
    meta = nb.metadata.get("actlab") if hasattr(nb, "metadata") else None
    return meta if isinstance(meta, Mapping) else {}


def pairing_problem(nb: Any, record: Mapping[str, Any], results_path: Path) -> str | None:
    """None if `record` (results.json) comes from the run that produced the executed `nb`,
    otherwise the one-line reason for refusing to put them together."""
    meta = executed_run(nb)
    ran, wrote = meta.get("run_id"), record.get("run_id")
    if ran and wrote:
        if ran == wrote:
            return None
        return (
            f"{REFUSAL} {results_path} with this executed notebook: it is not from this executed "
            f"notebook's run ({run_label(record)}, run {wrote}; the notebook is "
            f"{meta.get('label', '?')}, run {ran})"
        )
    finished = (record.get("provenance") or {}).get("finished_utc")
    if not finished or str(finished) not in _outputs_text(nb):
        return (
            f"{REFUSAL} {results_path} (finished {finished}) with this executed notebook: it is "
            "not from this executed notebook (its provenance block shows another run)"
        )
    return None


def _outputs_text(nb: Any) -> str:
    """Every text/html and text/plain output of the notebook, concatenated."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            for mime in ("text/html", "text/plain"):
                value = out.get("data", {}).get(mime)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)
