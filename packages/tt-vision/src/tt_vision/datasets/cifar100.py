"""CIFAR-100 from the official *binary* distribution (``cifar-100-binary.tar.gz``), or a prepared ``.npz``.

Like CIFAR-10's binary version (never the pickled "python version"), with two
label bytes per record::

    <1 byte coarse label (0-19)><1 byte fine label (0-99)><1024 red><1024 green><1024 blue>

``cifar-100-binary/train.bin`` holds 50,000 records, ``test.bin`` 10,000. As
torchvision's ``CIFAR100``, the dataset's ``targets`` are the *fine* labels and
``classes`` their 100 names (alphabetical, as in ``fine_label_names.txt``);
:func:`parse_cifar100_records` also returns the 20 coarse labels.
"""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

import numpy as np

from ._fetch import Resource
from .base import DatasetFileError
from .cifar import CIFAR10

RECORD = 2 + 3 * 32 * 32
MEMBERS = {True: "cifar-100-binary/train.bin", False: "cifar-100-binary/test.bin"}

#: The fine labels' names, in label order (the archive's fine_label_names.txt).
FINE_CLASSES = """
apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can
castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin
elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster
man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck
pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk
skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger
tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm
""".split()


def parse_cifar100_records(
    raw: bytes, name: str = "CIFAR-100 file"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images ``uint8 (N, 32, 32, 3)`` (HWC), fine labels ``(N,)`` and coarse labels ``(N,)``, all at once."""
    if len(raw) % RECORD:
        raise ValueError(f"{name}: {len(raw)} bytes is not a whole number of {RECORD}-byte CIFAR-100 records")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    coarse, fine = records[:, 0].astype(np.int64), records[:, 1].astype(np.int64)
    if fine.size and (fine.max() > 99 or coarse.max() > 19):
        raise ValueError(
            f"{name}: labels out of range (fine up to {fine.max()}, coarse up to {coarse.max()}; expected "
            "0-99 and 0-19); is this the CIFAR-100 binary version?"
        )
    images = records[:, 2:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), fine, coarse


def read_cifar100_archive(path: str | Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """The training (or test) images and fine labels inside a ``cifar-100-binary.tar.gz``."""
    member = MEMBERS[train]
    try:
        with tarfile.open(path, "r:gz") as archive:
            if member not in archive.getnames():
                raise DatasetFileError(f"CIFAR100: {path} lacks {member}; is it cifar-100-binary.tar.gz?")
            images, fine, _ = parse_cifar100_records(archive.extractfile(member).read(), f"{path}:{member}")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise DatasetFileError(
            f"CIFAR100: {path} is truncated or damaged ({type(error).__name__}: {error}); delete it and "
            "download it again"
        ) from None
    return images, fine


class CIFAR100(CIFAR10):
    """CIFAR-100: 50,000 training and 10,000 test colour images, 32×32, in 100 classes.

    Args:
        root, train, download, transform, target_transform: as for :class:`~tt_vision.datasets.CIFAR10`.

    Attributes:
        data: ``uint8 (N, 32, 32, 3)``; targets: the fine labels, ``int64 (N,)``.
        classes: the 100 fine class names, ``['apple', 'aquarium_fish', …, 'worm']``.

    A prepared ``cifar100.npz`` (``x_train, y_train, x_test, y_test``, fine labels) is read too.

    Example:
        >>> test = CIFAR100(train=False)  # doctest: +SKIP
        >>> len(test), len(test.classes)  # doctest: +SKIP
        (10000, 100)
    """

    folder = "cifar100"
    npz_name = "cifar100.npz"
    resources = [Resource("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")]
    classes = FINE_CLASSES
    read_archive = staticmethod(read_cifar100_archive)
