"""The real image sets users cite, for ``suite:images``: Fashion-MNIST and CIFAR-10 in the file
formats `keras.datasets` downloads, each file checked against its SHA-256, cached in
`actlab.data.data_dir()` (``$ACTLAB_DATA_DIR``, else ``~/.keras/datasets``).

A download goes to a temporary file beside its destination and is renamed into place only once
its SHA-256 matches, so a failed or corrupted download leaves nothing behind. A cached file
that does not match is an error (delete it), never re-read. Every failure is a
`actlab.data.DataUnavailableError` with a one-line message.

Source setup: the tasks train `actlab.trials.suite.resnet.build_resnet` on them:

- `fashion_resnet` (``"fashion"``): Fashion-MNIST (Xiao et al. 2017; 60,000 + 10,000 28×28
  grey images of clothes, 10 classes), the drop-in harder MNIST on which several activation
  papers report (e.g. PAU, Molina et al. 2020).
- `cifar10_resnet` (``"cifar10"``): CIFAR-10 (Krizhevsky 2009; 50,000 + 10,000 32×32 colour
  images), the set of the ResNet comparisons in Swish (Ramachandran et al. 2017) and PAU.

Scaled down for a 2-core CPU: the same small pre-activation ResNet as ``"resnet"`` (3 stages of
1 block, 8/16/32 filters; the papers: ResNet-20 to ResNet-164), 10,000 training images, no data
augmentation, 6 epochs. A GPU or a Dask cluster is recommended even so.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
import tarfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from actlab.data import DataUnavailableError, data_dir, shown_path
from actlab.trials.tasks import Split, Task

__all__ = [
    "FASHION_MNIST_FILES",
    "CIFAR10_FILE",
    "fetch",
    "fetch_dataset",
    "load_fashion_mnist",
    "load_cifar10",
    "fashion_resnet",
    "cifar10_resnet",
]

FASHION_MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
#: The four files of Fashion-MNIST (Keras's download), and their SHA-256.
FASHION_MNIST_FILES = {
    "train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
    "train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
    "t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
    "t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
}
CIFAR10_ORIGIN = "https://www.cs.toronto.edu/~kriz/"
#: CIFAR-10's Python archive (Keras's download) and its SHA-256.
CIFAR10_FILE = {
    "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(name: str, origin: str, sha256: str, *, folder: str, allow_download: bool = True) -> Path:
    """The path of `name` in ``data_dir()/folder``, checked against `sha256`; downloaded from
    ``origin + name`` when missing and `allow_download`. Raises `DataUnavailableError`."""
    path = data_dir() / folder / name
    if path.exists():
        actual = _sha256(path)
        if actual != sha256:
            raise DataUnavailableError(
                f"{shown_path(path)} does not match its SHA-256 (expected {sha256[:16]}..., "
                f"found {actual[:16]}...); delete it and load again"
            )
        return path
    url = origin + name
    if not allow_download:
        raise DataUnavailableError(
            f"{name} is not cached at {shown_path(path)}: put the file from {url} there, or "
            "allow a download"
        )
    import urllib.request

    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(part, "wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, a full disk
        part.unlink(missing_ok=True)
        reason = " ".join(str(getattr(exc, "reason", exc)).split())
        raise DataUnavailableError(
            f"{name} is not cached at {shown_path(path)} and could not be downloaded from "
            f"{url} ({type(exc).__name__}: {reason})"
        ) from None
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise DataUnavailableError(
            f"the download of {name} from {url} does not match its SHA-256 (expected "
            f"{sha256[:16]}..., found {digest.hexdigest()[:16]}...); nothing was kept"
        )
    os.replace(part, path)
    return path


def _idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def _files(dataset: str) -> tuple[dict[str, str], str, str]:
    """A data set's files with their SHA-256, where they come from and the folder they go in
    (read at call time: the tests point them at fabricated files)."""
    if dataset == "fashion":
        return FASHION_MNIST_FILES, FASHION_MNIST_ORIGIN, "fashion-mnist"
    return CIFAR10_FILE, CIFAR10_ORIGIN, "cifar-10"


@functools.lru_cache(maxsize=2)
def load_fashion_mnist(
    allow_download: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: uint8 images ``(n, 28, 28)`` and labels, as
    `keras.datasets.fashion_mnist.load_data` returns them."""
    files, origin, folder = _files("fashion")
    paths = {
        name: fetch(name, origin, sha, folder=folder, allow_download=allow_download)
        for name, sha in files.items()
    }
    out = []
    for part in ("train", "t10k"):
        labels = _idx(paths[f"{part}-labels-idx1-ubyte.gz"], 8)
        images = _idx(paths[f"{part}-images-idx3-ubyte.gz"], 16).reshape(len(labels), 28, 28)
        out += [images, labels.astype("int64")]
    return tuple(out)  # type: ignore[return-value]


