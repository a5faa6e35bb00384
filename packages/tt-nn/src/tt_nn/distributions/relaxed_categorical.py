"""``RelaxedOneHotCategorical``: the Concrete (Gumbel-softmax) relaxation (``torch.distributions``).

A draw is ``softmax((logits + g) / τ)`` for Gumbel noise ``g``: points of the simplex
that approach one-hot vectors as the temperature ``τ → 0``, differentiable in the
logits (and ``τ``) through ``rsample`` (Maddison et al., Jang et al., 2017). PyTorch
builds it as a ``TransformedDistribution`` of ``ExpRelaxedCategorical`` through an
``ExpTransform``; TinyTorch writes it out: with ``x = log y`` and ``K`` categories,
``log_prob(y) = lgamma(K) + (K - 1) log τ + Σ(s - logsumexp(s)) - Σ x``, ``s = logits - τ x``.
No mean, variance or entropy, as in PyTorch. ``temperature`` may be a number here.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import clamp_probs, temperature_tensor


class RelaxedOneHotCategorical(Distribution):
    """The relaxed one-hot categorical distribution at ``temperature``; give ``probs`` or ``logits``.

    Args:
        temperature: ``τ > 0``, a number or a tensor.
        probs: category weights along the last dim (normalised, as ``Categorical``'s).
        logits: unnormalised log-probabilities along the last dim.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> m = RelaxedOneHotCategorical(1.0, probs=autograd.tensor([0.5, 0.5]))
        >>> m.log_prob(autograd.tensor([0.5, 0.5]))
        tensor(0.)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(
        self,
        temperature: object,
        probs: autograd.Tensor | None = None,
        logits: autograd.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(
                f"{type(self).__name__}: pass either probs or logits, but not both (and not neither)"
            )
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        self._given = self._categorical._given
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.temperature = temperature_tensor(type(self).__name__, temperature, self.probs.dtype)
        batch = self._categorical.batch_shape
        super().__init__(batch, self._categorical.param_shape[-1:], validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> RelaxedOneHotCategorical:
        """The same distribution repeated over a larger ``batch_shape`` (the temperature shared)."""
        parameter = getattr(self, self._given).expand(*(tuple(batch_shape) + self._event_shape))
        return RelaxedOneHotCategorical(
            self.temperature, validate_args=self._validate_args, **{self._given: parameter}
        )

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``softmax(s)`` as ``exp(s - logsumexp(s))``, ``s = (logits - log(-log u)) / τ``, ``u`` clamped."""
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(autograd.rand(shape, dtype=self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return (scores - scores.logsumexp(dim=-1, keepdim=True)).exp()

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``lgamma(K) + (K - 1) log τ + Σ(s - logsumexp(s)) - Σ log y``, ``s = logits - τ log y``."""
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        x = value.log()
        log_scale = math.lgamma(k) + (k - 1) * self.temperature.log()
        score = self.logits - x * self.temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(dim=-1)
        return score + log_scale - x.sum(dim=-1)
