"""``make_grid`` and ``save_image``: a batch of images as one picture, like torchvision.utils.

``make_grid`` lays ``B`` images ``(C, H, W)`` out in rows of ``nrow``, with
``padding`` pixels of ``pad_value`` around each, in one reshape: the images
(and ``pad_value`` blanks filling the last row) are padded on their bottom
and right, arranged as ``(rows, nrow, C, H + p, W + p)``, transposed to
``(C, rows, H + p, nrow, W + p)`` and flattened into the grid, whose top and
left border adds the last ``p``. Cost: two copies of the batch.

These are for looking at data: the result is a plain tensor, not recorded
for gradients (torchvision's is differentiable; a picture seldom needs it).
"""

from __future__ import annotations

import os

import numpy as np
import tt_tensor
from tt_autograd import Tensor

from ..io import encode_png, write_png


def _batch_array(tensor: object) -> np.ndarray:
    """A tensor or a list of same-shaped tensors as one array; a clear error for anything else."""
    if isinstance(tensor, tt_tensor.Tensor):
        return tensor.array
    if isinstance(tensor, list) and tensor and all(isinstance(t, tt_tensor.Tensor) for t in tensor):
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) != 1:
            raise ValueError(f"make_grid: the images in the list have different shapes {sorted(shapes)}")
        return np.stack([t.array for t in tensor])
    got = (
        type(tensor).__name__
        if not isinstance(tensor, list)
        else "a list of " + ", ".join(sorted({type(t).__name__ for t in tensor}) or ["nothing"])
    )
    raise TypeError(f"make_grid: expects a tensor or a list of tensors, got {got}")


def make_grid(
    tensor: object,
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """One image of a batch of images laid out in a grid.

    Args:
        tensor: images ``(B, C, H, W)``, one image ``(C, H, W)`` or ``(H, W)``, or a list of ``(C, H, W)``.
            One-channel images are repeated to three.
        nrow: images per row (the grid has ``ceil(B / nrow)`` rows).
        padding: pixels between images and around the grid.
        normalize: shift and scale to ``[0, 1]`` by ``value_range``, else by the min and max.
        value_range: ``(low, high)`` for ``normalize``; values are clamped to it first.
        scale_each: with ``normalize``, each image by its own min and max.
        pad_value: the padding's value.

    Shape:
        ``(C, rows · (H + padding) + padding, min(nrow, B) · (W + padding) + padding)``;
        a batch of one comes back as that image, unpadded (as torchvision).

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(make_grid(autograd.rand(10, 3, 8, 8), nrow=4).shape)
        (3, 32, 42)
    """
    images = _batch_array(tensor)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(
            f"make_grid: expects (B, C, H, W), (C, H, W) or (H, W) images, got shape {images.shape}"
        )
    if images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    if normalize:
        images = _normalized(images, value_range, scale_each)
    if len(images) == 1:
        return Tensor.from_array(np.array(images[0]))
    count, channels, height, width = images.shape
    across = min(nrow, count)
    down = -(-count // across)
    cells = np.full(
        (down * across, channels, height + padding, width + padding), pad_value, dtype=images.dtype
    )
    cells[:count, :, :height, :width] = images
    tiled = cells.reshape(down, across, channels, height + padding, width + padding).transpose(2, 0, 3, 1, 4)
    grid = np.full(
        (channels, down * (height + padding) + padding, across * (width + padding) + padding),
        pad_value,
        dtype=images.dtype,
    )
    grid[:, padding:, padding:] = tiled.reshape(
        channels, down * (height + padding), across * (width + padding)
    )
    return Tensor.from_array(grid)


def _normalized(images: np.ndarray, value_range: tuple | None, scale_each: bool) -> np.ndarray:
    """``images`` clamped to ``value_range`` (or their min/max) and mapped to ``[0, 1]``; a new array."""
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError(f"make_grid: value_range must be a tuple (min, max), got {value_range!r}")
    axes = (1, 2, 3) if scale_each else None
    if value_range is not None:
        low = np.asarray(value_range[0], dtype=images.dtype)
        high = np.asarray(value_range[1], dtype=images.dtype)
    else:
        low = images.min(axis=axes, keepdims=True)
        high = images.max(axis=axes, keepdims=True)
    span = np.maximum(high - low, np.asarray(1e-5, dtype=images.dtype))
    return (np.clip(images, low, high) - low) / span


def save_image(tensor: object, fp: object, format: str | None = None, **kwargs) -> None:
    """Save an image, or a batch as a :func:`make_grid`, to a PNG file.

    Values in ``[0, 1]`` become ``uint8`` as torchvision does (``x · 255 + 0.5``,
    clamped, truncated). Only PNG is written (NumPy and ``zlib`` only): a path
    must end in ``.png`` (or ``format="png"``); a path is written atomically,
    a file object gets the bytes.

    Args:
        tensor: what :func:`make_grid` accepts.
        fp: a path, or a binary file object (then give ``format="png"``).
        format: ``"png"`` or ``None`` (from the file name).
        **kwargs: :func:`make_grid`'s options.
    """
    name = os.fspath(fp) if isinstance(fp, (str, os.PathLike)) else None
    wanted = (format or (os.path.splitext(name)[1][1:] if name is not None else "")).lower()
    if wanted != "png":
        raise ValueError(
            f"save_image: writes PNG only (TinyTorch's runtime needs only NumPy), got "
            f"{'format ' + repr(format) if format else repr(name or fp)}; "
            "save to a '.png' name or pass format='png'"
        )
    grid = make_grid(tensor, **kwargs).array
    pixels = np.clip(grid * np.asarray(255, grid.dtype) + np.asarray(0.5, grid.dtype), 0, 255).astype(
        np.uint8
    )
    if name is not None:
        write_png(pixels, name)
    elif hasattr(fp, "write"):
        fp.write(encode_png(pixels).numpy().tobytes())
    else:
        raise TypeError(f"save_image: fp must be a path or a binary file object, got {type(fp).__name__}")
