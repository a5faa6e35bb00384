"""torchvision.ops' building blocks of its models: conv-norm-activation, squeeze-excitation, MLP.

* :class:`Conv2dNormActivation` (and :class:`Conv3dNormActivation`): a ``Sequential`` of a convolution,
  an optional norm layer and an optional activation, padded to keep the size ("same" for stride 1).
  MobileNets, EfficientNets and detection heads are stacks of them.
* :class:`SqueezeExcitation`: rescale each channel by a gate computed from the whole image
  (global average → 1×1 conv → activation → 1×1 conv → sigmoid-like gate).
* :class:`MLP`: ``Linear`` / norm / activation / ``Dropout`` layers for a list of widths.
* :class:`Permute`: a module that permutes its input's dimensions.
* :class:`FrozenBatchNorm2d`: batch norm whose statistics and affine terms are fixed buffers.

Every class is a ``Sequential`` or a ``Module`` with torchvision's child names and indices,
so a state dict from torchvision loads into it key for key.

Example:
    >>> import tt_autograd
    >>> block = Conv2dNormActivation(3, 8, kernel_size=3, stride=2)
    >>> [type(m).__name__ for m in block]
    ['Conv2d', 'BatchNorm2d', 'ReLU']
    >>> tuple(block(tt_autograd.randn(2, 3, 16, 16)).shape)
    (2, 8, 8, 8)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import tt_autograd
import tt_nn as nn
from tt_tensor.checks import check_count

from ..layers import AdaptiveAvgPool2d, BatchNorm2d, BatchNorm3d, Conv2d, Conv3d

__all__ = [
    "ConvNormActivation",
    "Conv2dNormActivation",
    "Conv3dNormActivation",
    "FrozenBatchNorm2d",
    "MLP",
    "Permute",
    "SqueezeExcitation",
]


def same_padding(kernel_size, dilation):
    """The padding that keeps a stride-1 convolution's size: ``(k - 1) // 2 * dilation`` per dimension.

    Ints give an int; a sequence for either argument gives a tuple as long as it, the other
    argument repeated to match (torchvision's rule for ``padding=None``).
    """
    if isinstance(kernel_size, int) and isinstance(dilation, int):
        return (kernel_size - 1) // 2 * dilation
    dims = len(kernel_size) if isinstance(kernel_size, Sequence) else len(dilation)
    kernel_size = (kernel_size,) * dims if isinstance(kernel_size, int) else tuple(kernel_size)
    dilation = (dilation,) * dims if isinstance(dilation, int) else tuple(dilation)
    return tuple((k - 1) // 2 * d for k, d in zip(kernel_size, dilation))


class ConvNormActivation(nn.Sequential):
    """A convolution, then an optional norm layer, then an optional activation (torchvision's common base).

    Use :class:`Conv2dNormActivation` or :class:`Conv3dNormActivation`; building this class
    directly warns, as torchvision's does.

    Args:
        in_channels, out_channels: the convolution's channels.
        kernel_size, stride, dilation, groups: the convolution's (default 3, 1, 1, 1).
        padding: default ``None``: ``(kernel_size - 1) // 2 * dilation``, which keeps the size at stride 1.
        norm_layer: called as ``norm_layer(out_channels)``; ``None`` for no norm layer.
        activation_layer: called as ``activation_layer(inplace=inplace)`` (without the keyword when
            ``inplace`` is None); ``None`` for no activation.
        inplace: passed to the activation (default True).
        bias: the convolution's bias; default ``None``: a bias only when there is no norm layer.
        conv_layer: the convolution class (``Conv2d`` or ``Conv3d``).

    Attributes:
        out_channels: the block's output channels (what a model reads to chain blocks).

    Shape:
        the convolution's: ``(N, C_in, *spatial)`` to ``(N, C_out, *spatial_out)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size=3,
        stride=1,
        padding=None,
        groups: int = 1,
        norm_layer: Callable[..., nn.Module] | None = BatchNorm2d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation=1,
        inplace: bool | None = True,
        bias: bool | None = None,
        conv_layer: Callable[..., nn.Module] = Conv2d,
    ) -> None:
        if padding is None:
            padding = same_padding(kernel_size, dilation)
        if bias is None:
            bias = norm_layer is None
        conv = conv_layer(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation=dilation,
            groups=groups,
            bias=bias,
        )
        layers = [conv]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer() if inplace is None else activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels
        if type(self) is ConvNormActivation:
            warnings.warn(
                "ConvNormActivation: don't build it directly; "
                "use Conv2dNormActivation or Conv3dNormActivation",
                stacklevel=2,
            )


class Conv2dNormActivation(ConvNormActivation):
    """``Conv2d`` → norm (default ``BatchNorm2d``) → activation (default ``ReLU``), like torchvision's.

    Args: as :class:`ConvNormActivation`, with ``Conv2d`` as the convolution.

    Shape:
        ``(N, C_in, H, W)`` to ``(N, C_out, H_out, W_out)``; the default padding keeps
        ``H_out = ceil(H / stride)`` for odd kernels.

    Example:
        >>> Conv2dNormActivation(16, 16, groups=16, activation_layer=nn.ReLU6)[2]  # doctest: +SKIP
        ReLU6(inplace=True)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size=3,
        stride=1,
        padding=None,
        groups: int = 1,
        norm_layer: Callable[..., nn.Module] | None = BatchNorm2d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation=1,
        inplace: bool | None = True,
        bias: bool | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, groups,
            norm_layer, activation_layer, dilation, inplace, bias, Conv2d,
        )  # fmt: skip


class Conv3dNormActivation(ConvNormActivation):
    """``Conv3d`` → norm (default ``BatchNorm3d``) → activation (default ``ReLU``), like torchvision's.

    Args: as :class:`ConvNormActivation`, with ``Conv3d`` as the convolution.

    Shape:
        ``(N, C_in, D, H, W)`` to ``(N, C_out, D_out, H_out, W_out)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size=3,
        stride=1,
        padding=None,
        groups: int = 1,
        norm_layer: Callable[..., nn.Module] | None = BatchNorm3d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation=1,
        inplace: bool | None = True,
        bias: bool | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, groups,
            norm_layer, activation_layer, dilation, inplace, bias, Conv3d,
        )  # fmt: skip


