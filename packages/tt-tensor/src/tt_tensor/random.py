"""Random numbers: a seeded :class:`Generator`, the default one behind ``manual_seed``, and the
sampling kernels (uniform, normal, Bernoulli) that the random tensor functions draw through.

Each generator wraps NumPy's PCG64 bit generator. Its state can be saved as a
uint8 tensor (``get_state``) and restored, so a checkpoint can carry the RNG
state without pickle: the bytes are the JSON of NumPy's state dictionary.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from .checks import check_number
from .dtypes import check_floating


class Generator:
    """A source of random numbers with its own seed, like ``torch.Generator``.

    Example:
        >>> import tt_tensor as tt
        >>> g = tt.Generator(0)
        >>> tt.rand(2, generator=g).equal(tt.rand(2, generator=tt.Generator(0)))
        True
    """

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(np.random.SeedSequence().entropy % 2**63 if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from ``seed``; returns the generator."""
        whole = isinstance(seed, float) and seed.is_integer()
        if isinstance(seed, bool) or not (isinstance(seed, (int, np.integer)) or whole):
            raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__} {seed!r:.40}")
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        """The seed the generator was last started from."""
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(np.random.SeedSequence().entropy % 2**63)
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (JSON bytes), for checkpoints."""
        from .tensor import Tensor

        payload = json.dumps({"seed": self._seed, "numpy": self.numpy.bit_generator.state}).encode()
        return Tensor.from_array(np.frombuffer(payload, dtype=np.uint8).copy())

    def set_state(self, state: object) -> Generator:
        """Restore a state made by :meth:`get_state`."""
        data = np.asarray(state, dtype=np.uint8).tobytes()
        try:
            payload = json.loads(data.decode())
            self._seed = int(payload["seed"])
            self.numpy.bit_generator.state = payload["numpy"]
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"set_state: not a TinyTorch generator state ({error})") from None
        return self


#: The generator used when no ``generator=`` is passed.
default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed the default generator was last started from."""
    return default_generator.initial_seed()


def seed() -> int:
    """Reseed the default generator from fresh entropy (``torch.seed``); returns the new seed."""
    return default_generator.seed()


@contextmanager
def fork_rng(devices: object = None, enabled: bool = True, **_device_options: object) -> Iterator[None]:
    """Inside the block draw as you like: on exit the default generator's state is restored.

    As ``torch.random.fork_rng``; ``devices`` (and PyTorch's ``device_type``) are accepted for the
    CPU-only case and ignored. With ``enabled=False`` the block changes nothing.
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(state: object) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(state)


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The ``np.random.Generator`` to draw from: ``generator``'s, or the default one's for ``None``.

    Public (``tt_tensor.numpy_generator``): code that samples with NumPy
    directly (data loaders, augmentations, initialisers) draws through it, so
    ``manual_seed`` and ``generator=`` arguments govern it as they govern ``rand``.
    """
    return (generator or default_generator).numpy


#: While ``vmap`` runs, the function every random tensor function's call goes through (set by
#: tt_autograd.vmap_transform): vmap's ``randomness`` option (refuse, a draw per sample, one shared draw).
DRAW_HOOK: list = []


def drawn(function: Callable) -> Callable:
    """``function``, a random tensor function (``rand``, ``normal``, ...), routed through
    :data:`DRAW_HOOK` while one is set (otherwise it is called as it is)."""

    @functools.wraps(function)
    def random_function(*args: object, **kwargs: object) -> object:
        if DRAW_HOOK:
            return DRAW_HOOK[0](function, args, kwargs)
        return function(*args, **kwargs)

    return random_function


# ----------------------------------------------------------------- sampling kernels (NumPy out)
# ``rand``/``randn`` and the in-place initialisers ``uniform_``/``normal_``/``bernoulli_``
# all draw through these, so one seed gives the same numbers whichever form is used.


