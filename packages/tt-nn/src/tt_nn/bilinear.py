"""``Bilinear``: ``y = x1ᵀ A x2 + b``, a learned bilinear form per output feature (not course material)."""

from __future__ import annotations

import math

import tt_autograd
from tt_tensor.checks import check_count
from tt_tensor.devices import check_cpu

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Bilinear(Module):
    """``y[..., o] = Σ_ij x1[..., i] · weight[o, i, j] · x2[..., j] + bias[o]``.

    Args:
        in1_features, in2_features: the sizes of the two inputs' last dims (``in1_features >= 1``:
            the initial range ``1/sqrt(in1_features)`` needs it).
        out_features: the size of the output's last dim.
        bias: learn ``bias`` of shape ``(out_features,)`` (default True).

    Weight ``(out_features, in1_features, in2_features)`` and bias are drawn
    from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``, as in PyTorch.

    Shape:
        inputs ``(*, in1_features)`` and ``(*, in2_features)``, output ``(*, out_features)``.

    Example:
        >>> Bilinear(2, 3, 4)  # doctest: +SKIP
        Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: object = None, dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        check_cpu("Bilinear", device)
        self.in1_features = check_count("Bilinear", "in1_features", in1_features, 1)
        self.in2_features = check_count("Bilinear", "in2_features", in2_features)
        self.out_features = check_count("Bilinear", "out_features", out_features)
        self.weight = Parameter(tt_autograd.empty(out_features, in1_features, in2_features, dtype=dtype))
        bias_param = Parameter(tt_autograd.empty(out_features, dtype=dtype)) if bias else None
        self.register_parameter("bias", bias_param)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight and bias from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``."""
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
