"""Module 08: nothing loads silently wrong — a damaged cache is rebuilt, bad files get a clear error.

Each test is the reproducer of a defect of issue #14: before the fix the
cache's contents were never checked, a prepared ``.npz`` with labels 200–209
loaded without complaint, and a truncated file raised a bare ``BadZipFile``
naming neither the file nor the dataset (and leaked its handle).
"""

from __future__ import annotations

import gzip
import os
import tarfile

import numpy as np
import pytest
from tt_vision.datasets import CIFAR10, MNIST, DatasetFileError, read_cifar_archive, read_idx
from tt_vision.datasets import _decoded as decoded


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("TINYTORCH_CACHE", str(folder))
    return folder


def write_mnist_npz(path, rng, n=8, labels=None):
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = np.arange(n) % 10 if labels is None else np.asarray(labels)
    np.savez_compressed(path, x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    return x, y


def descriptors_open_on(path) -> int:
    """How many of this process's file descriptors are open on ``path`` (Linux's /proc/self/fd).

    Counts only ``path``'s: a descriptor that anything else in the process (a thread, the garbage
    collector) opens or closes meanwhile does not change the answer.
    """
    target, count = os.path.realpath(path), 0
    for name in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{name}") == target
        except OSError:  # closed since the listing
            pass
    return count


def rewrite_npy(path, array):
    """Overwrite a cached ``.npy`` in place (same name, so the source key still matches)."""
    np.save(path, array, allow_pickle=False)


def test_overwritten_cached_labels_are_detected_and_rebuilt(tmp_path, rng, cache):
    _, y = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    labels = next(cache.glob("*-labels.npy"))
    rewrite_npy(labels, np.full(len(y), 99, dtype=np.int64))
    with pytest.warns(RuntimeWarning, match=r"MNIST|mnist-train.*does not match its record"):
        data = MNIST(root=tmp_path, download=False)
    np.testing.assert_array_equal(data.targets, y)
    np.testing.assert_array_equal(np.load(labels), y)  # the entry was rewritten
    np.testing.assert_array_equal(MNIST(root=tmp_path, download=False).targets, y)  # and now matches


def test_a_flipped_cached_pixel_is_detected(tmp_path, rng, cache):
    x, _ = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    images = next(cache.glob("*-images.npy"))
    raw = bytearray(images.read_bytes())
    raw[-5] ^= 0x10  # one bit of one pixel
    images.write_bytes(bytes(raw))
    with pytest.warns(RuntimeWarning, match="checksum differs"):
        data = MNIST(root=tmp_path, download=False)
    np.testing.assert_array_equal(data.data, x)


def test_reordered_cached_images_are_detected(tmp_path, rng, cache):
    x, _ = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    images = next(cache.glob("*-images.npy"))
    rewrite_npy(images, np.load(images)[::-1].copy())  # same bytes, same sums, other places
    with pytest.warns(RuntimeWarning, match="checksum differs"):
        data = MNIST(root=tmp_path, download=False)
    np.testing.assert_array_equal(data.data, x)


def test_the_checksum_sees_one_flipped_bit_anywhere_and_a_swap_of_two_words(rng):
    data = rng.integers(0, 256, 3 * 8 * decoded.WORDS + 5, dtype=np.uint8)
    reference = decoded.checksum(data)
    for position in (0, 7, 8 * decoded.WORDS, data.size - 6, data.size - 1):
        flipped = data.copy()
        flipped[position] ^= 0x80
        assert decoded.checksum(flipped) != reference
    words = data[: 8 * 3 * decoded.WORDS].view(np.uint64).copy()
    words[[3, 5000]] = words[[5000, 3]]
    swapped = np.concatenate([words.view(np.uint8), data[8 * 3 * decoded.WORDS :]])
    assert decoded.checksum(swapped) != reference or words[3] == words[5000]


def test_a_reshaped_cached_array_is_detected(tmp_path, rng, cache):
    x, _ = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    images = next(cache.glob("*-images.npy"))
    rewrite_npy(images, np.load(images).reshape(4, 2, 28, 28))
    with pytest.warns(RuntimeWarning, match="record"):
        data = MNIST(root=tmp_path, download=False)
    assert data.data.shape == x.shape
    np.testing.assert_array_equal(data.data, x)


def test_an_entry_without_a_record_is_rebuilt_quietly(tmp_path, rng, cache, recwarn):
    _, y = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    next(cache.glob("*-record.json")).unlink()  # as written by an older TinyTorch
    np.testing.assert_array_equal(MNIST(root=tmp_path, download=False).targets, y)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert len(list(cache.glob("*-record.json"))) == 1


@pytest.mark.parametrize("bad", [[200, 201, 202, 203, 204, 205, 206, 209], [0, 1, 2, 3, -1, 5, 6, 7]])
def test_npz_labels_out_of_range_are_refused(tmp_path, rng, cache, bad):
    write_mnist_npz(tmp_path / "mnist.npz", rng, labels=bad)
    with pytest.raises(DatasetFileError, match=r"MNIST: .*mnist\.npz.*outside 0–9"):
        MNIST(root=tmp_path, download=False)
    assert not cache.exists() or not list(cache.glob("*"))  # nothing bad was cached


def test_cifar_npz_labels_are_range_checked_like_the_binary_version(tmp_path, rng, cache):
    x = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "cifar10.npz", x_train=x, y_train=np.array([1, 10, 2]), x_test=x, y_test=[0, 1, 2])
    with pytest.raises(DatasetFileError, match=r"CIFAR10: .*cifar10\.npz \(y_train\).*e\.g\. 10"):
        CIFAR10(root=tmp_path, download=False)
    np.testing.assert_array_equal(CIFAR10(root=tmp_path, train=False, download=False).targets, [0, 1, 2])


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_npz_names_the_dataset_and_the_file_and_closes_it(tmp_path, rng, cache, damage):
    path = tmp_path / "mnist.npz"
    write_mnist_npz(path, rng, n=64)
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        for offset in range(100, len(raw) - 100, 97):  # damage the compressed data, not just one byte
            raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    for _ in range(3):
        with pytest.raises(DatasetFileError, match=r"MNIST: .*mnist\.npz.*(truncated|damaged)"):
            MNIST(root=tmp_path, download=False)
    assert descriptors_open_on(path) == 0


