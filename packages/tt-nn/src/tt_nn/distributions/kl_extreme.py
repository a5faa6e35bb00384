"""KL divergences PyTorch registers for ``Gumbel`` and ``Pareto`` (``torch.distributions.kl``).

Registered on import (``tt_nn.distributions`` imports this module) with
:func:`.kl.register_kl`: the same-family pairs, the closed forms between
``Gumbel`` / ``Pareto`` and ``Normal``, ``Exponential``, ``Gamma`` and ``Uniform``,
and ``inf`` where ``q``'s support misses part of ``p``'s (a ``Gumbel`` is unbounded,
so every bounded ``q`` gives ``inf``; a ``Pareto`` ``p`` starting below ``q``'s
scale does too). Pareto KLs whose ``p`` moment does not exist (``alpha ≤ 1`` or
``≤ 2``) are ``inf``, as PyTorch's.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd

from ..special import digamma, lgamma
from .beta import Beta
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import EULER, Gumbel
from .kl import register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

_INF = math.inf


def infinite_like(tensor: autograd.Tensor) -> autograd.Tensor:
    """A tensor of ``inf`` shaped and typed as ``tensor`` (the KL where ``q`` misses ``p``'s support)."""
    return autograd.full(tensor.shape, _INF, dtype=tensor.dtype)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> autograd.Tensor:
    """``-log r + (mp - mq)/sq + r γ + exp((mq - mp)/sq) Γ(1 + r) - 1 - γ``, ``r = sp / sq``."""
    ratio = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return -ratio.log() + shift + ratio * EULER + (lgamma(1 + ratio) - shift).exp() - (1 + EULER)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> autograd.Tensor:
    """``aq log(sp / sq) - log(aq / ap) + aq / ap - 1``; ``inf`` where ``sp < sq``."""
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return autograd.where(p.scale < q.scale, _INF, result)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> autograd.Tensor:
    product = p.rate * q.scale
    loc_ratio = q.loc / q.scale
    return product.log() - 1 - loc_ratio + loc_ratio.exp() * product / (product + 1) + product.reciprocal()


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> autograd.Tensor:
    alpha, product, loc_ratio = p.concentration, p.rate * q.scale, q.loc / q.scale
    t1 = (alpha - 1) * digamma(alpha) - lgamma(alpha) - alpha
    t2 = product.log() + alpha / product
    t3 = loc_ratio.exp() * (1 + product.reciprocal()).pow(-alpha) - loc_ratio
    return t1 + t2 + t3


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> autograd.Tensor:
    mean_ratio = p.loc / q.scale
    variance_ratio = (p.scale / q.scale).pow(2)
    loc_ratio = q.loc / q.scale
    t3 = (-mean_ratio + 0.5 * variance_ratio + loc_ratio).exp()
    return -0.5 * variance_ratio.log() + mean_ratio - loc_ratio + t3 - 0.5 * (1 + math.log(2 * math.pi))


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> autograd.Tensor:
    common = q.scale / (p.high - p.low)
    high, low = (p.high - q.loc) / q.scale, (p.low - q.loc) / q.scale
    return common.log() + 0.5 * (high + low) - common * ((-high).exp() - (-low).exp())


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> autograd.Tensor:
    ratio = p.scale / q.scale
    t1 = (ratio / math.sqrt(2 * math.pi)).log()
    t2 = (math.pi * ratio * 0.5).pow(2) / 3
    t3 = ((p.loc + p.scale * EULER - q.loc) / q.scale).pow(2) * 0.5
    return -t1 + t2 + t3 - (EULER + 1)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> autograd.Tensor:
    product = p.scale * q.rate
    with np.errstate(divide="ignore", invalid="ignore"):  # alpha = 1: replaced by inf below
        result = (p.alpha / product).log() - p.alpha.reciprocal() + p.alpha * product / (p.alpha - 1) - 1
    return autograd.where(p.alpha <= 1, _INF, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> autograd.Tensor:
    common = p.scale.log() + p.alpha.reciprocal()
    t1 = p.alpha.log() - common
    t2 = lgamma(q.concentration) - q.concentration * q.rate.log()
    t3 = (1 - q.concentration) * common
    with np.errstate(divide="ignore", invalid="ignore"):  # alpha = 1: replaced by inf below
        t4 = q.rate * p.alpha * p.scale / (p.alpha - 1)
    return autograd.where(p.alpha <= 1, _INF, t1 + t2 + t3 + t4 - 1)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> autograd.Tensor:
    twice_variance = 2 * q.scale.pow(2)
    t1 = (math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale).log()
    with np.errstate(divide="ignore", invalid="ignore"):  # alpha = 1 or 2: replaced by inf below
        common = p.scale / (p.alpha - 1)
        t3 = p.alpha * common.pow(2) / (p.alpha - 2)
    t4 = (p.alpha * common - q.loc).pow(2)
    result = t1 - p.alpha.reciprocal() + (t3 + t4) / twice_variance - 1
    return autograd.where(p.alpha <= 2, _INF, result)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p: Uniform, q: Pareto) -> autograd.Tensor:
    width = p.high - p.low
    t1 = (q.alpha * q.scale.pow(q.alpha) * width).log()
    t2 = (autograd.xlogy(p.high, p.high) - autograd.xlogy(p.low, p.low) - width) / width
    return autograd.where(p.low < q.scale, _INF, t2 * (q.alpha + 1) - t1)


def _kl_gumbel_infinity(p: Gumbel, q: object) -> autograd.Tensor:
    return infinite_like(p.loc)


for _q in (Beta, Exponential, Gamma, Pareto, Uniform):
    register_kl(Gumbel, _q)(_kl_gumbel_infinity)
register_kl(Pareto, Beta)(lambda p, q: infinite_like(p.scale))
register_kl(Pareto, Uniform)(lambda p, q: infinite_like(p.scale))
register_kl(Exponential, Pareto)(lambda p, q: infinite_like(p.rate))
register_kl(Gamma, Pareto)(lambda p, q: infinite_like(p.concentration))
register_kl(Beta, Pareto)(lambda p, q: infinite_like(p.concentration1))
register_kl(Laplace, Pareto)(lambda p, q: infinite_like(p.loc))
register_kl(Normal, Pareto)(lambda p, q: infinite_like(p.loc))
