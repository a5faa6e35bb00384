"""Drawing on images, like torchvision.utils: boxes, segmentation masks and keypoints.

Images are ``(C, H, W)`` tensors, ``uint8`` (0–255) or float (0–1; drawn on
as ``uint8`` and converted back, as torchvision). Each shape is painted as a
boolean mask over the image (:mod:`.raster`: Pillow's pixels for rectangles,
discs and lines), one NumPy step per object: no Python loop over pixels.
A ``fill`` is blended at alpha 100/255 with Pillow's integer arithmetic;
segmentation masks are blended in float32 as torchvision does. Text labels
need a font renderer, which NumPy lacks: ``labels`` are refused.
"""

from __future__ import annotations

import warnings

import numpy as np
import tt_tensor
from tt_autograd import Tensor

from ..transforms_dtype import convert_image_dtype
from .colors import parse_color, parse_colors
from .raster import disc, rectangle_outline, thin_line, wide_line


def _image_array(image: object, operation: str, channels: tuple[int, ...]) -> np.ndarray:
    """The image's array, checked: a tensor ``(C, H, W)``, ``uint8`` or float, ``C`` in ``channels``."""
    if not isinstance(image, tt_tensor.Tensor):
        raise TypeError(f"{operation}: the image must be a tensor, got {type(image).__name__}")
    array = image.array
    if not (array.dtype == np.uint8 or array.dtype.kind == "f"):
        raise ValueError(f"{operation}: the image dtype must be uint8 or float, got {array.dtype}")
    if array.ndim != 3:
        raise ValueError(f"{operation}: pass one image (C, H, W), not shape {array.shape}")
    if array.shape[0] not in channels:
        raise ValueError(
            f"{operation}: the image must have {' or '.join(map(str, channels))} channels, "
            f"got {array.shape[0]}"
        )
    return array


def _as_uint8(array: np.ndarray) -> np.ndarray:
    return array if array.dtype == np.uint8 else convert_image_dtype(array, np.uint8)


def _restore(out: np.ndarray, dtype: np.dtype) -> Tensor:
    """The drawn ``uint8`` canvas in the image's dtype: floats as ``x · (1 / 255)`` (as to_dtype)."""
    if dtype == np.uint8:
        return Tensor.from_array(out)
    return Tensor.from_array(out.astype(dtype) * dtype.type(1 / 255))


def _values(data: object) -> np.ndarray:
    return data.array if isinstance(data, tt_tensor.Tensor) else np.asarray(data)


