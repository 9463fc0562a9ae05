"""What the terminal shows: a run's start, progress and result lines (`Terminal`), and the
table `make figures` ends with (`summary`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from actlab.collection import outputs
from actlab.collection.outputs import Locations, RunKey
from actlab.collection.runner.stamps import read_stamp

PLAIN_PROGRESS_EVERY_S = 60.0  # a plain progress line at most this often (CI, make -j)


def _parallel_make() -> bool:
    flags = os.environ.get("MAKEFLAGS", "")
    return "--jobserver" in flags or re.search(r"(^|\s)-j\d*(\s|$)", flags) is not None


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Terminal:
    """Start line, progress (in place on a terminal, plain lines otherwise), result line."""

    def __init__(
        self,
        name: str,
        stream: TextIO | None = None,
        live: bool | None = None,
        every_s: float = PLAIN_PROGRESS_EVERY_S,
    ):
        self.name = name
        self.stream = stream or sys.stdout
        mode = os.environ.get("ACTLAB_PROGRESS", "")
        if live is None:
            live = mode == "live" or (
                mode != "plain" and self.stream.isatty() and not _parallel_make()
            )
        self.live = live
        self.every_s = every_s
        self.start = time.monotonic()
        self.state = "starting the kernel"
        self._shown = ""
        self._last_plain = self.start
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def line(self, text: str, stream: TextIO | None = None) -> None:
        """Print a whole line (clearing the live progress line first)."""
        with self._lock:
            self._clear()
            print(text, file=stream or self.stream, flush=True)

    def cell(self, i: int, n: int) -> None:
        self.state = f"cell {i}/{n}"

    def _clear(self) -> None:
        if self.live and self._shown:
            self.stream.write("\r" + " " * len(self._shown) + "\r")
            self.stream.flush()
            self._shown = ""

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            now = time.monotonic()
            text = f"[{self.name}] {self.state}, {_clock(now - self.start)}"
            with self._lock:
                if self.live:
                    width = shutil.get_terminal_size((100, 20)).columns - 1
                    self._clear()
                    self._shown = text[:width]
                    self.stream.write(self._shown)
                    self.stream.flush()
                elif now - self._last_plain >= self.every_s:
                    self._last_plain = now
                    print(text, file=self.stream, flush=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with self._lock:
            self._clear()


def _finding(loc: Locations, run_id: str | None) -> str:
    try:
        record = json.loads(loc.results.read_text())
    except (OSError, ValueError):
        return "(no results.json)"
    if run_id and record.get("run_id") not in (None, run_id):
        return "(results.json is from another run)"
    return " ".join(str(record.get("finding") or "").split()) or "(no finding recorded)"


def summary(
    names: Iterable[str], key: RunKey, since: float | None = None, width: int | None = None
) -> str:
    """The table `make figures` ends with: status, time and finding per notebook, and where."""
    from actlab.collection.session import unsupported_reason

    names = list(names)
    width = width or max(80, min(160, shutil.get_terminal_size((120, 20)).columns))
    rows, counts = [], {"ran": 0, "up to date": 0, "FAILED": 0, "not run": 0}
    for name in names:
        loc = outputs.keyed_locations(name, key)
        record = read_stamp(loc.stamp) if loc.stamp.exists() else None
        if loc.failed.exists():
            status, first = "FAILED", loc.failed.read_text().strip().splitlines()[0]
            match = re.search(r"after (\d+) s", first)
            secs = f"{match.group(1)} s" if match else ""
            note = first.split(": ", 1)[-1] if ": " in first else first
        elif record is not None:
            fresh = since is None or loc.stamp.stat().st_mtime >= since
            status = "ran" if fresh else "up to date"
            secs = f"{record.get('seconds', 0):.0f} s"
            note = _finding(loc, record.get("run_id"))
        elif unsupported_reason(name, key.backend):
            status, secs, note = (
                "not run",
                "",
                f"not on {key.backend}: {unsupported_reason(name, key.backend)}",
            )
        else:
            status, secs, note = (
                "not run",
                "",
                "(waits for the other notebooks)"
                if any(outputs.keyed_locations(n, key).failed.exists() for n in names)
                else "",
            )
        counts[status] += 1
        rows.append((name, status, secs, note))
    nw = max([len(r[0]) for r in rows] + [8])
    lines = [
        f"make figures ({key.label}): " + ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    ]
    for name, status, secs, note in rows:
        head = f"  {name:<{nw}}  {status:<10}  {secs:>6}  "
        room = max(20, width - len(head))
        lines.append(head + (note if len(note) <= room else note[: room - 1] + "…"))
    rel = _relative
    lines += [
        f"  executed notebooks: {rel(outputs.executed_dir(key))}/   logs: {rel(outputs.logs_dir(key))}/",
        f"  figures and results.json: {rel(outputs.figures_root(key))}/<notebook>/   "
        f"HTML reports: make reports{_make_vars(key)} -> {rel(outputs.report_dir(key))}/index.html",
    ]
    return "\n".join(lines)


def _make_vars(key: RunKey) -> str:
    text = "" if key.profile == outputs.DEFAULT_PROFILE else f" PROFILE={key.profile}"
    return text + ("" if key.backend == outputs.DEFAULT_BACKEND else f" BACKEND={key.backend}")


def _relative(path: Path, to: Path | None = None) -> str:
    """`path` relative to `to` (default: the current folder) when inside it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(Path(to or Path.cwd()).resolve()))
    except ValueError:
        return str(Path(path).resolve())
