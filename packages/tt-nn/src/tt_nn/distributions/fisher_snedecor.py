"""``FisherSnedecor``: the F distribution, a ratio of scaled chi-squares (``torch.distributions``).

Density ``x^(d1/2 - 1) (d1/d2)^(d1/2) (1 + d1 x / d2)^(-(d1 + d2)/2) / B(d1/2, d2/2)``
for ``x > 0``. ``rsample`` is ``X1 / X2`` with ``Xi ~ Gamma(di/2, di)`` (each a
chi-square over its degrees of freedom), reparameterised through :mod:`.standard_gamma`
and clamped to the dtype's smallest normal number, as PyTorch's. The mean is NaN for
``d2 ≤ 2``, the variance for ``d2 ≤ 4``, the mode for ``d1 ≤ 2`` (PyTorch's choice).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..special import lgamma
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all

_NAN = float("nan")


class FisherSnedecor(Distribution):
    """The Fisher-Snedecor (F) distribution with positive degrees of freedom ``df1`` and ``df2``.

    Args:
        df1: the numerator's degrees of freedom (a number or a tensor).
        df2: the denominator's degrees of freedom.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> FisherSnedecor(3.0, 8.0).mean
        tensor(1.3333)
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: object, df2: object, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2, op=type(self).__name__)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=False)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=False)
        super().__init__(self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> FisherSnedecor:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return FisherSnedecor(self.df1.expand(*shape), self.df2.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``d2 / (d2 - 2)``, NaN for ``d2 ≤ 2``."""
        df2 = autograd.where(self.df2 <= 2, _NAN, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> autograd.Tensor:
        """``(d1 - 2) / d1 · d2 / (d2 + 2)``, NaN for ``d1 ≤ 2``."""
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return autograd.where(self.df1 <= 2, _NAN, mode)

    @property
    def variance(self) -> autograd.Tensor:
        """``2 d2² (d1 + d2 - 2) / (d1 (d2 - 2)² (d2 - 4))``, NaN for ``d2 ≤ 4``."""
        df1, df2 = self.df1, autograd.where(self.df2 <= 4, _NAN, self.df2)
        return 2 * df2.pow(2) * (df1 + df2 - 2) / (df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``X1 / X2`` for ``Xi ~ Gamma(di / 2, di)``, both kept at least the smallest normal number."""
        tiny = float(np.finfo(self.df1.dtype.numpy).tiny)
        numerator = self._gamma1.rsample(sample_shape)
        denominator = self._gamma2.rsample(sample_shape).clamp(min=tiny)
        return (numerator / denominator).clamp(min=tiny)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``lgamma((d1+d2)/2) - lgamma(d1/2) - lgamma(d2/2) + (d1/2) log(d1/d2) + (d1/2 - 1) log x
        - ((d1+d2)/2) log1p(d1 x / d2)``."""
        if self._validate_args:
            self._validate_sample(value)
        half1, half2, ratio = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        t1 = lgamma(half1 + half2) - lgamma(half1) - lgamma(half2)
        t2 = half1 * ratio.log() + (half1 - 1) * value.log()
        return t1 + t2 - (half1 + half2) * (ratio * value).log1p()
