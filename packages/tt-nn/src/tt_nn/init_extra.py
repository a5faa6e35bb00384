"""The rest of ``torch.nn.init``: ``trunc_normal_``, ``orthogonal_``, ``eye_``, ``dirac_``, ``sparse_``.

Framework code outside the course (module 04 builds the uniform, normal,
Xavier and Kaiming fills in ``init.py``, which re-exports these). Each fills
a tensor in place without recording a graph, draws from TinyTorch's default
generator unless a ``generator`` is given, and returns the tensor:

* ``trunc_normal_``: ``N(mean, std²)`` conditioned on ``[a, b]`` (absolute bounds),
  drawn exactly by redrawing the values that fall outside, all at once per round;
* ``orthogonal_``: the Q of a QR decomposition of a Gaussian matrix, signs fixed so
  that it is uniformly distributed (Saxe et al., 2014), times ``gain``;
* ``eye_`` (2-D identity), ``dirac_`` (convolutions that pass their input through)
  and ``sparse_`` (a fraction of each column zeroed, Martens 2010).
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Tensor, no_grad
from tt_tensor import numpy_generator
from tt_tensor.random import Generator

from .functional.erf import normal_cdf
from .init import filler

__all__ = ["dirac_", "eye_", "orthogonal_", "sparse_", "trunc_normal_"]

#: trunc_normal_ refuses an interval holding less of the distribution than this (redrawing would not end).
_MIN_MASS = 1e-6


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        return tensor.copy_(values)


@filler("mean", "std", "a", "b")
def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Fill with ``N(mean, std²)`` values conditioned on ``a <= x <= b`` (bounds in the tensor's units).

    Drawn in the tensor's float32 when it is one (float64 otherwise), then the values outside
    ``[a, b]`` redrawn, and so on. Cost: ``1/P(a <= x <= b)`` draws per element on average (1.05
    for the default ±2 std), the first round without any indexing.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: the interval needs a < b, got a={a}, b={b}")
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be > 0, got {std}")
    mass = float(normal_cdf(np.array((b - mean) / std)) - normal_cdf(np.array((a - mean) / std)))
    if mass < _MIN_MASS:
        raise ValueError(
            f"trunc_normal_: [{a}, {b}] holds {mass:.1e} of N({mean}, {std}²); move mean into the interval "
            "or widen it"
        )
    rng = numpy_generator(generator)
    dtype = np.float32 if tensor.array.dtype == np.float32 else np.float64  # float32 draws: half the cost
    values = rng.standard_normal(tensor.numel(), dtype=dtype)
    values *= std
    values += mean
    outside = np.flatnonzero((values < a) | (values > b))
    while outside.size:  # each round redraws every value still outside [a, b], all at once
        values[outside] = rng.normal(mean, std, size=outside.size)
        outside = outside[(values[outside] < a) | (values[outside] > b)]
    return _fill(tensor, values.reshape(tuple(tensor.shape)))


@filler("gain")
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: rows orthonormal if fewer than columns, else columns.

    A tensor of more than 2 dims is treated as ``(shape[0], rest)``. Cost: one QR
    decomposition of that matrix.
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got {tensor.ndim}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tuple(tensor.shape)))


@filler()
def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the main diagonal of a rectangle too)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got {tensor.ndim} dims")
    return _fill(tensor, np.eye(*tensor.shape))


@filler()
def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight so the convolution passes its input channels through.

    With ``groups``, each of the groups of ``out_channels / groups`` filters copies the
    first of its input channels; the kernel's centre tap is 1, every other value 0.
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3, 4 or 5-D tensors are supported, got {tensor.ndim} dims")
    out_channels = tensor.shape[0]
    if groups <= 0 or out_channels % groups:
        raise ValueError(f"dirac_: dim 0 ({out_channels}) must be divisible by groups ({groups})")
    per_group = out_channels // groups
    passed = min(per_group, tensor.shape[1])
    values = np.zeros(tuple(tensor.shape))
    group, channel = np.divmod(np.arange(groups * passed), passed)
    centre = tuple(size // 2 for size in tensor.shape[2:])
    values[(group * per_group + channel, channel, *centre)] = 1.0
    return _fill(tensor, values)


@filler("sparsity", "std")
def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """Fill a 2-D tensor from ``N(0, std²)``, then zero ``ceil(sparsity · rows)`` random rows per column."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only 2-D tensors are supported, got {tensor.ndim} dims")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity}")
    rows, cols = tensor.shape
    rng = numpy_generator(generator)
    values = rng.normal(0.0, std, size=(rows, cols))
    zeros = math.ceil(sparsity * rows)
    chosen = np.argsort(rng.random((rows, cols)), axis=0)[:zeros]  # a random permutation per column
    values[chosen, np.arange(cols)] = 0.0
    return _fill(tensor, values)
