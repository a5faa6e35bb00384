"""What the convolution layers share: argument checks, PyTorch's initialisation and repr, and
:class:`ConvLayer`, the constructor, forward and repr of ``Conv1d`` and ``Conv3d``."""

from __future__ import annotations

import math
from collections.abc import Callable

import tt_autograd
from tt_nn import functional as nnF
from tt_nn import init
from tt_nn.module import Module
from tt_nn.parameter import Parameter
from tt_tensor.checks import check_count

#: ``padding_mode``'s values, in the order PyTorch's message lists them.
PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


def check_channels(layer: str, in_channels, out_channels, groups, device) -> tuple:
    """``(in_channels, out_channels, groups)`` checked: counts >= 1, both channels divisible by groups."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"{layer}: device {device!r} is not available; TinyTorch runs on the CPU only")
    in_channels = check_count(layer, "in_channels", in_channels, 1)
    out_channels = check_count(layer, "out_channels", out_channels, 1)
    groups = check_count(layer, "groups", groups, 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{layer}: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
            f"be divisible by groups ({groups})"
        )
    return in_channels, out_channels, groups


def check_padding(layer: str, padding, stride: tuple, padding_mode: str) -> None:
    """Refuse a string ``padding`` other than ``'valid'`` or ``'same'``, ``'same'`` with a stride,
    then an unknown ``padding_mode`` (PyTorch's order and words).

    PyTorch refuses ``'same'`` for strided convolutions too: the output
    length would depend on where the stride starts.
    """
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ValueError(f"{layer}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    if padding == "same" and any(s != 1 for s in stride):
        raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions")
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"{layer}: padding_mode must be one of {PADDING_MODES}, but got padding_mode='{padding_mode}'"
        )


def reversed_padding(layer: Module) -> list | tuple:
    """PyTorch's ``_reversed_padding_repeated_twice``: ``F.pad``'s argument for ``layer``'s padding.

    Each dimension's ``(before, after)``, the last dimension first. ``'same'`` puts
    ``dilation·(k − 1) // 2`` before and the rest after (an even kernel's extra one after);
    ``'valid'`` is zeros. A string gives a list and a tuple of ints a tuple, as in PyTorch.
    """
    padding, kernel_size = layer.padding, layer.kernel_size
    if isinstance(padding, str):
        pads = [0, 0] * len(kernel_size)
        if padding == "same":
            for i, (d, k) in enumerate(zip(reversed(layer.dilation), reversed(kernel_size))):
                pads[2 * i] = d * (k - 1) // 2
                pads[2 * i + 1] = d * (k - 1) - pads[2 * i]
        return pads
    return tuple(p for p in reversed(padding) for _ in range(2))


def convolve(layer: Module, convolution: Callable, input):  # noqa: A002
    """``layer``'s forward: ``convolution`` with its padding, or ``F.pad`` by ``padding_mode`` then none.

    ``'zeros'`` hands the padding to ``convolution`` (no separate pad, no copy); the other modes
    pad the input by ``layer._reversed_padding_repeated_twice`` and convolve with padding 0, as PyTorch.
    """
    if layer.padding_mode == "zeros":
        padding = layer.padding
    else:
        input = nnF.pad(input, layer._reversed_padding_repeated_twice, mode=layer.padding_mode)  # noqa: A001
        padding = (0,) * len(layer.kernel_size)
    return convolution(input, layer.weight, layer.bias, layer.stride, padding, layer.dilation, layer.groups)


def make_parameters(layer: Module, weight_shape: tuple, bias: bool, bias_size: int, dtype) -> None:
    """``layer.weight`` of ``weight_shape`` and ``layer.bias`` (or None), drawn as PyTorch draws them.

    ``kaiming_uniform_(a=√5)`` gives ``U(−1/√fan_in, 1/√fan_in)`` with
    ``fan_in = weight_shape[1] · kernel size``: for a transposed convolution,
    whose weight is ``(C_in, C_out / groups, k…)``, that is ``C_out / groups · k…``,
    as in PyTorch. The bias has the same bound.
    """
    layer.weight = Parameter(tt_autograd.empty(*weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(tt_autograd.empty(bias_size, dtype=dtype))
    else:
        layer.register_parameter("bias", None)
    reset_parameters(layer)


def reset_parameters(layer: Module) -> None:
    """Redraw ``layer.weight`` and ``layer.bias`` with PyTorch's default initialisation."""
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5))
    if layer.bias is not None:
        fan_in = math.prod(layer.weight.shape[1:])
        init.uniform_(layer.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))


def conv_repr(layer: Module) -> str:
    """PyTorch's ``_ConvNd.extra_repr``: the channels, kernel and stride, then what is not a default."""
    dims = len(layer.kernel_size)
    text = (
        f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, stride={layer.stride}"
    )
    if layer.padding != (0,) * dims:
        text += f", padding={layer.padding}"  # a str ('same') shows without quotes, as in PyTorch
    if layer.dilation != (1,) * dims:
        text += f", dilation={layer.dilation}"
    if getattr(layer, "output_padding", (0,) * dims) != (0,) * dims:
        text += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    if layer.bias is None:
        text += ", bias=False"
    if layer.padding_mode != "zeros":
        text += f", padding_mode={layer.padding_mode}"  # without quotes, as in PyTorch
    return text


class ConvLayer(Module):
    """PyTorch's ``_ConvNd`` for one number of dimensions: a subclass sets ``convolution`` (its
    functional form) and ``as_tuple`` (``(op, name, value, minimum)`` → a tuple of that many ints).

    The arguments are PyTorch's (see ``Conv1d`` and ``Conv3d``); ints become tuples, as PyTorch stores them.
    """

    convolution: Callable
    as_tuple: Callable

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.in_channels, self.out_channels, self.groups = check_channels(
            name, in_channels, out_channels, groups, device
        )
        self.kernel_size = self.as_tuple(name, "kernel_size", kernel_size)
        self.stride = self.as_tuple(name, "stride", stride)
        self.padding = padding if isinstance(padding, str) else self.as_tuple(name, "padding", padding, 0)
        check_padding(name, self.padding, self.stride, padding_mode)
        self.dilation = self.as_tuple(name, "dilation", dilation)
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = reversed_padding(self)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        make_parameters(self, shape, bias, self.out_channels, dtype)

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        reset_parameters(self)

    def forward(self, input):  # noqa: A002
        return convolve(self, self.convolution, input)

    def extra_repr(self) -> str:
        return conv_repr(self)
