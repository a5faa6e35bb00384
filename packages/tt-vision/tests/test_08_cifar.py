"""Module 08: CIFAR-10's binary distribution, read from a small ``cifar-10-binary.tar.gz`` built here."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest
from tt_vision.datasets import CIFAR10, Resource, parse_cifar_records, read_cifar_archive


def records(images_chw: np.ndarray, labels: np.ndarray) -> bytes:
    """The binary version's layout: per image one label byte, then the R, G and B planes."""
    flat = images_chw.reshape(len(labels), -1)
    return np.concatenate([labels.astype(np.uint8)[:, None], flat], axis=1).tobytes()


def build_archive(path, rng, per_batch=3):
    """A cifar-10-binary.tar.gz with 5 training batches and a test batch of ``per_batch`` images each."""
    batches = {}
    with tarfile.open(path, "w:gz") as archive:
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
        for name in names:
            images = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
            labels = rng.integers(0, 10, per_batch)
            batches[name] = (images, labels)
            data = records(images, labels)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        meta = b"airplane\nautomobile\n"
        info = tarfile.TarInfo("cifar-10-batches-bin/batches.meta.txt")
        info.size = len(meta)
        archive.addfile(info, io.BytesIO(meta))
    return batches


def test_records_become_hwc_images(rng):
    images = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)
    parsed, labels = parse_cifar_records(records(images, np.array([3, 9])))
    assert parsed.shape == (2, 32, 32, 3) and parsed.dtype == np.uint8
    np.testing.assert_array_equal(labels, [3, 9])
    np.testing.assert_array_equal(parsed[1, 5, 7], images[1, :, 5, 7])  # (R, G, B) of one pixel


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x01" * 100, "whole number"),
        (bytes([12]) + bytes(3072), "0–9"),
        (bytes([10]) + bytes(3072), "label 10"),
    ],
)
def test_malformed_records_are_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_cifar_records(raw)


def test_cifar10_reads_the_binary_archive(tmp_path, rng, monkeypatch):
    (tmp_path / "cifar10").mkdir()
    archive = tmp_path / "cifar10" / "cifar-10-binary.tar.gz"
    batches = build_archive(archive, rng)
    monkeypatch.setattr(
        CIFAR10, "resources", [Resource(archive.name, hashlib.md5(archive.read_bytes()).hexdigest())]
    )
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    train = CIFAR10(root=tmp_path, train=True, download=False)
    test = CIFAR10(root=tmp_path, train=False, download=False)
    assert len(train) == 15 and len(test) == 3
    expected = np.concatenate([batches[f"data_batch_{i}.bin"][0] for i in range(1, 6)]).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(train.data, expected)
    np.testing.assert_array_equal(test.targets, batches["test_batch.bin"][1])
    images, labels = test.get_batch(np.arange(3))
    assert images.shape == (3, 3, 32, 32)
    np.testing.assert_allclose(images.numpy(), batches["test_batch.bin"][0] / 255, rtol=1e-6)
    assert train.classes[0] == "airplane" and train.class_to_idx["truck"] == 9


def test_a_wrong_checksum_is_reported_not_parsed(tmp_path, rng, monkeypatch):
    (tmp_path / "cifar10").mkdir()
    build_archive(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", rng)
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    monkeypatch.setattr(CIFAR10, "resources", [Resource("cifar-10-binary.tar.gz", "f" * 32)])
    with pytest.raises(FileNotFoundError, match="Corrupt files"):
        CIFAR10(root=tmp_path, download=False)


def test_an_archive_without_the_batches_is_refused(tmp_path):
    path = tmp_path / "other.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("readme.txt")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(ValueError, match="lacks"):
        read_cifar_archive(path, train=False)


def test_cifar_npz_layout(tmp_path, rng, monkeypatch):
    x = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "cifar10.npz", x_train=x, y_train=np.arange(4), x_test=x[:1], y_test=np.arange(1))
    data = CIFAR10(root=tmp_path, download=False)
    image, label = data[2]
    assert image.shape == (3, 32, 32) and label == 2
    np.testing.assert_allclose(image.numpy(), x[2].transpose(2, 0, 1) / 255, rtol=1e-6)
