"""Power-average pooling layers, as in ``torch.nn``: ``LPPool1d``, ``LPPool2d``, ``LPPool3d`` (no parameters).

Each is :func:`tt_vision.lp_pool.lp_pool1d` / ``lp_pool2d`` / ``lp_pool3d`` with its arguments
kept as given (PyTorch's repr shows them so, ``stride=None`` included).
"""

from __future__ import annotations

from tt_nn.module import Module

from .._layout import pair
from ..conv_3d import triple
from ..conv_transpose import single
from ..lp_pool import check_norm, lp_pool1d, lp_pool2d, lp_pool3d


class _LPPoolNd(Module):
    """What the ``LPPool`` layers (1-d, 2-d, 3-d) share: the checks, the stored arguments, forward and repr.

    A subclass names its size parser (``_parse``: ``single``, ``pair`` or ``triple``) and its function
    (``_function``).
    """

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        check_norm(name, norm_type)
        self._parse(name, "kernel_size", kernel_size)  # checked now, not at the first forward
        if stride is not None:
            self._parse(name, "stride", stride)
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = (
            norm_type,
            kernel_size,
            stride,
            ceil_mode,
        )

    def forward(self, input):  # noqa: A002
        return self._function(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool2d(_LPPoolNd):
    """The ``norm_type``-norm ``(Σ xᵖ)^(1/p)`` of each window of ``(N, C, H, W)``, like ``torch.nn.LPPool2d``.

    Args: ``norm_type`` (p), ``kernel_size`` (an int or a pair), ``stride=None`` (the kernel size),
    ``ceil_mode=False``; see :func:`lp_pool2d`.

    Example:
        >>> import tt_autograd
        >>> tuple(LPPool2d(2, 3, stride=2)(tt_autograd.randn(1, 3, 7, 7)).shape)
        (1, 3, 3, 3)
    """

    _parse = staticmethod(pair)
    _function = staticmethod(lp_pool2d)


class LPPool1d(_LPPoolNd):
    """The ``norm_type``-norm ``(Σ xᵖ)^(1/p)`` of each window of ``(N, C, L)``, like ``torch.nn.LPPool1d``.

    Args: ``norm_type`` (p), ``kernel_size``, ``stride=None`` (the kernel size), ``ceil_mode=False``;
    see :func:`lp_pool1d`.

    Example:
        >>> import tt_autograd
        >>> tuple(LPPool1d(2, 3)(tt_autograd.randn(2, 4, 9)).shape)
        (2, 4, 3)
    """

    _parse = staticmethod(single)
    _function = staticmethod(lp_pool1d)


class LPPool3d(_LPPoolNd):
    """The ``norm_type``-norm ``(Σ xᵖ)^(1/p)`` of each box of ``(N, C, D, H, W)``, like ``torch.nn.LPPool3d``.

    Args: ``norm_type`` (p), ``kernel_size`` (an int or a triple), ``stride=None`` (the kernel size),
    ``ceil_mode=False``; see :func:`lp_pool3d`.

    Example:
        >>> import tt_autograd
        >>> tuple(LPPool3d(2, 3, stride=2)(tt_autograd.randn(1, 3, 7, 7, 5)).shape)
        (1, 3, 3, 3, 2)
    """

    _parse = staticmethod(triple)
    _function = staticmethod(lp_pool3d)
