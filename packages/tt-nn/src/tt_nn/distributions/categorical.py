"""``Categorical``: one of ``K`` categories, from probabilities or logits (``torch.distributions``).

The last dim of ``probs`` (or ``logits``) holds the ``K`` categories; the dims
before it are the batch. As in PyTorch, ``probs`` are divided by their sum
along the last dim and ``logits`` are made log-probabilities
(``logits - logsumexp(logits)``); the other form is derived (``softmax`` of
logits, or ``log`` of probs clamped to ``[eps, 1 - eps]``, so a zero
probability has a finite logit and entropies stay free of NaN). A logit of
``-inf`` is a category of probability 0.

This is what policy-gradient code samples actions with::

    m = Categorical(probs)          # probs: (batch, actions), from a softmax
    action = m.sample()             # (batch,), int64, no gradient
    loss = -(m.log_prob(action) * returns).sum()   # gradients reach probs

Cost: ``sample`` draws one uniform per draw and compares it with the
cumulative probabilities (``O(draws x K)`` memory, no Python loop);
``log_prob`` is one gather.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from . import constraints
from .distribution import Distribution
from .utils import logits_to_probs, probs_to_logits


def inverse_cdf_draws(probs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Category indices: for each uniform ``u`` (shape ``S + batch``), the first ``k`` with ``u < cdf[k]``.

    ``probs`` has shape ``batch + (K,)``; the cumulative sums are divided by
    their last entry so the last one is exactly 1 and every ``u < 1`` lands on
    a category of positive probability (never on a trailing zero-probability one).
    """
    cdf = np.cumsum(probs, axis=-1, dtype=np.float64)
    cdf /= cdf[..., -1:]  # x / x is exactly 1, so no u < 1 reaches past the last category
    return np.asarray((uniforms[..., None] >= cdf).sum(axis=-1), dtype=np.int64)  # an array even for one draw


class Categorical(Distribution):
    """A distribution over ``{0, ..., K-1}``; give exactly one of ``probs`` or ``logits``.

    Args:
        probs: non-negative weights, shape ``batch_shape + (K,)`` (normalised along the last dim).
        logits: unnormalised log-probabilities, same shape.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape``, int64.
        ``log_prob(value)``: ``value`` broadcast against ``batch_shape``.

    Example:
        >>> import tt_autograd as autograd
        >>> m = Categorical(probs=autograd.tensor([0.25, 0.25, 0.5]))
        >>> m.log_prob(autograd.tensor(2)).exp()
        tensor(0.5000)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(
        self,
        probs: autograd.Tensor | None = None,
        logits: autograd.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        name = type(self).__name__
        if (probs is None) == (logits is None):
            raise ValueError(f"{name}: pass either probs or logits, but not both (and not neither)")
        given, self._given = (probs, "probs") if probs is not None else (logits, "logits")
        if not isinstance(given, autograd.Tensor):
            raise TypeError(f"{name}: {self._given} must be a tensor, got {type(given).__name__}")
        if given.dim() < 1:
            raise ValueError(
                f"{name}: {self._given} must be at least one-dimensional (categories on the last dim)"
            )
        if probs is not None:
            with np.errstate(invalid="ignore", divide="ignore"):  # all-zero rows: NaN, caught by validation
                self.probs = probs / probs.sum(dim=-1, keepdim=True)
            self.logits = probs_to_logits(self.probs)
        else:
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self.probs = logits_to_probs(self.logits)
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given: ``batch_shape + (K,)``."""
        return self.probs.shape

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> autograd.Tensor:
        """NaN: categories are labels, without a mean (as in PyTorch)."""
        return autograd.full(self._batch_shape, float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self) -> autograd.Tensor:
        """The most probable category."""
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> autograd.Tensor:
        """NaN, like ``mean``."""
        return autograd.full(self._batch_shape, float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Category indices of shape ``sample_shape + batch_shape`` (int64), by inverse-CDF sampling."""
        shape = self._extended_shape(sample_shape)
        uniforms = autograd.rand(shape, dtype=autograd.float64).numpy()
        return autograd.from_numpy(inverse_cdf_draws(self.probs.detach().numpy(), uniforms))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``log probs[value]``, with ``value`` broadcast against ``batch_shape``."""
        if self._validate_args:
            self._validate_sample(value)
        index, log_pmf = autograd.broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self) -> autograd.Tensor:
        """``-sum(p log p)`` over the categories (a ``-inf`` logit with ``p = 0`` adds 0, not NaN)."""
        lowest = float(np.finfo(self.logits.dtype.numpy).min)
        return -(self.logits.clamp(min=lowest) * self.probs).sum(dim=-1)

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        """``0..K-1`` along a new first dim: shape ``(K,) + batch_shape`` (``(K, 1, ...)`` unexpanded)."""
        values = autograd.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(self._num_events, *self._batch_shape) if expand else values
