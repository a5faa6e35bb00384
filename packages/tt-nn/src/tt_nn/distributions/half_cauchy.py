"""``HalfCauchy``: ``|X|`` for ``X ~ Cauchy(0, scale)`` (``torch.distributions.HalfCauchy``).

Density ``2 / (π scale (1 + (x / scale)²))`` for ``x ≥ 0`` (``-inf`` log density
below 0, as PyTorch's with validation off). PyTorch builds it as a
``TransformedDistribution`` (``Cauchy`` through ``AbsTransform``); TinyTorch writes
it from :class:`.Cauchy`'s formulas. Its mean and variance are ``inf``.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from . import constraints
from .cauchy import Cauchy
from .distribution import Distribution
from .utils import broadcast_all


class HalfCauchy(Distribution):
    """The half-Cauchy distribution: the absolute value of a centred Cauchy of scale ``scale``.

    Args:
        scale: positive (a number or a tensor), the median.
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> HalfCauchy(1.0).cdf(autograd.tensor(1.0))
        tensor(0.5000)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: object, validate_args: bool | None = None) -> None:
        (self.scale,) = broadcast_all(scale, op=type(self).__name__)
        self.base_dist = Cauchy(0.0, self.scale, validate_args=False)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> HalfCauchy:
        """The same distribution repeated over a larger ``batch_shape``."""
        return HalfCauchy(self.scale.expand(*tuple(batch_shape)), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``inf``."""
        return autograd.full(self._batch_shape, float("inf"), dtype=self.scale.dtype)

    @property
    def mode(self) -> autograd.Tensor:
        return autograd.zeros_like(self.scale)

    @property
    def variance(self) -> autograd.Tensor:
        """``inf``."""
        return self.base_dist.variance

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``|scale·tan(π(u - 1/2))|``, ``u`` uniform from the default generator."""
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The Cauchy log density plus ``log 2`` for ``x ≥ 0``, ``-inf`` below."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return autograd.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``2 F(x) - 1``, ``F`` the Cauchy CDF: ``2 atan(x / scale) / π``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: autograd.Tensor) -> autograd.Tensor:
        """``scale·tan(π p / 2)``: the Cauchy inverse CDF at ``(p + 1) / 2``."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> autograd.Tensor:
        """The Cauchy entropy minus ``log 2``: ``log(2π scale)``."""
        return self.base_dist.entropy() - math.log(2)
