"""``Gamma``: positive values with shape ``concentration`` and ``rate`` (``torch.distributions.Gamma``).

Density ``rate^α x^(α-1) e^(-rate x) / Γ(α)`` for ``x ≥ 0``, ``α = concentration``.
``rsample`` is ``standard_gamma(α) / rate``: the rate's gradient comes from
the division, the concentration's from the implicit reparameterisation of
:mod:`.standard_gamma` (the derivative of the draw at a fixed CDF level).
``log_prob`` and ``entropy`` are composed of :func:`tt_nn.special.lgamma` /
``digamma`` and ``xlogy``, so they differentiate in both parameters (and in the value).
"""

from __future__ import annotations

import tt_autograd as autograd

from ..special import digamma, gammainc, lgamma
from . import constraints
from .exp_family import ExponentialFamily
from .standard_gamma import standard_gamma
from .utils import broadcast_all


class Gamma(ExponentialFamily):
    """The Gamma distribution with positive ``concentration`` (shape) and ``rate`` (inverse scale).

    Args:
        concentration: ``α > 0`` (a number or a tensor).
        rate: ``β > 0`` (a number or a tensor); the mean is ``α / β``.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``rsample(sample_shape)``: ``sample_shape + batch_shape``, the broadcast of the two.
        Cost: one NumPy Gamma draw per element; the backward of ``rsample`` sums a series or a
        continued fraction per element (tens to a few hundred vectorised passes).

    Example:
        >>> import tt_autograd as autograd
        >>> Gamma(2.0, 1.0).log_prob(autograd.tensor(1.0))
        tensor(-1.)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: object, rate: object, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate, op=type(self).__name__)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> Gamma:
        """The same distribution repeated over a larger ``batch_shape`` (parameters broadcast, not copied)."""
        shape = tuple(batch_shape)
        return Gamma(self.concentration.expand(*shape), self.rate.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> autograd.Tensor:
        """``(α - 1) / β``, and 0 for ``α < 1`` (where the density is largest at 0)."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> autograd.Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``standard_gamma(α) / β``, differentiable in both (see :mod:`.standard_gamma`)."""
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(*shape)) / self.rate.expand(*shape)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``α log β + (α - 1) log x - β x - lgamma(α)`` (``xlogy``: ``x = 0``, ``α = 1`` gives ``log β``)."""
        if self._validate_args:
            self._validate_sample(value)
        alpha, rate = self.concentration, self.rate
        return autograd.xlogy(alpha, rate) + autograd.xlogy(alpha - 1, value) - rate * value - lgamma(alpha)

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``P(α, β x)``, the regularized lower incomplete gamma (:func:`tt_nn.special.gammainc`).

        Differentiable in ``value`` and ``rate``; in ``concentration`` it raises, as PyTorch's does.
        """
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> autograd.Tensor:
        """``α - log β + lgamma(α) + (1 - α) digamma(α)``."""
        alpha = self.concentration
        return alpha - self.rate.log() + lgamma(alpha) + (1.0 - alpha) * digamma(alpha)

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor, autograd.Tensor]:
        """``(α - 1, -β)``, the weights of ``log x`` and ``x``."""
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """``lgamma(x + 1) + (x + 1) log(-1 / y)``."""
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()
