"""3-d pooling of volumes ``(N, C, D, H, W)``: each a 2-d pooling per depth offset of the window.

A pooling window is a box, and both its maximum and its mean split along the
depth: the window of output depth ``z`` covers input depths ``z·s − p + a·d``
for the depth offsets ``a = 0 … kd − 1``. For each offset, the slab of those
depths (one per output depth) is a batch of ``N · D_out`` images that the 2-d
pooling of :mod:`tt_vision.functional` reduces over ``(H, W)`` at once; the
``kd`` results then reduce over the depth:

* ``avg_pool3d``: the 2-d means add up and are divided by how many depths the
  window counts (``count_include_pad``, ceil mode: PyTorch's divisor is the
  product of the per-axis counts, so the 2-d pooling's count times the depth's);
* ``max_pool3d``: the largest of the ``kd`` 2-d maxima, taken by PyTorch's rule
  (the first maximum in scan order — depth, then row, then column — or the last
  NaN), and its flat index ``d·H·W + h·W + w`` when asked;
* ``adaptive_avg_pool3d``: the 2-d adaptive means per depth, then each output
  depth's mean over its span of input depths, one small matrix product;
* ``adaptive_max_pool3d``: the 2-d adaptive maxima per depth, then the pick
  above over each output depth's span (spans differ in length: the shorter
  ones are padded with positions the pick never takes).

The loops run over the window's depth offsets only. Gradients are those of the
2-d poolings, carried back through the slicing, the sum or the pick.

Cost: ``kd`` 2-d poolings of ``N · D_out`` images, plus one copy of each slab.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor, stack
from tt_autograd import tensor as as_tensor
from tt_nn.functional import pad as pad_tensor

from ._layout import ints
from ._pool import pool_output_size
from .adaptive_max_pool import adaptive_max_pool2d
from .conv_3d import volumes
from .functional import adaptive_avg_pool2d, avg_pool2d  # imported at functional.py's end
from .max_pool_indices import max_pool2d_with_indices, window_argmax

Triple = int | tuple[int, int, int]


def _arguments(op: str, kernel_size: Triple, stride: Triple | None, padding: Triple):
    kernel = ints(op, "kernel_size", kernel_size, 3)
    default = stride is None or (isinstance(stride, (list, tuple)) and not stride)  # None or [] (PyTorch's)
    return (
        kernel,
        kernel if default else ints(op, "stride", stride, 3),
        ints(op, "padding", padding, 3, minimum=0),
    )


def _depth_slabs(x: Tensor, kernel: int, stride: int, dilation: int, out_depth: int):
    """For each depth offset ``a``: the depths ``a·d + z·s`` of the (padded) ``x`` as ``N · D_out`` images."""
    n, c, _, h, w = x.shape
    for a in range(kernel):
        start = a * dilation
        slab = x[:, :, start : start + stride * (out_depth - 1) + 1 : stride]  # (N, C, D_out, H, W)
        yield slab.permute(0, 2, 1, 3, 4).reshape(n * out_depth, c, h, w)


def _as_volume(images: Tensor, n: int, out_depth: int) -> Tensor:
    """``(N · D_out, C, H, W)`` images back to ``(N, C, D_out, H, W)``."""
    return images.reshape(n, out_depth, *images.shape[1:]).permute(0, 2, 1, 3, 4)


def avg_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Triple,
    stride: Triple | None = None,
    padding: Triple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over ``kernel_size`` boxes, like ``torch.nn.functional.avg_pool3d`` (arguments: ``avg_pool2d``).

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(avg_pool3d(autograd.randn(2, 3, 4, 6, 6), 2).shape)
        (2, 3, 2, 3, 3)
    """
    op = "avg_pool3d"
    x, unbatched = volumes(op, input)
    kernel, stride_, pad = _arguments(op, kernel_size, stride, padding)
    if any(size < k for size, k in zip(x.shape[2:], kernel)):  # PyTorch's check, whatever the padding
        raise ValueError(
            f"avg_pool3d: input image {tuple(x.shape[2:])} is smaller than the kernel {kernel} "
            "(PyTorch refuses it even with padding); use a smaller kernel_size"
        )
    depth = x.shape[2]
    out_depth, extra = pool_output_size(op, depth, kernel[0], stride_[0], pad[0], 1, ceil_mode)
    if pad[0] or extra:
        x = pad_tensor(x, (0, 0, 0, 0, pad[0], pad[0] + extra))
    per_plane = 1 if divisor_override else None  # with an override the planes give sums, divided once below
    total = None
    for images in _depth_slabs(x, kernel[0], stride_[0], 1, out_depth):
        part = avg_pool2d(images, kernel[1:], stride_[1:], pad[1:], ceil_mode, count_include_pad, per_plane)
        total = part if total is None else total + part
    out = _as_volume(total, x.shape[0], out_depth)
    if divisor_override:
        divisor = np.full(out_depth, float(divisor_override))
    else:  # how many of each window's depths count: inside the input, or also in the padding
        positions = np.arange(out_depth)[:, None] * stride_[0] + np.arange(kernel[0])  # padded coordinates
        if count_include_pad:
            counted = positions < depth + 2 * pad[0]
        else:
            counted = (positions >= pad[0]) & (positions < pad[0] + depth)
        divisor = counted.sum(axis=1).astype(np.float64)
    scale = as_tensor((1.0 / divisor).reshape(1, 1, -1, 1, 1), dtype=out.dtype)
    out = out * scale
    return out[0] if unbatched else out


