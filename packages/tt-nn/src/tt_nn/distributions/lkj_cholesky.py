"""``LKJCholesky``: Cholesky factors of random correlation matrices (``torch.distributions.LKJCholesky``).

The LKJ distribution (Lewandowski, Kurowicka and Joe, 2009) gives a correlation matrix
``M`` a density proportional to ``det(M)^(η - 1)`` (``η = concentration``; ``η = 1`` is
uniform over correlation matrices, larger ``η`` favours the identity). This class is the
distribution of ``L`` with ``M = L Lᵀ``: a lower-triangular matrix with a positive diagonal
and rows of unit length (``constraints.corr_cholesky``), its density taken in the entries
below the diagonal. With the Jacobian ``Π Lᵢᵢ^(d - 1 - i)`` of ``L ↦ M``,

    log p(L) = Σ_{i=1}^{d-1} (2(η - 1) + d - 1 - i) log Lᵢᵢ - log c(η, d),
    log c = (d - 1)/2 · log π + log Γ_{d-1}(α - 1/2) - (d - 1) log Γ(α),   α = η + (d - 1)/2

(``Γ_{d-1}`` the multivariate gamma). ``sample`` is the onion method, vectorised over the
batch and the rows: row ``i ≥ 1`` is ``(√y u, √(1 - y))`` with ``u`` uniform on the unit
sphere of ``Rⁱ`` and ``y ~ Beta(i/2, η + (d - 2)/2 - (i - 1)/2)``. PyTorch 2.13 draws
``y ~ Beta(i - 1/2, ...)`` instead, whose correlations from the third row on are too wide
(for ``d = 3``, ``η = 1`` their variance is 0.30 where the LKJ marginal ``Beta(3/2, 3/2)`` on
``[-1, 1]`` has 1/4); TinyTorch follows the paper. No ``rsample``, mean, variance or entropy
(as PyTorch).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import tt_autograd as autograd

from ..special import lgamma, mvlgamma
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all


class LKJCholesky(Distribution):
    """The LKJ distribution over lower Cholesky factors of ``dim × dim`` correlation matrices.

    Args:
        dim: the matrices' size, an int at least 2.
        concentration: ``η > 0`` (a number or a tensor of batch shape; default 1, uniform).
        validate_args: check ``concentration`` and ``log_prob``'s values (default: on).

    Shape:
        ``batch_shape`` is ``concentration``'s shape; ``event_shape`` is ``(dim, dim)``.

    Example:
        >>> import tt_autograd as autograd
        >>> LKJCholesky(2, 1.0).log_prob(autograd.eye(2))
        tensor(-0.6931)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: object = 1.0, validate_args: bool | None = None) -> None:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"LKJCholesky: dim must be an int, got {type(dim).__name__}")
        if dim < 2:
            raise ValueError(f"LKJCholesky: dim must be an integer greater than or equal to 2, got dim={dim}")
        self.dim = int(dim)
        (self.concentration,) = broadcast_all(concentration, op=type(self).__name__)
        super().__init__(self.concentration.shape, (self.dim, self.dim), validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> LKJCholesky:
        """The same distribution repeated over a larger ``batch_shape``."""
        return LKJCholesky(self.dim, self.concentration.expand(*tuple(batch_shape)), self._validate_args)

    def _row_beta(self) -> Beta:
        """The onion method's ``Beta(i/2, η + (d - 2)/2 - (i - 1)/2)`` for rows ``i = 1 .. d - 1``."""
        rows = np.arange(1, self.dim, dtype=np.float64)
        dtype = self.concentration.dtype
        concentration1 = autograd.tensor(rows / 2, dtype=dtype)
        offset = autograd.tensor(0.5 * (self.dim - 2) - (rows - 1) / 2, dtype=dtype)
        return Beta(concentration1, self.concentration.detach().unsqueeze(-1) + offset, validate_args=False)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Onion-method draws of shape ``sample_shape + batch_shape + (dim, dim)`` (no gradient)."""
        shape = self._extended_shape(sample_shape)
        dtype = self.concentration.dtype
        with autograd.no_grad():
            y = self._row_beta().sample(sample_shape).numpy()[..., None]  # (..., d - 1, 1)
            normal = np.tril(autograd.randn(shape, dtype=dtype).numpy(), -1)[..., 1:, :]
        direction = normal / np.linalg.norm(normal, axis=-1, keepdims=True)  # row i: uniform on S^(i-1)
        below = np.zeros(shape, dtype=dtype.numpy)
        below[..., 1:, :] = np.sqrt(y) * direction
        tiny = np.finfo(dtype.numpy).tiny
        diagonal = np.sqrt(np.maximum(1 - (below**2).sum(axis=-1), tiny))
        return autograd.tensor(below + diagonal[..., None] * np.eye(self.dim), dtype=dtype)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``Σᵢ (2(η - 1) + d - 1 - i) log Lᵢᵢ - log c(η, d)``, one value per matrix."""
        if self._validate_args:
            self._validate_sample(value)
        dim, eta = self.dim, self.concentration
        rows = autograd.tensor(np.arange(1, dim, dtype=np.float64), dtype=eta.dtype)
        order = 2 * (eta - 1).unsqueeze(-1) + (dim - 1) - rows
        unnormalised = (order * value.diagonal(dim1=-2, dim2=-1)[..., 1:].log()).sum(dim=-1)
        alpha = eta + 0.5 * (dim - 1)
        log_normaliser = 0.5 * (dim - 1) * math.log(math.pi) + mvlgamma(alpha - 0.5, p=dim - 1)
        return unnormalised - (log_normaliser - (dim - 1) * lgamma(alpha))
