"""suite:images' loaders (Fashion-MNIST, CIFAR-10), on small files fabricated here in Keras's
formats (no network): SHA-256 checked, a mismatch or no data is a one-line error that leaves
nothing half-written, and the tasks train on what they load."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import re
import tarfile

import numpy as np
import pytest

from actlab.data import DataUnavailableError
from actlab.trials.suite import images

RNG = np.random.default_rng(0)
N_TRAIN, N_TEST = 200, 80


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _idx(path, magic: int, array: np.ndarray) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fashion_files(tmp_path, monkeypatch):
    """The four Fashion-MNIST files, tiny, in a folder a download can read (file://)."""
    source = tmp_path / "origin"
    source.mkdir(exist_ok=True)
    arrays = {}
    for part, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        arrays[part] = (
            RNG.integers(0, 256, size=(n, 28, 28), dtype=np.uint8),
            np.arange(n, dtype=np.uint8) % 10,
        )
        _idx(source / f"{part}-images-idx3-ubyte.gz", 2051, arrays[part][0])
        _idx(source / f"{part}-labels-idx1-ubyte.gz", 2049, arrays[part][1])
    files = {name: _sha(source / name) for name in images.FASHION_MNIST_FILES}
    monkeypatch.setattr(images, "FASHION_MNIST_FILES", files)
    monkeypatch.setattr(images, "FASHION_MNIST_ORIGIN", source.as_uri() + "/")
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))
    images.load_fashion_mnist.cache_clear()
    yield source, arrays
    images.load_fashion_mnist.cache_clear()


@pytest.fixture
def cifar_file(tmp_path, monkeypatch):
    """CIFAR-10's archive, tiny: five training batches and a test batch of pickled dicts."""
    source = tmp_path / "origin"
    source.mkdir(exist_ok=True)
    batches = {}
    with tarfile.open(source / "cifar-10-python.tar.gz", "w:gz") as archive:
        for name, n in [*((f"data_batch_{i}", 40) for i in range(1, 6)), ("test_batch", 80)]:
            data = RNG.integers(0, 256, size=(n, 3072), dtype=np.uint8)
            labels = [int(v) for v in RNG.integers(0, 10, size=n)]
            batches[name] = (data, labels)
            blob = pickle.dumps({b"data": data, b"labels": labels})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            archive.addfile(info, io.BytesIO(blob))
    sha = _sha(source / "cifar-10-python.tar.gz")
    monkeypatch.setattr(images, "CIFAR10_FILE", {"cifar-10-python.tar.gz": sha})
    monkeypatch.setattr(images, "CIFAR10_ORIGIN", source.as_uri() + "/")
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))
    images.load_cifar10.cache_clear()
    yield source, batches
    images.load_cifar10.cache_clear()


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message and message
    return message


def test_fashion_mnist_downloads_checks_caches_and_reads_keras_format(fashion_files, tmp_path):
    _, arrays = fashion_files
    x_train, y_train, x_test, y_test = images.load_fashion_mnist()
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    np.testing.assert_array_equal(y_train, arrays["train"][1])
    np.testing.assert_array_equal(x_test, arrays["t10k"][0])
    np.testing.assert_array_equal(y_test, arrays["t10k"][1])
    cached = sorted(p.name for p in (tmp_path / "data" / "fashion-mnist").iterdir())
    assert cached == sorted(images.FASHION_MNIST_FILES)  # and nothing else (no .part file)


