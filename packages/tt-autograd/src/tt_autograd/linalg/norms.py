"""Vector and matrix norms: ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm``.

* ``vector_norm`` is one fused node (:class:`VectorNormFunction`): forward is
  one NumPy reduction, backward one pass. With ``N`` the norm, d N / d x_i is
  ``sign(x_i) |x_i|^(p-1) / N^(p-1)`` for a finite ``p`` (``x_i / N`` for
  ``p = 2``), ``sign(x_i)`` for ``p = 1``, and for ``p = +-inf`` ``sign(x_i)``
  shared evenly among the entries where ``|x_i|`` reaches the max (min).
  Where ``N = 0`` the gradient is 0 (PyTorch's choice at that kink), and the
  count of non-zeros (``p = 0``) has gradient 0.
* ``matrix_norm`` composes recorded ops: ``'fro'`` is the 2-norm over the two
  dims, ``'nuc'``/``2``/``-2`` the sum/max/min of the singular values
  (:func:`svdvals`), ``1``/``-1`` the max/min column sum of ``|A|`` and
  ``inf``/``-inf`` the max/min row sum.
* ``norm`` dispatches as PyTorch: a 2-tuple ``dim`` or a string ``ord`` means
  a matrix norm; ``dim=None`` with ``ord=None`` the 2-norm of the flattened input.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.vector_norm(autograd.tensor([3.0, -4.0]))
    tensor(5.)
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor.checks import bool_args, normalize_dim, normalize_dims, reduction_dims
from tt_tensor.dtypes import dtype_argument

from ..function import Function
from ..functions.distance import pnorm_grad_recorded
from ..tensor import Tensor
from ._common import float_tensor

INF = math.inf
MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, INF, -INF)


def _reduce_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as size 1 (to broadcast a reduced result back)."""
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


class VectorNormFunction(Function):
    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):
        magnitude = np.abs(x)
        if ord == INF or ord == -INF:
            if x.size == 0:
                raise ValueError(
                    f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                    "operation does not have an identity"
                )
            norm = (
                magnitude.max(axis=axes, keepdims=True)
                if ord > 0
                else magnitude.min(axis=axes, keepdims=True)
            )
        elif ord == 0:
            norm = np.sum(x != 0, axis=axes, keepdims=True).astype(x.dtype)
        elif ord == 1:
            norm = magnitude.sum(axis=axes, keepdims=True)
        elif ord == 2:
            norm = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        else:
            with np.errstate(divide="ignore"):  # a negative ord over a zero: 0 ** -p = inf, so the norm is 0
                norm = np.sum(magnitude**ord, axis=axes, keepdims=True) ** (1.0 / ord)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        ctx.save_for_backward(x, norm)
        return norm if keepdim else norm.reshape([s for i, s in enumerate(norm.shape) if i not in axes])

    @staticmethod
    def backward(ctx, grad):
        x, norm = ctx.saved_tensors
        ord = ctx.ord
        grad = grad.reshape(norm.shape)  # the reduced axes back as size 1
        if ord == 0:
            return (np.zeros_like(x),)
        if ord == 1:
            return (grad * np.sign(x),)
        if ord == INF or ord == -INF:
            hits = np.abs(x) == norm
            share = hits / hits.sum(axis=ctx.axes, keepdims=True)
            return (grad * np.sign(x) * share,)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ord == 2:
                scaled = x / norm
            else:
                magnitude = np.abs(x)
                scaled = np.sign(x) * (magnitude / norm) ** (ord - 1)
            scaled = np.where((norm == 0) | (x == 0), 0.0, scaled)
        return ((grad * scaled).astype(x.dtype, copy=False),)

    @staticmethod
    def graph_backward(ctx, grad):
        x, norm = ctx.saved_tensors
        out = ctx.output_tensor(norm.reshape(grad.shape))
        grad = grad.reshape(*norm.shape)
        if ctx.ord in (INF, -INF):  # the extreme's shares in each slice (backward's): constants
            return (grad * VectorNormFunction.backward(ctx, np.ones(norm.shape, x.dtype))[0],)
        scaled = pnorm_grad_recorded(ctx.input_tensor(0, x), out.reshape(*norm.shape), ctx.ord, x, norm)
        return (grad * scaled,)


def _cast(op: str, x: Tensor, dtype: object) -> Tensor:
    return x if dtype is None else x.to(dtype_argument(op, dtype))


