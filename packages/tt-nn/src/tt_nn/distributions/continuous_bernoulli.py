"""``ContinuousBernoulli``: a density on ``[0, 1]`` shaped by one probability (``torch.distributions``).

Density ``C(λ) λ^x (1 - λ)^(1 - x)`` for ``x ∈ [0, 1]`` (Loaiza-Ganem and Cunningham,
2019), ``λ = probs`` (clamped to ``[eps, 1 - eps]``) or ``sigmoid(logits)``; the log
normaliser is ``log(|log1p(-λ) - log λ| / |1 - 2λ|)``. Near ``λ = 1/2`` (inside
``lims``, default ``(0.499, 0.501)``) that ratio is 0/0, so the normaliser, mean and
variance switch to PyTorch's Taylor polynomials there, and ``cdf``/``icdf`` to the
uniform's. ``rsample`` is the inverse CDF of a uniform, differentiable in the parameter.
``probs`` outside ``[0, 1]`` is refused whenever ``validate_args`` is given (True or
False, as PyTorch's) and by default; PyTorch by default checks only the clamped value, so
it silently accepts ``probs=-1`` as ``eps`` (TinyTorch refuses: nothing silently wrong).
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from ..functional import softplus
from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all, clamp_probs, logits_to_probs, probs_to_logits


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution; give exactly one of ``probs`` or ``logits``.

    Args:
        probs: ``λ`` in ``[0, 1]`` (a number or a tensor).
        logits: its log-odds.
        lims: the interval around 1/2 where Taylor expansions replace the exact expressions.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Example:
        >>> import tt_autograd as autograd
        >>> ContinuousBernoulli(probs=0.5).log_prob(autograd.tensor(0.3))
        tensor(0.)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        probs: object = None,
        logits: object = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        name = type(self).__name__
        if (probs is None) == (logits is None):
            raise ValueError(f"{name}: pass either probs or logits, but not both (and not neither)")
        if probs is not None:
            self._given = "probs"
            (raw,) = broadcast_all(probs, op=name)
            checked = validate_args is not None or self._validate_args
            if checked and not np.all(constraints.unit_interval.check(raw.detach().numpy())):
                raise ValueError(f"{name}: the parameter probs has invalid values (probabilities in [0, 1])")
            self.probs = clamp_probs(raw)
            self.logits = probs_to_logits(self.probs, is_binary=True)
        else:
            self._given = "logits"
            (self.logits,) = broadcast_all(logits, op=name)
            self.probs = clamp_probs(logits_to_probs(self.logits, is_binary=True))
        self._lims = lims
        super().__init__(self.probs.shape, validate_args=validate_args)

    def _parameter_names(self) -> list[str]:
        return [self._given]

    def expand(self, batch_shape: tuple[int, ...]) -> ContinuousBernoulli:
        """The same distribution repeated over a larger ``batch_shape``."""
        parameter = getattr(self, self._given).expand(*tuple(batch_shape))
        new = ContinuousBernoulli(lims=self._lims, validate_args=False, **{self._given: parameter})
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    # ------------------------------------------------------------------ the stable and Taylor branches
    def _outside_unstable_region(self) -> autograd.Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> autograd.Tensor:
        """``probs`` outside the unstable region, ``lims[0]`` inside (the Taylor branch is used there)."""
        return autograd.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _log_odds_gap(self, cut: autograd.Tensor) -> autograd.Tensor:
        return (-cut).log1p() - cut.log()

    def _cont_bern_log_norm(self) -> autograd.Tensor:
        """``log C(λ)``: ``log|log1p(-λ) - log λ| - log|1 - 2λ|``, a Taylor series near 1/2."""
        cut = self._cut_probs()
        below = autograd.where(cut <= 0.5, cut, 0.0)
        above = autograd.where(cut >= 0.5, cut, 1.0)
        log_gap = self._log_odds_gap(cut).abs().log()
        log_norm = log_gap - autograd.where(cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return autograd.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> autograd.Tensor:
        """``λ / (2λ - 1) + 1 / (log1p(-λ) - log λ)``, a Taylor series near 1/2."""
        cut = self._cut_probs()
        exact = cut / (2.0 * cut - 1.0) + 1.0 / self._log_odds_gap(cut)
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return autograd.where(self._outside_unstable_region(), exact, taylor)

    @property
    def variance(self) -> autograd.Tensor:
        """``λ(λ - 1) / (1 - 2λ)² + 1 / (log1p(-λ) - log λ)²``, a Taylor series near 1/2."""
        cut = self._cut_probs()
        exact = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / self._log_odds_gap(cut).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return autograd.where(self._outside_unstable_region(), exact, taylor)

    # ------------------------------------------------------------------ sampling and densities
    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``icdf(u)`` for ``u`` uniform from the default generator."""
        return self.icdf(autograd.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``x·logit - softplus(logit) + log C(λ)`` (minus the binary cross-entropy with logits)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = autograd.broadcast_tensors(self.logits, value)
        return value * logits - softplus(logits) + self._cont_bern_log_norm()

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``(λ^x (1 - λ)^(1 - x) + λ - 1) / (2λ - 1)``, ``x`` itself near 1/2; 0 below 0 and 1 above 1."""
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = autograd.where(self._outside_unstable_region(), cdfs, value)
        return autograd.where(value <= 0.0, 0.0, autograd.where(value >= 1.0, 1.0, unbounded))

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``(log1p(-λ + p(2λ - 1)) - log1p(-λ)) / (log λ - log1p(-λ))``, ``p`` itself near 1/2."""
        cut = self._cut_probs()
        exact = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / -self._log_odds_gap(cut)
        return autograd.where(self._outside_unstable_region(), exact, value)

    def entropy(self) -> autograd.Tensor:
        """``mean·(log1p(-λ) - log λ) - log C(λ) - log1p(-λ)``."""
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[autograd.Tensor]:
        """``(logits,)``, the weight of ``x``."""
        return (self.logits,)

    def _log_normalizer(self, x: autograd.Tensor) -> autograd.Tensor:
        """``log((exp(x) - 1) / x)``, a Taylor series for ``x`` in ``(lims[0] - 1/2, lims[1] - 1/2]``.

        The cut compares the natural parameter with ``lims - 1/2``, as PyTorch's does.
        """
        low = self._lims[0] - 0.5
        outside = (x <= low) | (x > self._lims[1] - 0.5)
        cut = autograd.where(outside, x, low)
        log_norm = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return autograd.where(outside, log_norm, taylor)
