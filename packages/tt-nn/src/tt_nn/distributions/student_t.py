"""``StudentT``: the t distribution with ``df`` degrees of freedom (``torch.distributions.StudentT``).

Density ``Γ((ν+1)/2) / (Γ(ν/2) √(νπ) scale) · (1 + y²/ν)^(-(ν+1)/2)`` with
``y = (x - loc) / scale``. ``rsample`` is PyTorch's construction
``loc + scale·Z / √(V / ν)`` with ``Z`` standard normal and ``V ~ Chi2(ν)`` drawn
with :class:`.Chi2`'s reparameterised sampler, so gradients reach ``df`` (through
the Gamma draw's implicit gradient), ``loc`` and ``scale``.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import digamma, lgamma
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import broadcast_all


class StudentT(Distribution):
    """Student's t with positive ``df``, location ``loc`` and positive ``scale``.

    Args:
        df: the degrees of freedom ``ν > 0`` (a number or a tensor).
        loc: the centre (default 0).
        scale: the spread (default 1).
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> StudentT(1.0).log_prob(autograd.tensor(0.0))  # df = 1 is the Cauchy: -log(pi)
        tensor(-1.1447)
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(
        self, df: object, loc: object = 0.0, scale: object = 1.0, validate_args: bool | None = None
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale, op=type(self).__name__)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> StudentT:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        expanded = (self.df.expand(*shape), self.loc.expand(*shape), self.scale.expand(*shape))
        return StudentT(*expanded, validate_args=self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        """``loc`` for ``df > 1``, NaN otherwise (no mean)."""
        return autograd.where(self.df > 1, self.loc, float("nan"))

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc

    @property
    def variance(self) -> autograd.Tensor:
        """``scale² df / (df - 2)`` for ``df > 2``; ``inf`` for ``1 < df <= 2``; NaN for ``df <= 1``."""
        above = self.df > 2
        df = self.df.where(above, 3.0)  # (not df itself: at df = 2 the unused branch's -inf slope, times
        finite = self.scale.pow(2) * df / (df - 2)  # where's 0, made the gradient NaN; PyTorch's is 0)
        unbounded = autograd.where(self.df > 1, float("inf"), float("nan"))
        return autograd.where(above, finite, unbounded)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc + scale·Z / √(V / df)``, ``Z ~ N(0, 1)`` and ``V ~ Chi2(df)``."""
        shape = self._extended_shape(sample_shape)
        normal = autograd.randn(shape, dtype=self.df.dtype)
        chi2 = Chi2(self.df, validate_args=False).rsample(sample_shape)
        return self.loc + self.scale * normal * (chi2 / self.df).rsqrt()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-(df + 1)/2 · log(1 + y²/df) - log scale - log(df π)/2 - lgamma(df/2) + lgamma((df+1)/2)``."""
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        log_norm = (
            self.scale.log()
            + 0.5 * (df.log() + math.log(math.pi))
            + lgamma(0.5 * df)
            - lgamma(0.5 * (df + 1))
        )
        return -0.5 * (df + 1) * (y.pow(2) / df).log1p() - log_norm

    def entropy(self) -> autograd.Tensor:
        """``log scale + (df+1)/2 (digamma((df+1)/2) - digamma(df/2)) + log(df)/2 + log B(df/2, 1/2)``."""
        df = self.df
        log_beta = lgamma(0.5 * df) + 0.5 * math.log(math.pi) - lgamma(0.5 * (df + 1))
        tail = 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
        return self.scale.log() + tail + 0.5 * df.log() + log_beta
