"""``torch.sparse``: functions on sparse COO tensors (``tt.sparse.mm``, ``tt.sparse.sum``).

The tensor type and ``sparse_coo_tensor`` are in ``sparse_tensor.py``, the
product in ``sparse_mm.py``.

Example:
    >>> import tt_autograd as tt
    >>> a = tt.sparse_coo_tensor([[0, 1, 1], [1, 0, 1]], [1.0, 2.0, 3.0], (2, 2))
    >>> tt.sparse.sum(a)
    tensor(6.)
"""

from __future__ import annotations

from tt_tensor.dtypes import dtype_argument

from .sparse_mm import spmm
from .sparse_tensor import SparseTensor
from .tensor import Tensor

__all__ = ["mm", "sum"]

mm = spmm  # torch.sparse.mm(sparse, dense): the same product as torch.spmm


def sum(input: SparseTensor, dim: object = None, dtype: object = None) -> Tensor | SparseTensor:  # noqa: A001, A002
    """``torch.sparse.sum``: all values summed (dense 0-d), or over ``dim`` (a coalesced sparse tensor).

    Args:
        input: a sparse COO tensor.
        dim: a dim or a tuple of dims to sum over (None: all).
        dtype: convert the values first.
    """
    if not isinstance(input, SparseTensor):
        raise TypeError(
            f"sparse.sum: expects a sparse COO tensor, got {type(input).__name__}; "
            "for a dense one use torch.sum"
        )
    if dtype is not None:
        input = input.to(dtype_argument("sparse.sum", dtype))  # noqa: A001
    return input.sum(dim)
