"""``LogNormal``: ``exp(X)`` for ``X ~ N(loc, scale²)`` (``torch.distributions.LogNormal``).

Density ``N(log x; loc, scale) / x`` for ``x > 0``. PyTorch builds it as a
``TransformedDistribution`` (``Normal`` through ``ExpTransform``); TinyTorch has
no transforms, so this is written out from the formulas (the same values; its
``repr`` shows ``loc`` and ``scale``, where PyTorch prints ``LogNormal()``).
``rsample`` is ``exp(loc + scale·eps)``.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import ndtr, ndtri
from . import constraints
from .loc_scale import LocScale

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class LogNormal(LocScale):
    """The log-normal distribution: its logarithm has mean ``loc`` and standard deviation ``scale``.

    Args:
        loc: the mean of ``log x`` (a number or a tensor).
        scale: the standard deviation of ``log x``, positive.
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> LogNormal(0.0, 1.0).log_prob(autograd.tensor(1.0))
        tensor(-0.9189)
    """

    support = constraints.positive

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        super().__init__(loc, scale, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``exp(loc + scale² / 2)``."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> autograd.Tensor:
        """``exp(loc - scale²)``."""
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> autograd.Tensor:
        """``(exp(scale²) - 1) exp(2 loc + scale²)``."""
        square = self.scale.pow(2)
        return square.expm1() * (2 * self.loc + square).exp()

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``exp(loc + scale·eps)``, ``eps`` standard normal noise from the default generator."""
        noise = autograd.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return (self.loc + noise * self.scale).exp()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-(log x - loc)² / (2 scale²) - log scale - log √(2π) - log x``."""
        if self._validate_args:
            self._validate_sample(value)
        log_value = value.log()
        normal = -((log_value - self.loc).pow(2)) / (2 * self.scale.pow(2)) - self.scale.log() - _LOG_SQRT_2PI
        return normal - log_value

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``Φ((log x - loc) / scale)``."""
        if self._validate_args:
            self._validate_sample(value)
        return ndtr((value.log() - self.loc) / self.scale)

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``exp(loc + scale·Φ⁻¹(p))``."""
        return (self.loc + self.scale * ndtri(value)).exp()

    def entropy(self) -> autograd.Tensor:
        """The normal's entropy plus ``loc``: ``1/2 + log √(2π) + log scale + loc``."""
        return 0.5 + _LOG_SQRT_2PI + self.scale.log() + self.loc
