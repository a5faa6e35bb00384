"""``Gumbel``: the distribution of maxima, location ``loc``, ``scale`` (``torch.distributions.Gumbel``).

Density ``exp(-(z + e^(-z))) / scale`` with ``z = (x - loc) / scale``; CDF
``exp(-e^(-z))``. PyTorch builds it as a ``TransformedDistribution`` of a uniform
on ``[tiny, 1 - eps)``; TinyTorch writes the same values out from the formulas.
``rsample`` is ``loc - scale·log(-log u)`` for such a uniform ``u``, so gradients
reach ``loc`` and ``scale``.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from .loc_scale import LocScale
from .utils import epsilon

EULER = 0.57721566490153286060651209008240243


class Gumbel(LocScale):
    """The Gumbel (type-I extreme value) distribution.

    Args:
        loc: the location, the mode (a number or a tensor).
        scale: positive (a number or a tensor).
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Gumbel(0.0, 1.0).cdf(autograd.tensor(0.0))
        tensor(0.3679)
    """

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        super().__init__(loc, scale, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``loc + scale·γ`` (γ the Euler-Mascheroni constant)."""
        return self.loc + self.scale * EULER

    @property
    def stddev(self) -> autograd.Tensor:
        """``π scale / √6``."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> autograd.Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc - scale·log(-log u)``, ``u`` uniform on ``[tiny, 1 - eps)`` (finite at both ends)."""
        dtype = self.loc.dtype
        tiny = float(np.finfo(dtype.numpy).tiny)
        u = autograd.rand(self._extended_shape(sample_shape), dtype=dtype)
        u = u * (1 - epsilon(dtype) - tiny) + tiny
        return self.loc - self.scale * (-u.log()).log()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``y - e^y - log scale`` with ``y = (loc - x) / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return y - y.exp() - self.scale.log()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``exp(-exp(-(x - loc) / scale))``."""
        if self._validate_args:
            self._validate_sample(value)
        return (-((self.loc - value) / self.scale).exp()).exp()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``loc - scale·log(-log p)``."""
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self) -> autograd.Tensor:
        """``log scale + 1 + γ``."""
        return self.scale.log() + (1 + EULER)
