"""Depthwise convolution (one filter per channel: ``groups`` = in = out channels) as a sum of shifted copies.

Not a course topic: module 09 teaches a grouped convolution as im2col and a batch of
``g`` GEMMs (``_conv.py``). With one channel per group each of those is a
``(rows, kh·kw) × (kh·kw, 1)`` product: ``C`` tiny GEMMs whose overhead swamps
the work (the 3×3, 5×5 and 7×7 depthwise layers of MobileNet, EfficientNet and
ConvNeXt). Here, on channels-last arrays, the output is a sum over the ``kh·kw``
taps of the input shifted by the tap, times that tap's weights (a ``(C,)`` vector
broadcast along the contiguous channel axis)::

    out[n, y, x, c] = Σ_ij padded[n, y·sh + i·dh, x·sw + j·dw, c] · w[c, i, j]  (+ bias[c])

Backward: ``dX`` is the same sum the other way round (each tap's ``dY · w[:, i, j]``
added onto its window of a zero-padded ``dX``), ``dW[c, i, j] = Σ tap · dY`` (one
``einsum`` per tap), ``db = Σ dY``.

Cost: forward ``kh·kw`` passes of a multiply and an add over the output; backward
about three per tap. Used by ``Conv2dFunction`` when :func:`applies` (and the fast
paths are on); results equal im2col's up to float rounding (the same products,
summed in another order).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._im2col import Geometry, pad_nhwc
from ._tuning import in_slices


def applies(geometry: Geometry, c_in: int, c_out: int) -> bool:
    """Whether a convolution of this geometry and channel counts is depthwise (one filter per channel)."""
    return geometry[4] == c_in == c_out and c_in > 1


def taps(source: np.ndarray, geometry: Geometry, ho: int, wo: int) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(i, j, view)`` per kernel tap: the (n, Ho, Wo, C) view of the padded ``source`` that tap reads."""
    (kh, kw), (sh, sw), _, (dh, dw), _ = geometry
    for i in range(kh):
        for j in range(kw):
            yield (
                i,
                j,
                source[:, i * dh : i * dh + (ho - 1) * sh + 1 : sh, j * dw : j * dw + (wo - 1) * sw + 1 : sw],
            )


def tap_weights(weight: np.ndarray) -> np.ndarray:
    """PyTorch's (C, 1, kh, kw) depthwise weight as (kh, kw, C): each tap's per-channel vector contiguous."""
    return np.ascontiguousarray(weight[:, 0].transpose(1, 2, 0))


#: Output bytes summed at a time: the running sum and one tap's product stay in cache across the
#: ``kh·kw`` taps instead of streaming the whole output through memory twice per tap. On SSDlite's
#: layers (one image, one thread, CPU time) 256 KiB was 1.2-2× faster than whole images, 64 KiB and
#: 16 KiB less so (2026-12-08, session 40).
BLOCK_BYTES = 1 << 18


def convolve(xh: np.ndarray, weight: np.ndarray, bias, geometry: Geometry, out: np.ndarray) -> None:
    """``out`` (n, Ho, Wo, C), channels-last, = the depthwise convolution of ``xh`` (n, H, W, C).

    One slice of the batch per worker thread; in each, the output rows in blocks of about
    :data:`BLOCK_BYTES`, every tap summed into a block before the next. With stride 1 along x, a
    tap's row is one contiguous run of ``Wo·C`` values (so are the output's), and the tap's
    weights are tiled to match: each pass is one long loop, not ``Wo`` loops of ``C`` (16 to 64
    channels in MobileNet's early layers). The same products summed in the same order as one
    pass per tap over the whole output: the same values, bit for bit."""
    n, ho, wo, c = out.shape
    per_tap = tap_weights(weight).astype(out.dtype, copy=False)
    width = wo * c if geometry[1][1] == 1 else None  # a row as one run, or kept (Wo, C)
    if width is not None:
        per_tap = np.tile(per_tap, (1, 1, wo))  # (kh, kw, Wo·C)

    def work(a: int, b: int) -> None:
        views = list(taps(pad_nhwc(xh[a:b], geometry[2]), geometry, ho, wo))
        rows = max(1, min(ho, BLOCK_BYTES // ((b - a) * wo * c * out.itemsize)))
        product = np.empty((b - a, rows, wo, c), out.dtype)
        for y in range(0, ho, rows):
            stop = min(y + rows, ho)
            total = out[a:b, y:stop]
            total[...] = 0 if bias is None else bias
            part = product[:, : stop - y]
            if width is not None:
                total, part = (v.reshape(b - a, stop - y, width) for v in (total, part))
            for i, j, tap in views:
                tap = tap[:, y:stop]
                np.multiply(
                    tap if width is None else tap.reshape(b - a, stop - y, width), per_tap[i, j], out=part
                )
                total += part

    in_slices(n, work)


def backward(dy, xh, weight, geometry: Geometry, need_x: bool, need_w: bool, need_b: bool):
    """``(dX (n, H, W, C) channels-last or None, dW (C, 1, kh, kw) or None, db (C,) or None)`` for ``dy``."""
    n, ho, wo, c = dy.shape
    h, w = xh.shape[1:3]
    top, bottom, left, right = geometry[2]
    per_tap = tap_weights(weight).astype(dy.dtype, copy=False)
    dx = np.empty(xh.shape, dy.dtype) if need_x else None

    def work(a: int, b: int) -> np.ndarray | None:
        grad = dy[a:b]
        if need_x:
            d_padded = np.zeros((b - a, h + top + bottom, w + left + right, c), dy.dtype)
            product = np.empty_like(grad)
            for i, j, window in taps(d_padded, geometry, ho, wo):
                np.multiply(grad, per_tap[i, j], out=product)
                window += product
            dx[a:b] = d_padded[:, top : top + h, left : left + w]
        if not need_w:
            return None
        source = pad_nhwc(xh[a:b], geometry[2])
        return np.stack(
            [np.einsum("nyxc,nyxc->c", tap, grad) for _, _, tap in taps(source, geometry, ho, wo)]
        )

    parts = in_slices(n, work)
    grad_w = None
    if need_w:
        (kh, kw) = geometry[0]
        grad_w = np.ascontiguousarray(sum(parts).reshape(kh, kw, c).transpose(2, 0, 1)).reshape(weight.shape)
    db = np.einsum("nyxc->c", dy) if need_b else None
    return dx, grad_w, db
