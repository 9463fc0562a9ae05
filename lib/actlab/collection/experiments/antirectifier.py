"""Notebook 04: Antirectifier vs ReLU under the Keras example's recipe.

The example (Keras's `examples/antirectifier.py`): Dense(256) -> Antirectifier -> Dropout(0.1)
-> Dense(256) -> Antirectifier -> Dropout(0.1) -> Dense(10, softmax), RMSprop, batch 128,
40 epochs, inputs in [0, 1]. Its claim: "half the parameters yet comparable classification
accuracy as an equivalent ReLU-based network" with "2x bigger Dense layers" (never run there).

Networks built here (all with that recipe):

* ``antirectifier_256``: the example (337,418 parameters);
* ``relu_256``: the same Dense widths with ReLU (269,322);
* ``relu_512``: the claim's comparison, Dense widths doubled (669,706);
* ``crelu_256``: the ablation, concat(relu(x), relu(-x)) without centring and normalization
  (337,418, like the Antirectifier).

The test split is passed as ``validation_data``, as in the example; the reported accuracy is the
last epoch's (no epoch is selected on it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import keras
import numpy as np

from actlab import stats
from actlab.collection import session
from actlab.layers.antirectifier import Antirectifier, CReLU

__all__ = [
    "MODELS",
    "LABELS",
    "EXPECTED_PARAMS",
    "build_mlp",
    "build_conv",
    "compile_like_example",
    "count_params",
    "EpochTimer",
    "train_one",
    "run_comparison",
    "curves",
    "summary_table",
    "formatted_table",
    "verdict",
    "CLAIM",
]

MODELS = ("antirectifier_256", "relu_256", "relu_512", "crelu_256")
LABELS = {
    "antirectifier_256": "Antirectifier-256",
    "relu_256": "ReLU-256",
    "relu_512": "ReLU-512",
    "crelu_256": "CReLU-256",
}
#: Parameter counts stated by the Keras example (its docstring and comments).
EXPECTED_PARAMS = {
    "antirectifier_256": 337_418,
    "relu_256": 269_322,
    "relu_512": 669_706,
    "crelu_256": 337_418,
}
_SPEC = {  # kind -> (Dense width, activation)
    "antirectifier_256": (256, "antirectifier"),
    "relu_256": (256, "relu"),
    "relu_512": (512, "relu"),
    "crelu_256": (256, "crelu"),
}


def _check_kind(kind: str, choices: Iterable[str]) -> None:
    if kind not in choices:
        raise ValueError(f"`kind` must be one of {list(choices)}. Received: kind={kind!r}")


def _activation_layer(activation: str, name: str) -> keras.layers.Layer:
    if activation == "antirectifier":
        return Antirectifier(name=name)
    if activation == "crelu":
        return CReLU(name=name)
    return keras.layers.ReLU(name=name)


def build_mlp(
    kind: str, input_dim: int = 784, num_classes: int = 10, dropout: float = 0.1
) -> keras.Model:
    """One of `MODELS`: Dense(w) -> act -> Dropout -> Dense(w) -> act -> Dropout -> Dense(10)."""
    _check_kind(kind, MODELS)
    width, activation = _SPEC[kind]
    inputs = keras.Input((input_dim,), name="pixels")
    x = inputs
    for i in (1, 2):
        x = keras.layers.Dense(width, name=f"dense_{i}")(x)
        x = _activation_layer(activation, name=f"{activation}_{i}")(x)
        x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=kind)


def build_conv(
    kind: str = "antirectifier",
    filters: Sequence[int] = (16, 32),
    num_classes: int = 10,
    dropout: float = 0.1,
) -> keras.Model:
    """A small conv net with the activation applied to the channel axis of 4-D feature maps.

    [Conv2D(f, 3) -> act -> MaxPool(2)] per entry of `filters` -> Flatten -> Dropout ->
    Dense(10, softmax). With ``kind="antirectifier"`` each Antirectifier doubles the channels.
    """
    _check_kind(kind, ("antirectifier", "relu"))
    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, name=f"conv_{i}")(x)
        x = _activation_layer(kind, name=f"{kind}_{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"conv_{kind}")


def compile_like_example(model: keras.Model) -> keras.Model:
    """RMSprop (Keras defaults, learning rate 1e-3) and cross-entropy, as in the example."""
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def count_params(kind: str) -> int:
    """Trainable + non-trainable parameters of `build_mlp(kind)`."""
    return int(build_mlp(kind).count_params())


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch (training plus the validation pass)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train_one(
    model: keras.Model,
    x_train,
    y_train,
    x_test,
    y_test,
    seed: int,
    epochs: int,
    batch_size: int = 128,
) -> dict[str, Any]:
    """Seed, compile like the example, fit with the test split as validation data.

    Returns per-epoch ``val_accuracy``/``val_loss``/``loss``, ``epoch_seconds``, the last
    epoch's ``test_accuracy``, ``params`` and whether every loss was finite.
    """
    session.seed_everything(seed)
    compile_like_example(model)
    timer = EpochTimer()
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(x_test, y_test),
        callbacks=[timer],
        verbose=0,
    )
    h = history.history
    return {
        "model": model.name,
        "seed": seed,
        "params": int(model.count_params()),
        "val_accuracy": [float(v) for v in h["val_accuracy"]],
        "val_loss": [float(v) for v in h["val_loss"]],
        "loss": [float(v) for v in h["loss"]],
        "epoch_seconds": timer.seconds,
        "test_accuracy": float(h["val_accuracy"][-1]),
        "finite": bool(np.all(np.isfinite(h["loss"])) and np.all(np.isfinite(h["val_loss"]))),
    }


def run_comparison(
    ds,
    kinds: Sequence[str] = MODELS,
    seeds: Sequence[int] = (0,),
    epochs: int = 10,
    batch_size: int = 128,
    log=print,
) -> list[dict[str, Any]]:
    """Every network in `kinds` for every seed (`session.seed_everything(seed)` before each)."""
    for kind in kinds:
        _check_kind(kind, MODELS)
    x_train, x_test = ds.flat()
    records = []
    for seed in seeds:
        for kind in kinds:
            session.seed_everything(seed)  # the same seed gives the same initial weights draw
            record = train_one(
                build_mlp(kind, input_dim=x_train.shape[1]),
                x_train,
                ds.y_train,
                x_test,
                ds.y_test,
                seed=seed,
                epochs=epochs,
                batch_size=batch_size,
            )
            records.append(record)
            if log:
                log(
                    f"seed {seed} {LABELS[kind]:>17}: test accuracy {record['test_accuracy']:.4f} "
                    f"after {epochs} epochs, {sum(record['epoch_seconds']):.1f} s"
                )
    return records


def curves(records: Sequence[dict[str, Any]], key: str = "val_accuracy") -> dict[str, dict]:
    """Per model: epochs (1-based), mean and std over seeds of the per-epoch `key`."""
    out = {}
    for kind in dict.fromkeys(r["model"] for r in records):
        values = np.array([r[key] for r in records if r["model"] == kind], dtype=float)
        out[kind] = {
            "epoch": np.arange(1, values.shape[1] + 1),
            "mean": values.mean(axis=0),
            "std": values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1]),
            "n_seeds": len(values),
        }
    return out


def summary_table(records: Sequence[dict[str, Any]]):
    """One row per model: parameters, final test accuracy mean/std over seeds (and the per-seed
    values, for `actlab.stats.format_mean_std`), seconds/epoch.

    The std (ddof=1) is NaN with a single seed: there is no spread to estimate.

    Seconds per epoch leave out the first epoch (graph tracing) when there is more than one;
    they are wall times on a shared machine, so compare them only within one run.
    """
    import pandas as pd

    rows = []
    for kind in dict.fromkeys(r["model"] for r in records):
        rs = [r for r in records if r["model"] == kind]
        acc = np.array([r["test_accuracy"] for r in rs])
        secs = np.concatenate(
            [
                r["epoch_seconds"][1:] if len(r["epoch_seconds"]) > 1 else r["epoch_seconds"]
                for r in rs
            ]
        )
        rows.append(
            {
                "model": kind,
                "label": LABELS.get(kind, kind),
                "params": rs[0]["params"],
                "test_acc_mean": float(acc.mean()),
                "test_acc_std": session.seed_std(acc),
                "test_acc_values": [float(v) for v in acc],
                "n_seeds": len(acc),
                "sec_per_epoch": float(np.median(secs)),
                "all_finite": all(r["finite"] for r in rs),
            }
        )
    return pd.DataFrame(rows).set_index("model")


def formatted_table(table):
    """`summary_table` for people (a `actlab.collection.tables.for_people` Styler): network, parameters,
    test accuracy "mean ± std" in percent with two decimals (as the text), seeds, s/epoch,
    finite losses as ✓/✗."""
    import pandas as pd

    from actlab.collection.tables import for_people

    frame = pd.DataFrame(
        {
            "network": table.label.to_numpy(),
            "parameters": [f"{p:,}" for p in table.params],
            "test accuracy (%)": [
                stats.format_mean_std(values, decimals=2, scale=100)
                for values in table.test_acc_values
            ],
            "seeds": table.n_seeds.to_numpy(),
            "seconds / epoch": [f"{v:.2f}" for v in table.sec_per_epoch],
            "losses finite": table.all_finite.to_numpy(),
        }
    )
    return for_people(frame, caption="Final test accuracy: mean ± std over seeds")


#: What the non-inferiority verdict means for the example's claim.
CLAIM = {
    "non-inferior": "supported",
    "inferior": "not supported",
    "inconclusive": "open",
    "single seed": "open",
}


def verdict(
    records: Sequence[dict[str, Any]], table, margin_pp: float, data_description: str, n_train: int
) -> dict[str, Any]:
    """The claim "half the parameters, comparable accuracy to ReLU with 2x wider Dense layers",
    judged by `actlab.stats.compare_paired` on the per-seed test accuracies (percentage points,
    paired by seed: a seed fixes the initial weights draw of every network).

    Antirectifier-256 against ReLU-512 is a non-inferiority question at the declared margin
    `margin_pp` ("is the Antirectifier at most `margin_pp` points below?"): the claim is
    ``supported`` when the interval says non-inferior, ``not supported`` when it says inferior
    and ``open`` otherwise. Against ReLU-256 and CReLU-256 (the ablation) the question is whether
    there is a difference at all. Returns the verdict records (`actlab.stats.verdict_record`), the
    text generated from them, and a one-line finding.
    """
    a, r512 = table.loc["antirectifier_256"], table.loc["relu_512"]
    ratio = float(a.params / r512.params)
    main = stats.compare_records(
        records,
        "antirectifier_256",
        "relu_512",
        value="test_accuracy",
        group="model",
        margin=margin_pp,
        scale=100,
    )
    claim = CLAIM[main["verdict"]]
    records_out = [
        stats.verdict_record(
            main,
            f"Antirectifier-256 − ReLU-512, test accuracy (non-inferiority at {margin_pp:g} points)",
            headline=True,
        )
    ]

    def fmt(row) -> str:
        return stats.format_mean_std(row.test_acc_values, decimals=2, unit="%", scale=100)

    n = main["n"]
    parts = [
        f"Antirectifier-256 ({a.params:,} parameters, {ratio:.3f}× ReLU-512's {r512.params:,}) "
        f"reached {fmt(a)} test accuracy against ReLU-512's {fmt(r512)}"
        + (f" (mean ± std over {n} seeds)." if n > 1 else "."),
        f"Paired by seed, Antirectifier-256 − ReLU-512: {stats.format_comparison(main)}.",
        f"So the claim of comparable accuracy (at most {margin_pp:g} points below) with half the "
        f"parameters is **{claim}** on this run"
        + {
            "supported": ": the whole interval lies above the margin.",
            "not supported": ": the whole interval lies below the margin.",
            "open": (
                ": the interval straddles the margin, so these seeds cannot tell."
                if n > 1
                else ": one seed gives no interval."
            ),
        }[claim],
    ]
    for kind, what in (
        ("relu_256", "ReLU-256 (same Dense widths, {p:,} parameters, {acc})"),
        (
            "crelu_256",
            "the CReLU ablation (the same concatenation and parameter "
            "count without centring and normalization, so the difference "
            "is what those two add; {acc})",
        ),
    ):
        if kind not in table.index:
            continue
        row = table.loc[kind]
        other = stats.compare_records(
            records, "antirectifier_256", kind, value="test_accuracy", group="model", scale=100
        )
        names = ("Antirectifier-256", LABELS[kind])
        records_out.append(
            stats.verdict_record(
                other, f"Antirectifier-256 − {LABELS[kind]}, test accuracy", names=names
            )
        )
        parts.append(
            f"Against {what.format(p=row.params, acc=fmt(row))}: "
            f"{stats.format_comparison(other, names=names)}."
        )
    parts.append(
        f"Data: {n_train:,} training images ({data_description}); "
        + (
            "a small training set, so the verdict is about this data size, not the "
            "example's full-MNIST setting."
            if n_train < 60_000
            else "the full MNIST training set."
        )
    )
    return {
        "claim": claim,
        "verdict": main["verdict"],
        "comparison": main,
        "verdicts": records_out,
        "param_ratio": ratio,
        "text": " ".join(parts),
        "one_line": (
            f"Antirectifier-256 {fmt(a)} vs ReLU-512 {fmt(r512)} with "
            f"{ratio:.2f}x the parameters, paired difference "
            f"{records_out[0]['short']}"
            + (f" ({n} paired seeds" if n > 1 else " (")
            + f"{', ' if n > 1 else ''}n_train={n_train}): claim {claim} at a "
            f"{margin_pp:g}-point margin"
        ),
    }