class PickAlongDepthFunction(Function):
    """The element-wise pick among ``K`` maxima ``(N, C, D_out, H_out, W_out)``, one per depth offset.

    PyTorch's rule along the offsets: the first largest, or the last NaN; never an offset whose
    depth falls outside the input for that output depth (``valid``: ``(K, D_out)``), which holds
    −∞ there. ``positions`` (a list) receives the picked offset per element; backward sends each
    gradient to the maximum it was picked from.
    """

    @staticmethod
    def forward(ctx, *maxima, valid, positions):
        stacked = np.stack(maxima, axis=-1)  # (N, C, D_out, H_out, W_out, K)
        count = len(maxima)
        if not valid.all():  # what an offset holds where it does not reach must never be picked
            lowest = -np.inf if stacked.dtype.kind == "f" else np.iinfo(stacked.dtype).min
            stacked[np.broadcast_to(~valid.T[None, None, :, None, None, :], stacked.shape)] = lowest
        best = window_argmax(stacked.reshape(1, 1, -1, count, 1))[0, 0, :, 0].reshape(stacked.shape[:-1])
        z = np.arange(valid.shape[1]).reshape(1, 1, -1, 1, 1)
        first_valid = valid.argmax(axis=0).reshape(1, 1, -1, 1, 1)
        best = np.where(valid[best, z], best, first_valid)  # a window of −∞ only: its first real depth
        ctx.best, ctx.count = best, count
        positions.append(best)
        return np.take_along_axis(stacked, best[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        zero = grad.dtype.type(0)
        return tuple(np.where(ctx.best == a, grad, zero) if need else None
                     for a, need in zip(range(ctx.count), ctx.needs_input_grad))  # fmt: skip

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import pick_along_depth_graph_backward

        return pick_along_depth_graph_backward(ctx, grad)


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Triple,
    stride: Triple | None = None,
    padding: Triple = 0,
    dilation: Triple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Maximum over ``kernel_size`` boxes, like ``torch.nn.functional.max_pool3d``; pads with −∞.

    The gradient goes to the first maximum of each box in scan order, as in PyTorch;
    ``return_indices=True`` also returns the int64 flat position ``d·H·W + h·W + w`` of each
    maximum (what ``max_unpool3d`` would take). Each depth offset pools only the output depths
    whose input depth it reaches inside the input (the depth padding is never pooled).

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(max_pool3d(autograd.randn(1, 2, 4, 4, 4), 2, stride=(1, 2, 2)).shape)
        (1, 2, 3, 2, 2)
    """
    op = "max_pool3d"
    x, unbatched = volumes(op, input)
    kernel, stride_, pad = _arguments(op, kernel_size, stride, padding)
    dilation_ = ints(op, "dilation", dilation, 3)
    n, _, depth, height, width = x.shape
    out_depth, _ = pool_output_size(op, depth, kernel[0], stride_[0], pad[0], dilation_[0], ceil_mode)
    z = np.arange(out_depth)
    reach = (
        z[None, :] * stride_[0] - pad[0] + np.arange(kernel[0])[:, None] * dilation_[0]
    )  # (kd, D_out) depths
    inside = (reach >= 0) & (reach < depth)
    offsets = [a for a in range(kernel[0]) if inside[a].any()]
    maxima, flats = [], []
    for a in offsets:
        first, last = np.flatnonzero(inside[a])[
            [0, -1]
        ]  # the output depths offset a reaches, a contiguous run
        slab = x[:, :, reach[a, first] : reach[a, last] + 1 : stride_[0]]  # (N, C, count, H, W)
        count = last - first + 1
        images = slab.permute(0, 2, 1, 3, 4).reshape(n * count, *slab.shape[1:2], height, width)
        values, where = max_pool2d_with_indices(
            images, kernel[1:], stride_[1:], pad[1:], dilation_[1:], ceil_mode
        )
        around = (
            0,
            0,
            0,
            0,
            int(first),
            int(out_depth - 1 - last),
        )  # the output depths it does not reach get placeholders, which the pick masks
        maxima.append(pad_tensor(_as_volume(values, n, count), around))
        flats.append(_flat_indices(pad_tensor(_as_volume(where, n, count), around), reach[a], height * width))
    positions: list = []
    out = PickAlongDepthFunction.apply(*maxima, valid=inside[offsets], positions=positions)
    if not return_indices:
        return out[0] if unbatched else out
    indices = _picked(flats, out, positions)
    return (out[0], indices[0]) if unbatched else (out, indices)


def _flat_indices(plane: Tensor, depths: np.ndarray, area: int) -> Tensor:
    """A depth offset's in-plane positions ``h·W + w`` ``(N, C, D_out, H_out, W_out)`` plus the flat
    start ``d·H·W`` of the input depth ``depths[z]`` it read for output depth ``z``."""
    return plane + Tensor.from_array((depths.reshape(1, 1, -1, 1, 1) * area).astype(np.int64))


def _picked(flats: list, out: Tensor, positions: list) -> Tensor:
    """The flat indices of the offsets the pick chose (``positions[0]``, batched like ``out`` inside
    vmap, by the pick's rule), with tensor ops only so that vmap's rules batch them."""
    best = out.from_array(positions[0].astype(np.int64))
    return stack(flats, dim=-1).take_along_dim(best.unsqueeze(-1), dim=-1).squeeze(-1)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Mean-pool to a fixed ``(D_out, H_out, W_out)`` whatever the input size (``None`` keeps an axis's size).

    Output depth ``z`` averages input depths ``⌊z·D/D_out⌋ … ⌈(z+1)·D/D_out⌉ − 1``, as in PyTorch.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(adaptive_avg_pool3d(autograd.randn(2, 3, 5, 7, 7), 1).shape)
        (2, 3, 1, 1, 1)
    """
    op = "adaptive_avg_pool3d"
    x, unbatched = volumes(op, input)
    n, c, depth, h, w = x.shape
    out_depth, out_h, out_w = _adaptive_sizes(op, output_size, x.shape[2:])
    planes = adaptive_avg_pool2d(x.reshape(n, c * depth, h, w), (out_h, out_w))  # (N, C·D, H_out, W_out)
    starts, ends = _spans(depth, out_depth)
    inside = (np.arange(depth) >= starts[:, None]) & (np.arange(depth) < ends[:, None])  # (D_out, D)
    means = as_tensor((inside / inside.sum(axis=1, keepdims=True)).T, dtype=planes.dtype)  # (D, D_out)
    by_depth = planes.reshape(n, c, depth, out_h * out_w).transpose(2, 3)  # (N, C, H_out·W_out, D)
    out = (by_depth @ means).transpose(2, 3).reshape(n, c, out_depth, out_h, out_w)
    return out[0] if unbatched else out


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Max-pool to a fixed ``(D_out, H_out, W_out)`` whatever the input size (``F.adaptive_max_pool3d``).

    Bins as :func:`adaptive_avg_pool3d`'s; the pick and ``return_indices`` (flat ``d·H·W + h·W + w``)
    as :func:`max_pool3d`'s.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(adaptive_max_pool3d(autograd.randn(2, 3, 5, 7, 7), (2, 3, 3)).shape)
        (2, 3, 2, 3, 3)
    """
    op = "adaptive_max_pool3d"
    x, unbatched = volumes(op, input)
    n, c, depth, h, w = x.shape
    out_depth, out_h, out_w = _adaptive_sizes(op, output_size, x.shape[2:])
    planes, where = adaptive_max_pool2d(x.reshape(n, c * depth, h, w), (out_h, out_w), return_indices=True)
    planes = planes.reshape(n, c, depth, out_h, out_w)
    starts, ends = _spans(depth, out_depth)
    offsets = np.arange((ends - starts).max())[:, None]
    inside = starts + offsets < ends  # (K, D_out): which offsets each output depth's span has
    reach = np.minimum(starts + offsets, depth - 1)  # the input depth each (offset, output depth) reads
    positions: list = []
    maxima = [planes[:, :, reach[k]] for k in range(len(offsets))]  # each (N, C, D_out, H_out, W_out)
    out = PickAlongDepthFunction.apply(*maxima, valid=inside, positions=positions)
    if not return_indices:
        return out[0] if unbatched else out
    where = where.reshape(n, c, depth, out_h, out_w)
    flats = [_flat_indices(where[:, :, reach[k]], reach[k], h * w) for k in range(len(offsets))]
    indices = _picked(flats, out, positions)
    return (out[0], indices[0]) if unbatched else (out, indices)


def _adaptive_sizes(op: str, output_size, spatial) -> tuple[int, int, int]:
    """``output_size`` (an int or a triple, ``None`` keeping an axis) as three ints."""
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size] * 3
    if len(sizes) != 3:
        raise ValueError(f"{op}: output_size must be an int or a triple, got {output_size!r}")
    return ints(op, "output_size", [spatial[i] if s is None else s for i, s in enumerate(sizes)], 3)


def _spans(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: output ``i`` covers ``⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1``."""
    return (np.arange(out) * size) // out, -((-(np.arange(out) + 1) * size) // out)
