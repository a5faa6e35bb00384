"""``Exponential``: waiting times with ``rate`` events per unit (``torch.distributions.Exponential``).

Density ``rate * exp(-rate x)`` for ``x >= 0``. ``rsample`` is
reparameterised: ``-log(1 - u) / rate`` with ``u`` uniform on ``[0, 1)``.
"""

from __future__ import annotations

import tt_autograd as autograd

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all


class Exponential(ExponentialFamily):
    """The exponential distribution with positive ``rate`` (mean ``1 / rate``).

    Example:
        >>> import tt_autograd as autograd
        >>> Exponential(2.0).log_prob(autograd.tensor(0.0))
        tensor(0.6931)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: object, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate, op=type(self).__name__)
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> autograd.Tensor:
        return autograd.zeros_like(self.rate)

    @property
    def stddev(self) -> autograd.Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> autograd.Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``-log(1 - u) / rate``, ``u`` uniform on ``[0, 1)`` from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.rate.dtype)
        return -(-u).log1p() / self.rate

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log(rate) - rate * value``."""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1 - exp(-rate * value)``."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-log(1 - value) / rate`` for a probability ``value``."""
        return -(-value).log1p() / self.rate

    def entropy(self) -> autograd.Tensor:
        """``1 - log(rate)``."""
        return 1.0 - self.rate.log()

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor]:
        """``(-rate,)``, the weight of ``x``."""
        return (-self.rate,)

    def _log_normalizer(self, x: autograd.Tensor) -> autograd.Tensor:
        """``-log(-x)``."""
        return -(-x).log()
