"""vmap's ``randomness`` option for TinyTorch's random tensor functions, as in PyTorch 2.13.

``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``poisson``,
``multinomial`` and the ``_like`` forms (the functions tt-tensor marks with
:func:`tt_tensor.random.drawn`, and the tensor methods ``bernoulli``/``multinomial``) come here
while a vmap runs:

* ``"error"`` (the default): PyTorch's error;
* ``"different"``: one independent draw per sample, in ONE call drawing the batch sizes in front of
  a sample's shape (:func:`_at_once`): the draws are element-wise and independent, so each sample's
  values have the distribution a call of its own gives (and, NumPy filling an array in order, the
  values a loop of calls would give). Batched arguments are expanded to the whole batch;
  ``multinomial`` draws each row on its own, so the samples' rows become its rows; ``randperm``
  shuffles each row of a ``(*batch, n)`` array on its own. Argument forms the function refuses run
  once per sample (so the error is its own);
* ``"same"``: one draw, shared by the samples (an unbatched result, which broadcasts); a batched
  tensor argument (``bernoulli(p)`` with a batched ``p``) is refused, as PyTorch refuses it. The
  ``_like`` forms read only their input's shape and dtype, so a batched input is fine there.

The in-place fills of a batched tensor (``uniform_``, ``normal_``, ``bernoulli_``, ...) follow the
same modes (:func:`fill`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import tt_tensor
from tt_tensor import numpy_generator
from tt_tensor.checks import check_count, parse_size

from .batched import (
    STATE,
    BatchedTensor,
    _replaced,
    _tensors,
    aligned,
    each_sample,
    levels_of,
    logical_ndim,
    physical,
    wrap,
)
from .tensor import Tensor

ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
    "'different' randomness flags on vmap or perform the randomness operation out of vmap"
)
INPLACE_UNBATCHED = (
    "vmap: Cannot ask for different inplace randomness on an unbatched tensor. This will appear like "
    "same randomness. Write the draw into a batched tensor, or use randomness='same'"
)
SAME_BATCHED = (
    "vmap: same randomness with a batched tensor input is not supported (as in PyTorch): one draw "
    "cannot follow each sample's values; use randomness='different', or draw outside func"
)


def draw(function: Callable, args: tuple, kwargs: dict) -> object:
    """``function(*args, **kwargs)`` (a random tensor function) under the running vmaps' randomness."""
    if STATE.physical:
        return function(*args, **kwargs)
    modes = {level: randomness for level, _, randomness in STATE.levels}
    if "error" in modes.values():
        raise RuntimeError(f"{ERROR} (the random operation: {function.__name__}())")
    inputs = [v for v in _tensors((args, kwargs)) if type(v) is BatchedTensor]
    if function.__name__.endswith("_like"):  # only the input's shape and dtype count: one sample's
        args, kwargs = _replaced((args, kwargs), {id(v): _one_sample(v) for v in inputs})
        inputs = []
    if any(modes[level] == "same" for v in inputs for level in v._levels):
        raise RuntimeError(SAME_BATCHED)
    # (the batched arguments' levels are among these: an "error" or "same" one was refused above)
    levels = tuple(level for level, randomness in modes.items() if randomness == "different")
    if not levels:  # "same" everywhere: one draw of one sample's shape, shared
        with physical():
            return function(*args, **kwargs)
    sizes = {level: size for level, size, _ in STATE.levels}
    with physical():
        out = _at_once(function, args, kwargs, levels, sizes)
    if out is not None:
        return wrap(_autograd(out), levels)
    return each_sample(function.__name__, lambda *a, **k: _run(function, a, k), args, kwargs, levels, sizes)


