"""Tensor methods for more products and matrix helpers: ``addmm``, ``tensordot``, ``kron``, ``cross``, ...

Not course material (beyond module 01's exercises). Every method here except
``cumprod`` and ``logcumsumexp`` is a composition of other methods
(``matmul``, ``permute``, ``reshape``, indexing, ``roll``, ``cat``, ...), so a
subclass that records those (tt-autograd) differentiates these for free;
the two cumulative ones are fused Functions there.

``diagonal`` returns a copy, not a view of ``self`` as in PyTorch: writing
into it does not write ``self`` (TinyTorch's advanced indexing copies).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import complex_reductions, cumulative, distance, linalg, pointwise
from ._base import TensorBase, operand
from .checks import check_count, check_tensor, normalize_dim
from .dtypes import check_kernel_dtype
from .pointwise import as_float
from .storage import diagonal_args, diagonal_view

if TYPE_CHECKING:
    from .tensor import Tensor


def _as_tensor(like: TensorBase, value: object, op: str | None = None) -> Tensor:
    """``value`` itself if it is a tensor, else a tensor of ``like``'s class around its array (with
    ``op``, anything but a number or a list of numbers is refused by :func:`operand`)."""
    return value if isinstance(value, TensorBase) else like.from_array(np.asarray(operand(value, op)))


class LinalgExtraMixin(TensorBase):
    """More products, diagonals and cumulative functions of :class:`Tensor`."""

    # ------------------------------------------------------------ products
    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2``; ``self`` broadcasts.

        With ``beta = 0``, ``self`` is ignored (its NaN and inf do not spread), as in PyTorch.
        """
        linalg.check_ndim("addmm", operand(mat1), operand(mat2), 2, 2)
        return self._scaled_sum("addmm", _as_tensor(self, mat1).matmul(mat2), beta, alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * (batch1 @ batch2)`` for 3-D batches; ``self`` broadcasts."""
        linalg.check_ndim("baddbmm", operand(batch1), operand(batch2), 3, 3)
        return self._scaled_sum("baddbmm", _as_tensor(self, batch1).matmul(batch2), beta, alpha)

    def _scaled_sum(self, op: str, product: Tensor, beta: float, alpha: float) -> Tensor:
        """``beta * self + alpha * product``, leaving ``self`` out when ``beta`` is 0; ``beta`` and
        ``alpha`` checked by :func:`tt_tensor.pointwise.check_scales`."""
        beta, alpha = pointwise.check_scales(op, self, product, beta=beta, alpha=alpha)
        if alpha != 1:
            product = product * alpha
        if beta == 0:
            np.broadcast_shapes(self.shape, product.shape)
            return product
        return product + (self if beta == 1 else self * beta)

    def mv(self, vec: Tensor) -> Tensor:
        """Matrix-vector product: ``self`` is ``(n, m)``, ``vec`` is ``(m,)``, the result ``(n,)``."""
        linalg.check_ndim("mv", self.array, operand(vec, "mv", "vec"), 2, 1)
        return self.matmul(vec)

    def tensordot(self, other: Tensor, dims: object = 2) -> Tensor:
        """Sum of products over ``dims``: an int ``d`` pairs the last ``d`` dims of ``self`` with the
        first ``d`` of ``other``; a pair of lists names the dims of each. Result: the free dims of
        ``self``, then those of ``other``. Cost: one matrix product after a permute and reshape.
        """
        other = _as_tensor(self, other, "tensordot")
        if isinstance(dims, int):
            if dims < 0 or dims > min(self.ndim, other.ndim):
                raise RuntimeError(
                    f"tensordot: dims must be between 0 and {min(self.ndim, other.ndim)} for shapes "
                    f"{self.shape} and {other.shape}, got {dims}"
                )
            mine, theirs = list(range(self.ndim - dims, self.ndim)), list(range(dims))
        else:
            mine, theirs = ([d] if isinstance(d, int) else list(d) for d in dims)
            mine = [normalize_dim("tensordot", d, self.ndim) for d in mine]
            theirs = [normalize_dim("tensordot", d, other.ndim) for d in theirs]
        if len(mine) != len(theirs):
            raise RuntimeError(
                f"tensordot: both sides need as many dims to contract, got {mine} and {theirs}"
            )
        for d_self, d_other in zip(mine, theirs):
            if self.shape[d_self] != other.shape[d_other]:
                raise RuntimeError(
                    f"tensordot: contracted dimensions need to match, but dim {d_self} of self has size "
                    f"{self.shape[d_self]} and dim {d_other} of other has size {other.shape[d_other]}"
                )
        free_self = [d for d in range(self.ndim) if d not in mine]
        free_other = [d for d in range(other.ndim) if d not in theirs]
        size = math.prod(self.shape[d] for d in mine)
        left = self.permute(*free_self, *mine).reshape(-1, size)
        right = other.permute(*theirs, *free_other).reshape(size, -1)
        shape = [self.shape[d] for d in free_self] + [other.shape[d] for d in free_other]
        return left.matmul(right).reshape(*shape)

    def inner(self, other: Tensor) -> Tensor:
        """Sum of products over the last dimension of both (a product when either is 0-d)."""
        other = _as_tensor(self, other, "inner")
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        return self.tensordot(other, ([self.ndim - 1], [other.ndim - 1]))

    def kron(self, other: Tensor) -> Tensor:
        """Kronecker product: block ``(i, j, ...)`` of the result is ``self[i, j, ...] * other``."""
        other = _as_tensor(self, other, "kron")
        ndim = max(self.ndim, other.ndim)
        a_shape = (1,) * (ndim - self.ndim) + self.shape
        b_shape = (1,) * (ndim - other.ndim) + other.shape
        a = self.reshape(*[s for size in a_shape for s in (size, 1)])
        b = other.reshape(*[s for size in b_shape for s in (1, size)])
        return (a * b).reshape(*[p * q for p, q in zip(a_shape, b_shape)])

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        """Cross product of 3-vectors along ``dim`` (``self`` and ``other`` broadcast).

        ``dim=None`` takes the first dimension of size 3, as ``torch.cross`` does
        (``torch.linalg.cross`` defaults to -1: pass ``dim=-1`` for that).
        """
        other = _as_tensor(self, other, "cross")
        if self.ndim != other.ndim:
            raise RuntimeError(
                "cross: inputs must have the same number of dimensions, got shapes "
                f"{self.shape} and {other.shape}"
            )
        shape = np.broadcast_shapes(self.shape, other.shape)
        if dim is None:
            dim = next((d for d, size in enumerate(shape) if size == 3), None)
            if dim is None:
                raise RuntimeError(f"cross: no dimension of size 3 in the broadcast shape {shape}")
        axis = normalize_dim("cross", dim, len(shape))
        if self.shape[axis] != 3 or other.shape[axis] != 3:  # as PyTorch: no broadcasting along dim
            raise RuntimeError(
                f"cross: dimension {dim} must have size 3 in both inputs, got shapes "
                f"{self.shape} and {other.shape}"
            )
        return self.roll(-1, axis) * other.roll(-2, axis) - self.roll(-2, axis) * other.roll(-1, axis)

    def dist(self, other: Tensor, p: float = 2) -> Tensor:
        """The ``p``-norm of ``self - other`` (they broadcast), a 0-d tensor; ``p`` as in ``distance``."""
        check_tensor("dist", other, "other")  # PyTorch takes tensors only (a number would widen to float64)
        p = distance.check_p("dist", p)
        difference = (
            np.abs(self.array - other.array)
            if self.is_complex() or other.is_complex()
            else (as_float(self.array) - as_float(other.array))
        )  # a complex difference's p-norm is that of its magnitudes
        return self.from_array(np.asarray(distance.pnorm(difference, p)))

    # ------------------------------------------------------------ diagonals
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of the ``(dim1, dim2)`` planes, as the last dimension: a view, as PyTorch's
        (``x.diagonal().zero_()`` writes into ``x``).

        ``offset > 0`` is above the main diagonal, ``offset < 0`` below it.
        """
        return self.from_array(diagonal_view(self.array, *diagonal_args(self, offset, dim1, dim2)))

    def trace(self) -> Tensor:
        """Sum of the main diagonal of a 2-D tensor."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix (2-D tensor), got shape {self.shape}")
        return self.diagonal().sum()

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """Matrices whose ``offset`` diagonal holds the last dimension of ``self``, in dims ``(dim1, dim2)``.

        Cost: one masked copy with an ``(m, m)`` band, ``m = n + |offset|``: the output's size in memory.
        """
        ndim = self.ndim + 1
        offset = check_count("diag_embed", "offset", offset, minimum=None)
        d1, d2 = normalize_dim("diag_embed", dim1, ndim), normalize_dim("diag_embed", dim2, ndim)
        if d1 == d2:  # a 0-d self always ends here or above: its output has one dim only
            raise RuntimeError(
                f"diag_embed: dim1 and dim2 cannot be the same dimension, got {dim1} and {dim2}"
            )
        m = self.shape[-1] + abs(offset)
        source = self
        if offset:  # zeros after the values, so row (offset > 0) or column (offset < 0) i holds value i
            zeros = type(self).from_array(np.zeros((*source.shape[:-1], abs(offset)), dtype=self.array.dtype))
            source = type(self)._cat([source, zeros], source.ndim - 1)
        band = np.eye(m, k=offset, dtype=bool)  # True where column = row + offset
        zero = type(self).from_array(np.zeros((), dtype=self.array.dtype))  # (constants: the class's)
        # a where, not a product with the band: NaN or inf times 0 would leak off the diagonal
        out = (source.unsqueeze(-1) if offset >= 0 else source.unsqueeze(-2)).where(band, zero)
        order = [d for d in range(ndim) if d not in (d1, d2)]
        positions = {**{d: i for i, d in enumerate(order)}, d1: ndim - 2, d2: ndim - 1}
        return out.permute(*[positions[d] for d in range(ndim)])

    # ------------------------------------------------------------ differences and cumulative products
    def diff(self, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None):
        """The ``n``-th forward difference along ``dim`` (after joining ``prepend`` and ``append`` there).

        ``prepend``/``append`` have ``self``'s number of dims and its sizes except along ``dim``.
        """
        if self.ndim == 0:
            raise RuntimeError("diff: expected at least a 1-D tensor, got a 0-d one")
        n = check_count("diff", "n", n)
        axis = normalize_dim("diff", dim, self.ndim)
        parts = [_as_tensor(self, p) for p in (prepend, self, append) if p is not None]
        out = type(self)._cat(parts, axis) if len(parts) > 1 else self
        for _ in range(n):
            length = out.shape[axis]
            if length == 0:
                break
            later, earlier = out.narrow(axis, 1, length - 1), out.narrow(axis, 0, length - 1)
            out = (
                later.ne(earlier) if out.array.dtype == np.bool_ else later - earlier
            )  # bool: xor, as PyTorch
        return out

    def cumprod(self, dim: int, *, dtype: object = None) -> Tensor:
        """Cumulative product along ``dim``: element ``k`` is the product of elements ``0..k`` (of ``self``
        cast to ``dtype`` first, when given)."""
        if dtype is not None:
            return self.to(dtype).cumprod(dim).to(dtype)
        return self.from_array(cumulative.cumprod(self.array, normalize_dim("cumprod", dim, self.ndim)))

    def logcumsumexp(self, dim: int) -> Tensor:
        """``log(cumsum(exp(self)))`` along ``dim`` without overflow (``np.logaddexp.accumulate``)."""
        axis = normalize_dim("logcumsumexp", dim, self.ndim)
        check_kernel_dtype("logcumsumexp", self.array.dtype, "iub")  # (PyTorch: floats and complex only)
        if complex_reductions.is_complex(self.array):
            return self.from_array(complex_reductions.logcumsumexp(self.array, axis))
        return self.from_array(cumulative.logcumsumexp(self.array, axis))
