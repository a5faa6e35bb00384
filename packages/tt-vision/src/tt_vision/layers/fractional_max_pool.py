"""``FractionalMaxPool2d`` / ``3d``: :mod:`tt_vision.fractional_max_pool`'s functions as modules."""

from __future__ import annotations

from tt_autograd import Tensor
from tt_nn.module import Module

from .._layout import ints
from ..fractional_max_pool import fractional_max_pool2d, fractional_max_pool3d


class _FractionalMaxPoolNd(Module):
    """What ``FractionalMaxPool2d`` and ``3d`` share: the checks, the stored arguments and forward.

    A subclass names its number of spatial axes (``_dims``) and its function (``_function``).
    """

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        op, dims = type(self).__name__, self._dims
        self.kernel_size = ints(op, "kernel_size", kernel_size, dims)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = ints(op, "output_size", output_size, dims) if output_size is not None else None
        ratio = None
        if output_ratio is not None:
            ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * dims
        self.output_ratio = ratio
        if output_size is None and output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{op}: only one of output_size and output_ratio may be specified")
        if ratio is not None and not (len(ratio) == dims and all(0 < r < 1 for r in ratio)):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {output_ratio!r})")

    def forward(self, input):  # noqa: A002
        return self._function(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max-pooling of ``(N, C, H, W)``, like ``torch.nn.FractionalMaxPool2d``.

    Args: ``kernel_size``; exactly one of ``output_size`` (``(oh, ow)`` or an int) and
    ``output_ratio`` (in ``(0, 1)``, a number or a pair); ``return_indices=False``;
    ``_random_samples`` (``(N, C, 2)``, kept as a buffer) fixes the windows, otherwise each
    call draws new ones from TinyTorch's default generator.

    Example:
        >>> import tt_autograd
        >>> pool = FractionalMaxPool2d(3, output_ratio=0.5)
        >>> tuple(pool(tt_autograd.randn(1, 2, 10, 9)).shape)
        (1, 2, 5, 4)
    """

    _dims = 2
    _function = staticmethod(fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max-pooling of ``(N, C, D, H, W)``, like ``torch.nn.FractionalMaxPool3d``.

    Args: as :class:`FractionalMaxPool2d`, with triples (``output_ratio`` a number or a triple) and
    ``_random_samples`` of shape ``(N, C, 3)``; see :func:`fractional_max_pool3d`.

    Example:
        >>> import tt_autograd
        >>> pool = FractionalMaxPool3d(2, output_ratio=0.5)
        >>> tuple(pool(tt_autograd.randn(1, 2, 10, 9, 8)).shape)
        (1, 2, 5, 4, 4)
    """

    _dims = 3
    _function = staticmethod(fractional_max_pool3d)
