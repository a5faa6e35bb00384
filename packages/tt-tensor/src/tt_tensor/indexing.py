"""Indexing kernels: ``t[key]``, ``t[key] = v``, gather, masks and triangles, NumPy in and out.

A key may hold ints, slices, ``None``, ``...``, integer tensors/lists/arrays
(advanced indexing: a copy) and bool masks, with PyTorch's rules. NumPy's are the same but for
three things, mended here: lists (:func:`key_of` reads them as PyTorch), 0-d integer tensors
(PyTorch's are ints, giving a view: :func:`key_of` turns them into ints) and the place of the
broadcast dims of the index arrays. PyTorch applies the ints first (each removes its dim, as in
basic indexing) and then asks whether the remaining advanced indices are side by side; NumPy counts
the ints as advanced indices too, so ``x[0, :, [1, 2]]`` of a (2, 3, 4) ``x`` is (2, 3) in NumPy
and (3, 2) in PyTorch. :func:`torch_axes` gives the permutation from NumPy's order to PyTorch's
(:func:`index` applies it, a view of NumPy's result) and :func:`value_axes` the way back for a
value written by ``t[key] = v``.
Basic indexing (ints, slices, None, ...) returns a view.
"""

from __future__ import annotations

import warnings

import numpy as np

from .caller import user_stacklevel
from .checks import normalize_dim
from .pointwise import read_only_error


def convert_key(key: object) -> object:
    """Turn tensors and lists inside an index key into NumPy arrays; leave the rest alone."""
    # BEGIN SOLUTION 01
    # TODO: an index key with every Tensor replaced by its NumPy array and every list by np.asarray
    #   (§ How it is built, "A thin class over kernels"); tuples converted element by element.
    # HINT: a Tensor is anything with an `.array` attribute (getattr(key, "array", None)); recurse on tuples.
    if type(key) is tuple:
        return tuple(convert_key(k) for k in key)
    array = getattr(key, "array", None)
    if array is not None:
        return array
    if isinstance(key, list):
        return np.asarray(key)
    return key
    # END SOLUTION


def key_of(key: object) -> object:
    """:func:`convert_key` after PyTorch's two readings of a list that NumPy reads otherwise: an empty
    list selects nothing (an empty int64 index; NumPy's ``[]`` is a float array, refused), and a list
    of fewer than 32 items holding a tensor, a sequence, a slice, ``None`` or ``...`` is a tuple key
    (``x[[0, slice(None)]]`` is ``x[0, :]``; ``x[[[0, 1]]]`` is ``x[[0, 1]]``), as PyTorch's
    ``treatSequenceAsTuple``. Cost: one pass over the key's items."""
    if type(key) is tuple:
        return convert_key(tuple(_item_of(k) for k in key))
    if isinstance(key, list) and len(key) < 32 and any(_tuple_item(k) for k in key):
        return key_of(tuple(key))
    return convert_key(_item_of(key))


def _tuple_item(item: object) -> bool:
    """Whether ``item`` in a list key makes PyTorch read the list as a tuple."""
    return (
        item is None
        or item is Ellipsis
        or isinstance(item, (slice, list, tuple, np.ndarray))
        or getattr(item, "array", None) is not None
    )


def _item_of(item: object) -> object:
    """One index of a key as PyTorch reads it, where NumPy reads it otherwise (cost: a few type checks;
    a list is converted once):

    * a slice with a negative step is refused (PyTorch's ValueError; ``flip`` reverses);
    * a list: an empty one is an empty int64 index, floats are truncated to ints (PyTorch's
      ``x[[1.0]]`` is ``x[[1]]``); a NumPy array of floats too;
    * a 0-d integer tensor or array is the int it holds (PyTorch's ``x[torch.tensor(1)]`` is ``x[1]``,
      a view, where NumPy's ``a[np.array(1)]`` is a copy);
    * a uint8 tensor or array is a mask, with PyTorch's deprecation warning (NumPy: integer positions);
    * a tensor of another integer dtype than int32/int64 is refused, as PyTorch's (NumPy takes it).
    """
    if isinstance(item, slice):
        if item.step is not None and item.step < 0:
            raise ValueError(f"index: step must be greater than zero, got {item}; reverse with .flip(dim)")
        return item
    if isinstance(item, list):
        return _list_index(item)
    array = getattr(item, "array", None)
    if array is not None:
        return _tensor_index(item, array)
    if isinstance(item, np.ndarray):
        if item.dtype.kind == "f" and item.ndim:
            return item.astype(np.int64)  # (PyTorch turns a NumPy array into an int64 index)
        return _tensor_index(item, item)
    return item


