"""The :class:`Tensor`: an n-d array with PyTorch's names and semantics, stored as a NumPy array.

The class is deliberately thin: every method converts its arguments, calls a
kernel from ``pointwise``, ``reduce``, ``shaping``, ``indexing`` or ``linalg``
(NumPy in, NumPy out, where the rules and error messages live), and wraps the
result with ``self.from_array``. That one constructor hook is what lets a
subclass (tt-autograd's ``Tensor``) get its own type back from every op it
does not override, without this package knowing anything about gradients.

This file holds the core: construction, attributes, conversion and ``repr``.
The operations come from one mixin per concept, each in its own module:

==========================  ==========================================================
``OperatorMixin``           ``+ - * / ** @``, reflected forms, comparisons, logic
``MathMixin``               element-wise functions: ``exp``, ``sigmoid``, ``clamp``, ...
``MathExtraMixin``          more of them, beyond the exercises: ``log1p``, ``atan2``, ...
``LinalgExtraMixin``        more products, beyond the exercises: ``addmm``, ``kron``, ``cumprod``, ...
``InPlaceMixin``            ``add_``, ``+=``, ``fill_``, ``uniform_``, ...
``ReductionMixin``          ``sum``, ``mean``, ``max``, ``logsumexp``, ...
``ShapeMixin``              ``reshape``, ``view``, ``transpose``, ``split``, ...
``ShapeExtraMixin``         more of them, beyond the exercises: ``movedim``, ``tile``, ``rot90``, ...
``IndexingMixin``           ``t[key]``, ``t[key] = v``, ``gather``, ``masked_fill``, ...
``SelectionMixin``          ``sort``, ``topk``, ``roll``, ``diag``, ``scatter_add``, ...
``QueryExtraMixin``         beyond the exercises: ``nonzero``, ``isclose``, ``unique``, ``bincount``, ...
``OrderStatsMixin``         beyond the exercises: ``median``, ``kthvalue``, ``cummax``, ``quantile``, ...
``ComplexMixin``            beyond the exercises: ``real``, ``imag``, ``conj``, ``angle``, ``is_complex``
==========================  ==========================================================
"""

from __future__ import annotations

import numpy as np

from . import complex_numbers, dtypes, legacy_types, pointwise, shaping
from . import memory_formats as formats
from ._base import TensorBase, operand, to_array
from ._indexing_methods import IndexingMixin
from ._inplace import InPlaceMixin
from ._linalg_extra import LinalgExtraMixin
from ._math import MathMixin
from ._math_extra import MathExtraMixin
from ._operators import OperatorMixin
from ._order_stats import OrderStatsMixin
from ._query_extra import QueryExtraMixin
from ._reductions import ReductionMixin, ValuesIndices
from ._selection_methods import SelectionMixin, SortResult
from ._shape_extra import ShapeExtraMixin
from ._shape_methods import ShapeMixin
from .checks import NOT_GIVEN, check_tensor, normalize_dim, parse_size
from .complex_numbers import ComplexMixin
from .devices import check_cpu
from .dtypes import DType, dtype_argument, from_numpy_dtype
from .factory_options import check_factory_options
from .formatting import format_tensor
from .keyword_aliases import numpy_keyword_names
from .method_hints import MissingMethodsMixin
from .size import Size

__all__ = ["SortResult", "Tensor", "ValuesIndices", "operand", "to_array"]


