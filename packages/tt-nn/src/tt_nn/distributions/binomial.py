"""``Binomial``: successes in ``total_count`` trials of probability ``p`` (``torch.distributions.Binomial``).

Mass ``C(n, k) p^k (1 - p)^(n - k)`` for ``k = 0..n``. Give ``probs`` or
``logits`` (the other derived as for ``Bernoulli``); ``total_count`` is a whole
number or a tensor of them, broadcast with the probability. ``log_prob`` is
written with the logit, ``k·logit - n·softplus(logit) + log C(n, k)`` with
``log C`` from :func:`tt_nn.special.lgamma`, stable for probabilities near 0 or 1
and differentiable in the probability. Draws come from NumPy's binomial sampler on
the default generator; no ``rsample``. ``entropy`` and ``enumerate_support`` sum or
list ``0..n``, so, as in PyTorch, they need one ``total_count`` for the whole batch.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..functional import softplus
from ..special import lgamma
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, logits_to_probs, probs_to_logits


class Binomial(Distribution):
    """Successes in ``total_count`` independent trials of probability ``probs`` (or ``logits``).

    Args:
        total_count: the number of trials, a whole number ``>= 0`` or a tensor of them (default 1).
        probs: the success probability (a number or a tensor, in ``[0, 1]``).
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape``, whole numbers in the parameter's dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> Binomial(4, probs=0.5).log_prob(autograd.tensor(2.0)).exp()
        tensor(0.3750)
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: object = 1,
        probs: object = None,
        logits: object = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Binomial: pass either probs or logits, but not both (and not neither)")
        self._given = "probs" if probs is not None else "logits"
        given = probs if probs is not None else logits
        self.total_count, parameter = broadcast_all(total_count, given, op=type(self).__name__)
        self.total_count = self.total_count.to(parameter.dtype)
        if probs is not None:
            self.probs = parameter
            self.logits = probs_to_logits(parameter, is_binary=True)
        else:
            self.logits = parameter
            self.probs = logits_to_probs(parameter, is_binary=True)
        super().__init__(parameter.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return ["total_count", self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> Binomial:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        parameter = getattr(self, self._given).expand(*shape)
        return Binomial(
            self.total_count.expand(*shape), validate_args=self._validate_args, **{self._given: parameter}
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count.detach().numpy())

    @property
    def mean(self) -> autograd.Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> autograd.Tensor:
        """``floor((n + 1) p)``, at most ``n``."""
        return ((self.total_count + 1) * self.probs).floor().minimum(self.total_count)

    @property
    def variance(self) -> autograd.Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Success counts of shape ``sample_shape + batch_shape`` (no gradient)."""
        shape = self._extended_shape(sample_shape)
        trials = np.broadcast_to(self.total_count.detach().numpy(), shape).astype(np.int64)
        chance = np.broadcast_to(self.probs.detach().numpy(), shape).astype(np.float64)
        counts = autograd.default_generator.numpy.binomial(trials, chance)
        return autograd.tensor(np.asarray(counts), dtype=self.probs.dtype)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``k·logit - n·softplus(logit) + lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1)``."""
        if self._validate_args:
            self._validate_sample(value)
        count, logits = self.total_count, self.logits
        log_combinations = lgamma(count + 1) - lgamma(value + 1) - lgamma(count - value + 1)
        return value * logits - count * softplus(logits) + log_combinations

    def _single_count(self, what: str) -> int:
        counts = np.unique(self.total_count.detach().numpy())
        if counts.size != 1:
            raise NotImplementedError(
                f"Binomial.{what}: needs one total_count for the whole batch (it lists 0..n), got "
                f"{counts.size} different ones; make one Binomial per total_count"
            )
        return int(counts[0])

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        """``0..n`` along a new first dim: ``(n + 1,) + batch_shape`` (``(n + 1, 1, ...)`` unexpanded)."""
        count = self._single_count("enumerate_support")
        values = autograd.arange(count + 1, dtype=self.probs.dtype).reshape(
            (-1,) + (1,) * len(self._batch_shape)
        )
        return values.expand(count + 1, *self._batch_shape) if expand else values

    def entropy(self) -> autograd.Tensor:
        """``-Σ_k P(k) log P(k)`` over ``k = 0..n``."""
        self._single_count("entropy")
        values = self.enumerate_support(expand=False)
        log_pmf = self.log_prob(values)
        return -(log_pmf.exp() * log_pmf).sum(dim=0)