class SqueezeExcitation(nn.Module):
    """Scale each channel by a learned gate of the image's channel averages (Hu et al., 2018).

    ``gate = scale_activation(fc2(activation(fc1(avgpool(x)))))`` and the output is
    ``gate * x``: ``fc1`` and ``fc2`` are 1×1 convolutions with bias.

    Args:
        input_channels: channels ``C`` of the input.
        squeeze_channels: channels of the bottleneck between ``fc1`` and ``fc2``.
        activation: the bottleneck's activation class (default ``ReLU``).
        scale_activation: the gate's activation class (default ``Sigmoid``; MobileNetV3 uses ``Hardsigmoid``).

    Shape:
        input and output ``(N, C, H, W)``. Cost: two matrix products of ``C × squeeze_channels`` per image.

    Example:
        >>> se = SqueezeExcitation(16, 4)
        >>> sorted(se.state_dict())
        ['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']
    """

    def __init__(
        self,
        input_channels: int,
        squeeze_channels: int,
        activation: Callable[..., nn.Module] = nn.ReLU,
        scale_activation: Callable[..., nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):  # noqa: A002
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))

    def forward(self, input):  # noqa: A002
        return self._scale(input) * input


class MLP(nn.Sequential):
    """A multi-layer perceptron: for each width but the last, ``Linear`` → norm → activation → ``Dropout``;
    then ``Linear`` → ``Dropout`` to the last width (torchvision's layout and indices).

    Args:
        in_channels: features of the input's last dimension.
        hidden_channels: the widths of the layers, the last one the output's.
        norm_layer: called as ``norm_layer(width)`` after each hidden ``Linear``; default None.
        activation_layer: the hidden layers' activation class (default ``ReLU``).
        inplace: passed to the activations and dropouts when not None (default None).
        bias: the ``Linear`` layers' bias (default True).
        dropout: the dropout probability (default 0.0).

    Shape:
        ``(*, in_channels)`` to ``(*, hidden_channels[-1])``.

    Example:
        >>> [type(m).__name__ for m in MLP(8, [16, 4])]
        ['Linear', 'ReLU', 'Dropout', 'Linear', 'Dropout']
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: list[int],
        norm_layer: Callable[..., nn.Module] | None = None,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        inplace: bool | None = None,
        bias: bool = True,
        dropout: float = 0.0,
    ) -> None:
        if len(hidden_channels) == 0:
            raise ValueError(
                "MLP: hidden_channels is empty; give at least the output width, e.g. [num_classes]"
            )
        options = {} if inplace is None else {"inplace": inplace}
        layers = []
        width = in_channels
        for hidden in hidden_channels[:-1]:
            layers.append(nn.Linear(width, hidden, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden))
            layers.append(activation_layer(**options))
            layers.append(nn.Dropout(dropout, **options))
            width = hidden
        layers.append(nn.Linear(width, hidden_channels[-1], bias=bias))
        layers.append(nn.Dropout(dropout, **options))
        super().__init__(*layers)


class Permute(nn.Module):
    """Return the input with its dimensions in the order ``dims`` (a view, as ``Tensor.permute``).

    Args:
        dims: a permutation of ``range(input.ndim)``.

    Shape:
        ``(d_0, ..., d_{n-1})`` to ``(d_dims[0], ..., d_dims[n-1])``.

    Example:
        >>> tuple(Permute([0, 2, 3, 1])(tt_autograd.zeros(2, 3, 4, 5)).shape)
        (2, 4, 5, 3)
    """

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return tt_autograd.permute(x, self.dims)


class FrozenBatchNorm2d(nn.Module):
    """``BatchNorm2d`` in evaluation mode with everything fixed: no parameters, four buffers.

    ``y = (x - running_mean) / sqrt(running_var + eps) * weight + bias``, computed as
    ``x * scale + shift`` with per-channel ``scale = weight / sqrt(running_var + eps)``.
    A ``BatchNorm2d`` state dict loads into it: its ``num_batches_tracked`` entry is dropped.

    Args:
        num_features: channels ``C``.
        eps: added to the variance before the square root (default 1e-5).

    Attributes:
        weight, bias, running_mean, running_var: buffers ``(C,)`` (ones, zeros, zeros, ones).

    Shape:
        input and output ``(N, C, H, W)``.

    Example:
        >>> FrozenBatchNorm2d(4)
        FrozenBatchNorm2d(4, eps=1e-05)
    """

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        check_count("FrozenBatchNorm2d", "num_features", num_features, 1)
        self.eps = eps
        self.register_buffer("weight", tt_autograd.ones(num_features))
        self.register_buffer("bias", tt_autograd.zeros(num_features))
        self.register_buffer("running_mean", tt_autograd.zeros(num_features))
        self.register_buffer("running_var", tt_autograd.ones(num_features))
        self.register_load_state_dict_pre_hook(_drop_num_batches_tracked)

    def forward(self, x):
        scale = self.weight.reshape(1, -1, 1, 1) * (self.running_var.reshape(1, -1, 1, 1) + self.eps).rsqrt()
        shift = self.bias.reshape(1, -1, 1, 1) - self.running_mean.reshape(1, -1, 1, 1) * scale
        return x * scale + shift

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.weight.shape[0]}, eps={self.eps})"


def _drop_num_batches_tracked(module, state_dict, prefix, *rest) -> None:
    state_dict.pop(prefix + "num_batches_tracked", None)