@numpy_keyword_names  # (x.sum(axis=1, keepdims=True), as PyTorch's parser takes them)
class Tensor(
    OperatorMixin,
    MathMixin,
    MathExtraMixin,
    LinalgExtraMixin,
    InPlaceMixin,
    ReductionMixin,
    ShapeMixin,
    ShapeExtraMixin,
    IndexingMixin,
    SelectionMixin,
    QueryExtraMixin,
    OrderStatsMixin,
    MissingMethodsMixin,
    ComplexMixin,
    TensorBase,
):
    """An n-dimensional array of one dtype, with PyTorch's API.

    Args:
        data: a nested list, scalar, NumPy array or tensor (copied).
        dtype: element type; inferred from ``data`` when None.

    Shape:
        whatever ``data`` has; ``shape`` is a tuple of ints.

    Example:
        >>> import tt_tensor as tt
        >>> tt.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
    """

    __array_priority__ = 1000  # ndarray (+) Tensor defers to Tensor's reflected op
    __hash__ = object.__hash__  # == is element-wise, so hash by identity like PyTorch

    def __init__(self, data: object = (), dtype: object = None) -> None:
        # (``dtype=`` is TinyTorch's: PyTorch's legacy constructor takes none; checked as every public
        # ``dtype=``, so a name or a NumPy dtype is refused)
        self.array = to_array(data, None if dtype is None else dtypes.dtype_argument("Tensor", dtype))

    @classmethod
    def from_array(cls, array: np.ndarray) -> Tensor:
        """A tensor of this class around ``array``, without copying (public: other packages use it).

        Every op builds its result through here, so a subclass's ops return the
        subclass. ``array`` should be an ``np.ndarray`` of a dtype TinyTorch
        names; anything else goes through ``np.asarray``. Cost: one object.

        Example:
            >>> import numpy as np
            >>> Tensor.from_array(np.zeros(2, dtype=np.float32))
            tensor([0., 0.])
        """
        tensor = object.__new__(cls)
        tensor.array = array if type(array) is np.ndarray else np.asarray(array)
        return tensor

    @classmethod
    def _cat(cls, tensors: list[Tensor], dim: int) -> Tensor:
        """``cat`` for this class; a subclass overrides it to record the op."""
        return cls.from_array(shaping.cat([to_array(t, copy=None) for t in tensors], dim))

    @classmethod
    def _stack(cls, tensors: list[Tensor], dim: int) -> Tensor:
        """``stack`` for this class."""
        return cls.from_array(shaping.stack([to_array(t, copy=None) for t in tensors], dim))

    @classmethod
    def _where(cls, condition: Tensor, x: object, y: object) -> Tensor:
        """``where`` for this class."""
        return cls.from_array(pointwise.where(operand(condition), operand(x), operand(y)))

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> Size:
        """Sizes of the dimensions, a :class:`~tt_tensor.size.Size` (a tuple)."""
        return tuple.__new__(Size, self.array.shape)  # size_of, without the call

    @property
    def dtype(self) -> DType:
        """Element type, e.g. ``tt.float32``."""
        return from_numpy_dtype(self.array.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.array.ndim

    @property
    def device(self) -> str:
        """Always ``"cpu"``: TinyTorch runs on NumPy."""
        return "cpu"

    @property
    def data(self) -> Tensor:
        """The same storage as a new tensor (with no gradient history in subclasses)."""
        return self.from_array(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        self.array = to_array(value, copy=None)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape (a :class:`~tt_tensor.size.Size`), or the size of one dimension."""
        if dim is None:
            return tuple.__new__(Size, self.array.shape)
        return self.array.shape[normalize_dim("size", dim, self.ndim)]

    def dim(self) -> int:
        """Number of dimensions."""
        return self.array.ndim

    def numel(self) -> int:
        """Number of elements."""
        return self.array.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self.array.itemsize

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Steps in *elements* (not bytes, unlike NumPy) between neighbours along each dimension."""
        strides = tuple(s // self.array.itemsize for s in self.array.strides)
        return strides if dim is None else strides[normalize_dim("stride", dim, self.ndim)]

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self.array.dtype.kind == "f"

    def is_contiguous(self, memory_format: object = formats.contiguous_format) -> bool:
        """True if the elements are laid out in row-major order without gaps (or in ``memory_format``'s)."""
        if memory_format is formats.contiguous_format:
            return self.array.flags.c_contiguous
        return formats.has_format(self.array, formats.check_format("is_contiguous", memory_format, self.ndim))

    @property
    def layout(self) -> formats.layout:
        """``torch.strided``: every TinyTorch tensor is a dense strided array."""
        return formats.strided

    # ----------------------------------------------------------------- conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying NumPy array (shares memory, like ``torch.Tensor.numpy``; ``force`` as PyTorch's:
        here always the same array, there being no device, conjugate or negative bit to resolve)."""
        return self.array

    def __dlpack__(self, **options: object) -> object:
        """A DLPack capsule of this tensor's memory, for ``torch.from_dlpack(t)``, ``np.from_dlpack(t)``, JAX.

        ``options`` are the protocol's (``stream``, ``max_version``, ``dl_device``, ``copy``),
        passed on to NumPy, which implements it. A tensor that requires grad is refused,
        as in PyTorch: the other library would not see its history (``detach()`` first).
        """
        if getattr(self, "requires_grad", False):
            raise RuntimeError(
                "Can't export tensors that require gradient, use tensor.detach() (DLPack carries no history)"
            )
        return self.array.__dlpack__(**options)

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(1, 0)``: DLPack's CPU device."""
        return self.array.__dlpack_device__()

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise RuntimeError(f"item: only one-element tensors can be converted, got shape {self.shape}")
        return self.array.item()

    def tolist(self) -> list | float | int | bool:
        """Nested Python lists of the values."""
        return self.array.tolist()

    def __array__(self, dtype: object = None, copy: bool | None = None) -> np.ndarray:
        if copy:
            return np.array(self.array, dtype=dtype, copy=True)
        return np.asarray(self.array, dtype=dtype)

    def to(
        self,
        *args: object,
        device: object = NOT_GIVEN,
        dtype: object = NOT_GIVEN,
        non_blocking: bool = NOT_GIVEN,
        copy: bool = NOT_GIVEN,
        memory_format: object = None,
        tensor: Tensor | None = NOT_GIVEN,
    ) -> Tensor:
        """Convert dtype; devices other than the CPU are refused. PyTorch's three call forms, by position
        or by name: ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype,
        non_blocking=False, copy=False)`` and ``to(tensor, non_blocking=False, copy=False)`` (its dtype).

        ``memory_format`` lays the result out in that format (``contiguous(memory_format=...)``);
        ``non_blocking`` is moot on the CPU (the copy is done when ``to`` returns, as PyTorch's on the CPU).
        A parameter given both by position and by name is refused, even with its default value
        (``to(dtype, False, non_blocking=False)``), as PyTorch; left out, each is PyTorch's default
        (None, or False for the two flags).
        """
        given = _to_arguments(args, device, dtype, non_blocking, copy, tensor)
        device, dtype, copy = given["device"], given["dtype"], given["copy"]
        check_cpu("to", device)
        memory_format = formats.checked_or_none("to", memory_format, self.ndim)
        if memory_format is not None and memory_format is not formats.preserve_format:
            converted = self.to(dtype=dtype, copy=copy)
            return converted.contiguous(memory_format=memory_format)
        if dtype is None:
            return self.clone() if copy else self
        dtype = dtype_argument("to", dtype)
        if dtype.numpy == self.array.dtype:
            return self.clone() if copy else self
        return self._convert(dtype)

    def _convert(self, dtype: DType) -> Tensor:
        """A copy converted to ``dtype`` (the one place subclasses hook dtype casts)."""
        return self.from_array(complex_numbers.cast(self.array, dtype.numpy))

    def float(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to float32 (laid out in ``memory_format``)."""
        return self.to(
            dtypes.float32, memory_format=formats.checked_or_none("float", memory_format, self.ndim)
        )

    def double(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to float64 (laid out in ``memory_format``)."""
        return self.to(
            dtypes.float64, memory_format=formats.checked_or_none("double", memory_format, self.ndim)
        )

    def half(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to float16 (laid out in ``memory_format``)."""
        return self.to(
            dtypes.float16, memory_format=formats.checked_or_none("half", memory_format, self.ndim)
        )

    def long(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to int64 (laid out in ``memory_format``)."""
        return self.to(dtypes.int64, memory_format=formats.checked_or_none("long", memory_format, self.ndim))

    def int(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to int32 (laid out in ``memory_format``)."""
        return self.to(dtypes.int32, memory_format=formats.checked_or_none("int", memory_format, self.ndim))

    def bool(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """Convert to bool (laid out in ``memory_format``)."""
        return self.to(dtypes.bool_, memory_format=formats.checked_or_none("bool", memory_format, self.ndim))

    def type_as(self, other: Tensor) -> Tensor:
        """Convert to ``other``'s dtype."""
        return self.to(check_tensor("type_as", other, "other").dtype)

    def type(self, dtype: object = None, non_blocking: bool = False, **kwargs: object) -> Tensor | str:
        """Convert to ``dtype``; with no argument, the legacy type name (``"torch.FloatTensor"``).

        As PyTorch's, ``dtype`` is a dtype, a legacy type name (``"torch.DoubleTensor"``) or a legacy
        type (``torch.DoubleTensor``); anything else (``float``, ``"float64"``, ``np.float64``), which
        ``to()`` would take, is refused with PyTorch's ``ValueError("invalid type: ...")``.
        """
        if dtype is None:
            return legacy_types.type_name(self.dtype)
        if isinstance(dtype, TensorBase):  # PyTorch refuses it too (type_as takes a tensor)
            raise TypeError("type: dtype must be a type, str, or dtype object, got a tensor; use type_as")
        if isinstance(dtype, str):
            dtype = legacy_types.dtype_of("type", dtype)
        elif callable(dtype) and isinstance(getattr(dtype, "dtype", None), DType):
            dtype = dtype.dtype  # (a legacy type: torch.DoubleTensor)
        elif not isinstance(dtype, DType):
            raise ValueError(
                f"type: invalid type: {getattr(dtype, '__name__', dtype)!r}; give a dtype (torch.float64)"
            )
        if kwargs.keys() - {"memory_format"}:  # (PyTorch's **kwargs: memory_format only)
            raise TypeError(
                f"type() got an unexpected keyword argument {sorted(kwargs.keys() - {'memory_format'})[0]!r}"
            )
        return self.to(dtype, non_blocking=non_blocking, **kwargs)

    def cpu(self, *, memory_format: object = formats.preserve_format) -> Tensor:
        """This tensor: TinyTorch tensors always live on the CPU. With another ``memory_format`` than the
        one its strides suggest (channels_last for a tensor laid out so, else contiguous), a copy laid
        out in it, as PyTorch's (whose ``cpu()`` returns the tensor itself in the suggested format, even
        a non-contiguous one)."""
        fmt = formats.checked_or_none("cpu", memory_format, self.ndim)
        if fmt is None or fmt is formats.preserve_format or fmt is formats.suggested(self.array):
            return self
        return self.contiguous(memory_format=fmt)

    def cuda(self, device: object = None, non_blocking: bool = False) -> Tensor:
        """Refused with a clear error: TinyTorch runs on the CPU only (``torch.cuda`` is not available)."""
        raise RuntimeError(
            "cuda: TinyTorch runs on the CPU only, so there is no CUDA device to move the tensor to; "
            "drop the .cuda() call (or use .to('cpu'), which is always valid)"
        )

    def pin_memory(self) -> Tensor:
        """This tensor: pinned memory is for copies to a GPU, which TinyTorch has no use for."""
        return self

    def is_pinned(self) -> bool:
        """False: :meth:`pin_memory` has nothing to pin on a CPU-only framework."""
        return False

    def clone(self, *, memory_format: object = None) -> Tensor:
        """A copy with its own storage (laid out in ``memory_format``, if given: ``memory_formats.py``)."""
        if memory_format is None:
            return self.from_array(self.array.copy())
        fmt = formats.check_format("clone", memory_format, self.ndim)
        return self.from_array(formats.arranged(self.array, fmt))

    def detach(self) -> Tensor:
        """The same storage as a new tensor outside any gradient history."""
        return self.from_array(self.array)

    def contiguous(self, memory_format: object = formats.contiguous_format) -> Tensor:
        """This tensor if contiguous (in ``memory_format``, if given), else a copy that is."""
        if memory_format is formats.contiguous_format:
            return (
                self if self.array.flags.c_contiguous else self.from_array(np.ascontiguousarray(self.array))
            )
        fmt = formats.check_format("contiguous", memory_format, self.ndim)
        return self if formats.has_format(self.array, fmt) else self.clone(memory_format=fmt)

    # ----------------------------------------------------------------- new tensors like this one
    # Each takes PyTorch's keyword-only factory options: ``device``, ``layout`` and ``pin_memory`` at the
    # values TinyTorch makes (``factory_options``), and ``requires_grad`` (for tt-autograd's subclass).
    # Unlike PyTorch's, ``dtype`` may also come by position (the course code's calls).
    def new_tensor(self, data, dtype=None, *, device=None, requires_grad=False) -> Tensor:
        """A new tensor of ``data`` (copied), with this tensor's dtype unless ``dtype`` is given (PyTorch's
        ``new_tensor`` takes no ``layout``/``pin_memory``, whatever its docstring says)."""
        operand(data, "new_tensor", "data")  # a number, a list, an array or a tensor (None is refused)
        array = to_array(data, self.dtype if dtype is None else dtype_argument("new_tensor", dtype))
        return self._new("new_tensor", array, device, requires_grad, None, False)

    def new_zeros(
        self, *size: int, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        array = np.zeros(parse_size("new_zeros", size), dtype=self._dtype_or(dtype, "new_zeros"))
        return self._new("new_zeros", array, device, requires_grad, layout, pin_memory)

    def new_ones(
        self, *size: int, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        array = np.ones(parse_size("new_ones", size), dtype=self._dtype_or(dtype, "new_ones"))
        return self._new("new_ones", array, device, requires_grad, layout, pin_memory)

    def new_full(
        self, size, fill_value, dtype=None, *, device=None, requires_grad=False, layout=None, pin_memory=False
    ) -> Tensor:
        """``fill_value`` everywhere in ``size``, with this tensor's dtype unless ``dtype`` is given."""
        array = np.full(parse_size("new_full", (size,)), fill_value, dtype=self._dtype_or(dtype, "new_full"))
        return self._new("new_full", array, device, requires_grad, layout, pin_memory)

    def new_empty(
        self, *size: int, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
    ) -> Tensor:
        """An uninitialised tensor of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        array = np.empty(parse_size("new_empty", size), dtype=self._dtype_or(dtype, "new_empty"))
        return self._new("new_empty", array, device, requires_grad, layout, pin_memory)

    def _new(self, op: str, array: np.ndarray, device, requires_grad, layout, pin_memory) -> Tensor:
        """``array`` as this class, after PyTorch's factory options (refused by name where not honoured)."""
        check_factory_options(op, device, layout, pin_memory)
        made = self.from_array(array)
        if requires_grad:
            if not hasattr(made, "requires_grad_"):
                raise RuntimeError(
                    f"{op}: requires_grad=True needs tt-autograd's Tensor (tt-tensor has no grad)"
                )
            made.requires_grad_(True)
        return made

    def _dtype_or(self, dtype: object, op: str) -> np.dtype:
        return self.array.dtype if dtype is None else dtype_argument(op, dtype).numpy

    # ----------------------------------------------------------------- Python protocols
    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self.array)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError(
                f"only one-element integer tensors can be used as an index, got {self.dtype} {self.shape}"
            )
        return int(self.array.item())

    def __format__(self, spec: str) -> str:
        if self.array.ndim == 0 and spec:
            return format(self.array.item(), spec)
        return repr(self) if not spec else format(str(self), spec)

    def __repr__(self) -> str:
        return format_tensor(self.array, self._repr_extras())

    def _repr_extras(self) -> list[str]:
        """Extra ``key=value`` parts for the repr; tt-autograd adds ``requires_grad``/``grad_fn``."""
        return []


def _to_arguments(args: tuple, device, dtype, non_blocking, copy, tensor) -> dict:
    """``Tensor.to``'s positional ``args`` bound to one of PyTorch's forms: ``(tensor, non_blocking,
    copy)`` when the first is a tensor, ``(device, dtype, non_blocking, copy)`` when it is a device,
    else ``(dtype, non_blocking, copy)``; keywords (:data:`NOT_GIVEN` when left out) fill the rest. A
    parameter given twice is refused, even when the keyword repeats the default (PyTorch's parser)."""
    from .devices import KNOWN

    names = ["dtype", "non_blocking", "copy"]
    first = args[0] if args else None
    if isinstance(first, TensorBase):
        names[0] = "tensor"
    elif isinstance(first, str) or (args and first is None):
        if first is not None and first.split(":")[0] not in KNOWN:  # (PyTorch reads a string as a device)
            raise RuntimeError(
                f"to(): invalid device string: {first!r}; give a dtype as one, to(tt.float32), not by name"
            )
        names.insert(0, "device")  # (a None first: PyTorch's optional device, to(None, dtype=...) too)
    given = {"device": device, "dtype": dtype, "non_blocking": non_blocking, "copy": copy, "tensor": tensor}
    if len(args) > len(names):
        raise TypeError(
            f"to() takes at most {len(names)} positional arguments ({', '.join(names)}), got {len(args)}"
        )
    for name, value in zip(names, args):
        if given[name] is not NOT_GIVEN:
            raise TypeError(f"to() got multiple values for argument {name!r}")
        given[name] = value
    form = "tensor" if given["tensor"] is not NOT_GIVEN else names[0] if args else "device"
    foreign = {"dtype": ["device"], "tensor": ["device", "dtype"], "device": []}[form]
    for name in foreign:  # (to(torch.float64, device="cpu"): no form of PyTorch's takes it)
        if given[name] is not NOT_GIVEN:
            raise TypeError(
                f"to(): to({form}, ...) takes no {name}= keyword (PyTorch's forms: to(device, dtype), "
                f"to(dtype), to(tensor)); give device and dtype by name: to(device=..., dtype=...)"
            )
    defaults = {"device": None, "dtype": None, "non_blocking": False, "copy": False, "tensor": None}
    given = {name: defaults[name] if value is NOT_GIVEN else value for name, value in given.items()}
    for name in ("non_blocking", "copy"):
        if not isinstance(given[name], bool):
            raise TypeError(f"to(): argument {name!r} must be a bool, got {given[name]!r}")
    if given["tensor"] is not None:  # (its dtype: a dtype= besides was refused above)
        given["dtype"] = given["tensor"].dtype
    return given
