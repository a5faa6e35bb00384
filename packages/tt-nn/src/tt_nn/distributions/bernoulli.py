"""``Bernoulli``: 1 with probability ``p``, else 0 (``torch.distributions.Bernoulli``).

Give ``probs`` (in ``[0, 1]``) or ``logits`` (``log p - log(1 - p)``), a
number or a tensor; the batch shape is the parameter's. The other form is
derived: ``sigmoid(logits)``, or the logit of ``probs`` clamped to
``[eps, 1 - eps]`` (PyTorch's convention, so ``p = 0`` gives a large negative
logit, not ``-inf``). ``log_prob`` and ``entropy`` are binary cross-entropies
with logits, which are stable for large logits.

Cost: ``sample`` is one uniform per draw; the rest are element-wise.
"""

from __future__ import annotations

import tt_autograd as autograd

from ..functional import binary_cross_entropy_with_logits
from . import constraints
from .exp_family import ExponentialFamily
from .utils import binary_probs_or_logits, broadcast_all


class Bernoulli(ExponentialFamily):
    """A coin with probability ``probs`` of 1; give exactly one of ``probs`` or ``logits``.

    Args:
        probs: probabilities of 1 (a number or a tensor, values in ``[0, 1]``).
        logits: log-odds of 1.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape``, in the parameter's float dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> Bernoulli(probs=autograd.tensor([0.2, 0.9])).log_prob(autograd.tensor([0.0, 1.0])).exp()
        tensor([0.8000, 0.9000])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(
        self, probs: object = None, logits: object = None, validate_args: bool | None = None
    ) -> None:
        self._given, self.probs, self.logits = binary_probs_or_logits("Bernoulli", probs, logits)
        super().__init__(self.probs.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self.probs.shape

    @property
    def mean(self) -> autograd.Tensor:
        return self.probs

    @property
    def mode(self) -> autograd.Tensor:
        """1 where ``p > 1/2``, 0 where ``p < 1/2``, NaN at ``p = 1/2`` (no single mode; PyTorch's choice)."""
        ones = (self.probs >= 0.5).to(self.probs.dtype)
        return autograd.where(self.probs == 0.5, float("nan"), ones)

    @property
    def variance(self) -> autograd.Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """0/1 draws of shape ``sample_shape + batch_shape`` in the parameter's dtype (no gradient)."""
        shape = self._extended_shape(sample_shape)
        with autograd.no_grad():
            return autograd.bernoulli(self.probs.detach().expand(*shape))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``value log p + (1 - value) log(1 - p)``, as ``-binary_cross_entropy_with_logits``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value.to(logits.dtype), reduction="none")

    def entropy(self) -> autograd.Tensor:
        """``-p log p - (1 - p) log(1 - p)``."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        """``[0, 1]`` along a new first dim: shape ``(2,) + batch_shape`` (``(2, 1, ...)`` unexpanded)."""
        values = autograd.arange(2, dtype=self.probs.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(2, *self._batch_shape) if expand else values

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor]:
        """``(logit(probs),)`` (unclamped, as PyTorch's: ``±inf`` at ``probs`` 0 or 1)."""
        return (self.probs.logit(),)

    def _log_normalizer(self, x: autograd.Tensor) -> autograd.Tensor:
        """``log(1 + exp(x))``."""
        return x.exp().log1p()
