"""``max_unpool1d`` / ``max_unpool2d``: put each value back where ``max_pool`` found it, zeros elsewhere.

The indices are those ``max_pool1d`` / ``max_pool2d(..., return_indices=True)``
return: the flat position of each maximum in its own ``(L,)`` or ``(H, W)``
plane (PyTorch's convention). Unpooling is then one scatter per plane: the
``(N, C, ...)`` input and its indices are viewed as ``(N·C, plane)`` rows and
written into a zeroed ``(N·C, L_out)`` or ``(N·C, H_out·W_out)`` array by
``np.put_along_axis``. Its gradient is the matching gather, ``np.take_along_axis``
(an index that appears twice, from overlapping windows, reads the same
gradient twice, as in PyTorch).

The output size defaults to ``(in − 1)·stride − 2·padding + kernel`` per axis, the
size of a max-pool input that gives this output; ``output_size`` picks another
one within a stride of it (the sizes a max-pool rounds down to the same output).

Cost: one pass over the input forward, one over the gradient backward.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor

from ._layout import ints, pair
from .conv_transpose import single
from .functional import IntPair, _as_tensor  # imported at functional.py's end


class MaxUnpoolFunction(Function):
    """Scatter ``x`` (N, C, *in) to the flat ``positions`` of zeroed ``(N, C, *out_size)`` planes."""

    @staticmethod
    def forward(ctx, x, positions, out_size):
        rows = x.shape[0] * x.shape[1]
        ctx.positions = positions.reshape(rows, -1)
        ctx.in_shape = x.shape
        out = np.zeros((rows, int(np.prod(out_size))), dtype=x.dtype)
        np.put_along_axis(out, ctx.positions, x.reshape(rows, -1), axis=1)
        return out.reshape(*x.shape[:2], *out_size)

    @staticmethod
    def backward(ctx, grad):
        rows = ctx.positions.shape[0]
        return (np.take_along_axis(grad.reshape(rows, -1), ctx.positions, axis=1).reshape(ctx.in_shape),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import max_unpool_graph_backward

        return max_unpool_graph_backward(ctx, grad)


def unpool_output_size(op: str, in_size, kernel, stride, padding, output_size) -> tuple[int, ...]:
    """``(in − 1)·stride − 2·padding + kernel`` per axis (PyTorch's), or a checked ``output_size``."""
    default = tuple((i - 1) * s - 2 * p + k for i, k, s, p in zip(in_size, kernel, stride, padding))
    if output_size is None:
        if min(default) < 1:
            raise ValueError(f"{op}: the output size {default} (from input {tuple(in_size)}) is empty")
        return default
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,)
    if len(sizes) == len(in_size) + 2:
        sizes = sizes[2:]  # a full (N, C, ...) shape: its spatial part
    if len(sizes) != len(in_size):
        raise ValueError(
            f"{op}: output_size must have {len(in_size)} (or {len(in_size) + 2}) elements, "
            f"got {output_size!r}"
        )
    for axis, (size, usual, s) in enumerate(zip(sizes, default, stride)):
        if not usual - s < size < usual + s:
            raise ValueError(
                f"{op}: invalid output_size {tuple(output_size)}: dim {axis} must be between "
                f"{usual - s} and {usual + s} (exclusive), the sizes a max-pool maps to this input's"
            )
    return tuple(int(size) for size in sizes)


