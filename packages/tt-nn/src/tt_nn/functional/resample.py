"""Padding and resizing, both as *resampling along one axis*: ``F.pad`` and ``F.interpolate``.

Every output position along an axis reads one or two input positions with
weights: reflect/replicate/circular padding and nearest resizing read one
(weight 1), linear/bilinear resizing reads the two neighbours with weights
``1 - t`` and ``t``, constant padding reads nothing (weight 0) and adds the
fill value. So one ``Function`` does it all, an axis at a time:

    forward:  out[..., j, ...]  = sum_k w_k[j] * x[..., i_k[j], ...]
    backward: dx[..., i_k[j], ...] += w_k[j] * g[..., j, ...]   (np.add.at)

Cost: O(k * output size) per axis, vectorised.
"""

from __future__ import annotations

import warnings

import numpy as np
from tt_autograd import Function
from tt_autograd.functions.indexing import PlaceAtKeyFunction
from tt_tensor.checks import check_bool

from ._checks import float_arg, tensor_arg


class ResampleFunction(Function):
    """``out = sum_k weights[k] * take(x, indices[k], axis)``; ``indices``, ``weights``: ``(k, out_size)``."""

    complex_gradient = "conjugate"  # its rules are linear, with real weights (tt_autograd.complex_grad)

    @staticmethod
    def forward(ctx, x, axis, indices, weights):
        ctx.shape, ctx.axis, ctx.indices, ctx.weights = x.shape, axis, indices, weights
        view = [1] * x.ndim
        view[axis] = -1
        out = None
        for index, weight in zip(indices, weights):
            term = np.take(x, index, axis=axis) * weight.astype(x.dtype).reshape(view)
            out = term if out is None else out + term
        return out

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        view = [1] * grad.ndim
        view[ctx.axis] = -1
        where = (slice(None),) * ctx.axis
        for index, weight in zip(ctx.indices, ctx.weights):
            np.add.at(out, where + (index,), grad * weight.astype(grad.dtype).reshape(view))
        return (out,)

    @staticmethod
    def graph_backward(ctx, grad):  # the same sum, each scatter-add recorded as indexing's backward
        shape = [1] * grad.ndim
        shape[ctx.axis] = -1
        terms = (
            PlaceAtKeyFunction.apply(
                grad * weight.astype(grad.array.dtype).reshape(shape),
                shape=ctx.shape,
                key=(slice(None),) * ctx.axis + (index,),
            )
            for index, weight in zip(ctx.indices, ctx.weights)
        )
        return (sum(terms),)


class ConstantPadFunction(Function):
    """Constant padding (negative sizes crop): forward writes ``x`` into a filled array, backward slices.

    ``spans``: per padded axis ``(axis, before, after)``. No arithmetic touches the fill, so an
    inf or NaN at the edge stays where it is, and backward is one slice of the gradient.
    """

    complex_gradient = "conjugate"  # its rules are linear (tt_autograd.complex_grad)

    @staticmethod
    def forward(ctx, x, spans, value):
        shape, source, target = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for axis, before, after in spans:
            size = x.shape[axis]
            shape[axis] = size + before + after
            kept = max(0, size - max(0, -before) - max(0, -after))
            source[axis] = slice(max(0, -before), max(0, -before) + kept)
            target[axis] = slice(max(0, before), max(0, before) + kept)
        out = np.full(shape, value, dtype=x.dtype)
        out[tuple(target)] = x[tuple(source)]
        ctx.shape, ctx.source, ctx.target = x.shape, tuple(source), tuple(target)
        return out

    @staticmethod
    def backward(ctx, grad):
        dx = np.zeros(ctx.shape, dtype=grad.dtype)
        dx[ctx.source] = grad[ctx.target]
        return (dx,)

    @staticmethod
    def graph_backward(ctx, grad):  # the slice, recorded: indexing, then its backward
        return (PlaceAtKeyFunction.apply(grad[ctx.target], shape=ctx.shape, key=ctx.source),)


PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode: str = "constant", value: float | None = None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``, last dim first.

    Args:
        input: a tensor ``(*, ...)``.
        pad: pairs of sizes, from the last dim backwards; negative sizes crop
            (constant mode).
        mode: ``"constant"`` (``value``, default 0), ``"reflect"`` (mirror without
            repeating the edge), ``"replicate"`` (repeat the edge) or ``"circular"``.
        value: the fill of constant padding.

    Shape:
        each padded dim grows by its two pads.
    """
    input = tensor_arg("pad", input)  # noqa: A001
    for position, size in enumerate(pad):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(
                f"pad: argument 'pad' must be a tuple of ints, but found element of type "
                f"{type(size).__name__} at pos {position}"
            )
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: padding {pad} must have an even length of at most 2 * input.ndim ({2 * input.ndim}) "
            f"for an input of shape {tuple(input.shape)}"
        )
    if mode not in PAD_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use one of {PAD_MODES}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: value= only applies to mode='constant', not {mode!r}")
    spans = []
    for pair in range(len(pad) // 2):
        axis = input.ndim - 1 - pair
        before, after = pad[2 * pair], pad[2 * pair + 1]
        size = input.shape[axis]
        if mode != "constant" and (before < 0 or after < 0):
            raise ValueError(f"pad: negative padding {pad} is only supported in constant mode")
        if mode == "reflect" and (before >= size or after >= size):  # PyTorch's words and error type
            raise RuntimeError(
                f"pad: Argument #{4 + 2 * pair}: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({before}, {after}) at dimension {axis} of input "
                f"{list(input.shape)}"
            )
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        if size + before + after < 0:
            raise ValueError(f"pad: padding {pad} crops dim {axis} of shape {tuple(input.shape)} below 0")
        spans.append((axis, before, after))
    if mode == "constant":
        return ConstantPadFunction.apply(input, spans=tuple(spans), value=0 if value is None else value)
    out = input
    for axis, before, after in spans:
        size = input.shape[axis]
        positions = np.arange(-before, size + after)
        if mode == "reflect":  # ... 2 1 | 0 1 2 3 | 2 1 ...: period 2 * (size - 1)
            period = 2 * (size - 1)
            index = np.abs(positions) % period if period else positions * 0
            index = np.where(index >= size, period - index, index)
        elif mode == "replicate":
            index = np.clip(positions, 0, size - 1)
        else:
            index = positions % size
        out = ResampleFunction.apply(
            out, axis=axis, indices=index[None], weights=np.ones((1, len(positions)))
        )
    return out


INTERPOLATE_MODES = (
    "nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear", "lanczos"
)  # fmt: skip

#: The input rank each mode takes: the linear family one rank each, the others any of 3-5.
_MODE_RANKS = {"linear": (3,), "bilinear": (4,), "bicubic": (4,), "trilinear": (5,), "lanczos": (4,)}

#: Bicubic convolution's ``A`` (Keys' kernel), PyTorch's and OpenCV's value.
_CUBIC_A = -0.75


def interpolate(
    input,  # noqa: A002
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
):
    """Resize the spatial dims of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` (``F.interpolate``).

    Every mode is separable: each spatial axis in turn, each output position a weighted
    sum of a few input positions along that axis (:func:`_taps`), one :class:`ResampleFunction`.

    Args:
        size: the output spatial size (an int, or one per spatial dim).
        scale_factor: or a multiplier per spatial dim (output size is
            ``floor(input size * scale_factor)``).
        mode: ``"nearest"`` (PyTorch's: position ``floor(dst · scale)``), ``"nearest-exact"``
            (``floor((dst + ½) · scale)``), ``"area"`` (the mean of each output's span, as
            adaptive average pooling), ``"linear"`` (3-D input), ``"bilinear"`` / ``"bicubic"``
            (4-D; bicubic is Keys' cubic convolution with ``A = −0.75`` over 4 taps, edges
            clamped, as PyTorch), ``"trilinear"`` (5-D).
        align_corners: for the linear and cubic modes: map the corner pixels' centres onto each
            other (True) or the corner pixels' edges (False, the default).
        antialias: for ``"bilinear"``, ``"bicubic"`` and ``"lanczos"`` (which requires it): when
            shrinking, widen the filter by the shrink factor so every input pixel contributes
            (PIL's resampling, as PyTorch's; :func:`_antialias_taps`). Cost: taps per output
            position grow with the factor (2·factor for bilinear, 4· bicubic, 6· Lanczos).

    Shape:
        ``(N, C, *spatial_in)`` -> ``(N, C, *spatial_out)``.
    """
    input = float_arg("interpolate", input)  # noqa: A001
    if mode not in INTERPOLATE_MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; use one of {INTERPOLATE_MODES}"
        )
    if input.ndim not in _MODE_RANKS.get(mode, (3, 4, 5)):
        raise ValueError(
            f"interpolate: mode {mode!r} got input of shape {tuple(input.shape)}; 'linear' takes (N, C, L), "
            "'bilinear' and 'bicubic' (N, C, H, W), 'trilinear' (N, C, D, H, W), and 'nearest', "
            "'nearest-exact' and 'area' any of them"
        )
    if align_corners is not None:
        check_bool("interpolate", "align_corners", align_corners)
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            f"interpolate: align_corners only applies to the linear and cubic modes, not {mode!r}"
        )
    if antialias and mode not in _ANTIALIAS_FILTERS:
        raise ValueError(
            f"interpolate: antialias=True is for modes 'bilinear', 'bicubic' and 'lanczos' (4-D input), "
            f"not {mode!r}; leave it False"
        )
    if mode == "lanczos" and (not antialias or align_corners):
        raise ValueError(
            "interpolate: mode 'lanczos' requires antialias=True and no align_corners (PyTorch's rule)"
        )
    spatial = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * len(spatial) if isinstance(size, int) else tuple(size)
    else:
        factors = (
            (scale_factor,) * len(spatial) if not isinstance(scale_factor, (tuple, list)) else scale_factor
        )
        sizes = tuple(int(np.floor(s * f)) for s, f in zip(spatial, factors))
    if len(sizes) != len(spatial) or any(s <= 0 for s in sizes):
        raise ValueError(
            f"interpolate: output size {sizes} must be positive, one per spatial dim of {spatial}"
        )
    if size is not None or recompute_scale_factor:
        scales = [s_in / s_out for s_in, s_out in zip(spatial, sizes)]
    else:
        scales = [1.0 / f for f in factors]
    out = input
    for offset, (s_in, s_out, scale) in enumerate(zip(spatial, sizes, scales)):
        if antialias:
            scale = ((s_in - 1) / (s_out - 1) if s_out > 1 else 0.0) if align_corners else scale
            index, weight = _antialias_taps(mode, s_in, s_out, scale)
        else:
            index, weight = _taps(mode, s_in, s_out, scale, bool(align_corners))
        out = ResampleFunction.apply(out, axis=2 + offset, indices=index, weights=weight)
    return out


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):  # noqa: A002
    """PyTorch's deprecated name for :func:`interpolate` (it warns, as PyTorch's does)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def _deprecated(name: str) -> None:
    warnings.warn(
        f"nn.functional.{name} is deprecated. Use nn.functional.interpolate instead.",
        UserWarning,
        stacklevel=3,
    )


def _taps(mode: str, s_in: int, s_out: int, scale: float, align_corners: bool):
    """Input positions ``(k, s_out)`` and weights ``(k, s_out)`` that one output axis reads."""
    dst = np.arange(s_out, dtype=np.float64)
    if mode in ("nearest", "nearest-exact"):
        src = dst * scale if mode == "nearest" else (dst + 0.5) * scale
        return np.minimum(np.floor(src).astype(np.int64), s_in - 1)[None], np.ones((1, s_out))
    if mode == "area":  # output i averages inputs floor(i·s_in/s_out) … ceil((i+1)·s_in/s_out) − 1
        start = (np.arange(s_out) * s_in) // s_out
        end = -((-(np.arange(s_out) + 1) * s_in) // s_out)
        offsets = np.arange((end - start).max())[:, None]
        inside = start + offsets < end
        return np.minimum(start + offsets, s_in - 1), inside / (end - start)
    if align_corners:
        src = dst * ((s_in - 1) / (s_out - 1)) if s_out > 1 else dst * 0.0
    else:
        src = (dst + 0.5) * scale - 0.5
    if mode == "bicubic":  # 4 taps around floor(src), clamped at the edges; no clamping of src itself
        low = np.floor(src)
        t = src - low
        taps = np.clip(low.astype(np.int64) + np.arange(-1, 3)[:, None], 0, s_in - 1)
        return taps, _cubic_weights(t)
    src = np.maximum(src, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), s_in - 1)
    high = np.minimum(low + 1, s_in - 1)
    frac = src - low
    return np.stack([low, high]), np.stack([1.0 - frac, frac])


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution weights ``(4, n)`` of the taps at distances ``1 + t, t, 1 − t, 2 − t``."""
    return np.stack(
        [_keys(t + 1, _CUBIC_A), _keys(t, _CUBIC_A), _keys(1 - t, _CUBIC_A), _keys(2 - t, _CUBIC_A)]
    )


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    """Keys' cubic convolution kernel at distance ``x``: ``A = -0.75`` in PyTorch's bicubic mode,
    ``-0.5`` (PIL's) in its antialiased one."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


#: Antialiased filters: half their width at scale 1, and the kernel.
_ANTIALIAS_FILTERS = {"bilinear": (1.0, _triangle), "bicubic": (2.0, _keys), "lanczos": (3.0, _lanczos3)}


def _antialias_taps(mode: str, s_in: int, s_out: int, scale: float):
    """Input positions and weights ``(k, s_out)`` of PIL's separable resampling, PyTorch's ``antialias``.

    Output ``i`` is centred at input coordinate ``c = scale · (i + ½)``; when shrinking
    (``scale > 1``) the kernel is stretched by ``scale`` (so it spans ``2 · half · scale``
    inputs: a low-pass filter before sampling), else used as is. The inputs whose centres lie
    within the support, clipped to the image, are weighted by the kernel at their distance and
    normalised to sum to 1. Padding taps (windows narrower than the widest) weigh 0.
    """
    half, kernel = _ANTIALIAS_FILTERS[mode]
    support, stretch = (half * scale, 1.0 / scale) if scale >= 1.0 else (half, 1.0)
    centre = scale * (np.arange(s_out) + 0.5)
    first = np.maximum((centre - support + 0.5).astype(np.int64), 0)  # (C's int(): toward zero)
    stop = np.minimum((centre + support + 0.5).astype(np.int64), s_in)
    positions = first + np.arange((stop - first).max())[:, None]
    weights = kernel((positions - centre + 0.5) * stretch) * (positions < stop)
    return np.minimum(positions, s_in - 1), weights / weights.sum(axis=0)  # (the nearest tap weighs > 0)


def resize_weights(
    size_in: int, size_out: int, mode: str = "bilinear", antialias: bool = False, align_corners: bool = False
) -> np.ndarray:
    """The ``(size_out, size_in)`` float64 matrix that resizes one axis as :func:`interpolate` does.

    ``interpolate(x, size)`` along an axis is ``weights @ x`` along it (its taps, summed into a
    dense matrix), for callers that resample many differently-sized windows to one size with
    batched matrix products (tt-vision's ``RandomResizedCrop``: a crop box per image).
    Modes: ``"nearest"``, ``"nearest-exact"``, ``"bilinear"``, ``"bicubic"`` (the 1-d kernels).
    Cost: ``O(size_out · size_in)`` memory; the taps are ``O(size_out · taps)``.
    """
    scale = size_in / size_out
    if antialias:
        scale = ((size_in - 1) / (size_out - 1) if size_out > 1 else 0.0) if align_corners else scale
        index, weight = _antialias_taps(mode, size_in, size_out, scale)
    else:
        index, weight = _taps(mode, size_in, size_out, scale, align_corners)
    matrix = np.zeros((size_out, size_in))
    np.add.at(matrix, (np.broadcast_to(np.arange(size_out), index.shape), index), weight)
    return matrix
