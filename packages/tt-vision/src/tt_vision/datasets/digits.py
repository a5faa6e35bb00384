"""The UCI optical-recognition handwritten digits, shipped inside the package: no download, ever.

1,797 real images, 8×8 pixels, each pixel a count 0–16 of "on" cells in a
4×4 block of a 32×32 bitmap, labels 0–9 (E. Alpaydin and C. Kaynak, 1998;
the UCI Machine Learning Repository, CC BY 4.0). The file is the copy that
scikit-learn ships, ``digits.csv.gz`` (57 KiB): one image per line, 64 pixel
values then the label. Provenance and licence: ``tt_vision/data/README.md``.

There is no official split of this copy; ``train=False`` takes every fifth
image (360) and ``train=True`` the other 1,437, so both cover all writers.
It lets the milestones and the README run on a machine with no data and no
network; it is far too small to say much about a model.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from importlib import resources

import numpy as np

from .base import VisionDataset

FILE = "digits.csv.gz"


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 images ``uint8 (N, 8, 8)`` with values 0–16, and labels ``int64 (N,)``."""
    # BEGIN SOLUTION 08
    # TODO: the bundled digits file (gzip CSV, 64 pixels then the label
    #   per row) as uint8 (N, 8, 8) and int64 labels (N,).
    # HINT: importlib.resources.files("tt_vision").joinpath("data", FILE).read_bytes(), gzip, np.loadtxt.
    raw = resources.files("tt_vision").joinpath("data", FILE).read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    return table[:, :64].reshape(-1, 8, 8).astype(np.uint8), table[:, 64]
    # END SOLUTION


class Digits(VisionDataset):
    """The embedded 8×8 digits, with the :class:`~tt_vision.datasets.MNIST` interface.

    Images come out as float ``(1, 8, 8)`` in ``[0, 1]`` (the 0–16 counts divided by 16).
    ``root`` and ``download`` are accepted for symmetry and ignored.

    Example:
        >>> train = Digits(train=True)
        >>> len(train), tuple(train[0][0].shape)
        (1437, (1, 8, 8))
    """

    scale = np.float32(1 / 16)
    classes = [str(i) for i in range(10)]

    def __init__(
        self,
        root=None,
        train: bool = True,
        download: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        images, labels = load_digits()
        test = np.arange(len(labels)) % 5 == 0
        keep = ~test if train else test
        self.train = train
        super().__init__(images[keep], labels[keep], transform, target_transform)