def _list_index(item: list) -> object:
    """A list index as an array: empty as int64 (NumPy's ``[]`` is float), floats truncated as PyTorch."""
    if not item:
        return np.zeros(0, np.int64)
    try:
        array = np.asarray(item)
    except ValueError:
        return item  # (ragged: NumPy's own error)
    return array.astype(np.int64) if array.dtype.kind == "f" else array


def _tensor_index(item: object, array: np.ndarray) -> object:
    """A tensor (or NumPy array) index: 0-d integers as ints, uint8 as a mask, other dtypes refused."""
    kind = array.dtype.kind
    if array.dtype == np.uint8:
        if array.ndim:
            warnings.warn(
                "index: indexing with dtype uint8 is deprecated (PyTorch's too) and reads the tensor as a "
                "mask; use a bool tensor, mask.bool()",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        return array != 0
    if kind in "iu" and array.ndim == 0:
        return int(array)
    if array is item or kind not in "iu" or array.dtype in (np.int32, np.int64):
        return item  # (floats: NumPy's error, naming the shape)
    raise IndexError(
        f"index: tensors used as indices must be long, int, byte or bool tensors, got dtype {array.dtype}; "
        "convert with .long()"
    )


_ARRAY_OR_BOOL = (np.ndarray, bool, np.bool_)


def _is_int(item: object) -> bool:
    return isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))


def _items(key: tuple, ndim: int) -> list:
    """Each index of ``key`` (converted) after ``...`` is spelled out, as ``(kind, dims)``: kind
    ``"basic"`` (a slice, ``None``, a dim of ``...`` or a trailing dim: one dim of the result),
    ``"int"`` or ``"advanced"`` (an array or a bool: dims of the broadcast block); ``...`` also gives a
    ``"sep"`` of no dims, as it parts two advanced indices for NumPy even when it covers no dim."""
    rest = [("basic", 1)] * (ndim - sum(map(_spanned, key)))
    items = []
    for k in key:
        if k is Ellipsis:
            items += [("sep", 0), *rest]
        elif k is None or isinstance(k, slice):
            items.append(("basic", 1))
        else:
            items.append(("int", 0) if _is_int(k) else ("advanced", 0))
    return items if any(k is Ellipsis for k in key) else items + rest


def _spanned(item: object) -> int:
    """The dims of the indexed tensor ``item`` stands for: a mask its own, ``None``/``...``/a bool none."""
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return 0
    return item.ndim if isinstance(item, np.ndarray) and item.dtype == np.bool_ else 1


def _block_dims(item: object) -> int:
    """The dims ``item`` gives the broadcast block at least: an index array its own, a mask or a bool 1."""
    if isinstance(item, np.ndarray):
        return 1 if item.dtype == np.bool_ else item.ndim
    return 1 if isinstance(item, (bool, np.bool_)) else 0


def block_ndim(key: object) -> int:
    """The dims of the broadcast block of ``key``'s advanced indices (0: none, or 0-d ones only)."""
    return max(map(_block_dims, key if type(key) is tuple else (key,)), default=0)


def _block_start(items: list) -> int:
    """Where the broadcast block goes: at its first advanced index when they are side by side, else first."""
    at = [i for i, (kind, _) in enumerate(items) if kind in ("int", "advanced")]
    return sum(n for _, n in items[: at[0]]) if at[-1] - at[0] + 1 == len(at) else 0


def torch_axes(key: object, ndim: int) -> tuple | None:
    """The axes that take NumPy's ``a[key]`` (``a`` of ``ndim`` dims, ``key`` from :func:`key_of`) to
    PyTorch's order (``out.transpose(axes)``), or None when both agree. They differ when an int sits
    between an advanced index and a slice: NumPy counts it as an advanced index, PyTorch removes its
    dim first; and when ``...`` (even of no dims) sits between two advanced indices: a separator for
    NumPy, not for PyTorch. Cost: one pass over the key; no array is touched."""
    if type(key) is not tuple or not any([isinstance(k, _ARRAY_OR_BOOL) for k in key]):
        return None  # (a single index, or basic indexing: nothing moves)
    block = block_ndim(key)
    if block == 0 or sum(k is Ellipsis for k in key) > 1:
        return None  # (no index array: nothing moves; two ellipses: an error)
    if not any(map(_is_int, key)) and not any(k is Ellipsis for k in key):
        return None  # (no int and no ``...``: NumPy's order is PyTorch's)
    items = _items(key, ndim)
    numpy_at = _block_start(items)
    torch_at = _block_start([item for item in items if item[0] not in ("int", "sep")])
    if numpy_at == torch_at:
        return None
    others = [d for d in range(sum(n for _, n in items) + block) if not numpy_at <= d < numpy_at + block]
    return (*others[:torch_at], *range(numpy_at, numpy_at + block), *others[torch_at:])


