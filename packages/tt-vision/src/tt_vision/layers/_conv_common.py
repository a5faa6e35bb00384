"""What the convolution layers share: argument checks, PyTorch's initialisation and repr."""

from __future__ import annotations

import math

import tt_autograd
from tt_nn import init
from tt_nn.module import Module
from tt_nn.parameter import Parameter
from tt_tensor.checks import check_count


def check_channels(layer: str, in_channels, out_channels, groups, padding_mode: str, device) -> tuple:
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
    if padding_mode != "zeros":
        raise NotImplementedError(f"{layer}: padding_mode={padding_mode!r} is not supported; only 'zeros'")
    return in_channels, out_channels, groups


def check_padding(layer: str, padding, stride: tuple) -> None:
    """Refuse a string ``padding`` other than ``'valid'`` or ``'same'``, and ``'same'`` with a stride.

    PyTorch refuses ``'same'`` for strided convolutions too: the output
    length would depend on where the stride starts.
    """
    if not isinstance(padding, str):
        return
    if padding not in ("same", "valid"):
        raise ValueError(f"{layer}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    if padding == "same" and any(s != 1 for s in stride):
        raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions")


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
    return text
