"""``GeneralizedPareto``: exceedances over a threshold (``torch.distributions.GeneralizedPareto``).

Density ``(1 + ξ z)^(-1/ξ - 1) / scale`` with ``z = (x - loc) / scale``, for ``x ≥ loc``
(and ``x ≤ loc - scale/ξ`` when ``ξ < 0``); ``ξ = 0`` is the exponential, ``e^(-z) / scale``
(``ξ`` counts as 0 within ``1e-8``, PyTorch's ``isclose``). ``cdf`` is ``1 - S(x)`` with the
survival ``S = (1 + ξ z)^(-1/ξ)``; ``rsample`` is the inverse CDF of a uniform,
differentiable in all three parameters. The mean is NaN for ``ξ ≥ 1`` and the
variance for ``ξ ≥ 1/2``, as PyTorch's.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

_NAN = float("nan")


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution.

    Args:
        loc: the lower end of the support (a number or a tensor).
        scale: positive.
        concentration: the shape ξ, any real (heavier tails for larger ξ).
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> GeneralizedPareto(0.0, 1.0, 0.0).cdf(autograd.tensor(1.0))
        tensor(0.6321)
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(
        self, loc: object, scale: object, concentration: object, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(
            loc, scale, concentration, op=type(self).__name__
        )
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> GeneralizedPareto:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return GeneralizedPareto(
            self.loc.expand(*shape),
            self.scale.expand(*shape),
            self.concentration.expand(*shape),
            self._validate_args,
        )

    @property
    def support(self) -> constraints.Constraint:
        """``[loc, loc - scale/ξ]`` for ``ξ < 0``, ``[loc, inf]`` otherwise."""
        loc, scale, xi = (t.detach().numpy() for t in (self.loc, self.scale, self.concentration))
        with np.errstate(divide="ignore"):
            upper = np.where(xi < 0, loc - scale / np.where(xi < 0, xi, -1.0), np.inf)
        return constraints.interval(loc, upper)

    def _zero_and_safe(self) -> tuple[autograd.Tensor, autograd.Tensor]:
        """Where ``ξ`` counts as 0, and ``ξ`` with those entries replaced by 1 (their branch is unused)."""
        eq_zero = self.concentration.abs() <= 1e-8
        return eq_zero, autograd.where(eq_zero, 1.0, self.concentration)

    def _z(self, value: autograd.Tensor) -> autograd.Tensor:
        return (value - self.loc) / self.scale

    @property
    def mean(self) -> autograd.Tensor:
        """``loc + scale / (1 - ξ)``, NaN for ``ξ ≥ 1``."""
        valid = self.concentration < 1
        safe = autograd.where(valid, self.concentration, 0.5)
        return autograd.where(valid, self.loc + self.scale / (1 - safe), _NAN)

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc

    @property
    def variance(self) -> autograd.Tensor:
        """``scale² / ((1 - ξ)² (1 - 2ξ))``, NaN for ``ξ ≥ 1/2``."""
        valid = self.concentration < 0.5
        safe = autograd.where(valid, self.concentration, 0.25)
        return autograd.where(valid, self.scale.pow(2) / ((1 - safe).pow(2) * (1 - 2 * safe)), _NAN)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``icdf(u)`` for ``u`` uniform from the default generator."""
        return self.icdf(autograd.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-log scale - (1/ξ + 1) log1p(ξ z)``, and ``-log scale - z`` at ``ξ = 0``."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._zero_and_safe()
        y = 1 / safe + 1
        nonzero = autograd.where(y == 0, y, y * (safe * z).log1p())
        return -self.scale.log() - autograd.where(eq_zero, z, nonzero)

    def log_survival_function(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log S(x) = -log1p(ξ z) / ξ``, and ``-z`` at ``ξ = 0``."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._zero_and_safe()
        return autograd.where(eq_zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log(1 - S(x))``."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1 - S(x)``."""
        return self.log_cdf(value).exp()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``loc + scale·expm1(-ξ log(1 - p)) / ξ``, and ``loc - scale·log(1 - p)`` at ``ξ = 0``."""
        eq_zero, safe = self._zero_and_safe()
        log_u = (-value).log1p()
        nonzero = self.loc + self.scale / safe * (-safe * log_u).expm1()
        return autograd.where(eq_zero, self.loc - self.scale * log_u, nonzero)

    def entropy(self) -> autograd.Tensor:
        """``log scale + ξ + 1``."""
        return (self.scale.log() + self.concentration + 1).expand(*self._batch_shape)
