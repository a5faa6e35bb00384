"""``ConvTranspose1d``, ``2d`` and ``3d``: learnable transposed convolutions, as in ``torch.nn``."""

from __future__ import annotations

from collections.abc import Sequence

from tt_nn.module import Module

from .._layout import pair
from ..conv_3d import conv_transpose3d, triple
from ..conv_transpose import conv_transpose1d, conv_transpose2d, single, transposed_size
from ._conv_common import check_channels, conv_repr, make_parameters, reset_parameters


def output_padding_for(layer: str, input_shape, output_size, kernel, stride, padding, dilation) -> tuple:
    """The ``output_padding`` that makes the output ``output_size`` (its last ``len(kernel)`` entries).

    A strided convolution maps several input sizes to the same output size, so its transpose may
    produce any of ``stride`` sizes; ``output_size`` picks one (PyTorch's ``forward(x, output_size)``).
    """
    dims = len(kernel)
    sizes = tuple(output_size)[-dims:] if len(output_size) >= dims else ()
    if len(output_size) not in (dims, dims + 1, dims + 2):
        raise ValueError(f"{layer}: output_size must have {dims} to {dims + 2} entries, got {output_size!r}")
    spatial = input_shape[-dims:]
    smallest = [
        transposed_size(spatial[i], kernel[i], stride[i], padding[i], 0, dilation[i]) for i in range(dims)
    ]
    largest = [size + s - 1 for size, s in zip(smallest, stride)]
    if any(not lo <= size <= hi for size, lo, hi in zip(sizes, smallest, largest)):
        raise ValueError(
            f"{layer}: requested an output size of {list(sizes)}, but valid sizes range from {smallest} "
            f"to {largest} (for an input of spatial size {list(spatial)})"
        )
    return tuple(size - lo for size, lo in zip(sizes, smallest))


class _ConvTransposeNd(Module):
    """What the transposed convolution layers share; each names its size parser and its function."""

    _sizes = staticmethod(pair)  # (name, argument, value, minimum=) -> a tuple of per-dimension sizes
    _transposed = staticmethod(conv_transpose2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":  # checked first, as in PyTorch
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels, self.out_channels, self.groups = check_channels(
            name, in_channels, out_channels, groups, device
        )
        sizes = self._sizes
        self.kernel_size = sizes(name, "kernel_size", kernel_size)
        self.stride = sizes(name, "stride", stride)
        self.padding = sizes(name, "padding", padding, minimum=0)
        self.output_padding = sizes(name, "output_padding", output_padding, minimum=0)
        self.dilation = sizes(name, "dilation", dilation)
        self.padding_mode = padding_mode
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        make_parameters(self, shape, bias, self.out_channels, dtype)

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        reset_parameters(self)

    def forward(self, input, output_size: Sequence[int] | None = None):  # noqa: A002
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = output_padding_for(
                type(self).__name__, input.shape, output_size, self.kernel_size, self.stride,
                self.padding, self.dilation,
            )  # fmt: skip
        return self._transposed(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        return conv_repr(self)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution over ``(N, C_in, H, W)``, like ``torch.nn.ConvTranspose2d``.

    The adjoint of ``Conv2d`` with the same arguments: a stride-2 ``ConvTranspose2d``
    upsamples by 2 (decoders, U-Nets, GAN generators). See
    :func:`tt_vision.conv_transpose.conv_transpose2d` for the computation.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or a pair (stride and dilation default 1).
        padding: an int or a pair (default 0): trims ``dilation·(k−1) − padding`` from each edge.
        output_padding: an int or a pair added at the bottom/right (smaller than stride or dilation).
        groups: split the channels into this many independent transposed convolutions.
        bias: learn a per-channel bias (default True).
        padding_mode: only ``'zeros'`` (as PyTorch, whose other modes are for ``Conv2d``).

    Attributes:
        weight: ``(in_channels, out_channels / groups, kh, kw)``, ``U(−1/√fan, 1/√fan)`` with
            ``fan = out_channels / groups · kh · kw`` (PyTorch's ``kaiming_uniform_(a=√5)`` on this shape).
        bias: ``(out_channels,)``, same bound.

    Shape:
        input ``(N, C_in, H, W)``; output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1``;
        ``forward(input, output_size)`` picks the output_padding that gives ``output_size``.

    Example:
        >>> import tt_autograd
        >>> up = ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
        >>> tuple(up(tt_autograd.randn(2, 16, 8, 8)).shape)
        (2, 8, 16, 16)
    """


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution over ``(N, C_in, L)``, like ``torch.nn.ConvTranspose1d``.

    Arguments, attributes and ``forward(input, output_size)`` as :class:`ConvTranspose2d`, each an
    int (stored as a 1-tuple, as in PyTorch); the weight is ``(in_channels, out_channels / groups, k)``.

    Shape:
        output ``(N, C_out, (L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1)``.

    Example:
        >>> import tt_autograd
        >>> tuple(ConvTranspose1d(4, 2, 4, stride=2, padding=1)(tt_autograd.randn(3, 4, 10)).shape)
        (3, 2, 20)
    """

    _sizes = staticmethod(
        lambda name, argument, value, **options: (single(name, argument, value, **options),)
    )
    _transposed = staticmethod(conv_transpose1d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution over ``(N, C_in, D, H, W)``, like ``torch.nn.ConvTranspose3d``.

    Arguments, attributes and ``forward(input, output_size)`` as :class:`ConvTranspose2d`, each an
    int or a triple; the weight is ``(in_channels, out_channels / groups, kd, kh, kw)``. The
    computation: :func:`tt_vision.conv_3d.conv_transpose3d`.

    Example:
        >>> import tt_autograd
        >>> up = ConvTranspose3d(4, 2, 2, stride=2)
        >>> tuple(up(tt_autograd.randn(1, 4, 3, 5, 5)).shape)
        (1, 2, 6, 10, 10)
    """

    _sizes = staticmethod(lambda name, argument, value, minimum=1: triple(name, argument, value, minimum))
    _transposed = staticmethod(conv_transpose3d)