def check_uniform_range(op: str, low: float, high: float, dtype: np.dtype) -> None:
    """PyTorch's checks of ``uniform_``'s ``[from, to)``: both finite and within ``dtype``'s range (NaN
    is neither), ``from <= to``; RuntimeError otherwise, before anything is drawn or written."""
    if (low, high) == (0.0, 1.0):
        return
    largest = float(np.finfo(dtype).max)
    for name, value in (("from", low), ("to", high)):
        if not -largest <= value <= largest:
            raise RuntimeError(f"{op}: {name} = {value} is out of bounds for {dtype}; give a finite value")
    if low > high:
        raise RuntimeError(
            f"{op} expects to return a [from, to) range, but found from={low} > to={high}; swap them"
        )


def uniform(
    op: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    low: float = 0.0,
    high: float = 1.0,
    generator: Generator | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Uniform values in ``[low, high)`` of the float ``dtype``, drawn in that dtype when NumPy can.

    A complex ``dtype`` gets its real and imaginary parts each drawn so, as in PyTorch. ``out``:
    a C-contiguous array of ``shape`` and ``dtype`` to draw into (an in-place fill of a float32 or
    float64 tensor: no temporary and no copy; the same numbers as without it); other dtypes ignore it.
    """
    if dtype.kind == "c":
        return _complex_parts(uniform(op, (*shape, 2), np.finfo(dtype).dtype, low, high, generator), dtype)
    check_floating(op, dtype)
    low, high = check_number(op, "from (a)", low), check_number(op, "to (b)", high)
    check_uniform_range(op, low, high, dtype)
    rng = numpy_generator(generator)
    if dtype in (np.float32, np.float64):
        out = rng.random(shape, dtype=dtype, out=_into(out, shape, dtype))
    else:
        out = rng.random(shape).astype(dtype)
    if low != 0.0 or high != 1.0:
        out *= high - low
        out += low
    return out


def normal(
    op: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    mean: float = 0.0,
    std: float = 1.0,
    generator: Generator | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Normal values with ``mean`` and standard deviation ``std``, of the float ``dtype``.

    A complex ``dtype`` gets PyTorch's complex normal: real and imaginary parts each
    ``N(mean, std^2 / 2)``, so ``E|z - mean(1 + i)|^2 = std^2``. ``out``: as :func:`uniform`'s.
    """
    mean, std = check_number(op, "mean", mean), check_number(op, "std", std)
    if dtype.kind == "c":
        parts = normal(op, (*shape, 2), np.finfo(dtype).dtype, mean, std * _HALF_SQRT2, generator)
        return _complex_parts(parts, dtype)
    check_floating(op, dtype)
    if not std >= 0:  # (NaN too, as PyTorch)
        raise RuntimeError(f"{op}: normal expects std >= 0.0, but found std {std}; give a non-negative std")
    rng = numpy_generator(generator)
    if dtype in (np.float32, np.float64):
        out = rng.standard_normal(shape, dtype=dtype, out=_into(out, shape, dtype))
    else:
        out = rng.standard_normal(shape).astype(dtype)
    if std != 1.0:
        out *= std
    if mean != 0.0:
        out += mean
    return out


_HALF_SQRT2 = 0.5**0.5


def _into(out: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """``out`` if NumPy draws into it what a fresh array would get (C order: NumPy fills memory in
    order), else None (draw a new array)."""
    if out is None or out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        return None
    return out


def _complex_parts(parts: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Real arrays of shape ``(..., 2)`` read as the complex ``dtype`` of shape ``(...)``: (real, imag)."""
    return parts.view(dtype).reshape(parts.shape[:-1])


def bernoulli(
    op: str, shape: tuple[int, ...], dtype: np.dtype, p: object = 0.5, generator: Generator | None = None
) -> np.ndarray:
    """1 with probability ``p`` (a number, or an array broadcastable to ``shape``), else 0, in ``dtype``."""
    p = np.asarray(p, dtype=np.float64)
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(f"{op}: p must be in [0, 1], got {p if p.ndim == 0 else 'a tensor outside it'}")
    try:
        p = np.broadcast_to(p, shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: p of shape {p.shape} does not broadcast to the tensor's shape {shape}"
        ) from None
    return (numpy_generator(generator).random(shape) < p).astype(dtype)
