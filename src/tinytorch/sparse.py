"""``tinytorch.sparse``: PyTorch's ``torch.sparse`` namespace over tt-autograd's sparse COO tensors.

``mm(sparse, dense)`` multiplies (gradients reach both operands) and ``sum``
adds the values up; ``torch.sparse_coo_tensor``, ``torch.spmm`` and
``Tensor.to_sparse()`` are at the top level as in PyTorch.

Example:
    >>> import tinytorch as torch
    >>> a = torch.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
    >>> torch.sparse.mm(a, torch.ones(2, 1))
    tensor([[2.],
            [3.]])
"""

from __future__ import annotations

from tt_autograd.sparse import mm, sum  # noqa: A004  (PyTorch's name)

__all__ = ["mm", "sum"]
