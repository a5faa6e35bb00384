"""Argument checks shared by the kernels: dimensions and sizes, with PyTorch's messages.

Public: tt-autograd, tt-nn and later packages check ``dim`` and size arguments
with these too, so every package reports a bad dimension the same way.

Example:
    >>> normalize_dim("sum", -1, 3)
    2
    >>> normalize_dims("mean", (0, -1), 3)
    (0, 2)
"""

from __future__ import annotations

import functools
import inspect
import numbers
import operator
from collections.abc import Callable, Sequence

import numpy as np


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """Map a possibly negative ``dim`` into ``[0, ndim)``; name ``op`` if it is out of range.

    A 0-d tensor accepts ``dim`` 0 and -1, as in PyTorch.
    """
    size = max(ndim, 1)
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    if not -size <= dim < size:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})"
        )
    return dim % size


def normalize_dims(
    op: str, dim: int | Sequence[int] | None, ndim: int, name: str | None = None
) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, an int or a sequence of ints) to a sorted tuple, or None for all.

    With ``name`` (``"dims"`` for ``flip``), the argument is required: None is refused by that name.
    """
    if dim is None:
        if name is not None:
            raise TypeError(f"{op}: argument '{name}' must be an int or a tuple of ints, got None")
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(sorted({normalize_dim(op, d, ndim) for d in dim}))
        if len(dims) != len(dim):  # (PyTorch's RuntimeError and words: "dim 0 appears multiple times ...")
            raise RuntimeError(
                f"{op}: dim {tuple(dim)} names a dimension more than once "
                "(a dim appears multiple times in the list of dims)"
            )
        return dims if ndim else ()
    axis = normalize_dim(op, dim, ndim)  # (checked on a 0-d tensor too: only 0 and -1 name its one dim)
    return (axis,) if ndim else ()


def reduction_dims(dim: object) -> object:
    """``dim`` of ``sum``, ``mean``, ``var``, ``amax``, ``norm``, ...: PyTorch reads an empty tuple or list
    as every dimension, so it becomes None here (``normalize_dims`` reads it as none, as ``flip``
    and ``all``/``any`` do); anything else as given."""
    return None if isinstance(dim, (tuple, list)) and not dim else dim


def logsumexp_dims(dim: object, ndim: int) -> tuple[int, ...]:
    """``logsumexp``'s required ``dim``, normalised; an empty tuple or list is refused as PyTorch 2.13
    does (with a shape-mismatch error) unless the tensor is 0-d."""
    if isinstance(dim, (tuple, list)) and not dim and ndim:
        raise RuntimeError(
            f"logsumexp: dim={dim!r} names no dimension (PyTorch refuses it); give the dims to reduce, "
            f"e.g. dim={tuple(range(ndim))} for all {ndim}"
        )
    return normalize_dims("logsumexp", dim, ndim, "dim")


def empty_extreme(op: str, shape: tuple[int, ...], dim: object, no_dim_error: type = RuntimeError) -> bool:
    """Whether a reduction without an identity (``amax``, ``max``, ``argmax``) is over an empty tensor.

    A non-empty tensor: False. An empty one reduced over dims that are all non-zero (shape
    ``(0, 3)``, ``dim=1``) has an empty result: True, and the caller makes it. Over every element
    (``dim`` None) or a dim of size 0, PyTorch's errors: ``no_dim_error`` (``IndexError`` for
    ``argmax``) and an ``IndexError`` naming the dim.
    """
    if 0 not in shape:
        return False
    if dim is None:
        raise no_dim_error(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0 (input shape "
            f"{tuple(shape)}); specify the reduction dim with the 'dim' argument"
        )
    for axis in normalize_dims(op, dim, len(shape)):
        if shape[axis] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {axis} to have non-zero size (input shape {tuple(shape)})"
            )
    return True


class _NotGiven:
    """The type of :data:`NOT_GIVEN` (its one value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: The default of an optional argument that PyTorch refuses as None (``t.max(dim=None)``): with
#: ``dim=NOT_GIVEN`` in the signature, an argument left out is told from an explicit None, which
#: :func:`check_optional` refuses.
NOT_GIVEN = _NotGiven()


def check_optional(op: str, name: str, value: object, expected: str = "int") -> object:
    """``value``, or None if it was left out (``NOT_GIVEN``); an explicit None is a ``TypeError``.

    The error names ``op``, the argument and what it must be, as PyTorch's
    (``median(): argument 'dim' must be int, not NoneType``).

    Example:
        >>> check_optional("median", "dim", NOT_GIVEN) is None
        True
    """
    if value is None:
        raise TypeError(f"{op}(): argument '{name}' must be {expected}, not NoneType (leave it out instead)")
    return None if value is NOT_GIVEN else value


def optional_dim(op: str, dim: object, keepdim: object) -> object:
    """The ``dim`` of a reduction that PyTorch runs over every element only when ``dim`` is left out
    (``max``, ``prod``, ``median``): None then, ``dim`` as given otherwise; None, a ``keepdim`` that
    is not a bool, and ``keepdim=True`` without ``dim`` are refused (PyTorch has no such form)."""
    dim = check_optional(op, "dim", dim)
    if check_bool(op, "keepdim", keepdim) and dim is None:
        raise TypeError(f"{op}(): keepdim=True needs a dim (over every element there is no dim to keep)")
    return dim


def parse_size(op: str, args: tuple) -> tuple[int, ...]:
    """Accept sizes given as ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; check they are ints >= 0."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        size = tuple(operator.index(s) for s in args)
    except TypeError:
        raise TypeError(f"{op}: sizes must be ints, got {args}") from None
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: sizes must be non-negative, got {size}")
    return size


def check_count(op: str, name: str, value: object, minimum: int | None = 0) -> int:
    """An integer argument such as a layer's feature count, ``>= minimum``; a clear error otherwise.

    Bools and floats are refused (``Linear(4.5, 3)``), as are NumPy floats;
    NumPy integers are accepted. The error names the op, the argument, the
    value and what was expected. ``minimum=None`` takes any int (an offset such as ``tril``'s
    ``diagonal``).

    Example:
        >>> check_count("Linear", "in_features", 4)
        4
    """
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int, got the bool {value}")
    try:
        count = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}") from None
    if minimum is not None and count < minimum:
        expected = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{op}: {name} must be {expected}, got {count}")
    return count


def parse_shape(op: str, args: tuple) -> tuple[int, ...]:
    """Like :func:`parse_size`, but one entry may be -1 (inferred), as for ``reshape``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(operator.index(s) for s in args)
    except TypeError:
        raise TypeError(f"{op}: shape must be ints, got {args}") from None


def check_same_dtype(op: str, tensor: object, value: object, name: str = "src") -> object:
    """``value`` itself; as a tensor it must have ``tensor``'s dtype (PyTorch's rule for the ``src``,
    ``source`` and ``values`` of the scatters and index writes: no silent cast); anything else passes."""
    dtype = getattr(value, "dtype", None)
    if hasattr(value, "array") and dtype != tensor.dtype:
        raise RuntimeError(
            f"{op}: self ({tensor.dtype}) and {name} ({dtype}) must have the same dtype; "
            f"convert {name} with .to(self.dtype)"
        )
    return value


def check_tensor(op: str, value: object, name: str = "input") -> object:
    """``value`` if it is a tensor; otherwise a ``TypeError`` naming ``op`` and the argument, as PyTorch's.

    For layers and functions that read ``.ndim`` or ``.shape`` of an argument before any op would
    refuse it (else ``'NoneType' object has no attribute 'ndim'``).
    """
    from .tensor import Tensor  # (this module is imported by tensor.py)

    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be a Tensor, got {type(value).__name__}")
    return value


def check_number(op: str, name: str, value: object) -> float:
    """``value`` as a float: a real number (not a bool) or a one-element tensor; else a ``TypeError``
    naming ``op`` and ``name``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, (bool, str, bytes)) and hasattr(value, "__float__"):
        try:
            return float(value)
        except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor of more than one element
            pass
    raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__} {value!r:.40}")


def number_args(op: str, *names: str) -> Callable[[Callable], Callable]:
    """Decorator: the arguments ``names`` of a function (or ``__init__``) must be numbers when given.

    A real (not a bool) or a one-element tensor passes (:func:`check_number`) and reaches the
    function as given; anything else is a ``TypeError`` naming ``op`` and the argument. For
    functions whose body (a course exercise) compares or converts a number without checking it:
    ``dropout(x, p=None)`` would fail inside a comparison, ``leaky_relu(x, "abc")`` inside ``float()``.
    """

    return _checking(check_number, op, names)


def bool_args(op: str, *names: str) -> Callable[[Callable], Callable]:
    """Decorator: the arguments ``names`` of a function (or method) must be Python bools when given.

    :func:`check_bool` for each: a NumPy bool, an int or ``None`` is a ``TypeError`` naming ``op`` and
    the argument, as PyTorch's argument parser refuses them (``x.requires_grad_(np.True_)``,
    ``F.dropout(x, training=1)``); the function gets the arguments as given. Cost: one type test each.
    """
    return _checking(check_bool, op, names)


def _checking(check: Callable, op: str, names: tuple[str, ...]) -> Callable[[Callable], Callable]:
    """The decorator of :func:`number_args` and :func:`bool_args`: ``check(op, name, value)`` for each
    argument of ``names`` given by position or by name."""

    def decorate(function: Callable) -> Callable:
        parameters = list(inspect.signature(function).parameters)
        positions = {name: parameters.index(name) for name in names}

        @functools.wraps(function)
        def checked(*args: object, **kwargs: object) -> object:
            for name, position in positions.items():
                if position < len(args):
                    check(op, name, args[position])
                elif name in kwargs:
                    check(op, name, kwargs[name])
            return function(*args, **kwargs)

        return checked

    return decorate


def check_bool(op: str, name: str, value: object, numpy_bool: bool = False) -> bool:
    """``value`` if it is a Python bool; else a ``TypeError`` naming ``op`` and ``name``.

    For flags such as ``qr``'s ``some`` or ``unique``'s ``sorted``, where a junk value would
    otherwise be read by its truth value (``t.qr("abc")``); PyTorch refuses it too, and refuses a
    NumPy bool as well (``x.sum(0, keepdim=np.True_)``). ``numpy_bool``: a NumPy bool passes too, for
    the flags PyTorch reads in Python by their truth (``torch.lu``'s ``get_infos``).
    """
    if type(value) is bool or (numpy_bool and isinstance(value, np.bool_)):
        return bool(value)
    kind = "numpy.bool" if isinstance(value, np.bool_) else type(value).__name__
    raise TypeError(f"{op}: argument '{name}' must be bool, got {kind} {value!r:.40}")


def variance_args(op: str, dim: object, unbiased: object, correction: object) -> tuple[object, object]:
    """``(dim, correction)`` for ``var``/``std`` from any of PyTorch's three forms.

    ``x.var(dim, correction=c)``; the older ``x.var(dim, unbiased, keepdim)``; and ``x.var(unbiased)``,
    whose one positional bool is ``unbiased`` (over every element), not a dim: ``x.var(False)`` is the
    population variance of all of ``x`` (a bool taken as dim 0 would silently give per-column ones).
    ``correction=None`` is the default 1; ``unbiased`` left out is :data:`NOT_GIVEN`.
    """
    if isinstance(dim, np.bool_):  # (PyTorch refuses it as a dim and as unbiased)
        raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got numpy.bool {dim!r}")
    if type(dim) is bool:
        if unbiased is not NOT_GIVEN:
            raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got bool {dim!r}")
        dim, unbiased = None, dim
    if unbiased is NOT_GIVEN:  # (an explicit unbiased=None is refused below, as PyTorch)
        return dim, 1 if correction is None else correction
    if correction is not None:
        raise TypeError(f"{op}: give unbiased or correction, not both (unbiased=True is correction=1)")
    return dim, int(check_bool(op, "unbiased", unbiased))


def dims_arg(op: str, args: tuple, required: bool = True) -> object:
    """The dims of ``op(*args)``: one tuple or list (``flip((0, 1))``), or one by one (``flip(0, 1)``).

    One argument is returned as it is (an int, a sequence, or junk for the caller's check to name);
    none is refused, as PyTorch refuses ``x.flip()``, unless not ``required`` (``x.squeeze()``, every
    dim): then it is :data:`NOT_GIVEN`.
    """
    if not args:
        if not required:
            return NOT_GIVEN
        raise TypeError(f"{op}: missing the dims (give them as a tuple, or one by one)")
    return args[0] if len(args) == 1 else args


def split_argument(op: str, value: object, **named: object) -> int | list[int]:
    """The split of ``tensor_split``/``hsplit``/``vsplit``/``dsplit``, by :func:`sections_or_indices`.

    ``value`` is the one given by position (:data:`NOT_GIVEN` if none); ``named`` PyTorch's keyword
    names for it (:data:`NOT_GIVEN` when left out): ``sections`` (an int), ``indices`` (a list or tuple
    of ints) and, for ``tensor_split`` only, ``tensor_indices_or_sections`` (a tensor). PyTorch's
    bindings take no ``indices_or_sections=``, though its docs use that name: it is positional here.
    """
    given = {name: v for name, v in named.items() if v is not NOT_GIVEN}
    if value is not NOT_GIVEN:
        given["indices_or_sections"] = value
    if len(given) != 1:
        names = ", ".join(f"{name}=" for name in named)
        raise TypeError(f"{op}() takes the split once: by position, or by one of {names} (got {len(given)})")
    ((name, value),) = given.items()
    kind = {
        "sections": "an int",
        "indices": "a list or tuple of ints",
        "tensor_indices_or_sections": "a tensor",
    }
    wrong = {
        "sections": not isinstance(value, numbers.Integral) or isinstance(value, bool),
        "indices": not isinstance(value, (list, tuple)),
        "tensor_indices_or_sections": not hasattr(value, "shape"),
    }
    if wrong.get(name, False):
        raise TypeError(
            f"{op}(): argument '{name}' must be {kind[name]}, got {type(value).__name__} {value!r:.40}"
        )
    return sections_or_indices(op, value)


def sections_or_indices(op: str, value: object) -> int | list[int]:
    """``tensor_split``'s ``indices_or_sections``: an int (or a 0-d integer tensor) is a number of
    sections, a sequence of ints (or a 1-d integer tensor) the indices to split at; anything else
    (a float, a bool, a float tensor) is refused naming ``op``, as PyTorch refuses it.
    """
    if hasattr(value, "shape") and not isinstance(value, numbers.Integral):  # a tensor or an array
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        if array.dtype.kind not in "iu" or array.ndim > 1:
            raise RuntimeError(
                f"{op}: indices_or_sections must be a 0-d or 1-d integer tensor, got a {array.ndim}-d "
                f"{array.dtype} one"
            )
        return int(array) if array.ndim == 0 else array.tolist()
    if isinstance(value, (list, tuple)):
        return [check_count(op, "indices_or_sections", index, minimum=None) for index in value]
    return check_count(op, "indices_or_sections", value, minimum=None)


def dim_or_other(op: str, dim: object, other: object) -> object:
    """``max``/``min``'s ``dim``, or PyTorch's ``other=`` keyword (its ``max(input, other)`` form by
    name): the tensor to compare with stands where ``dim`` would be (the method dispatches on it)."""
    if other is NOT_GIVEN:
        return dim
    if dim is not NOT_GIVEN:
        raise TypeError(f"{op}(): give dim or other, not both ({op}(other) is the element-wise form)")
    if not hasattr(other, "array"):
        raise TypeError(f"{op}(): argument 'other' must be a Tensor, got {type(other).__name__}")
    return other


def check_sparse_grad(op: str, sparse_grad: object) -> None:
    """Refuse PyTorch's ``sparse_grad=True`` (a sparse COO gradient for the input): TinyTorch's
    gradients are dense, with the same values."""
    if sparse_grad is not False:
        raise RuntimeError(
            f"{op}: sparse_grad={sparse_grad!r} is not available; TinyTorch's gradient for input is a dense "
            "tensor (the same values as PyTorch's sparse one, .to_dense()); leave sparse_grad out"
        )
