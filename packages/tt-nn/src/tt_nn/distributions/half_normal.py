"""``HalfNormal``: ``|X|`` for ``X ~ N(0, scale²)`` (``torch.distributions.HalfNormal``).

Density ``2 φ(x / scale) / scale`` for ``x ≥ 0``. PyTorch builds it as a
``TransformedDistribution`` (``Normal`` through ``AbsTransform``); TinyTorch has
no transforms, so this is written out from the formulas (the same values; its
``repr`` shows ``scale``, where PyTorch prints ``HalfNormal()``). ``rsample`` is
``|scale·eps|``; ``cdf``/``icdf`` go through :func:`tt_nn.special.ndtr`/``ndtri``.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import ndtr, ndtri
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class HalfNormal(Distribution):
    """The half-normal distribution with positive ``scale``.

    Args:
        scale: the standard deviation of the normal folded at 0 (a number or a tensor).
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> HalfNormal(1.0).log_prob(autograd.tensor(0.0))
        tensor(-0.2258)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: object, validate_args: bool | None = None) -> None:
        (self.scale,) = broadcast_all(scale, op=type(self).__name__)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> HalfNormal:
        """The same distribution repeated over a larger ``batch_shape``."""
        return HalfNormal(self.scale.expand(*tuple(batch_shape)), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> autograd.Tensor:
        return autograd.zeros_like(self.scale)

    @property
    def variance(self) -> autograd.Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``|scale·eps|``, ``eps`` standard normal noise from the default generator."""
        noise = autograd.randn(self._extended_shape(sample_shape), dtype=self.scale.dtype)
        return (noise * self.scale).abs()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log 2 - x² / (2 scale²) - log scale - log √(2π)``; ``-inf`` below 0 (when not validated)."""
        if self._validate_args:
            self._validate_sample(value)
        density = math.log(2) - value.pow(2) / (2 * self.scale.pow(2)) - self.scale.log() - _LOG_SQRT_2PI
        return autograd.where(value >= 0, density, float("-inf"))

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``2 Φ(x / scale) - 1``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * ndtr(value / self.scale) - 1

    def icdf(self, prob: autograd.Tensor) -> autograd.Tensor:
        """``scale·Φ⁻¹((1 + p) / 2)``."""
        return self.scale * ndtri((1 + prob) / 2)

    def entropy(self) -> autograd.Tensor:
        """``log(scale √(π / 2)) + 1/2``."""
        return 0.5 * math.log(math.pi / 2) + self.scale.log() + 0.5
