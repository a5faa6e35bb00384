"""torchvision's ``gaussian_blur`` and ``erase`` (``transforms.functional``), on a whole batch at once.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms_color_functional`. Images are
``(B, C, H, W)`` or one ``(C, H, W)``, a tensor or a NumPy array, float or ``uint8``; the result
is the same kind.

* :func:`gaussian_blur` is torchvision's kernel (``exp(−x² / 2σ²)`` at the integer offsets,
  normalised) over reflect padding, in the image's float dtype (float32 for ``uint8``, rounded
  back). It runs separably, along y then x, where torchvision convolves with the 2-D outer
  product: the same sums up to float32 rounding, so a ``uint8`` pixel whose value lands within
  rounding of ``.5`` can differ by one. Along an axis of ``n`` pixels and a kernel of ``k`` taps,
  either ``k`` shifted passes over the padded images, ``O(B · C · H · W · k)``, or, for
  ``n <= 24k`` (small images, wide kernels: ElasticTransform's fields), one batched product with
  each image's ``(n, n)`` matrix of the taps with the reflections folded in, ``O(B · C · H · W ·
  n)`` in BLAS (:func:`blur_matrices`). Extension: ``sigma`` may give one
  value (or one ``(σx, σy)`` pair) per image, shape ``(B,)`` or ``(B, 2)``; a sequence of one or two
  is torchvision's ``(σx, σy)``, so a batch of two takes its per-image values as ``(2, 2)``.
* :func:`erase` fills the rectangle ``[i : i + h, j : j + w]`` with ``v``. Extension: ``i``,
  ``j``, ``h``, ``w`` may be vectors of ``B``, one rectangle per image, filled through one mask
  (then ``v`` is a number, one value per channel ``(C,)``/``(C, 1, 1)``, or ``(B, C, 1, 1)``).
"""

from __future__ import annotations

import numpy as np
import tt_tensor

from .transforms import _unwrap, _wrap, pad_images


def _pair(value: object) -> list:
    return [value, value] if np.ndim(value) == 0 else list(value)


def _kernels(size: int, sigma: np.ndarray, dtype: type) -> np.ndarray:
    """``(B, size)`` normalised Gaussian weights at offsets ``−size // 2 … size // 2``, one row per σ."""
    offsets = np.linspace(-(size - 1) / 2, (size - 1) / 2, size).astype(dtype)
    pdf = np.exp(dtype(-0.5) * (offsets / sigma.astype(dtype)[:, None]) ** 2)
    return pdf / pdf.sum(axis=1, keepdims=True)


def gaussian_blur(img: object, kernel_size: int | list[int], sigma: object = None) -> object:
    """Blur with a Gaussian of ``kernel_size`` ``[kx, ky]`` (odd, positive) and ``sigma`` ``[σx, σy]``.

    Args:
        kernel_size: one int or ``(kx, ky)`` (width first, as torchvision).
        sigma: one number, ``(σx, σy)``, one per image ``(B,)`` or ``(B, 2)``; default
            ``0.15 · k + 0.35`` per axis (torchvision's).
    Shape: ``(B, C, H, W)`` → same; the images must be larger than half the kernel (reflect padding).
    """
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(
            f"gaussian_blur: kernel_size must be an int or a sequence of ints, got {kernel_size!r}"
        )
    sizes = _pair(kernel_size)
    if len(sizes) != 2 or any(not isinstance(k, int) or k <= 0 or k % 2 == 0 for k in sizes):
        raise ValueError(
            f"gaussian_blur: kernel_size must be odd positive ints (kx, ky), got {kernel_size!r}"
        )
    array, is_tensor, single = _unwrap(img)
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise TypeError(f"gaussian_blur: images must be float or uint8, got {array.dtype}")
    b, _, height, width = array.shape
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in sizes]
    values = np.asarray(sigma.array if isinstance(sigma, tt_tensor.Tensor) else sigma, dtype=np.float64)
    if values.ndim == 0 or (values.ndim == 1 and 1 <= len(values) <= 2):  # (σx, σy), as torchvision
        per_image = np.broadcast_to(values.reshape(-1), (2,)).reshape(1, 2)
    elif values.ndim == 1 and len(values) == b:  # one σ per image (a batch of 2 needs (2, 2))
        per_image = np.stack([values, values], axis=1)
    elif values.shape == (b, 2):
        per_image = values
    else:
        raise ValueError(
            f"gaussian_blur: sigma must be a number, (sigma_x, sigma_y), or one per image ({b},) or "
            f"({b}, 2); got shape {values.shape}"
        )
    if not np.all(per_image > 0):
        raise ValueError(f"gaussian_blur: sigma must be positive, got {sigma}")
    sigma_x, sigma_y = per_image[:, 0], per_image[:, 1]
    half_x, half_y = sizes[0] // 2, sizes[1] // 2
    if half_y >= height or half_x >= width:
        raise ValueError(
            f"gaussian_blur: kernel_size {tuple(sizes)} needs reflect padding ({half_x}, {half_y}) smaller "
            f"than the image {height}x{width}; use a smaller kernel"
        )
    dtype = array.dtype.type if array.dtype.kind == "f" else np.float32
    kernel_x, kernel_y = _kernels(sizes[0], sigma_x, dtype), _kernels(sizes[1], sigma_y, dtype)
    rows = _blurred(array.astype(dtype, copy=False), kernel_y, 2)
    out = _blurred(rows, kernel_x, 3)
    if array.dtype == np.uint8:
        out = np.round(out)  # a convex combination of pixels: within [0, 255] already
    return _wrap(out.astype(array.dtype, copy=False), is_tensor, single)


