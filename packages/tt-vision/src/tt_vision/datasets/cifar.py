"""CIFAR-10 from the official *binary* distribution (``cifar-10-binary.tar.gz``), or a prepared ``.npz``.

Never the "python version": that one is pickle, and unpickling a download
runs whatever code it contains. The binary version is plain records::

    <1 byte label><1024 bytes red><1024 bytes green><1024 bytes blue>

each colour plane 32×32 row-major, 10,000 records per ``.bin`` file
(``data_batch_1.bin`` … ``data_batch_5.bin`` for training, ``test_batch.bin``
for testing). The archive is read member by member in memory; nothing is
extracted to disk.
"""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._decoded import load_decoded
from ._fetch import Resource, fetch_official
from .base import DatasetFileError, VisionDataset, load_npz_split, to_planar

RECORD = 1 + 3 * 32 * 32
MEMBERS_TRAIN = [f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6)]
MEMBERS_TEST = ["cifar-10-batches-bin/test_batch.bin"]


def parse_cifar_records(raw: bytes, name: str = "CIFAR-10 batch") -> tuple[np.ndarray, np.ndarray]:
    """Images ``uint8 (N, 32, 32, 3)`` (HWC, as torchvision and the .npz hold them) and labels ``(N,)``."""
    # BEGIN SOLUTION 08
    # TODO: the binary CIFAR-10 records (1 label byte + 3072 pixel bytes, planar RGB) as images
    #   uint8 (N, 32, 32, 3) and labels int64 (N,) (§ How it is built, "Parsing the formats").
    # HINT: np.frombuffer(...).reshape(-1, RECORD) parses every record at once; check the length and labels.
    if len(raw) % RECORD:
        raise ValueError(f"{name}: {len(raw)} bytes is not a whole number of {RECORD}-byte records")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"{name}: label {labels.max()} out of range 0–9; is this the CIFAR-10 binary version?"
        )
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels
    # END SOLUTION


def read_cifar_archive(path: str | Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """The training (or test) images and labels inside a ``cifar-10-binary.tar.gz``."""
    try:
        return _read_members(path, MEMBERS_TRAIN if train else MEMBERS_TEST)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:  # truncated or corrupted archive
        raise DatasetFileError(
            f"CIFAR10: {path} is truncated or damaged ({type(error).__name__}: {error}); delete it and "
            "download it again"
        ) from None


def _read_members(path: str | Path, wanted: list[str]) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    with tarfile.open(path, "r:gz") as archive:
        names = set(archive.getnames())
        missing = [m for m in wanted if m not in names]
        if missing:
            raise DatasetFileError(f"CIFAR10: {path} lacks {missing}; is it cifar-10-binary.tar.gz?")
        for member in wanted:
            handle = archive.extractfile(member)
            x, y = parse_cifar_records(handle.read(), f"{path}:{member}")
            images.append(x)
            labels.append(y)
    return np.concatenate(images), np.concatenate(labels)


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32×32, in ten classes.

    Args:
        root, train, download, transform, target_transform: as for :class:`~tt_vision.datasets.MNIST`.

    Attributes:
        data: ``uint8 (N, 32, 32, 3)`` (HWC, RGB); targets: ``int64 (N,)``.
        classes: ``['airplane', 'automobile', …, 'truck']``.

    Example:
        >>> test = CIFAR10(train=False)  # doctest: +SKIP
        >>> images, labels = test.get_batch(np.arange(128))  # doctest: +SKIP
        >>> tuple(images.shape)  # doctest: +SKIP
        (128, 3, 32, 32)
    """

    folder = "cifar10"
    npz_name = "cifar10.npz"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    resources = [Resource("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    read_archive = staticmethod(read_cifar_archive)

    def __init__(
        self,
        root=None,
        train: bool = True,
        download: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        self.train = train
        found = fetch_official(
            type(self).__name__, self.folder, self.resources, self.mirrors, root, download, self.npz_name
        )

        def decode() -> tuple[np.ndarray, np.ndarray]:
            if isinstance(found, Path):
                images, labels = load_npz_split(
                    found, train, type(self).__name__, (32, 32, 3), len(self.classes)
                )
            else:
                images, labels = self.read_archive(found[0], train)
            return to_planar(images), labels

        sources = [found] if isinstance(found, Path) else found
        split = "train" if train else "test"
        pixels, labels = load_decoded(f"{self.folder}-{split}", sources, decode)
        self.source = found
        super().__init__(pixels.transpose(0, 2, 3, 1), labels, transform, target_transform)
