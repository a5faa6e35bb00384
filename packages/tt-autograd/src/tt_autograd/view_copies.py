"""PyTorch's ``*_copy`` functions: ``torch.view_copy``, ``permute_copy``, ``t_copy``, ``split_copy``, ...

Each is the view it names (``view``, ``permute``, ``t``, ``split``, ...) followed by a copy that owns
its memory: the result never aliases the input, so writing into one leaves the other as it was (the
functional forms that graph compilers rewrite views into). The gradient is the view's: both steps are
recorded ops (the view's own Function, then ``clone``), so first and higher-order gradients come from
rules that already exist. The copy is C-contiguous (``permute_copy``'s result is, as PyTorch's).

``out=`` is taken where PyTorch takes it. One tensor: it must have the result's dtype (PyTorch's
error otherwise); a different shape resizes it, with PyTorch's warning when it held elements; it is
returned. A list (``split_copy``, ``split_with_sizes_copy``, ``unbind_copy``): one tensor per piece,
each written as ``out[i].copy_(piece)`` (broadcast and cast as ``copy_``), and None is returned, as
PyTorch does. An ``out`` that requires grad is refused while grad mode is on, as in PyTorch. An input
that requires grad gives ``out`` its history (PyTorch records one whose backward raises, not
implemented): the gradient flows.

Differences: ``detach_copy``'s result does not require grad (PyTorch 2.13 marks it as requiring grad
with a backward that raises, not implemented). Not here: ``indices_copy``, ``values_copy`` and the
compressed-sparse ``*_indices_copy`` (PyTorch 2.13's CPU build has no kernel for them on sparse
tensors) and the private ``_*_copy`` names.

Cost: the view is O(ndim); the copy is one pass over the result's elements (``expand_copy`` writes
every expanded element).
"""

from __future__ import annotations

import warnings

import numpy as np
import tt_tensor
from tt_tensor.checks import NOT_GIVEN, check_bool, check_count, check_tensor, normalize_dim
from tt_tensor.dtype_view import view_dtype
from tt_tensor.dtypes import dtype_argument, is_dtype_like

from .grad_mode import _state

__all__ = [
    "alias_copy",
    "as_strided_copy",
    "detach_copy",
    "diagonal_copy",
    "expand_copy",
    "narrow_copy",
    "permute_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unsqueeze_copy",
    "view_as_complex_copy",
    "view_as_real_copy",
    "view_copy",
]


def _refuse_grad_out(op: str, out: tt_tensor.Tensor) -> None:
    if _state.enabled and out.requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, but one "
            "of the arguments requires grad."
        )


