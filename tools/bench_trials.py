"""What the trials engine costs: per-run overhead and the speed-up of two worker processes.

    .venv/bin/python tools/bench_trials.py [--runs-per-arm 4] [--epochs 8]

Trains the same 8 runs (ReLU and GELU × 4 seeds, the default MNIST-MLP for 8 epochs, about 5 s each) three
times, each into a fresh cache: serially in this process (``jobs=1``), then on 2 loky worker
processes (``jobs=2``, process start included), and once more warm (everything cached). Prints:

- per-run overhead, serial: (wall time − the runs' own training seconds) / runs, and as a share
  of a run's training time;
- per-run overhead with 2 workers: (2 × wall time − training seconds) / runs (scheduling,
  caching, process start amortized, idle time at the end included);
- the speed-up of 2 workers over serial (wall times), with the workers' start (a first trial
  in a Python session) and without it (a second trial, fresh cache, in the same session: loky
  reuses its workers);
- the warm re-run's wall time (nothing trained).

The candidate's checkup is run (and cached) before the timed trials; cost=False. Timings depend
on the machine and its load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from actlab import trials
from actlab.bench import cpu_snapshot, others_cpu_share, others_text


def _trial(cache: Path, jobs: int, seeds: int, epochs: int):
    start = time.perf_counter()
    trial = trials.run_trial(
        ["gelu"],
        ["relu"],
        [trials.mnist_mlp(epochs=epochs, last=3)],
        seeds=seeds,
        jobs=jobs,
        cost=False,
        cache=cache,
        progress="log",
    )
    return trial, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-per-arm", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # warm-up: imports, the checkup (cached for the timed trials), the data parser
        warm_cache = tmp / "warm"
        trials.run_trial(
            ["gelu"],
            ["relu"],
            [trials.mnist_mlp(epochs=1, last=1)],
            seeds=[99],
            jobs=1,
            cost=False,
            cache=warm_cache,
            progress="log",
        )
        for name in ("serial", "two", "again"):
            (tmp / name).mkdir()
            for item in warm_cache.iterdir():  # the cached checkup, not the warm-up's runs
                if item.is_dir():
                    shutil.copytree(item, tmp / name / item.name)
        snapshot = cpu_snapshot()
        serial, wall_1 = _trial(tmp / "serial", 1, args.runs_per_arm, args.epochs)
        two, wall_2 = _trial(tmp / "two", 2, args.runs_per_arm, args.epochs)
        again, wall_again = _trial(tmp / "again", 2, args.runs_per_arm, args.epochs)
        warm, wall_warm = _trial(tmp / "two", 2, args.runs_per_arm, args.epochs)
        busy = others_cpu_share(snapshot, cpu_snapshot())
    n = serial.runs_total
    train_1 = float(serial.runs["seconds"].sum())
    train_2 = float(two.runs["seconds"].sum())
    over_1 = (wall_1 - train_1) / n
    over_2 = (2 * wall_2 - train_2) / n
    print(
        f"{n} runs of {args.epochs} epochs (MNIST-MLP, embedded data), "
        f"{train_1 / n:.1f} s of training per run (serial)"
    )
    print(
        f"serial (jobs=1):      wall {wall_1:.1f} s, overhead {over_1:.2f} s per run "
        f"({100 * over_1 / (train_1 / n):.1f} % of a run)"
    )
    print(
        f"2 workers (jobs=2):   wall {wall_2:.1f} s, overhead {over_2:.2f} s per run "
        f"({100 * over_2 / (train_2 / n):.1f} % of a run; process start included)"
    )
    print(
        f"speed-up of 2 workers: {wall_1 / wall_2:.2f}x (workers started for it), "
        f"{wall_1 / wall_again:.2f}x (workers already running: {wall_again:.1f} s)"
    )
    print(
        f"warm re-run: wall {wall_warm:.1f} s, {warm.runs_trained} trained, "
        f"{warm.runs_cached} cached"
    )
    print(others_text(busy))


if __name__ == "__main__":
    main()
