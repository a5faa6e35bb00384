"""``Dropout`` (module 04): active in training mode, the identity in evaluation mode."""

from __future__ import annotations

from tt_tensor.checks import check_number

from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` during training and scale the rest by ``1 / (1 - p)``.

    Draws from TinyTorch's default generator, so ``tt.manual_seed`` makes it
    repeatable. ``model.eval()`` turns it into the identity.

    Args:
        p: probability of zeroing an element (default 0.5).
        inplace: write the result into the input and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``.

    Example:
        >>> drop = Dropout(0.2)  # doctest: +SKIP
        >>> drop.eval()(x) is x  # doctest: +SKIP
        True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= check_number("Dropout", "p", p) <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
