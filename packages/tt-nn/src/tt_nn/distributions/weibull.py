"""``Weibull``: lifetimes with ``scale`` λ and shape ``concentration`` k (``torch.distributions.Weibull``).

Density ``(k/λ) (x/λ)^(k-1) e^(-(x/λ)^k)`` for ``x > 0``: ``λ E^(1/k)`` for
``E ~ Exponential(1)``, which is how PyTorch builds it (a
``TransformedDistribution``); TinyTorch writes the same values out. ``rsample``
is ``λ (-log(1 - u))^(1/k)``, differentiable in both parameters. As in PyTorch,
``mode`` is ``λ ((k-1)/k)^(1/k)``, NaN for ``k < 1`` (a negative base).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..special import lgamma
from . import constraints
from .distribution import Distribution
from .gumbel import EULER
from .utils import broadcast_all


class Weibull(Distribution):
    """The two-parameter Weibull distribution.

    Args:
        scale: positive, λ (a number or a tensor).
        concentration: positive, the shape k.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Weibull(1.0, 1.0).log_prob(autograd.tensor(2.0))
        tensor(-2.)
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, scale: object, concentration: object, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration, op=type(self).__name__)
        self.concentration_reciprocal = self.concentration.reciprocal()
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> Weibull:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return Weibull(self.scale.expand(*shape), self.concentration.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``λ Γ(1 + 1/k)``."""
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self) -> autograd.Tensor:
        """``λ ((k - 1) / k)^(1/k)`` (NaN for ``k < 1``, as PyTorch's)."""
        k = self.concentration
        with np.errstate(invalid="ignore"):  # k < 1: NaN, as intended
            return self.scale * ((k - 1) / k).pow(k.reciprocal())

    @property
    def variance(self) -> autograd.Tensor:
        """``λ² (Γ(1 + 2/k) - Γ(1 + 1/k)²)``."""
        inverse = self.concentration_reciprocal
        return self.scale.pow(2) * (lgamma(1 + 2 * inverse).exp() - (2 * lgamma(1 + inverse)).exp())

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``λ (-log(1 - u))^(1/k)``, ``u`` uniform from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.scale.dtype)
        return self.scale * (-(-u).log1p()).pow(self.concentration_reciprocal)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log(k/λ) + (k - 1) log(x/λ) - (x/λ)^k``."""
        if self._validate_args:
            self._validate_sample(value)
        k, log_ratio = self.concentration, (value / self.scale).log()
        return (k / self.scale).log() + (k - 1) * log_ratio - (k * log_ratio).exp()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1 - exp(-(x/λ)^k)``."""
        if self._validate_args:
            self._validate_sample(value)
        return -(-(value / self.scale).pow(self.concentration)).expm1()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``λ (-log(1 - p))^(1/k)``."""
        return self.scale * (-(-value).log1p()).pow(self.concentration_reciprocal)

    def entropy(self) -> autograd.Tensor:
        """``γ (1 - 1/k) + log(λ / k) + 1``."""
        inverse = self.concentration_reciprocal
        return EULER * (1 - inverse) + (self.scale * inverse).log() + 1
