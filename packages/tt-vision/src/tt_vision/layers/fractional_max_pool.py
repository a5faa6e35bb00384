"""``FractionalMaxPool2d``: :func:`tt_vision.fractional_max_pool.fractional_max_pool2d` as a module."""

from __future__ import annotations

from tt_autograd import Tensor
from tt_nn.module import Module

from .._layout import pair
from ..fractional_max_pool import fractional_max_pool2d


class FractionalMaxPool2d(Module):
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

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        op = "FractionalMaxPool2d"
        self.kernel_size = pair(op, "kernel_size", kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = pair(op, "output_size", output_size) if output_size is not None else None
        ratio = None
        if output_ratio is not None:
            ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * 2
        self.output_ratio = ratio
        if output_size is None and output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{op}: only one of output_size and output_ratio may be specified")
        if ratio is not None and not (len(ratio) == 2 and all(0 < r < 1 for r in ratio)):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {output_ratio!r})")

    def forward(self, input):  # noqa: A002
        return fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )
