"""Where the runs execute: this process or loky worker processes, through joblib, or a Dask
cluster, through its client (a run on a worker that died goes to another; one the scheduler
gives up on is a failed run, not a wait for ever); results come back as they finish and go
into the cache at once (`execute`)."""

from __future__ import annotations

import contextlib
import functools
import warnings
from typing import Any

from actlab.trials.runs import RunSpec, execute_run, warm_up

__all__ = ["run_specs", "in_process_ok", "loky_is_default", "run_name", "warm_workers"]


def in_process_ok(backend: str, op_threads: int = 1) -> bool:
    """Serial runs stay in this process when it runs TensorFlow ops on one thread (as workers
    do); otherwise one worker process runs them, so the numbers match a parallel run."""
    from actlab.determinism import set_op_threads

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        threads = set_op_threads(op_threads)
    return backend != "tensorflow" or threads == op_threads


def loky_is_default() -> bool:
    """No ``joblib.parallel_config`` of the caller's chose another backend."""
    try:
        from joblib.parallel import LokyBackend, get_active_backend

        return isinstance(get_active_backend()[0], LokyBackend)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - joblib internals
        return False


def warm_workers(jobs: int, backend: str, onednn: str | None, op_threads: int) -> None:
    import joblib

    try:
        joblib.Parallel(n_jobs=jobs)(
            joblib.delayed(warm_up)(backend, onednn, op_threads) for _ in range(jobs)
        )
    except Exception:  # noqa: BLE001 - only a head start; the runs report real errors
        pass


def _indexed(i: int, spec: RunSpec) -> tuple[int, dict]:
    try:
        return i, execute_run(spec)
    except Exception as exc:  # noqa: BLE001 - reported with the run's name, not cached
        return i, {"error": f"{type(exc).__name__}: {exc}"}


@contextlib.contextmanager
def _parallel(jobs: int, scheduler: Any, serial_here: bool, env: dict | None = None):
    """The joblib `Parallel` for the runs: Dask (a scheduler address or Client), loky workers,
    or this process (one worker process instead when this one cannot match the workers); with
    `env`, fresh loky workers started with those environment variables (a oneDNN setting
    other than this process's), shut down afterwards."""
    import joblib

    kwargs = {"return_as": "generator_unordered"}
    if env is not None:
        from joblib.externals.loky import get_reusable_executor

        executor = get_reusable_executor(max_workers=jobs, env=env)
        try:
            yield functools.partial(_on_executor, executor)
        finally:
            executor.shutdown(wait=True)
        return
    if scheduler is None:
        scheduler = _configured_dask_client()
    if scheduler is None:
        if jobs == 1 and not serial_here:  # joblib runs n_jobs=1 here: loky's executor directly
            yield _one_worker
        else:
            yield joblib.Parallel(n_jobs=jobs, **kwargs)
        return
    import distributed

    own = not isinstance(scheduler, distributed.Client)
    client = distributed.Client(scheduler) if own else scheduler
    try:
        yield functools.partial(_on_dask, client)
    finally:
        if own:
            client.close()


def _configured_dask_client() -> Any:
    """The client of a caller's ``joblib.parallel_config(backend="dask")``, if any."""
    try:
        from joblib.parallel import get_active_backend

        return getattr(get_active_backend()[0], "client", None)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - joblib internals
        return None


def _on_dask(client, calls):
    """Like ``Parallel(return_as="generator_unordered")`` on a Dask `client`, for calls of
    `_indexed`. The scheduler gives a run whose worker died to another worker (up to its
    ``distributed.scheduler.allowed-failures``); a run it gives up on (``KilledWorker``) comes
    back as a failed run, which joblib's dask backend would wait for for ever."""
    from distributed import as_completed

    futures = {client.submit(fn, *args, pure=False, **kw): args[0] for fn, args, kw in calls}
    for future in as_completed(futures):
        if future.status == "finished":
            yield future.result()
        else:
            exc = future.exception()
            yield futures[future], {"error": f"{type(exc).__name__}: {exc}"}


def _on_executor(executor, calls):
    """Like ``Parallel(return_as="generator_unordered")`` on a loky `executor`."""
    import concurrent.futures

    futures = [executor.submit(fn, *args, **kwargs) for fn, args, kwargs in calls]
    for future in concurrent.futures.as_completed(futures):
        yield future.result()


def _one_worker(calls):
    """Like ``Parallel(return_as="generator_unordered")`` with one loky worker process."""
    from joblib.externals.loky import get_reusable_executor

    return _on_executor(get_reusable_executor(max_workers=1), calls)


def run_name(spec: RunSpec) -> str:
    return f"{spec.task.name} {spec.arm.name} lr={spec.learning_rate:g} seed={spec.seed}"


def _on_the_keys_device(result: dict, key: dict) -> dict:
    """`result`, or a failed run when it computed on another device than its key says (a
    worker with a GPU in a trial keyed on this process's CPU, or the reverse): never cached,
    never paired with the trial's other runs."""
    ran, keyed = result.get("device"), key.get("device")
    if "error" in result or ran == keyed:
        return result
    return {
        "error": f"it ran on {ran}, the trial's runs are keyed on {keyed} (this process's "
        "device): give the trial workers that see the same devices as this process"
    }


def run_specs(
    specs, keys, cache, progress, jobs, scheduler, serial_here, env=None
) -> dict[int, tuple]:
    """Each spec's result and whether it came from the cache, by index: cached ones first,
    the others as they finish (stored in `cache` at once); `env`: see `_parallel`."""
    import joblib

    done: dict[int, tuple] = {}
    todo = []
    for i, key in enumerate(keys):
        if key in cache:
            done[i] = (cache.get(key), True)
            progress.run_done(f"{run_name(specs[i])}: cached", cached=True)
        else:
            todo.append(i)
    if not todo:
        return done
    with _parallel(jobs, scheduler, serial_here, env) as parallel, warnings.catch_warnings():
        # loky replaces a worker whose memory grew (Keras keeps some per model): not a failure
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
        for i, result in parallel(joblib.delayed(_indexed)(i, specs[i]) for i in todo):
            result = _on_the_keys_device(result, keys[i])
            if "error" in result:
                progress.line(f"FAILED {run_name(specs[i])}: {result['error']}")
            else:
                cache.put(keys[i], result)
                progress.run_done(
                    f"{run_name(specs[i])}: trained in {result['seconds']:.1f} s", cached=False
                )
            done[i] = (result, False)
    return done
