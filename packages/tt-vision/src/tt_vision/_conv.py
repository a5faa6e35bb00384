"""2-d convolution as matrix products: im2col + one GEMM forward, two GEMMs (+ col2im) backward.

With the input channels-last, ``im2col`` (``_im2col.py``) lays every
``kh × kw × C`` window out as a row of ``cols`` ``(N·Ho·Wo, kh·kw·C)``, and the
convolution is ``cols @ W`` with ``W`` ``(kh·kw·C, C_out)`` — one call into BLAS,
whose result *is* the output in NHWC order (:func:`conv_forward`). Backward,
with ``dY`` ``(N·Ho·Wo, C_out)`` (:func:`conv_backward`):

* ``dW = colsᵀ @ dY`` and ``db = Σ dY``;
* ``dX``: ``dcols = dY @ Wᵀ``, folded back onto the input by ``col2im``.

Groups split the channels into ``g`` independent convolutions: ``cols`` is
laid out ``(…, g, kh, kw, C/g)`` and each GEMM becomes a batch of ``g``.

Those two functions are the chapter's algorithm, and they work on any run of
images. :class:`Conv2dFunction` hands them the batch the fast way
(``_tuning.py``): slices on worker threads, chunks of a few images whose
``cols`` stay in cache in reused buffers, and for stride 1 the input gradient
as a convolution of ``dY`` with the flipped kernel; 3×3 'same' convolutions
between layers of 16 or more channels go through Winograd's F(2×2, 3×3)
instead (``winograd.py``: 2.25× fewer multiply-adds), and a first layer on
RGB images lays its columns out channels-first (``thin_conv.py``: long copies
where channels-last has runs of 9), and a depthwise convolution (one filter per
channel) is a sum of shifted copies (``depthwise_conv.py``: no GEMM of one column).
The API speaks NCHW; the kernels work channels-last (``_layout.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
from tt_autograd import Function
from tt_autograd.forward_ad import result_of

from . import depthwise_conv, thin_conv, winograd
from ._im2col import Geometry, col2im, im2col
from ._layout import from_nhwc, output_size, to_nhwc
from ._tuning import flipped_geometry, flipped_weight, in_chunks

#: Whether convolutions may leave the chapter's kernels (see :func:`fast_convolutions`).
_fast = {"enabled": True}


@contextlib.contextmanager
def fast_convolutions(enabled: bool = True) -> Iterator[None]:
    """Within the block, turn the convolutions' fast paths on or off (as ``torch.backends.mkldnn.flags``).

    Off, every convolution runs the chapter's kernels — im2col, one GEMM, col2im
    (``conv_forward`` / ``conv_backward``) — instead of Winograd (``winograd.py``),
    the channels-first first layer (``thin_conv.py``) or the depthwise sum
    (``depthwise_conv.py``): a way to check the fast paths against your own kernels,
    as milestone 04 does before it trains. Results agree up to float rounding either way.
    Not thread-local: set it around whole steps.

    Example::

        with tt_vision.fast_convolutions(False):
            reference = model(images)
    """
    saved = _fast["enabled"]
    _fast["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _fast["enabled"] = saved


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


def cols_shape(n: int, ho: int, wo: int, c: int, geometry: Geometry) -> tuple[int, ...]:
    """Shape of :func:`im2col`'s result for ``n`` images: (n, Ho, Wo, g, kh, kw, C/g)."""
    (kh, kw), _, _, _, groups = geometry
    return (n, ho, wo, groups, kh, kw, c // groups)


def conv_forward(x: np.ndarray, wmat: np.ndarray, bias, geometry: Geometry, out: np.ndarray, cols=None):
    """Convolve channels-last images: ``out = im2col(x) @ W + bias``, written into ``out``.

    Args:
        x: (n, H, W, C) images, channels last.
        wmat: (g, kh·kw·C/g, C_out/g), the weight as GEMM operands (:func:`weight_matrix`).
        bias: (C_out,) or None.
        geometry: (kernel, stride, padding (top, bottom, left, right), dilation, groups).
        out: (n, Ho, Wo, C_out), overwritten with the result.
        cols: an array of :func:`cols_shape` for im2col to write into, or None (a new one).

    Cost: one copy of n·Ho·Wo·kh·kw·C values, 2·n·Ho·Wo·kh·kw·C·C_out/g flops of GEMM.
    """
    # BEGIN SOLUTION 09
    # TODO: out = im2col(x) @ W + bias, written into out (§ How it is built, "Convolution is one matrix
    #   product"): x is channels-last (n, H, W, C), out (n, Ho, Wo, C_out).
    # APPROACH: cols = im2col(x, geometry, out=cols); flatten each window (kh, kw, C/g) to one axis;
    #   gemm(cols, wmat, out) handles the groups; add bias in place.
    cols = im2col(x, geometry, out=cols)  # (n, Ho, Wo, g, kh, kw, C/g): one row per output pixel
    gemm(cols.reshape(*cols.shape[:4], -1), wmat, out)
    if bias is not None:
        out += bias
    return out
    # END SOLUTION


def conv_backward(dy, x, wmat, geometry: Geometry, need_weight: bool, need_bias: bool, dx=None, cols=None):
    """Gradients of :func:`conv_forward` for a run of images: ``(dW or None, db or None)``; dX into ``dx``.

    Args:
        dy: (n, Ho, Wo, C_out) gradient of the output, channels last.
        x: (n, H, W, C) the forward's input.
        wmat, geometry: as for :func:`conv_forward`.
        need_weight, need_bias: compute dW (g, kh·kw·C/g, C_out/g) and db (C_out,).
        dx: (n, H, W, C) array to overwrite with the input gradient, or None (not needed).
        cols: storage for im2col, as for :func:`conv_forward`.

    Cost: dW one im2col and one GEMM; dX one GEMM and one col2im (kh·kw slice-adds).
    """
    # BEGIN SOLUTION 09
    # TODO: (dW, db) and dX into dx (§ How it is built, "Convolution is one matrix product"):
    #   dW = cols^T dY, db = dY summed over (n, Ho, Wo), dX = col2im(dY W^T), each only when asked.
    # HINT: with groups, dY splits into (rows, g, C_out/g): one batched matmul per group.
    (kh, kw), _, _, _, groups = geometry
    n, ho, wo, c_out = dy.shape
    dw = db = None
    if need_weight:
        cols = im2col(x, geometry, out=cols)
        dw = weight_grad(cols.reshape(*cols.shape[:4], -1), dy, groups)  # colsᵀ · dY
    if need_bias:
        db = dy.reshape(-1, c_out).sum(axis=0)
    if dx is not None:
        rows = dy.reshape(-1, groups, c_out // groups)
        dcols = np.matmul(rows.transpose(1, 0, 2), wmat.transpose(0, 2, 1))  # dY · Wᵀ: (g, rows, K)
        dcols = dcols[0] if groups == 1 else np.ascontiguousarray(dcols.transpose(1, 0, 2))
        col2im(dcols.reshape(n, ho, wo, groups, kh, kw, -1), x.shape, geometry, out=dx)
    return dw, db
    # END SOLUTION


class Conv2dFunction(Function):
    """``conv2d``: :func:`conv_forward` and :func:`conv_backward` run over the batch in chunks and threads."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        kh, kw = weight.shape[2:]
        geometry = ((kh, kw), stride, padding, dilation, groups)
        xh = to_nhwc(x)  # free when x is channels-last already (any earlier vision layer's output)
        n, h, w, c = xh.shape
        ho = output_size(h, kh, stride[0], padding[0], padding[1], dilation[0])
        wo = output_size(w, kw, stride[1], padding[2], padding[3], dilation[1])
        out = np.empty((n, ho, wo, weight.shape[0]), dtype=np.result_type(x, weight))
        ctx.save_for_backward(xh, weight)
        ctx.geometry = geometry
        fast = _fast["enabled"]
        # 3×3 'same', wide, on enough pixels
        ctx.winograd = fast and winograd.applies(geometry, c, weight.shape[0], n * ho * wo)
        ctx.thin = fast and thin_conv.applies(geometry, c, n, ho, wo)  # a first layer: RGB in, channels-first
        ctx.depthwise = fast and depthwise_conv.applies(
            geometry, c, weight.shape[0]
        )  # one filter per channel
        needs = getattr(ctx, "needs_input_grad", None)  # set by apply when a graph is built
        if ctx.winograd:
            ctx.kernel, ctx.kept = winograd.convolve(xh, weight, bias, out, keep=bool(needs and needs[1]))
            return from_nhwc(out)
        if ctx.thin:
            ctx.kept = thin_conv.convolve(x, weight, bias, geometry, out, keep=bool(needs and needs[1]))
            return from_nhwc(out)
        if ctx.depthwise:
            depthwise_conv.convolve(xh, weight, bias, geometry, out)
            return from_nhwc(out)
        wmat = weight_matrix(weight, groups)

        def chunk(a: int, b: int, scratch) -> None:
            cols = scratch.get("cols", cols_shape(b - a, ho, wo, c, geometry), xh.dtype)
            conv_forward(xh[a:b], wmat, bias, geometry, out[a:b], cols)

        in_chunks(n, ho * wo * kh * kw * c * xh.itemsize, chunk)
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        xh, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        geometry = ctx.geometry
        (kh, kw), _, _, _, groups = geometry
        dy = to_nhwc(grad)
        n, ho, wo, c_out = dy.shape
        h, w, c = xh.shape[1:]
        if ctx.winograd:  # as forward computed it, on the transformed kernel (and input, if kept) it made
            dx, grad_w, db = winograd.backward(dy, xh, weight, need_x, need_w, need_b, ctx.kept, ctx.kernel)
            ctx.kept = ctx.kernel = None
            return (from_nhwc(dx) if need_x else None), grad_w, db
        if ctx.depthwise:
            dx, grad_w, db = depthwise_conv.backward(dy, xh, weight, geometry, need_x, need_w, need_b)
            return (from_nhwc(dx) if need_x else None), grad_w, db
        thin_grad_w = None
        if ctx.thin and need_w:  # the weight gradient from the columns forward kept; dX and db below
            thin_grad_w = thin_conv.weight_grad(from_nhwc(xh), dy, weight.shape, geometry, ctx.kept)
            ctx.kept, need_w = None, False
            if not (need_x or need_b):
                return None, thin_grad_w, None
        wmat = weight_matrix(weight, groups)
        dx = np.empty(xh.shape, dtype=dy.dtype) if need_x else None
        flipped = flipped_geometry(geometry) if need_x and c_out <= c else None
        flipped_wmat = weight_matrix(flipped_weight(weight, groups), groups) if flipped else None

        def chunk(a: int, b: int, scratch):
            cols = scratch.get("cols", cols_shape(b - a, ho, wo, c, geometry), xh.dtype) if need_w else None
            dx_here = None if dx is None or flipped else dx[a:b]
            dw, db = conv_backward(dy[a:b], xh[a:b], wmat, geometry, need_w, need_b, dx_here, cols)
            if flipped:  # dX = dY convolved with the flipped kernel (see _tuning.py)
                dcols = scratch.get("dcols", cols_shape(b - a, h, w, c_out, flipped), dy.dtype)
                conv_forward(dy[a:b], flipped_wmat, None, flipped, dx[a:b], dcols)
            return dw, db

        dw, db = in_chunks(n, ho * wo * kh * kw * max(c, c_out) * dy.itemsize, chunk) or (None, None)
        if n == 0:  # an empty batch (a detector's RoI heads given no RoIs): zero gradients, as PyTorch's
            return (
                (from_nhwc(dx) if need_x else None),
                (np.zeros_like(weight) if need_w else thin_grad_w),
                (np.zeros(c_out, dy.dtype) if need_b else None),
            )
        grad_w = thin_grad_w
        if need_w:
            dw = dw.reshape(groups, kh, kw, c // groups, c_out // groups).transpose(0, 4, 3, 1, 2)
            grad_w = np.ascontiguousarray(dw.reshape(weight.shape))
        return (from_nhwc(dx) if need_x else None), grad_w, (db if need_b else None)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: conv2d rebuilt from recorded ops
        from .conv_graph import conv2d_graph_backward

        return conv2d_graph_backward(ctx, grad)

    @staticmethod
    def jvp(ctx, tangent_x, tangent_weight, tangent_bias, *_):
        """Bilinear in (x, weight): ``conv(tx, w) + conv(x, tw) + tb``, each term this forward (no bias)."""
        xh, weight = ctx.saved_tensors
        (_, stride, padding, dilation, groups) = ctx.geometry
        terms = [
            None if tangent_x is None else (tangent_x, weight),
            None if tangent_weight is None else (from_nhwc(xh), tangent_weight),
        ]
        total = sum(
            Conv2dFunction.forward(Function(), a, w, None, stride, padding, dilation, groups)
            for a, w in (t for t in terms if t is not None)
        )
        if tangent_bias is not None:
            total = total + tangent_bias[:, None, None]
        return np.broadcast_to(total, result_of(ctx).shape)

    @staticmethod
    def graph_jvp(ctx, tangent_x, tangent_weight, tangent_bias, *_):
        """The same, recorded (tensors joined to the primals): a tangent that keeps its graph."""
        xh, weight = ctx.saved_tensors
        (_, stride, padding, dilation, groups) = ctx.geometry
        options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        terms = [
            None if tangent_x is None else (tangent_x, ctx.input_tensor(1, weight)),
            None if tangent_weight is None else (ctx.input_tensor(0, from_nhwc(xh)), tangent_weight),
        ]
        total = sum(
            Conv2dFunction.apply(a, w, None, **options) for a, w in (t for t in terms if t is not None)
        )
        if tangent_bias is not None:
            total = total + tangent_bias.reshape(-1, 1, 1)
        return total.expand(*result_of(ctx).shape)
