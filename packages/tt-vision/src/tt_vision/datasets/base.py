"""``VisionDataset``: a whole image set held as two arrays, batched by one fancy-indexing operation.

Images are kept as raw ``uint8`` pixels in the *planar* layout ``(N, C, H, W)``
that the rest of the framework uses, and labels as an ``int64`` array
(``targets``); ``data`` shows the pixels the way torchvision keeps them
(``(N, H, W)`` grey, ``(N, H, W, C)`` colour) as a view. A batch is made in
one go:

1. gather the batch's pixels and labels with its indices (one copy each);
2. run the transform's leading *pixel-exact* steps (random crop, flip: they
   only move pixels) on those ``uint8`` pixels — a quarter of the bytes of
   ``float32``, and the same result as running them after scaling;
3. scale to ``float32`` in ``[0, 1]`` (one pass), normalising in place if a
   ``Normalize`` comes next;
4. run the rest of the transform on the float ``(B, C, H, W)`` tensor.

tt-optim's DataLoader calls :meth:`get_batch` when a dataset has it, so an
epoch of CIFAR-10 costs a few thousand NumPy calls, not 50,000 Python ones.
A sample fetched alone (``dataset[i]``) goes through the same path as a batch
of one, so a transform sees ``(1, C, H, W)`` either way.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_optim.data import Dataset

from ..transforms import Normalize, split_pixel_steps

SCALE = np.float32(1 / 255)


def to_planar(images: np.ndarray) -> np.ndarray:
    """``uint8`` images ``(N, H, W)`` or ``(N, H, W, C)`` → ``(N, C, H, W)``, C-contiguous.

    Grey images only gain an axis (a view). Colour images are transposed into
    a new array once, at load time, so that no batch pays for the move.
    """
    # BEGIN SOLUTION 08
    # TODO: uint8 images (N, H, W) or (N, H, W, C) as (N, C, H, W), C-contiguous (§ How it is built,
    #   "Planar pixels"); any other rank is an error naming the shape.
    # HINT: (N, H, W) gains C = 1 with images[:, None]; the transpose needs np.ascontiguousarray.
    if images.ndim == 3:
        return images[:, None]
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got shape {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    # END SOLUTION


def to_float_images(raw: np.ndarray, scale: np.float32 = SCALE) -> np.ndarray:
    """``uint8`` images ``(B, C, H, W)`` → ``float32`` ``(B, C, H, W)`` times ``scale``, in one pass."""
    # BEGIN SOLUTION 08
    # TODO: uint8 (B, C, H, W) to float32 times scale in one pass:
    #   np.multiply into a preallocated float32 out.
    out = np.empty(raw.shape, dtype=np.float32)
    np.multiply(raw, scale, out=out)
    return out
    # END SOLUTION


class VisionDataset(Dataset):
    """Images and labels in memory, with a batched ``transform``.

    Args:
        data: ``uint8`` images, ``(N, H, W)`` or ``(N, H, W, C)``.
        targets: integer labels ``(N,)``.
        transform: a callable on a float32 ``(B, C, H, W)`` tensor (see
            :mod:`tt_vision.transforms`), applied to every batch.
        target_transform: a callable on the int64 ``(B,)`` label tensor.

    Attributes:
        pixels: the images as ``uint8 (N, C, H, W)``, what batches are cut from.
        data: the same images as ``(N, H, W)`` or ``(N, H, W, C)`` (a view);
            assigning to it (``train.data = train.data[:5000]``) replaces them.
    """

    classes: list[str] = []
    scale: np.float32 = SCALE

    def __init__(
        self,
        data: np.ndarray,
        targets: np.ndarray,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        if len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data)} images but {len(targets)} labels")
        self.data = data
        self.targets = np.asarray(targets, dtype=np.int64)
        self.transform = transform
        self.target_transform = target_transform

    @property
    def data(self) -> np.ndarray:
        pixels = self.pixels
        return pixels[:, 0] if self._grey else pixels.transpose(0, 2, 3, 1)

    @data.setter
    def data(self, images: np.ndarray) -> None:
        images = np.asarray(images)
        self._grey = images.ndim == 3
        self.pixels = to_planar(images)

    def __len__(self) -> int:
        return len(self.pixels)

    def get_batch(self, indices: Any) -> list[Tensor]:
        """``[images (B, C, H, W) float32, labels (B,) int64]`` for an integer array (or slice) of indices."""
        raw = self.pixels[indices]
        pixel_steps, float_steps = split_pixel_steps(self.transform)
        for step in pixel_steps:
            raw = step(raw)
        images = to_float_images(raw, self.scale)
        if float_steps and isinstance(float_steps[0], Normalize):
            images = float_steps.pop(0).normalize(images, inplace=True)  # our own fresh array
        images = Tensor.from_array(images)
        for step in float_steps:
            images = step(images)
        labels = Tensor.from_array(np.asarray(self.targets[indices]))
        if self.target_transform is not None:
            labels = self.target_transform(labels)
        return [images, labels]

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        if isinstance(index, (slice, np.ndarray, list)):
            return tuple(self.get_batch(index))  # type: ignore[return-value]
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {len(self)} samples")
        images, labels = self.get_batch(np.array([index % len(self)]))
        label = labels[0]
        return images[0], (int(label.array) if isinstance(label, Tensor) and label.ndim == 0 else label)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __repr__(self) -> str:
        shape = "×".join(str(s) for s in self.data.shape[1:])
        return (
            f"{type(self).__name__}({len(self)} images of {shape}, {len(set(self.classes)) or '?'} classes)"
        )


class DatasetFileError(ValueError):
    """A dataset file that cannot be read or holds the wrong thing; the message names the file and the fix."""


def check_labels(labels: np.ndarray, num_classes: int, name: str, where: str) -> np.ndarray:
    """``labels`` as int64 if every one is in ``0 … num_classes - 1``; else a :class:`DatasetFileError`."""
    whole = labels.dtype.kind in "iu" or (labels.dtype.kind == "f" and bool(np.all(np.mod(labels, 1) == 0)))
    if not whole or labels.ndim != 1:
        raise DatasetFileError(
            f"{name}: {where} holds labels {labels.dtype} {labels.shape}; expected whole numbers (N,)"
        )
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)]
        raise DatasetFileError(
            f"{name}: {where} has {bad.size} labels outside 0–{num_classes - 1} (e.g. {int(bad[0])}); "
            f"the file is damaged or not {name}: delete it and download or prepare it again"
        )
    return labels


def load_npz_split(
    path, train: bool, name: str, image_shape: tuple[int, ...], num_classes: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """``x_train, y_train`` (or ``x_test, y_test``) from a prepared ``.npz``, checked; never unpickles.

    Checks: both arrays present, images ``uint8 (N, *image_shape)``, labels
    integers ``(N,)`` in ``0 … num_classes - 1``. A truncated or damaged file
    (a bad zip, a CRC error, a short entry) raises :class:`DatasetFileError`
    naming the dataset and the file; the file is closed either way.
    """
    split = "train" if train else "test"
    wanted = (f"x_{split}", f"y_{split}")
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as archive:
            missing = [k for k in wanted if k not in archive.files]
            if not missing:
                images, labels = archive[wanted[0]], archive[wanted[1]]
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetFileError(
            f"{name}: {path} is not a readable .npz ({type(error).__name__}: {error}); it is truncated or "
            "damaged: delete it and prepare or download it again"
        ) from None
    if missing:
        raise DatasetFileError(
            f"{name}: {path} lacks {missing}; it must hold x_train, y_train, x_test, y_test"
        )
    if images.dtype != np.uint8 or images.shape[1:] != image_shape or len(images) != len(labels):
        raise DatasetFileError(
            f"{name}: {path} has x_{split} {images.dtype} {images.shape} and y_{split} "
            f"{labels.shape}; expected uint8 (N, {', '.join(map(str, image_shape))}) and (N,)"
        )
    return images, check_labels(labels, num_classes, name, f"{path} (y_{split})")
