"""Channel-wise and alpha dropout layers: ``Dropout1d/2d/3d``, ``AlphaDropout``, ``FeatureAlphaDropout``.

Modules around :mod:`tt_nn.functional.dropout_extra`: active in training mode,
the identity after ``model.eval()``. Each holds ``p`` and ``inplace`` only and
prints them as PyTorch does: ``Dropout2d(p=0.2, inplace=False)``.
"""

from __future__ import annotations

from tt_tensor.checks import check_number

from .functional import dropout_extra as F
from .module import Module


class _DropoutNd(Module):
    """``p`` (checked to lie in ``[0, 1]``) and ``inplace``; subclasses pick the function."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= check_number(type(self).__name__, "p", p) <= 1.0:
            raise ValueError(
                f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}"
            )
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training; scale the kept ones by ``1 / (1 - p)``.

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        ``(N, C, L)`` or ``(C, L)``, output the same.

    Example:
        >>> Dropout1d(0.2)(tt_autograd.randn(8, 16, 100)).shape  # doctest: +SKIP
        (8, 16, 100)
    """

    def forward(self, input):  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole feature maps with probability ``p`` in training; scale the kept ones by ``1 / (1 - p)``.

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        ``(N, C, H, W)``, output the same. PyTorch also takes 3-D input with a
        warning (as ``(N, C, L)``); here it is an error that says what to use.
    """

    def forward(self, input):  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole 3-D feature maps with probability ``p`` in training; scale the kept ones by ``1 / (1 - p)``.

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        ``(N, C, D, H, W)`` or ``(C, D, H, W)``, output the same.
    """

    def forward(self, input):  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks: keeps mean 0 and variance 1 of its input in training.

    Args:
        p: probability of dropping an element (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.
    """

    def forward(self, input):  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (one draw per sample and channel) for SELU networks.

    Args:
        p: probability of dropping a channel (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        ``(N, C, *)``, output the same.
    """

    def forward(self, input):  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