def test_a_truncated_idx_file_names_the_file(tmp_path, rng):
    raw = gzip.compress(b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + bytes([1, 2, 3, 4]))
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(raw[: len(raw) - 6])
    with pytest.raises(DatasetFileError, match="train-labels-idx1-ubyte.gz is truncated or damaged"):
        read_idx(path, "MNIST")


def test_a_truncated_cifar_archive_names_the_file(tmp_path, rng):
    member = tmp_path / "data_batch_1.bin"
    member.write_bytes(rng.integers(0, 10, 3073 * 20, dtype=np.uint8).tobytes())
    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(member, arcname="cifar-10-batches-bin/data_batch_1.bin")
    archive.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(DatasetFileError, match=r"CIFAR10: .*tar\.gz is truncated or damaged"):
        read_cifar_archive(archive, train=True)


def test_the_next_write_removes_temporaries_of_killed_writers_only(tmp_path, rng, cache):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    cache.mkdir(parents=True)
    stale = cache / f".mnist-train-x-images.npy.{dead.pid}.abc123.part"
    alive = cache / f".mnist-train-x-images.npy.{os.getppid()}.def456.part"
    other = cache / "notes.part"
    for path in (stale, alive, other):
        path.write_bytes(b"partial")
    write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)
    assert not stale.exists() and alive.exists() and other.exists()


def test_checksums_run_again_only_when_a_cached_file_changed(tmp_path, rng, cache, monkeypatch):
    x, y = write_mnist_npz(tmp_path / "mnist.npz", rng)
    MNIST(root=tmp_path, download=False)  # decodes and writes the entry
    calls = []
    real_checksum = decoded.checksum
    monkeypatch.setattr(decoded, "checksum", lambda array: calls.append(array.shape) or real_checksum(array))
    MNIST(root=tmp_path, download=False)  # files changed less than SETTLED_NS ago: checked, not stamped
    assert len(calls) == 2 and not list(cache.glob("*-verified.json"))
    later = decoded.time.time_ns() + 3 * decoded.SETTLED_NS
    monkeypatch.setattr(decoded.time, "time_ns", lambda: later)
    MNIST(root=tmp_path, download=False)  # checked, and now stamped
    assert len(calls) == 4 and len(list(cache.glob("*-verified.json"))) == 1
    data = MNIST(root=tmp_path, download=False)  # unchanged since the stamp: no checksum
    assert len(calls) == 4
    np.testing.assert_array_equal(data.targets, y)
    labels = next(cache.glob("*-labels.npy"))
    rewrite_npy(labels, np.concatenate([y, y]))  # any write moves size or times: checked again
    with pytest.warns(RuntimeWarning, match="does not match its record"):
        data = MNIST(root=tmp_path, download=False)
    np.testing.assert_array_equal(data.targets, y)
