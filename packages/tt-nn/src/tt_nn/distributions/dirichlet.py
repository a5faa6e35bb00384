"""``Dirichlet``: probability vectors with weights ``concentration`` (``torch.distributions.Dirichlet``).

Density ``Γ(Σα) / ΠΓ(αᵢ) · Π xᵢ^(αᵢ-1)`` on the simplex (``xᵢ ≥ 0``, ``Σxᵢ = 1``);
the last dim of ``concentration`` holds the ``k`` weights, the dims before it
are the batch. ``rsample`` normalises independent Gamma draws,
``G / ΣG`` with ``Gᵢ ~ Gamma(αᵢ, 1)`` from :func:`.standard_gamma.standard_gamma`,
so gradients reach ``α`` through the Gammas' implicit gradients and the
division. PyTorch's ``_Dirichlet`` has a backward of its own (the implicit
gradient of each coordinate's Beta marginal): a different per-draw gradient with
the same expectation (both are unbiased for ``d E[f(X)] / dα``).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from ..special import digamma, lgamma
from . import constraints
from .exp_family import ExponentialFamily
from .standard_gamma import standard_gamma


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over ``k``-vectors on the simplex.

    Args:
        concentration: positive weights, shape ``batch_shape + (k,)``.
        validate_args: check the parameter and ``log_prob``'s values (default: on).

    Shape:
        ``rsample(sample_shape)``: ``sample_shape + batch_shape + (k,)``; ``log_prob(value)``:
        ``value`` ``(*, k)`` broadcast against ``batch_shape + (k,)``.

    Example:
        >>> import tt_autograd as autograd
        >>> Dirichlet(autograd.tensor([1.0, 1.0, 1.0])).log_prob(autograd.tensor([0.2, 0.3, 0.5]))
        tensor(0.6931)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: autograd.Tensor, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, autograd.Tensor):
            raise TypeError(f"Dirichlet: concentration must be a tensor, got {type(concentration).__name__}")
        if concentration.dim() < 1:
            raise ValueError(
                "Dirichlet: concentration must be at least one-dimensional (the k weights on the last dim), "
                f"got shape {concentration.shape}"
            )
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> Dirichlet:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape) + self._event_shape
        return Dirichlet(self.concentration.expand(*shape), self._validate_args)

    @property
    def mean(self) -> autograd.Tensor:
        return self.concentration / self.concentration.sum(dim=-1, keepdim=True)

    @property
    def mode(self) -> autograd.Tensor:
        """``(α - 1)⁺ / Σ(α - 1)⁺``: NaN where no ``αᵢ`` exceeds 1, except where all ``αᵢ < 1``.

        There PyTorch 2.13 gives the one-hot vector of the first category (its ``argmax``
        of a NaN row), and so does this.
        """
        excess = (self.concentration - 1).clamp(min=0)
        with np.errstate(invalid="ignore"):
            mode = excess / excess.sum(dim=-1, keepdim=True)
        first = (autograd.arange(self._event_shape[0]) == 0).to(mode.dtype)
        all_below_one = (self.concentration < 1).all(dim=-1, keepdim=True)
        return autograd.where(all_below_one, first, mode)

    @property
    def variance(self) -> autograd.Tensor:
        """``αᵢ (α₀ - αᵢ) / (α₀² (α₀ + 1))`` with ``α₀ = Σα``."""
        alpha = self.concentration
        total = alpha.sum(dim=-1, keepdim=True)
        return alpha * (total - alpha) / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``G / ΣG`` with independent ``Gᵢ ~ Gamma(αᵢ, 1)``, clamped to ``[tiny, 1 - eps]`` (as PyTorch)."""
        gammas = standard_gamma(self.concentration.expand(*self._extended_shape(sample_shape)))
        info = np.finfo(gammas.dtype.numpy)
        return (gammas / gammas.sum(dim=-1, keepdim=True)).clamp(
            min=float(info.tiny), max=1 - float(info.eps)
        )

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``Σ (αᵢ - 1) log xᵢ + lgamma(Σα) - Σ lgamma(αᵢ)``."""
        if self._validate_args:
            self._validate_sample(value)
        alpha = self.concentration
        log_norm = lgamma(alpha.sum(dim=-1)) - lgamma(alpha).sum(dim=-1)
        return autograd.xlogy(alpha - 1, value).sum(dim=-1) + log_norm

    def entropy(self) -> autograd.Tensor:
        """``Σ lgamma(αᵢ) - lgamma(α₀) - (k - α₀) digamma(α₀) - Σ (αᵢ - 1) digamma(αᵢ)``."""
        alpha = self.concentration
        total = alpha.sum(dim=-1)
        size = self._event_shape[0]
        return (
            lgamma(alpha).sum(dim=-1)
            - lgamma(total)
            - (size - total) * digamma(total)
            - ((alpha - 1) * digamma(alpha)).sum(dim=-1)
        )

    # ------------------------------------------------------------------ the exponential family (PyTorch's)
    @property
    def _natural_params(self) -> tuple[autograd.Tensor]:
        """``(α,)``, the weights of ``log xᵢ`` (no ``_mean_carrier_measure``, as PyTorch's)."""
        return (self.concentration,)

    def _log_normalizer(self, x: autograd.Tensor) -> autograd.Tensor:
        """``Σ lgamma(xᵢ) - lgamma(Σ xᵢ)``."""
        return lgamma(x).sum(dim=-1) - lgamma(x.sum(dim=-1))
