"""Dense to sparse: ``Tensor.to_sparse()`` and ``Tensor.is_sparse``.

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``); the sparse
tensor itself is in ``sparse_tensor.py``.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor.checks import NOT_GIVEN, check_optional


class SparseGradMixin(tt_tensor.Tensor):
    """The dense side of the sparse COO layout."""

    is_sparse = False

    def to_sparse(self, sparse_dim: int = NOT_GIVEN):
        """This tensor in sparse COO layout: its non-zero entries, coalesced (row-major, as PyTorch).

        Recorded: the values are read from this tensor, so the gradient of the sparse
        tensor's values comes back here. ``sparse_dim`` (fewer sparse dims, dense values
        per entry) is not supported; None is refused, as PyTorch.

        Example:
            >>> import tt_autograd as tt
            >>> tt.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()._nnz()
            2
        """
        from .sparse_tensor import SparseTensor

        sparse_dim = check_optional("to_sparse", "sparse_dim", sparse_dim)
        if sparse_dim is not None and sparse_dim != self.ndim:
            raise NotImplementedError(
                f"to_sparse: sparse_dim={sparse_dim} (values with dense dimensions) is not supported; "
                f"only all {self.ndim} dimensions sparse"
            )
        if self.ndim == 0:
            raise RuntimeError("to_sparse: a 0-d tensor has no sparse form; reshape it to 1-D first")
        where = np.nonzero(self.array)
        indices = np.stack(where).astype(np.int64).reshape(self.ndim, -1)
        values = self[tuple(type(self).from_array(axis) for axis in where)]
        return SparseTensor(indices, values, self.shape, coalesced=True)
