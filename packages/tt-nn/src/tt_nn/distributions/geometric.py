"""``Geometric``: the number of failures before the first success (``torch.distributions.Geometric``).

Mass ``(1 - p)^k p`` for ``k = 0, 1, 2, ...``, each trial a success with
probability ``p``. Give ``probs`` (in ``(0, 1]``) or ``logits``; the other is
derived as for ``Bernoulli`` (probabilities clamped to ``[eps, 1 - eps]`` before
the logit). Draws are ``floor(log u / log(1 - p))`` for a uniform ``u`` (the
inverse CDF); no ``rsample`` (counts are not differentiable).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..functional import binary_cross_entropy_with_logits
from ..special import xlog1py
from . import constraints
from .distribution import Distribution
from .utils import binary_probs_or_logits


class Geometric(Distribution):
    """Failures before the first success, success probability ``probs``; give ``probs`` or ``logits``.

    Args:
        probs: the success probability of each trial (a number or a tensor, in ``(0, 1]``).
        logits: its log-odds.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape``, whole numbers in the parameter's dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> Geometric(probs=0.5).log_prob(autograd.tensor(2.0)).exp()
        tensor(0.1250)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(
        self, probs: object = None, logits: object = None, validate_args: bool | None = None
    ) -> None:
        self._given, self.probs, self.logits = binary_probs_or_logits("Geometric", probs, logits)
        super().__init__(self.probs.shape, validate_args=validate_args)
        if self._validate_args and self._given == "probs" and not np.all(self.probs.detach().numpy() > 0):
            raise ValueError(
                "Geometric: parameter probs must be positive (a success probability of 0 never succeeds), "
                "but found 0. Pass probabilities in (0, 1], or validate_args=False to skip the check"
            )

    def _parameter_names(self) -> list[str]:
        return [self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> Geometric:
        """The same distribution repeated over a larger ``batch_shape``."""
        parameter = getattr(self, self._given).expand(*tuple(batch_shape))
        return Geometric(**{self._given: parameter}, validate_args=self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.probs.reciprocal() - 1

    @property
    def mode(self) -> autograd.Tensor:
        return autograd.zeros_like(self.probs)

    @property
    def variance(self) -> autograd.Tensor:
        return (self.probs.reciprocal() - 1) / self.probs

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``floor(log u / log(1 - p))``, ``u`` uniform in ``[tiny, 1)`` (no gradient)."""
        shape = self._extended_shape(sample_shape)
        with autograd.no_grad():
            tiny = float(np.finfo(self.probs.dtype.numpy).tiny)
            uniforms = autograd.rand(shape, dtype=self.probs.dtype).clamp(min=tiny)
            with np.errstate(divide="ignore"):  # p = 1: log(0) = -inf, and log u / -inf = 0 failures
                return (uniforms.log() / (-self.probs.detach()).log1p()).floor()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``k log(1 - p) + log p`` (``xlog1py``: ``k = 0`` with ``p = 1`` gives 0, not NaN)."""
        if self._validate_args:
            self._validate_sample(value)
        return xlog1py(value, -self.probs) + self.probs.log()

    def entropy(self) -> autograd.Tensor:
        """``(-p log p - (1 - p) log(1 - p)) / p``: a trial's entropy times the expected trials."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