@bool_args("linalg.vector_norm", "keepdim")
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.vector_norm``: ``(sum |x|^ord)^(1/ord)`` over ``dim`` (all dims when ``None``).

    Args:
        x: a float or complex tensor (a complex one: the norm of ``|x|``, a real tensor).
        ord: a number: ``inf`` (max ``|x|``), ``-inf`` (min ``|x|``), ``0`` (the count
            of non-zeros), or any other ``p`` (``2`` by default).
        dim: an int, a tuple of ints, or ``None`` (all dims, as one flattened vector).
        keepdim: keep the reduced dims as size 1.
        dtype: cast ``x`` to this dtype first.

    Shape: ``x`` reduced over ``dim``. Cost: one pass forward, one backward. A float16 ``x`` is
    reduced in float32 and the norm rounded back, as PyTorch's CPU kernel does (its squares
    overflow float16 beyond 256).
    """
    if isinstance(x, Tensor) and x.array.dtype == np.float16 and dtype is None:
        return vector_norm(x.float(), ord, dim, keepdim).half()
    x = _cast("linalg.vector_norm", float_tensor("linalg.vector_norm", x, "x", complex_ok=True), dtype)
    if x.array.dtype.kind == "c":
        x = x.abs()  # every vector norm of z is that of |z| (real, with abs's complex gradient)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(
            f"linalg.vector_norm: argument 'ord' must be a number, not {type(ord).__name__} ({ord!r}); "
            "for 'fro' or 'nuc' use linalg.matrix_norm"
        )
    axes = normalize_dims("linalg.vector_norm", reduction_dims(dim), x.ndim)  # (dim=(): every dim)
    axes = tuple(range(x.ndim)) if axes is None else axes
    return VectorNormFunction.apply(x, ord=float(ord), axes=axes, keepdim=keepdim)


@bool_args("linalg.matrix_norm", "keepdim")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.matrix_norm``: a norm of each matrix over the two dims ``dim``.

    Args:
        A: a float or complex tensor with at least 2 dims (complex: a real result).
        ord: ``'fro'`` (default), ``'nuc'`` (sum of singular values), ``2``/``-2`` (largest /
            smallest singular value), ``1``/``-1`` (max / min column sum of ``|A|``),
            ``inf``/``-inf`` (max / min row sum of ``|A|``).
        dim: the two dims that hold the matrices.
        keepdim: keep them as size 1.

    Shape: ``A`` without the two dims. Cost: ``'fro'`` and the sums one pass; ``'nuc'`` and
    ``+-2`` one SVD per matrix.
    """
    A = _cast(
        "linalg.matrix_norm", float_tensor("linalg.matrix_norm", A, "A", min_dims=2, complex_ok=True), dtype
    )
    if isinstance(ord, bool) or ord not in MATRIX_ORDS:
        raise ValueError(f"linalg.matrix_norm: Order {ord} not supported; use one of {MATRIX_ORDS}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must be a 2-tuple of ints, got {dim!r}")
    rows, cols = (normalize_dim("linalg.matrix_norm", d, A.ndim) for d in dim)
    if rows == cols:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {tuple(dim)}")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        from .spectral import svdvals

        kept = [i for i in range(A.ndim) if i not in (rows, cols)]
        values = svdvals(A.permute(*kept, rows, cols))
        out = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        return out.reshape(_reduce_shape(A.shape, (rows, cols))) if keepdim else out
    summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)  # 1: column sums; inf: row sums
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
    return out if keepdim else out.squeeze(max(rows, cols)).squeeze(min(rows, cols))


@bool_args("linalg.norm", "keepdim")
def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a vector or a matrix norm, chosen as PyTorch does.

    * ``dim`` an int or a 1-tuple: :func:`vector_norm` (``ord`` 2 by default);
    * ``dim`` a 2-tuple, or ``ord`` a string: :func:`matrix_norm` (``ord`` ``'fro'`` by default);
    * ``dim=None``: ``ord=None`` gives the 2-norm of the flattened input; otherwise the
      input must be 1-D (vector norm) or 2-D (matrix norm).
    """
    A = float_tensor("linalg.norm", A, "A", complex_ok=True)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ValueError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise ValueError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D; "
            "pass dim to say which dims to reduce"
        )
    if isinstance(ord, str) or A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, None, keepdim, dtype=dtype)
