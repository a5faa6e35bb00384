"""``Multinomial``: category counts of ``total_count`` draws (``torch.distributions.Multinomial``).

Mass ``n! / (x_1! ... x_K!) p_1^x_1 ... p_K^x_K`` for counts ``x`` along the last
dim. The probabilities (``probs``, normalised to sum to 1, or ``logits``,
normalised by ``logsumexp``) are a :class:`.Categorical`'s. ``total_count`` is one
int for the whole batch (PyTorch refuses tensors); ``log_prob`` takes ``n`` from
the value's sum, as PyTorch's, so it scores counts of any total. ``entropy`` sums
over the binomial marginals (``n`` terms). No ``rsample`` and, as in PyTorch, no ``mode``.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from ..special import lgamma
from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution, extended_shape


class Multinomial(Distribution):
    """Counts of ``total_count`` independent draws from ``K`` categories.

    Args:
        total_count: the number of draws, an int (default 1).
        probs: non-negative category weights along the last dim (normalised).
        logits: unnormalised log-probabilities along the last dim.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape + (K,)``, counts in the parameter's dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> Multinomial(2, probs=autograd.tensor([1.0, 1.0])).log_prob(autograd.tensor([1.0, 1.0])).exp()
        tensor(0.5000)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(
        self,
        total_count: int = 1,
        probs: autograd.Tensor | None = None,
        logits: autograd.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(total_count, (int, np.integer)):
            raise NotImplementedError(
                f"Multinomial: total_count must be an int (one count for the whole batch), got "
                f"{type(total_count).__name__}; inhomogeneous total_count is not supported"
            )
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits)
        self._given = self._categorical._given
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        batch = self._categorical.batch_shape
        super().__init__(batch, self._categorical.param_shape[-1:], validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> Multinomial:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape) + self._event_shape
        parameter = getattr(self, self._given).expand(*shape)
        return Multinomial(self.total_count, validate_args=self._validate_args, **{self._given: parameter})

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> autograd.Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> autograd.Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """Counts, shape ``sample_shape + batch_shape + (K,)``: ``total_count`` categorical draws tallied."""
        shape = self._extended_shape(sample_shape)
        draws = self._categorical.sample((self.total_count,) + extended_shape(sample_shape)).numpy()
        counts = (draws[..., None] == np.arange(shape[-1])).sum(axis=0)
        return autograd.tensor(counts.astype(np.float64), dtype=self.probs.dtype)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``lgamma(Σx + 1) - Σ lgamma(x + 1) + Σ x log p`` (a ``-inf`` log p with ``x = 0`` adds 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = autograd.broadcast_tensors(self.logits, value)
        logits = autograd.where((value == 0) & (logits == -np.inf), 0.0, logits)
        log_factorial_n = lgamma(value.sum(dim=-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(dim=-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(dim=-1)

    def entropy(self) -> autograd.Tensor:
        """``n H(p) - lgamma(n + 1) + Σ_k Σ_{x=1..n} Binomial(n, p_k)(x) lgamma(x + 1)``.

        ``lgamma(n + 1)`` in float64 (PyTorch's is in the default dtype, float32 unless changed:
        about 1e-8 off for float64 parameters).
        """
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = autograd.arange(1, n + 1, dtype=self.probs.dtype).reshape((-1,) + (1,) * self.probs.dim())
        binomial = Binomial(n, probs=self.probs, validate_args=False)
        term2 = (binomial.log_prob(support).exp() * lgamma(support + 1)).sum(dim=(0, -1))
        return term1 + term2