def _into(op: str, result: tt_tensor.Tensor, out: object) -> tt_tensor.Tensor:
    """``result`` (a fresh copy), or written into ``out`` (PyTorch's out= rules: the module docstring)."""
    if out is None:
        return result
    if not isinstance(out, tt_tensor.Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out.dtype != result.dtype:
        raise RuntimeError(
            f"{op}: Expected out tensor to have dtype {result.dtype}, but got {out.dtype} instead"
        )
    _refuse_grad_out(op, out)
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(
                f"{op}: an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape {list(result.shape)}. "
                "This behavior is deprecated (as in PyTorch): resize it to zero elements first",
                UserWarning,
                stacklevel=4,  # (the caller of the *_copy function, through _copy)
            )
        out.array = np.empty(result.shape, out.array.dtype)  # (a fresh storage, as a resize that grows)
    return out._adopt(op, result)


def _into_each(op: str, pieces: tuple, out: object) -> tuple | None:
    """``pieces`` (fresh copies), or each written into ``out[i]`` with ``copy_``; then None, as PyTorch."""
    if out is None:
        return pieces
    if not isinstance(out, (list, tuple)) or not all(isinstance(o, tt_tensor.Tensor) for o in out):
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if len(out) != len(pieces):
        raise RuntimeError(f"{op}: expected an out= argument of size {len(pieces)}, got size {len(out)}")
    for target in out:
        _refuse_grad_out(op, target)
    for target, piece in zip(out, pieces):
        target.copy_(piece)
    return None


def _copy(op: str, view: tt_tensor.Tensor, out: object) -> tt_tensor.Tensor:
    return _into(op, view.clone(), out)


def _sizes(op: str, name: str, value: object) -> tuple[int, ...]:
    """A sequence of ints (PyTorch's ``SymInt[]``: an int alone is refused, as its argument parser does)."""
    if not isinstance(value, (tuple, list)) and not (
        isinstance(value, tt_tensor.Tensor) and value.ndim == 1 and value.dtype.numpy.kind in "iu"
    ):
        raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, not {type(value).__name__}")
    return tuple(check_count(op, name, int(v) if isinstance(v, tt_tensor.Tensor) else v, None) for v in value)


def view_copy(input, size=NOT_GIVEN, *, dtype=NOT_GIVEN, out=None):  # noqa: A002
    """``torch.view_copy``: ``input.view(size)`` or ``input.view(dtype)`` as a new tensor.

    PyTorch's two forms: ``size`` a tuple of ints, or a dtype (by position, or as ``dtype=``). With a
    dtype, the bytes are read as that dtype (:mod:`tt_tensor.dtype_view`: the last dim scales by the
    ratio of element sizes, and must have stride 1 when they differ); that result is not
    differentiable, as PyTorch's.

    Example:
        >>> import tt_autograd
        >>> view_copy(tt_autograd.tensor([1.0]), tt_autograd.int32).item()  # float32 1.0's bits
        1065353216
    """
    input = check_tensor("view_copy", input)  # noqa: A001
    if is_dtype_like(size) and dtype is NOT_GIVEN:
        size, dtype = NOT_GIVEN, size
    if (size is NOT_GIVEN) == (dtype is NOT_GIVEN):
        raise TypeError(
            "view_copy(): give a size (a tuple of ints) or a dtype, one of them: view_copy(input, (2, 3)) "
            f"or view_copy(input, torch.int32), got size={size!r} and dtype={dtype!r}"
        )
    if dtype is not NOT_GIVEN:
        bytes_as = view_dtype(
            input.array, dtype_argument("view_copy", dtype), "view_copy"
        )  # (no gradient: read outside the graph)
        return _copy("view_copy", type(input).from_array(bytes_as), out)
    return _copy("view_copy", input.reshape(_sizes("view_copy", "size", size)), out)


def expand_copy(input, size, *, implicit: bool = False, out=None):  # noqa: A002
    """``torch.expand_copy``: ``input.expand(size)`` with every expanded element written out.

    ``implicit`` is accepted and has no effect, as in PyTorch.
    """
    input = check_tensor("expand_copy", input)  # noqa: A001
    check_bool("expand_copy", "implicit", implicit)
    return _copy("expand_copy", input.expand(_sizes("expand_copy", "size", size)), out)


def permute_copy(input, dims, *, out=None):  # noqa: A002
    """``torch.permute_copy``: ``input.permute(dims)``, laid out contiguously."""
    input = check_tensor("permute_copy", input)  # noqa: A001
    return _copy("permute_copy", input.permute(_sizes("permute_copy", "dims", dims)), out)


def t_copy(input, *, out=None):  # noqa: A002
    """``torch.t_copy``: ``input.t()`` (at most 2 dims), laid out contiguously."""
    return _copy("t_copy", check_tensor("t_copy", input).t(), out)


def transpose_copy(input, dim0: int, dim1: int, *, out=None):  # noqa: A002
    """``torch.transpose_copy``: ``input.transpose(dim0, dim1)``, laid out contiguously."""
    return _copy("transpose_copy", check_tensor("transpose_copy", input).transpose(dim0, dim1), out)


def squeeze_copy(input, dim=None, *, out=None):  # noqa: A002
    """``torch.squeeze_copy``: ``input.squeeze(dim)`` (every size-1 dim when ``dim`` is None)."""
    input = check_tensor("squeeze_copy", input)  # noqa: A001
    return _copy("squeeze_copy", input.squeeze() if dim is None else input.squeeze(dim), out)


def unsqueeze_copy(input, dim: int, *, out=None):  # noqa: A002
    """``torch.unsqueeze_copy``: ``input.unsqueeze(dim)``."""
    return _copy("unsqueeze_copy", check_tensor("unsqueeze_copy", input).unsqueeze(dim), out)


def select_copy(input, dim: int, index: int, *, out=None):  # noqa: A002
    """``torch.select_copy``: ``input.select(dim, index)``."""
    return _copy("select_copy", check_tensor("select_copy", input).select(dim, index), out)


def slice_copy(input, dim: int = 0, start=None, end=None, step: int = 1, *, out=None):  # noqa: A002
    """``torch.slice_copy``: ``input[..., start:end:step, ...]`` along ``dim`` (``step`` positive).

    ``start`` and ``end`` count from the end when negative and are clamped to the dim, as Python's.
    """
    input = check_tensor("slice_copy", input)  # noqa: A001
    dim = normalize_dim("slice_copy", dim, input.ndim)
    bounds = [
        check_count("slice_copy", name, v, None) if v is not None else None
        for name, v in (("start", start), ("end", end))
    ]
    if check_count("slice_copy", "step", step, None) <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    key = (slice(None),) * dim + (slice(bounds[0], bounds[1], step),)
    return _copy("slice_copy", input[key], out)


def diagonal_copy(input, offset: int = 0, dim1: int = 0, dim2: int = 1, *, out=None):  # noqa: A002
    """``torch.diagonal_copy``: ``input.diagonal(offset, dim1, dim2)``."""
    return _copy("diagonal_copy", check_tensor("diagonal_copy", input).diagonal(offset, dim1, dim2), out)


def detach_copy(input, *, out=None):  # noqa: A002
    """``torch.detach_copy``: ``input.detach()`` as a new tensor (outside any gradient history)."""
    return _copy("detach_copy", check_tensor("detach_copy", input).detach(), out)


def alias_copy(input, *, out=None):  # noqa: A002
    """``torch.alias_copy``: a copy of ``input`` (PyTorch's ``alias`` is the same tensor as a view);
    the gradient passes through unchanged."""
    return _copy("alias_copy", check_tensor("alias_copy", input), out)


def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):  # noqa: A002
    """``torch.as_strided_copy``: ``input.as_strided(size, stride, storage_offset)`` written out."""
    view = check_tensor("as_strided_copy", input).as_strided(size, stride, storage_offset)
    return _copy("as_strided_copy", view, out)


