"""``Parameter``: a tensor that a :class:`~tt_nn.module.Module` registers as learnable.

Assigning a ``Parameter`` to a module attribute adds it to the module's
``parameters()``; a plain tensor does not. Parameters require grad by default.
"""

from __future__ import annotations

import tt_tensor
from tt_autograd import Tensor
from tt_tensor.checks import check_bool
from tt_tensor.dtypes import dtype_argument, from_numpy_dtype


class Parameter(Tensor):
    """A learnable tensor, like ``torch.nn.Parameter``; it shares the data it is given.

    Args:
        data: the initial value: a tensor, whose storage is shared, not copied
            (anything else, e.g. a NumPy array, is converted). None gives an
            empty float tensor.
        requires_grad: whether the optimizer should train it (default True;
            only floating-point parameters can).

    Shape:
        that of ``data``.

    Example:
        >>> w = Parameter(tt_autograd.zeros(2, 3))  # doctest: +SKIP
        >>> w.requires_grad, w.is_leaf  # doctest: +SKIP
        (True, True)
    """

    def __init__(self, data: object = None, requires_grad: bool = True) -> None:
        source = Tensor([]) if data is None else data
        self.array = source.array if isinstance(source, tt_tensor.Tensor) else Tensor(source).array
        self.requires_grad = check_bool("Parameter", "requires_grad", requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def _repr_extras(self) -> list[str]:
        return ["requires_grad=True"] if self.requires_grad else []

    @classmethod
    def from_array(cls, array):  # type: ignore[override]
        """Results of operations on a parameter are plain tensors, as in PyTorch."""
        return Tensor.from_array(array)


# ----------------------------------------------------------------- lazy modules' placeholders
class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (a lazy module's, before its first forward).

    It holds no values, only a dtype and ``requires_grad``: reading its shape or values (``numel()``,
    arithmetic, ``.numpy()``) raises an error that names its owner and says to run a forward first.
    :meth:`materialize` gives it a shape, in place: the object becomes its :attr:`cls_to_become`, so
    an optimizer built before then holds the materialized tensor. ``Module.to(dtype)`` converts it.
    """

    #: The class the tensor becomes once materialized.
    cls_to_become: type = Tensor
    #: Who holds it, for error messages (a lazy module names its own: ``"LazyLinear.weight"``).
    owner = "this uninitialized parameter or buffer"

    def _start(self, requires_grad: bool, dtype: object) -> None:
        self.__dict__["_empty"] = tt_tensor.empty(0, dtype=dtype).array  # only its dtype is kept
        self.requires_grad = requires_grad

    def _refuse(self, what: str) -> RuntimeError:
        return RuntimeError(
            f"{self.owner} is an {type(self).__name__} (a lazy module's: its shape comes from the first "
            f"input), so it has no {what} yet; run a forward pass with an example input (or call "
            "initialize_parameters) before using it"
        )

    @property
    def array(self):  # type: ignore[override]
        """Refused: there are no values before :meth:`materialize`."""
        raise self._refuse("values")

    @array.setter
    def array(self, value: object) -> None:
        raise self._refuse("storage to write into")

    @property
    def shape(self):  # type: ignore[override]
        """Refused: the shape is unknown until :meth:`materialize` (as in PyTorch)."""
        raise self._refuse("shape")

    @property
    def dtype(self):  # type: ignore[override]
        """The dtype it will have when materialized."""
        return tt_tensor.Tensor.from_array(self._empty).dtype

    @property
    def requires_grad(self) -> bool:  # type: ignore[override]
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._empty.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad: only floating-point tensors can require gradients, got {self.dtype}"
            )
        self._requires_grad = bool(value)

    def is_floating_point(self) -> bool:
        return self._empty.dtype.kind == "f"

    def detach(self):  # type: ignore[override]
        """This tensor itself: it has neither values to share nor history (so ``state_dict()`` keeps it)."""
        return self

    def convert_(self, dtype: object) -> None:
        """Change the dtype it will be materialized with (what ``Module.to(dtype)`` does to it)."""
        self.__dict__["_empty"] = tt_tensor.empty(0, dtype=tt_tensor.dtypes.as_dtype(dtype)).array

    def materialize(self, shape: tuple[int, ...], device: object = None, dtype: object = None) -> None:
        """Give it ``shape`` (zeros of its dtype, or ``dtype``), in place: it becomes ``cls_to_become``."""
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"materialize: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        dtype = from_numpy_dtype(self._empty.dtype) if dtype is None else dtype_argument("materialize", dtype)
        array = tt_tensor.zeros(*shape, dtype=dtype).array
        for name in ("_empty", "owner"):
            self.__dict__.pop(name, None)
        self.__class__ = self.cls_to_become  # type: ignore[assignment]
        self.array = array

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def is_lazy(tensor: object) -> bool:
    """Whether ``tensor`` is an :class:`UninitializedParameter` or :class:`UninitializedBuffer`."""
    return isinstance(tensor, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A :class:`Parameter` whose shape is not known yet, like ``torch.nn.UninitializedParameter``.

    A lazy module (``LazyLinear``) holds these until its first forward tells it the input's size;
    see :class:`UninitializedTensorMixin` for what can and cannot be done with one.

    Args:
        requires_grad: as ``Parameter``'s (default True).
        device: only ``None``/``"cpu"``.
        dtype: the dtype it is materialized with (default: the default float dtype).
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: object = None, dtype: object = None) -> None:
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"UninitializedParameter: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        self._start(requires_grad, dtype)


class _BufferMeta(type(Tensor)):
    """``isinstance(t, Buffer)`` is true of the tensors ``Buffer(...)`` returns (marked, not subclassed)."""

    def __instancecheck__(cls, instance: object) -> bool:
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor that a module registers as a buffer when assigned to an attribute, like ``torch.nn.Buffer``.

    ``module.running = Buffer(t)`` is ``module.register_buffer("running", t, persistent=True)``.
    As in PyTorch, ``Buffer(t)`` returns ``t.detach()`` (the same storage; ``requires_grad`` kept)
    marked as a buffer, so ``isinstance(b, Buffer)`` holds while ``type(b)`` stays a tensor.

    Args:
        data: a tensor (None gives an empty float tensor).
        persistent: whether the buffer is saved in the module's ``state_dict`` (default True).

    Example:
        >>> m = Module()  # doctest: +SKIP
        >>> m.total = Buffer(tt_autograd.zeros(3))  # doctest: +SKIP
        >>> list(m.state_dict())  # doctest: +SKIP
        ['total']
    """

    persistent: bool

    def __new__(cls, data: object = None, *, persistent: bool = True):
        if data is not None and not isinstance(data, tt_tensor.Tensor):
            raise TypeError(f"Buffer: data must be a tensor or None, got {type(data).__name__}")
        source = Tensor([]) if data is None else data
        tensor = Tensor.from_array(source.array)
        tensor.requires_grad = bool(getattr(source, "requires_grad", False))
        tensor.persistent = persistent
        tensor._is_buffer = True
        return tensor


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet, like ``torch.nn.UninitializedBuffer`` (lazy batch norms').

    Assigning one to a module attribute registers it as a buffer (``persistent`` says whether
    ``state_dict`` holds it); :meth:`materialize` turns it into a plain tensor.

    Args:
        requires_grad: default False.
        device: only ``None``/``"cpu"``.
        dtype: the dtype it is materialized with (default: the default float dtype).
        persistent: default True.
    """

    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: object = None, dtype: object = None,
                 persistent: bool = True) -> None:  # fmt: skip
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"UninitializedBuffer: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        self._start(requires_grad, dtype)
        self.persistent = persistent
        self._is_buffer = True