def index(a: np.ndarray, key: object) -> np.ndarray:
    """``a[key]`` (``key`` from :func:`key_of`) in PyTorch's order of dims (:func:`torch_axes`)."""
    axes = torch_axes(key, a.ndim)
    out = getitem(a, key)
    return out if axes is None else out.transpose(axes)


def value_axes(shape: tuple, key: object, ndim: int) -> tuple | None:
    """How a value of ``shape`` written by PyTorch's ``t[key] = value`` (``t`` of ``ndim`` dims) gets
    to NumPy's order: ``(shape with leading 1s to the result's rank, axes)`` for
    ``value.reshape(shape).transpose(axes)``, or None when nothing moves (:func:`torch_axes`)."""
    axes = torch_axes(key, ndim)
    if axes is None:
        return None
    rank = len(axes)
    shape = tuple(shape)
    while len(shape) > rank and shape[0] == 1:  # (PyTorch drops a value's leading 1s)
        shape = shape[1:]
    if len(shape) > rank:
        return None  # (too many dims: the assignment's own error)
    return (1,) * (rank - len(shape)) + shape, tuple(int(d) for d in np.argsort(axes))


def check_value(dtype: np.dtype, key: object, value: object) -> None:
    """PyTorch's refusals for ``t[key] = value``: a list, tuple or NumPy array as the value (a number or
    a tensor only), and, with an advanced index in ``key`` (an index put), a tensor of another dtype
    than ``t``'s (basic indexing copies and casts; so does a one-element value under a single bool mask,
    PyTorch's ``masked_fill_`` path). Cost: a few type checks."""
    if isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"index assignment: can't assign a {type(value).__name__} to a tensor (PyTorch refuses it too); "
            "assign a number or a tensor: x[key] = torch.tensor(value)"
        )
    other = getattr(value, "array", None)
    if other is None or other.dtype == dtype:
        return
    arrays = [k for k in (key if type(key) is tuple else (key,)) if isinstance(k, np.ndarray)]
    if len(arrays) == 1 and arrays[0].dtype == np.bool_ and other.size == 1:
        return  # one bool mask and one value: PyTorch's masked_fill_ path, which casts
    if arrays:
        raise RuntimeError(
            "index assignment: Index put requires the source and destination dtypes match, got "
            f"{dtype} for the destination and {other.dtype} for the source; convert it with .to(x.dtype)"
        )


def setitem_value(value: object, key: object, ndim: int) -> object:
    """A NumPy ``value`` for :func:`setitem` with ``key`` in PyTorch's order of dims (:func:`value_axes`)."""
    moved = value_axes(np.shape(value), key, ndim)
    if moved is None:
        return value
    return np.reshape(value, moved[0]).transpose(moved[1])


def getitem(a: np.ndarray, key: object) -> np.ndarray:
    """``a[key]``; an out-of-range index names the tensor's shape.

    Selecting a single element gives a 0-d *view* (NumPy alone would give a
    detached scalar), so ``t[i].add_(1)`` changes ``t`` as in PyTorch.
    """
    # BEGIN SOLUTION 01
    # TODO: a[key], always as an ndarray (a 0-d view for a single
    #   element), never a NumPy scalar (§ Views and copies).
    # APPROACH: index; if the result is not an np.ndarray, index again with Ellipsis appended to get a
    #   0-d view; turn NumPy's IndexError into one that names the shape and the key (describe).
    try:
        out = a[key]
        if type(out) is not np.ndarray:  # a NumPy scalar: ask for the 0-d view instead
            out = a[(*key, Ellipsis) if type(key) is tuple else (key, Ellipsis)]
        return out
    except IndexError as error:
        raise IndexError(
            f"index: {error} (indexing a tensor of shape {a.shape} with {describe(key)})"
        ) from None
    # END SOLUTION


