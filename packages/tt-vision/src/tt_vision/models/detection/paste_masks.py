"""Mask R-CNN's masks pasted into whole images, as torchvision's ``roi_heads`` helpers.

A detection's mask is an ``M × M`` grid of probabilities over its box. To place it in an image of
``(H, W)`` pixels, torchvision (and this module):

1. pads every mask with ``padding`` zeros on each side (:func:`expand_masks`), so that the mask
   fades to zero at the box's edge instead of stopping at full strength, and grows each box about
   its centre by the same factor ``s = (M + 2·padding) / M`` (:func:`expand_boxes`), in the boxes'
   dtype, then truncates the corners towards zero to integers ``(x0, y0, x1, y1)``;
2. resizes each padded mask bilinearly (``align_corners=False``, no antialiasing) to the box's
   ``(y1 - y0 + 1) × (x1 - x0 + 1)`` pixels (at least 1 × 1): a resized pixel ``j`` samples the
   padded mask at ``max((j + 0.5) · P / L - 0.5, 0)`` for ``P`` mask cells over ``L`` pixels;
3. writes the resized mask at rows ``y0..y1`` and columns ``x0..x1`` of a zero image, the parts
   outside the image cut off.

torchvision loops over the masks, each with its own ``interpolate``. Here the resizing and the
pasting are one product per mask, batched over all of them: ``A_y @ mask @ A_xᵀ``, where row ``y``
of ``A_y`` ``(H, P)`` holds the two bilinear weights of image row ``y`` (zero outside the box) and
``A_x`` ``(W, P)`` likewise for the columns. The numbers are torchvision's up to float rounding
(the weights are computed in the same float precision and order; the sums are associated
differently). A box lying wholly left of or above the image pastes nothing (torchvision's slices
then wrap around or fail).

Cost: ``O(N · H · W · P)`` multiply-adds for ``N`` masks into an ``H × W`` image (the ``A_y @ mask``
step, ``O(N · H · P²)``, is smaller), and ``N · H · W`` outputs; no loop over masks or pixels.
Differentiable w.r.t. the masks (the boxes only choose the weights).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn.functional as F
from tt_autograd import Tensor

__all__ = ["expand_boxes", "expand_masks", "paste_masks_in_image"]


def box_values(boxes: Tensor) -> np.ndarray:
    """The boxes as a NumPy array in their float dtype (integer boxes as float32, torch's default)."""
    values = boxes.detach().numpy()
    return values if values.dtype.kind == "f" else values.astype(np.float32)


def expand_boxes(boxes: Tensor, scale: float) -> Tensor:
    """``(N, 4)`` ``'xyxy'`` boxes grown by ``scale`` about their centres, in the boxes' float dtype.

    Each half-width and half-height is ``(x1 - x0) · 0.5 · scale`` (in that order, in the boxes'
    precision, as torchvision: the corners are truncated to integers next, so the rounding counts).
    """
    values = box_values(boxes)
    dtype = values.dtype.type
    half_w = (values[:, 2] - values[:, 0]) * dtype(0.5) * dtype(scale)
    half_h = (values[:, 3] - values[:, 1]) * dtype(0.5) * dtype(scale)
    centre_x = (values[:, 2] + values[:, 0]) * dtype(0.5)
    centre_y = (values[:, 3] + values[:, 1]) * dtype(0.5)
    grown = np.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], axis=1)
    return autograd.tensor(grown)


def expand_masks(mask: Tensor, padding: int) -> tuple[Tensor, float]:
    """``(..., M_h, M)`` masks padded with ``padding`` zeros on each side, and ``(M + 2·padding) / M``
    (the factor by which the boxes must grow to keep each mask cell the same size)."""
    size = mask.shape[-1]
    return F.pad(mask, (padding,) * 4), float(size + 2 * padding) / size


