"""Making tensors: from data, filled, ranges, identity, and random.

Sizes may be given as ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``. Float tensors get
the default dtype (float32) unless ``dtype`` says otherwise; ``arange`` and
``full`` infer int64 from integer arguments, as in PyTorch. Random functions
draw from the default generator unless one is passed.
"""

from __future__ import annotations

import numpy as np

from . import memory_formats as formats
from . import random
from .checks import check_count, parse_size
from .dtypes import check_kernel_dtype, default_complex, dtype_argument, get_default_dtype
from .random import Generator, numpy_generator
from .tensor import Tensor, to_array


def _float_dtype(dtype: object, op: str) -> np.dtype:
    """``op``'s ``dtype=`` as a NumPy dtype: the default float dtype when None, else checked as PyTorch's."""
    return get_default_dtype().numpy if dtype is None else dtype_argument(op, dtype).numpy


def _shape(name: str, sizes: tuple, size: object) -> tuple[int, ...]:
    """The shape from ``*sizes`` or the keyword ``size=`` (PyTorch accepts either, not both)."""
    if size is None:
        return parse_size(name, sizes)
    if sizes:
        raise TypeError(f"{name}: got sizes both as arguments {sizes} and as size={size!r}; pass one of them")
    return parse_size(name, (size,))


def tensor(data: object, dtype: object = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays or tensors)."""
    return Tensor.from_array(to_array(data, None if dtype is None else dtype_argument("tensor", dtype)))


def as_tensor(data: object, dtype: object = None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a NumPy array or tensor when it can."""
    checked = None if dtype is None else dtype_argument("as_tensor", dtype)
    return Tensor.from_array(to_array(data, checked, copy=None))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    return Tensor.from_array(to_array(array, copy=False))


def zeros(*sizes: int, size: object = None, dtype: object = None) -> Tensor:
    """A tensor of zeros."""
    return Tensor.from_array(np.zeros(_shape("zeros", sizes, size), dtype=_float_dtype(dtype, "zeros")))


def ones(*sizes: int, size: object = None, dtype: object = None) -> Tensor:
    """A tensor of ones."""
    return Tensor.from_array(np.ones(_shape("ones", sizes, size), dtype=_float_dtype(dtype, "ones")))


def empty(*sizes: int, size: object = None, dtype: object = None, memory_format: object = None) -> Tensor:
    """A tensor with uninitialised values (fast; fill it before reading), laid out in ``memory_format``."""
    values = np.empty(_shape("empty", sizes, size), dtype=_float_dtype(dtype, "empty"))
    if memory_format is not None and memory_format is not formats.contiguous_format:
        values = formats.arranged(values, formats.check_format("empty", memory_format, values.ndim))
    return Tensor.from_array(values)


def full(size: tuple[int, ...], fill_value: float | int | bool, dtype: object = None) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value's type unless given."""
    if dtype is not None:
        numpy_dtype = dtype_argument("full", dtype).numpy
    elif isinstance(fill_value, complex):
        numpy_dtype = default_complex()
    else:  # (a bool or int: its Python type's dtype; a float: the default)
        numpy_dtype = _float_dtype(type(fill_value) if isinstance(fill_value, (bool, int)) else None, "full")
    if isinstance(fill_value, complex) and numpy_dtype.kind != "c":  # PyTorch: only with imag 0
        if fill_value.imag:
            raise RuntimeError(f"full: the complex value {fill_value} cannot fill a {numpy_dtype} tensor")
        fill_value = fill_value.real
    return Tensor.from_array(np.full(parse_size("full", (size,)), fill_value, dtype=numpy_dtype))


