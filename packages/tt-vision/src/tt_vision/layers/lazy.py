"""The lazy convolutions and batch norms, as ``torch.nn``'s: channel counts read from the first input.

``LazyConv2d(16, 3)`` is a ``Conv2d(?, 16, 3)`` whose ``in_channels`` is read from its first
input (dim 1 of ``(N, C, H, W)``, dim 0 of an unbatched ``(C, H, W)``); the weight and bias are
then materialized in place, drawn as ``Conv2d`` draws them, and the module becomes a
``Conv2d``. The machinery is tt-nn's :class:`~tt_nn.lazy.LazyModuleMixin` (see
:mod:`tt_nn.lazy`, which also has ``LazyLinear`` and ``LazyBatchNorm1d``).
"""

from __future__ import annotations

from tt_nn.lazy import LazyModuleMixin, LazyNormBase, no_draws
from tt_tensor.checks import check_tensor

from .batchnorm import BatchNorm2d, BatchNorm3d
from .conv import Conv2d
from .conv1d import Conv1d
from .conv3d import Conv3d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = [
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]


class LazyConvMixin(LazyModuleMixin):
    """What the lazy (transposed) convolutions share: ``in_channels`` from the first input.

    Built as the eager class with ``in_channels = groups`` (a placeholder, drawn with the
    generator put back), then ``in_channels`` is 0 and the weight and bias are uninitialized.
    """

    #: Whether the weight is ``(C_in, C_out / groups, k…)`` (transposed) or ``(C_out, C_in / groups, k…)``.
    transposed = False
    inferred_size = "in_channels"

    def _start_lazy(self, dtype: object, bias: bool) -> None:
        self.in_channels = 0
        self.uninitialize("weight", dtype)
        if bias:
            self.uninitialize("bias", dtype)

    def _in_channels(self, input) -> int:  # noqa: A002
        """Dim 1 of a batched input, dim 0 of an unbatched one; any other rank is refused."""
        name, spatial = type(self).__name__, len(self.kernel_size)
        check_tensor(name, input)
        if input.ndim not in (spatial + 1, spatial + 2):
            raise RuntimeError(
                f"{name}: expected a {spatial + 1}-d (unbatched) or {spatial + 2}-d (batched) input, got "
                f"an input of shape {tuple(input.shape)}"
            )
        return input.shape[1] if input.ndim == spatial + 2 else input.shape[0]

    def initialize_parameters(self, input, *args: object) -> None:  # noqa: A002
        """``in_channels`` from the input; the weight and bias materialized and drawn."""
        channels = self._in_channels(input)
        if self.in_channels == 0:
            if channels % self.groups:
                raise ValueError(
                    f"{type(self).__name__}: in_channels ({channels}, from the input of shape "
                    f"{tuple(input.shape)}) must be divisible by groups ({self.groups})"
                )
            self.in_channels = channels
        if self.transposed:
            weight = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            weight = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.materialize_parameters({"weight": weight, "bias": (self.out_channels,)})


class _LazyConv(LazyConvMixin):
    """``LazyConv{1,2,3}d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, …)``."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: object = None,
                 dtype: object = None) -> None:  # fmt: skip
        with no_draws():
            super().__init__(groups, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                             padding_mode, device, dtype)  # fmt: skip
        self._start_lazy(dtype, bias)


class _LazyConvTranspose(LazyConvMixin):
    """``LazyConvTranspose{1,2,3}d(out_channels, kernel_size, stride=1, padding=0, output_padding=0, …)``."""

    transposed = True

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device: object = None, dtype: object = None) -> None:  # fmt: skip
        with no_draws():
            super().__init__(groups, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                             dilation, padding_mode, device, dtype)  # fmt: skip
        self._start_lazy(dtype, bias)


class LazyConv1d(_LazyConv, Conv1d):
    """A :class:`~tt_vision.Conv1d` whose ``in_channels`` comes from its first ``(N, C, L)`` or ``(C, L)``.

    Args: ``Conv1d``'s without ``in_channels``.

    Example:
        >>> import tt_autograd
        >>> conv = LazyConv1d(8, 3)
        >>> tuple(conv(tt_autograd.randn(2, 4, 16)).shape), type(conv).__name__, conv.in_channels
        ((2, 8, 14), 'Conv1d', 4)
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A :class:`~tt_vision.Conv2d` whose ``in_channels`` comes from its first input (dim 1, or 0 unbatched).

    Args: ``Conv2d``'s without ``in_channels``: ``out_channels, kernel_size, stride=1, padding=0,
    dilation=1, groups=1, bias=True, padding_mode='zeros', device=None, dtype=None``.

    Example:
        >>> import tt_autograd
        >>> conv = LazyConv2d(16, 3, padding=1)
        >>> conv
        LazyConv2d(0, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> tuple(conv(tt_autograd.randn(2, 3, 8, 8)).shape), type(conv).__name__
        ((2, 16, 8, 8), 'Conv2d')
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A :class:`~tt_vision.Conv3d` whose ``in_channels`` comes from its first input (see ``LazyConv2d``)."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` is read from its first input (as ``LazyConv2d``)."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A :class:`~tt_vision.ConvTranspose2d` whose ``in_channels`` comes from its first input.

    Args: ``ConvTranspose2d``'s without ``in_channels``: ``out_channels, kernel_size, stride=1,
    padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros', …``.
    The weight becomes ``(in_channels, out_channels / groups, kh, kw)``.
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` is read from its first input (as ``LazyConv2d``)."""

    cls_to_become = ConvTranspose3d


class LazyBatchNorm2d(LazyNormBase, BatchNorm2d):
    """A :class:`~tt_vision.BatchNorm2d` whose ``num_features`` is dim 1 of its first ``(N, C, H, W)`` input.

    Args: ``BatchNorm2d``'s without ``num_features`` (see :class:`tt_nn.lazy.LazyNormBase`).
    """

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(LazyNormBase, BatchNorm3d):
    """A :class:`~tt_vision.BatchNorm3d` whose ``num_features`` is dim 1 of its first input."""

    cls_to_become = BatchNorm3d
