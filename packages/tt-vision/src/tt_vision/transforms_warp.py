"""``rotate``, ``affine`` and ``perspective``: torchvision's warps, one matrix per image of a batch.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms.functional`, and used by
``RandomRotation`` / ``RandomAffine`` with a matrix drawn per image.

A warp maps each output pixel's centre back into the input and samples there: an affine warp
through a ``(2, 3)`` inverse matrix per image (torchvision's ``_get_inverse_affine_matrix``, in
pixel units about the image centre), a perspective one through 8 coefficients. The positions of
the whole batch, ``(B, oh, ow, 2)``, come from one batched matrix product, and one call of
tt-vision's ``grid_sample`` (``'nearest'`` or ``'bilinear'``, zeros outside,
``align_corners=False``) reads them, as torchvision's tensor backend does. For a ``fill`` colour
torchvision samples an extra all-ones channel, which comes back below 1 where a sample falls
partly outside the image, and blends the fill in by it (``'bilinear'``) or puts it where it is
below ½ (``'nearest'``); here that channel's values come from the grid itself
(:func:`inside_share`, the nearest gather's inside test), so only ``C`` channels are sampled.
Integer images are warped in float32, then rounded (halves to even, as ``torch.round``) and
clamped into their dtype (torchvision casts without clamping; the two differ only for a fill
outside the dtype's range).

Cost: ``O(B · oh · ow · C · taps)``, taps 1 (nearest) or 4 (bilinear), plus ``O(B · oh · ow)`` for a fill.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tt_autograd import Tensor, no_grad

from .functional import grid_sample
from .grid_sample_taps import axis_weights, tap_product, unnormalize
from .transforms import _unwrap, _wrap
from .transforms_geometry import round_into

#: The interpolation modes a warp takes (torchvision's tensor backend: nearest and bilinear).
WARP_MODES = ("nearest", "bilinear")


def warp_mode(op: str, interpolation) -> str:
    """``interpolation`` (a string or an ``InterpolationMode``) as a mode :func:`warp` takes."""
    mode = getattr(interpolation, "value", interpolation)
    if mode not in WARP_MODES:
        raise ValueError(
            f"{op}: interpolation must be 'nearest' or 'bilinear' for a warp, got {interpolation!r}"
        )
    return mode


def inverse_affine_matrices(center, angle, translate, scale, shear) -> np.ndarray:
    """The ``(B, 2, 3)`` float64 matrices taking output pixels back to input pixels.

    torchvision's ``_get_inverse_affine_matrix(center, angle, translate, scale, shear)``, for
    ``B`` parameter sets at once: ``angle`` ``(B,)`` degrees (clockwise), ``translate`` ``(B, 2)``
    pixels, ``scale`` ``(B,)``, ``shear`` ``(B, 2)`` degrees, ``center`` ``(2,)`` or ``(B, 2)``,
    all in pixels relative to the image centre. The forward map is
    ``T · C · R(angle) · S(scale) · SHy · SHx · C⁻¹``; this is its inverse.
    """
    rot, shear = np.radians(np.asarray(angle, float)), np.radians(np.asarray(shear, float))
    sx, sy = shear[..., 0], shear[..., 1]
    center, translate = np.asarray(center, float), np.asarray(translate, float)
    cx, cy, tx, ty = center[..., 0], center[..., 1], translate[..., 0], translate[..., 1]
    a = np.cos(rot - sy) / np.cos(sy)
    b = -np.cos(rot - sy) * np.tan(sx) / np.cos(sy) - np.sin(rot)
    c = np.sin(rot - sy) / np.cos(sy)
    d = -np.sin(rot - sy) * np.tan(sx) / np.cos(sy) + np.cos(rot)
    m0, m1, m3, m4 = d / scale, -b / scale, -c / scale, a / scale  # det [[a, b], [c, d]] = 1
    m2 = m0 * (-cx - tx) + m1 * (-cy - ty) + cx
    m5 = m3 * (-cx - tx) + m4 * (-cy - ty) + cy
    entries = np.broadcast_arrays(m0, m1, m2, m3, m4, m5)
    return np.stack(entries, axis=-1).reshape(*entries[0].shape, 2, 3)


def affine_grid_pixels(matrices: np.ndarray, size: tuple[int, int], out_size: tuple[int, int]) -> np.ndarray:
    """The ``(B, oh, ow, 2)`` normalised sampling grid of ``(B, 2, 3)`` inverse matrices.

    torchvision's ``_gen_affine_grid``: output pixel centres relative to the output's centre,
    through the matrix, divided by half the input size (so ±1 are the input's outer edges).
    Computed in the matrices' dtype, as torchvision computes it in the image's.
    """
    (h, w), (oh, ow), dtype = size, out_size, matrices.dtype
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=dtype)[None, None, :, None]
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=dtype)[None, :, None, None]
    rescaled = matrices.transpose(0, 2, 1) / np.array([0.5 * w, 0.5 * h], dtype)  # (B, 3, 2)
    rescaled = rescaled[:, None, None]  # (B, 1, 1, 3, 2)
    # x·r0 + y·r1 + r2, summed in this order: PyTorch's bmm order, so nearest sampling breaks ties alike
    return xs * rescaled[..., 0, :] + ys * rescaled[..., 1, :] + rescaled[..., 2, :]


def warp(images: object, grid: np.ndarray, mode: str, fill, op: str) -> object:
    """Sample images ``(B, C, H, W)`` or ``(C, H, W)`` at ``grid`` ``(B or 1, oh, ow, 2)``, with ``fill``."""
    array, is_tensor, single = _unwrap(images)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{op}: images must be float or integer, got {array.dtype}")
    b, channels = array.shape[:2]
    fills = None if fill is None else np.atleast_1d(np.asarray(fill, np.float64))
    if fills is not None and len(fills) not in (1, channels):
        raise ValueError(
            f"{op}: fill has {len(fills)} values for images with {channels} channels; give 1 or {channels}"
        )
    dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)
    values = array.astype(dtype, copy=False)
    if mode == "nearest" and fills is not None and not fills.any():
        fills = None  # nearest reads 0 outside anyway: a zero fill needs no blend (the default's case)
    grid = np.broadcast_to(given := grid.astype(dtype, copy=False), (b, *grid.shape[1:]))
    if mode == "nearest":
        out, inside = _nearest(values, grid)
    else:
        with no_grad():
            sampled = grid_sample(
                Tensor.from_array(values), Tensor.from_array(np.ascontiguousarray(grid)), mode
            )
        out = sampled.array
        inside = None if fills is None else inside_share(given, *array.shape[2:], dtype)  # (1 or B, ...)
    if fills is not None:
        colour = fills.astype(dtype).reshape(1, -1, 1, 1)
        if mode == "nearest":  # torchvision's ones channel read by nearest is 0 or 1 (it tests < ½)
            out = np.where(inside, out, colour)
        else:
            out = out * inside + (1.0 - inside) * colour
    return _wrap(np.ascontiguousarray(round_into(out, array.dtype), dtype=array.dtype), is_tensor, single)


def _nearest(values: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``grid_sample(values, grid, 'nearest')``, positions unnormalised in the grid's dtype (float32),
    and ``(B, 1, oh, ow)`` whether each point read a pixel (False outside, or NaN).

    As PyTorch's CPU kernel does: a point landing exactly on a half pixel in float32 rounds to
    even there, where a float64 position (``grid_sample``'s) may sit just past the half. One
    gather per image of flat pixel indices, outside points reading a zero slot past the pixels.
    """
    b, c, h, w = values.shape
    x = np.rint(((grid[..., 0] + 1) * w - 1) / 2)
    y = np.rint(((grid[..., 1] + 1) * h - 1) / 2)
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)  # False for NaN too
    with np.errstate(invalid="ignore"):  # (NaN: a perspective's points at infinity, read the zero slot)
        flat = np.where(inside, y * w + x, h * w)
    index = flat.astype(np.intp).reshape(b, 1, grid.shape[1] * grid.shape[2])
    pixels = np.concatenate([values.reshape(b, c, h * w), np.zeros((b, c, 1), values.dtype)], axis=2)
    out = np.take_along_axis(pixels, np.broadcast_to(index, (b, c, index.shape[2])), axis=2)
    return out.reshape(b, c, *grid.shape[1:3]), inside[:, None]


