"""``Flatten`` and ``Unflatten`` (module 04): reshape layers, e.g. images to vectors before a ``Linear``."""

from __future__ import annotations

from tt_tensor.checks import check_tensor

from .module import Module


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim: first dimension to merge (default 1: keep the batch dimension).
        end_dim: last dimension to merge (default -1).

    Shape:
        input ``(N, *dims)``, output ``(N, prod(dims))`` with the defaults.

    Example:
        >>> Flatten()(tt_autograd.zeros(32, 1, 28, 28)).shape  # doctest: +SKIP
        (32, 784)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002
        check_tensor("Flatten", input)
        # BEGIN SOLUTION 04
        # TODO: input flattened from start_dim to end_dim (Tensor.flatten from module 01 does it).
        return input.flatten(self.start_dim, self.end_dim)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``.

    Args:
        dim: the dimension to split.
        unflattened_size: the new sizes; their product must equal the size of ``dim``.

    Shape:
        input ``(*, S, *)``, output ``(*, *unflattened_size, *)``.
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):  # noqa: A002
        # BEGIN SOLUTION 04
        # TODO: dim unfolded into unflattened_size: the inverse of Flatten.
        # EXAMPLE: dim 1, unflattened_size (2, 5): input (3, 10, 4) -> (3, 2, 5, 4); dim may be negative.
        dim = self.dim % input.ndim
        return input.reshape(*input.shape[:dim], *self.unflattened_size, *input.shape[dim + 1 :])
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
