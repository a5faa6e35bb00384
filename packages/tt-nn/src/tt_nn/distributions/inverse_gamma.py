"""``InverseGamma``: ``1 / X`` for ``X ~ Gamma(concentration, rate)`` (``torch.distributions.InverseGamma``).

Density ``rate^α x^(-α-1) e^(-rate/x) / Γ(α)`` for ``x > 0``. PyTorch builds it as
a ``TransformedDistribution`` (``Gamma`` through ``PowerTransform(-1)``); TinyTorch
writes the same values out. The mean is ``inf`` for ``α ≤ 1``, the variance ``inf``
for ``α ≤ 2``. ``rsample`` is ``1 / Gamma.rsample()`` (reparameterised in both
parameters, see :mod:`.standard_gamma`). There is no ``icdf``: Gamma has none.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import digamma, gammaincc, lgamma
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all


class InverseGamma(Distribution):
    """The inverse-gamma distribution with shape ``concentration`` and scale ``rate``.

    Args:
        concentration: ``α > 0`` (a number or a tensor).
        rate: ``β > 0`` (a number or a tensor): the Gamma's rate, the scale of ``1 / X``.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> InverseGamma(3.0, 2.0).mean
        tensor(1.)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: object, rate: object, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate, op=type(self).__name__)
        self.base_dist = Gamma(self.concentration, self.rate, validate_args=False)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> InverseGamma:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return InverseGamma(self.concentration.expand(*shape), self.rate.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``β / (α - 1)``, ``inf`` for ``α ≤ 1``."""
        alpha = self.concentration
        return autograd.where(alpha > 1, self.rate / (alpha - 1), math.inf)

    @property
    def mode(self) -> autograd.Tensor:
        """``β / (α + 1)``."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> autograd.Tensor:
        """``β² / ((α - 1)² (α - 2))``, ``inf`` for ``α ≤ 2``."""
        alpha = self.concentration
        result = self.rate.pow(2) / ((alpha - 1).pow(2) * (alpha - 2))
        return autograd.where(alpha > 2, result, math.inf)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``1 / g`` for a reparameterised Gamma draw ``g``."""
        return self.base_dist.rsample(sample_shape).reciprocal()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``α log β - lgamma(α) - (α + 1) log x - β / x``."""
        if self._validate_args:
            self._validate_sample(value)
        alpha, rate = self.concentration, self.rate
        return alpha * rate.log() - lgamma(alpha) - (alpha + 1) * value.log() - rate / value

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``Q(α, β / x)``, the regularized upper incomplete gamma (:func:`tt_nn.special.gammaincc`)."""
        if self._validate_args:
            self._validate_sample(value)
        return gammaincc(self.concentration, self.rate / value)

    def entropy(self) -> autograd.Tensor:
        """``α + log β + lgamma(α) - (1 + α) digamma(α)``."""
        alpha = self.concentration
        return alpha + self.rate.log() + lgamma(alpha) - (1 + alpha) * digamma(alpha)
