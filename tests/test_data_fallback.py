"""actlab.data offline: `auto` falls back to the embedded subset in one line, without Keras's
"Downloading data from ..." line."""

from __future__ import annotations

import pytest

from actlab import data


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_DATA_DIR", str(tmp_path / "data"))


def _noisy_get_file(*args, **kwargs):  # what Keras does offline: announce, then fail
    print(f"Downloading data from {kwargs.get('origin')}")
    raise Exception("URL fetch failure: [Errno -2] Name or service not known")


def test_offline_auto_says_so_in_one_line_without_download_noise(monkeypatch, capsys):
    import keras

    monkeypatch.setattr(keras.utils, "get_file", _noisy_get_file)
    monkeypatch.setattr(
        data, "_unreachable", lambda url, timeout=5.0: "example.org is unreachable (offline)"
    )
    d = data.load_mnist(source="auto", n_train=50, n_test=20)
    out = capsys.readouterr()
    assert "Downloading" not in out.out + out.err
    assert d.provenance["source"] == "embedded"
    note = d.provenance["note"]
    assert "\n" not in note and "not cached" in note and "example.org is unreachable" in note
    assert "fell back to the embedded" in note
    lines = data.describe(d).splitlines()
    assert len(lines) == 2 and lines[1] == f"Note: {note}"


def test_offline_keras_source_fails_naming_the_way_out(monkeypatch):
    monkeypatch.setattr(
        data, "_unreachable", lambda url, timeout=5.0: "example.org is unreachable (offline)"
    )
    with pytest.raises(
        data.DataUnavailableError, match="could not be downloaded.*source='embedded'"
    ):
        data.load_mnist(source="keras")


def test_reachability_probe_reports_a_reason_for_a_bad_url():
    reason = data._unreachable("http://127.0.0.1:9/mnist.npz", timeout=2)  # discard port: refused
    assert reason and "127.0.0.1" in reason
