"""vmap's ``randomness`` option for TinyTorch's random tensor functions, as in PyTorch 2.13.

``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``poisson``,
``multinomial`` and the ``_like`` forms (the functions tt-tensor marks with
:func:`tt_tensor.random.drawn`, and the tensor methods ``bernoulli``/``multinomial``) come here
while a vmap runs:

* ``"error"`` (the default): PyTorch's error;
* ``"different"``: one independent draw per sample (the call runs once per sample, each sample's
  batched arguments cut out, and the draws stacked into a batched result);
* ``"same"``: one draw, shared by the samples (an unbatched result, which broadcasts); a batched
  tensor argument (``bernoulli(p)`` with a batched ``p``) is refused, as PyTorch refuses it. The
  ``_like`` forms read only their input's shape and dtype, so a batched input is fine there.

The in-place fills of a batched tensor (``uniform_``, ``normal_``, ``bernoulli_``, ...) follow the
same modes (:func:`fill`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .batched import STATE, BatchedTensor, _replaced, _tensors, each_sample, physical
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
    return each_sample(function.__name__, lambda *a, **k: _run(function, a, k), args, kwargs, levels, sizes)


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
        out = function(*args, **kwargs)
    return out if isinstance(out, Tensor) else Tensor.from_array(out.array)  # (tt-tensor's draws)


def _one_sample(value: BatchedTensor) -> Tensor:
    return Tensor.from_array(np.zeros(value.shape, dtype=value.array.dtype))
