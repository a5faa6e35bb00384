"""Vision datasets (module 08), like ``torchvision.datasets``: MNIST, FashionMNIST, CIFAR10, Digits.

Beyond the chapter: ``CIFAR100`` (same shape as CIFAR10), and ``DatasetFolder`` /
``ImageFolder``, which hold file paths and read one file per sample (see :mod:`.folder`).

Each reads the official distribution format, or a prepared ``.npz`` with
``x_train, y_train, x_test, y_test``. Where they look, in order:

1. the ``root`` folder you pass;
2. the folder named by ``$TINYTORCH_DATA``;
3. ``~/.cache/tinytorch``.

Downloads (``download=True``, the default) are verified against the
publishers' MD5s and renamed into place only once complete. Every dataset
keeps its images as one array and hands out whole batches through
``get_batch``, which tt-optim's ``DataLoader`` uses.

``Digits`` is a small real dataset shipped inside the package, for machines
with neither data nor network.
"""

from __future__ import annotations

from ._fetch import ChecksumError, DatasetNotFoundError, Resource, search_places
from .base import DatasetFileError, VisionDataset
from .cifar import CIFAR10, parse_cifar_records, read_cifar_archive
from .cifar100 import CIFAR100, parse_cifar100_records, read_cifar100_archive
from .digits import Digits, load_digits
from .folder import (
    IMG_EXTENSIONS,
    DatasetFolder,
    ImageFolder,
    default_loader,
    find_classes,
    has_file_allowed_extension,
    is_image_file,
    make_dataset,
)
from .mnist import MNIST, FashionMNIST, parse_idx, read_idx

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "ChecksumError",
    "DatasetFileError",
    "DatasetFolder",
    "DatasetNotFoundError",
    "Digits",
    "FashionMNIST",
    "IMG_EXTENSIONS",
    "ImageFolder",
    "MNIST",
    "Resource",
    "VisionDataset",
    "default_loader",
    "find_classes",
    "has_file_allowed_extension",
    "is_image_file",
    "load_digits",
    "make_dataset",
    "parse_cifar100_records",
    "parse_cifar_records",
    "read_cifar100_archive",
    "parse_idx",
    "read_cifar_archive",
    "read_idx",
    "search_places",
]
