"""Sampling functions beyond the exercises: ``bernoulli``, ``normal`` and ``poisson`` of tensors.

PyTorch's ``torch.bernoulli``, ``torch.normal`` and ``torch.poisson``: each
draws one random value per element of its parameters, from the default
generator (so ``manual_seed`` makes them reproducible) or from ``generator=``.
They are not differentiable (the results are new tensors with no history;
PyTorch gives ``normal``'s ``mean`` a zero gradient, which is the same thing
for every optimiser). Cost: one vectorised NumPy draw over the output.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import random
from .checks import parse_size
from .dtypes import dtype_argument, get_default_dtype
from .random import Generator, numpy_generator
from .tensor import Tensor


def _float_array(op: str, name: str, value: object) -> np.ndarray:
    """A tensor argument's array; a float dtype is required (sampling makes floats)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(value).__name__}")
    if value.array.dtype.kind != "f":
        raise TypeError(
            f"{op}: {name} must be a floating-point tensor, got {value.dtype}; convert it with .float()"
        )
    return value.array


@random.drawn
def bernoulli(
    input: Tensor,  # noqa: A002
    p: float | None = None,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """1 with probability ``input`` (element-wise), else 0, in ``input``'s dtype (``torch.bernoulli``).

    ``bernoulli(input, p)`` draws with the one probability ``p`` everywhere instead,
    with ``input``'s shape and dtype.

    Example:
        >>> import tt_tensor as tt
        >>> tt.bernoulli(tt.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    probs = _float_array("bernoulli", "input", input)
    chance = probs if p is None else p
    return Tensor.from_array(random.bernoulli("bernoulli", probs.shape, probs.dtype, chance, generator))


@random.drawn
def normal(
    mean: Tensor | float,
    std: Tensor | float = 1.0,
    size: tuple[int, ...] | None = None,
    *,
    generator: Generator | None = None,
    dtype: object = None,
) -> Tensor:
    """Normal samples with element-wise ``mean`` and ``std`` (``torch.normal``'s four forms).

    * ``normal(mean_tensor, std_tensor)``: shapes broadcast; the dtype is the tensors'.
    * ``normal(mean_tensor, std=1.0)`` and ``normal(mean_float, std_tensor)``: the tensor's shape.
    * ``normal(mean_float, std_float, size)``: ``size`` is required; the default dtype unless ``dtype``.

    Raises:
        RuntimeError: a negative ``std``, or two number arguments without ``size``.

    Example:
        >>> import tt_tensor as tt
        >>> tt.normal(tt.zeros(2, 3), 1.0).shape
        tt.Size([2, 3])
    """
    tensors = [(name, v) for name, v in (("mean", mean), ("std", std)) if isinstance(v, Tensor)]
    for name, value in (("mean", mean), ("std", std)):
        if not isinstance(value, (Tensor, numbers.Real)) or isinstance(value, bool):
            raise TypeError(f"normal: {name} must be a tensor or a number, got {type(value).__name__}")
    if tensors:
        if size is not None:
            raise RuntimeError(
                "normal: size is only for number mean and std; a tensor argument sets the shape"
            )
        arrays = [_float_array("normal", name, value) for name, value in tensors]
        out_dtype = np.result_type(*arrays)
        mean_array = mean.array if isinstance(mean, Tensor) else np.asarray(mean, dtype=out_dtype)
        std_array = std.array if isinstance(std, Tensor) else np.asarray(std, dtype=out_dtype)
        try:
            shape = np.broadcast_shapes(mean_array.shape, std_array.shape)
        except ValueError:
            raise RuntimeError(
                f"normal: mean of shape {mean_array.shape} and std of shape {std_array.shape} "
                "do not broadcast"
            ) from None
    else:
        if size is None:
            raise RuntimeError("normal: with a number mean and std, pass size (e.g. normal(0.0, 1.0, (3,)))")
        shape = parse_size("normal", (size,))
        out_dtype = (get_default_dtype() if dtype is None else dtype_argument("normal", dtype)).numpy
        mean_array, std_array = np.asarray(mean, dtype=out_dtype), np.asarray(std, dtype=out_dtype)
    if np.any(std_array < 0) or np.any(np.isnan(std_array)):
        raise RuntimeError("normal: expects all elements of std >= 0.0 (a standard deviation)")
    noise = random.normal("normal", shape, out_dtype, generator=generator)
    return Tensor.from_array((noise * std_array + mean_array).astype(out_dtype, copy=False))


@random.drawn
def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Poisson counts with element-wise rates ``input``, as floats of ``input``'s dtype (``torch.poisson``).

    Example:
        >>> import tt_tensor as tt
        >>> tt.poisson(tt.zeros(3))
        tensor([0., 0., 0.])
    """
    rates = _float_array("poisson", "input", input)
    if np.any(rates < 0) or not np.all(np.isfinite(rates)):
        raise RuntimeError("poisson: rates (input) must be finite and non-negative")
    counts = numpy_generator(generator).poisson(rates.astype(np.float64), rates.shape)
    return Tensor.from_array(counts.astype(rates.dtype, copy=False))


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial draws: successes in ``count`` trials of chance ``prob``, element-wise (``torch.binomial``).

    ``count`` and ``prob`` are floating-point tensors that broadcast together; the result
    has their broadcast shape and ``count``'s dtype.

    Example:
        >>> import tt_tensor as tt
        >>> tt.binomial(tt.tensor([5.0, 5.0]), tt.tensor([0.0, 1.0]))
        tensor([0., 5.])
    """
    if isinstance(count, Tensor) and count.array.dtype.kind != "f":
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {count.dtype}")
    trials, chances = _float_array("binomial", "count", count), _float_array("binomial", "prob", prob)
    try:
        shape = np.broadcast_shapes(trials.shape, chances.shape)
    except ValueError:
        raise RuntimeError(
            f"binomial: count of shape {trials.shape} and prob of shape {chances.shape} do not broadcast"
        ) from None
    if np.any(trials < 0) or not np.all(np.isfinite(trials)) or np.any(trials != np.floor(trials)):
        raise RuntimeError("binomial: count must hold finite whole numbers >= 0 (numbers of trials)")
    if np.any((chances < 0) | (chances > 1)) or np.any(np.isnan(chances)):
        raise RuntimeError("binomial: prob must be in [0, 1]")
    draws = numpy_generator(generator).binomial(trials.astype(np.int64), chances.astype(np.float64), shape)
    return Tensor.from_array(draws.astype(trials.dtype, copy=False))
