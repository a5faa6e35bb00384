"""``Uniform``: constant density on ``[low, high)`` (``torch.distributions.Uniform``).

``rsample`` is reparameterised: ``low + u (high - low)`` with ``u`` uniform on
``[0, 1)``. ``log_prob`` is ``-log(high - low)`` inside and ``-inf`` outside
(``high`` itself is outside, as in PyTorch; validation accepts it, as
PyTorch's closed-interval support does).
"""

from __future__ import annotations

import tt_autograd as autograd

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``, batched over its parameters' broadcast shape.

    Args:
        low: the lower bound (inclusive).
        high: the upper bound (exclusive), above ``low``.
        validate_args: check ``low < high`` and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> Uniform(0.0, 4.0).log_prob(autograd.tensor(1.0)).exp()
        tensor(0.2500)
    """

    has_rsample = True

    def __init__(self, low: object, high: object, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high, op=type(self).__name__)
        super().__init__(self.low.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict:
        return {"low": constraints.less_than(self.high.detach().numpy(), "high"), "high": constraints.real}

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low.detach().numpy(), self.high.detach().numpy())

    @property
    def mean(self) -> autograd.Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> autograd.Tensor:
        """NaN: every point of the interval is a mode (PyTorch's choice)."""
        return self.high * float("nan")

    @property
    def stddev(self) -> autograd.Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> autograd.Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``low + u (high - low)``, ``u`` uniform on ``[0, 1)`` from the default generator."""
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-log(high - low)`` where ``low <= value < high``, else ``-inf``."""
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value).logical_and(value < self.high)
        return autograd.where(inside, -(self.high - self.low).log(), float("-inf"))

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``(value - low) / (high - low)``, clamped to ``[0, 1]``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``low + value (high - low)`` for a probability ``value``."""
        return self.low + value * (self.high - self.low)

    def entropy(self) -> autograd.Tensor:
        """``log(high - low)``."""
        return (self.high - self.low).log()
