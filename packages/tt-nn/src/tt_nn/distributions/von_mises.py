"""``VonMises``: the circular normal distribution on angles (``torch.distributions.VonMises``).

Density ``exp(κ cos(x - loc)) / (2π I0(κ))`` for angles ``x`` (any real: the density
is periodic), ``κ = concentration``. ``log I0(κ)`` is ``log i0e(κ) + κ`` with
:func:`tt_nn.special.i0e` (exact to float64, where PyTorch uses a polynomial fit good to
about 1e-7, so the two differ in the 8th digit). ``mean`` and ``mode`` are ``loc`` and
``variance`` the circular one, ``1 - I1(κ)/I0(κ)``. Draws use Best and Fisher's (1979)
rejection sampler in float64 on the default generator, wrapped into ``[-π, π)``; as in
PyTorch there is no ``rsample``, no ``entropy`` and no ``cdf``.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from ..special import i0e, i1e
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all


class VonMises(Distribution):
    """The von Mises distribution with mean direction ``loc`` and ``concentration`` κ.

    Args:
        loc: the mean angle, in radians (a number or a tensor).
        concentration: ``κ > 0``; larger is more peaked (about ``Normal(loc, 1/√κ)`` for large κ).
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> VonMises(0.0, 1.0).log_prob(autograd.tensor(0.0))
        tensor(-1.0738)
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc: object, concentration: object, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration, op=type(self).__name__)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> VonMises:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return VonMises(self.loc.expand(*shape), self.concentration.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``loc``, the circular mean."""
        return self.loc

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc

    @property
    def variance(self) -> autograd.Tensor:
        """The circular variance ``1 - I1(κ) / I0(κ)``."""
        return 1 - i1e(self.concentration) / i0e(self.concentration)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``κ cos(x - loc) - log 2π - log I0(κ)``."""
        if self._validate_args:
            self._validate_sample(value)
        kappa = self.concentration
        return kappa * (value - self.loc).cos() - math.log(2 * math.pi) - (i0e(kappa).log() + kappa)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Angles in ``[-π, π)`` of shape ``sample_shape + batch_shape`` (no gradient), by rejection."""
        shape = self._extended_shape(sample_shape)
        loc = np.broadcast_to(self.loc.detach().numpy().astype(np.float64), shape)
        kappa = np.broadcast_to(self.concentration.detach().numpy().astype(np.float64), shape)
        tau = 1 + np.sqrt(1 + 4 * kappa**2)
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        with np.errstate(divide="ignore", invalid="ignore"):  # tiny κ: the Taylor form is used instead
            proposal = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho**2) / (2 * rho))
        x = np.zeros(shape)
        done = np.zeros(shape, dtype=bool)
        while not done.all():
            u1, u2, u3 = autograd.rand((3,) + shape, dtype=autograd.float64).numpy()
            z = np.cos(math.pi * u1)
            f = (1 + proposal * z) / (proposal + z)
            c = kappa * (proposal - f)
            with np.errstate(divide="ignore", invalid="ignore"):
                accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
            x = np.where(accept & ~done, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1, 1)), x)
            done |= accept
        angles = (x + math.pi + loc) % (2 * math.pi) - math.pi
        return autograd.tensor(angles, dtype=self.loc.dtype)