def test_cifar10_reads_the_archive_channels_last(cifar_file):
    _, batches = cifar_file
    x_train, y_train, x_test, y_test = images.load_cifar10()
    assert x_train.shape == (200, 32, 32, 3) and x_test.shape == (80, 32, 32, 3)
    first = batches["data_batch_1"][0][0]
    # Keras's layout: 1024 red, then green, then blue values, row by row
    np.testing.assert_array_equal(x_train[0, :, :, 0], first[:1024].reshape(32, 32))
    np.testing.assert_array_equal(x_train[0, :, :, 2], first[2048:].reshape(32, 32))
    assert y_train.tolist() == sum((batches[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert y_test.tolist() == batches["test_batch"][1]


def test_a_download_that_does_not_match_its_checksum_leaves_nothing(
    fashion_files, tmp_path, monkeypatch
):
    bad = dict(images.FASHION_MNIST_FILES, **{"t10k-labels-idx1-ubyte.gz": "0" * 64})
    monkeypatch.setattr(images, "FASHION_MNIST_FILES", bad)
    with pytest.raises(DataUnavailableError) as exc:
        images.load_fashion_mnist()
    message = _one_line(exc)
    assert "t10k-labels-idx1-ubyte.gz" in message and "does not match its SHA-256" in message
    assert "nothing was kept" in message
    folder = tmp_path / "data" / "fashion-mnist"
    assert "t10k-labels-idx1-ubyte.gz" not in {p.name for p in folder.iterdir()}
    assert not list(folder.glob("*.part*"))


def test_a_cached_file_that_does_not_match_is_refused_not_read(cifar_file, tmp_path):
    images.load_cifar10()
    cached = tmp_path / "data" / "cifar-10" / "cifar-10-python.tar.gz"
    cached.write_bytes(cached.read_bytes()[:-10])  # truncated
    images.load_cifar10.cache_clear()
    with pytest.raises(DataUnavailableError) as exc:
        images.load_cifar10()
    message = _one_line(exc)
    assert re.search(r"cifar-10-python\.tar\.gz does not match its SHA-256 .* delete it", message)


def test_no_data_and_no_download_is_a_clear_one_line_error(cifar_file, tmp_path, monkeypatch):
    with pytest.raises(DataUnavailableError) as exc:
        images.load_cifar10(allow_download=False)
    assert "is not cached at" in _one_line(exc)
    monkeypatch.setattr(images, "CIFAR10_ORIGIN", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(DataUnavailableError) as exc:
        images.load_cifar10()
    assert "could not be downloaded" in _one_line(exc)
    assert not list((tmp_path / "data" / "cifar-10").iterdir())


@pytest.mark.parametrize("name", ["fashion", "cifar10"])
def test_the_image_tasks_split_the_loaded_data_and_build_their_resnet(
    name, fashion_files, cifar_file
):
    # the ResNet is trained for an epoch in test_suite_tasks (task "resnet"); here the loaded
    # data feed it (training it here, in a process that trained other models before, aborted
    # TensorFlow on 2026-12-07, while the same test alone passed: see the branch's report)
    from actlab.trials import Init
    from actlab.trials.arms import activation_factory

    factory = images.fashion_resnet if name == "fashion" else images.cifar10_resnet
    task = factory(n_train=120, n_val=60, stages=(4, 8), epochs=1, last=1)
    split, other = task.data(0), task.data(1)
    side, channels = (28, 1) if name == "fashion" else (32, 3)
    assert split.x_train.shape[1:] == (side, side, channels)
    assert abs(len(split.x_train) - 120) <= 10 and abs(len(split.y_val) - 60) <= 10  # stratified
    assert split.x_train.dtype == np.float32
    assert 0.0 <= split.x_train.min() and split.x_train.max() <= 1.0
    assert not np.array_equal(split.y_train, other.y_train)  # a new split per seed
    model = task.build(activation_factory("relu"), Init(0))
    probabilities = np.asarray(model(split.x_test[:4]))
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_a_trial_without_its_data_stops_in_one_line_before_any_run(
    cifar_file, tmp_path, monkeypatch
):
    from actlab.trials import TrialError, execute, plan_trial

    monkeypatch.setattr(images, "CIFAR10_ORIGIN", (tmp_path / "nowhere").as_uri() + "/")
    task = images.cifar10_resnet(n_train=100, n_val=20, n_test=40, epochs=1, last=1)
    design = plan_trial(["gelu"], baselines=["relu"], tasks=[task], seeds=6, cost=False)
    cache = tmp_path / "cache"
    with pytest.raises(TrialError) as exc:
        execute(design, jobs=1, cache=cache)
    message = _one_line(exc)
    assert message.startswith("task cifar10: cifar-10-python.tar.gz is not cached at")
    assert "could not be downloaded" in message
    assert not cache.exists() or not any(cache.rglob("output.pkl"))  # nothing trained


def test_prepare_fetches_the_data_once_in_the_calling_process(fashion_files, tmp_path):
    task = images.fashion_resnet(n_train=100, n_val=20, n_test=40, epochs=1, last=1)
    assert not (tmp_path / "data" / "fashion-mnist").exists()
    task.prepare()
    got = sorted(p.name for p in (tmp_path / "data" / "fashion-mnist").iterdir())
    assert got == sorted(images.FASHION_MNIST_FILES)
