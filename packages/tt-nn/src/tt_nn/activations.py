"""Activation layers (module 03): each a :class:`Module` around one function of :mod:`tt_nn.functional`.

They hold no parameters, only their settings, which ``extra_repr`` prints as
PyTorch does: ``LeakyReLU(negative_slope=0.01)``, ``Softmax(dim=1)``.
"""

from __future__ import annotations

from tt_tensor.checks import check_number

from . import functional as F
from .module import Module


class ReLU(Module):
    """``max(x, 0)`` element-wise.

    Args:
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``, the same shape.

    Example:
        >>> ReLU()(tt_autograd.tensor([-1.0, 2.0]))  # doctest: +SKIP
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Args:
        negative_slope: slope for negative inputs (default 0.01).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        check_number("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)`` (exact), or its tanh approximation.

    Args:
        approximate: ``"none"`` (exact, PyTorch's default) or ``"tanh"``.

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> GELU(approximate="tanh")  # doctest: +SKIP
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)`` (swish).

    Args:
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` element-wise. Shape: input ``(*)``, output ``(*)``."""

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent element-wise. Shape: input ``(*)``, output ``(*)``."""

    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class Softmax(Module):
    """Normalise along ``dim`` into probabilities: ``exp(x) / sum(exp(x))``.

    Args:
        dim: the dimension whose slices sum to 1.

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> Softmax(dim=1)(tt_autograd.tensor([[0.0, 0.0]]))  # doctest: +SKIP
        tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably as ``x - logsumexp(x)``.

    Args:
        dim: the dimension to normalise.

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (see :func:`~tt_nn.functional.softplus`).

    Shape: input ``(*)``, output ``(*)``.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        if check_number("Softplus", "beta", beta) == 0:
            raise ValueError("Softplus: beta must be non-zero")
        check_number("Softplus", "threshold", threshold)
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim`` (see :func:`~tt_nn.functional.cosine_similarity`)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
