"""``Parameter``: a tensor that a :class:`~tt_nn.module.Module` registers as learnable.

Assigning a ``Parameter`` to a module attribute adds it to the module's
``parameters()``; a plain tensor does not. Parameters require grad by default.
"""

from __future__ import annotations

import tt_tensor
from tt_autograd import Tensor


class Parameter(Tensor):
    """A learnable tensor, like ``torch.nn.Parameter``; it shares the data it is given.

    Args:
        data: the initial value: a tensor, whose storage is shared, not copied
            (anything else, e.g. a NumPy array, is converted). None gives an
            empty float tensor.
        requires_grad: whether the optimizer should train it (default True;
            only floating-point parameters can).

    Shape:
        that of ``data``.

    Example:
        >>> w = Parameter(tt_autograd.zeros(2, 3))  # doctest: +SKIP
        >>> w.requires_grad, w.is_leaf  # doctest: +SKIP
        (True, True)
    """

    def __init__(self, data: object = None, requires_grad: bool = True) -> None:
        source = Tensor([]) if data is None else data
        self.array = source.array if isinstance(source, tt_tensor.Tensor) else Tensor(source).array
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def _repr_extras(self) -> list[str]:
        return ["requires_grad=True"] if self.requires_grad else []

    @classmethod
    def from_array(cls, array):  # type: ignore[override]
        """Results of operations on a parameter are plain tensors, as in PyTorch."""
        return Tensor.from_array(array)