def _unpool(op: str, input, indices, kernel, stride, padding, output_size) -> Tensor:  # noqa: A002
    """The shared body: ``kernel``, ``stride``, ``padding`` are tuples of one int per spatial axis."""
    x = _as_tensor(op, input)
    spatial = len(kernel)
    if x.ndim not in (spatial + 1, spatial + 2):
        names = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)"}.get(
            spatial, "(C, D, H, W) or (N, C, D, H, W)"
        )
        raise ValueError(f"{op}: expected a {names} input, got shape {tuple(x.shape)}")
    positions = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
    if positions.shape != tuple(x.shape):
        raise ValueError(f"{op}: indices must have the input's shape {tuple(x.shape)}, got {positions.shape}")
    if positions.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers (as max_pool returns them), got {positions.dtype}")
    batched = x if x.ndim == spatial + 2 else x.unsqueeze(0)
    out_size = unpool_output_size(op, batched.shape[2:], kernel, stride, padding, output_size)
    plane = int(np.prod(out_size))
    if positions.size and (positions.min() < 0 or positions.max() >= plane):
        bad = positions.max() if positions.max() >= plane else positions.min()
        raise ValueError(
            f"{op}: index {bad} is out of range for an output plane of size {'×'.join(map(str, out_size))}; "
            f"pass the kernel_size, stride and padding of the max-pool that made the indices, or its "
            f"input size as output_size"
        )
    out = MaxUnpoolFunction.apply(batched, positions=positions, out_size=out_size)
    return out if x.ndim == spatial + 2 else out[0]


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    output_size=None,
) -> Tensor:
    """The partial inverse of ``max_pool2d``: each value goes back to its index, the rest is zero.

    Args:
        input: ``(N, C, H, W)`` (or ``(C, H, W)``), e.g. max-pooled values.
        indices: int64 of ``input``'s shape, flat positions ``h·W_out + w`` (``max_pool2d``'s
            ``return_indices=True``).
        kernel_size, stride (default: ``kernel_size``), padding: the max-pool's, an int or a pair.
        output_size: ``(H_out, W_out)`` (or a full ``(N, C, H_out, W_out)``), within a stride of
            the default; give the pooled input's size when the pool dropped a ragged edge.

    Shape:
        output ``(N, C, H_out, W_out)``, by default ``H_out = (H − 1)·stride − 2·padding + kernel``.

    Example:
        >>> import tt_autograd as autograd
        >>> from tt_vision.functional import max_pool2d
        >>> x = autograd.tensor([[[[1.0, 5.0], [4.0, 3.0]]]])
        >>> max_unpool2d(*max_pool2d(x, 2, return_indices=True), 2).numpy().tolist()
        [[[[0.0, 5.0], [0.0, 0.0]]]]
    """
    op = "max_unpool2d"
    kernel = pair(op, "kernel_size", kernel_size)
    stride_ = kernel if stride is None else pair(op, "stride", stride)
    return _unpool(op, input, indices, kernel, stride_, pair(op, "padding", padding, minimum=0), output_size)


def max_unpool1d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    output_size=None,
) -> Tensor:
    """The partial inverse of ``max_pool1d``: each value goes back to its index, the rest is zero.

    Args: as :func:`max_unpool2d`, each an int (or a 1-tuple); ``input`` is ``(N, C, L)`` (or
    ``(C, L)``) and ``indices`` the positions in ``L_out`` that ``max_pool1d`` returned.

    Shape: output ``(N, C, L_out)``, by default ``L_out = (L − 1)·stride − 2·padding + kernel``.

    Example:
        >>> import tt_autograd as autograd
        >>> values, indices = autograd.tensor([[[5.0, 4.0]]]), autograd.tensor([[[1, 3]]])
        >>> max_unpool1d(values, indices, 2).numpy().tolist()
        [[[0.0, 5.0, 0.0, 4.0]]]
    """
    op = "max_unpool1d"
    kernel = (single(op, "kernel_size", kernel_size),)
    stride_ = kernel if stride is None else (single(op, "stride", stride),)
    padding_ = (single(op, "padding", padding, minimum=0),)
    return _unpool(op, input, indices, kernel, stride_, padding_, output_size)


def max_unpool3d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    output_size=None,
) -> Tensor:
    """The partial inverse of ``max_pool3d``: each value goes back to its index, the rest is zero.

    Args: as :func:`max_unpool2d`, each an int or a triple; ``input`` is ``(N, C, D, H, W)`` (or
    ``(C, D, H, W)``) and ``indices`` the flat positions ``d·H·W + h·W + w`` that ``max_pool3d``
    returned.

    Example:
        >>> import tt_autograd as autograd
        >>> from tt_vision.functional import max_pool3d
        >>> x = autograd.randn(1, 2, 4, 4, 4)
        >>> tuple(max_unpool3d(*max_pool3d(x, 2, return_indices=True), 2).shape)
        (1, 2, 4, 4, 4)
    """
    op = "max_unpool3d"
    kernel = ints(op, "kernel_size", kernel_size, 3)
    stride_ = kernel if stride is None else ints(op, "stride", stride, 3)
    return _unpool(
        op, input, indices, kernel, stride_, ints(op, "padding", padding, 3, minimum=0), output_size
    )
