"""The two data-movement kernels of convolution: im2col (windows → rows) and its adjoint col2im.

``im2col`` turns every ``kh × kw × C`` window of an ``(N, H, W, C)`` input
into one row of a matrix, so that the convolution becomes one matrix
product. It is a single copy: ``sliding_window_view`` exposes the windows of
the zero-padded input as a 6-d *view* (no data moves), and one ``np.copyto``
lays them out as ``(N, Ho, Wo, kh, kw, C)``. Channels-last is what makes that
copy fast: along one kernel row the ``kw · C`` source values are adjacent in
memory, so the copy moves long contiguous runs.

``col2im`` is the adjoint: it adds each window's gradient back onto the input
positions the window read. Windows overlap, so this is a sum, done as a loop
over the ``kh · kw`` kernel offsets — each offset one vectorised slice-add over
the whole batch (``np.add.at`` would do it element by element, ten times slower).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._layout import output_size

#: ``(kernel, stride, padding (top, bottom, left, right), dilation, groups)`` of one convolution.
Geometry = tuple


def pad_nhwc(x: np.ndarray, padding: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """``x`` (N, H, W, C) inside a border of ``value``: a new C-contiguous array (or ``x`` if no padding).

    Only the border is filled, then the interior copied: one pass over the data.
    """
    top, bottom, left, right = padding
    if not any(padding):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    out[:, :top] = value
    out[:, top + h :] = value
    out[:, top : top + h, :left] = value
    out[:, top : top + h, left + w :] = value
    out[:, top : top + h, left : left + w] = x
    return out


def im2col(x: np.ndarray, geometry: Geometry, out: np.ndarray | None = None) -> np.ndarray:
    """Every window of ``x`` (N, H, W, C) as a C-contiguous (N, Ho, Wo, g, kh, kw, C/g) array.

    ``out``, if given, is a C-contiguous array of that shape to write into (as NumPy's ``out=``).
    Cost: one copy of N·Ho·Wo·kh·kw·C values (plus one of ``x`` if it is padded).
    """
    # BEGIN SOLUTION 09
    # TODO: every window of x (N, H, W, C) as a C-contiguous (N, Ho, Wo, g, kh, kw, C/g) array
    #   (§ How it is built, "Convolution is one matrix product" and "Layout decides the speed").
    # APPROACH: pad (pad_nhwc); sliding_window_view over H and W with the dilated kernel size; take every
    #   stride-th window and every dilation-th tap; reshape/transpose to the layout; one copy into cols.
    # EXAMPLE: x (2, 5, 5, 3), 3x3 kernel, stride 1, no padding: cols (2, 3, 3, 1, 3, 3, 3).
    (kh, kw), (sh, sw), padding, (dh, dw), groups = geometry
    n, h, w, c = x.shape
    ho = output_size(h, kh, sh, padding[0], padding[1], dh)
    wo = output_size(w, kw, sw, padding[2], padding[3], dw)
    xp = pad_nhwc(x, padding)
    windows = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(1, 2))
    windows = windows[:, ::sh, ::sw, :, ::dh, ::dw]  # every stride-th window (Ho × Wo), every dilation-th tap
    windows = windows.reshape(n, ho, wo, groups, c // groups, kh, kw).transpose(0, 1, 2, 3, 5, 6, 4)
    cols = np.empty(windows.shape, x.dtype) if out is None else out
    np.copyto(cols, windows)
    return cols
    # END SOLUTION


def _offset_range(index: int, size: int, out_size: int, stride: int, dilation: int, pad: int):
    """For kernel offset ``index`` along one axis: the output slice and the input slice it touches."""
    offset = index * dilation - pad  # input position read by output 0
    first = 0 if offset >= 0 else (stride - 1 - offset) // stride  # first output whose input is >= 0
    last = min(out_size - 1, (size - 1 - offset) // stride)
    if first > last:
        return None
    start = first * stride + offset
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def col2im(dcols: np.ndarray, x_shape: tuple[int, ...], geometry: Geometry, out: np.ndarray | None = None):
    """The adjoint of :func:`im2col`: sum each window's gradient back onto the (N, H, W, C) input.

    ``dcols`` is (N, Ho, Wo, g, kh, kw, C/g); the result is written into ``out`` if given.
    """
    # BEGIN SOLUTION 09
    # TODO: the adjoint of im2col: add each window's gradient back onto the (N, H, W, C) input.
    # APPROACH: loop over the kh * kw kernel offsets (not the pixels): offset (i, j) of every window is one
    #   strided slice of the input (_offset_range gives it), so each offset is one vectorised +=.
    # HINT: windows overlap when stride < kernel: add, never assign (the first offset may assign).
    (kh, kw), (sh, sw), padding, (dh, dw), groups = geometry
    n, h, w, c = x_shape
    ho, wo = dcols.shape[1:3]
    rows = [_offset_range(i, h, ho, sh, dh, padding[0]) for i in range(kh)]
    columns = [_offset_range(j, w, wo, sw, dw, padding[2]) for j in range(kw)]
    offsets = [(i, j) for i in range(kh) for j in range(kw) if rows[i] and columns[j]]
    # An offset whose slice covers the whole input (the centre of a 'same' conv) is assigned, not added.
    whole = (slice(0, h, 1), slice(0, w, 1))
    first = next(((i, j) for i, j in offsets if (rows[i][1], columns[j][1]) == whole), None)
    dx = np.empty(x_shape, dcols.dtype) if out is None else out
    if first is None:
        dx[...] = 0
    dx_groups = dx.reshape(n, h, w, groups, c // groups)
    if first is not None:
        i, j = first
        dx_groups[...] = dcols[:, rows[i][0], columns[j][0], :, i, j, :]
    for i, j in offsets:
        if (i, j) != first:
            (out_h, in_h), (out_w, in_w) = rows[i], columns[j]
            dx_groups[:, in_h, in_w] += dcols[:, out_h, out_w, :, i, j, :]
    return dx
    # END SOLUTION
