"""Sparse storage of a pruned model: weights in CSR form, their real size, and a sparse forward pass.

A mask makes weights zero but stores them all (and the mask besides). To
*gain* from unstructured pruning the zeros must leave the file and the
arithmetic. Compressed sparse row (CSR) keeps, for an ``m × k`` matrix with
``nnz`` non-zeros, PyTorch's three arrays (``tensor.to_sparse_csr()``):

* ``values`` — the ``nnz`` non-zeros, row by row (float32: 4 bytes each);
* ``col_indices`` — the column of each (here the smallest signed integer type
  that holds ``k − 1``: int16 for every layer of a small CNN, 2 bytes each;
  PyTorch uses int64 or int32);
* ``crow_indices`` — ``m + 1`` offsets: row ``i`` is ``values[crow[i]:crow[i+1]]``.

So CSR costs ``nnz · (4 + 2) + 4 · (m + 1)`` bytes against ``4 · m · k`` dense:
it is smaller only below ``2/3`` density with int16 columns (``1/2`` with int32).

**Speed.** ``sparse_mm(A, X)`` computes ``A @ X`` in ``nnz · n`` multiply-adds
against ``m · k · n`` for the dense GEMM. But NumPy has no sparse GEMM: here
it is a gather (``X[col_indices]``), a scaled copy, and ``np.add.reduceat``
over each row's segment — vectorised, yet memory-bound element-wise work at
roughly a gigaflop per second, against the tens of gigaflops BLAS reaches on
the dense product. On a CPU with NumPy, **the sparse forward is slower than
the dense one at every sparsity a CNN keeps its accuracy at**; it saves
bytes, not time (``benchmarks/perf_compression.py`` measures both).
:class:`SparseLinear` and :class:`SparseConv2d` are inference-only layers (no
gradient is recorded); :func:`to_sparse` swaps them into a copy of a model.

Example:
    >>> import numpy as np
    >>> a = to_sparse_csr(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]], dtype=np.float32))
    >>> a.crow_indices().tolist(), a.col_indices().tolist(), a.values().tolist()
    ([0, 1, 3], [1, 0, 2], [2.0, 1.0, 3.0])
    >>> sparse_mm(a, np.ones((3, 2), dtype=np.float32)).tolist()
    [[2.0, 2.0], [4.0, 4.0]]
"""

from __future__ import annotations

import copy

import numpy as np
from tt_autograd import Tensor, from_numpy
from tt_nn import Linear, Module
from tt_vision import Conv2d

from .pruning import is_pruned, remove

#: Elements of the gathered ``(nnz, columns)`` block ``sparse_mm`` works on at a time (16 MiB of float32).
BLOCK_ELEMENTS = 1 << 22


def _index_dtype(largest: int) -> np.dtype:
    """The smallest signed integer type holding ``largest`` (safetensors has no unsigned 16/32)."""
    for dtype in (np.int16, np.int32, np.int64):
        if largest <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise ValueError(f"sparse: index {largest} does not fit in int64")


class CSRTensor:
    """A 2-d ``(m, k)`` matrix in compressed sparse row form (the arrays of PyTorch's ``to_sparse_csr``)."""

    def __init__(self, crow_indices, col_indices, values, size: tuple[int, int]) -> None:
        crow, col, vals = (np.asarray(a) for a in (crow_indices, col_indices, values))
        m, k = (int(s) for s in size)
        if crow.shape != (m + 1,) or col.shape != vals.shape or vals.ndim != 1:
            raise ValueError(
                f"CSRTensor: for size ({m}, {k}) crow_indices must have shape ({m + 1},) and "
                f"col_indices/values one shared 1-d shape; got {crow.shape}, {col.shape}, {vals.shape}"
            )
        if crow[0] != 0 or crow[-1] != vals.size or np.any(np.diff(crow) < 0):
            raise ValueError(
                f"CSRTensor: crow_indices must rise from 0 to nnz={vals.size}; got {crow[0]}…{crow[-1]}"
            )
        if col.size and (col.min() < 0 or col.max() >= k):
            raise ValueError(f"CSRTensor: col_indices must lie in [0, {k}); got [{col.min()}, {col.max()}]")
        self._crow, self._col, self._values, self.shape = crow, col, vals, (m, k)

    def crow_indices(self) -> np.ndarray:
        """``(m + 1,)`` row offsets."""
        return self._crow

    def col_indices(self) -> np.ndarray:
        """``(nnz,)`` column of each stored value."""
        return self._col

    def values(self) -> np.ndarray:
        """``(nnz,)`` the non-zeros, row by row."""
        return self._values

    def size(self) -> tuple[int, int]:
        return self.shape

    @property
    def nnz(self) -> int:
        return int(self._values.size)

    @property
    def nbytes(self) -> int:
        """Bytes of the three arrays (what a file of them holds, headers aside)."""
        return int(self._crow.nbytes + self._col.nbytes + self._values.nbytes)

    def to_dense(self) -> np.ndarray:
        """The ``(m, k)`` dense matrix. Cost: ``m · k`` writes."""
        # BEGIN SOLUTION 16
        # TODO: scatter the stored values back into an (m, k) array of zeros (§ How it is built).
        # HINT: np.diff(crow) is the count per row; np.repeat turns it into each value's row index.
        dense = np.zeros(self.shape, dtype=self._values.dtype)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self._crow))
        dense[rows, self._col] = self._values
        return dense
        # END SOLUTION

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        return sparse_mm(self, other)

    def __repr__(self) -> str:
        density = self.nnz / max(1, self.shape[0] * self.shape[1])
        dtype = self._values.dtype
        return f"CSRTensor(size={self.shape}, nnz={self.nnz}, density={density:.3f}, dtype={dtype})"


