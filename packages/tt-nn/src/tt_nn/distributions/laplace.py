"""``Laplace``: the double exponential around ``loc`` with spread ``scale`` (``torch.distributions.Laplace``).

Density ``exp(-|x - loc| / scale) / (2 scale)``. ``rsample`` is
reparameterised: ``loc - scale sign(u) log(1 - |u|)`` with ``u`` uniform on
``[eps - 1, 1)`` (``eps`` the dtype's machine epsilon, so ``log(0)`` never occurs).
"""

from __future__ import annotations

import tt_autograd as autograd

from .loc_scale import LocScale
from .utils import epsilon


class Laplace(LocScale):
    """The Laplace distribution with location ``loc`` and positive ``scale``.

    Example:
        >>> import tt_autograd as autograd
        >>> Laplace(0.0, 0.5).log_prob(autograd.tensor(1.0))
        tensor(-2.)
    """

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        super().__init__(loc, scale, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.loc

    @property
    def stddev(self) -> autograd.Tensor:
        return self.scale * 2**0.5

    @property
    def variance(self) -> autograd.Tensor:
        return 2 * self.scale.pow(2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc - scale sign(u) log(1 - |u|)``, ``u`` uniform on ``[eps - 1, 1)``."""
        eps = epsilon(self.loc.dtype)
        u = autograd.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``1/2 - 1/2 sign(value - loc) expm1(-|value - loc| / scale)``."""
        if self._validate_args:
            self._validate_sample(value)
        shifted = value - self.loc
        return 0.5 - 0.5 * shifted.sign() * (-shifted.abs() / self.scale).expm1()

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)`` for a probability ``p``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> autograd.Tensor:
        """``1 + log(2 scale)``."""
        return 1 + (2 * self.scale).log()