def inside_share(grid: np.ndarray, height: int, width: int, dtype) -> np.ndarray:
    """``(B, 1, oh, ow)``: the part of each bilinear sample's weight on pixels inside the image.

    What torchvision reads from its extra all-ones channel, found from the grid alone (zeros
    padding, ``align_corners=False``): per axis ``grid_sample``'s two taps' weights ``1 - t`` and
    ``t`` (float64, cast to ``dtype`` as it casts them), each times whether its pixel is inside;
    the 4 products summed in its tap order. NaN where the position is NaN, as the channel is.
    Cost: ``O(B · oh · ow)``, against a channel more gathered per tap.
    """
    per_axis = []
    with np.errstate(invalid="ignore"):  # NaN or infinite points: NaN weights, as grid_sample's
        for axis, size in enumerate((width, height)):
            position = unnormalize(grid[..., axis].astype(np.float64), size, align_corners=False)[0]
            low = np.floor(position)
            inside = ((low >= 0) & (low <= size - 1), (low >= -1) & (low <= size - 2))
            weights = axis_weights(position - low, "bilinear")
            per_axis.append(np.stack([wt.astype(dtype) * i for wt, i in zip(weights, inside)]))
        taps = tap_product(per_axis)  # (4, B, oh, ow), x fastest
    return (((taps[0] + taps[1]) + taps[2]) + taps[3])[:, None]