def _at_once(function: Callable, args: tuple, kwargs: dict, levels: tuple, sizes: dict) -> object:
    """Every sample's draw of ``function`` in one call, the physical result (the batch sizes of
    ``levels`` in front of one sample's shape); None for a draw that loops (module docstring).
    Runs in physical mode: batched arguments show their physical shapes."""
    batch = tuple(sizes[level] for level in levels)
    name = function.__name__
    try:
        bound = inspect.signature(function).bind(*args, **kwargs).arguments
    except TypeError:  # (arguments the function refuses: the loop raises its own error)
        return None
    first = next(iter(bound), None)  # the input of the _like forms, bernoulli, poisson, multinomial
    if name.endswith("_like"):  # (one sample's zeros, or an unbatched tensor: its shape is a sample's)
        source = bound[first]
        bound[first] = Tensor.from_array(np.zeros((*batch, *source.shape), dtype=source.array.dtype))
        return function(**bound)
    if name in ("bernoulli", "poisson", "multinomial"):  # (the functions and the methods)
        ndim = logical_ndim(bound[first])
        bound[first] = full = aligned(bound[first], levels, sizes, ndim, expand=True)
        if name != "multinomial":
            return function(**bound)
        if ndim not in (1, 2):
            return None
        bound[first] = full.reshape(-1, full.shape[-1])
        out = function(**bound)
        return out.reshape(*full.shape[:-1], out.shape[-1])
    if name in ("rand", "randn"):
        given, size = bound.pop("sizes", ()), bound.pop("size", None)
        if given and size is not None:
            return None
        return function(*batch, *parse_size(name, given if size is None else (size,)), **bound)
    if name == "randint":
        low, high, size = bound["low"], bound.get("high"), bound.get("size", ())
        if isinstance(high, (tuple, list)):  # randint(high, size); randint(high) it reads itself
            low, high, size = 0, low, high
        bound.update(low=low, high=high, size=(*batch, *parse_size(name, (size,))))
        return function(**bound)
    if name == "normal":
        return _normal(function, bound, levels, sizes, batch)
    # randperm: each row of (*batch, n) shuffled on its own, as the loop's permutation(n) calls would
    n = check_count("randperm", "n", bound["n"])
    rows = np.broadcast_to(np.arange(n, dtype=np.int64), (*batch, n))
    return Tensor.from_array(numpy_generator(bound.get("generator")).permuted(rows, axis=-1))


def _normal(function: Callable, bound: dict, levels: tuple, sizes: dict, batch: tuple) -> object:
    """``normal`` at once: number arguments draw ``(*batch, *size)``; tensor arguments are aligned
    (the first expanded to the whole batch), so their broadcast shape is the batch then a sample's."""
    tensors = [key for key in ("mean", "std") if isinstance(bound.get(key), tt_tensor.Tensor)]
    if not tensors:
        if bound.get("size") is None:
            return None
        bound["size"] = (*batch, *parse_size("normal", (bound["size"],)))
        return function(**bound)
    shapes = [bound[key].array.shape[len(levels_of(bound[key])) :] for key in tensors]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return None  # (the function's error names one sample's shapes)
    ndim = max(len(shape) for shape in shapes)
    for position, key in enumerate(tensors):
        bound[key] = aligned(bound[key], levels, sizes, ndim, expand=position == 0)
    return function(**bound)


def fill(method: Callable, target: BatchedTensor, args: tuple, kwargs: dict) -> BatchedTensor:
    """An in-place random fill (``uniform_``, ``normal_``, ...) of a batched ``target``: with
    "different" each sample its own values, with "same" one sample's values written into every sample
    (an unbatched target is the plain method's: one draw, which "different" refuses, as PyTorch)."""
    if STATE.physical:
        return method(target, *args, **kwargs)
    modes = {level: randomness for level, _, randomness in STATE.levels}
    if "error" in modes.values():
        raise RuntimeError(f"{ERROR} (the random operation: {method.__name__}())")
    if any(randomness == "different" and level not in target._levels for level, randomness in modes.items()):
        raise RuntimeError(INPLACE_UNBATCHED)
    with physical():
        batch = [1 if modes[level] == "same" else size for level, size in zip(target._levels, target.shape)]
        drawn = Tensor.from_array(np.zeros((*batch, *target.shape[len(batch) :]), dtype=target.array.dtype))
        method(drawn, *args, **kwargs)
        target.copy_(drawn)  # (broadcast over the "same" levels)
    return target


def _run(function: Callable, args: tuple, kwargs: dict) -> Tensor:
    with physical():
        return _autograd(function(*args, **kwargs))


def _autograd(out: object) -> Tensor:
    return out if isinstance(out, Tensor) else Tensor.from_array(out.array)  # (tt-tensor's draws)


def _one_sample(value: BatchedTensor) -> Tensor:
    return Tensor.from_array(np.zeros(value.shape, dtype=value.array.dtype))
