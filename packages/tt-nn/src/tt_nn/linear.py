"""``Linear`` and ``Identity`` (module 04).

``Linear`` stores its weight as ``(out_features, in_features)``, PyTorch's
layout, so a state dict moves between the two unchanged; forward is
:func:`tt_nn.functional.linear`, one fused GEMM + bias node.
"""

from __future__ import annotations

import math

import tt_autograd
import tt_tensor
from tt_tensor.checks import check_count
from tt_tensor.devices import check_cpu

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Return the input unchanged; any constructor arguments are ignored (PyTorch's placeholder layer).

    Shape:
        input ``(*)``, output ``(*)``, the same tensor.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, input):  # noqa: A002
        return input


class Linear(Module):
    """The affine map ``y = x @ W.T + b``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device: only ``None``/``"cpu"``; accepted for PyTorch compatibility.
        dtype: parameter dtype (default: the default float dtype).

    Attributes:
        weight: ``(out_features, in_features)``, initialised from
            ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (PyTorch's
            ``kaiming_uniform_(a=sqrt(5))``).
        bias: ``(out_features,)``, from the same distribution.

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    Example:
        >>> layer = Linear(4, 2)  # doctest: +SKIP
        >>> layer(tt_autograd.randn(8, 4)).shape  # doctest: +SKIP
        (8, 2)
        >>> layer  # doctest: +SKIP
        Linear(in_features=4, out_features=2, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: object = None,
                 dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        check_cpu("Linear", device)
        in_features = check_count("Linear", "in_features", in_features)
        out_features = check_count("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(tt_autograd.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(tt_autograd.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw the weight and bias with PyTorch's default initialisation."""
        # BEGIN SOLUTION 04
        # TODO: PyTorch's default: kaiming_uniform_ of the weight with a = sqrt(5), and the bias from
        #   U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (§ How it is built, "init").
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)
        # END SOLUTION

    def forward(self, input):  # noqa: A002
        if isinstance(input, tt_tensor.Tensor) and (input.ndim == 0 or input.shape[-1] != self.in_features):
            raise RuntimeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): input of shape "
                f"{tuple(input.shape)} does not end in {self.in_features} features"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class NonDynamicallyQuantizableLinear(Linear):
    """A :class:`Linear` that dynamic quantization leaves in float, as PyTorch's class of that name
    (``torch.nn.modules.linear.NonDynamicallyQuantizableLinear``): ``quantize_dynamic`` swaps layers by
    their exact type, so this subclass is passed over. ``MultiheadAttention``'s ``out_proj`` is one in
    PyTorch, whose attention reads ``out_proj.weight`` directly (a quantized layer has none).

    The same arguments, parameters, state-dict keys and output as :class:`Linear`; only the class
    (and so the repr's name) differs.

    Example:
        >>> NonDynamicallyQuantizableLinear(4, 4)  # doctest: +SKIP
        NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
    """
