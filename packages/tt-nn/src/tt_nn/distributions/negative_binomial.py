"""``NegativeBinomial``: successes before ``total_count`` failures (``torch.distributions.NegativeBinomial``).

Mass ``Γ(r + k) / (Γ(r) k!) p^k (1 - p)^r`` for ``k = 0, 1, ...``, with ``p``
the success probability (``probs``, in ``[0, 1)``, or ``logits``) and ``r =
total_count ≥ 0`` (real-valued counts are allowed). ``log_prob`` is written with
``logsigmoid`` of the logit, stable near 0 and 1; the ``r = k = 0`` term's
normaliser is 0 (mass 1 at 0 for ``r = 0``). Draws are Poisson with a
Gamma(``r``, scale ``p / (1 - p)``) rate, from the default generator; no ``rsample``.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..functional import logsigmoid
from ..special import lgamma
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, logits_to_probs, probs_to_logits


class NegativeBinomial(Distribution):
    """The number of successes before ``total_count`` failures, each trial succeeding with ``probs``.

    Args:
        total_count: ``r ≥ 0``, the number of failures to stop at (a number or a tensor).
        probs: the success probability, in ``[0, 1)``.
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> NegativeBinomial(2.0, probs=0.5).log_prob(autograd.tensor(0.0)).exp()
        tensor(0.2500)
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(
        self,
        total_count: object,
        probs: object = None,
        logits: object = None,
        validate_args: bool | None = None,
    ) -> None:
        name = type(self).__name__
        if (probs is None) == (logits is None):
            raise ValueError(f"{name}: pass either probs or logits, but not both (and not neither)")
        self._given = "probs" if probs is not None else "logits"
        count, parameter = broadcast_all(total_count, probs if probs is not None else logits, op=name)
        self.total_count = count.to(parameter.dtype)
        if probs is not None:
            self.probs, self.logits = parameter, probs_to_logits(parameter, is_binary=True)
        else:
            self.logits, self.probs = parameter, logits_to_probs(parameter, is_binary=True)
        super().__init__(parameter.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return ["total_count", self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> NegativeBinomial:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        parameter = getattr(self, self._given).expand(*shape)
        return NegativeBinomial(
            self.total_count.expand(*shape), validate_args=self._validate_args, **{self._given: parameter}
        )

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def mean(self) -> autograd.Tensor:
        """``r p / (1 - p) = r e^logit``."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> autograd.Tensor:
        """``floor((r - 1) p / (1 - p))``, at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> autograd.Tensor:
        """``mean / (1 - p)``."""
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Counts of shape ``sample_shape + batch_shape`` (no gradient): Poisson of a Gamma rate."""
        shape = self._extended_shape(sample_shape)
        generator = autograd.default_generator.numpy
        count = np.broadcast_to(self.total_count.detach().numpy(), shape).astype(np.float64)
        odds = np.broadcast_to(self.logits.detach().numpy(), shape).astype(np.float64)
        rate = generator.gamma(count, np.exp(odds))
        return autograd.tensor(np.asarray(generator.poisson(rate), dtype=np.float64), dtype=self.probs.dtype)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``r logsigmoid(-logit) + k logsigmoid(logit) + lgamma(r + k) - lgamma(k + 1) - lgamma(r)``."""
        if self._validate_args:
            self._validate_sample(value)
        count = self.total_count
        unnormalized = count * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        with np.errstate(invalid="ignore"):  # r = k = 0: inf - inf, replaced just below
            normalization = -lgamma(count + value) + lgamma(1.0 + value) + lgamma(count)
        normalization = autograd.where(count + value == 0.0, 0.0, normalization)
        return unnormalized - normalization