def unbind_copy(input, dim: int = 0, *, out=None):  # noqa: A002
    """``torch.unbind_copy``: ``input.unbind(dim)``, each piece a new tensor; ``out``: a list of them."""
    pieces = tuple(piece.clone() for piece in check_tensor("unbind_copy", input).unbind(dim))
    return _into_each("unbind_copy", pieces, out)


def split_copy(input, split_size: int, dim: int = 0, *, out=None):  # noqa: A002
    """``torch.split_copy``: ``input.split(split_size, dim)`` (an int: pieces of that size, the last
    one shorter), each piece a new tensor."""
    input = check_tensor("split_copy", input)  # noqa: A001
    split_size = check_count("split_copy", "split_size", split_size)
    pieces = tuple(piece.clone() for piece in input.split(split_size, dim))
    return _into_each("split_copy", pieces, out)


def split_with_sizes_copy(input, split_sizes, dim: int = 0, *, out=None):  # noqa: A002
    """``torch.split_with_sizes_copy``: ``input.split_with_sizes(split_sizes, dim)``, each piece new."""
    input = check_tensor("split_with_sizes_copy", input)  # noqa: A001
    sizes = list(_sizes("split_with_sizes_copy", "split_sizes", split_sizes))
    pieces = tuple(piece.clone() for piece in input.split_with_sizes(sizes, dim))
    return _into_each("split_with_sizes_copy", pieces, out)


def narrow_copy(input, dim: int, start: int, length: int, *, out=None):  # noqa: A002
    """``torch.narrow_copy``: ``input.narrow(dim, start, length)`` as a new tensor."""
    return _copy("narrow_copy", check_tensor("narrow_copy", input).narrow(dim, start, length), out)


def unfold_copy(input, dimension: int, size: int, step: int, *, out=None):  # noqa: A002
    """``torch.unfold_copy``: ``input.unfold(dimension, size, step)``, the windows as a new tensor."""
    return _copy("unfold_copy", check_tensor("unfold_copy", input).unfold(dimension, size, step), out)


def view_as_real_copy(input, *, out=None):  # noqa: A002
    """``torch.view_as_real_copy``: ``torch.view_as_real(input)`` (shape ``(..., 2)``) as a new tensor."""
    return _copy("view_as_real_copy", tt_tensor.view_as_real(input), out)


def view_as_complex_copy(input, *, out=None):  # noqa: A002
    """``torch.view_as_complex_copy``: ``torch.view_as_complex(input)`` (a last dim of 2) as a new tensor."""
    return _copy("view_as_complex_copy", tt_tensor.view_as_complex(input), out)
