"""``Cauchy``: the heavy-tailed ratio of two normals, centred at ``loc`` (``torch.distributions.Cauchy``).

Density ``1 / (π scale (1 + ((x - loc) / scale)²))``. It has no mean and an
infinite variance (``mean`` is NaN and ``variance`` is ``inf``, as in PyTorch).
``rsample`` is the inverse CDF of a uniform, ``loc + scale·tan(π(u - 1/2))``, so
gradients reach ``loc`` and ``scale``.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from .loc_scale import LocScale


class Cauchy(LocScale):
    """The Cauchy distribution with median ``loc`` and half-width at half-maximum ``scale``.

    Args:
        loc: the median (a number or a tensor).
        scale: positive (a number or a tensor).
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Cauchy(0.0, 1.0).cdf(autograd.tensor(1.0))
        tensor(0.7500)
    """

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        super().__init__(loc, scale, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """NaN: the Cauchy distribution has no mean."""
        return autograd.full(self._batch_shape, float("nan"), dtype=self.loc.dtype)

    @property
    def variance(self) -> autograd.Tensor:
        """``inf``."""
        return autograd.full(self._batch_shape, float("inf"), dtype=self.loc.dtype)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc + scale·tan(π(u - 1/2))``, ``u`` uniform from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + self.scale * (math.pi * (u - 0.5)).tan()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-log π - log scale - log(1 + ((x - loc) / scale)²)``."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - ((value - self.loc) / self.scale).pow(2).log1p()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``atan((x - loc) / scale) / π + 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``loc + scale·tan(π(p - 1/2))``."""
        return self.loc + self.scale * (math.pi * (value - 0.5)).tan()

    def entropy(self) -> autograd.Tensor:
        """``log(4π scale)``."""
        return math.log(4 * math.pi) + self.scale.log()
