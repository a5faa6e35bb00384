"""Batched tensors, the values ``vmap`` runs ``func`` on (:mod:`tt_autograd.vmap_transform`).

A :class:`BatchedTensor` is a tensor whose array is PHYSICAL: one leading
dimension per vmap level it is batched over (``_levels``, ascending: the
outermost vmap first), then the LOGICAL dimensions ``func`` sees. ``shape``,
``ndim``, ``size()``, ``numel()`` and ``len()`` answer for the logical part, so
code written for one sample runs unchanged; every operation then runs once on
the physical arrays (no loop over samples), through a batching rule
(:mod:`tt_autograd._vmap_rules`) that translates the logical call: dims shift
past the batch dims, operands are aligned so the batch dims broadcast against
each other, shapes get the batch sizes in front. The graph records the physical
operations, so autograd sees one batched computation whose samples are
independent.

Inside a rule (:func:`physical`) the same tensors show their physical shapes and
the rules are off, so the framework's own operations run as usual. An operation
without a rule falls back to a loop over the samples, with a warning naming it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from tt_tensor import Size, shaping
from tt_tensor.checks import normalize_dim

from .functions.shape import ExpandFunction, StackFunction, ViewFunction
from .tensor import Tensor


class _State:
    """The running vmaps: ``levels`` lists ``(level, batch size, randomness)``, outermost first;
    ``physical`` counts the rules running (then tensors show physical shapes and rules are off)."""

    def __init__(self) -> None:
        self.levels: list[tuple[int, int, str]] = []
        self.physical = 0


STATE = _State()


@contextmanager
def physical() -> Iterator[None]:
    """Run the framework's own operations on physical arrays (no batching rules, physical shapes)."""
    STATE.physical += 1
    try:
        yield
    finally:
        STATE.physical -= 1


class _FromArray:
    """``from_array``: through a batched instance (logical mode) a tensor batched like it, so the
    inherited ``detach``/``data``/dtype conversions keep the batch; otherwise a plain tensor."""

    def __get__(self, obj: object, owner: type) -> Callable:
        if obj is None or STATE.physical:
            return Tensor.from_array
        levels = obj._levels
        return lambda array: wrap(Tensor.from_array(array), levels)


def _refuse(what: str) -> Callable:
    def refused(self, *args: object, **kwargs: object) -> object:
        if STATE.physical:
            return getattr(Tensor, what)(self, *args, **kwargs)
        if what == "__bool__":
            raise RuntimeError(
                "vmap: a tensor's truth value is used inside func (data-dependent control flow such as "
                "`if x > 0:`); each sample may differ, so vmap cannot take one branch. Write it with "
                "tensor operations instead, e.g. torch.where(x > 0, a, b)"
            )
        raise RuntimeError(
            f"vmap: {what.strip('_')}() reads a tensor's Python values inside func, which vmap cannot do "
            "(the tensor holds every sample at once); rewrite it with tensor operations"
        )

    return refused


class BatchedTensor(Tensor):
    """A tensor batched over the vmap levels ``_levels`` (module docstring); made by :func:`wrap`."""

    _levels: tuple[int, ...] = ()
    from_array = _FromArray()
    #: ``torch.dot(plain, batched)`` and the like take this class's form (tt_tensor.functional).
    _functional_forms = ("dot", "mv", "mm", "bmm", "allclose", "equal")

    @property
    def shape(self) -> Size:
        shape = self.array.shape
        return tuple.__new__(Size, shape if STATE.physical else shape[len(self._levels) :])

    @property
    def ndim(self) -> int:
        return self.array.ndim - (0 if STATE.physical else len(self._levels))

    def dim(self) -> int:
        return self.ndim

    def size(self, dim: int | None = None) -> Size | int:
        shape = self.shape
        return shape if dim is None else shape[normalize_dim("size", dim, len(shape))]

    def numel(self) -> int:
        return math.prod(self.shape)

    nelement = numel

    def __len__(self) -> int:
        if not STATE.physical and self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def detach(self) -> Tensor:
        return wrap(Tensor.detach(self), self._levels)

    item = _refuse("item")
    tolist = _refuse("tolist")
    numpy = _refuse("numpy")
    __bool__ = _refuse("__bool__")
    __float__ = _refuse("__float__")
    __int__ = _refuse("__int__")
    __index__ = _refuse("__index__")
    __complex__ = _refuse("__complex__")
    __array__ = _refuse("__array__")

    def __repr__(self) -> str:
        with physical():
            inner = Tensor.__repr__(self)
        return f"BatchedTensor(levels={self._levels}, bdims=0..{len(self._levels) - 1}, value={inner})"


def wrap(tensor: Tensor, levels: tuple[int, ...]) -> Tensor:
    """``tensor`` (a fresh result whose array is physical) marked as batched over ``levels``."""
    if not levels:
        return tensor
    if type(tensor) is not BatchedTensor:
        tensor.__class__ = BatchedTensor
    tensor._levels = tuple(levels)
    return tensor


def levels_of(value: object) -> tuple[int, ...]:
    return value._levels if type(value) is BatchedTensor else ()


def union(values: object) -> tuple[tuple[int, ...], dict[int, int]]:
    """The levels the batched ``values`` are batched over, ascending, and each level's size."""
    sizes: dict[int, int] = {}
    for value in values:
        for position, level in enumerate(levels_of(value)):
            sizes[level] = value.array.shape[position]
    return tuple(sorted(sizes)), sizes


def logical_ndim(value: object) -> int:
    if type(value) is BatchedTensor:
        return value.array.ndim - len(value._levels)
    return value.array.ndim if isinstance(value, Tensor) else np.ndim(value)


