"""``fractional_max_pool2d``: max-pooling over windows placed at pseudo-random fractional strides.

Graham's fractional max-pooling (2014) shrinks an axis of length ``L`` to any
``out`` (say ``L/√2``) instead of halving it: window ``i`` of size ``k``
starts at

    start_i = ⌊(i + u)·α⌋ − ⌊u·α⌋  for i < out − 1,   start_{out−1} = L − k,
    α = (L − k) / (out − 1),

with one uniform ``u ∈ [0, 1)`` per plane and axis, so the stride between
windows is ⌊α⌋ or ⌈α⌉ in a random mix. These are PyTorch's formula and
arithmetic (in the input's dtype), so the same ``_random_samples`` give the
same windows and indices as ``torch.nn.functional.fractional_max_pool2d``:
``_random_samples[n, c]`` holds ``(u_width, u_height)``, in that order.

Each plane has its own windows, so they are gathered per plane as an
``(N·C, oh, ow, kh·kw)`` array and reduced by one argmax (the first maximum,
or a window's last NaN, as PyTorch); backward adds each output's gradient to
its maximum's position with one ``np.bincount`` (windows may overlap).

Cost: a gather of N·C·oh·ow·kh·kw values; backward one bincount over N·C·oh·ow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function, Tensor
from tt_tensor import numpy_generator

from ._layout import pair
from .functional import _batched  # imported at functional.py's end
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


class FractionalMaxPool2dFunction(Function):
    """``fractional_max_pool2d`` on NumPy arrays; ``indices`` (a list) receives the int64 positions."""

    @staticmethod
    def forward(ctx, x, kernel, output_size, samples, indices):
        """``x`` (N, C, H, W); ``samples`` (N, C, 2) in x's dtype: (u_width, u_height) per plane."""
        n, c, h, w = x.shape
        (kh, kw), (oh, ow) = kernel, output_size
        planes = x.reshape(n * c, h, w)
        u = samples.reshape(n * c, 2)
        tops = window_starts(u[:, 1], h, oh, kh)  # (P, oh)
        lefts = window_starts(u[:, 0], w, ow, kw)  # (P, ow)
        rows = (tops[:, :, None] + np.arange(kh))[:, :, None, :, None]  # (P, oh, 1, kh, 1)
        cols = (lefts[:, :, None] + np.arange(kw))[:, None, :, None, :]  # (P, 1, ow, 1, kw)
        plane = np.arange(n * c)[:, None, None, None, None]
        windows = planes[plane, rows, cols].reshape(n * c, oh, ow, kh * kw)
        best = window_argmax(windows[..., None])  # (P, oh, ow, 1)
        out = np.take_along_axis(windows, best, axis=3)[..., 0]
        down, right = np.divmod(best[..., 0], kw)  # the maximum's offset inside its window
        ctx.positions = (tops[:, :, None] + down) * w + lefts[:, None, :] + right  # (P, oh, ow): h·W + w
        ctx.shape = x.shape
        indices.append(ctx.positions.reshape(n, c, oh, ow).astype(np.int64, copy=False))
        return out.reshape(n, c, oh, ow)

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        target = (np.arange(n * c)[:, None, None] * (h * w) + ctx.positions).ravel()
        dx = np.bincount(target, weights=grad.ravel(), minlength=n * c * h * w)
        return (dx.astype(grad.dtype, copy=False).reshape(ctx.shape),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import fractional_max_pool2d_graph_backward

        return fractional_max_pool2d_graph_backward(ctx, grad)


def fractional_output_size(op: str, spatial: tuple[int, int], output_size, output_ratio) -> tuple[int, int]:
    """``(oh, ow)`` from ``output_size``, or ``⌊H·r_h⌋, ⌊W·r_w⌋`` from ``output_ratio``."""
    if output_size is not None:
        return pair(op, "output_size", output_size)
    if output_ratio is None:
        raise ValueError(
            f"{op} requires specifying either an output_size or an output_ratio "
            "(e.g. output_size=(13, 13) or output_ratio=0.5)"
        )
    ratios = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * 2
    if len(ratios) != 2 or not all(isinstance(r, (int, float)) and r > 0 for r in ratios):
        raise ValueError(f"{op}: output_ratio must be a positive number or a pair, got {output_ratio!r}")
    return int(spatial[0] * ratios[0]), int(spatial[1] * ratios[1])


def _check_geometry(op: str, shape: tuple[int, ...], kernel: tuple[int, int], out: tuple[int, int]) -> None:
    axes = (("height", shape[2], kernel[0], out[0]), ("width", shape[3], kernel[1], out[1]))
    for axis, length, k, o in axes:
        if o < 1:
            raise ValueError(f"{op}: the output {axis} is {o} for input {axis} {length}; raise output_ratio")
        if o + k - 1 > length:
            raise ValueError(
                f"{op}: pool {axis} {k} too large relative to input {axis} {length} for output {axis} {o} "
                f"(needs output + kernel - 1 <= input); use a smaller kernel_size or output size"
            )


def _samples(op: str, x: Tensor, given) -> np.ndarray:
    """``(N, C, 2)`` uniforms in x's dtype: ``given`` checked, or drawn from TinyTorch's generator."""
    n, c = x.shape[:2]
    if given is None:
        return numpy_generator(None).random((n, c, 2)).astype(x.dtype.numpy, copy=False)
    samples = given.numpy() if isinstance(given, Tensor) else np.asarray(given)
    if samples.shape != (n, c, 2):
        raise ValueError(
            f"{op}: _random_samples must have shape (N, C, 2) = ({n}, {c}, 2) for input "
            f"{tuple(x.shape)}, got {samples.shape}"
        )
    return samples.astype(x.dtype.numpy, copy=False)


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
    op = "fractional_max_pool2d"
    kernel = pair(op, "kernel_size", kernel_size)
    kept: list[np.ndarray] = []

    def run(x: Tensor) -> Tensor:
        sizes = fractional_output_size(op, tuple(x.shape[2:]), output_size, output_ratio)
        _check_geometry(op, tuple(x.shape), kernel, sizes)
        samples = _samples(op, x, _random_samples)
        return FractionalMaxPool2dFunction.apply(
            x, kernel=kernel, output_size=sizes, samples=samples, indices=kept
        )

    out = _batched(op, input, run)
    return out, autograd.tensor(kept[0] if out.ndim == 4 else kept[0][0])


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
