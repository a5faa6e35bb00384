"""Sparse COO tensors: ``torch.sparse_coo_tensor``, enough for graph networks.

A :class:`SparseTensor` stores only its non-zero entries, in PyTorch's
coordinate (COO) layout: ``indices``, an int64 array of shape ``(ndim, nnz)``
whose column ``j`` is the position of entry ``j``, and ``values``, a 1-D
tensor of the ``nnz`` entries. The same position may appear more than once
(the tensor is then *uncoalesced*); such entries add up, in ``to_dense()``,
in products and in :meth:`SparseTensor.coalesce`, which sums them and sorts
the positions in row-major order as PyTorch does.

``values`` is an ordinary tt-autograd tensor, so gradients flow through it:
build with ``requires_grad=True`` (or from values that require grad) and
``sparse.grad`` after ``backward()`` is a sparse tensor on the same indices,
like PyTorch's sparse gradient of a sparse leaf.

What is supported: ``to_dense()``, ``coalesce()``, ``t()``, ``sum``, products
with a dense matrix (``sparse @ dense``, ``torch.mm``, ``torch.spmm``,
``torch.sparse.mm``; see ``sparse_mm.py``), multiplying by a number, and the
queries (``size()``, ``shape``, ``dtype``, ``_nnz()``, ...). Any other tensor
method raises a TypeError that says to call ``.to_dense()`` first; so does a
sparse tensor as the operand of a dense operation (``dense + sparse``).
Values with dense dimensions of their own (PyTorch's "hybrid" tensors) are not
supported.

Example:
    >>> import tt_autograd as tt
    >>> s = tt.sparse_coo_tensor([[0, 1, 1], [2, 0, 0]], [3.0, 4.0, 5.0], (2, 3))
    >>> s.to_dense()
    tensor([[0., 0., 3.],
            [9., 0., 0.]])
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import tt_tensor
from tt_tensor.dtypes import dtype_argument, from_numpy_dtype
from tt_tensor.formatting import format_tensor

from .function import Function
from .higher_order import linear_map
from .tensor import Tensor


class Segments:
    """Entries grouped by an integer key: the sort ``order``, the group ``starts`` and each group's key.

    ``np.add.reduceat(values[order], starts)`` sums each group: the coalescing
    sum without ``np.add.at``. Cost: one stable argsort of ``nnz`` keys.
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.order = np.argsort(keys, kind="stable")
        ordered = keys[self.order]
        first = np.ones(ordered.shape, dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        self.starts = np.flatnonzero(first)
        self.keys = ordered[self.starts]

    def sum(self, values: np.ndarray) -> np.ndarray:
        """The sum of each group of ``values`` (entries along axis 0), in key order (none: empty)."""
        return np.add.reduceat(values[self.order], self.starts, axis=0)


class CoalesceFunction(Function):
    """Sum the values that share a position (``coalesce``): each entry's gradient is its group's."""

    @staticmethod
    def forward(ctx, values, segments):
        ctx.segments, ctx.count = segments, values.shape[0]
        return segments.sum(values)

    @staticmethod
    def backward(ctx, grad):
        segments = ctx.segments
        sizes = np.diff(np.append(segments.starts, ctx.count))
        spread = np.empty(ctx.count, dtype=grad.dtype)
        spread[segments.order] = np.repeat(grad, sizes)
        return (spread,)

    @staticmethod
    def graph_backward(ctx, grad):  # linear in grad, constant coefficients: the adjoint is the sum again
        return (linear_map(grad, lambda g: CoalesceFunction.backward(ctx, g)[0], ctx.segments.sum),)


class ToDenseFunction(Function):
    """Scatter the values into a dense array (duplicates add up); the gradient gathers at the indices."""

    @staticmethod
    def forward(ctx, values, segments, linear, size):
        ctx.linear, ctx.segments, ctx.size = linear, segments, size
        return ToDenseFunction.scatter(values, segments, size)

    @staticmethod
    def scatter(values: np.ndarray, segments: Segments, size: tuple) -> np.ndarray:
        dense = np.zeros(math.prod(size), dtype=values.dtype)
        dense[segments.keys] = segments.sum(values)
        return dense.reshape(size)

    @staticmethod
    def backward(ctx, grad):
        return (grad.reshape(-1)[ctx.linear],)

    @staticmethod
    def graph_backward(ctx, grad):  # the gather, recorded; its adjoint is the scatter of forward
        scatter = partial(ToDenseFunction.scatter, segments=ctx.segments, size=ctx.size)
        return (linear_map(grad, lambda g: ToDenseFunction.backward(ctx, g)[0], scatter),)


class SparseTensor:
    """A tensor in sparse COO layout, like a ``torch.Tensor`` with ``layout=torch.sparse_coo``.

    Build one with :func:`sparse_coo_tensor` or ``dense.to_sparse()``.

    Args:
        indices: int64 array ``(ndim, nnz)``, every column inside ``size``.
        values: 1-D tt-autograd tensor of ``nnz`` entries (kept as is, so gradients reach it).
        size: the dense shape.
        coalesced: whether the indices are known to be sorted and without duplicates.
    """

    is_sparse = True
    device = tt_tensor.device("cpu")

    def __init__(self, indices: np.ndarray, values: Tensor, size: tuple[int, ...], coalesced: bool = False):
        self._indices_array = indices
        self._values_tensor = values
        self._size = tuple(size)
        self._coalesced = coalesced
        self._segments: Segments | None = None  # entries grouped by position (to_dense, coalesce)
        self._mm_segments: tuple[Segments, Segments] | None = None  # by row and by column (sparse_mm.py)

    # ----------------------------------------------------------------- queries
    def size(self, dim: int | None = None):
        """The dense shape, or its length along ``dim``."""
        return self._size if dim is None else self._size[dim]

    @property
    def shape(self) -> tuple[int, ...]:
        """The dense shape, as a tuple."""
        return self._size

    @property
    def ndim(self) -> int:
        """The number of dimensions of the dense shape."""
        return len(self._size)

    def dim(self) -> int:
        """The number of dimensions of the dense shape."""
        return len(self._size)

    @property
    def dtype(self) -> tt_tensor.DType:
        """The values' dtype."""
        return self._values_tensor.dtype

    def _nnz(self) -> int:
        """The number of stored entries (duplicates included until coalesced)."""
        return self._indices_array.shape[1]

    def is_coalesced(self) -> bool:
        """Whether the indices are known sorted row-major and without duplicates."""
        return self._coalesced

    def _indices(self) -> Tensor:
        """The stored indices as they are, coalesced or not."""
        return Tensor.from_array(self._indices_array)

    def _values(self) -> Tensor:
        """The stored values as they are, coalesced or not."""
        return self._values_tensor

    def indices(self) -> Tensor:
        """The ``(ndim, nnz)`` indices of a coalesced tensor (PyTorch refuses an uncoalesced one too)."""
        self._check_coalesced("indices")
        return self._indices()

    def values(self) -> Tensor:
        """The ``(nnz,)`` values of a coalesced tensor."""
        self._check_coalesced("values")
        return self._values_tensor

    def _check_coalesced(self, op: str) -> None:
        if not self._coalesced:
            raise RuntimeError(
                f"{op}: cannot get {op} of an uncoalesced sparse tensor; call .coalesce() first "
                f"(or ._{op}() for the stored ones, duplicates included)"
            )

    # ----------------------------------------------------------------- autograd
    @property
    def requires_grad(self) -> bool:
        """Whether the values record operations for ``backward()``."""
        return self._values_tensor.requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        """Make the values (a leaf) require grad, in place; returns the tensor."""
        self._values_tensor.requires_grad_(requires_grad)
        return self

    @property
    def grad(self) -> SparseTensor | None:
        """The gradient as PyTorch gives a sparse leaf: a coalesced sparse tensor (None before backward).

        Its entries are the dense gradient at the stored positions. The values'
        own gradient (``._values().grad``) has one entry per stored value: every
        duplicate of a position gets the gradient of that position (their sum is
        what the tensor means), so the coalesced form reads it once per position.
        """
        grad = self._values_tensor.grad
        if grad is None:
            return None
        if self._coalesced:
            return SparseTensor(self._indices_array, grad, self._size, coalesced=True)
        segments = self.segments()
        first_of_each = Tensor.from_array(grad.array[segments.order[segments.starts]])
        return SparseTensor(self._coalesced_indices(), first_of_each, self._size, coalesced=True)

    @property
    def grad_fn(self):
        """The node that produced the values (None for a leaf)."""
        return self._values_tensor.grad_fn

    def detach(self) -> SparseTensor:
        """The same indices, with the values cut from their history."""
        return SparseTensor(self._indices_array, self._values_tensor.detach(), self._size, self._coalesced)

    # ----------------------------------------------------------------- conversions
    def linear_indices(self) -> np.ndarray:
        """Each entry's position in the flattened dense tensor (row-major), int64."""
        return np.ravel_multi_index(tuple(self._indices_array), self._size)

    def segments(self) -> Segments:
        """The entries grouped by position (computed once: the indices never change)."""
        if self._segments is None:
            self._segments = Segments(self.linear_indices())
        return self._segments

    def coalesce(self) -> SparseTensor:
        """Duplicates summed, positions sorted row-major (PyTorch's order); self if already coalesced.

        Recorded: the gradient of a summed value goes to each entry it was summed from.
        """
        if self._coalesced:
            return self
        values = CoalesceFunction.apply(self._values_tensor, segments=self.segments())
        return SparseTensor(self._coalesced_indices(), values, self._size, coalesced=True)

    def _coalesced_indices(self) -> np.ndarray:
        """Each stored position once, in row-major order: ``(ndim, number of positions)`` int64."""
        keys = self.segments().keys
        return np.stack(np.unravel_index(keys, self._size)).astype(np.int64).reshape(self.ndim, -1)

    def to_dense(self) -> Tensor:
        """The dense tensor (duplicates summed); recorded, the gradient of each value is read at its index."""
        return ToDenseFunction.apply(
            self._values_tensor, segments=self.segments(), linear=self.linear_indices(), size=self._size
        )

    def to_sparse(self) -> SparseTensor:
        """Already sparse: itself."""
        return self

    def t(self) -> SparseTensor:
        """The transpose of a 2-D sparse tensor (rows and columns of the indices swapped), values shared."""
        if self.ndim != 2:
            raise RuntimeError(f"t: expects a 2-D sparse tensor, got {self.ndim} dimensions {self._size}")
        return SparseTensor(self._indices_array[::-1].copy(), self._values_tensor, self._size[::-1])

    def to(self, *args: object, **kwargs: object) -> SparseTensor:
        """``to('cpu')``, ``to(dtype)``: the values converted (recorded), the indices shared (the dense
        ``Tensor.to``'s forms, passed on as given)."""
        values = self._values_tensor.to(*args, **kwargs)
        if values is self._values_tensor:
            return self
        return SparseTensor(self._indices_array, values, self._size, self._coalesced)

    def cpu(self) -> SparseTensor:
        """Already on the CPU: itself."""
        return self

    def float(self) -> SparseTensor:
        """The values converted to float32."""
        return self.to(tt_tensor.float32)

    def double(self) -> SparseTensor:
        """The values converted to float64."""
        return self.to(tt_tensor.float64)

    # ----------------------------------------------------------------- arithmetic
    def sum(self, dim: object = None) -> Tensor | SparseTensor:
        """All values summed (a dense 0-d tensor), or summed over ``dim`` (a coalesced sparse tensor).

        As ``torch.sparse.sum``: the result over some dims keeps the sparse layout.
        """
        if dim is None:
            return self._values_tensor.sum()
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dropped = {d % self.ndim if -self.ndim <= d < self.ndim else _bad_dim(d, self.ndim) for d in dims}
        kept = [d for d in range(self.ndim) if d not in dropped]
        if not kept:
            return self._values_tensor.sum()
        size = tuple(self._size[d] for d in kept)
        return SparseTensor(self._indices_array[kept], self._values_tensor, size).coalesce()

    def __mul__(self, other: object) -> SparseTensor:
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise _dense_only("mul (by anything but a number)")
        return SparseTensor(self._indices_array, self._values_tensor * other, self._size, self._coalesced)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> SparseTensor:
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise _dense_only("div (by anything but a number)")
        return SparseTensor(self._indices_array, self._values_tensor / other, self._size, self._coalesced)

    def __neg__(self) -> SparseTensor:
        return SparseTensor(self._indices_array, -self._values_tensor, self._size, self._coalesced)

    def mm(self, other: object) -> Tensor:
        """``self @ other`` for a dense matrix ``other``: see :func:`tt_autograd.spmm`."""
        from .sparse_mm import spmm

        return spmm(self, other)

    matmul = __matmul__ = mm

    # ----------------------------------------------------------------- what is not supported
    def __getattr__(self, name: str) -> object:
        if not name.startswith("__") and hasattr(Tensor, name):
            raise _dense_only(name)
        raise AttributeError(f"'SparseTensor' object has no attribute {name!r}")

    def __add__(self, other: object) -> object:
        raise _dense_only("add")

    __radd__ = __sub__ = __rsub__ = __add__

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        raise _dense_only("a dense operation (or NumPy conversion)")

    def __len__(self) -> int:
        return self._size[0]

    def __repr__(self) -> str:
        prefix, inner = "tensor(indices=", " " * len("tensor(")
        indices = format_tensor(self._indices_array, [], len(prefix)).replace("\n", "\n" + " " * len(prefix))
        values = self._values_tensor.array
        shown = format_tensor(values, [], len(inner + "values="))
        dtype_part = f", dtype={from_numpy_dtype(values.dtype)!r}"
        if shown.endswith(dtype_part + ")"):  # the dtype goes with the size, as PyTorch prints it
            shown = shown[: -len(dtype_part) - 1] + ")"
        if values.size == 0:
            shown = f"tensor([], size={values.shape})"
        shown = shown.replace("\n", "\n" + " " * len(inner + "values="))
        parts = [f"size={self._size}", f"nnz={self._nnz()}"]
        if values.dtype != _default_dtype(values.dtype):
            parts.append(f"dtype={from_numpy_dtype(values.dtype)!r}")
        parts.append("layout=tt.sparse_coo")
        parts.extend(self._values_tensor._repr_extras())
        return f"{prefix}{indices},\n{inner}values={shown},\n{inner}{', '.join(parts)})"


def _default_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype the repr leaves unsaid for this kind (as for dense tensors): float32 (the default), int64."""
    return {"f": tt_tensor.get_default_dtype().numpy, "i": np.dtype(np.int64), "b": np.dtype(bool)}.get(
        dtype.kind, dtype
    )


def _bad_dim(dim: int, ndim: int) -> int:
    raise IndexError(f"sum: dim {dim} is out of range for a sparse tensor with {ndim} dimensions")


def _dense_only(op: str) -> TypeError:
    return TypeError(
        f"{op}: not supported on a sparse COO tensor in TinyTorch (it supports to_dense, coalesce, t, sum, "
        "mm/@ with a dense matrix and multiplying by a number); convert it with .to_dense() first"
    )


def sparse_coo_tensor(
    indices: object,
    values: object,
    size: object = None,
    *,
    dtype: object = None,
    device: object = None,
    requires_grad: bool = False,
    check_invariants: object = None,
    is_coalesced: object = None,
) -> SparseTensor:
    """``torch.sparse_coo_tensor``: a sparse tensor with ``values`` at the columns of ``indices``.

    Args:
        indices: integers of shape ``(ndim, nnz)`` (a list, array or tensor); converted to int64.
        values: ``nnz`` numbers (a list, array or tensor: a tensor that requires grad is kept, so the
            gradient reaches it).
        size: the dense shape; when omitted, ``max index + 1`` in each dimension.
        dtype: the values' dtype (default: theirs).
        requires_grad: make the values a new leaf that requires grad (``sparse.grad`` after backward).
        check_invariants, is_coalesced: accepted for PyTorch's signature; indices are always checked
            (PyTorch skips the check by default), and coalescing is decided by :meth:`SparseTensor.coalesce`.

    Shape: indices ``(ndim, nnz)``, values ``(nnz,)``.

    Duplicated positions are kept and add up wherever the tensor is used.

    Example:
        >>> sparse_coo_tensor([[0, 2], [1, 0]], [5.0, 6.0], (3, 2)).to_dense()
        tensor([[0., 5.],
                [0., 0.],
                [6., 0.]])
    """
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(
            f"sparse_coo_tensor: device {str(device)!r} is not available; TinyTorch runs on the CPU"
        )
    index = np.asarray(indices.array if isinstance(indices, tt_tensor.Tensor) else indices)
    if index.size == 0:  # [[], []] reads as floats
        index = index.astype(np.int64)
    if index.ndim != 2 or index.dtype.kind not in "iu":
        raise ValueError(
            f"sparse_coo_tensor: indices must be integers of shape (ndim, nnz), got shape {index.shape} "
            f"and dtype {index.dtype}"
        )
    index = index.astype(np.int64)
    dtype = None if dtype is None else dtype_argument("sparse_coo_tensor", dtype)
    value = values if isinstance(values, Tensor) else Tensor(values, dtype=dtype)
    if dtype is not None:
        value = value.to(dtype)
    if value.ndim != 1:
        raise ValueError(
            f"sparse_coo_tensor: values must be 1-D (nnz,), got shape {value.shape}; values with dense "
            "dimensions of their own (hybrid sparse tensors) are not supported"
        )
    if value.shape[0] != index.shape[1]:
        raise ValueError(
            f"sparse_coo_tensor: indices and values must have the same nnz, got {index.shape[1]} index "
            f"columns and {value.shape[0]} values"
        )
    if (index < 0).any():
        raise ValueError(f"sparse_coo_tensor: indices must be non-negative, got {int(index.min())}")
    if size is None:
        size = tuple(int(m) + 1 for m in index.max(axis=1)) if index.shape[1] else (0,) * index.shape[0]
    size = tuple(int(s) for s in size)
    if len(size) != index.shape[0]:
        raise ValueError(
            f"sparse_coo_tensor: size {size} has {len(size)} dimensions but indices have "
            f"{index.shape[0]} rows; give one row of indices per dimension"
        )
    if index.shape[1]:
        largest = index.max(axis=1)
        for dim, (top, length) in enumerate(zip(largest, size)):
            if top >= length:
                raise ValueError(
                    f"sparse_coo_tensor: index {int(top)} is out of bounds for dimension {dim} of size {size}"
                )
    if requires_grad:
        value = value.detach().clone().requires_grad_(True)
    return SparseTensor(index, value, size, coalesced=index.shape[1] <= 1)
