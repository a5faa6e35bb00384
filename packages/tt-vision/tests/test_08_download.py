"""Module 08: finding and downloading datasets: checksums, atomic rename, repair, search order, errors.

No network: the "mirrors" are ``file://`` folders built by each test, which
``urllib`` serves exactly like a web server, so the real download path runs.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest
from tt_vision.datasets import MNIST, ChecksumError, DatasetNotFoundError, Resource, _fetch


def _idx(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.fixture
def mirror(tmp_path, rng):
    """A folder of the four MNIST files served over file://, and a dataset class whose resources match it."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    resources = []
    for name, array in arrays.items():
        data = gzip.compress(_idx(array))
        (folder / name).write_bytes(data)
        resources.append(Resource(name, hashlib.md5(data).hexdigest()))

    class Served(MNIST):
        pass

    Served.resources = resources
    Served.mirrors = [folder.as_uri() + "/"]
    Served.folder_path = folder
    Served.arrays = arrays
    return Served


@pytest.fixture(autouse=True)
def isolated_places(tmp_path, monkeypatch):
    """No test may see a real $TINYTORCH_DATA or ~/.cache/tinytorch."""
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    monkeypatch.setattr(_fetch, "default_cache", lambda: tmp_path / "cache")


def test_download_verifies_and_renames_into_place(tmp_path, mirror):
    data = mirror(root=tmp_path / "root", train=False)
    np.testing.assert_array_equal(data.data, mirror.arrays["t10k-images-idx3-ubyte.gz"])
    folder = tmp_path / "root" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        r.filename for r in mirror.resources
    )  # no .part left


def test_download_goes_to_the_cache_without_root(tmp_path, mirror):
    mirror(train=True)
    assert (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_download_goes_to_tinytorch_data_when_set(tmp_path, mirror, monkeypatch):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "shared"))
    mirror(train=True)
    assert (tmp_path / "shared" / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()


def test_a_corrupted_download_is_refused_and_leaves_nothing(tmp_path, mirror):
    wrong = Resource("train-labels-idx1-ubyte.gz", "0" * 32)
    with pytest.raises(ChecksumError, match="expected 0000"):
        _fetch.download(wrong, mirror.mirrors, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_the_next_mirror_is_tried(tmp_path, mirror):
    resource = mirror.resources[1]
    path = _fetch.download(
        resource, [(tmp_path / "missing").as_uri() + "/", *mirror.mirrors], tmp_path / "out"
    )
    assert _fetch.file_md5(path) == resource.md5


def test_an_interrupted_download_leaves_no_file(tmp_path, mirror, monkeypatch):
    class Broken(io.BytesIO):
        headers = {"Content-Length": "1000"}

        def read(self, size=-1):
            raise TimeoutError("connection dropped")

    monkeypatch.setattr(_fetch.urllib.request, "urlopen", lambda url, timeout: Broken())
    with pytest.raises(DatasetNotFoundError, match="connection dropped"):
        _fetch.download(mirror.resources[0], mirror.mirrors, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_corrupt_cached_file_is_detected_and_fetched_again(tmp_path, mirror):
    mirror(root=tmp_path / "root")
    cached = tmp_path / "root" / "mnist" / "t10k-images-idx3-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    with pytest.raises(DatasetNotFoundError, match="Corrupt files"):
        mirror(root=tmp_path / "root", train=False, download=False)
    data = mirror(root=tmp_path / "root", train=False, download=True)
    np.testing.assert_array_equal(data.data, mirror.arrays["t10k-images-idx3-ubyte.gz"])
    assert _fetch.file_md5(cached) == mirror.resources[2].md5


def test_offline_with_nothing_names_every_place_and_the_fixes(tmp_path, mirror, monkeypatch):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "shared"))
    mirror.mirrors = [(tmp_path / "unreachable").as_uri() + "/"]
    with pytest.raises(DatasetNotFoundError) as caught:
        mirror(root=tmp_path / "mine", download=False)
    text = str(caught.value)
    for place in ("mine", "shared", "cache", "mnist.npz", "TINYTORCH_DATA", "download=True"):
        assert place in text, f"the error does not mention {place!r}:\n{text}"
    with pytest.raises(DatasetNotFoundError, match="could not download"):
        mirror(root=tmp_path / "mine", download=True)


def test_search_order_root_then_env_then_cache(tmp_path, monkeypatch, rng):
    def npz(folder, n):
        folder.mkdir(parents=True, exist_ok=True)
        x = np.zeros((n, 28, 28), np.uint8)
        np.savez(folder / "mnist.npz", x_train=x, y_train=np.zeros(n), x_test=x, y_test=np.zeros(n))

    npz(tmp_path / "cache", 1)
    assert len(MNIST(download=False)) == 1
    npz(tmp_path / "env", 2)
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "env"))
    assert len(MNIST(download=False)) == 2
    npz(tmp_path / "root", 3)
    assert len(MNIST(root=tmp_path / "root", download=False)) == 3
    assert [p.name for p in _fetch.search_places(tmp_path / "root")] == ["root", "env", "cache"]


def test_file_md5_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(bytes(range(256)) * 5000)
    assert _fetch.file_md5(path) == hashlib.md5(path.read_bytes()).hexdigest()
