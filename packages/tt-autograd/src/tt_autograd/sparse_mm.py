"""Sparse times dense: ``torch.spmm``, ``torch.sparse.mm``, ``torch.mm``/``@`` with a sparse first operand.

For a sparse ``A`` ``(n, m)`` with ``nnz`` entries ``(r, c, v)`` and a dense
``X`` ``(m, k)``, row ``r`` of ``A @ X`` is the sum of ``v * X[c]`` over the
entries of that row. Forward gathers ``X`` at the column indices
(``(nnz, k)``), scales each row by its value and sums the rows that share a
row index with ``np.add.reduceat`` over the entries sorted by row (the sort
is computed once per sparse tensor and kept). Cost: ``O(nnz * k)`` multiply-adds
and ``nnz * k`` elements of scratch, against ``n * m * k`` for the dense
product.

Backward, for ``G = d(loss)/d(A @ X)``:

* the dense operand gets ``A^T @ G``: the same gather-scale-sum with rows and
  columns swapped (entries grouped by column);
* the sparse operand gets, for each stored entry ``(r, c)``, ``G[r] . X[c]``,
  the dense gradient ``G @ X^T`` read at the non-zeros only. PyTorch returns
  it as a sparse tensor on the same indices; here it reaches the values
  tensor (``sparse.grad`` wraps it as that sparse tensor), duplicates each
  getting the full gradient of their position, as summing them implies.

``torch.mm``, ``torch.matmul`` and ``torch.spmm`` here check ``isinstance`` once
and hand dense operands to the dense product unchanged.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import functional as dense_functional

from .function import Function
from .sparse_tensor import Segments, SparseTensor
from .tensor import Tensor


class SparseMMFunction(Function):
    """``A @ X`` for sparse ``A`` (its values the first input) and dense 2-D ``X``; gradients for both."""

    @staticmethod
    def forward(ctx, values, dense, rows, cols, by_row, by_col, n_rows):
        ctx.save_for_backward(values, dense)
        ctx.rows, ctx.cols, ctx.by_row, ctx.by_col, ctx.n_rows = rows, cols, by_row, by_col, n_rows
        return _gather_scale_sum(values, dense, cols, by_row, n_rows)

    @staticmethod
    def backward(ctx, grad):
        values, dense = ctx.saved_tensors
        need_values, need_dense = ctx.needs_input_grad
        grad_values = grad_dense = None
        if need_values:
            grad_values = np.einsum("ij,ij->i", grad[ctx.rows], dense[ctx.cols])
        if need_dense:
            grad_dense = _gather_scale_sum(values, grad, ctx.rows, ctx.by_col, dense.shape[0])
        return grad_values, grad_dense

    @staticmethod
    def graph_backward(ctx, grad):
        """Recorded (``create_graph=True``): ``Aᵀ @ G`` as this op again, rows and columns swapped;
        the values' ``G[r] · X[c]`` as indexing, a product and a sum. Both are bilinear, so second
        derivatives reach the values, the dense matrix and ``G``."""
        values, dense = ctx.saved_tensors
        need_values, need_dense = ctx.needs_input_grad
        values_t, dense_t = ctx.input_tensor(0, values), ctx.input_tensor(1, dense)
        grad_values = (grad[ctx.rows] * dense_t[ctx.cols]).sum(dim=1) if need_values else None
        grad_dense = None
        if need_dense:
            grad_dense = SparseMMFunction.apply(
                values_t,
                grad,
                rows=ctx.cols,
                cols=ctx.rows,
                by_row=ctx.by_col,
                by_col=ctx.by_row,
                n_rows=dense.shape[0],
            )
        return grad_values, grad_dense


def _gather_scale_sum(values: np.ndarray, dense: np.ndarray, read: np.ndarray, write: Segments, n: int):
    """``out[write key] += values * dense[read]`` for every entry, as one sorted segment sum: ``(n, k)``."""
    out = np.zeros((n, dense.shape[1]), dtype=np.result_type(values, dense))
    out[write.keys] = write.sum(values[:, None] * dense[read])
    return out


def spmm(input: SparseTensor, mat2: object) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    """``torch.spmm`` / ``torch.sparse.mm``: a sparse ``(n, m)`` matrix times a dense ``(m, k)`` one.

    Args:
        input: a 2-D :class:`SparseTensor` (coalesced or not; duplicates add up).
        mat2: a dense 2-D tensor of the same dtype.

    Shape: ``(n, m) @ (m, k) -> (n, k)``, dense.

    Gradients reach both: the dense matrix (``A^T @ grad``) and the sparse values
    (``grad @ mat2^T`` at the non-zeros; see the module docstring). Cost: ``O(nnz * k)``.

    Example:
        >>> import tt_autograd as tt
        >>> a = tt.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> tt.spmm(a, tt.tensor([[1.0], [10.0]]))
        tensor([[20.],
                [ 3.]])
    """
    if not isinstance(input, SparseTensor):
        raise TypeError(
            f"spmm: the first argument must be a sparse COO tensor, got {type(input).__name__}; "
            "for two dense matrices use torch.mm"
        )
    if isinstance(mat2, SparseTensor):
        raise TypeError("spmm: sparse @ sparse is not supported; convert the second operand with .to_dense()")
    dense = mat2 if isinstance(mat2, tt_tensor.Tensor) else Tensor(mat2)
    if input.ndim != 2 or dense.ndim != 2:
        raise RuntimeError(
            f"spmm: expects a 2-D sparse and a 2-D dense matrix, got shapes {input.shape} and {dense.shape}"
        )
    if input.shape[1] != dense.shape[0]:
        raise RuntimeError(
            f"spmm: shapes {input.shape} and {dense.shape} cannot be multiplied ({input.shape[1]} != "
            f"{dense.shape[0]}): the sparse matrix's columns must equal the dense matrix's rows"
        )
    if input.dtype != dense.dtype:
        raise RuntimeError(
            f"spmm: the sparse values are {input.dtype} but the dense matrix is {dense.dtype}; "
            "convert one with .to(...) so both have the same dtype"
        )
    rows, cols = input._indices_array
    by_row, by_col = _row_and_column_segments(input)
    return SparseMMFunction.apply(
        input._values(), dense, rows=rows, cols=cols, by_row=by_row, by_col=by_col, n_rows=input.shape[0]
    )


def _row_and_column_segments(sparse: SparseTensor) -> tuple[Segments, Segments]:
    """The entries grouped by row and by column, computed on first use and kept on the tensor."""
    if sparse._mm_segments is None:
        rows, cols = sparse._indices_array
        sparse._mm_segments = (Segments(rows), Segments(cols))
    return sparse._mm_segments


def mm(input: object, mat2: object) -> Tensor:  # noqa: A002
    """``torch.mm``: sparse @ dense through :func:`spmm`, dense @ dense as before."""
    if isinstance(input, SparseTensor):
        return spmm(input, mat2)
    return dense_functional.mm(input, mat2)


def matmul(input: object, other: object) -> Tensor:  # noqa: A002
    """``torch.matmul``: sparse @ dense through :func:`spmm`, dense operands as before."""
    if isinstance(input, SparseTensor):
        return spmm(input, other)
    return dense_functional.matmul(input, other)
