"""``python -m actlab.bench --jax-rows FILE ...``: the JAX child process (`run_in_jax_subprocess`)."""

from actlab.bench.jax_child import _main

if __name__ == "__main__":
    _main()
