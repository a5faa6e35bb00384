"""The rest of ``torch.nn``'s activation layers, each a :class:`Module` around one function.

Not course material (beyond module 03's exercises). The functions are in
:mod:`tt_nn.functional.activations_extra` (smooth) and
:mod:`tt_nn.functional.activations_piecewise`. Each layer holds its settings
and prints them as PyTorch does (``ELU(alpha=1.0)``, ``Hardshrink(0.5)``);
only ``PReLU`` has a parameter, its ``weight`` (the state-dict key PyTorch uses).
``inplace=True`` writes the result into the input and returns it, as PyTorch's
(``tt_nn.functional.in_place``).
"""

from __future__ import annotations

import warnings

import tt_autograd
from tt_tensor.checks import check_count

from . import functional as F
from .functional.activations_extra import scalar_arg
from .init import constant_
from .module import Module
from .parameter import Parameter


def _inplace(inplace: bool, first: bool = False) -> str:
    """PyTorch's ``extra_repr`` text for ``inplace``: ``", inplace=True"`` (no comma if first) or ``""``."""
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class ELU(Module):
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: the negative side tends to ``-alpha`` (default 1).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> ELU(alpha=0.5)  # doctest: +SKIP
        ELU(alpha=0.5)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        scalar_arg("ELU", "alpha", alpha)
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self.inplace)


class CELU(Module):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha: non-zero (default 1).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if scalar_arg("CELU", "alpha", alpha) == 0:
            raise ValueError("CELU: alpha cannot be 0 (the formula divides by it); use a non-zero alpha")
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self.inplace)


class SELU(Module):
    """Scaled ELU with the self-normalising constants (``alpha ~ 1.6733``, ``scale ~ 1.0507``).

    Args:
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]`` (gradient 1 strictly inside, 0 elsewhere).

    Args:
        min_val: the lower bound (default -1).
        max_val: the upper bound (default 1), ``> min_val``.
        inplace: write the result into the input and return it (PyTorch's in-place form).
        min_value, max_value: PyTorch's deprecated names of the bounds (with a warning).

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> Hardtanh(-2.0, 2.0)  # doctest: +SKIP
        Hardtanh(min_val=-2.0, max_val=2.0)
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("Hardtanh: min_value is deprecated; use min_val", FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("Hardtanh: max_value is deprecated; use max_val", FutureWarning, stacklevel=2)
            max_val = max_value
        name = type(self).__name__
        if not scalar_arg(name, "max_val", max_val) > scalar_arg(name, "min_val", min_val):
            raise ValueError(
                f"{name}: max_val ({max_val}) must be greater than min_val ({min_val}); swap or widen them"
            )
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace(self.inplace)


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``: a :class:`Hardtanh` with bounds 0 and 6.

    Args:
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6`` (PyTorch prints no settings, not even ``inplace``). Shape: ``(*)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6`` (PyTorch prints no settings, not even ``inplace``). Shape: ``(*)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.hardswish(input, self.inplace)


class Mish(Module):
    """``x * tanh(softplus(x))``.

    Args:
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, exact for any input. Shape: input ``(*)``, output ``(*)``."""

    def forward(self, input):  # noqa: A002
        return F.logsigmoid(input)


class Softsign(Module):
    """``x / (1 + |x|)``. Shape: input ``(*)``, output ``(*)``."""

    def forward(self, input):  # noqa: A002
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``. Shape: input ``(*)``, output ``(*)``."""

    def forward(self, input):  # noqa: A002
        return F.tanhshrink(input)


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    Args:
        dim: the dimension whose slices sum to 1.

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at each position: ``softmax(x, dim=-3)``.

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``, output the same.
    """

    def forward(self, input):  # noqa: A002
        ndim = getattr(input, "ndim", None)
        if ndim not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected input to be 3D or 4D, got {ndim}D instead ((N, C, H, W) or (C, H, W))"
            )
        return F.softmax(input, -3)


class GLU(Module):
    """Gated linear unit: halves ``a, b`` of the input along ``dim``, ``a * sigmoid(b)``.

    Args:
        dim: the dimension to halve (default the last); its size must be even.

    Shape:
        input ``(*, 2M, *)``, output ``(*, M, *)``.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``x`` where positive, ``weight * x`` elsewhere, with learnt slopes.

    Args:
        num_parameters: 1 (one slope shared by all channels) or the number of
            channels (dim 1 of the input), one slope each.
        init: the slopes' initial value (default 0.25).
        device: only ``None``/``"cpu"``; accepted for PyTorch compatibility.
        dtype: the weight's dtype (default: the default float dtype).

    Attributes:
        weight: ``(num_parameters,)``, filled with ``init``; the state-dict key is ``weight``.

    Shape:
        input ``(N, C, *)`` (or ``(*)`` with ``num_parameters=1``), output the same.

    Example:
        >>> PReLU(3)  # doctest: +SKIP
        PReLU(num_parameters=3)
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: object = None, dtype: object = None
    ) -> None:
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"PReLU: device {device!r} is not available; TinyTorch runs on the CPU only")
        self.num_parameters = check_count("PReLU", "num_parameters", num_parameters)
        scalar_arg("PReLU", "init", init)
        self.init = init
        self.weight = Parameter(tt_autograd.empty(self.num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the slopes with ``init``."""
        constant_(self.weight, self.init)

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Args:
        threshold: the bound an element must exceed to be kept.
        value: what replaces the others.
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        scalar_arg("Threshold", "threshold", threshold)
        scalar_arg("Threshold", "value", value)
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace(self.inplace)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Args:
        lambd: the half-width of the zeroed band (default 0.5).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        scalar_arg("Hardshrink", "lambd", lambd)
        self.lambd = lambd

    def forward(self, input):  # noqa: A002
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """Shrink towards 0 by ``lambd``: ``x - lambd`` above it, ``x + lambd`` below ``-lambd``, else 0.

    Args:
        lambd: the shrinkage, ``>= 0`` (default 0.5).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        if not scalar_arg("Softshrink", "lambd", lambd) >= 0:
            raise ValueError(f"Softshrink: lambd must be >= 0, got {lambd}; pass a non-negative lambd")
        self.lambd = lambd

    def forward(self, input):  # noqa: A002
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class RReLU(Module):
    """Randomised leaky ReLU: slopes drawn from ``U(lower, upper)`` in training, their mean in eval.

    Args:
        lower, upper: the range of the negative slope (defaults 1/8 and 1/3), ``lower <= upper``.
            Checked here, where PyTorch checks them at the first forward.
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> RReLU()  # doctest: +SKIP
        RReLU(lower=0.125, upper=0.3333333333333333)
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        if scalar_arg("RReLU", "lower", lower) > scalar_arg("RReLU", "upper", upper):
            raise ValueError(f"RReLU: lower must be <= upper, got lower={lower} > upper={upper}")
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):  # noqa: A002
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace(self.inplace)
