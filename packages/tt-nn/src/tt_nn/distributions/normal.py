"""``Normal``: the Gaussian with mean ``loc`` and standard deviation ``scale`` (``torch.distributions``).

``rsample`` is reparameterised: ``loc + scale * eps`` with ``eps`` standard
normal noise, so a loss on the sample has gradients in ``loc`` and ``scale``
(the VAE's trick). ``cdf`` is ``Phi((x - loc) / scale)`` through
:func:`tt_nn.special.ndtr` (module 03's ``erfc``; its derivative is the density);
``icdf`` is ``loc + scale * ndtri(p)`` with :func:`tt_nn.special.ndtri`
(PyTorch writes ``erfinv(2p - 1)·√2``, the same function; ``ndtri`` keeps
its digits for ``p`` near 0).
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import ndtr, ndtri
from .exp_family import ExponentialFamily
from .loc_scale import LocScale

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class Normal(LocScale, ExponentialFamily):
    """The normal distribution ``N(loc, scale^2)``, batched over the broadcast shape of its parameters.

    Args:
        loc: the mean (a number or a tensor).
        scale: the standard deviation, positive (a number or a tensor).
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).

    Shape:
        ``rsample(sample_shape)``: ``sample_shape + batch_shape``.

    Example:
        >>> import tt_autograd as autograd
        >>> Normal(0.0, 1.0).log_prob(autograd.tensor(0.0))
        tensor(-0.9189)
    """

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        super().__init__(loc, scale, validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.loc

    @property
    def stddev(self) -> autograd.Tensor:
        return self.scale

    @property
    def variance(self) -> autograd.Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc + scale * eps``, ``eps`` standard normal noise from the default generator."""
        noise = autograd.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + noise * self.scale

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))``."""
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale.pow(2)) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``P(X <= value) = Phi((value - loc) / scale)``, differentiable in all three."""
        if self._validate_args:
            self._validate_sample(value)
        return ndtr((value - self.loc) / self.scale)

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """The quantile ``loc + scale * Phi^-1(value)``, differentiable in all three; NaN outside [0, 1]."""
        return self.loc + self.scale * ndtri(value)

    def entropy(self) -> autograd.Tensor:
        """``1/2 + log(sqrt(2 pi)) + log(scale)``."""
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor, autograd.Tensor]:
        """``(loc / scale², -1 / (2 scale²))``, the weights of ``x`` and ``x²``."""
        return self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal()

    def _log_normalizer(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """``-x² / (4y) + log(-π / y) / 2``."""
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()
