"""``torch.nn.utils.parametrizations``: weight normalisation, spectral normalisation, orthogonality.

All three are parametrizations (:mod:`tt_nn.parametrize`): the layer's weight is
recomputed from what is trained at every forward.

* :func:`weight_norm` — ``w = g · v / ‖v‖`` (Salimans & Kingma, 2016), the norm
  taken over every dimension but ``dim`` (so one ``g`` per output unit for
  ``dim=0``), or over the whole tensor for ``dim=None``. The originals are
  ``g`` (``original0``) and ``v`` (``original1``), initialised so that ``w`` is
  the weight as it was. It decouples a unit's length from its direction.
* :func:`spectral_norm` — ``w = W / σ(W)``, ``σ`` the largest singular value of
  the weight viewed as a matrix (``dim`` first, the rest flattened), estimated
  by power iteration (Miyato et al., 2018): ``u ← normalize(W v)``,
  ``v ← normalize(Wᵀ u)``, ``σ = uᵀ W v``. It bounds the layer's Lipschitz
  constant by 1, which steadies a GAN's discriminator. In training each
  forward runs ``n_power_iterations`` more steps, updating the buffers ``_u``
  and ``_v`` in place, without a graph; ``σ`` is then differentiated through
  ``W`` with ``u`` and ``v`` held fixed (PyTorch's rule). Registration runs 15
  steps from a random start. A 1-d weight is divided by its norm.
* :func:`orthogonal` (in :mod:`tt_nn.orthogonal`) — a matrix with orthonormal
  columns (or rows), by the matrix exponential, the Cayley map or Householder
  reflections of an unconstrained original.

Cost per forward: a norm over the weight (weight norm), or ``2·n`` matrix-vector
products and one more for ``σ`` (spectral norm): small beside the layer.

Example:
    >>> from tt_nn import Linear
    >>> layer = weight_norm(Linear(4, 3))
    >>> tuple(layer.parametrizations.weight.original0.shape)  # g: one length per output unit
    (3, 1)
"""

from __future__ import annotations

import tt_autograd as autograd
from tt_autograd import no_grad

from .functional import normalize
from .module import Module
from .orthogonal import orthogonal
from .parametrize import register_parametrization

__all__ = [
    "largest_singular_value",
    "norm_except_dim",
    "orthogonal",
    "output_dim",
    "power_iteration",
    "spectral_norm",
    "weight_as_matrix",
    "weight_norm",
]


def norm_except_dim(v, dim: int | None):
    """``‖v‖₂`` over every dimension but ``dim``, kept as size-1 dims (the whole norm for ``dim=None``)."""
    if dim is None:
        return autograd.linalg.vector_norm(v)
    others = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
    return autograd.linalg.vector_norm(v, dim=others, keepdim=True) if others else v.abs()


class _WeightNorm(Module):
    """``g · v / ‖v‖`` (norm over all dims but ``dim``); ``right_inverse`` splits a weight into ``(g, v)``."""

    def __init__(self, dim: int | None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g · v / ‖v‖``; returns ``module`` (see the module docstring).

    Args:
        module: the layer.
        name: the parameter to reparametrize.
        dim: the dimension that keeps its own ``g`` (0: one per output unit); None for one ``g`` overall.
    """
    weight = getattr(module, name, None)
    if weight is None or not hasattr(weight, "ndim"):
        raise ValueError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    if dim is not None and not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a {weight.ndim}-d {name!r}")
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """``W / σ(W)``, ``σ`` by power iteration on the buffers ``_u``, ``_v`` (a 1-d ``W``: ``W / ‖W‖``)."""

    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a {ndim}-d weight")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
        self.dim, self.eps, self.n_power_iterations = dim % ndim, eps, n_power_iterations
        if ndim > 1:
            matrix = self._as_matrix(weight)
            h, w = matrix.shape
            u = autograd.randn(h, dtype=matrix.dtype)
            v = autograd.randn(w, dtype=matrix.dtype)
            self.register_buffer("_u", normalize(u, dim=0, eps=eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=eps))
            self._power_method(matrix, 15)

    def _as_matrix(self, weight):
        return weight_as_matrix(weight, self.dim)

    def _power_method(self, matrix, steps: int) -> None:
        power_iteration(matrix, self._u, self._v, steps, self.eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = self._as_matrix(weight)
        if self.training:
            self._power_method(matrix.detach(), self.n_power_iterations)
        return weight / largest_singular_value(matrix, self._u, self._v)

    def right_inverse(self, value):
        return value  # any weight is its own original: σ is recomputed from it


def weight_as_matrix(weight, dim: int):
    """``(size of dim, everything else)``: the weight's rows are its ``dim`` slices."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def power_iteration(matrix, u, v, steps: int, eps: float, v_first: bool = False) -> None:
    """``steps`` rounds of ``u ← normalize(W v)``, ``v ← normalize(Wᵀ u)``, in place, without a graph.

    ``v_first``: each round updates ``v`` first (the older ``torch.nn.utils.spectral_norm``'s order).
    A few rounds per forward suffice: the estimate follows the slowly changing ``W``.
    """
    with no_grad():
        for _ in range(steps):
            if v_first:
                v.array[...] = normalize(matrix.mT @ u, dim=0, eps=eps).array
            u.array[...] = normalize(matrix @ v, dim=0, eps=eps).array
            if not v_first:
                v.array[...] = normalize(matrix.mT @ u, dim=0, eps=eps).array


def largest_singular_value(matrix, u, v):
    """``σ ≈ uᵀ W v``, differentiated through ``W`` only: ``u`` and ``v`` enter as fixed copies."""
    return (u.clone() * (matrix @ v.clone())).sum()


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Reparametrize ``module.<name>`` as ``W / σ(W)``; returns ``module`` (see the module docstring).

    Args:
        module: the layer (a GAN discriminator's linear or convolution layers, typically).
        name: the parameter to normalise.
        n_power_iterations: power-iteration steps per forward in training.
        eps: the floor of the norms in ``normalize``.
        dim: the dimension of output units: 0, or 1 for transposed convolutions (the default picks).
    """
    weight = getattr(module, name, None)
    if weight is None or not hasattr(weight, "ndim"):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    if dim is None:
        dim = output_dim(module)
    return register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))


def output_dim(module: Module) -> int:
    """The weight dimension of output units: 1 for a transposed convolution (found by name), else 0."""
    return 1 if any(c.__name__.startswith("ConvTranspose") for c in type(module).__mro__) else 0
