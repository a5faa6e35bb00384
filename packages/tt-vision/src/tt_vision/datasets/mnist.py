"""MNIST and Fashion-MNIST from their official idx files (``*-idx3-ubyte.gz``), or a prepared ``.npz``.

The idx format (LeCun et al.) is a tiny header and raw bytes::

    magic:  0x00 0x00 <type> <ndim>     type 0x08 = unsigned byte
    dims:   ndim big-endian uint32      e.g. 60000, 28, 28
    data:   the values, row-major

so a whole file parses with one ``np.frombuffer`` and a reshape.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._decoded import load_decoded
from ._fetch import Resource, fetch_official
from .base import DatasetFileError, VisionDataset, check_labels, load_npz_split, to_planar

#: idx type code → big-endian NumPy dtype.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(raw: bytes, name: str = "idx data") -> np.ndarray:
    """The array stored in idx-format bytes (gzip-compressed or not); a clear error if malformed."""
    # BEGIN SOLUTION 08
    # TODO: the array in idx bytes: 0, 0, type, ndim, then ndim big-endian uint32 sizes, then the data
    #   (§ How it is built, "Parsing the formats"); gzip-compressed input is decompressed first.
    # HINT: every inconsistency (magic, type, truncated, extra bytes) is a ValueError naming the file.
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise ValueError(f"{name}: not an idx file (magic bytes {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: idx header truncated ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{name}: idx data of shape {shape} needs {expected} bytes, the file has {len(raw)}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
    # END SOLUTION


def read_idx(path: str | Path, name: str = "idx") -> np.ndarray:
    """The array in an idx file (``.gz`` or plain); a damaged file raises :class:`DatasetFileError`."""
    try:
        return parse_idx(Path(path).read_bytes(), str(path))
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:  # a truncated or corrupted gzip stream
        raise DatasetFileError(
            f"{name}: {path} is truncated or damaged ({type(error).__name__}: {error}); delete it and "
            "download it again"
        ) from None


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28×28 grey, labels 0–9.

    Args:
        root: a folder to look in (and download to) first; see the search
            order in :mod:`tt_vision.datasets`.
        train: the training split (True) or the test split.
        download: fetch the official files if no copy is found.
        transform: batched transform of the float ``(B, 1, 28, 28)`` images.
        target_transform: transform of the int64 labels.

    Attributes:
        data: ``uint8 (N, 28, 28)``; targets: ``int64 (N,)``.

    Example:
        >>> train = MNIST(train=True)  # doctest: +SKIP
        >>> image, label = train[0]  # doctest: +SKIP
        >>> tuple(image.shape), label  # doctest: +SKIP
        ((1, 28, 28), 5)
    """

    folder = "mnist"
    npz_name = "mnist.npz"
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        Resource("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        Resource("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        Resource("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        Resource("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

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
        sources = [found] if isinstance(found, Path) else (found[0:2] if train else found[2:4])

        def decode() -> tuple[np.ndarray, np.ndarray]:
            if isinstance(found, Path):
                images, labels = load_npz_split(
                    found, train, type(self).__name__, (28, 28), len(self.classes)
                )
            else:
                image_file, label_file = sources
                name = type(self).__name__
                images, labels = read_idx(image_file, name), read_idx(label_file, name)
                if images.ndim != 3 or labels.shape != images.shape[:1]:
                    raise DatasetFileError(
                        f"{type(self).__name__}: {image_file} holds {images.shape} and {label_file} "
                        f"{labels.shape}; expected (N, H, W) images and N labels"
                    )
                labels = check_labels(labels, len(self.classes), name, str(label_file))
            return to_planar(images), labels

        split = "train" if train else "test"
        pixels, labels = load_decoded(f"{self.folder}-{split}", sources, decode)
        self.source = found
        super().__init__(pixels[:, 0], labels, transform, target_transform)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, ten kinds of clothing (MIT licence)."""

    folder = "fashion-mnist"
    npz_name = "fashion-mnist.npz"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        Resource("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        Resource("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        Resource("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        Resource("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