def _centre_offset(op: str, center, height: int, width: int) -> list[float]:
    """A ``center`` in pixels from the top-left as an offset from the image centre (None: the centre)."""
    if center is None:
        return [0.0, 0.0]
    if not isinstance(center, Sequence) or len(center) != 2:
        raise ValueError(f"{op}: center must be (x, y) in pixels, got {center!r}")
    return [center[0] - width * 0.5, center[1] - height * 0.5]


def expanded_size(matrix: np.ndarray, height: int, width: int) -> tuple[int, int]:
    """``(h, w)`` that holds the whole image warped by one inverse ``matrix`` (rotate's ``expand``).

    torchvision's ``_compute_affine_output_size``: the corners through the matrix, their span
    rounded outwards after truncating to 1e-4 (so 1e-15 of rounding does not add a pixel).
    """
    corners = np.array(
        [
            [-0.5 * width, -0.5 * height, 1.0],
            [-0.5 * width, 0.5 * height, 1.0],
            [0.5 * width, 0.5 * height, 1.0],
            [0.5 * width, -0.5 * height, 1.0],
        ],
        np.float32,
    )
    points = corners @ matrix.astype(np.float32).T
    low = points.min(axis=0) + np.array([width * 0.5, height * 0.5], np.float32)
    high = points.max(axis=0) + np.array([width * 0.5, height * 0.5], np.float32)
    span = np.ceil(np.trunc(high / 1e-4) * 1e-4) - np.floor(np.trunc(low / 1e-4) * 1e-4)
    return int(span[1]), int(span[0])


def affine_images(
    images, angle, translate, scale, shear, mode="nearest", fill=None, center=None, op="affine"
):
    """Warp each image by its own parameters: ``angle`` ``(B,)``, ``translate`` ``(B, 2)``, ...."""
    height, width = np.shape(images.array if isinstance(images, Tensor) else images)[-2:]
    offset = _centre_offset(op, center, height, width)
    matrices = inverse_affine_matrices(offset, angle, translate, scale, shear).reshape(-1, 2, 3)
    dtype = np.float64 if _dtype_of(images) == np.float64 else np.float32
    grid = affine_grid_pixels(matrices.astype(dtype), (height, width), (height, width))
    return warp(images, grid, mode, fill, op)


def _dtype_of(images) -> np.dtype:
    return (images.array if isinstance(images, Tensor) else np.asarray(images)).dtype


