"""Module 08: the decoded-dataset cache — written once, mapped back, renewed when its source changes."""

from __future__ import annotations

import mmap
import os

import numpy as np
import pytest
from tt_vision.datasets import CIFAR10, MNIST
from tt_vision.datasets import _decoded as decoded


def write_cifar_npz(path, rng, n=6):
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n)
    np.savez_compressed(path, x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    return x, y


def is_mapped(array) -> bool:
    """Whether ``array`` is (a view of) a memory-mapped file."""
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("TINYTORCH_CACHE", str(folder))
    return folder


def test_the_first_load_writes_planar_pixels_and_the_second_maps_them(tmp_path, rng, cache, monkeypatch):
    x, y = write_cifar_npz(tmp_path / "cifar10.npz", rng)
    first = CIFAR10(root=tmp_path, download=False)
    written = sorted(p.name for p in cache.iterdir())
    assert len(written) == 3 and all(name.startswith("cifar10-train-") for name in written)
    assert [name.rsplit("-", 1)[1] for name in written] == ["images.npy", "labels.npy", "record.json"]
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary left behind

    def must_not_decode(*args, **kwargs):
        raise AssertionError("a cached dataset was decoded again")

    monkeypatch.setattr("tt_vision.datasets.cifar.load_npz_split", must_not_decode)
    second = CIFAR10(root=tmp_path, download=False)
    assert is_mapped(second.pixels) and not is_mapped(first.pixels)
    for data in (first, second):
        np.testing.assert_array_equal(data.data, x)
        np.testing.assert_array_equal(data.pixels, x.transpose(0, 3, 1, 2))
        np.testing.assert_array_equal(data.targets, y)
    second.pixels[0] = 0  # copy-on-write: the process may change its copy ...
    third = CIFAR10(root=tmp_path, download=False)
    np.testing.assert_array_equal(third.data, x)  # ... but never the file


def test_a_changed_source_is_decoded_afresh(tmp_path, rng, cache):
    write_cifar_npz(tmp_path / "cifar10.npz", rng)
    CIFAR10(root=tmp_path, download=False)
    os.remove(tmp_path / "cifar10.npz")
    x, _ = write_cifar_npz(tmp_path / "cifar10.npz", rng, n=5)
    data = CIFAR10(root=tmp_path, download=False)
    assert len(data) == 5
    np.testing.assert_array_equal(data.data, x)


def test_a_truncated_cache_file_is_rewritten(tmp_path, rng, cache):
    x, _ = write_cifar_npz(tmp_path / "cifar10.npz", rng)
    CIFAR10(root=tmp_path, download=False)
    images = next(cache.glob("*-images.npy"))
    images.write_bytes(images.read_bytes()[:1000])
    data = CIFAR10(root=tmp_path, download=False)
    np.testing.assert_array_equal(data.data, x)
    assert images.stat().st_size > 6 * 3072


def test_an_unwritable_cache_only_costs_time(tmp_path, rng, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TINYTORCH_CACHE", str(blocker / "cache"))  # cannot be created
    x, _ = write_cifar_npz(tmp_path / "cifar10.npz", rng)
    np.testing.assert_array_equal(CIFAR10(root=tmp_path, download=False).data, x)


def test_grey_images_round_trip_as_n_h_w(tmp_path, rng, cache):
    x = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=np.arange(7), x_test=x[:1], y_test=np.arange(1))
    for _ in range(2):  # decoded, then cached
        data = MNIST(root=tmp_path, download=False)
        assert data.data.shape == (7, 28, 28) and data.pixels.shape == (7, 1, 28, 28)
        np.testing.assert_array_equal(data.data, x)


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path))
    assert decoded.decoded_folder() == tmp_path
    monkeypatch.delenv("TINYTORCH_CACHE")
    assert decoded.decoded_folder().parts[-3:] == (".cache", "tinytorch", "decoded")
