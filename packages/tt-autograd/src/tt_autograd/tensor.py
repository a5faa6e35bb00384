"""tt-autograd's :class:`Tensor`: a tt-tensor ``Tensor`` that can record its history.

It subclasses ``tt_tensor.Tensor`` and overrides each differentiable method to
go through a :class:`~tt_autograd.function.Function`; every other method
(comparisons, argmax, ``numel``, ...) is inherited and, thanks to tt-tensor's
``from_array`` hook, returns this class. Nothing in tt-tensor is modified.

Leaf/non-leaf rules follow PyTorch: tensors you create are leaves; a leaf
with ``requires_grad=True`` accumulates ``.grad`` on ``backward()``; results of
recorded operations are non-leaves with a ``grad_fn`` and get no ``.grad``
unless ``retain_grad()`` was called.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import pointwise
from tt_tensor import reduce as reduce_kernels
from tt_tensor.checks import (
    NOT_GIVEN,
    check_bool,
    check_count,
    check_sparse_grad,
    dim_or_other,
    empty_extreme,
    normalize_dim,
    optional_dim,
    reduction_dims,
)
from tt_tensor.dtypes import check_kernel_dtype, cumsum_dtype, dtype_argument, mean_dtype, require_float_input
from tt_tensor.keyword_aliases import numpy_keyword_names
from tt_tensor.memory_formats import check_format, contiguous_format, has_format
from tt_tensor.tensor import ValuesIndices, operand

from . import gradients, higher_order, tensor_hooks
from ._alias_methods import AliasGradMixin
from ._complex_methods import ComplexGradMixin
from ._complex_reductions import ComplexReductionGradMixin
from ._hook_methods import HookMixin
from ._index_extra_methods import IndexExtraGradMixin
from ._inplace_methods import InPlaceGradMixin
from ._linalg_extra_methods import LinalgExtraGradMixin
from ._linalg_methods import LinalgGradMixin
from ._math_extra_methods import MathExtraGradMixin
from ._math_more_methods import MathMoreGradMixin
from ._order_stats_methods import OrderStatsGradMixin
from ._selection_methods import SelectionGradMixin
from ._shape_methods import ShapeGradMixin
from ._sparse_methods import SparseGradMixin
from .engine import accumulate, run_backward
from .function import Function
from .functions import linalg
from .functions.arithmetic import (
    AddFunction,
    ClampBoundsFunction,
    ClampFunction,
    DivFunction,
    MaximumFunction,
    MinimumFunction,
    MulFunction,
    NegFunction,
    SubFunction,
    WhereFunction,
)
from .functions.complex_math import power
from .functions.indexing import (
    GatherFunction,
    IndexSelectFunction,
    MaskedFillFunction,
    TriangleFunction,
    index,
)
from .functions.layout import LayoutCopyFunction
from .functions.reductions import (
    AmaxFunction,
    CumsumFunction,
    MeanFunction,
    ProdFunction,
    SumFunction,
    TakeAlongDimFunction,
)
from .functions.rounding import FloorDivideFunction, RemainderFunction, StepFunction
from .functions.shape import (
    CatFunction,
    StackFunction,
)
from .functions.unary import (
    AbsFunction,
    CastFunction,
    CopyFunction,
    CosFunction,
    ExpFunction,
    LogFunction,
    ReciprocalFunction,
    ReLUFunction,
    SigmoidFunction,
    SinFunction,
    SqrtFunction,
    TanhFunction,
)


@numpy_keyword_names  # (x.sum(axis=1): tt_tensor.keyword_aliases)
class Tensor(
    HookMixin,
    AliasGradMixin,
    IndexExtraGradMixin,
    MathMoreGradMixin,
    MathExtraGradMixin,
    ComplexReductionGradMixin,
    LinalgExtraGradMixin,
    LinalgGradMixin,
    SelectionGradMixin,
    ShapeGradMixin,
    OrderStatsGradMixin,
    SparseGradMixin,
    InPlaceGradMixin,
    ComplexGradMixin,
    tt_tensor.Tensor,
):
    """An n-d array that can track gradients, like ``torch.Tensor``.

    Args:
        data: nested lists, a scalar, a NumPy array or a tensor (copied).
        *sizes: PyTorch's legacy form ``Tensor(2, 3)``: with ints only, a
            float tensor of that shape (zeros, where PyTorch leaves the memory
            uninitialised; ``Tensor(5)`` is 5 zeros, as PyTorch's is 5 values).
        dtype: element type (inferred when None).
        requires_grad: record operations on this tensor so ``backward()`` can
            fill its ``.grad``. Only floating-point tensors can require grad.

    Example:
        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    _requires_grad = False
    grad: Tensor | None = None
    grad_fn: Function | None = None
    _post_accumulate_grad_hooks: dict | None = None  # set by register_post_accumulate_grad_hook
    _backward_hooks: dict | None = None  # a leaf's register_hook hooks (a non-leaf's are on its grad_fn)

    def __init__(
        self, data: object = (), *sizes: int, dtype: object = None, requires_grad: bool = False
    ) -> None:
        if _is_size(data) and all(map(_is_size, sizes)):  # Tensor(2, 3): PyTorch's legacy constructor
            data = np.zeros((data, *sizes), dtype=np.float32 if dtype is None else None)
        elif sizes:
            raise TypeError(
                f"Tensor: expected data, or sizes that are all ints, got {(data, *sizes)!r}; "
                "pass dtype= by keyword"
            )
        super().__init__(data, dtype)
        if requires_grad is not False and check_bool("tensor", "requires_grad", requires_grad):
            self.requires_grad = True

    # ----------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for ``backward()``."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if type(value) is not bool:  # (as PyTorch: not a NumPy bool, an int or None)
            kind = "numpy.bool" if isinstance(value, np.bool_) else type(value).__name__
            raise RuntimeError(f"requires_grad must be a bool, got {kind} {value!r:.40}; pass True or False")
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad of leaf tensors; "
                "use .detach() to get a tensor without history"
            )
        if value and self.array.dtype.kind not in "fc":
            raise RuntimeError(
                "requires_grad: only floating-point tensors can require gradients (and complex ones), "
                f"got dtype {self.dtype}; convert with .float() first"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place; returns the tensor."""
        self.requires_grad = check_bool("requires_grad_", "requires_grad", requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    def backward(
        self,
        gradient: object = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: object = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Args:
            gradient: d(something)/d(self), same shape as ``self``; may be
                omitted only for a one-element tensor (then it is 1).
            retain_graph: keep the saved arrays so backward can run again
                through the same graph.
            create_graph: record the backward pass too, so the gradients in ``.grad``
                can be differentiated again (:mod:`tt_autograd.higher_order`);
                ``retain_graph`` then defaults to True.
            inputs: only these tensors (leaves or not) get a ``.grad``
                (:func:`tt_autograd.gradients.backward_into`).
        """
        if inputs is not None:
            keep = create_graph if retain_graph is None else retain_graph
            return gradients.backward_into((self,), (gradient,), keep, create_graph, inputs)
        grad = gradients.seed_array("backward", self, gradient)
        seed = higher_order.seed_tensor(gradient, grad) if create_graph else grad
        if self.grad_fn is None:  # on a leaf: the gradient, through the leaf's hooks, into its .grad
            seed = tensor_hooks.leaf_result(self, seed, create_graph)
            if create_graph:
                higher_order.accumulate_tensor(self, seed)
            else:
                accumulate(self, seed, shared=True)
            return
        aside = tensor_hooks.mark()
        try:
            if create_graph:
                higher_order.run_graph_backward(self.grad_fn, seed, retain_graph is not False)
            else:
                run_backward(self.grad_fn, seed, bool(retain_graph))
        finally:  # backward raised midway: the hooked leaves get back the .grad they had
            tensor_hooks.restore_since(aside)

    def detach_(self) -> Tensor:
        """Cut this tensor from its history in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array; refused while it requires grad, as in PyTorch (``force=True``: allowed)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self.array

    def _repr_extras(self) -> list[str]:
        if self.grad_fn is not None:
            return [f"grad_fn={self.grad_fn!r}"]
        return ["requires_grad=True"] if self._requires_grad else []

    # ----------------------------------------------------------------- arithmetic
    def add(self, other: object, *, alpha: float = 1) -> Tensor:
        other = _arg(other)
        alpha = pointwise.check_alpha("add", self, other, alpha)  # (PyTorch's rules for a bool/float alpha)
        return AddFunction.apply(self, other if alpha == 1 else other * alpha)

    def sub(self, other: object, *, alpha: float = 1) -> Tensor:
        other = _arg(other)
        pointwise.check_subtraction("sub", self, other)  # (bools: PyTorch's refusal)
        alpha = pointwise.check_alpha("sub", self, other, alpha)
        return SubFunction.apply(self, other if alpha == 1 else other * alpha)

    def mul(self, other: object) -> Tensor:
        return MulFunction.apply(self, _arg(other))

    def div(self, other: object, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return DivFunction.apply(self, _arg(other))
        return self._rounded_division(other, rounding_mode)  # "floor", "trunc" (_alias_methods.py)

    def pow(self, exponent: object) -> Tensor:
        return power(self, _arg(exponent))

    def neg(self) -> Tensor:
        if self.array.dtype == np.bool_:
            return super().neg()  # refused by name, as in PyTorch
        return NegFunction.apply(self)

    def matmul(self, other: object) -> Tensor:
        return linalg.MatMulFunction.apply(self, _arg(other, array=True))

    def __radd__(self, other: object) -> Tensor:
        return AddFunction.apply(_arg(other), self)

    def __rsub__(self, other: object) -> Tensor:
        other = _arg(other)
        pointwise.check_subtraction("sub", other, self)
        return SubFunction.apply(other, self)

    def __rmul__(self, other: object) -> Tensor:
        return MulFunction.apply(_arg(other), self)

    def __rtruediv__(self, other: object) -> Tensor:
        return DivFunction.apply(_arg(other), self)

    def __rpow__(self, other: object) -> Tensor:
        return power(_arg(other), self)

    def __rmatmul__(self, other: object) -> Tensor:
        return linalg.MatMulFunction.apply(_arg(other, array=True), self)

    __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__, __neg__ = (
        add,
        sub,
        mul,
        div,
        pow,
        matmul,
        neg,
    )

    # ----------------------------------------------------------------- element-wise math
    def exp(self) -> Tensor:
        return self._math("exp", ExpFunction)

    def log(self) -> Tensor:
        return self._math("log", LogFunction)

    def sqrt(self) -> Tensor:
        return self._math("sqrt", SqrtFunction)

    def reciprocal(self) -> Tensor:
        return self._math("reciprocal", ReciprocalFunction)

    def abs(self) -> Tensor:
        check_kernel_dtype("abs", self.array.dtype, "b")  # (PyTorch has no bool abs)
        return self._complex_abs() if self.array.dtype.kind == "c" else AbsFunction.apply(self)

    __abs__ = abs

    def sin(self) -> Tensor:
        return self._math("sin", SinFunction)

    def cos(self) -> Tensor:
        return self._math("cos", CosFunction)

    def tanh(self) -> Tensor:
        return self._math("tanh", TanhFunction)

    def sigmoid(self) -> Tensor:
        if self.array.dtype == np.float16:  # float32 inside, rounded once (as PyTorch's CPU kernel)
            return self.float().sigmoid().half()
        return self._math("sigmoid", SigmoidFunction)

    def relu(self) -> Tensor:
        return ReLUFunction.apply(self)

    # piecewise constant: recorded with a zero gradient, as PyTorch does (functions/rounding.py)
    def floor(self) -> Tensor:
        return StepFunction.apply(self, kind="floor")

    def ceil(self) -> Tensor:
        return StepFunction.apply(self, kind="ceil")

    def round(self, *, decimals: int = 0) -> Tensor:
        check_kernel_dtype("round", self.array.dtype, "b")  # (PyTorch has no bool round)
        if decimals:  # PyTorch's: round(x * 10**d) / 10**d (d < 0: round(x / 10**-d) * 10**-d)
            return self._round_to(check_count("round", "decimals", decimals, minimum=None))
        return StepFunction.apply(self, kind="round")

    def __floordiv__(self, other: object) -> Tensor:
        return FloorDivideFunction.apply(self, _arg(other))

    def __rfloordiv__(self, other: object) -> Tensor:
        return FloorDivideFunction.apply(_arg(other), self)

    def __mod__(self, other: object) -> Tensor:
        return RemainderFunction.apply(self, _arg(other))

    def __rmod__(self, other: object) -> Tensor:
        return RemainderFunction.apply(_arg(other), self)

    def clamp(self, min: object = None, max: object = None) -> Tensor:  # noqa: A002
        if isinstance(min, tt_tensor.Tensor) or isinstance(max, tt_tensor.Tensor):
            return ClampBoundsFunction.apply(self, _bound(min), _bound(max))
        return ClampFunction.apply(self, min=operand(min), max=operand(max))

    def maximum(self, other: object) -> Tensor:
        return MaximumFunction.apply(self, _arg(other))

    def minimum(self, other: object) -> Tensor:
        return MinimumFunction.apply(self, _arg(other))

    def where(self, condition: tt_tensor.Tensor, other: object) -> Tensor:
        return WhereFunction.apply(_arg(condition), self, _arg(other))

    def clone(self, *, memory_format: object = None) -> Tensor:
        if memory_format is None:
            return CopyFunction.apply(self)
        return LayoutCopyFunction.apply(self, check_format("clone", memory_format, self.ndim))

    def contiguous(self, memory_format: object = contiguous_format) -> Tensor:
        if memory_format is contiguous_format:
            return self if self.array.flags.c_contiguous else CopyFunction.apply(self)
        fmt = check_format("contiguous", memory_format, self.ndim)
        return self if has_format(self.array, fmt) else LayoutCopyFunction.apply(self, fmt)

    def _convert(self, dtype: tt_tensor.DType) -> Tensor:
        if dtype.is_floating_point and self.array.dtype.kind == "f":
            return CastFunction.apply(self, dtype=dtype.numpy)
        if (dtype.is_complex or self.array.dtype.kind == "c") and dtype.numpy.kind in "fc":
            return self._complex_cast(dtype)
        return super()._convert(dtype)

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        keepdim = check_bool("sum", "keepdim", keepdim)  # (sum(0, 1) refused: PyTorch's keepdim is a bool)
        dim = reduction_dims(dim)  # (dim=(): every dim, as PyTorch)
        if dtype is not None:  # summed in int64 (integers, bools) and cast: dtype=bool is "any nonzero"
            dtype = dtype_argument("sum", dtype)
            return self.to(dtype).sum(dim, keepdim).to(dtype)
        return SumFunction.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        keepdim, dim = check_bool("mean", "keepdim", keepdim), reduction_dims(dim)
        if dtype is None:
            require_float_input("mean", self.array.dtype)  # (integers: PyTorch's refusal)
        source = self if dtype is None else self.to(mean_dtype(dtype))
        if source.array.dtype.kind == "c":  # the sum's rule serves complex (complex_grad.py)
            return source.sum(dim, keepdim) / reduce_kernels.count(source.shape, dim)
        return MeanFunction.apply(source, dim=dim, keepdim=keepdim)

    def max(self, dim: object = NOT_GIVEN, keepdim: bool = False, *, other: object = NOT_GIVEN):
        return self._extreme("max", dim_or_other("max", dim, other), keepdim)

    def min(self, dim: object = NOT_GIVEN, keepdim: bool = False, *, other: object = NOT_GIVEN):
        return self._extreme("min", dim_or_other("min", dim, other), keepdim)

    def _extreme(self, op: str, dim: object, keepdim: bool):
        if isinstance(dim, tt_tensor.Tensor):
            return self.maximum(dim) if op == "max" else self.minimum(dim)
        if optional_dim(op, dim, keepdim) is None:
            empty_extreme(op, self.shape, None)  # (an empty tensor: PyTorch's error, naming max)
            return AmaxFunction.apply(self, largest=op == "max")
        axis = normalize_dim(op, dim, self.ndim)
        if empty_extreme(op, self.shape, axis):  # (0, 3) over dim 1: empty values and indices
            return self._empty_extreme(axis, keepdim)
        indices = reduce_kernels.extreme(op, self.array, axis, keepdim)[1]
        values = TakeAlongDimFunction.apply(self, indices=indices, dim=axis, keepdim=keepdim)
        return ValuesIndices(values, Tensor.from_array(indices))

    def amax(self, dim=None, keepdim: bool = False) -> Tensor:
        keepdim, dim = check_bool("amax", "keepdim", keepdim), reduction_dims(dim)
        if empty_extreme("amax", self.shape, dim):
            return self._empty_extreme(dim, keepdim).values
        return AmaxFunction.apply(self, dim=dim, keepdim=keepdim, largest=True)

    def amin(self, dim=None, keepdim: bool = False) -> Tensor:
        keepdim, dim = check_bool("amin", "keepdim", keepdim), reduction_dims(dim)
        if empty_extreme("amin", self.shape, dim):
            return self._empty_extreme(dim, keepdim).values
        return AmaxFunction.apply(self, dim=dim, keepdim=keepdim, largest=False)

    def prod(self, dim=NOT_GIVEN, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        if dtype is not None:  # (an integer product is int64 unless dtype says otherwise)
            dtype = dtype_argument("prod", dtype)
            return self.to(dtype).prod(dim, keepdim).to(dtype)
        return ProdFunction.apply(self, dim=optional_dim("prod", dim, keepdim), keepdim=keepdim)

    def cumsum(self, dim: int, *, dtype: object = None) -> Tensor:
        if dtype is not None:  # summed in int64 (integers) and cast, as PyTorch's wrapping sums in dtype
            dtype = cumsum_dtype(dtype)
            return self.to(dtype).cumsum(dim).to(dtype)
        source = self
        if source.array.dtype.kind in "iub" and source.array.dtype != np.int64:
            source = source.to(tt_tensor.int64)  # integers and bools sum in int64, as PyTorch (NumPy: uint64)
        return CumsumFunction.apply(source, dim=normalize_dim("cumsum", dim, self.ndim))

    # ----------------------------------------------------------------- joining (the rest: _shape_methods.py)
    @classmethod
    def _cat(cls, tensors: list, dim: int) -> Tensor:
        return CatFunction.apply(*[_arg(t, array=True) for t in tensors], dim=dim)

    @classmethod
    def _stack(cls, tensors: list, dim: int) -> Tensor:
        return StackFunction.apply(*[_arg(t, array=True) for t in tensors], dim=dim)

    @classmethod
    def _where(cls, condition: object, x: object, y: object) -> Tensor:
        return WhereFunction.apply(_arg(condition), _arg(x), _arg(y))

    # ----------------------------------------------------------------- indexing
    def __getitem__(self, key: object) -> Tensor:
        if BATCHED_INDEX:  # while a vmap runs, an index may be batched (tt_autograd._vmap_methods)
            return BATCHED_INDEX[0](self, key)
        return index(self, key)  # (PyTorch's order of dims: functions/indexing.py)

    def gather(self, dim: int, index: tt_tensor.Tensor, *, sparse_grad: bool = False) -> Tensor:
        check_sparse_grad("gather", sparse_grad)
        return GatherFunction.apply(self, _arg(index), dim=dim)

    def index_select(self, dim: int, index: tt_tensor.Tensor) -> Tensor:
        if self.ndim == 0:  # PyTorch: a scalar takes exactly one index, 0, and stays a scalar
            picked = np.asarray(operand(index)).reshape(-1)
            if picked.size != 1 or int(picked[0]) != 0:
                raise IndexError(f"index_select: a 0-d tensor takes the one index [0], got {picked.tolist()}")
            return IndexSelectFunction.apply(self.reshape(1), picked, dim=0).reshape(())
        return IndexSelectFunction.apply(self, _arg(index), dim=dim)

    def masked_fill(self, mask: tt_tensor.Tensor, value: float) -> Tensor:
        out = MaskedFillFunction.apply(self, _arg(mask), operand(value))
        if not getattr(value, "requires_grad", False):
            return out
        return self._where(operand(mask), value.to(self.dtype), out)  # value's gradient too, as PyTorch's

    def tril(self, diagonal: int = 0) -> Tensor:
        return TriangleFunction.apply(
            self, op="tril", diagonal=check_count("tril", "diagonal", diagonal, None)
        )

    def triu(self, diagonal: int = 0) -> Tensor:
        return TriangleFunction.apply(
            self, op="triu", diagonal=check_count("triu", "diagonal", diagonal, None)
        )


#: ``[getitem]`` while a vmap runs (indexing with batched index tensors); empty otherwise.
BATCHED_INDEX: list = []


def _arg(value: object, array: bool = False) -> object:
    """An operand for a Function: tensors pass through (to be recorded), the rest become NumPy/scalars."""
    if isinstance(value, tt_tensor.Tensor) or type(value) is float or type(value) is int:
        return value  # (Python numbers stay as they are: the common ``x * 0.5`` skips the conversion)
    if getattr(value, "is_sparse", False):  # dense op sparse: PyTorch's result is dense (sparse_tensor.py)
        return value.to_dense()
    converted = operand(value)
    if array and not isinstance(converted, np.ndarray):
        converted = np.asarray(converted)
    return converted


def _bound(value: object) -> object:
    """A bound of ``clamp`` for :class:`ClampBoundsFunction`: None (no bound) or an operand."""
    return None if value is None else _arg(value)


def _is_size(value: object) -> bool:
    """Whether ``value`` is a size of the legacy ``Tensor(2, 3)`` form: a Python int, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)
