"""``deform_conv2d`` and ``DeformConv2d``: convolution whose taps read the input at learned offsets.

Deformable convolution (Dai et al., 2017; v2 with a modulation ``mask``, Zhu et al., 2019), as
torchvision's. Output position ``(i, j)``'s tap ``(a, b)`` of a ``kh × kw`` kernel reads the input at

    y = i·stride_h − pad_h + a·dil_h + Δy,    x = j·stride_w − pad_w + b·dil_w + Δx

by bilinear interpolation, ``(Δy, Δx)`` being that position's and tap's offsets: ``offset`` channel
``2·(g·kh·kw + a·kw + b)`` holds ``Δy`` and the next one ``Δx`` for offset group ``g``, whose
``C / offset_groups`` input channels share them. With a ``mask`` each sample is multiplied by the
matching mask channel ``g·kh·kw + a·kw + b``. Then the samples are one im2col-like matrix and the
convolution one matrix product per weight group. Zero offsets (and no mask) give ``conv2d``.

torchvision's edges: a sample with ``y <= -1``, ``y >= H``, ``x <= -1`` or ``x >= W`` reads 0
without reading any pixel (a NaN or inf in row 0 does not reach a sample at ``y = -1``, whose row-0
neighbour has weight 0); inside that band its neighbours outside the image read 0 (zero padding).
The interpolation is not differentiable at the pixel lattice; as torchvision's kernel, the offsets'
gradient there is the one-sided derivative from above (``floor`` picks the neighbours: ``v(y+1) − v(y)``
at an integer ``y``), also at ``y = -1`` (where the forward's cut-off is: the row 0's value there).
The gradient is not differentiable again (``create_graph=True`` works; differentiating its result
raises), as torchvision's, which has no double backward.

The taps are grid_sample's bilinear ``'zeros'`` taps (:func:`neighbours` reuses
:mod:`..grid_sample_taps`' per-axis pixels, weights and their product) on positions already in
pixels; only the cut-off at exactly ``-1`` is deform_conv's own (:func:`read_pixels`): grid_sample
there reads row 0 with weight 0, so a NaN in row 0 gives NaN, as PyTorch's ``grid_sample``.

How (every output position and tap at once, no loop over them): the 4 neighbours of all
``N·Ho·Wo·kh·kw·G`` samples are gathered from the channels-last input (``C / G`` values each, a
zero row standing for every neighbour outside), one neighbour at a time, and blended by their
weights into the columns. Backward finds the positions, neighbours and weights again from the offsets
(``G`` values per sample), gathers the neighbours again for the mask's and offsets' gradients (the
weights' derivatives are ``±(1 − t)``, ``±t``), as torchvision's CPU kernel does, 1 MiB at a time,
each chunk dotted with the samples' gradient while in cache (:func:`neighbour_dots`), and sends the
input's back with one ``np.bincount`` per channel.

Cost: forward gathers ``4·N·Ho·Wo·kh·kw·C`` values and multiplies ``N·Ho·Wo × (kh·kw·C/groups) ×
C_out``, as ``conv2d``'s im2col; it keeps the columns (``N·Ho·Wo·kh·kw·C`` values) besides its inputs,
and needs about twice that while it runs. Backward: two such products, the 4 gathers again, 4 dot
products of ``C/G`` per sample and 4 scatters of ``N·Ho·Wo·kh·kw·C`` values. Measured (time and
memory) by ``benchmarks/deform_conv.py``.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_autograd.higher_order import delayed_error_gradients
from tt_nn import Module

from .._layout import from_nhwc, pair, to_nhwc
from ..functional import _as_tensor, _same_dtype
from ..grid_sample import padded_rows
from ..grid_sample_taps import axis_weights, image_pixels, strided_pixels, tap_product
from ..layers._conv_common import make_parameters, reset_parameters

__all__ = ["DeformConv2d", "deform_conv2d"]

_NO_DOUBLE_BACKWARD = (
    "create_graph=True: deform_conv2d's gradient cannot be differentiated again, as in torchvision "
    "(whose deform_conv2d backward has no derivative: 'double backwards on deform_conv2d not supported'); "
    "compute the gradient without create_graph, or leave deform_conv2d out of the part differentiated twice"
)


def sample_positions(offset, kernel, stride, padding, dilation):
    """Every sample's position ``(y, x)``, each ``(N, Ho, Wo, K, G)``: K = kh·kw taps, G offset groups."""
    n, channels, ho, wo = offset.shape
    (kh, kw), k = kernel, kernel[0] * kernel[1]
    moved = offset.reshape(n, channels // (2 * k), k, 2, ho, wo).transpose(0, 4, 5, 2, 1, 3)
    dtype = offset.dtype
    rows = np.arange(ho, dtype=dtype)[:, None] * stride[0] - padding[0]  # (Ho, 1) + (1, K)
    rows = rows + np.repeat(np.arange(kh, dtype=dtype) * dilation[0], kw)[None, :]
    columns = np.arange(wo, dtype=dtype)[:, None] * stride[1] - padding[1]
    columns = columns + np.tile(np.arange(kw, dtype=dtype) * dilation[1], kh)[None, :]
    y = rows[None, :, None, :, None] + moved[..., 0]
    x = columns[None, None, :, :, None] + moved[..., 1]
    return y, x


def neighbours(y, x, height: int, width: int):
    """The 4 pixels around each position and their bilinear weights, torchvision's edge rules.

    Returns ``(pixels, weights, ty, tx, edge)``: ``pixels`` ``(4, *y.shape)`` flat indices
    ``row·W + column`` into one image (``H·W``, the zero row, for a neighbour outside the image or a
    sample outside ``[-1, H) × [-1, W)``), in the order (top left, top right, bottom left, bottom
    right); ``weights`` theirs; ``ty``, ``tx`` the fractions past ``floor`` (0 for a sample outside);
    ``edge`` where ``y = -1`` or ``x = -1`` exactly (see :func:`read_pixels`).

    grid_sample's bilinear ``'zeros'`` taps (:mod:`..grid_sample_taps`: :func:`strided_pixels`,
    :func:`image_pixels`, :func:`axis_weights`, :func:`tap_product`) are these, on positions already
    in pixels: a neighbour outside the image reads 0 and a sample outside ``(-1, H) × (-1, W)`` has no
    neighbour inside but at ``y = -1`` (or ``x = -1``), whose bottom neighbour (row 0) has weight 0.
    What torchvision adds there is :func:`read_pixels`' cut-off.
    """
    # y = -1 counts as inside here: its derivative from above, as torchvision's, is row 0's value.
    inside = (y >= -1) & (y < height) & (x >= -1) & (x < width)  # False for NaN
    y, x = np.where(inside, y, -2), np.where(inside, x, -2)  # -2: both neighbours outside
    top, left = np.floor(y), np.floor(x)
    total = height * width
    rows = strided_pixels(np.stack([top, top + 1]), height, width, total)[0]
    columns = strided_pixels(np.stack([left, left + 1]), width, 1, total)[0]
    ty, tx = y - top, x - left
    weights = tap_product([np.stack(axis_weights(tx, "bilinear")), np.stack(axis_weights(ty, "bilinear"))])
    return image_pixels([columns, rows], total), weights, ty, tx, (y == -1) | (x == -1)


def read_pixels(pixels: np.ndarray, edge: np.ndarray, total: int) -> np.ndarray:
    """The neighbours a sample's value reads: none (the zero row ``total``) for a sample on the ``edge``.

    torchvision's value is 0 for ``y <= -1`` without reading anything, so row 0's weight-0 neighbour
    of a sample at ``y = -1`` must not enter the sum either (0 · NaN would be NaN): the value, the
    mask's gradient and the input's read these pixels; only the offsets' gradient reads row 0 there.
    """
    return np.where(edge, total, pixels)


def scattered_channels(
    d_columns: np.ndarray, keys: np.ndarray, weights: np.ndarray, count: int
) -> np.ndarray:
    """``(C, count)``: channel ``c``'s row ``r`` sums ``weights[g, j, i] · d_columns[c][i]`` over the
    ``(j, i)`` with ``keys[g, j, i] = r``, ``g`` the channel's offset group.

    ``d_columns`` ``(groups, K, C/groups, M)``, channel ``c`` at ``[c // (C/groups), :, c % (C/groups)]``
    (its ``R = K·M`` values); ``keys`` (intp) and ``weights`` ``(G, J, K, M)``, ``J`` entries per value
    (the neighbours). One ``np.bincount`` of ``J·R`` weighted entries per channel (a loop over the C
    channels, not the values), each channel's values read where the products put them (no transpose
    of the ``C·R`` values: that copy took 30 of the 82 ms of the scatter before it, on the layer of
    ``benchmarks/deform_conv.py``, in a scratch profile). A bincount over every
    channel at once (:func:`.roi_boxes.scattered_rows`) needs a C times longer index and measured 2.7
    times slower; sorting the keys and ``np.add.reduceat`` 2.5 times. Sums in float64, returned in
    ``d_columns``' dtype.
    """
    groups, _, per_group, _ = d_columns.shape
    channels = groups * per_group
    per_offset_group = channels // keys.shape[0]
    out = np.empty((channels, count), dtype=d_columns.dtype)
    for channel in range(channels):
        g = channel // per_offset_group
        values = d_columns[channel // per_group, :, channel % per_group]  # (K, M)
        out[channel] = np.bincount(keys[g].ravel(), weights=(weights[g] * values).ravel(), minlength=count)
    return out


def weight_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """``(C_out, C/groups, kh, kw)`` → ``(groups, C_out/groups, kh·kw·C/groups)``, taps before channels."""
    c_out, per_group = weight.shape[:2]
    taps = weight.reshape(groups, c_out // groups, per_group, -1).transpose(0, 1, 3, 2)
    return np.ascontiguousarray(taps).reshape(groups, c_out // groups, -1)


def gathered(rows: np.ndarray, pixels: np.ndarray, size: int) -> np.ndarray:
    """Each sample's neighbour's ``C/G`` values: ``pixels`` ``(N, Ho, Wo, K, G)`` → ``(..., C/G)``.

    ``rows`` is :func:`.grid_sample.padded_rows` as ``(N·size·G, C/G)``, ``size = H·W + 1``: image
    ``n``'s pixel ``p``, offset group ``g`` is row ``(n·size + p)·G + g``, ``p = H·W`` the zero row.
    """
    return np.take(rows, neighbour_keys(pixels, size), axis=0)


def neighbour_keys(pixels: np.ndarray, size: int) -> np.ndarray:
    """The rows of :func:`gathered`'s ``rows`` that ``pixels`` ``(N, Ho, Wo, K, G)`` name, same shape."""
    n, offset_groups = pixels.shape[0], pixels.shape[-1]
    image = (np.arange(n) * size).reshape(n, 1, 1, 1, 1)
    return (image + pixels) * offset_groups + np.arange(offset_groups)


#: Bytes of gathered values per chunk of :func:`neighbour_dots` (still in cache for its dot products).
DOT_CHUNK_BYTES = 1 << 20


def neighbour_dots(
    d_samples: np.ndarray, rows: np.ndarray, pixels: np.ndarray, size: int
) -> list[np.ndarray]:
    """``Σ_c d_samples · neighbour`` per sample for each of the 4 neighbours ``pixels`` (4, N, Ho, Wo, K, G).

    ``d_samples`` ``(N, Ho, Wo, K, G, C/G)``. The same values as ``einsum`` of ``d_samples`` with each
    :func:`gathered` array, but gathered a chunk of :data:`DOT_CHUNK_BYTES` at a time and dotted while
    in cache: the 4 gathers no longer write and read back arrays of the samples' size.
    """
    flat = d_samples.reshape(int(np.prod(d_samples.shape[:-1])), rows.shape[1])  # (explicit: C/G may be 0)
    step = max(1, DOT_CHUNK_BYTES // max(1, flat[:1].nbytes))
    reads = []
    for p in pixels:
        keys = neighbour_keys(p, size).reshape(-1)
        dots = np.empty(len(keys), flat.dtype)
        for start in range(0, len(keys), step):
            part = slice(start, start + step)
            np.einsum("rc,rc->r", flat[part], np.take(rows, keys[part], axis=0), out=dots[part])
        reads.append(dots.reshape(p.shape))
    return reads


class DeformConv2dFunction(Function):
    """``deform_conv2d`` on arrays: input ``(N, C, H, W)`` (and offset, weight, ...) → ``(N, C_out, Ho, Wo)``.

    Forward keeps the weight-grouped columns (for the weight's gradient) besides its inputs;
    backward finds the positions, neighbours and weights again from the offsets (``G`` values per
    sample, not ``C``) and gathers the neighbours again, one at a time, as torchvision's kernel.
    """

    @staticmethod
    def forward(ctx, x, offset, weight, bias, mask, stride, padding, dilation):
        n, c, height, width = x.shape
        c_out, per_group, kh, kw = weight.shape
        groups, (ho, wo), k = c // per_group, offset.shape[2:], kh * kw
        offset_groups = offset.shape[1] // (2 * k)
        y, x_pos = sample_positions(offset, (kh, kw), stride, padding, dilation)
        pixels, weights, _, _, edge = neighbours(y, x_pos, height, width)
        pixels = read_pixels(pixels, edge, height * width)
        rows = padded_rows(x).reshape(-1, c // offset_groups)  # (N·(H·W + 1)·G, C/G): a zero row per image
        samples = None
        for p, w in zip(pixels, weights):  # one neighbour at a time: 2 arrays of the samples' size at most
            values = gathered(rows, p, height * width + 1)
            values *= w[..., None]
            samples = values if samples is None else np.add(samples, values, out=samples)
            del values  # freed before the next gather (samples, when it is the first, stays)
        if mask is not None:
            samples *= mask.reshape(n, offset_groups, k, ho, wo).transpose(0, 3, 4, 2, 1)[..., None]
        m = n * ho * wo
        columns = (
            samples.reshape(m, k, groups, per_group).transpose(2, 0, 1, 3).reshape(groups, m, k * per_group)
        )
        out = np.matmul(
            columns, weight_matrix(weight, groups).transpose(0, 2, 1)
        )  # (groups, M, C_out/groups)
        out = out.transpose(1, 0, 2).reshape(n, ho, wo, c_out)
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, offset, mask, columns)  # inputs written in place since: backward refuses
        ctx.weight, ctx.geometry = weight, (stride, padding, dilation)
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        x, offset, mask, columns = ctx.saved_tensors
        need_x, need_offset, need_weight, need_bias, need_mask = ctx.needs_input_grad
        n, c, height, width = x.shape
        weight = ctx.weight
        c_out, per_group, kh, kw = weight.shape
        groups, (ho, wo), k = c // per_group, grad.shape[2:], kh * kw
        offset_groups = offset.shape[1] // (2 * k)
        dy = to_nhwc(grad).reshape(n * ho * wo, groups, c_out // groups).transpose(1, 0, 2)
        d_weight = d_bias = d_x = d_offset = d_mask = None
        if need_weight:
            d_weight = np.matmul(dy.transpose(0, 2, 1), columns).reshape(c_out, k, per_group)
            d_weight = d_weight.transpose(0, 2, 1).reshape(weight.shape)
        if need_bias:
            d_bias = dy.sum(axis=1).reshape(c_out)
        if not (need_x or need_offset or need_mask):
            return None, None, d_weight, d_bias, None
        y, x_pos = sample_positions(offset, (kh, kw), *ctx.geometry)
        pixels, weights, ty, tx, edge = neighbours(y, x_pos, height, width)
        scale = None if mask is None else mask.reshape(n, offset_groups, k, ho, wo).transpose(0, 3, 4, 2, 1)
        if need_offset or need_mask:
            d_samples = np.matmul(dy, weight_matrix(weight, groups))  # (groups, M, K·C/groups)
            d_samples = d_samples.reshape(groups, n, ho, wo, k, per_group).transpose(1, 2, 3, 4, 0, 5)
            d_samples = d_samples.reshape(*y.shape, c // offset_groups)  # (N, Ho, Wo, K, G, C/G)
            rows = padded_rows(x).reshape(-1, c // offset_groups)
            reads = neighbour_dots(
                d_samples, rows, pixels, height * width + 1
            )  # g · neighbour, gathered again
            del d_samples  # before the input's gradient forms its own, channel-major
        if need_mask:
            d_mask = np.where(edge, 0, sum(w * r for w, r in zip(weights, reads)))  # 0 · NaN: read_pixels
            d_mask = d_mask.transpose(0, 4, 3, 1, 2).reshape(n, offset_groups * k, ho, wo)
        if need_offset:
            one = tx.dtype.type(1)
            along_y = (one - tx) * (reads[2] - reads[0]) + tx * (reads[3] - reads[1])
            along_x = (one - ty) * (reads[1] - reads[0]) + ty * (reads[3] - reads[2])
            d_offset = np.stack([along_y, along_x], axis=-1)  # (N, Ho, Wo, K, G, 2)
            if scale is not None:
                d_offset *= scale[..., None]
            d_offset = d_offset.transpose(0, 4, 3, 5, 1, 2).reshape(n, 2 * offset_groups * k, ho, wo)
        if need_x:
            d_x = input_gradient(dy, weight, pixels, weights, edge, scale, (height, width))
        return d_x, d_offset, d_weight, d_bias, d_mask

    @staticmethod
    def graph_backward(ctx, grad):
        """The plain gradients, which raise if differentiated again: torchvision's have no derivative."""
        return delayed_error_gradients(ctx, grad, _NO_DOUBLE_BACKWARD)


def input_gradient(dy, weight, pixels, weights, edge, scale, size: tuple) -> np.ndarray:
    """The input's gradient ``(N, C, H, W)``: the columns' gradient sent back through the bilinear taps.

    ``dy`` ``(groups, M, C_out/groups)``; ``pixels``, ``weights`` ``(4, N, Ho, Wo, K, G)`` and ``edge``
    ``(N, Ho, Wo, K, G)`` from :func:`neighbours`; ``scale`` the mask as ``(N, Ho, Wo, K, G)`` or None.
    The columns' gradient is formed channel-major, ``(groups, K, C/groups, M)``, by one product per
    weight group, so that :func:`scattered_channels` reads each channel's values without a transpose;
    the mask joins the weights (``G`` values per sample, not ``C``).
    """
    (height, width), (_, per_group, kh, kw) = size, weight.shape
    n, (groups, m), k, offset_groups = pixels.shape[1], dy.shape[:2], kh * kw, pixels.shape[-1]
    d_columns = np.matmul(weight_matrix(weight, groups).transpose(0, 2, 1), dy.transpose(0, 2, 1))
    d_columns = d_columns.reshape(groups, k, per_group, m)  # (groups, K·C/groups, M) → channel-major
    if scale is not None:
        weights = weights * scale
    image = (np.arange(n) * (height * width + 1)).reshape(n, 1, 1, 1, 1)
    keys = image + read_pixels(pixels, edge, height * width)  # (4, N, Ho, Wo, K, G): a zero row per image
    order = (5, 0, 4, 1, 2, 3)  # → (G, 4, K, N, Ho, Wo): each offset group's, as the columns' (K, M)
    keys, weights = (a.transpose(order).reshape(offset_groups, 4, k, m) for a in (keys, weights))
    d_rows = scattered_channels(d_columns, keys, weights, n * (height * width + 1))  # (C, N·(H·W + 1))
    d_rows = d_rows.reshape(groups * per_group, n, height * width + 1)[:, :, :-1]
    return np.ascontiguousarray(d_rows.transpose(1, 0, 2)).reshape(n, groups * per_group, height, width)


def checked_shapes(op, x, offset, weight, bias, mask, stride, padding, dilation) -> None:
    """torchvision's checks of ``deform_conv2d``'s arguments, with errors that name the shapes and the fix."""
    for name, t in (("input", x), ("offset", offset), ("weight", weight), ("mask", mask)):
        if t is not None and t.ndim != 4:
            raise ValueError(f"{op}: {name} must be 4-d, got shape {tuple(t.shape)}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a float tensor, got {x.dtype}")
    _same_dtype(op, x, offset, weight, bias, mask)
    n, c, height, width = x.shape
    c_out, per_group, kh, kw = weight.shape
    if per_group == 0 or c % per_group or c_out % (c // per_group):
        raise ValueError(
            f"{op}: weight {tuple(weight.shape)} does not fit input {tuple(x.shape)}: weight.shape[1] "
            f"(channels per group) must divide the {c} input channels, and the groups the {c_out} outputs"
        )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    taps = kh * kw
    offset_groups = offset.shape[1] // (2 * taps)
    if offset_groups == 0 or offset.shape[1] != 2 * taps * offset_groups or c % offset_groups:
        raise ValueError(
            f"{op}: offset.shape[1] must be 2·offset_groups·kh·kw = a multiple of {2 * taps} for the "
            f"{kh}×{kw} kernel, with offset_groups dividing the {c} input channels; got {offset.shape[1]}"
        )
    ho = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if ho <= 0 or wo <= 0:
        raise ValueError(
            f"{op}: the output would be {ho}×{wo} for input {tuple(x.shape)}, kernel {kh}×{kw}, "
            f"padding {padding}, dilation {dilation}: pad the input or use a smaller kernel"
        )
    for name, t, channels in (
        ("offset", offset, 2 * taps * offset_groups),
        ("mask", mask, taps * offset_groups),
    ):
        if t is not None and tuple(t.shape) != (n, channels, ho, wo):
            raise ValueError(
                f"{op}: {name} must have shape {(n, channels, ho, wo)} (batch, {name} channels, the output's "
                f"height and width), got {tuple(t.shape)}"
            )


def deform_conv2d(
    input: Tensor,  # noqa: A002
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=(1, 1),
    padding=(0, 0),
    dilation=(1, 1),
    mask: Tensor | None = None,
) -> Tensor:
    """Deformable convolution (v1), or modulated deformable convolution (v2) when ``mask`` is given.

    Args:
        input: ``(N, C, H, W)``.
        offset: ``(N, 2·offset_groups·kh·kw, Ho, Wo)``: per output position, a ``(Δy, Δx)`` for each tap
            and offset group (``offset_groups`` is read from its channels and must divide ``C``).
        weight: ``(C_out, C/groups, kh, kw)``; ``groups`` is read from it, as torchvision does.
        bias: ``(C_out,)`` or None.
        stride, padding, dilation: an int or a pair ``(h, w)``.
        mask: ``(N, offset_groups·kh·kw, Ho, Wo)`` multiplying each sample, or None (v1).

    Shape: output ``(N, C_out, Ho, Wo)``, ``Ho = (H + 2·pad_h − dil_h·(kh − 1) − 1) // stride_h + 1``.
    Differentiable w.r.t. input, offset, weight, bias and mask. Cost: the module's docstring.

    Example:
        >>> import tt_autograd as autograd
        >>> x, w = autograd.ones(1, 1, 3, 3), autograd.ones(1, 1, 2, 2)
        >>> shifted = autograd.full((1, 8, 2, 2), 0.5)  # every tap half a pixel down and right
        >>> deform_conv2d(x, shifted, w).numpy()[0, 0].tolist()  # the bottom right taps half outside
        [[4.0, 3.0], [3.0, 2.25]]
    """
    op = "deform_conv2d"
    x, offset, weight = (
        _as_tensor(op, t, name) for t, name in ((input, "input"), (offset, "offset"), (weight, "weight"))
    )
    bias = None if bias is None else _as_tensor(op, bias, "bias")
    mask = None if mask is None else _as_tensor(op, mask, "mask")
    stride, dilation = pair(op, "stride", stride), pair(op, "dilation", dilation)
    padding = pair(op, "padding", padding, minimum=0)
    checked_shapes(op, x, offset, weight, bias, mask, stride, padding, dilation)
    return DeformConv2dFunction.apply(
        x, offset, weight, bias, mask, stride=stride, padding=padding, dilation=dilation
    )


class DeformConv2d(Module):
    """Layer form of :func:`deform_conv2d`: it owns the weight and bias; offsets (and mask) come per call.

    Args:
        in_channels, out_channels: ``C`` and ``C_out``.
        kernel_size, stride, padding, dilation: an int or a pair.
        groups: weight groups (must divide both channel counts).
        bias: learn a bias (default True).

    Initialised as torchvision's (``Conv2d``'s): Kaiming-uniform weight with ``a = √5``, bias uniform
    in ``±1/√fan_in``. State-dict keys ``weight``, ``bias``.

    Shape: ``forward(input (N, C, H, W), offset, mask=None)`` → ``(N, C_out, Ho, Wo)``.

    Example:
        >>> DeformConv2d(4, 8, 3, padding=1, groups=2)
        DeformConv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError(f"DeformConv2d: in_channels={in_channels} must be divisible by groups={groups}")
        if out_channels % groups != 0:
            raise ValueError(
                f"DeformConv2d: out_channels={out_channels} must be divisible by groups={groups}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair("DeformConv2d", "kernel_size", kernel_size)
        self.stride = pair("DeformConv2d", "stride", stride)
        self.padding = pair("DeformConv2d", "padding", padding, minimum=0)
        self.dilation = pair("DeformConv2d", "dilation", dilation)
        make_parameters(
            self, (out_channels, in_channels // groups, *self.kernel_size), bias, out_channels, None
        )

    def reset_parameters(self) -> None:
        """Redraw weight and bias with torchvision's initialisation (``Conv2d``'s)."""
        reset_parameters(self)

    def forward(self, input: Tensor, offset: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: A002
        """:func:`deform_conv2d` with this layer's weight, bias and geometry."""
        return deform_conv2d(
            input, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask
        )

    def __repr__(self) -> str:
        text = (
            f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        )
        text += f", stride={self.stride}"
        text += f", padding={self.padding}" if self.padding != (0, 0) else ""
        text += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        text += f", groups={self.groups}" if self.groups != 1 else ""
        return text + (", bias=False)" if self.bias is None else ")")
