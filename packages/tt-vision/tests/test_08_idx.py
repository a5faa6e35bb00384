"""Module 08: MNIST's idx format, read from files built here byte by byte — and the .npz alternative."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.datasets import MNIST, FashionMNIST, Resource, parse_idx, read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """The idx encoding of ``array``: 0, 0, type, ndim, big-endian dims, big-endian data."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write_mnist_files(folder, rng, n_train=6, n_test=4):
    """The four official MNIST files, gzipped, with random content; returns (arrays, resources)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    resources = []
    for name, array in arrays.items():
        data = gzip.compress(idx_bytes(array))
        (folder / name).write_bytes(data)
        resources.append(Resource(name, hashlib.md5(data).hexdigest()))
    return arrays, resources


def test_parse_idx_round_trips_plain_and_gzip(rng):
    images = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    for raw in (idx_bytes(images), gzip.compress(idx_bytes(images))):
        parsed = parse_idx(raw)
        assert parsed.dtype == np.uint8 and parsed.shape == (3, 5, 4)
        np.testing.assert_array_equal(parsed, images)
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels)), labels)
    empty = parse_idx(idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8)))  # header only: a valid empty split
    assert empty.shape == (0, 28, 28) and parse_idx(idx_bytes(np.zeros(0, dtype=np.uint8))).shape == (0,)


def test_parse_idx_other_types_are_big_endian(rng):
    values = np.array([[1, -2], [300, 4]], dtype=np.int16)
    parsed = parse_idx(idx_bytes(values, 0x0B))
    np.testing.assert_array_equal(parsed, values)
    floats = np.array([1.5, -2.25], dtype=np.float32)
    np.testing.assert_array_equal(parse_idx(idx_bytes(floats, 0x0D)), floats)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x89PNG\r\n\x1a\n", "not an idx file"),
        (bytes([0, 0, 8, 3]) + struct.pack(">I", 2), "truncated"),
        (bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + b"\x01\x02", "needs 13 bytes"),
        (b"", "magic bytes missing"),
        (bytes([0, 0, 8]), "not an idx file"),
        (bytes([0, 0, 8, 0]), "needs 5 bytes"),  # a 0-d array: the header is whole, its one value is not
        # each magic byte checked on its own, the rest of the file being valid
        (bytes([1, 0, 8, 1]) + struct.pack(">I", 2) + b"\x01\x02", "not an idx file"),
        (bytes([0, 1, 8, 1]) + struct.pack(">I", 2) + b"\x01\x02", "not an idx file"),
        (bytes([0, 0, 7, 1]) + struct.pack(">I", 2) + b"\x01\x02", "not an idx file"),
    ],
)
def test_parse_idx_rejects_malformed_data(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(raw, "example")


def test_mnist_reads_the_official_files(tmp_path, rng, monkeypatch):
    arrays, resources = write_mnist_files(tmp_path / "mnist", rng)
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "elsewhere"))
    train = MNIST(root=tmp_path, train=True, download=False)
    test = MNIST(root=tmp_path, train=False, download=False)
    assert len(train) == 6 and len(test) == 4
    np.testing.assert_array_equal(train.data, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(test.targets, arrays["t10k-labels-idx1-ubyte.gz"])
    image, label = train[1]
    assert image.shape == (1, 28, 28) and image.dtype == autograd.float32
    np.testing.assert_allclose(image.numpy()[0], arrays["train-images-idx3-ubyte.gz"][1] / 255, rtol=1e-6)
    assert label == int(arrays["train-labels-idx1-ubyte.gz"][1])
    images, labels = train.get_batch(np.array([0, 2, 4]))
    assert images.shape == (3, 1, 28, 28) and labels.shape == (3,) and labels.dtype == autograd.int64


def test_fashion_mnist_uses_its_own_folder(tmp_path, rng, monkeypatch):
    _, resources = write_mnist_files(tmp_path / "fashion-mnist", rng)
    monkeypatch.setattr(FashionMNIST, "resources", resources)
    data = FashionMNIST(root=tmp_path, train=False, download=False)
    assert len(data) == 4 and data.classes[9] == "Ankle boot"
    assert read_idx(tmp_path / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").shape == (4,)


def test_npz_is_taken_first_and_checked(tmp_path, rng):
    x = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=np.arange(5), x_test=x[:2], y_test=np.arange(2))
    data = MNIST(root=tmp_path, train=True, download=False)
    np.testing.assert_array_equal(data.data, x)
    assert data.targets.dtype == np.int64
    bad = x.astype(np.float32)
    np.savez(tmp_path / "mnist.npz", x_train=bad, y_train=np.arange(5), x_test=bad, y_test=np.arange(5))
    with pytest.raises(ValueError, match="uint8"):
        MNIST(root=tmp_path, download=False)