def setitem(a: np.ndarray, key: object, value: object) -> None:
    """``a[key] = value`` in place, broadcasting ``value`` (cast to ``a``'s dtype)."""
    # BEGIN SOLUTION 01
    # TODO: a[key] = value in place, with errors that say what went wrong (§ How it is built, "Errors a person
    #   can act on"): an IndexError naming shape and key, a read-only view, a shape that won't broadcast.
    # HINT: NumPy raises ValueError both for a read-only array (a.flags.writeable) and for a bad broadcast.
    try:
        a[key] = value
    except IndexError as error:
        raise IndexError(f"index assignment: {error} (tensor shape {a.shape}, key {describe(key)})") from None
    except ValueError:
        if not a.flags.writeable:
            raise read_only_error("index assignment") from None
        raise RuntimeError(
            f"index assignment: value of shape {np.shape(value)} cannot be broadcast to the selected "
            f"region {np.shape(a[key])} of a tensor of shape {a.shape}"
        ) from None
    # END SOLUTION


def describe(key: object) -> str:
    """A short description of an index key for error messages."""
    # BEGIN SOLUTION 01
    # TODO: a short text for an index key in error messages: arrays as array(shape), the rest as repr.
    # EXAMPLE: describe((slice(None), np.array([0, 2]))) == "[slice(None, None, None), array(2,)]"
    parts = key if type(key) is tuple else (key,)
    shown = [f"array{k.shape}" if isinstance(k, np.ndarray) else repr(k) for k in parts]
    return "[" + ", ".join(shown) + "]"
    # END SOLUTION


def gather(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """``out[i][j] = a[i][index[i][j]]`` along ``dim`` (PyTorch's ``gather``)."""
    # BEGIN SOLUTION 01
    # TODO: out[i][j] = a[i][index[i][j]] along dim (PyTorch's gather; § Exercises, "Indexing").
    # APPROACH: normalise dim; refuse a non-integer index or one of another rank; np.take_along_axis does it.
    # HINT: np.take_along_axis raises IndexError for an out-of-range index: add the shape and dim.
    axis = normalize_dim("gather", dim, a.ndim)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != a.ndim:
        raise RuntimeError(f"gather: index {index.shape} must have as many dims as the input {a.shape}")
    try:
        return np.take_along_axis(a, index, axis=axis)
    except IndexError as error:
        raise IndexError(f"gather: {error} (input shape {a.shape}, dim {dim})") from None
    # END SOLUTION


def index_select(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """Rows (or slices along ``dim``) of ``a`` picked by a 1-D integer ``index``."""
    # BEGIN SOLUTION 01
    # TODO: the slices of a along dim picked by a 1-D integer index (§ Exercises, "Indexing").
    # HINT: np.take(a, index, axis=axis); refuse a non-integer or multi-dimensional index first.
    axis = normalize_dim("index_select", dim, a.ndim)
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise TypeError(f"index_select: index must be a 1-D integer tensor, got {index.dtype} {index.shape}")
    try:
        return np.take(a, index, axis=axis)
    except IndexError as error:
        raise IndexError(f"index_select: {error} (input shape {a.shape}, dim {dim})") from None
    # END SOLUTION


def masked_fill(a: np.ndarray, mask: np.ndarray, value: object) -> np.ndarray:
    """A copy of ``a`` with ``value`` where the bool ``mask`` (broadcast to ``a``) is true."""
    # BEGIN SOLUTION 01
    # TODO: a copy of a holding value where the bool mask (broadcast to a) is true.
    # HINT: np.where(mask, value in a's dtype, a); a non-bool mask is
    #   a TypeError, a bad broadcast a RuntimeError.
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
    try:
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)
    except ValueError:
        raise RuntimeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to {a.shape}"
        ) from None
    # END SOLUTION


def triangle(op: str, a: np.ndarray, diagonal: int = 0) -> np.ndarray:
    """Lower (``op="tril"``) or upper (``"triu"``) triangle of the last two dims; the rest zeroed."""
    # BEGIN SOLUTION 01
    # TODO: tril/triu of the last two dims (diagonal shifts the boundary); fewer than 2 dims is an error.
    # HINT: np.tril and np.triu already work on the last two axes of a batch.
    if a.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions, got shape {a.shape}")
    return np.tril(a, diagonal) if op == "tril" else np.triu(a, diagonal)
    # END SOLUTION
