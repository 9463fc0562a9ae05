"""Progress for people: on a terminal a bar (runs done/total, ETA) under one line per finished
run; elsewhere (a notebook, a pipe) the lines go to the ``actlab.trials`` logger only, each
run's line with the ETA the bar would show."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("actlab.trials")


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """`mode`: ``"bar"`` (a terminal), ``"log"`` (the logger only) or ``"auto"`` (a bar when
    stderr is a terminal)."""

    def __init__(self, total: int, mode: str = "auto", stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "log"
        if mode not in ("bar", "log"):
            raise ValueError(f"`progress` must be 'auto', 'bar' or 'log'. Received: {mode!r}")
        self.mode, self.total, self.done, self.trained = mode, total, 0, 0
        self.start = time.perf_counter()
        self.trained_seconds = 0.0

    def line(self, text: str) -> None:
        log.info(text)
        if self.mode == "bar":
            self.stream.write("\r\033[K" + text + "\n")
            self._bar()

    def run_done(self, text: str, cached: bool) -> None:
        self.done += 1
        if not cached:
            self.trained += 1
        if self.mode == "log":  # no bar to show it
            elapsed = _clock(time.perf_counter() - self.start)
            text += f" ({elapsed} elapsed, ETA {self.eta()})"
        self.line(f"[{self.done}/{self.total}] {text}")

    def eta(self) -> str:
        """The time left at the mean pace so far ("?" until a run has trained)."""
        if self.done >= self.total:
            return "0s"
        if not self.trained:
            return "?"
        elapsed = time.perf_counter() - self.start
        return _clock(elapsed / self.done * (self.total - self.done))

    def _bar(self) -> None:
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        elapsed = time.perf_counter() - self.start
        eta = self.eta()
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} runs, "
            f"{_clock(elapsed)} elapsed, ETA {eta}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.mode == "bar":
            self.stream.write("\n")
            self.stream.flush()
