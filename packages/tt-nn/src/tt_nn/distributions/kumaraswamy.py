"""``Kumaraswamy``: a Beta-like law on [0, 1] with a closed-form CDF (``torch.distributions.Kumaraswamy``).

Density ``a b x^(a-1) (1 - x^a)^(b-1)``, CDF ``1 - (1 - x^a)^b``, with ``a =
concentration1`` and ``b = concentration0``. PyTorch builds it as a
``TransformedDistribution`` of a uniform ``u``: ``x = (1 - u^(1/b))^(1/a)``, which
is ``rsample`` here too (differentiable in both). Moments are ``b B(1 + n/a, b)``.
``mode`` is PyTorch's expression, which is NaN for every parameter (see ``mode``).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..special import digamma, lgamma
from .gumbel import EULER
from .two_concentrations import TwoConcentrations


def _moment(a: autograd.Tensor, b: autograd.Tensor, n: int) -> autograd.Tensor:
    """``E[x^n] = b B(1 + n/a, b)``."""
    power = 1 + n / a
    return b * (lgamma(power) + lgamma(b) - lgamma(power + b)).exp()


class Kumaraswamy(TwoConcentrations):
    """The Kumaraswamy distribution with positive ``concentration1`` (``a``) and ``concentration0`` (``b``).

    Args:
        concentration1: ``a > 0`` (a number or a tensor).
        concentration0: ``b > 0`` (a number or a tensor).
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Kumaraswamy(1.0, 1.0).log_prob(autograd.tensor(0.3))
        tensor(0.)
    """

    def __init__(
        self, concentration1: object, concentration0: object, validate_args: bool | None = None
    ) -> None:
        super().__init__(concentration1, concentration0, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> autograd.Tensor:
        """``((a - 1) / (a b - 1))^(1/a)`` for ``a, b >= 1`` (not both 1); NaN where the density has no peak.

        PyTorch 2.13 computes ``exp(log1p(-b) / b - log1p(-a b))``, which is NaN for every ``b >= 1``
        as well (``log1p(-b)``): a bug this does not copy.
        """
        a, b = self.concentration1, self.concentration0
        peaked = (a >= 1) & (b >= 1) & ~((a == 1) & (b == 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            mode = ((a - 1) / (a * b - 1)).pow(a.reciprocal())
        return autograd.where(peaked, mode, float("nan"))

    @property
    def variance(self) -> autograd.Tensor:
        return _moment(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``(1 - u^(1/b))^(1/a)``, ``u`` uniform from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.concentration1.dtype)
        return (1 - u.pow(self.concentration0.reciprocal())).pow(self.concentration1.reciprocal())

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log a + log b + (a - 1) log x + (b - 1) log(1 - x^a)``."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        log_x = value.log()
        return a.log() + b.log() + (a - 1) * log_x + (b - 1) * (-(a * log_x).exp()).log1p()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1 - (1 - x^a)^b``."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (1 - value.pow(self.concentration1)).pow(self.concentration0)

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``(1 - (1 - p)^(1/b))^(1/a)``."""
        inner = (1 - value).pow(self.concentration0.reciprocal())
        return (1 - inner).pow(self.concentration1.reciprocal())

    def entropy(self) -> autograd.Tensor:
        """``(1 - 1/b) + (1 - 1/a) H_b - log a - log b``, ``H_b = digamma(b + 1) + γ``."""
        a, b = self.concentration1, self.concentration0
        harmonic = digamma(b + 1) + EULER
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic - a.log() - b.log()