def to_sparse_csr(dense) -> CSRTensor:
    """The CSR form of a 2-d array or tensor (entries equal to 0 are dropped). Cost: one pass over it."""
    array = dense.detach().numpy() if isinstance(dense, Tensor) else np.asarray(dense)
    if array.ndim != 2:
        raise ValueError(
            f"to_sparse_csr: expected a 2-d matrix, got shape {array.shape}; reshape a conv weight "
            "(C_out, C_in, kh, kw) to (C_out, C_in·kh·kw) first"
        )
    # BEGIN SOLUTION 16
    # TODO: CSR of a 2-D array (§ How it is built): the non-zeros row by row, their column indices, and
    #   crow, where row r's values are values[crow[r]:crow[r + 1]] (crow has m + 1 entries, starting at 0).
    # HINT: np.nonzero gives row-major order; np.bincount + np.cumsum give crow.
    rows, cols = np.nonzero(array)  # row-major order: row by row, columns ascending
    counts = np.bincount(rows, minlength=array.shape[0])
    crow = np.concatenate([[0], np.cumsum(counts)]).astype(_index_dtype(rows.size))
    col = cols.astype(_index_dtype(array.shape[1] - 1))  # the largest column index
    return CSRTensor(crow, col, array[rows, cols], array.shape)
    # END SOLUTION


