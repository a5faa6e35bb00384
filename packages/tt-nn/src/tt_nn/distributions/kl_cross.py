"""KL divergences between different families of the classic distributions (``torch.distributions.kl``).

The pairs PyTorch registers among ``Bernoulli``, ``Beta``, ``Exponential``, ``Gamma``,
``Laplace``, ``Normal``, ``Poisson`` and ``Uniform`` (those with ``Gumbel``, ``Pareto`` and
``ContinuousBernoulli`` are in :mod:`.kl_extreme` and :mod:`.kl_continuous_bernoulli`).
Each closed form is ``KL(p ‖ q) = -H(p) - E_p[log q(X)]``, with ``E_p[log q]`` written from
the moments of ``p`` that ``log q`` needs:

* ``q = Normal(μ, σ)``: ``E[(X - μ)²] = Var X + (E X - μ)²``;
* ``q = Exponential(λ)``, ``Gamma(α, β)``, ``Beta(a, b)``: ``E X``, ``E log X``, ``E log(1 - X)``
  (digammas for Beta and Gamma ``p``, ``-γ - log λ`` for an Exponential, ``x log x``
  differences for a Uniform);
* ``q = Laplace(μ, b)`` from a normal ``p``: ``E|X - μ| = s √(2/π) e^(-d²/2s²) + d erf(d / s√2)``;
* ``q = Poisson(λ)`` from a Bernoulli: ``E X log λ - λ``.

Where ``q``'s support misses part of ``p``'s the KL is ``inf``: an unbounded ``p`` against a
bounded or positive ``q`` always, a ``Uniform`` ``p`` reaching outside ``q``'s support (or a
``Beta`` ``p`` against a ``Uniform`` not covering ``[0, 1]``) entry by entry; a ``Poisson``
against a ``Bernoulli`` or a ``Binomial`` is ``inf`` whatever the parameters, as PyTorch's.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from ..special import digamma, erf, lgamma
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import EULER
from .kl import register_kl
from .kl_extreme import infinite_like
from .laplace import Laplace
from .normal import Normal
from .poisson import Poisson
from .uniform import Uniform

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _infinite_where(mask: autograd.Tensor, result: autograd.Tensor) -> autograd.Tensor:
    """``result`` with ``inf`` where ``mask`` holds (``q`` misses part of ``p``'s support there)."""
    return autograd.where(mask, autograd.full((), math.inf, dtype=result.dtype), result)


def _xlogx(x: autograd.Tensor) -> autograd.Tensor:
    return autograd.xlogy(x, x)


def _mean_log(p: Beta | Exponential | Uniform) -> autograd.Tensor:
    """``E_p[log X]`` (a Gamma ``p`` never needs it: Gamma-Gamma is :mod:`.kl`'s closed form)."""
    if isinstance(p, Beta):
        return digamma(p.concentration1) - digamma(p.concentration1 + p.concentration0)
    if isinstance(p, Exponential):
        return -EULER - p.rate.log()
    return (_xlogx(p.high) - _xlogx(p.low)) / (p.high - p.low) - 1


def _mean_log_complement(p: Uniform) -> autograd.Tensor:
    """``E_p[log(1 - X)]`` for a Uniform on ``[low, high]`` inside ``[0, 1]``."""
    return (_xlogx(1 - p.low) - _xlogx(1 - p.high)) / (p.high - p.low) - 1


@register_kl(Beta, Normal)
@register_kl(Exponential, Normal)
@register_kl(Gamma, Normal)
@register_kl(Laplace, Normal)
@register_kl(Uniform, Normal)
def _kl_to_normal(p: Beta | Exponential | Gamma | Laplace | Uniform, q: Normal) -> autograd.Tensor:
    """``-H(p) + log(σ √2π) + (Var X + (E X - μ)²) / 2σ²``."""
    square_gap = p.variance + (p.mean - q.loc).pow(2)
    return -p.entropy() + q.scale.log() + _LOG_SQRT_2PI + square_gap / (2 * q.scale.pow(2))


@register_kl(Beta, Exponential)
@register_kl(Gamma, Exponential)
@register_kl(Uniform, Exponential)
def _kl_to_exponential(p: Beta | Gamma | Uniform, q: Exponential) -> autograd.Tensor:
    """``-H(p) - log λ + λ E X`` (``inf`` for a Uniform reaching below 0)."""
    result = -p.entropy() - q.rate.log() + q.rate * p.mean
    return _infinite_where(p.low < 0, result) if isinstance(p, Uniform) else result


@register_kl(Beta, Gamma)
@register_kl(Exponential, Gamma)
@register_kl(Uniform, Gamma)
def _kl_to_gamma(p: Beta | Exponential | Uniform, q: Gamma) -> autograd.Tensor:
    """``-H(p) - α log β + lgamma(α) - (α - 1) E log X + β E X`` (``inf`` for a Uniform reaching below 0)."""
    alpha, rate = q.concentration, q.rate
    result = -p.entropy() - alpha * rate.log() + lgamma(alpha) - (alpha - 1) * _mean_log(p) + rate * p.mean
    return _infinite_where(p.low < 0, result) if isinstance(p, Uniform) else result


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> autograd.Tensor:
    """``-H(p) - (a - 1) E log X - (b - 1) E log(1 - X) + log B(a, b)``; ``inf`` outside ``[0, 1]``."""
    a, b = q.concentration1, q.concentration0
    log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
    result = -p.entropy() - (a - 1) * _mean_log(p) - (b - 1) * _mean_log_complement(p) + log_beta
    return _infinite_where((p.low < 0) | (p.high > 1), result)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> autograd.Tensor:
    """``-H(p) + log(high - low)``; ``inf`` unless ``[low, high]`` covers ``[0, 1]``."""
    return _infinite_where((q.low > 0) | (q.high < 1), -p.entropy() + (q.high - q.low).log())


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> autograd.Tensor:
    """``-H(p) + log 2b + E|X - μ| / b`` with the folded-normal mean ``E|X - μ|``."""
    gap, scale = p.loc - q.loc, p.scale
    mean_distance = scale * math.sqrt(2 / math.pi) * (-0.5 * (gap / scale).pow(2)).exp()
    mean_distance = mean_distance + gap * erf(gap / (scale * math.sqrt(2)))
    return -p.entropy() + (2 * q.scale).log() + mean_distance / q.scale


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> autograd.Tensor:
    """``-H(p) - p log λ + λ`` (``log x! = 0`` on ``{0, 1}``)."""
    return -p.entropy() - p.probs * q.rate.log() + q.rate


def _infinite(parameter: str):
    """A KL that is ``inf`` for every ``p``, shaped as ``p``'s ``parameter``."""
    return lambda p, q: infinite_like(getattr(p, parameter))


for _p, _parameter, _qs in (
    (Exponential, "rate", (Beta, Uniform)),
    (Gamma, "concentration", (Beta, Uniform)),
    (Laplace, "loc", (Beta, Exponential, Gamma, Uniform)),
    (Normal, "loc", (Beta, Exponential, Gamma, Uniform)),
    (Poisson, "rate", (Bernoulli, Binomial)),
):
    for _q in _qs:
        register_kl(_p, _q)(_infinite(_parameter))
