"""actlab.bench: runs on tiny sizes, every number positive and finite; ratio and target logic.

No timing assertions: timings depend on the machine.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from actlab import bench
from actlab.collection.experiments import cost

pytestmark = pytest.mark.tensorflow_only(
    reason=("actlab.bench times eager, tf.function and tf.function(jit_compile=True) modes")
)


def test_floor_bytes():
    assert bench.floor_bytes(10, 10, "forward") == 80  # 8 bytes per element
    assert bench.floor_bytes(10, 10, "forward_backward") == 200  # 20 bytes per element
    assert bench.floor_bytes(10, 20, "forward") == 120  # doubled output writes more


def test_copy_bandwidth_is_positive_and_finite():
    bw = bench.copy_bandwidth(1 << 16, repeats=3)
    assert math.isfinite(bw) and bw > 0


@pytest.fixture(scope="module")
def tiny_rows():
    rows = bench.run_benchmark(bench.default_candidates(), [10], repeats=2, progress=None)
    return bench.add_ratios(rows, bench.copy_bandwidth(1 << 16, repeats=3))


def test_every_candidate_runs_in_every_mode(tiny_rows):
    errors = [(r["name"], r["mode"], r["direction"], r["error"]) for r in tiny_rows if r["error"]]
    assert not errors
    expected = len(bench.default_candidates()) * len(bench.MODES) * len(bench.DIRECTIONS)
    assert len(tiny_rows) == expected
    for r in tiny_rows:
        for key in ("median_s", "q1_s", "q3_s", "ns_per_element", "x_floor", "x_builtin"):
            assert math.isfinite(r[key]) and r[key] > 0, (r["name"], key, r[key])
        assert r["q1_s"] <= r["median_s"] <= r["q3_s"]
    builtins = [r for r in tiny_rows if r["role"] == "builtin"]
    assert all(r["x_builtin"] == 1.0 for r in builtins)


def _judged_row(role, name, median_s, mode="jit", **extra):
    """A timing row as `run_benchmark` returns it, at 2^22 elements, forward + backward."""
    return {
        "pair": "P",
        "name": name,
        "role": role,
        "log2_size": 22,
        "elements": 1 << 22,
        "out_elements": 1 << 22,
        "mode": mode,
        "direction": "forward_backward",
        "median_s": median_s,
        **extra,
    }


def test_target_table_judges_jit_forward_backward_only():
    rows = [
        _judged_row(role, name, t if mode == "jit" else 99 * t, mode)
        for role, name, t in (
            ("builtin", "b", 1.0),
            ("custom", "fast", 1.2),
            ("custom", "slow", 1.3),
        )
        for mode in ("eager", "jit")
    ]
    bench.add_ratios(rows, bandwidth=(20 << 22) / 0.5)  # floor 0.5 s
    table = {r["name"]: r for r in bench.target_table(rows)}
    assert set(table) == {"fast", "slow"}
    assert table["fast"]["within_builtin_target"] and not table["slow"]["within_builtin_target"]
    assert table["fast"]["x_floor"] == pytest.approx(2.4) and table["fast"]["within_floor_target"]


def test_training_steps_run():
    pairs = [p for p in cost.training_step_pairs() if p[0] in ("ELU", "Truncation")]
    rows = bench.run_training_steps(pairs, batch_size=8, repeats=2, progress=None)
    assert len(rows) == len(pairs)
    for r in rows:
        assert math.isfinite(r["median_s"]) and r["median_s"] > 0 and r["params"] > 0


def test_wait_for_quiet_measures_idleness_and_respects_the_limit():
    out = bench.wait_for_quiet(min_idle=0.0, window_s=0.1, max_wait_s=0)
    assert out["quiet"] and out["waited_s"] < 1 and 0.0 <= out["idle_at_start"] <= 1.0
    assert {"load_at_start", "load_after_wait"} <= set(out)
    out = bench.wait_for_quiet(min_idle=1.01, window_s=0.1, max_wait_s=0.3)
    assert not out["quiet"] and 0.3 <= out["waited_s"] < 2


def test_cpu_idle_fraction_sees_a_busy_cpu():
    import threading

    stop = threading.Event()

    def spin():
        while not stop.is_set():
            pass

    idle_before = bench.cpu_idle_fraction(0.3)
    worker = threading.Thread(target=spin)
    worker.start()
    try:
        busy = bench.cpu_idle_fraction(0.3)
    finally:
        stop.set()
        worker.join()
    assert 0.0 <= busy <= 1.0 and 0.0 <= idle_before <= 1.0
    import os

    assert busy <= 1.0 - 0.5 / os.cpu_count(), "one spinning thread is at least half a core busy"


def test_before_candidates_pair_with_one_custom_each():
    cands = bench.default_candidates()
    assert {c.role for c in cands} == set(bench.ROLES)
    before_pairs = {c.pair for c in cands if c.role == "before"}
    assert before_pairs == {"SoftExponential", "ComplexSoftExponential", "Antirectifier"}
    for pair in before_pairs:
        assert sum(c.pair == pair and c.role == "custom" for c in cands) == 1


def test_before_after_table_reports_speedup_at_jit_forward_backward():
    rows = [
        _judged_row(role, name, t if mode == "jit" else 50.0, mode)
        for role, name, t in (("builtin", "b", 1.0), ("custom", "new", 2.0), ("before", "old", 8.0))
        for mode in ("eager", "jit")
    ]
    bench.add_ratios(rows, bandwidth=(20 << 22) / 0.5)  # floor 0.5 s
    (row,) = bench.before_after_table(rows)
    assert (row["before"], row["after"]) == ("old", "new")
    assert row["speedup"] == pytest.approx(4.0)
    assert row["before_x_builtin"] == pytest.approx(8.0) and row["after_x_floor"] == pytest.approx(
        4.0
    )
    assert bench.before_after_table(rows, log2_size=20) == []


def test_elementary_op_costs_positive_and_finite():
    rows = bench.elementary_op_costs(log2_size=12, repeats=2)
    assert [r["op"] for r in rows] == list(bench.ELEMENTARY_OPS)
    assert all(math.isfinite(r["ns_per_element"]) and r["ns_per_element"] > 0 for r in rows)


def test_paired_ratio_uses_rounds_and_falls_back_to_medians():
    b = {"median_s": 1.0, "times_s": [1.0, 1.0, 4.0]}
    c = {"median_s": 2.2, "times_s": [2.0, 2.2, 4.4]}
    ratio, q1, q3 = bench.paired_ratio(c, b)  # rounds: 2.0, 2.2, 1.1
    assert ratio == pytest.approx(2.0) and q1 == pytest.approx(1.55) and q3 == pytest.approx(2.1)
    assert bench.paired_ratio({"median_s": 2.2}, b) == (pytest.approx(2.2), None, None)
    rows = [
        _judged_row(role, name, float(np.median(ts)), times_s=ts)
        for role, name, ts in (("builtin", "b", b["times_s"]), ("custom", "c", c["times_s"]))
    ]
    bench.add_ratios(rows, bandwidth=(20 << 22) / 0.5)
    (row,) = bench.target_table(rows)
    assert row["x_builtin"] == pytest.approx(2.0) and row["x_builtin_q3"] == pytest.approx(2.1)


def test_time_interleaved_runs_every_call_once_per_round():
    order = []
    times = bench.time_interleaved(
        {"a": lambda: order.append("a"), "b": lambda: order.append("b")}, 3
    )
    assert order == ["a", "b"] * 3
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3}
    assert all(t >= 0 for ts in times.values() for t in ts)


def test_jax_timings_come_from_a_jax_process_and_pair_with_tensorflow_rows():
    jax_run = bench.run_in_jax_subprocess([10], repeats=1, directions=["forward_backward"])
    assert jax_run["versions"]["backend"] == "jax"
    rows = jax_run["rows"]
    names = {(c.pair, c.name) for c in bench.default_candidates()}
    assert {(r["pair"], r["name"]) for r in rows} == names
    assert all(
        r["error"] is None and r["mode"] == bench.JAX_MODE and r["ns_per_element"] > 0 for r in rows
    )
    # a TensorFlow row per candidate, 2x slower than JAX with disjoint quartiles
    tf_rows = [
        {
            **r,
            "mode": "jit",
            "median_s": 2 * r["median_s"],
            "q1_s": 2 * r["median_s"],
            "q3_s": 2 * r["median_s"],
            "ns_per_element": 2 * r["ns_per_element"],
        }
        for r in rows
    ]
    jax_rows = [{**r, "q1_s": r["median_s"], "q3_s": r["median_s"]} for r in rows]
    table = bench.backend_table(tf_rows, jax_rows, log2_size=10)
    assert len(table) == len(names)
    assert all(t["faster"] == "jax" and t["jax_over_tf"] == pytest.approx(0.5) for t in table)
    overlapping = [{**r, "q1_s": 0.0, "q3_s": 1e9} for r in rows]
    assert {t["faster"] for t in bench.backend_table(tf_rows, overlapping, 10)} == {"unclear"}


def test_training_step_pairs_compare_equal_widths_and_say_so():
    """No width-128 custom model against a width-256 built-in."""
    import keras

    pairs = cost.training_step_pairs()
    assert {p[0] for p in pairs} == set(cost.TRAINING_STEP_BASIS)
    soft = {name: build() for scenario, name, _, build in pairs if scenario == "SoftExponential"}
    widths = {
        name: [la.units for la in m.layers if isinstance(la, keras.layers.Dense)][:-1]
        for name, m in soft.items()
    }
    assert len(set(map(tuple, widths.values()))) == 1, widths  # same hidden widths
    assert soft["MLP PReLU"].count_params() == soft["MLP SoftExponential"].count_params()
    rows = bench.run_training_steps(
        [p for p in pairs if p[0] == "Truncation"],
        cost.TRAINING_STEP_BASIS,
        batch_size=4,
        repeats=1,
        progress=None,
    )
    assert all(r["basis"] == cost.TRAINING_STEP_BASIS["Truncation"] for r in rows)


def test_progress_goes_to_the_log_not_the_output(caplog, capsys):
    import logging

    cands = [c for c in bench.default_candidates() if c.pair == "ELU"]
    with caplog.at_level(logging.INFO, logger="actlab.bench"):
        bench.run_benchmark(cands, [8], modes=["eager"], directions=["forward"], repeats=1)
    assert capsys.readouterr().out == ""
    assert any(
        "2^8 elements" in r.getMessage() and r.name == "actlab.bench" for r in caplog.records
    )


def test_others_cpu_share_subtracts_our_own_cpu_time():
    start = {"busy_s": 100.0, "own_s": 10.0, "wall_s": 50.0, "cpus": 2}
    # 10 s of wall on 2 CPUs = 20 CPU-seconds; the machine was busy 12 s, 8 of them ours
    end = {"busy_s": 112.0, "own_s": 18.0, "wall_s": 60.0, "cpus": 2}
    assert bench.others_cpu_share(start, end) == pytest.approx(4.0 / 20.0)
    all_ours = dict(end, own_s=22.0)  # /proc/stat and os.times() round differently: clamp at 0
    assert bench.others_cpu_share(start, all_ours) == 0.0
    assert bench.others_cpu_share(start, dict(end, busy_s=200.0)) == 1.0
    assert bench.others_cpu_share(None, end) is None
    assert bench.others_cpu_share(start, dict(end, wall_s=50.0)) is None


def test_cpu_snapshot_counts_this_process_threads_as_its_own():
    import threading

    before = bench.cpu_snapshot()

    def spin():  # half a second of CPU time, however long a shared machine makes it take
        start = time.thread_time()
        while time.thread_time() - start < 0.5:
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    worker.join()
    after = bench.cpu_snapshot()
    assert after["own_s"] - before["own_s"] >= 0.3, "the spinning thread's CPU time is ours"
    assert after["busy_s"] - before["busy_s"] >= 0.3, "and the machine saw it"
    share = bench.others_cpu_share(before, after)
    assert 0.0 <= share <= 1.0


def test_others_and_quiet_texts():
    assert bench.others_text(0.02).startswith("Other processes used 2%")
    assert bench.others_text(0.35).startswith("**Caution:** other processes used 35%")
    assert "could not be measured" in bench.others_text(None)
    quiet = {
        "waited_s": 1.0,
        "idle_after_wait": 0.97,
        "window_s": 1.0,
        "quiet": True,
        "min_idle": 0.9,
        "load_after_wait": 1.2,
    }
    assert bench.quiet_text(quiet) == "Waited 1.0 s for a quiet machine: CPUs 97% idle over 1 s."
    busy = dict(quiet, idle_after_wait=0.4, quiet=False, waited_s=120.0)
    assert bench.quiet_text(busy).endswith("CPUs 40% idle over 1 s, below the 90% asked for.")
    assert "load average 1.20 (no /proc/stat)" in bench.quiet_text(
        dict(quiet, idle_after_wait=None)
    )


def test_cpu_snapshot_counts_live_child_processes_as_our_own():
    """A child that is still running (a loky or Dask worker) is ours, not "other processes":
    its CPU time, as psutil reads it for the child, is in the snapshots' difference."""
    import subprocess
    import sys

    import psutil

    burn = (
        "import sys, time\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 1.0:\n"
        "    pass\n"
        "print('burnt', flush=True)\n"
        "sys.stdin.readline()\n"  # alive until the test has taken its second snapshot
    )
    before = bench.cpu_snapshot()
    child = subprocess.Popen(
        [sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "burnt"
        times = psutil.Process(child.pid).cpu_times()
        after = bench.cpu_snapshot()
    finally:
        child.communicate("\n", timeout=30)
    child_s = times.user + times.system
    assert child_s >= 0.9, "the child burnt a second of CPU time"
    ours = after["own_s"] - before["own_s"]
    assert ours >= 0.9 * child_s, f"the live child's {child_s:.2f} s are ours, counted {ours:.2f} s"
