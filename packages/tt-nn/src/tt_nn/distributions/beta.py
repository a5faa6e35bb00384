"""``Beta``: numbers in [0, 1] weighted by ``concentration1`` and ``concentration0`` (torch.distributions).

Density ``x^(a-1) (1-x)^(b-1) / B(a, b)`` with ``a = concentration1``,
``b = concentration0``: the first coordinate of ``Dirichlet([a, b])``, which
is how PyTorch builds it and how this one is built (``log_prob``, ``entropy``,
``mode`` and ``rsample`` all go through the two-category Dirichlet; ``rsample``'s
gradient is the Gamma draws' implicit one, see :mod:`.dirichlet`).
"""

from __future__ import annotations

import tt_autograd as autograd

from ..special import lgamma
from .dirichlet import Dirichlet
from .exp_family import ExponentialFamily
from .two_concentrations import TwoConcentrations
from .utils import broadcast_all


class Beta(TwoConcentrations, ExponentialFamily):
    """The Beta distribution with positive ``concentration1`` (``a``) and ``concentration0`` (``b``).

    Args:
        concentration1: ``a > 0``, the weight of 1 (a number or a tensor).
        concentration0: ``b > 0``, the weight of 0 (a number or a tensor).
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``rsample(sample_shape)``: ``sample_shape + batch_shape`` (the parameters' broadcast shape).

    Example:
        >>> import tt_autograd as autograd
        >>> Beta(2.0, 2.0).log_prob(autograd.tensor(0.5))
        tensor(0.4055)
    """

    def __init__(
        self, concentration1: object, concentration0: object, validate_args: bool | None = None
    ) -> None:
        super().__init__(concentration1, concentration0, validate_args)
        weights = autograd.stack([self.concentration1, self.concentration0], dim=-1)
        self._dirichlet = Dirichlet(weights, validate_args=False)  # checked above, as two numbers

    @property
    def mean(self) -> autograd.Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> autograd.Tensor:
        """``(a - 1) / (a + b - 2)`` for ``a, b > 1``; 0 or 1 at the edges; else as ``Dirichlet.mode``."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> autograd.Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """The first coordinate of a two-category Dirichlet draw: ``Ga / (Ga + Gb)``."""
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``(a - 1) log x + (b - 1) log(1 - x) - log B(a, b)``."""
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(autograd.stack(broadcast_all(value, 1.0 - value), dim=-1))

    def entropy(self) -> autograd.Tensor:
        return self._dirichlet.entropy()

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    @property
    def _natural_params(self) -> tuple[autograd.Tensor, autograd.Tensor]:
        """``(a, b)`` (no ``_mean_carrier_measure``, as PyTorch's)."""
        return self.concentration1, self.concentration0

    def _log_normalizer(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """``log B(x, y) = lgamma(x) + lgamma(y) - lgamma(x + y)``."""
        return lgamma(x) + lgamma(y) - lgamma(x + y)