#: An axis of at most this many times the kernel's taps is blurred by a matrix product (else by passes).
MATRIX_RATIO = 24


def _blurred(images: np.ndarray, kernels: np.ndarray, axis: int) -> np.ndarray:
    """``images`` ``(B, C, H, W)`` convolved along ``axis`` (2: y, 3: x) with the kernels ``(B or 1, k)``."""
    size, taps = images.shape[axis], kernels.shape[1]
    b, c, height, width = images.shape
    if size <= MATRIX_RATIO * taps:
        matrices = blur_matrices(kernels, size).astype(images.dtype)  # (B or 1, n, n)
        if axis == 2:
            return np.matmul(matrices[:, None], images)
        blurred = np.matmul(images.reshape(b, c * height, width), matrices.transpose(0, 2, 1))
        return blurred.reshape(images.shape)
    half = taps // 2
    padded = pad_images(images, (half, half, 0, 0) if axis == 2 else (0, 0, half, half), "reflect")
    window = [slice(None)] * 4
    window[axis] = slice(0, size)
    out = kernels[:, 0].reshape(-1, 1, 1, 1) * padded[tuple(window)]
    for tap in range(1, taps):
        window[axis] = slice(tap, tap + size)
        out += kernels[:, tap].reshape(-1, 1, 1, 1) * padded[tuple(window)]
    return out


def blur_matrices(kernels: np.ndarray, size: int) -> np.ndarray:
    """``(B, n, n)`` float64: row ``i`` of image b holds its kernel's taps centred on pixel ``i``.

    A tap past an edge lands on its reflection (torchvision's reflect padding, mirror about the edge
    pixel), summed with the tap already there. One ``np.bincount``.
    """
    b, taps = kernels.shape
    offsets = np.arange(size)[:, None] + np.arange(taps) - taps // 2  # (n, k), may fall outside
    source = np.abs(offsets)
    source = np.where(source > size - 1, 2 * (size - 1) - source, source)
    flat = (np.arange(b * size).reshape(b, size, 1) * size + source).ravel()
    weights = np.broadcast_to(kernels[:, None, :], (b, size, taps)).ravel()
    return np.bincount(flat, weights, minlength=b * size * size).reshape(b, size, size)


def rectangles(shape: tuple, i: object, j: object, h: object, w: object) -> np.ndarray:
    """A ``(B, 1, H, W)`` mask of each image's rectangle: rows ``i … i + h − 1``, columns ``j … j + w − 1``.

    ``i``, ``j``, ``h``, ``w``: ints or vectors of ``B``.
    """
    b, _, rows, columns = shape
    top, left, height, width = (np.broadcast_to(x, (b,)).reshape(b, 1, 1, 1) for x in (i, j, h, w))
    row, column = np.arange(rows).reshape(1, 1, -1, 1), np.arange(columns).reshape(1, 1, 1, -1)
    return (row >= top) & (row < top + height) & (column >= left) & (column < left + width)


def erase(
    img: object, i: object, j: object, h: object, w: object, v: object, inplace: bool = False
) -> object:
    """Set the ``h`` × ``w`` rectangle at row ``i``, column ``j`` to ``v`` (torchvision's ``erase``).

    Args:
        i, j, h, w: ints (one rectangle for every image), or vectors of ``B``: one rectangle per image.
        v: a tensor, array or number broadcastable to ``(C, h, w)``; with per-image rectangles a
            number, per-channel values ``(C,)``/``(C, 1, 1)``, or ``(B, C, 1, 1)``.
        inplace: overwrite ``img`` and return it.
    """
    array, is_tensor, single = _unwrap(img)
    out = array if inplace else array.copy()
    fill = np.asarray(v.array if isinstance(v, tt_tensor.Tensor) else v)
    box = [np.asarray(x) for x in (i, j, h, w)]
    if all(x.ndim == 0 for x in box):
        top, left, height, width = (int(x) for x in box)
        out[..., top : top + height, left : left + width] = fill
    else:
        inside = rectangles(out.shape, *box)
        if fill.ndim == 1:
            fill = fill.reshape(-1, 1, 1)
        np.copyto(out, fill.astype(out.dtype, copy=False), where=inside)
    if inplace:
        return img
    return _wrap(out, is_tensor, single)
