"""``Poisson``: counts of events that happen at ``rate`` per interval (``torch.distributions.Poisson``).

Mass ``rate^k e^(-rate) / k!`` for ``k = 0, 1, 2, ...``. ``log_prob`` is
``xlogy(k, rate) - rate - lgamma(k + 1)`` (``xlogy``: a zero rate gives mass 1 at
``k = 0``), differentiable in ``rate``. Draws come from :func:`tt_autograd.poisson`
(NumPy's sampler on the default generator); there is no ``rsample`` (counts are
not differentiable in the rate) and, as in PyTorch, no ``entropy`` (no closed form).
"""

from __future__ import annotations

import tt_autograd as autograd

from ..special import lgamma
from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all


class Poisson(ExponentialFamily):
    """The Poisson distribution with non-negative ``rate`` (its mean and variance).

    Args:
        rate: the expected count (a number or a tensor, ``>= 0``).
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape``, whole numbers in ``rate``'s dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> Poisson(2.0).log_prob(autograd.tensor(0.0))
        tensor(-2.)
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: object, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate, op=type(self).__name__)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> Poisson:
        """The same distribution repeated over a larger ``batch_shape``."""
        return Poisson(self.rate.expand(*tuple(batch_shape)), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.rate

    @property
    def mode(self) -> autograd.Tensor:
        """``floor(rate)`` (at a whole-number rate, ``rate - 1`` is as likely; PyTorch picks ``rate``)."""
        return self.rate.floor()

    @property
    def variance(self) -> autograd.Tensor:
        return self.rate

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Counts of shape ``sample_shape + batch_shape`` (no gradient)."""
        with autograd.no_grad():
            return autograd.poisson(self.rate.detach().expand(*self._extended_shape(sample_shape)))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``k log(rate) - rate - log(k!)``."""
        if self._validate_args:
            self._validate_sample(value)
        return autograd.xlogy(value, self.rate) - self.rate - lgamma(value + 1)

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    @property
    def _natural_params(self) -> tuple[autograd.Tensor]:
        """``(log rate,)``, the weight of ``k`` (the carrier ``-log k!`` has no closed mean: no entropy)."""
        return (self.rate.log(),)

    def _log_normalizer(self, x: autograd.Tensor) -> autograd.Tensor:
        """``exp(x)``."""
        return x.exp()
