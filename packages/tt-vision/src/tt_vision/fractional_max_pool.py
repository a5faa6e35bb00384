"""``fractional_max_pool2d`` / ``3d``: max-pooling over windows placed at pseudo-random fractional strides.

Graham's fractional max-pooling (2014) shrinks an axis of length ``L`` to any
``out`` (say ``L/√2``) instead of halving it: window ``i`` of size ``k``
starts at

    start_i = ⌊(i + u)·α⌋ − ⌊u·α⌋  for i < out − 1,   start_{out−1} = L − k,
    α = (L − k) / (out − 1),

with one uniform ``u ∈ [0, 1)`` per plane and axis, so the stride between
windows is ⌊α⌋ or ⌈α⌉ in a random mix. These are PyTorch's formula and
arithmetic (in the input's dtype), so the same ``_random_samples`` give the
same windows and indices as ``torch.nn.functional.fractional_max_pool2d`` and
``fractional_max_pool3d``: ``_random_samples[n, c]`` holds ``(u_width, u_height)``
in 2-d, but ``(u_depth, u_height, u_width)`` in 3-d (PyTorch's orders).

Both are one Function over any number of spatial axes: each plane has its own
windows, so each window element's flat position in its plane (``h·W + w``, or
``d·H·W + h·W + w``) is built by broadcasting the per-axis starts, the values are
gathered as an ``(N·C, *out, K)`` array (K the kernel's volume) and reduced by
one argmax (the first maximum in scan order, or a window's last NaN, as
PyTorch); backward adds each output's gradient to its maximum's position with
one ``np.bincount`` (windows may overlap).

Cost: a gather of N·C·(output size)·K values; backward one bincount over N·C·(output size).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_autograd as autograd  # noqa: F401  (the docstring examples use it)
from tt_autograd import Function, Tensor
from tt_tensor import numpy_generator

from ._layout import ints
from .functional import _as_tensor  # imported at functional.py's end
from .max_pool_indices import window_argmax


def window_starts(samples: np.ndarray, length: int, out: int, kernel: int) -> np.ndarray:
    """(P, out) start of each window along one axis: one row per plane, from its sample ``u``."""
    starts = np.empty((len(samples), out), np.int64)
    if out > 1:
        alpha = samples.dtype.type(length - kernel) / samples.dtype.type(out - 1)
        steps = np.arange(out - 1, dtype=samples.dtype)
        shifted = ((steps + samples[:, None]) * alpha).astype(np.int64)  # truncation = floor here
        starts[:, :-1] = shifted - (samples * alpha).astype(np.int64)[:, None]
    starts[:, -1] = length - kernel
    return starts


class FractionalMaxPoolFunction(Function):
    """Both fractional pools on NumPy arrays; ``indices`` (a list) receives the int64 positions."""

    @staticmethod
    def forward(ctx, x, kernel, output_size, samples, indices):
        """``x`` (N, C, *S); ``samples`` (N, C, len(S)) in x's dtype, one ``u`` per plane and axis of S."""
        n, c, *spatial = x.shape
        dims, planes = len(spatial), n * c
        u = samples.reshape(planes, dims)
        strides = np.cumprod([1, *spatial[:0:-1]])[::-1]  # a step along each axis in a plane's flat order
        flat = np.zeros((planes,) + (1,) * 2 * dims, np.int64)  # (P, *out, *kernel): each element's h·W + w
        for axis, (length, out, k, step) in enumerate(zip(spatial, output_size, kernel, strides)):
            starts = window_starts(u[:, axis], length, out, k)  # (P, out)
            reach = (starts[:, :, None] + np.arange(k)) * step  # (P, out, k)
            shape = [planes] + [1] * 2 * dims
            shape[1 + axis], shape[1 + dims + axis] = out, k
            flat = flat + reach.reshape(shape)
        flat = flat.reshape(planes, *output_size, -1)  # (P, *out, K)
        windows = np.take_along_axis(x.reshape(planes, -1), flat.reshape(planes, -1), axis=1)
        windows = windows.reshape(flat.shape)
        best = window_argmax(windows.reshape(planes, -1, 1, flat.shape[-1], 1))  # first maximum or last NaN
        best = best.reshape(*flat.shape[:-1], 1)
        out = np.take_along_axis(windows, best, axis=-1)[..., 0]
        ctx.positions = np.take_along_axis(flat, best, axis=-1)[..., 0]  # (P, *out)
        ctx.shape = x.shape
        indices.append(ctx.positions.reshape(n, c, *output_size))
        return out.reshape(n, c, *output_size)

    @staticmethod
    def backward(ctx, grad):
        n, c, *spatial = ctx.shape
        plane = int(np.prod(spatial))
        target = (np.arange(n * c).reshape(-1, *[1] * len(spatial)) * plane + ctx.positions).ravel()
        dx = np.bincount(target, weights=grad.ravel(), minlength=n * c * plane)
        return (dx.astype(grad.dtype, copy=False).reshape(ctx.shape),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import fractional_max_pool_graph_backward

        return fractional_max_pool_graph_backward(ctx, grad)


AXES = ("depth", "height", "width")


def fractional_output_size(op: str, spatial: tuple[int, ...], output_size, output_ratio) -> tuple[int, ...]:
    """The output's size from ``output_size``, or ``⌊L·r⌋`` per axis from ``output_ratio``."""
    dims = len(spatial)
    if output_size is not None:
        return ints(op, "output_size", output_size, dims)
    if output_ratio is None:
        example = (13,) * dims
        raise ValueError(
            f"{op} requires specifying either an output_size or an output_ratio "
            f"(e.g. output_size={example} or output_ratio=0.5)"
        )
    ratios = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * dims
    if len(ratios) != dims or not all(isinstance(r, (int, float)) and r > 0 for r in ratios):
        kind = {2: "pair", 3: "triple"}[dims]
        raise ValueError(f"{op}: output_ratio must be a positive number or a {kind}, got {output_ratio!r}")
    return tuple(int(length * r) for length, r in zip(spatial, ratios))


def _check_geometry(op: str, shape: tuple[int, ...], kernel: tuple[int, ...], out: tuple[int, ...]) -> None:
    """Each axis needs ``out + kernel − 1 <= L``; in 3-d ``< L``, PyTorch's stricter check there."""
    strict = len(kernel) == 3
    for axis, length, k, o in zip(AXES[-len(kernel) :], shape[2:], kernel, out):
        if o < 1:
            raise ValueError(f"{op}: the output {axis} is {o} for input {axis} {length}; raise output_ratio")
        if o + k - 1 + strict > length:
            need = "<" if strict else "<="
            raise ValueError(
                f"{op}: pool {axis} {k} too large relative to input {axis} {length} for output {axis} {o} "
                f"(needs output + kernel - 1 {need} input); use a smaller kernel_size or output size"
            )


def _samples(op: str, x: Tensor, given) -> np.ndarray:
    """``(N, C, dims)`` uniforms in x's dtype: ``given`` checked, or drawn from TinyTorch's generator."""
    n, c, dims = x.shape[0], x.shape[1], x.ndim - 2
    if given is None:
        return numpy_generator(None).random((n, c, dims)).astype(x.dtype.numpy, copy=False)
    samples = given.numpy() if isinstance(given, Tensor) else np.asarray(given)
    if samples.shape != (n, c, dims):
        raise ValueError(
            f"{op}: _random_samples must have shape (N, C, {dims}) = ({n}, {c}, {dims}) for input "
            f"{tuple(x.shape)}, got {samples.shape}"
        )
    return samples.astype(x.dtype.numpy, copy=False)


def _fractional_max_pool(op, input, kernel_size, output_size, output_ratio, given, dims):  # noqa: A002
    """Values and int64 flat indices of either pool; ``given`` holds ``_random_samples``."""
    kernel = ints(op, "kernel_size", kernel_size, dims)
    x = _as_tensor(op, input)
    if x.ndim not in (dims + 1, dims + 2):
        layout = "(N, C, D, H, W)" if dims == 3 else "(N, C, H, W)"
        raise ValueError(
            f"{op}: expected a {dims + 1}-d or {dims + 2}-d input {layout} (N optional), "
            f"got shape {tuple(x.shape)}"
        )
    unbatched = x.ndim == dims + 1
    x = x.unsqueeze(0) if unbatched else x
    sizes = fractional_output_size(op, tuple(x.shape[2:]), output_size, output_ratio)
    _check_geometry(op, tuple(x.shape), kernel, sizes)
    samples = _samples(op, x, given)
    if dims == 2:  # PyTorch's 2-d samples are (u_width, u_height); its 3-d ones (u_depth, u_height, u_width)
        samples = samples[..., ::-1]
    kept: list[np.ndarray] = []
    out = FractionalMaxPoolFunction.apply(x, kernel=kernel, output_size=sizes, samples=samples, indices=kept)
    indices = out.from_array(kept[0])  # (inside vmap: batched like out, by the pooling's rule)
    return (out[0], indices[0]) if unbatched else (out, indices)


def fractional_max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: int | Sequence[int],
    output_size: int | Sequence[int] | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool2d``'s values and the int64 position ``h·W + w`` of each maximum.

    The arguments are :func:`fractional_max_pool2d`'s (``return_indices`` is ignored, as in PyTorch).
    """
    return _fractional_max_pool(
        "fractional_max_pool2d", input, kernel_size, output_size, output_ratio, _random_samples, 2
    )


def fractional_max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: int | Sequence[int],
    output_size: int | Sequence[int] | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
):
    """Fractional max-pooling (Graham, 2014), like ``torch.nn.functional.fractional_max_pool2d``.

    Args:
        input: ``(N, C, H, W)`` (or ``(C, H, W)``).
        kernel_size: the window, an int or ``(kh, kw)``.
        output_size: ``(oh, ow)`` (or an int); needs ``oh + kh - 1 <= H`` and likewise for width.
        output_ratio: instead of ``output_size``: ``oh = ⌊H·r⌋`` (a number or a pair). PyTorch's
            functional form raises TypeError on a plain number (its module accepts one); here both do.
        return_indices: also return the int64 position ``h·W + w`` of each maximum.
        _random_samples: ``(N, C, 2)`` uniforms in ``[0, 1)``, ``(u_width, u_height)`` per plane;
            drawn from TinyTorch's default generator when ``None`` (``tt.manual_seed`` repeats them).

    Shape:
        output ``(N, C, oh, ow)``.

    Example:
        >>> x = autograd.arange(25.0).reshape(1, 1, 5, 5)
        >>> u = autograd.tensor([[[0.5, 0.5]]])
        >>> fractional_max_pool2d(x, 2, output_size=3, _random_samples=u).numpy().tolist()
        [[[[6.0, 8.0, 9.0], [16.0, 18.0, 19.0], [21.0, 23.0, 24.0]]]]
    """
    out, indices = fractional_max_pool2d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (out, indices) if return_indices else out


def fractional_max_pool3d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: int | Sequence[int],
    output_size: int | Sequence[int] | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool3d``'s values and the int64 position ``d·H·W + h·W + w`` of each maximum.

    The arguments are :func:`fractional_max_pool3d`'s (``return_indices`` is ignored, as in PyTorch).
    """
    return _fractional_max_pool(
        "fractional_max_pool3d", input, kernel_size, output_size, output_ratio, _random_samples, 3
    )


def fractional_max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: int | Sequence[int],
    output_size: int | Sequence[int] | None = None,
    output_ratio: float | Sequence[float] | None = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
):
    """Fractional max-pooling of volumes, like ``torch.nn.functional.fractional_max_pool3d``.

    Args:
        input: ``(N, C, D, H, W)`` (or ``(C, D, H, W)``).
        kernel_size: the window, an int or ``(kd, kh, kw)``.
        output_size: ``(od, oh, ow)`` (or an int); needs ``od + kd - 1 < D`` (strictly, as PyTorch's
            3-d check, where the 2-d one allows equality) and likewise for height and width.
        output_ratio: instead of ``output_size``: ``od = ⌊D·r⌋`` (a number or a triple).
        return_indices: also return the int64 position ``d·H·W + h·W + w`` of each maximum.
        _random_samples: ``(N, C, 3)`` uniforms in ``[0, 1)``, ``(u_depth, u_height, u_width)`` per
            plane (PyTorch's 3-d order); drawn from TinyTorch's default generator when ``None``.

    Shape:
        output ``(N, C, od, oh, ow)``.

    Example:
        >>> x = autograd.arange(64.0).reshape(1, 1, 4, 4, 4)
        >>> u = autograd.tensor([[[0.5, 0.5, 0.5]]])
        >>> fractional_max_pool3d(x, 2, output_size=(1, 1, 2), _random_samples=u).numpy().tolist()
        [[[[[61.0, 63.0]]]]]
    """
    out, indices = fractional_max_pool3d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (out, indices) if return_indices else out
