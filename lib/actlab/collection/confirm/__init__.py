"""Confirmatory trials of the collection: one registered, sized run per notebook question family.

A notebook's *confirm profile* (``notebooks/confirm/NN_name.yml``: the notebook's parameters
for the trial, the pilot behind each question's SD, the fresh seeds' start, the roundings and
the interaction margin) becomes, at ``register``, a *registration*
(``notebooks/confirm/NN_name/registration.json``: the `actlab.trials.Design` as JSON, sized by
`actlab.readings.size_trial` at Holm's α) that is committed before the run. ``run`` trains it
(cached, resumable) and writes the committed data behind every quoted number: ``runs.csv`` (one
row per run) and ``readings.json`` (each declared question read by
`actlab.trials.confirmatory.confirm`, the registration's commit, the CPU time and CPU).
``decide`` re-reads every registered trial from its committed runs in seconds (``make confirm``).

    python -m actlab.collection.confirm register 03_nan_diagnosis
    python -m actlab.collection.confirm run 03_nan_diagnosis --jobs 2
    python -m actlab.collection.confirm decide            # every registered trial
"""

from actlab.collection.confirm.registry import (
    CONFIRM_DIR,
    Registered,
    decide,
    load,
    register,
    registered,
    run,
)

__all__ = ["CONFIRM_DIR", "Registered", "decide", "load", "register", "registered", "run"]