def draw_bounding_boxes(
    image: object,
    boxes: object,
    labels: list[str] | None = None,
    colors: object = None,
    fill: bool = False,
    width: int = 1,
    font: str | None = None,
    font_size: int | None = None,
) -> Tensor:
    """Draw boxes ``(xmin, ymin, xmax, ymax)`` on an image; grey images come back RGB.

    Args:
        image: ``(1 or 3, H, W)``, ``uint8`` or float in [0, 1].
        boxes: ``(N, 4)`` absolute pixel corners, ``xmin <= xmax`` and ``ymin <= ymax``
            (truncated to integers; corners outside the image are clipped).
        labels: not supported (needs a font); must be ``None``.
        colors: a colour or a list of colours (names, ``"#rrggbb"``, RGB tuples); default: a palette.
        fill: also fill each box with its colour at alpha 100/255.
        width: the outline's width in pixels, drawn inward from the corners.
        font, font_size: accepted for torchvision's signature; only ``None``.

    Returns:
        ``(3, H, W)`` of the image's dtype. Cost: ``O(N · box area)``.

    Example:
        >>> from tt_autograd import Tensor
        >>> image = Tensor.from_array(np.zeros((3, 6, 6), np.uint8))
        >>> out = draw_bounding_boxes(image, np.array([[1, 1, 4, 4]]), colors="red")
        >>> out.numpy()[0, 1].tolist()
        [0, 255, 255, 255, 255, 0]
    """
    array = _image_array(image, "draw_bounding_boxes", (1, 3))
    corners = _values(boxes)
    if labels is not None or font is not None or font_size is not None:
        raise NotImplementedError(
            "draw_bounding_boxes: labels need a font renderer, which TinyTorch (NumPy only) does not have; "
            "pass labels=None and draw the text with another library if you need it"
        )
    if corners.ndim != 2 or corners.shape[1] != 4:
        raise ValueError(
            "draw_bounding_boxes: boxes must be (N, 4) as (xmin, ymin, xmax, ymax), "
            f"got shape {corners.shape}"
            + (
                "; rotated (N, 8) boxes are not supported"
                if corners.ndim == 2 and corners.shape[1] == 8
                else ""
            )
        )
    if np.any(corners[:, 0] > corners[:, 2]) or np.any(corners[:, 1] > corners[:, 3]):
        raise ValueError(
            "draw_bounding_boxes: boxes need to be in (xmin, ymin, xmax, ymax) format with min <= max; "
            "convert (x, y, w, h) or (cx, cy, w, h) boxes first"
        )
    if len(corners) == 0:
        warnings.warn("draw_bounding_boxes: boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    palette = parse_colors(colors, len(corners), "draw_bounding_boxes")
    canvas = _as_uint8(array)
    canvas = np.repeat(canvas, 3, axis=0) if canvas.shape[0] == 1 else canvas.copy()
    height, width_px = canvas.shape[1:]
    for (x0, y0, x1, y1), colour in zip(corners.astype(np.int64).tolist(), palette):
        region = (
            slice(max(y0, 0), max(min(y1 + 1, height), 0)),
            slice(max(x0, 0), max(min(x1 + 1, width_px), 0)),
        )
        if fill:  # Pillow's blend of an RGBA ink, alpha 100, over the whole box
            mixed = canvas[:, region[0], region[1]].astype(np.int64) * 155 + colour[:, None, None] * 100 + 128
            canvas[:, region[0], region[1]] = ((mixed >> 8) + mixed) >> 8  # Pillow's divide by 255
        if width > 0:
            canvas[:, rectangle_outline(x0, y0, x1, y1, width, (height, width_px))] = colour[:, None].astype(
                np.uint8
            )
    return _restore(canvas, array.dtype)


def draw_segmentation_masks(
    image: object, masks: object, alpha: float = 0.8, colors: object = None
) -> Tensor:
    """Blend boolean masks onto an RGB image: ``image · (1 − alpha) + painted · alpha``.

    Each mask paints its colour; a pixel under two or more masks is painted
    black (0), as torchvision does. The blend is computed in float32 and cast back
    (truncating, for ``uint8``).

    Args:
        image: ``(3, H, W)``, ``uint8`` or float in [0, 1].
        masks: ``bool (N, H, W)`` or ``(H, W)``.
        alpha: 0 (masks invisible) to 1 (masks opaque).
        colors: as for :func:`draw_bounding_boxes`.

    Returns:
        ``(3, H, W)`` of the image's dtype. Cost: ``O(N · H · W)``.
    """
    array = _image_array(image, "draw_segmentation_masks", (3,))
    masks = _values(masks)
    if masks.ndim == 2:
        masks = masks[None]
    if masks.ndim != 3:
        raise ValueError(
            f"draw_segmentation_masks: masks must be (H, W) or (N, H, W), got shape {masks.shape}"
        )
    if masks.dtype != np.bool_:
        raise ValueError(f"draw_segmentation_masks: the masks must be bool, got {masks.dtype}")
    if masks.shape[-2:] != array.shape[-2:]:
        raise ValueError(
            f"draw_segmentation_masks: masks {masks.shape} and image {array.shape} differ in height and width"
        )
    if len(masks) == 0:
        warnings.warn(
            "draw_segmentation_masks: masks doesn't contain any mask. No mask was drawn", stacklevel=2
        )
        return image
    palette = parse_colors(colors, len(masks), "draw_segmentation_masks").astype(np.float64)
    if array.dtype.kind == "f":
        palette = palette / 255
    palette = palette.astype(array.dtype)
    painted = array.copy()
    covered = masks.any(axis=0)
    last = len(masks) - 1 - np.argmax(masks[::-1], axis=0)  # the last mask over each pixel paints it
    painted[:, covered] = palette[last[covered]].T
    painted[:, masks.sum(axis=0) > 1] = 0
    blend = array.astype(np.float32) * np.float32(1 - alpha) + painted.astype(np.float32) * np.float32(alpha)
    return Tensor.from_array(blend.astype(array.dtype))


def draw_keypoints(
    image: object,
    keypoints: object,
    connectivity: list[tuple[int, int]] | None = None,
    colors: object = None,
    radius: int = 2,
    width: int = 3,
    visibility: object = None,
) -> Tensor:
    """Draw keypoints as filled discs and, for ``connectivity`` pairs, lines between them (white).

    Args:
        image: ``(3, H, W)``, ``uint8`` or float in [0, 1].
        keypoints: ``(N, K, 2)`` as ``(x, y)``, truncated to integers.
        connectivity: pairs of keypoint indices to join with a line.
        colors: one colour for the discs (default white, as Pillow's default ink).
        radius: the discs' radius in pixels.
        width: the lines' width in pixels.
        visibility: ``bool (N, K)``; an invisible keypoint and its lines are not drawn.

    Returns:
        ``(3, H, W)`` of the image's dtype. Cost: ``O(N · (K · radius² + lines · H · W))``.
    """
    array = _image_array(image, "draw_keypoints", (3,))
    points = _values(keypoints)
    if points.ndim != 3 or points.shape[-1] != 2:
        raise ValueError(f"draw_keypoints: keypoints must be (num_instances, K, 2), got shape {points.shape}")
    shown = np.ones(points.shape[:2], bool) if visibility is None else _values(visibility).astype(bool)
    if shown.ndim == 3:
        shown = shown[..., 0]
    if shown.shape != points.shape[:2]:
        raise ValueError(
            f"draw_keypoints: visibility must be (num_instances, K) = {points.shape[:2]}, got {shown.shape}"
        )
    disc_colour = np.array(
        parse_color(colors, "draw_keypoints") if colors is not None else (255, 255, 255), np.uint8
    )
    canvas = _as_uint8(array).copy()
    rows, cols = np.indices(canvas.shape[1:])
    points = points.astype(np.int64)
    for instance, visible in zip(points, shown):
        for x, y in instance[visible].tolist():
            canvas[:, disc(x, y, radius, rows, cols)] = disc_colour[:, None]
        for start, end in connectivity or []:
            if visible[start] and visible[end]:
                ends = tuple(instance[start].tolist()), tuple(instance[end].tolist())
                line = thin_line(*ends, rows.shape) if width <= 1 else wide_line(*ends, width, rows.shape)
                canvas[:, line] = 255
    return _restore(canvas, array.dtype)