def rotate(img, angle: float, interpolation="nearest", expand: bool = False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    torchvision's ``functional.rotate`` on tensors. ``expand=True`` grows the output to hold the
    whole rotated image (about the centre, as torchvision). ``fill``: the value (or one per
    channel) outside the image; None leaves zeros.

    Shape: ``(B, C, H, W)`` or ``(C, H, W)`` -> the same (``expand``: ``(.., H', W')``).
    """
    mode = warp_mode("rotate", interpolation)
    height, width = np.shape(img.array if isinstance(img, Tensor) else img)[-2:]
    offset = _centre_offset("rotate", center, height, width)
    matrix = inverse_affine_matrices(offset, -float(angle), (0.0, 0.0), 1.0, (0.0, 0.0))
    out_size = expanded_size(matrix, height, width) if expand else (height, width)
    dtype = np.float64 if _dtype_of(img) == np.float64 else np.float32
    grid = affine_grid_pixels(matrix.astype(dtype)[None], (height, width), out_size)
    return warp(img, grid, mode, fill, "rotate")


def affine(
    img, angle: float, translate, scale: float, shear, interpolation="nearest", fill=None, center=None
):
    """Rotate by ``angle`` (degrees, clockwise), scale, shear and translate, keeping the centre fixed.

    torchvision's ``functional.affine`` on tensors: ``translate`` ``(dx, dy)`` pixels after the
    rotation, ``scale`` > 0, ``shear`` one angle (along x) or ``(sx, sy)`` degrees.

    Shape: ``(B, C, H, W)`` or ``(C, H, W)`` -> the same.
    """
    mode = warp_mode("affine", interpolation)
    if not isinstance(translate, Sequence) or len(translate) != 2:
        raise ValueError(f"affine: translate must be (dx, dy) in pixels, got {translate!r}")
    if not scale > 0:
        raise ValueError(f"affine: scale must be positive, got {scale}")
    shear = [float(shear), 0.0] if np.isscalar(shear) else list(shear)
    shear = shear * 2 if len(shear) == 1 else shear
    if len(shear) != 2:
        raise ValueError(f"affine: shear must be one angle or (sx, sy) in degrees, got {shear!r}")
    return affine_images(img, float(angle), [float(t) for t in translate], scale, shear, mode, fill, center)


def perspective_coefficients(startpoints, endpoints) -> np.ndarray:
    """The 8 coefficients taking ``endpoints`` back to ``startpoints`` (four ``[x, y]`` corners each).

    torchvision's ``_get_perspective_coeffs``: the least-squares solution of the 8 × 8 system, in
    float64, rounded to float32. Output ``(x, y)`` reads input ``((a x + b y + c) / q, (d x + e y + f)
    / q)``, ``q = g x + h y + 1``. Batched: ``endpoints`` ``(B, 4, 2)`` (and ``startpoints`` ``(4, 2)``
    or ``(B, 4, 2)``) give ``(B, 8)``, solved together through the pseudo-inverse (the minimum-norm
    least-squares solution, as ``lstsq``'s, also for a degenerate quadrilateral).
    """
    start, end = np.asarray(startpoints, np.float64), np.asarray(endpoints, np.float64)
    if start.shape[-2:] != (4, 2) or end.shape[-2:] != (4, 2) or max(start.ndim, end.ndim) > 3:
        raise ValueError(
            f"perspective: startpoints and endpoints must be four [x, y] corners each, got shapes "
            f"{start.shape} and {end.shape}"
        )
    start, end = np.broadcast_arrays(start, end)
    x, y, u, v = end[..., 0], end[..., 1], start[..., 0], start[..., 1]  # (..., 4) each
    zeros, ones = np.zeros_like(x), np.ones_like(x)
    x_rows = np.stack([x, y, ones, zeros, zeros, zeros, -u * x, -u * y], axis=-1)  # (..., 4, 8)
    y_rows = np.stack([zeros, zeros, zeros, x, y, ones, -v * x, -v * y], axis=-1)
    rows = np.stack([x_rows, y_rows], axis=-2).reshape(*x.shape[:-1], 8, 8)  # rows 2i, 2i + 1: corner i
    solution = np.linalg.pinv(rows) @ start.reshape(*x.shape[:-1], 8, 1)
    return solution[..., 0].astype(np.float32)


def perspective_grid(coefficients: np.ndarray, height: int, width: int, dtype: type) -> np.ndarray:
    """The ``(B, H, W, 2)`` normalised sampling grid of ``(B, 8)`` perspective coefficients.

    torchvision's ``_perspective_grid``: each output pixel centre ``(x, y)`` goes through the
    coefficients and is divided by half the size (so ±1 are the outer edges).
    """
    coefficients = np.asarray(coefficients).reshape(-1, 8).astype(dtype)
    a, b, c, d, e, f, g, h = (coefficients[:, k, None, None, None] for k in range(8))
    half = np.array([0.5 * width, 0.5 * height], dtype)
    top0, top1, top2 = (np.concatenate(pair, axis=-1) / half for pair in ((a, d), (b, e), (c, f)))
    x = np.linspace(0.5, width - 0.5, width, dtype=dtype)[None, None, :, None]
    y = np.linspace(0.5, height - 0.5, height, dtype=dtype)[None, :, None, None]
    # x·r0 + y·r1 + r2, summed in this order (PyTorch's bmm order): nearest breaks ties as torchvision's
    numerator = x * top0 + y * top1 + top2  # (B, H, W, 2)
    denominator = x * g + y * h + dtype(1)  # (B, H, W, 1): one per point, shared by x and y
    with np.errstate(divide="ignore", invalid="ignore"):  # a point mapped to infinity reads NaN, as PyTorch's
        grid = np.divide(numerator, denominator, out=numerator)
    grid -= dtype(1)
    return grid


def perspective(img, startpoints, endpoints, interpolation="bilinear", fill=None):
    """Warp so the four ``startpoints`` corners (TL, TR, BR, BL, ``[x, y]`` pixels) land on ``endpoints``.

    torchvision's ``functional.perspective`` on tensors. Shape: ``(B, C, H, W)`` or ``(C, H, W)`` -> the same.
    """
    mode = warp_mode("perspective", interpolation)
    coefficients = perspective_coefficients(startpoints, endpoints)
    height, width = np.shape(img.array if isinstance(img, Tensor) else img)[-2:]
    dtype = np.float64 if _dtype_of(img) == np.float64 else np.float32
    return warp(img, perspective_grid(coefficients, height, width, dtype), mode, fill, "perspective")


def identity_grid(height: int, width: int, dtype: type = np.float32) -> np.ndarray:
    """``(1, H, W, 2)``: pixel centres as normalised ``(x, y)`` (torchvision's ``_create_identity_grid``)."""
    xs = np.linspace((1 - width) / width, (width - 1) / width, width, dtype=dtype)
    ys = np.linspace((1 - height) / height, (height - 1) / height, height, dtype=dtype)
    return np.stack(np.broadcast_arrays(xs[None, :], ys[:, None]), axis=-1)[None]


def elastic_transform(img, displacement, interpolation="bilinear", fill=None):
    """Move each pixel by ``displacement`` (normalised units): sample at the identity grid plus it.

    torchvision's ``functional.elastic_transform`` on tensors. Shape: images ``(B, C, H, W)`` or
    ``(C, H, W)``; ``displacement`` ``(1, H, W, 2)`` (torchvision's: one field for the batch) or,
    as an extension, ``(B, H, W, 2)``, one field per image (``ElasticTransform`` draws them so).
    """
    mode = warp_mode("elastic_transform", interpolation)
    field = displacement.array if isinstance(displacement, Tensor) else np.asarray(displacement)
    shape = np.shape(img.array if isinstance(img, Tensor) else img)
    batch = shape[0] if len(shape) == 4 else 1
    if field.ndim != 4 or field.shape[1:] != (*shape[-2:], 2) or field.shape[0] not in (1, batch):
        raise ValueError(
            f"elastic_transform: displacement must have shape (1, {shape[-2]}, {shape[-1]}, 2) (or one "
            f"field per image, ({batch}, {shape[-2]}, {shape[-1]}, 2)) for images of shape {shape}; "
            f"got {field.shape}"
        )
    dtype = np.float64 if _dtype_of(img) == np.float64 else np.float32
    grid = identity_grid(*shape[-2:], dtype) + field.astype(dtype, copy=False)
    return warp(img, grid, mode, fill, "elastic_transform")


def degrees_range(op: str, name: str, value, sizes=(2,)) -> list[float]:
    """torchvision's ``_setup_angle``: one number ``x`` -> ``[-x, x]``, else a sequence of ``sizes``."""
    if np.isscalar(value):
        if value < 0:
            raise ValueError(
                f"{op}: {name} as one number must be non-negative (the range [-x, x]), got {value}"
            )
        return [-float(value), float(value)]
    if not isinstance(value, Sequence) or len(value) not in sizes:
        raise ValueError(
            f"{op}: {name} must be a number or a sequence of {' or '.join(map(str, sizes))} values, "
            f"got {value!r}"
        )
    bounds = [float(v) for v in value]
    for low, high in zip(bounds[::2], bounds[1::2]):  # (a 4-value shear: an x range, then a y range)
        if low > high:
            raise ValueError(f"{op}: {name} must be (min, max) ranges, got {value!r}: {low} > {high}")
    return bounds


__all__ = ["affine", "elastic_transform", "perspective", "rotate"]
