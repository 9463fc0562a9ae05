"""What a custom activation costs: time per element against its built-in and the copy floor.

An elementwise activation is memory-bound: the *floor* is the memory traffic it must do over the
copy bandwidth measured in the same run. Each candidate (`default_candidates`: every actlab
activation against its built-in counterpart) is timed in eager, `tf.function` and XLA modes, for
forward and for forward + backward, with repetitions interleaved across candidates so slow drifts
of the machine hit every candidate alike (`run_benchmark`); `add_ratios`, `target_table` and
`before_after_table` turn the rows into ratios to the floor and to the built-in.

The package, one concern a module:

- `actlab.bench.candidates`: what is timed (`Candidate`, `default_candidates`);
- `actlab.bench.timing`: timing itself (`time_interleaved`, `run_benchmark`, the copy floor,
  `elementary_op_costs`, `paired_ratio`);
- `actlab.bench.tables`: tables of timed rows (`add_ratios`, `target_table`,
  `before_after_table`, `backend_table`);
- `actlab.bench.training`: one training step of whole models (`run_training_steps`);
- `actlab.bench.load`: the machine's load (`wait_for_quiet`, `cpu_snapshot`,
  `others_cpu_share`);
- `actlab.bench.jax_child`: the same timings on JAX, in a child process
  (`run_in_jax_subprocess`).

Every public name is importable from `actlab.bench` itself.
"""

from actlab.bench.candidates import ROLES, Candidate, default_candidates
from actlab.bench.jax_child import run_in_jax_subprocess, run_jax_benchmark
from actlab.bench.load import (
    cpu_idle_fraction,
    cpu_snapshot,
    others_cpu_share,
    others_text,
    own_cpu_seconds,
    quiet_text,
    wait_for_quiet,
)
from actlab.bench.tables import (
    JAX_MODE,
    add_ratios,
    backend_table,
    before_after_table,
    target_table,
)
from actlab.bench.timing import (
    DIRECTIONS,
    ELEMENTARY_OPS,
    MODES,
    ROW,
    copy_bandwidth,
    copy_bandwidths,
    elementary_op_costs,
    floor_bytes,
    log,
    paired_ratio,
    run_benchmark,
    time_interleaved,
)
from actlab.bench.training import run_training_steps

__all__ = [
    "DIRECTIONS",
    "ELEMENTARY_OPS",
    "JAX_MODE",
    "MODES",
    "ROLES",
    "ROW",
    "Candidate",
    "add_ratios",
    "backend_table",
    "before_after_table",
    "copy_bandwidth",
    "copy_bandwidths",
    "cpu_idle_fraction",
    "cpu_snapshot",
    "default_candidates",
    "elementary_op_costs",
    "floor_bytes",
    "log",
    "others_cpu_share",
    "others_text",
    "own_cpu_seconds",
    "paired_ratio",
    "quiet_text",
    "run_benchmark",
    "run_in_jax_subprocess",
    "run_jax_benchmark",
    "run_training_steps",
    "target_table",
    "time_interleaved",
    "wait_for_quiet",
]
