"""Machine load: how idle the CPUs are, waiting for a quiet machine, and how much CPU other
processes used while a benchmark ran (from ``/proc/stat``)."""

from __future__ import annotations

import time


def cpu_idle_fraction(window_s: float = 1.0) -> float | None:
    """The fraction of all CPUs' time spent idle during the next `window_s` seconds.

    Read from the aggregate ``cpu`` line of ``/proc/stat`` (idle + iowait over all jiffies)
    before and after the window; None where there is no ``/proc/stat``.
    """

    try:
        idle0, total0 = _proc_stat_jiffies()
        time.sleep(window_s)
        idle1, total1 = _proc_stat_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    return (idle1 - idle0) / (total1 - total0) if total1 > total0 else None


def _proc_stat_jiffies() -> tuple[int, int]:
    """(idle + iowait, all) jiffies of all CPUs from the aggregate ``cpu`` line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return values[3] + values[4], sum(values[:8])  # guest time is already in user time


def cpu_snapshot() -> dict | None:
    """The machine's busy CPU seconds (/proc/stat), the CPU seconds of this process tree
    (`own_cpu_seconds`) and the wall clock, for `others_cpu_share`.
    None where there is no /proc/stat."""
    import os

    try:
        idle, total = _proc_stat_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    return {
        "busy_s": (total - idle) / os.sysconf("SC_CLK_TCK"),
        "own_s": own_cpu_seconds(),
        "wall_s": time.monotonic(),
        "cpus": os.cpu_count() or 1,
    }


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process's threads, of every live process it started
    (children and their children: e.g. loky's or Dask's workers) and of the finished ones that
    were waited for (psutil)."""
    import psutil

    me = psutil.Process()
    total = _tree_cpu_seconds(me.cpu_times())
    for child in me.children(recursive=True):
        try:
            total += _tree_cpu_seconds(child.cpu_times())
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # it ended meanwhile
            continue
    return total


def _tree_cpu_seconds(times) -> float:
    """A process's own CPU seconds and those of the children it waited for."""
    return (
        times.user
        + times.system
        + getattr(times, "children_user", 0.0)
        + getattr(times, "children_system", 0.0)
    )


def others_cpu_share(start: dict | None, end: dict | None) -> float | None:
    """The share of the machine's CPU capacity that other processes used between two
    `cpu_snapshot`s: (machine busy − this process tree's CPU time) / (wall time × CPUs).

    Unlike the load average, it does not count the benchmark's own threads or worker processes
    and does not lag:
    the honest "was someone else using the machine while we timed?". None without snapshots.
    """
    if start is None or end is None or end["wall_s"] <= start["wall_s"]:
        return None
    others = (end["busy_s"] - start["busy_s"]) - (end["own_s"] - start["own_s"])
    return min(max(others / ((end["wall_s"] - start["wall_s"]) * start["cpus"]), 0.0), 1.0)


def others_text(share: float | None, caution_above: float = 0.1) -> str:
    """One sentence on `others_cpu_share`, with a caution above `caution_above`."""
    if share is None:
        return (
            "Other processes' CPU use during the benchmark could not be measured (no /proc/stat)."
        )
    if share > caution_above:
        return (
            f"**Caution:** other processes used {share:.0%} of the machine's CPU time while "
            "this benchmark ran; its timings are inflated and noisy."
        )
    return (
        f"Other processes used {share:.0%} of the machine's CPU time while this benchmark ran "
        "(its own threads and worker processes not counted)."
    )


def quiet_text(quiet: dict) -> str:
    """One line on what `wait_for_quiet` saw."""
    idle = quiet.get("idle_after_wait")
    seen = (
        f"CPUs {idle:.0%} idle over {quiet['window_s']:g} s"
        if idle is not None
        else f"1-minute load average {quiet['load_after_wait']:.2f} (no /proc/stat)"
    )
    return (
        f"Waited {quiet['waited_s']} s for a quiet machine: {seen}"
        + ("" if quiet["quiet"] else f", below the {quiet['min_idle']:.0%} asked for")
        + "."
    )


def wait_for_quiet(min_idle: float = 0.9, window_s: float = 1.0, max_wait_s: float = 120.0) -> dict:
    """Wait until the CPUs were at least `min_idle` idle over a `window_s` window (at most
    `max_wait_s`; one window is always measured).

    Under `make -j2 figures` the benchmark starts the moment the other notebooks end; CPU
    idleness over a short window sees that at once, where the 1-minute load average lags
    behind by a minute or more. Returns the idle fractions before/after, the load averages (for
    the record), the seconds waited and whether the machine was quiet. Without ``/proc/stat``
    it falls back to a 1-minute load average below 1.
    """
    import os

    start, load_first = time.monotonic(), os.getloadavg()[0]
    first = idle = cpu_idle_fraction(window_s)

    def quiet() -> bool:
        return idle >= min_idle if idle is not None else os.getloadavg()[0] < 1.0

    while not quiet() and time.monotonic() - start < max_wait_s:
        idle = cpu_idle_fraction(window_s)
        if idle is None:
            time.sleep(window_s)
    return {
        "idle_at_start": first,
        "idle_after_wait": idle,
        "min_idle": min_idle,
        "window_s": window_s,
        "load_at_start": load_first,
        "load_after_wait": os.getloadavg()[0],
        "waited_s": round(time.monotonic() - start, 1),
        "quiet": quiet(),
    }
