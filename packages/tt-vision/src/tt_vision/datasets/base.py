"""``VisionDataset``: a whole image set held as two arrays, batched by one fancy-indexing operation.

Images stay as the raw ``uint8`` array they were read as (``data``: ``(N, H, W)``
for grey, ``(N, H, W, C)`` for colour, as torchvision keeps them) and labels
as an ``int64`` array (``targets``). A batch is made in one go: index both
arrays with the batch's indices, scale to ``float32`` in ``[0, 1]`` as
``(B, C, H, W)`` (one pass), then apply the ``transform`` to the *whole
batch*. The DataLoader of tt-optim calls :meth:`get_batch` when a dataset has
it, so an epoch of CIFAR-10 costs ~400 NumPy calls, not 50,000 Python ones.

A sample fetched alone (``dataset[i]``) goes through the same path as a
batch of one, so a transform sees ``(1, C, H, W)`` either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_optim.data import Dataset

SCALE = np.float32(1 / 255)


def to_float_images(raw: np.ndarray, scale: np.float32 = SCALE) -> np.ndarray:
    """``uint8`` images (B, H, W) or (B, H, W, C) → float32 (B, C, H, W) in [0, 1], in one pass.

    The result is C-contiguous NCHW: with only 3 channels, a channels-last
    batch would make every later element-wise pass (flip, normalise) run
    inner loops 3 elements long.
    """
    # BEGIN SOLUTION 08
    chw = raw[:, None] if raw.ndim == 3 else raw.transpose(0, 3, 1, 2)
    out = np.empty(chw.shape, dtype=np.float32)
    np.multiply(chw, scale, out=out)
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

    def __len__(self) -> int:
        return len(self.data)

    def get_batch(self, indices: Any) -> list[Tensor]:
        """``[images (B, C, H, W) float32, labels (B,) int64]`` for an integer array (or slice) of indices."""
        images = Tensor._from_array(to_float_images(self.data[indices], self.scale))
        labels = Tensor._from_array(self.targets[indices])
        if self.transform is not None:
            images = self.transform(images)
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
        return images[0], (int(label._array) if isinstance(label, Tensor) and label.ndim == 0 else label)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __repr__(self) -> str:
        shape = "×".join(str(s) for s in self.data.shape[1:])
        return (
            f"{type(self).__name__}({len(self)} images of {shape}, {len(set(self.classes)) or '?'} classes)"
        )


def load_npz_split(
    path, train: bool, name: str, image_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """``x_train, y_train`` (or ``x_test, y_test``) from a prepared ``.npz``, checked; never unpickles."""
    split = "train" if train else "test"
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in (f"x_{split}", f"y_{split}") if k not in archive.files]
            if missing:
                raise ValueError(
                    f"{name}: {path} lacks {missing}; it must hold x_train, y_train, x_test, y_test"
                )
            images, labels = archive[f"x_{split}"], archive[f"y_{split}"]
    except (OSError, EOFError) as error:
        raise ValueError(f"{name}: {path} is not a readable .npz ({error})") from None
    if images.dtype != np.uint8 or images.shape[1:] != image_shape or len(images) != len(labels):
        raise ValueError(
            f"{name}: {path} has x_{split} {images.dtype} {images.shape} and y_{split} "
            f"{labels.shape}; expected uint8 (N, {', '.join(map(str, image_shape))}) and (N,)"
        )
    return images, labels.astype(np.int64)
