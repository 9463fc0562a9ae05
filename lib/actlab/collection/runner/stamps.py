"""Stamps: the Makefile's targets, with fingerprints of the files a run wrote, so that
`check` can tell when another run replaced them."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actlab.collection import outputs
from actlab.collection.outputs import RunKey

if TYPE_CHECKING:
    from actlab.collection.runner.execution import Execution


def sha256(path: Path) -> str | None:
    if not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_stamp(stamp: Path, ex: Execution) -> None:
    """The Makefile's target: what ran, and fingerprints of the files it wrote."""
    loc = ex.loc
    record = {
        "notebook": loc.notebook,
        "label": ex.key.label,
        "key": ex.key.to_json(),
        "run_id": ex.run_id,
        "seconds": round(ex.seconds, 1),
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "executed": str(loc.executed.resolve()),
        "executed_sha256": sha256(loc.executed),
        "results": str(loc.results.resolve()),
        "results_sha256": sha256(loc.results),
    }
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(record, indent=1) + "\n")


def read_stamp(stamp: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(Path(stamp).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def stale_reason(stamp: Path) -> str | None:
    """Why `stamp` no longer vouches for the files on disk (None: it does, or there is none)."""
    if not Path(stamp).exists():
        return None
    record = read_stamp(stamp)
    if record is None or "executed_sha256" not in record:
        return "its stamp comes from an older runner"
    for what in ("executed", "results"):
        path, digest = record.get(what), record.get(f"{what}_sha256")
        if path is None:
            continue
        now = sha256(Path(path))
        if now != digest:
            change = "is gone" if now is None else "was rewritten by another run"
            return f"{path} {change}"
    return None


def check(names: Iterable[str], key: RunKey, log: Callable[[str], None] = print) -> list[str]:
    """Delete the stamps of `key` whose files another run replaced; return those notebooks."""
    stale = []
    for name in names:
        stamp = outputs.stamp_path(name, key)
        reason = stale_reason(stamp)
        if reason:
            stamp.unlink()
            stale.append(name)
            log(f"[{name}] will run again: {reason} since its {key.label} run")
    return stale
