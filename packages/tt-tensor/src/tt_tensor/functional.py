"""Module-level forms of the tensor operations: ``tt.exp(x)``, ``tt.cat([a, b])``, ``tt.where(...)``.

Single-tensor functions call the method of the same name on their first
argument, so a subclass's override (tt-autograd's, which records the graph)
is used automatically. Functions of several tensors (``cat``, ``stack``,
``where``) dispatch to the most derived tensor class among their inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .batchable import batchable  # noqa: F401 (re-exported: the protocol's public path)
from .keyword_aliases import LIST_NAMES, with_numpy_names
from .tensor import Tensor


def _most_derived(values: Sequence[object]) -> type[Tensor]:
    """The tensor class to build the result with: the most derived one among ``values``."""
    chosen: type[Tensor] = Tensor
    for value in values:
        if isinstance(value, Tensor) and issubclass(type(value), chosen):
            chosen = type(value)
    return chosen


def _tensor_list(op: str, tensors: object) -> list[Tensor]:
    """``tensors`` as a list, each element a tensor (PyTorch's message names the first that is not)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    for index, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: expected Tensor as element {index}, but got {type(value).__name__}")
    return list(tensors)


@with_numpy_names
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension; the other sizes must match."""
    tensors = _tensor_list("cat", tensors)
    return _most_derived(tensors)._cat(tensors, dim)


concat = concatenate = cat


@with_numpy_names
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension ``dim``."""
    tensors = _tensor_list("stack", tensors)
    return _most_derived(tensors)._stack(tensors, dim)


_MISSING = object()  # (where's input and other not given: None is an operand, refused by name)


def where(condition: Tensor, input: object = _MISSING, other: object = _MISSING) -> Tensor:  # noqa: A002
    """``input`` where ``condition`` is true, else ``other`` (all three broadcast).

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``: one index tensor per dim.
    """
    if input is _MISSING and other is _MISSING:
        if not isinstance(condition, Tensor):
            raise TypeError(f"where: condition must be a tensor, got {type(condition).__name__}")
        return condition.nonzero(as_tuple=True)
    if input is _MISSING or other is _MISSING:
        raise TypeError(
            "where: give both input and other (where(condition, input, other)), or neither "
            "(where(condition), the indices of the true elements)"
        )
    return _most_derived([input, other, condition])._where(condition, input, other)


def einsum(equation: str, *operands: object) -> Tensor:
    """Einstein summation (``torch.einsum``): ``einsum("bij,bjk->bik", a, b)`` is a batched matmul.

    Operands may also come as one list (``einsum(eq, [a, b])``), or in PyTorch's sublist form,
    each operand followed by its dims as integers in [0, 52) (``...`` as ``Ellipsis``) and
    optionally the output's last: ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` is ``"ab,bc->ac"``.
    ``...`` stands for broadcast dims; without ``->`` the output is the letters used once,
    sorted. NumPy's ``einsum`` with ``optimize=True`` picks the contraction
    order. Cost: that of the cheapest pairwise contraction order.
    """
    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation, *operands))
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return _most_derived(operands)._einsum(equation, list(operands))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_equation(args: tuple) -> tuple[str, tuple]:
    """``(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", (a, b))``: the sublist form as an equation."""

    def letters(sublist: object) -> str:
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(
                f"einsum: in the sublist form each operand is followed by a list of its dims, got "
                f"{type(sublist).__name__}; write einsum(a, [0, 1], b, [1, 2]) or einsum('ij,jk', a, b)"
            )
        out = []
        for dim in sublist:
            if dim is Ellipsis:
                out.append("...")
            elif isinstance(dim, int) and not isinstance(dim, bool) and 0 <= dim < len(_LETTERS):
                out.append(_LETTERS[dim])
            else:
                raise ValueError(f"einsum: a sublist's dims must be integers in [0, 52) or ..., got {dim!r}")
        return "".join(out)

    pairs, output = args[: len(args) // 2 * 2], args[len(args) // 2 * 2 :]
    operands = tuple(pairs[0::2])
    inputs = ",".join(letters(sublist) for sublist in pairs[1::2])
    return (inputs + "->" + letters(output[0]) if output else inputs), operands


def _method(name: str) -> Callable[..., object]:
    """``f(input, *args, **kwargs)`` that calls ``input.<name>(*args, **kwargs)``.

    The methods that take their int list one by one (``x.flip(0, 1)``, ``x.squeeze(0, 1)``:
    :data:`~tt_tensor.keyword_aliases.LIST_NAMES`) take it as one argument here, as PyTorch's
    ``torch.flip(x, (0, 1))`` does (``torch.flip(x, 0, 1)`` is refused).
    """
    one_list = name in LIST_NAMES

    def function(input: object, *args: object, **kwargs: object) -> object:  # noqa: A002
        if one_list and len(args) > 1:
            raise TypeError(
                f"{name}() takes 2 positional arguments but {len(args) + 1} were given (give the dims or "
                f"sizes as one tuple: {name}(input, (...)), as PyTorch)"
            )
        if not isinstance(input, Tensor):
            try:
                input = Tensor(input)  # noqa: A001
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"{name}: argument 'input' must be a tensor (or numbers to make one), got "
                    f"{type(input).__name__}: {error}"
                ) from None
        for arg in args:  # an operand that batches this form (vmap's batched tensors) after a plain one
            if name in getattr(arg, "_functional_forms", ()):
                return getattr(type(arg), name)(input, *args, **kwargs)
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"Functional form of :meth:`Tensor.{name}`: ``tt.{name}(x, ...)`` is ``x.{name}(...)``."
    )
    return function


