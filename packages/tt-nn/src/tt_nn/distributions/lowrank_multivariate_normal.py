"""``LowRankMultivariateNormal``: a Gaussian with covariance ``W Wᵀ + diag(D)`` (``torch.distributions``).

``cov_factor`` ``W`` is ``(*, n, r)`` (rank ``r``, usually much smaller than ``n``) and
``cov_diag`` ``D`` is ``(*, n)``, positive. ``log_prob`` and ``entropy`` never form the
``n × n`` covariance: with the capacitance ``C = I_r + Wᵀ D⁻¹ W`` (Cholesky ``L_C``),
``log det Σ = 2 Σ log diag L_C + Σ log D`` and the Mahalanobis term is
``Σ x²/D - |L_C⁻¹ Wᵀ D⁻¹ x|²`` (the Woodbury identity), as PyTorch's. ``rsample`` is
``loc + W ε_r + √D ε_n``. ``covariance_matrix``, ``precision_matrix`` and ``scale_tril``
form the ``n × n`` matrices on request. Its KL pairs are in :mod:`.kl_gaussian`.
"""

from __future__ import annotations

import math

import tt_autograd as autograd
from tt_autograd import linalg

from . import constraints
from .distribution import Distribution
from .multivariate_normal import batch_mahalanobis


class LowRankMultivariateNormal(Distribution):
    """A multivariate normal with a low-rank-plus-diagonal covariance.

    Args:
        loc: the mean, ``(*, n)``.
        cov_factor: ``W``, ``(*, n, r)``.
        cov_diag: ``D``, ``(*, n)``, positive.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> m = LowRankMultivariateNormal(autograd.zeros(2), autograd.zeros(2, 1), autograd.ones(2))
        >>> m.log_prob(autograd.zeros(2))
        tensor(-1.8379)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc: autograd.Tensor, cov_factor: autograd.Tensor, cov_diag: autograd.Tensor, validate_args=None
    ) -> None:
        name = type(self).__name__
        for label, value in (("loc", loc), ("cov_factor", cov_factor), ("cov_diag", cov_diag)):
            if not isinstance(value, autograd.Tensor):
                raise TypeError(f"{name}: {label} must be a tensor, got {type(value).__name__}")
        if loc.dim() < 1:
            raise ValueError(f"{name}: loc must be at least one-dimensional")
        n = loc.shape[-1]
        if cov_factor.dim() < 2:
            raise ValueError(
                f"{name}: cov_factor must be at least two-dimensional, with optional leading batch dims"
            )
        if cov_factor.shape[-2] != n:
            raise ValueError(f"{name}: cov_factor must be a batch of matrices with shape {n} x m")
        if cov_diag.shape[-1:] != (n,):
            raise ValueError(f"{name}: cov_diag must be a batch of vectors with shape ({n},)")
        loc_, cov_diag_ = loc.unsqueeze(-1), cov_diag.unsqueeze(-1)
        try:
            loc_, self.cov_factor, cov_diag_ = autograd.broadcast_tensors(loc_, cov_factor, cov_diag_)
        except (RuntimeError, ValueError):  # broadcast_tensors raises RuntimeError, as torch's
            raise ValueError(
                f"{name}: incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                f"cov_diag {cov_diag.shape}"
            ) from None
        self.loc, self.cov_diag = loc_[..., 0], cov_diag_[..., 0]
        super().__init__(self.loc.shape[:-1], (n,), validate_args=validate_args)
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape: tuple[int, ...]) -> LowRankMultivariateNormal:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return LowRankMultivariateNormal(
            self.loc.expand(*shape, *self._event_shape),
            self.cov_factor.expand(*shape, *self.cov_factor.shape[-2:]),
            self.cov_diag.expand(*shape, *self._event_shape),
            self._validate_args,
        )

    @property
    def mean(self) -> autograd.Tensor:
        return self.loc

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc

    @property
    def variance(self) -> autograd.Tensor:
        """``Σ_j W_ij² + D_i``, expanded to ``batch_shape + event_shape``."""
        variance = self._unbroadcasted_cov_factor.pow(2).sum(dim=-1) + self._unbroadcasted_cov_diag
        return variance.expand(*(self._batch_shape + self._event_shape))

    @property
    def covariance_matrix(self) -> autograd.Tensor:
        """``W Wᵀ + diag(D)``, ``batch_shape + (n, n)``."""
        w = self._unbroadcasted_cov_factor
        covariance = w @ w.mT + autograd.diag_embed(self._unbroadcasted_cov_diag)
        return covariance.expand(*(self._batch_shape + self._event_shape * 2))

    @property
    def precision_matrix(self) -> autograd.Tensor:
        """``D⁻¹ - D⁻¹ W C⁻¹ Wᵀ D⁻¹`` (Woodbury), ``batch_shape + (n, n)``."""
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        wt_dinv = w.mT / d.unsqueeze(-2)
        a = linalg.solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        precision = autograd.diag_embed(d.reciprocal()) - a.mT @ a
        return precision.expand(*(self._batch_shape + self._event_shape * 2))

    @property
    def scale_tril(self) -> autograd.Tensor:
        """The Cholesky factor of ``covariance_matrix``."""
        return linalg.cholesky(self.covariance_matrix)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc + W ε_r + √D ε_n``, both noises standard normal from the default generator."""
        shape = self._extended_shape(sample_shape)
        rank = self.cov_factor.shape[-1]
        eps_w = autograd.randn(shape[:-1] + (rank,), dtype=self.loc.dtype)
        eps_d = autograd.randn(shape, dtype=self.loc.dtype)
        low_rank = (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
        return self.loc + low_rank + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def _log_det(self) -> autograd.Tensor:
        diagonal = autograd.diagonal(self._capacitance_tril, dim1=-2, dim2=-1)
        return 2 * diagonal.log().sum(dim=-1) + self._unbroadcasted_cov_diag.log().sum(dim=-1)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-(n log 2π + mahalanobis + log det Σ) / 2`` through the capacitance (see the module)."""
        if self._validate_args:
            self._validate_sample(value)
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        diff = value - self.loc
        wt_dinv_x = ((w.mT / d.unsqueeze(-2)) @ diff.unsqueeze(-1)).squeeze(-1)
        mahalanobis = (diff.pow(2) / d).sum(dim=-1) - batch_mahalanobis(self._capacitance_tril, wt_dinv_x)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + mahalanobis + self._log_det())

    def entropy(self) -> autograd.Tensor:
        """``(n (1 + log 2π) + log det Σ) / 2``, one per batch element."""
        entropy = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._log_det())
        return entropy.expand(*self._batch_shape) if self._batch_shape else entropy


def _capacitance_tril(w: autograd.Tensor, d: autograd.Tensor) -> autograd.Tensor:
    """The Cholesky factor of ``I + Wᵀ D⁻¹ W``."""
    capacitance = (w.mT / d.unsqueeze(-2)) @ w
    return linalg.cholesky(capacitance + autograd.eye(w.shape[-1], dtype=w.dtype))