def sparse_mm(sparse: CSRTensor, dense: np.ndarray) -> np.ndarray:
    """``sparse @ dense`` for a CSR ``(m, k)`` and a dense ``(k, n)``: ``(m, n)`` (``torch.sparse.mm``).

    Cost: ``nnz · n`` multiply-adds, done a block of columns at a time
    (``X[col_indices, block]`` gathered, scaled by the values, summed per row
    with ``np.add.reduceat``); ``BLOCK_ELEMENTS`` bounds the temporary.
    """
    dense = np.asarray(dense)
    m, k = sparse.shape
    if dense.ndim != 2 or dense.shape[0] != k:
        raise ValueError(f"sparse_mm: a ({m}, {k}) sparse matrix times a dense {dense.shape}; need ({k}, n)")
    n = dense.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(sparse.values(), dense))
    if sparse.nnz == 0:
        return out
    # BEGIN SOLUTION 16
    # TODO: out = sparse @ dense without building the dense matrix (§ How it is built): each stored value
    #   scales one row of dense, and a row's products are summed over its segment of the values.
    # HINT: np.add.reduceat over the segments' starts; work in blocks of dense's columns to bound memory.
    crow = sparse.crow_indices()
    rows = np.flatnonzero(np.diff(crow))  # rows with at least one value
    starts = crow[rows]  # their segments are contiguous: each ends where the next begins
    col, values = sparse.col_indices(), sparse.values()[:, None]
    step = max(1, BLOCK_ELEMENTS // sparse.nnz)
    for begin in range(0, n, step):  # blocks of columns, each one vectorised
        block = dense[col, begin : begin + step] * values
        out[rows, begin : begin + step] = np.add.reduceat(block, starts, axis=0)
    return out
    # END SOLUTION


class _SparseWeight(Module):
    """Holds a weight as CSR buffers ``weight_crow_indices``, ``weight_col_indices``, ``weight_values``."""

    def _store(self, weight: np.ndarray, bias: Tensor | None) -> None:
        self.weight_shape = tuple(weight.shape)
        csr = to_sparse_csr(weight.reshape(weight.shape[0], -1))
        for name, array in (
            ("crow_indices", csr.crow_indices()),
            ("col_indices", csr.col_indices()),
            ("values", csr.values()),
        ):
            self.register_buffer(f"weight_{name}", from_numpy(np.ascontiguousarray(array)))
        self.register_buffer("bias", None if bias is None else from_numpy(bias.detach().numpy().copy()))

    def weight_csr(self) -> CSRTensor:
        m = self.weight_shape[0]
        k = int(np.prod(self.weight_shape[1:]))
        arrays = (self.weight_crow_indices, self.weight_col_indices, self.weight_values)
        return CSRTensor(*(a.numpy() for a in arrays), (m, k))

    def extra_repr(self) -> str:
        nnz, total = self.weight_values.numel(), int(np.prod(self.weight_shape))
        return f"weight={self.weight_shape}, nnz={nnz}, density={nnz / max(total, 1):.3f}"


class SparseLinear(_SparseWeight):
    """An inference-only ``Linear`` whose weight is stored and multiplied in CSR form.

    Shape: ``(B, in_features)`` → ``(B, out_features)``. Cost: ``nnz · B`` multiply-adds.
    """

    def __init__(self, linear: Linear) -> None:
        super().__init__()
        self.out_features, self.in_features = linear.weight.shape
        self._store(linear.weight.detach().numpy(), linear.bias)

    def forward(self, x: Tensor) -> Tensor:
        array = x.detach().numpy()
        if array.ndim != 2 or array.shape[1] != self.in_features:
            raise ValueError(
                f"SparseLinear: expected input (batch, {self.in_features}), got {tuple(array.shape)}"
            )
        out = sparse_mm(self.weight_csr(), np.ascontiguousarray(array.T)).T
        if self.bias is not None:
            out = out + self.bias.numpy()
        return from_numpy(np.ascontiguousarray(out))


class SparseConv2d(_SparseWeight):
    """An inference-only ``Conv2d`` (``groups=1``, zero padding) with its weight in CSR form.

    The input is unfolded into columns ``(C_in·kh·kw, N·H_out·W_out)`` and
    multiplied by the ``(C_out, C_in·kh·kw)`` CSR weight. Shape:
    ``(N, C_in, H, W)`` → ``(N, C_out, H_out, W_out)``. Cost: ``nnz · N·H_out·W_out``
    multiply-adds, plus the unfolding copy.
    """

    def __init__(self, conv: Conv2d) -> None:
        super().__init__()
        if conv.groups != 1 or isinstance(conv.padding, str) or conv.padding_mode != "zeros":
            raise ValueError(
                "SparseConv2d: supports groups=1 with numeric zero padding; got "
                f"groups={conv.groups}, padding={conv.padding!r}, padding_mode={conv.padding_mode!r}"
            )
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = (
            conv.kernel_size, conv.stride, conv.padding, conv.dilation,
        )  # fmt: skip
        self._store(conv.weight.detach().numpy(), conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        array = x.detach().numpy()
        if array.ndim != 4 or array.shape[1] != self.in_channels:
            raise ValueError(
                f"SparseConv2d: expected input (N, {self.in_channels}, H, W), got {tuple(array.shape)}"
            )
        (ph, pw), (sh, sw), (dh, dw), (kh, kw) = self.padding, self.stride, self.dilation, self.kernel_size
        padded = np.pad(array, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        windows = np.lib.stride_tricks.sliding_window_view(padded, (span_h, span_w), axis=(2, 3))
        windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, H_out, W_out, kh, kw), a view
        n, _, h_out, w_out = windows.shape[:4]
        columns = windows.transpose(1, 4, 5, 0, 2, 3).reshape(-1, n * h_out * w_out)  # the one copy
        out = sparse_mm(self.weight_csr(), columns).reshape(self.out_channels, n, h_out, w_out)
        if self.bias is not None:
            out += self.bias.numpy()[:, None, None, None]
        return from_numpy(np.ascontiguousarray(out.transpose(1, 0, 2, 3)))


def to_sparse(model: Module) -> Module:
    """A copy of ``model`` with every ``Linear`` and ``Conv2d`` replaced by its CSR twin, for inference.

    Pruned layers are made permanent first (:func:`remove` on the copy); the
    original model is untouched. Save the result's ``state_dict()`` to get the
    sparse model's real size on disk.
    """
    sparse = copy.deepcopy(model)
    for _, parent in list(sparse.named_modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, (Linear, Conv2d)):
                continue
            if is_pruned(child):
                originals = [n for n, _ in child.named_parameters() if n.endswith("_orig")]
                for pruned in originals:
                    remove(child, pruned[: -len("_orig")])
            setattr(parent, name, SparseLinear(child) if isinstance(child, Linear) else SparseConv2d(child))
    return sparse