def aligned(value: Tensor, levels: tuple, sizes: dict, ndim: int, expand: bool = False) -> Tensor:
    """``value``'s physical tensor laid out as ``levels`` (size 1 where it is not batched, or the batch
    size with ``expand``), then its logical dims padded in front with 1s to ``ndim``. Physical mode."""
    own = levels_of(value)
    with physical():
        shape = value.array.shape
        logical = shape[len(own) :]
        batch = [shape[own.index(level)] if level in own else 1 for level in levels]
        target = (*batch, *(1,) * (ndim - len(logical)), *logical)
        if target != shape:
            value = ViewFunction.apply(value, kernel=shaping.reshape, args=(target,))
        if expand and any(b != sizes[level] for b, level in zip(batch, levels)):
            full = (*(sizes[level] for level in levels), *target[len(levels) :])
            value = ExpandFunction.apply(value, sizes=full)
    return value


def per_sample(name: str, call: Callable, args: tuple, kwargs: dict) -> object:
    """``call`` once per sample (a slow loop, with a warning naming ``name``): the fallback of an
    operation that has no batching rule. Batched tensors in ``args``/``kwargs`` (also inside lists and
    tuples) are cut into samples; the results are stacked back into batched tensors."""
    everything = [*_tensors(args), *_tensors(kwargs)]
    levels, sizes = union(everything)
    count = math.prod(sizes[level] for level in levels)
    warnings.warn(
        f"vmap: there is no batching rule for {name}, so it runs as a Python loop over the {count} "
        "samples (slow); the results are the same",
        UserWarning,
        stacklevel=3,
    )
    return each_sample(name, call, args, kwargs, levels, sizes)


def each_sample(name: str, call: Callable, args: tuple, kwargs: dict, levels: tuple, sizes: dict) -> object:
    """``call`` once per sample of the vmap ``levels`` (of sizes ``sizes``), the batched tensors in
    ``args``/``kwargs`` cut into samples, the results stacked into tensors batched over ``levels``
    (and what the calls append to their copies of a list argument appended to it, batched)."""
    count = math.prod(sizes[level] for level in levels)
    flat = {}
    for value in [*_tensors(args), *_tensors(kwargs)]:
        if type(value) is BatchedTensor and id(value) not in flat:
            full = aligned(value, levels, sizes, logical_ndim(value), expand=True)
            with physical():
                flat[id(value)] = full.reshape(count, *value.array.shape[len(value._levels) :])
    results, appended = [], []
    for i in range(count):
        with physical():
            pick = {key: tensor[i] for key, tensor in flat.items()}
        copies: list = []  # (a list argument, the sample's copy of it)
        results.append(call(*_replaced(args, pick, copies), **_replaced(kwargs, pick, copies)))
        appended.append([(given, copy[len(given) :]) for given, copy in copies])
    _append_batched(name, appended, levels, sizes)
    return _stacked(name, results, levels, sizes)


def _append_batched(name: str, appended: list, levels: tuple, sizes: dict) -> None:
    """What the samples' calls appended to their copies of a list argument (a Function returning
    results that way, as max pooling's indices), appended to the list given: per position, the
    samples' arrays (or NumPy scalars) stacked with the batch dims in front (physical, as a rule
    appends them, so ``out.from_array`` batches them). Anything else cannot be batched: an error,
    not a lost result. Cost: one stack per appended array."""
    batch = tuple(sizes[level] for level in levels)
    for lists in zip(*appended):  # one list argument: (given, what sample i appended) per sample
        given, news = lists[0][0], [new for _, new in lists]
        if not any(news):
            continue
        arrays = all(isinstance(item, (np.ndarray, np.generic)) for new in news for item in new)
        alike = len({len(new) for new in news}) == 1 and all(
            len({np.shape(new[position]) for new in news}) == 1 for position in range(len(news[0]))
        )
        if not (arrays and alike):
            seen = [[f"{type(item).__name__}{np.shape(item)}" for item in new] for new in news]
            raise RuntimeError(
                f"vmap: {name} has no batching rule and appended to a list argument in the per-sample "
                f"loop (per sample: {seen}); only "
                "NumPy arrays, as many per sample and each of one shape across the samples, can be "
                "batched: give the op a batching rule "
                "(tt_autograd._vmap_rules) or return the result instead of appending it"
            )
        for position in range(len(news[0])):
            stacked = np.stack([new[position] for new in news])
            given.append(stacked.reshape(*batch, *stacked.shape[1:]))


def _stacked(name: str, results: list, levels: tuple, sizes: dict) -> object:
    first = results[0]
    if isinstance(first, tuple):
        parts = [_stacked(name, [r[k] for r in results], levels, sizes) for k in range(len(first))]
        return type(first)(*parts) if hasattr(first, "_fields") else tuple(parts)
    if not isinstance(first, Tensor):
        raise RuntimeError(
            f"vmap: {name} returned {type(first).__name__}, not a tensor, so its per-sample results cannot "
            "be batched"
        )
    batch = tuple(sizes[level] for level in levels)
    with physical():
        stacked = StackFunction.apply(*results, dim=0)
        out = ViewFunction.apply(stacked, kernel=shaping.reshape, args=((*batch, *first.shape),))
    return wrap(out, levels)


def _tensors(value: object) -> Iterator:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _replaced(value: object, pick: dict, copies: list | None = None) -> object:
    """``value`` with the tensors of ``pick`` (by id) replaced; lists, tuples and dicts are copied (each
    list and its copy recorded in ``copies``, if given)."""
    if isinstance(value, Tensor):
        return pick.get(id(value), value)
    if isinstance(value, list):
        copy = [_replaced(v, pick, copies) for v in value]
        if copies is not None:
            copies.append((value, copy))
        return copy
    if isinstance(value, tuple):
        items = [_replaced(v, pick, copies) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {k: _replaced(v, pick, copies) for k, v in value.items()}
    return value
