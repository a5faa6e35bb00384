"""2-d convolution as matrix products: im2col + GEMM forward, two GEMMs (+ col2im) backward.

With the input channels-last, ``im2col`` (``_im2col.py``) lays every
``kh × kw × C`` window out as a row of ``cols`` ``(N·Ho·Wo, kh·kw·C)``, and the
convolution is ``cols @ W`` with ``W`` ``(kh·kw·C, C_out)`` — one call into BLAS,
whose result *is* the output in NHWC order. Backward, with ``dY`` ``(N·Ho·Wo, C_out)``:

* ``dW = colsᵀ @ dY`` and ``db = Σ dY``;
* ``dX``: ``dcols = dY @ Wᵀ`` folded back by ``col2im``; or, for stride 1 when
  ``C_out ≤ C``, the equivalent convolution of ``dY`` with the flipped kernel
  (one im2col of ``dY`` and one GEMM, no adds), which moves less memory there.

**Chunks.** The batch is processed a few images at a time, so each chunk's
``cols`` (a few MiB) is written, multiplied and dropped while it is still in
cache, and its buffer is reused by the next chunk. A full-batch ``cols`` is
tens of MiB: allocating it afresh each step costs page faults (measured: a
38 MiB copy took 6 ms into a fresh array, 2 ms into a reused one), and keeping
it for backward costs memory. Instead backward recomputes each chunk's
``cols`` from the saved input — one cheap copy — right before its GEMMs.

Groups split the channels into ``g`` independent convolutions: ``cols`` is
laid out ``(…, g, kh, kw, C/g)`` and each GEMM becomes a batch of ``g``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from tt_autograd import Function

from . import _parallel as parallel
from ._im2col import Geometry, col2im, im2col
from ._layout import from_nhwc, output_size, to_nhwc

#: Bytes of ``cols`` per chunk: small enough to stay in cache, large enough for full-speed GEMMs.
CHUNK_BYTES = 4 << 20


def chunks(n: int, bytes_per_image: int) -> list[tuple[int, int]]:
    """Split ``n`` images into runs of about :data:`CHUNK_BYTES` of work each."""
    per = max(1, min(n, CHUNK_BYTES // max(1, bytes_per_image)))
    return [(start, min(n, start + per)) for start in range(0, n, per)]


def weight_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """PyTorch's (C_out, C/g, kh, kw) weight as ``g`` GEMM operands (g, kh·kw·C/g, C_out/g)."""
    c_out, cg, kh, kw = weight.shape
    per_group = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 3, 4, 2, 1)
    return per_group.reshape(groups, kh * kw * cg, c_out // groups)


def gemm(cols: np.ndarray, wmat: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``cols`` (n, Ho, Wo, g, K) times ``wmat`` (g, K, C_out/g), written into ``out`` (n, Ho, Wo, C_out)."""
    groups = cols.shape[3]
    rows = cols.reshape(-1, groups, cols.shape[-1])
    if groups == 1:
        np.matmul(rows[:, 0], wmat[0], out=out.reshape(len(rows), -1))
    else:
        products = np.matmul(rows.transpose(1, 0, 2), wmat)  # (g, rows, C_out/g)
        out.reshape(len(rows), groups, -1)[...] = products.transpose(1, 0, 2)
    return out


def weight_grad(cols: np.ndarray, dy: np.ndarray, groups: int) -> np.ndarray:
    """``Σ colsᵀ dY`` per group, (g, K, C_out/g), from cols (n, Ho, Wo, g, K) and dY (n, Ho, Wo, C_out)."""
    n, k = cols.shape[0], cols.shape[-1]
    if groups == 1 and k >= 64:  # wide enough for one GEMM over all rows to run at full speed
        return (cols.reshape(-1, k).T @ dy.reshape(-1, dy.shape[-1]))[None]
    rows = cols.reshape(n, -1, groups, k).transpose(2, 0, 1, 3)  # (g, n, Ho·Wo, K)
    dys = dy.reshape(n, -1, groups, dy.shape[-1] // groups).transpose(2, 0, 1, 3)
    # thin cols (a first layer's K = 27): one GEMM per image, summed, beats one with a huge inner dimension
    return np.matmul(rows.transpose(0, 1, 3, 2), dys).sum(axis=1)


def flipped_geometry(geometry: Geometry) -> Geometry | None:
    """The geometry of dX as a convolution of dY with the flipped kernel (stride 1 only), or None."""
    (kh, kw), stride, padding, dilation, groups = geometry
    if stride != (1, 1) or kh * kw == 1:
        return None
    extent = (dilation[0] * (kh - 1), dilation[0] * (kh - 1), dilation[1] * (kw - 1), dilation[1] * (kw - 1))
    pads = tuple(e - p for e, p in zip(extent, padding))
    return None if min(pads) < 0 else ((kh, kw), (1, 1), pads, dilation, groups)


def flipped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """The kernel of the transposed convolution: spatially flipped, input and output channels swapped."""
    c_out, cg, kh, kw = weight.shape
    per_group = weight[:, :, ::-1, ::-1].reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return per_group.reshape(groups * cg, c_out // groups, kh, kw)


class Conv2dFunction(Function):
    """``conv2d`` with a fused, chunked backward; see the module docstring."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        # BEGIN SOLUTION 09
        kh, kw = weight.shape[2:]
        geometry = ((kh, kw), stride, padding, dilation, groups)
        xh = to_nhwc(x)  # free when x is channels-last already (any earlier vision layer's output)
        n, h, w, c = xh.shape
        ho = output_size(h, kh, stride[0], padding[0], padding[1], dilation[0])
        wo = output_size(w, kw, stride[1], padding[2], padding[3], dilation[1])
        wmat = weight_matrix(weight, groups)
        out = np.empty((n, ho, wo, weight.shape[0]), dtype=np.result_type(x, weight))
        image_bytes = ho * wo * kh * kw * c * xh.itemsize

        def forward_slice(first: int, last: int) -> None:
            buffer = None
            for start, stop in chunks(last - first, image_bytes):
                cols = im2col(xh[first + start : first + stop], geometry, buffer)
                buffer = cols if buffer is None else buffer
                gemm(cols.reshape(*cols.shape[:4], -1), wmat, out[first + start : first + stop])
                if bias is not None:
                    out[first + start : first + stop] += bias

        parallel.run([partial(forward_slice, a, b) for a, b in parallel.split(n)])
        ctx.save_for_backward(xh, weight)
        ctx.geometry = geometry
        return from_nhwc(out)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 09
        xh, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        geometry = ctx.geometry
        (kh, kw), _, _, _, groups = geometry
        dy = to_nhwc(grad)
        n, ho, wo, c_out = dy.shape
        c = xh.shape[-1]
        flipped = flipped_geometry(geometry) if need_x and c_out <= c else None
        dx = np.empty(xh.shape, dtype=dy.dtype) if need_x else None
        wmat = weight_matrix(weight, groups)
        flipped_wmat = weight_matrix(flipped_weight(weight, groups), groups) if flipped else None
        image_bytes = ho * wo * kh * kw * max(c, c_out) * dy.itemsize

        def backward_slice(first: int, last: int):
            """dX for images [first, last) and their share of dW and db."""
            dw, buffers = 0, [None, None]
            for start, stop in chunks(last - first, image_bytes):
                a, b = first + start, first + stop
                if need_w:
                    cols = im2col(xh[a:b], geometry, buffers[0])
                    buffers[0] = cols if buffers[0] is None else buffers[0]
                    dw = dw + weight_grad(cols.reshape(*cols.shape[:4], -1), dy[a:b], groups)
                if flipped:
                    cols = im2col(dy[a:b], flipped, buffers[1])
                    buffers[1] = cols if buffers[1] is None else buffers[1]
                    gemm(cols.reshape(*cols.shape[:4], -1), flipped_wmat, dx[a:b])
                elif need_x:
                    rows = dy[a:b].reshape(-1, groups, c_out // groups)
                    dcols = np.matmul(rows.transpose(1, 0, 2), wmat.transpose(0, 2, 1))  # (g, rows, K)
                    dcols = dcols[0] if groups == 1 else np.ascontiguousarray(dcols.transpose(1, 0, 2))
                    dcols = dcols.reshape(b - a, ho, wo, groups, kh, kw, c // groups)
                    col2im(dcols, (b - a, *xh.shape[1:]), geometry, dx[a:b])
            db = dy[first:last].reshape(-1, c_out).sum(axis=0) if need_b else None
            return dw, db

        partials = parallel.run([partial(backward_slice, a, b) for a, b in parallel.split(n)])
        grad_x = from_nhwc(dx) if need_x else None
        grad_w = grad_b = None
        if need_w:
            dw = sum(p[0] for p in partials)
            dw = dw.reshape(groups, kh, kw, c // groups, c_out // groups).transpose(0, 4, 3, 1, 2)
            grad_w = np.ascontiguousarray(dw.reshape(weight.shape))
        if need_b:
            grad_b = sum(p[1] for p in partials)
        return grad_x, grad_w, grad_b
        # END SOLUTION
