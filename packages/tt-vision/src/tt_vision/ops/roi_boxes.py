"""The regions of interest that ``roi_align`` and ``roi_pool`` read, in torchvision's two forms.

A region is a box ``(x1, y1, x2, y2)`` in the input image's coordinates (the
feature map's times ``1 / spatial_scale``) and the index of the image of the
batch it belongs to. torchvision takes either one ``(K, 5)`` tensor whose rows are
``(batch index, x1, y1, x2, y2)``, or a list holding one ``(L, 4)`` tensor of boxes
per image (image ``i``'s boxes get batch index ``i``). Both come out of
:func:`regions` as the ``(K, 5)`` array.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Tensor

from .._layout import pair
from ..functional import _as_tensor


def regions(op: str, boxes: object, x: Tensor) -> np.ndarray:
    """``boxes`` (``(K, 5)``, or a list of ``(L, 4)``) as a ``(K, 5)`` array of ``x``'s dtype, checked.

    Errors name ``op``: a wrong shape, a dtype other than the input's (torchvision
    requires the same), or a batch index outside ``[0, N)``.
    """
    if isinstance(boxes, (list, tuple)):
        parts = [_as_tensor(op, b, "boxes") for b in boxes]
        for b in parts:
            if b.ndim != 2 or b.shape[1] != 4:
                raise ValueError(
                    f"{op}: each tensor of the boxes list must be (L, 4) = (x1, y1, x2, y2), got shape "
                    f"{tuple(b.shape)}"
                )
        dtypes = {b.dtype for b in parts}
        arrays = [
            np.concatenate([np.full((b.shape[0], 1), i, dtype=b.dtype.numpy), b.detach().numpy()], axis=1)
            for i, b in enumerate(parts)
        ]
        rois = np.concatenate(arrays) if arrays else np.zeros((0, 5), dtype=x.dtype.numpy)
    elif isinstance(boxes, Tensor):
        if boxes.ndim != 2 or boxes.shape[1] != 5:
            raise ValueError(
                f"{op}: the boxes tensor must be (K, 5) = (batch index, x1, y1, x2, y2), got shape "
                f"{tuple(boxes.shape)}; pass a list of (L, 4) tensors for boxes per image"
            )
        dtypes, rois = {boxes.dtype}, boxes.detach().numpy()
    else:
        raise TypeError(
            f"{op}: boxes must be a Tensor (K, 5) or a list of Tensor (L, 4), got {type(boxes).__name__}"
        )
    if dtypes - {x.dtype}:
        raise TypeError(
            f"{op}: boxes must have the input's dtype {x.dtype} (as in torchvision), "
            f"got {sorted(map(str, dtypes))}"
        )
    batch = rois[:, 0].astype(np.int64)
    if batch.size and (batch.min() < 0 or batch.max() >= x.shape[0]):
        raise ValueError(
            f"{op}: every box's batch index must be in [0, {x.shape[0]}) for an input of shape "
            f"{tuple(x.shape)}, got indices {sorted(set(batch.tolist()))[:8]}"
        )
    return rois


def feature_map(op: str, input: object) -> Tensor:  # noqa: A002
    """``input`` as a float ``(N, C, H, W)`` tensor, else an error naming ``op``."""
    x = _as_tensor(op, input)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be a 4-d (N, C, H, W) feature map, got shape {tuple(x.shape)}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a float tensor, got {x.dtype}")
    return x


def output_size_pair(op: str, output_size: object) -> tuple[int, int]:
    """``output_size`` (an int, or ``(height, width)``) as a pair of positive ints."""
    return pair(op, "output_size", output_size)


def channels_last_rows(x: np.ndarray) -> np.ndarray:
    """``(N, C, H, W)`` as ``(N·H·W, C)``: row ``n·H·W + y·W + x`` holds the C values of one pixel."""
    n, c, h, w = x.shape
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n * h * w, c)


def scattered_rows(rows: np.ndarray, shares: np.ndarray, count: int) -> np.ndarray:
    """Sum ``shares`` ``(..., C)`` into ``count`` rows of C values: ``(count, C)``, one ``np.bincount``.

    ``rows`` is ``(..., 1)`` (all channels of a share go to one row) or ``(..., C)`` (a row per channel).
    """
    c = shares.shape[-1]
    return scattered(rows * c + np.arange(c), shares, count * c).reshape(count, c)


def groups_by_key(*keys: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by equal ``keys`` (each ``(K,)``): one index array per distinct key tuple, in order.

    The RoI ops gather each group of regions of one size at once, so no region is padded to a
    larger one's size; a loop over the distinct sizes, not over the regions.
    """
    if not len(keys[0]):
        return []
    _, group = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
    group = group.ravel()
    return [np.flatnonzero(group == g) for g in range(group.max() + 1)]


def scattered(flat: np.ndarray, shares: np.ndarray, size: int) -> np.ndarray:
    """``size`` sums: ``shares`` added at the positions ``flat`` (broadcast to ``shares``' shape)."""
    flat = np.broadcast_to(flat, shares.shape).ravel()
    return np.bincount(flat, weights=shares.ravel(), minlength=size)


def as_feature_map(rows: np.ndarray, shape: tuple[int, int, int, int], dtype) -> np.ndarray:
    """``(N·H·W, C)`` rows back to an ``(N, C, H, W)`` array of ``dtype``."""
    n, c, h, w = shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2).astype(dtype)
