"""1-d pooling: ``max_pool1d``, ``avg_pool1d``, ``adaptive_avg_pool1d``, ``adaptive_max_pool1d``.

Each is its 2-d counterpart on an ``(N, C, 1, L)`` view of the ``(N, C, L)``
input, with a window of height 1 (stride 1, no padding along that axis): the
2-d kernels (``_pool.py``, ``adaptive_max_pool.py``) do the work, forward and
backward, and PyTorch's output-size, padding and ``ceil_mode`` rules carry over.
"""

from __future__ import annotations

from tt_autograd import Tensor

from .adaptive_max_pool import adaptive_max_pool2d
from .conv_transpose import _as_1d, single
from .functional import _as_tensor, adaptive_avg_pool2d, avg_pool2d, max_pool2d  # at functional.py's end


def _stride(op: str, stride) -> tuple[int, int] | None:
    """PyTorch's default stride (``None`` or ``[]``: the kernel size) stays None for the 2-d op."""
    if stride is None or (isinstance(stride, (list, tuple)) and not stride):
        return None
    return (1, single(op, "stride", stride))


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over ``kernel_size`` windows of ``(N, C, L)`` (or ``(C, L)``), like PyTorch's ``max_pool1d``.

    Args: as :func:`max_pool2d`, each an int: stride defaults to ``kernel_size``, padding (−∞, at most
    half the kernel), dilation, ``ceil_mode``. ``return_indices=True`` also returns the int64
    position in ``L`` of each maximum (what ``max_unpool1d`` takes).

    Shape: output ``(N, C, (L + 2·padding − dilation·(k − 1) − 1) // stride + 1)`` (ceil in ceil mode).

    Example:
        >>> import tt_autograd as autograd
        >>> max_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2).numpy().tolist()
        [[[3.0, 2.0]]]
    """
    op = "max_pool1d"
    kernel, stride_ = (1, single(op, "kernel_size", kernel_size)), _stride(op, stride)
    padding_, dilation_ = (
        (0, single(op, "padding", padding, minimum=0)),
        (1, single(op, "dilation", dilation)),
    )
    if not return_indices:
        return _as_1d(op, input, lambda x: max_pool2d(x, kernel, stride_, padding_, dilation_, ceil_mode))
    kept = []

    def run(x: Tensor) -> Tensor:
        out, indices = max_pool2d(x, kernel, stride_, padding_, dilation_, ceil_mode, return_indices=True)
        kept.append(indices.squeeze(2))  # h·L + l with h = 0: the position in L
        return out

    out = _as_1d(op, input, run)
    return out, (kept[0] if _as_tensor(op, input).ndim == 3 else kept[0][0])


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over ``kernel_size`` windows of ``(N, C, L)`` (or ``(C, L)``), like PyTorch's ``avg_pool1d``.

    Args: as :func:`avg_pool2d`, each an int; zero padding counts unless ``count_include_pad=False``.

    Example:
        >>> import tt_autograd as autograd
        >>> avg_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).numpy().tolist()
        [[[2.0, 1.0]]]
    """
    op = "avg_pool1d"
    kernel, stride_ = (1, single(op, "kernel_size", kernel_size)), _stride(op, stride)
    padding_ = (0, single(op, "padding", padding, minimum=0))
    return _as_1d(op, input, lambda x: avg_pool2d(x, kernel, stride_, padding_, ceil_mode, count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:  # noqa: A002
    """Mean-pool ``(N, C, L)`` to ``(N, C, output_size)`` whatever ``L``, like PyTorch's.

    Bin ``i`` spans ``[⌊i·L/out⌋, ⌈(i+1)·L/out⌉)``.

    Example:
        >>> import tt_autograd as autograd
        >>> adaptive_avg_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 1).numpy().tolist()
        [[[1.5]]]
    """
    size = single("adaptive_avg_pool1d", "output_size", output_size)
    return _as_1d("adaptive_avg_pool1d", input, lambda x: adaptive_avg_pool2d(x, (1, size)))


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False):  # noqa: A002
    """Max-pool ``(N, C, L)`` to ``(N, C, output_size)`` whatever ``L``, like PyTorch's.

    Bins as :func:`adaptive_avg_pool1d`. With ``return_indices``, also the int64 position in ``L`` of
    each maximum (the first one in its bin).

    Example:
        >>> import tt_autograd as autograd
        >>> adaptive_max_pool1d(autograd.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).numpy().tolist()
        [[[3.0, 2.0]]]
    """
    op = "adaptive_max_pool1d"
    size = single(op, "output_size", output_size)
    if not return_indices:
        return _as_1d(op, input, lambda x: adaptive_max_pool2d(x, (1, size)))
    kept = []

    def run(x: Tensor) -> Tensor:
        out, indices = adaptive_max_pool2d(x, (1, size), return_indices=True)
        kept.append(indices.squeeze(2))
        return out

    out = _as_1d(op, input, run)
    return out, (kept[0] if _as_tensor(op, input).ndim == 3 else kept[0][0])