def arange(
    start: float | None = None, end: float | None = None, step: float = 1, dtype: object = None
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end`` (``arange(n)``, ``arange(end=n)``: ``0..n-1``)."""
    if end is None:
        if start is None:
            raise TypeError("arange() missing 1 required positional argument: 'end'")
        start, end = 0, start
    elif start is None:  # (arange(end=5, ...): PyTorch's (end) form by name)
        start = 0
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: {name} must be a number, got {type(value).__name__} {value!r:.40}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        numpy_dtype = np.dtype(np.int64) if is_int else get_default_dtype().numpy
    else:
        numpy_dtype = dtype_argument("arange", dtype).numpy
        check_kernel_dtype("arange", numpy_dtype, "bc")  # (PyTorch has no bool or complex arange)
    return Tensor.from_array(np.arange(start, end, step, dtype=numpy_dtype))


def linspace(start: float, end: float, steps: int, dtype: object = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    steps = check_count("linspace", "steps", steps)
    numpy_dtype = _float_dtype(dtype, "linspace")
    check_kernel_dtype("linspace", numpy_dtype, "b")  # (PyTorch has no bool linspace)
    return Tensor.from_array(np.linspace(start, end, steps, dtype=numpy_dtype))


def eye(n: int, m: int | None = None, dtype: object = None) -> Tensor:
    """An ``n x m`` identity matrix (ones on the diagonal)."""
    n = check_count("eye", "n", n)
    m = None if m is None else check_count("eye", "m", m)
    return Tensor.from_array(np.eye(n, m, dtype=_float_dtype(dtype, "eye")))


def zeros_like(input: Tensor, dtype: object = None, *, memory_format: object = None) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s shape and dtype."""
    made = zeros(input.shape, dtype=input.dtype if dtype is None else dtype_argument("zeros_like", dtype))
    return Tensor.from_array(formats.like(made.array, input.array, memory_format, "zeros_like"))


def ones_like(input: Tensor, dtype: object = None, *, memory_format: object = None) -> Tensor:  # noqa: A002
    """Ones with ``input``'s shape and dtype."""
    made = ones(input.shape, dtype=input.dtype if dtype is None else dtype_argument("ones_like", dtype))
    return Tensor.from_array(formats.like(made.array, input.array, memory_format, "ones_like"))


def empty_like(input: Tensor, dtype: object = None, *, memory_format: object = None) -> Tensor:  # noqa: A002
    """An uninitialised tensor with ``input``'s shape and dtype."""
    made = empty(input.shape, dtype=input.dtype if dtype is None else dtype_argument("empty_like", dtype))
    return Tensor.from_array(formats.like(made.array, input.array, memory_format, "empty_like"))


def full_like(
    input: Tensor,  # noqa: A002
    fill_value: float,
    dtype: object = None,
    *,
    memory_format: object = None,
) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    made = full(
        input.shape, fill_value, dtype=input.dtype if dtype is None else dtype_argument("full_like", dtype)
    )
    return Tensor.from_array(formats.like(made.array, input.array, memory_format, "full_like"))


@random.drawn
def rand(
    *sizes: int, size: object = None, generator: Generator | None = None, dtype: object = None
) -> Tensor:
    """Uniform random values in ``[0, 1)`` (a float dtype; a complex one: each part so)."""
    shape = _shape("rand", sizes, size)
    return Tensor.from_array(random.uniform("rand", shape, _float_dtype(dtype, "rand"), generator=generator))


@random.drawn
def randn(
    *sizes: int, size: object = None, generator: Generator | None = None, dtype: object = None
) -> Tensor:
    """Standard normal random values (mean 0, variance 1; complex: each part of variance 1/2)."""
    shape = _shape("randn", sizes, size)
    return Tensor.from_array(random.normal("randn", shape, _float_dtype(dtype, "randn"), generator=generator))


@random.drawn
def randint(
    low: int | None = None,
    high: int | None = None,
    size: tuple[int, ...] = (),
    *,
    generator: Generator | None = None,
    dtype: object = None,
) -> Tensor:
    """Random integers in ``[low, high)``; ``randint(high, size)`` (or by name, ``randint(high=10,
    size=(3,))``) starts at 0, as in PyTorch."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        if low is None:
            raise TypeError("randint() missing 1 required argument: 'high'")
        low, high = 0, low
    elif low is None:  # (randint(high=..., size=...): PyTorch's (high, size) form by name)
        low = 0
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    numpy_dtype = np.int64 if dtype is None else dtype_argument("randint", dtype).numpy
    values = numpy_generator(generator).integers(low, high, parse_size("randint", (size,)))
    return Tensor.from_array(values.astype(numpy_dtype, copy=False))


@random.drawn
def randperm(n: int, *, generator: Generator | None = None, dtype: object = None) -> Tensor:
    """A random permutation of ``0..n-1`` (int64, or ``dtype``)."""
    n = check_count("randperm", "n", n)
    numpy_dtype = np.int64 if dtype is None else dtype_argument("randperm", dtype).numpy
    return Tensor.from_array(numpy_generator(generator).permutation(n).astype(numpy_dtype, copy=False))


def _drawn_like(draw, name: str):
    """``rand_like`` / ``randn_like``: ``draw`` with ``input``'s shape, dtype and (by default) layout."""

    def like(
        input: Tensor,  # noqa: A002
        generator: Generator | None = None,
        *,
        dtype: object = None,
        memory_format: object = None,
    ) -> Tensor:
        dtype = input.dtype if dtype is None else dtype_argument(name, dtype)
        made = draw(input.shape, generator=generator, dtype=dtype)
        return Tensor.from_array(formats.like(made.array, input.array, memory_format, name))

    like.__name__ = like.__qualname__ = name
    like.__doc__ = f":func:`{draw.__name__}` with ``input``'s shape and dtype (and layout, by default)."
    return like


rand_like = random.drawn(_drawn_like(rand, "rand_like"))
randn_like = random.drawn(_drawn_like(randn, "randn_like"))


@random.drawn
def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,  # noqa: A002
    generator: Generator | None = None,
) -> Tensor:
    """Draw category indices from the rows of ``input`` (non-negative weights, normalised here).

    Vectorised over rows by the Gumbel-top-k trick (without replacement) or
    inverse-CDF sampling (with replacement). Shape: ``(C,)`` or ``(N, C)`` in,
    ``(num_samples,)`` or ``(N, num_samples)`` out, int64.
    """
    weights = np.asarray(input, dtype=np.float64)
    if weights.ndim not in (1, 2) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError(
            f"multinomial: expected finite non-negative weights of 1 or 2 dims, got shape {weights.shape}"
        )
    rows = np.atleast_2d(weights)
    totals = rows.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError("multinomial: every row of weights must have a positive sum")
    if not replacement and num_samples > rows.shape[1]:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples from {rows.shape[1]} categories "
            "without replacement"
        )
    rng = numpy_generator(generator)
    if replacement:
        cdf = np.cumsum(rows / totals, axis=1)
        u = rng.random((rows.shape[0], num_samples))
        picks = (u[:, :, None] >= cdf[:, None, :]).sum(axis=2).clip(max=rows.shape[1] - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(rows) - np.log(-np.log(rng.random(rows.shape)))
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    picks = picks.astype(np.int64)
    return Tensor.from_array(picks if weights.ndim == 2 else picks[0])
