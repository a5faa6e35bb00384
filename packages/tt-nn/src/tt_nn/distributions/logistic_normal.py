"""``LogisticNormal``: a Normal vector mapped onto the simplex by stick-breaking (``torch.distributions``).

``loc`` and ``scale`` (last dim ``K - 1``) give ``x ~ N(loc, scale²)``; the draw is
``y = stick(x)`` on the ``K``-simplex: ``z_i = sigmoid(x_i - log(K - 1 - i))`` (0-based
``i``), ``y_i = z_i Π_{j<i} (1 - z_j)`` and ``y_K = Π_j (1 - z_j)``, as PyTorch's
``StickBreakingTransform``. ``log_prob(y)`` is the Normal log density of ``x = stick⁻¹(y)``
summed over the last dim, minus the log-Jacobian ``Σ(-x' + logsigmoid(x') + log y_i)``
with ``x' = x - log(K - 1 - i)``. PyTorch builds it as a ``TransformedDistribution``;
TinyTorch writes it out. No mean, variance or entropy (as PyTorch). A scalar ``loc``
means ``K = 2``.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..functional import logsigmoid
from . import constraints
from .distribution import Distribution
from .normal import Normal
from .utils import broadcast_all


class LogisticNormal(Distribution):
    """The logistic-normal distribution on the simplex.

    Args:
        loc: the Normal's mean, last dim ``K - 1`` (a number or a tensor).
        scale: its standard deviation, positive, broadcast with ``loc``.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> LogisticNormal(0.0, 1.0).rsample().shape
        tt.Size([2])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale, op=type(self).__name__)
        if self.loc.dim() == 0:
            self.loc, self.scale = self.loc.reshape(1), self.scale.reshape(1)
        self._normal = Normal(self.loc, self.scale, validate_args=False)
        shape = self.loc.shape
        super().__init__(shape[:-1], (shape[-1] + 1,), validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> LogisticNormal:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape) + self.loc.shape[-1:]
        return LogisticNormal(self.loc.expand(*shape), self.scale.expand(*shape), self._validate_args)

    def _offset_log(self, like: autograd.Tensor) -> autograd.Tensor:
        """``log(K - 1 - i)`` for ``i = 0..K-2``."""
        count = self.loc.shape[-1]
        return autograd.tensor(np.log(np.arange(count, 0, -1, dtype=np.float64)), dtype=like.dtype)

    def _stick(self, x: autograd.Tensor) -> autograd.Tensor:
        finfo = np.finfo(x.dtype.numpy)
        z = (x - self._offset_log(x)).sigmoid().clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))
        remaining = (1 - z).cumprod(dim=-1)
        ones = autograd.ones(*(x.shape[:-1] + (1,)), dtype=x.dtype)
        return autograd.cat([z, ones], dim=-1) * autograd.cat([ones, remaining], dim=-1)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``stick(loc + scale·eps)``, ``eps`` standard normal from the default generator."""
        return self._stick(self._normal.rsample(sample_shape))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The Normal log density of ``stick⁻¹(y)`` minus the stick-breaking log-Jacobian."""
        if self._validate_args:
            self._validate_sample(value)
        finfo = np.finfo(value.dtype.numpy)
        crop = value[..., :-1]
        survival = (1 - crop.cumsum(dim=-1)).clamp(min=float(finfo.tiny))
        offset = self._offset_log(value)
        x = crop.log() - survival.log() + offset
        shifted = x - offset
        log_det = (-shifted + logsigmoid(shifted) + crop.log()).sum(dim=-1)
        return self._normal.log_prob(x).sum(dim=-1) - log_det