def axis_weights(starts: np.ndarray, ends: np.ndarray, image_size: int, cells: int, dtype) -> np.ndarray:
    """``(N, image_size, cells)``: image pixel ``i``'s bilinear weights over the ``cells`` mask cells
    of each box spanning pixels ``starts .. ends`` (integers, inclusive) on this axis; zero rows outside.

    The box is ``L = max(ends - starts + 1, 1)`` pixels; pixel ``i`` is the box's ``j = i - starts``
    and samples ``s = max((j + 0.5) · cells / L - 0.5, 0)`` (PyTorch's ``align_corners=False`` rule,
    in ``dtype``): ``1 - λ`` to cell ``floor(s)``, ``λ = s - floor(s)`` to the next one (the same
    cell at the last). Inside the box ``s < cells - 1/2``, so ``floor(s)`` never passes the last
    cell (PyTorch's clamp to it does nothing here); outside, the weights are zeroed.
    """
    pixels = np.arange(image_size)
    lengths = np.maximum(ends - starts + 1, 1)  # a degenerate box: no division by zero (no row is inside)
    scale = (dtype(cells) / lengths.astype(dtype))[:, None]
    offset = (pixels[None, :] - starts[:, None]).astype(dtype)
    source = np.maximum((offset + dtype(0.5)) * scale - dtype(0.5), dtype(0))
    low = np.floor(source).astype(np.int64)
    upper = source - low.astype(dtype)
    high = low + (low < cells - 1)
    inside = (pixels[None, :] >= starts[:, None]) & (pixels[None, :] <= ends[:, None])
    cell = np.arange(cells)
    weights = (cell == low[..., None]) * (1 - upper)[..., None] + (cell == high[..., None]) * upper[..., None]
    return (weights * inside[..., None]).astype(dtype)


def check_paste_inputs(masks: Tensor, boxes: Tensor, img_shape) -> None:
    """``ValueError`` unless ``masks`` is ``(N, 1, M_h, M_w)``, ``boxes`` ``(N, 4)`` and ``img_shape``
    two sizes; ``TypeError`` for integer masks."""
    if masks.ndim != 4 or masks.shape[1] != 1:
        raise ValueError(
            f"paste_masks_in_image: masks must be (N, 1, M, M), one mask per box, got {tuple(masks.shape)}; "
            "take one channel per detection (Mask R-CNN's masks for their own classes)"
        )
    if boxes.ndim != 2 or boxes.shape[1] != 4 or boxes.shape[0] != masks.shape[0]:
        raise ValueError(
            f"paste_masks_in_image: boxes must be (N, 4) 'xyxy' with N = {masks.shape[0]} (one per mask), "
            f"got {tuple(boxes.shape)}"
        )
    if len(img_shape) != 2:
        raise ValueError(f"paste_masks_in_image: img_shape must be (height, width), got {tuple(img_shape)!r}")
    if not masks.dtype.is_floating_point:
        raise TypeError(
            f"paste_masks_in_image: masks must be floating point (probabilities), got {masks.dtype}; "
            "convert them with .float()"
        )


def paste_masks_in_image(masks: Tensor, boxes: Tensor, img_shape, padding: int = 1) -> Tensor:
    """Each mask resized into its box of an image of ``img_shape`` pixels (module doc).

    Args:
        masks: ``(N, 1, M_h, M_w)`` floating point, e.g. Mask R-CNN's probabilities (``M = 28``).
        boxes: ``(N, 4)`` ``'xyxy'`` in the image's pixels, one per mask.
        img_shape: ``(H, W)``.
        padding: zero cells added on each side of the masks (the boxes grow to match).

    Returns ``(N, 1, H, W)`` in the masks' dtype, zero outside each (grown) box.

    Raises:
        ValueError: shapes other than these; TypeError: integer masks.

    Example (a constant mask fills its box, grown by one cell on each side: pixels -1..7, fading at the rim):
        >>> box = autograd.tensor([[1.0, 1.0, 5.0, 5.0]])
        >>> pasted = paste_masks_in_image(autograd.ones(1, 1, 2, 2), box, (8, 8))
        >>> [round(float(v), 3) for v in pasted[0, 0, 3]]
        [0.167, 0.611, 1.0, 1.0, 1.0, 0.611, 0.167, 0.0]
    """
    check_paste_inputs(masks, boxes, img_shape)
    height, width = (int(size) for size in img_shape)
    masks, scale = expand_masks(masks, padding)
    corners = np.trunc(expand_boxes(boxes, scale).numpy()).astype(np.int64)  # torch's .to(int64)
    dtype = masks.detach().numpy().dtype.type
    cells_y, cells_x = masks.shape[2:]
    rows = axis_weights(corners[:, 1], corners[:, 3], height, cells_y, dtype)
    columns = axis_weights(corners[:, 0], corners[:, 2], width, cells_x, dtype)
    pasted = autograd.tensor(rows) @ masks[:, 0] @ autograd.tensor(columns).transpose(1, 2)
    return pasted[:, None]
