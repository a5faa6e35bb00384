"""``RelaxedBernoulli``: the Concrete / Gumbel-softmax relaxation of a coin (``torch.distributions``).

A draw is ``sigmoid((logit(u) + logit(p)) / τ)`` for uniform ``u`` and temperature
``τ``: values in ``(0, 1)`` that approach 0/1 coin flips as ``τ → 0``, with
gradients reaching ``p`` (and ``τ``) through ``rsample`` (Maddison et al., Jang et al., 2017).
PyTorch builds it as a ``TransformedDistribution`` of ``LogitRelaxedBernoulli`` through a
``SigmoidTransform``; TinyTorch writes it out: with ``x = logit(y)`` (``y`` clamped to
``[tiny, 1 - eps]``) and ``d = logit(p) - τ x``, ``log_prob(y) = log τ + d - 2 softplus(d)
+ softplus(x) + softplus(-x)`` (the sigmoid's Jacobian). No mean, variance, entropy or CDF,
as in PyTorch. ``temperature`` may be a number here (PyTorch needs a tensor).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..functional import softplus
from . import constraints
from .distribution import Distribution
from .utils import binary_probs_or_logits, clamp_probs, temperature_tensor


class RelaxedBernoulli(Distribution):
    """The relaxed Bernoulli distribution at ``temperature``; give exactly one of ``probs`` or ``logits``.

    Args:
        temperature: ``τ > 0``, a number or a tensor broadcastable with the parameter.
        probs: the probability of 1 (a number or a tensor).
        logits: its log-odds.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> RelaxedBernoulli(1.0, probs=0.5).log_prob(autograd.tensor(0.5))
        tensor(0.)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        temperature: object,
        probs: object = None,
        logits: object = None,
        validate_args: bool | None = None,
    ) -> None:
        name = type(self).__name__
        self._given, self.probs, self.logits = binary_probs_or_logits(name, probs, logits)
        self.temperature = temperature_tensor(name, temperature, self.probs.dtype)
        super().__init__(self.probs.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> RelaxedBernoulli:
        """The same distribution repeated over a larger ``batch_shape`` (the temperature shared)."""
        parameter = getattr(self, self._given).expand(*tuple(batch_shape))
        return RelaxedBernoulli(
            self.temperature, validate_args=self._validate_args, **{self._given: parameter}
        )

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``sigmoid((logit(u) + logit(p)) / τ)`` clamped to ``[tiny, 1 - eps]`` (so are ``p`` and ``u``)."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(*shape))
        uniforms = clamp_probs(autograd.rand(shape, dtype=probs.dtype))
        x = (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature
        return self._clipped_sigmoid(x)

    def _clipped_sigmoid(self, x: autograd.Tensor) -> autograd.Tensor:
        finfo = np.finfo(x.dtype.numpy)
        return x.sigmoid().clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The logistic log density of ``x = logit(y)`` plus ``softplus(x) + softplus(-x)``."""
        if self._validate_args:
            self._validate_sample(value)
        finfo = np.finfo(value.dtype.numpy)
        y = value.clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))
        x = y.log() - (-y).log1p()
        logits, x = autograd.broadcast_tensors(self.logits, x)
        diff = logits - x * self.temperature
        base = self.temperature.log() + diff - 2 * diff.exp().log1p()
        return base + softplus(-x) + softplus(x)