# element-wise
add, sub, mul, div, pow, neg = (_method(n) for n in ("add", "sub", "mul", "div", "pow", "neg"))  # noqa: A001
exp, log, sqrt, rsqrt, reciprocal, abs, sign = (  # noqa: A001
    _method(n) for n in ("exp", "log", "sqrt", "rsqrt", "reciprocal", "abs", "sign")
)
sin, cos, tanh, sigmoid, relu, square = (
    _method(n) for n in ("sin", "cos", "tanh", "sigmoid", "relu", "square")
)
clamp, clip, maximum, minimum = (_method(n) for n in ("clamp", "clip", "maximum", "minimum"))
floor, ceil, round = (_method(n) for n in ("floor", "ceil", "round"))  # noqa: A001
# comparisons
eq, ne, lt, le, gt, ge = (_method(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
isnan, isfinite, logical_not, allclose, equal = (
    _method(n) for n in ("isnan", "isfinite", "logical_not", "allclose", "equal")
)
# reductions
sum, mean, var, std, prod, norm = (_method(n) for n in ("sum", "mean", "var", "std", "prod", "norm"))  # noqa: A001
max, min, amax, amin, argmax, argmin = (  # noqa: A001
    _method(n) for n in ("max", "min", "amax", "amin", "argmax", "argmin")
)
logsumexp, all, any, cumsum = (_method(n) for n in ("logsumexp", "all", "any", "cumsum"))  # noqa: A001
softmax, log_softmax = (_method(n) for n in ("softmax", "log_softmax"))
# shape
reshape, transpose, permute, squeeze, unsqueeze, flatten = (
    _method(n) for n in ("reshape", "transpose", "permute", "squeeze", "unsqueeze", "flatten")
)
chunk, unbind, flip, narrow = (_method(n) for n in ("chunk", "unbind", "flip", "narrow"))
_split = _method("split")


def split(tensor: Tensor, split_size_or_sections: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor.split(split_size_or_sections, dim)``, by ``torch.split``'s names (``tensor=``, not
    ``input=``)."""
    return _split(tensor, split_size_or_sections, dim)


# indexing and linear algebra
gather, index_select, masked_fill, tril, triu = (
    _method(n) for n in ("gather", "index_select", "masked_fill", "tril", "triu")
)
matmul, mm, bmm, dot = (_method(n) for n in ("matmul", "mm", "bmm", "dot"))
# ordering, rolling and scattering
sort, argsort, topk, roll, diag, outer = (
    _method(n) for n in ("sort", "argsort", "topk", "roll", "diag", "outer")
)
masked_select, scatter, scatter_add = (_method(n) for n in ("masked_select", "scatter", "scatter_add"))

# The functional forms only: not Tensor, the typing helpers or private names.
__all__ = sorted(
    name
    for name, value in dict(globals()).items()
    if callable(value)
    and not name.startswith("_")
    and name not in {"Tensor", "Callable", "Sequence", "annotations", "batchable"}
)
