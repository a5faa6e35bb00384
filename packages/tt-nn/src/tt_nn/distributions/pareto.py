"""``Pareto``: type-I Pareto above ``scale`` with tail index ``alpha`` (``torch.distributions.Pareto``).

Density ``alpha scale^alpha / x^(alpha + 1)`` for ``x ≥ scale``: ``scale·e^E`` for
``E ~ Exponential(alpha)``, which is how PyTorch builds it (a
``TransformedDistribution``); TinyTorch writes the same values out. The mean is
``inf`` for ``alpha ≤ 1`` and the variance ``inf`` for ``alpha ≤ 2`` (PyTorch's
clamped formulas give exactly that). ``rsample`` is ``scale·exp(E)`` with
``E = -log(1 - u) / alpha``, so gradients reach both parameters.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all


class Pareto(Distribution):
    """The Pareto distribution with minimum ``scale`` and shape ``alpha``.

    Args:
        scale: positive, the smallest value (a number or a tensor).
        alpha: positive, the tail index.
        validate_args: check the parameters and ``log_prob``'s values (``x ≥ scale``; default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Pareto(1.0, 2.0).cdf(autograd.tensor(2.0))
        tensor(0.7500)
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True

    def __init__(self, scale: object, alpha: object, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha, op=type(self).__name__)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return ["scale", "alpha"]

    def expand(self, batch_shape: tuple[int, ...]) -> Pareto:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return Pareto(self.scale.expand(*shape), self.alpha.expand(*shape), self._validate_args)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.greater_than_eq(self.scale.detach().numpy())

    @property
    def mean(self) -> autograd.Tensor:
        """``alpha scale / (alpha - 1)``, ``inf`` for ``alpha ≤ 1``."""
        a = self.alpha.clamp(min=1)
        with np.errstate(divide="ignore"):  # alpha = 1: inf, as intended
            return a * self.scale / (a - 1)

    @property
    def mode(self) -> autograd.Tensor:
        return self.scale

    @property
    def variance(self) -> autograd.Tensor:
        """``scale² alpha / ((alpha - 1)² (alpha - 2))``, ``inf`` for ``alpha ≤ 2``."""
        a = self.alpha.clamp(min=2)
        with np.errstate(divide="ignore"):  # alpha = 2: inf, as intended
            return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``scale·exp(-log(1 - u) / alpha)``, ``u`` uniform from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.scale.dtype)
        return self.scale * (-(-u).log1p() / self.alpha).exp()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log alpha - (alpha + 1) log(x / scale) - log scale``."""
        if self._validate_args:
            self._validate_sample(value)
        log_ratio = (value / self.scale).log()
        return self.alpha.log() - (self.alpha + 1) * log_ratio - self.scale.log()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1 - (scale / x)^alpha``."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.alpha * (value / self.scale).log()).exp()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``scale·(1 - p)^(-1 / alpha)``."""
        return self.scale * (-(-value).log1p() / self.alpha).exp()

    def entropy(self) -> autograd.Tensor:
        """``log(scale / alpha) + 1 + 1 / alpha``."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