def _cifar_batch(archive: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    f = archive.extractfile(f"cifar-10-batches-py/{member}")
    if f is None:
        raise DataUnavailableError(f"CIFAR-10's archive has no file {member}")
    # the archive's SHA-256 was checked: its pickles are the published ones
    batch = pickle.load(f, encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return images.transpose(0, 2, 3, 1), np.asarray(batch[b"labels"], dtype="int64")


@functools.lru_cache(maxsize=2)
def load_cifar10(
    allow_download: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` (channels last)
    and labels, read from the checked archive without extracting it."""
    files, origin, folder = _files("cifar10")
    ((name, sha),) = files.items()
    path = fetch(name, origin, sha, folder=folder, allow_download=allow_download)
    with tarfile.open(path, "r:gz") as archive:
        train = [_cifar_batch(archive, f"data_batch_{i}") for i in range(1, 6)]
        x_test, y_test = _cifar_batch(archive, "test_batch")
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return x_train, y_train, x_test, y_test


LOADERS = {"fashion": load_fashion_mnist, "cifar10": load_cifar10}


def fetch_dataset(dataset: str) -> None:
    """Fetch and check every file of `dataset` (a `Task.prepare`): downloaded once, in the
    process that plans the runs. Raises `DataUnavailableError`."""
    files, origin, folder = _files(dataset)
    for name, sha in files.items():
        fetch(name, origin, sha, folder=folder)


def _image_split(
    seed: int, *, dataset: str, n_train: int | None, n_val: int, n_test: int | None
) -> Split:
    from actlab import data

    x_train, y_train, x_test, y_test = LOADERS[dataset]()
    keep, val = data.stratified_split(y_train, n_val / len(y_train), seed + 7919)
    if n_train is not None:
        keep = keep[data.stratified_subsample(y_train[keep], n_train, seed + 104729)]
    test = np.arange(len(y_test))
    if n_test is not None:
        test = data.stratified_subsample(y_test, n_test, seed + 15485863)
    shape = x_train.shape[1:] if x_train.ndim == 4 else (*x_train.shape[1:], 1)

    def images(x, idx):
        return (x[idx].astype("float32") / 255.0).reshape(-1, *shape)

    return Split(
        images(x_train, keep),
        y_train[keep],
        images(x_train, val),
        y_train[val],
        images(x_test, test),
        y_test[test],
        f"{dataset} (Keras's files, SHA-256 checked); split by seed {seed}: {len(keep)} train / "
        f"{len(val)} validation / {len(test)} test",
    )


def _image_task(
    name: str,
    dataset: str,
    input_shape,
    *,
    n_train,
    n_val,
    n_test,
    stages,
    epochs,
    batch_size,
    last,
    learning_rates,
) -> Task:
    from actlab.trials.suite.resnet import _check_layout, _trial_model

    _check_layout(stages, 1, 2)
    model = {
        "stages": [int(f) for f in stages],
        "blocks_per_stage": 1,
        "stem_strides": 2,
        "input_shape": list(input_shape),
    }
    data = {"dataset": dataset, "n_train": n_train, "n_val": int(n_val), "n_test": n_test}
    return Task(
        name=name,
        data=functools.partial(_image_split, **data),
        build=functools.partial(_trial_model, **model),
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=tuple(learning_rates),
        config={**data, **model},
        prepare=functools.partial(fetch_dataset, dataset),
    )


def fashion_resnet(
    *,
    n_train: int | None = 10_000,
    n_val: int = 2_000,
    n_test: int | None = None,
    stages: Sequence[int] = (8, 16, 32),
    epochs: int = 6,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (2e-3,),
) -> Task:
    """The small ResNet on Fashion-MNIST (see the module docstring); test accuracy in points.
    Needs the data (downloaded on first use)."""
    return _image_task(
        "fashion",
        "fashion",
        (28, 28, 1),
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        stages=stages,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=learning_rates,
    )


def cifar10_resnet(
    *,
    n_train: int | None = 10_000,
    n_val: int = 2_000,
    n_test: int | None = None,
    stages: Sequence[int] = (8, 16, 32),
    epochs: int = 6,
    batch_size: int = 64,
    last: int = 2,
    learning_rates: Sequence[float] = (2e-3,),
) -> Task:
    """The small ResNet on CIFAR-10 (see the module docstring); test accuracy in points. Needs
    the data (downloaded on first use)."""
    return _image_task(
        "cifar10",
        "cifar10",
        (32, 32, 3),
        n_train=n_train,
        n_val=n_val,
        n_test=n_test,
        stages=stages,
        epochs=epochs,
        batch_size=batch_size,
        last=last,
        learning_rates=learning_rates,
    )
