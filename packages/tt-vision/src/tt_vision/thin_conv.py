"""A convolution of few input channels (a first layer, on RGB images): its columns laid out channels-first.

Not a course topic: module 09 teaches im2col on channels-last images
(``_im2col.py``), which copies each window's ``kw · C`` adjacent values in one
run — long runs between wide layers, but only 9 floats for a 3×3 kernel on
3 channels, so a first layer's im2col is mostly per-run overhead. Here the
columns are laid out the other way round, ``(C·kh·kw, N·Ho·Wo)``: row
``(c, i, j)`` holds tap ``(i, j)`` of channel ``c`` for every output pixel,
so each of the ``kh·kw`` copies moves whole image rows (runs of ``Wo``
values), straight from the NCHW input the data loader gives. The row order is
PyTorch's weight layout, so the forward GEMM is ``colsᵀ · W`` with ``W`` the
weight reshaped ``(C_out, C·kh·kw)`` and transposed (no copy).

A first layer's input needs no gradient, so backward is the weight gradient
alone: ``cols · dY``, one GEMM per image (inner dimension ``Ho·Wo``), summed —
on this machine faster than one GEMM over every output pixel, as for im2col's
thin columns (``_conv.weight_grad``). The columns are small (``C·kh·kw`` = 27
rows for RGB and a 3×3 kernel), so forward keeps them for it instead of laying
them out again.

Used by ``Conv2dFunction`` when :func:`applies`; results equal im2col's up to
float rounding (the same products, summed in another order).
"""

from __future__ import annotations

import numpy as np
from tt_tensor import threads

from ._im2col import Geometry
from ._layout import output_size
from ._tuning import in_slices

#: Input channels up to which the channels-first layout is used (RGB plus alpha).
MAX_CHANNELS = 4
#: Output pixels (N·Ho·Wo) below which the chapter's im2col stays: too little work to gain anything.
MIN_PIXELS = 1 << 14


def applies(geometry: Geometry, c_in: int, n: int, ho: int, wo: int) -> bool:
    """Whether a convolution of this geometry, ``c_in`` input channels and output size runs here."""
    return geometry[4] == 1 and c_in <= MAX_CHANNELS and n * ho * wo >= MIN_PIXELS


def columns(x: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Every window of the NCHW ``x`` (n, C, H, W) as the rows of a C-contiguous (C·kh·kw, n·Ho·Wo) array.

    Cost: one copy of the padded input, then ``kh·kw`` copies of ``C·n·Ho·Wo`` values (runs of ``Wo``).
    """
    (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw), _ = geometry
    n, c, h, w = x.shape
    ho = output_size(h, kh, sh, top, bottom, dh)
    wo = output_size(w, kw, sw, left, right, dw)
    padded = x
    if top or bottom or left or right:
        padded = np.zeros((n, c, h + top + bottom, w + left + right), x.dtype)
        padded[:, :, top : top + h, left : left + w] = x
    cols = np.empty((c, kh, kw, n, ho, wo), x.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
        for j in range(kw):
            taps = padded[:, :, rows, j * dw : j * dw + (wo - 1) * sw + 1 : sw]  # (n, C, Ho, Wo)
            cols[:, i, j] = taps.transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * ho * wo)


def convolve(x, weight, bias, geometry: Geometry, out: np.ndarray, keep: bool = False) -> dict | None:
    """``out`` (n, Ho, Wo, C_out), channels-last, = the convolution of the NCHW ``x``; one slice per worker.

    With ``keep``, returns each slice's columns, ``{(a, b): cols}``, for :func:`weight_grad`.
    """
    n, c_out = x.shape[0], weight.shape[0]
    weights = weight.reshape(c_out, -1).T  # (C·kh·kw, C_out): PyTorch's order is the rows' order
    rows = out.reshape(n, -1, c_out)

    def work(a: int, b: int):
        cols = columns(x[a:b], geometry)
        np.matmul(cols.T, weights, out=rows[a:b].reshape(-1, c_out))
        if bias is not None:
            rows[a:b] += bias
        return cols if keep else None

    kept = in_slices(n, work)
    return dict(zip(threads.split(n), kept)) if keep else None


def weight_grad(x, dy: np.ndarray, weight_shape: tuple, geometry: Geometry, kept: dict | None = None):
    """PyTorch's (C_out, C, kh, kw) weight gradient: ``Σ cols · dY`` over the images of the batch.

    ``dy`` is (n, Ho, Wo, C_out), channels-last; ``kept`` :func:`convolve`'s columns (else laid out again).
    """
    n, c_out = dy.shape[0], dy.shape[-1]

    def work(a: int, b: int) -> np.ndarray:
        cols = kept.get((a, b)) if kept else None
        if cols is None:
            cols = columns(x[a:b], geometry)
        k, images = cols.shape[0], b - a  # one GEMM per image, summed: faster than one over every pixel
        per_image = cols.reshape(k, images, -1).transpose(1, 0, 2)  # (images, C·kh·kw, Ho·Wo)
        return np.matmul(per_image, dy[a:b].reshape(images, -1, c_out)).sum(axis=0)

    grad = sum(in_slices(n, work))  # (C·kh·kw, C_out)
    return np.ascontiguousarray(grad.T).reshape(weight_shape)
