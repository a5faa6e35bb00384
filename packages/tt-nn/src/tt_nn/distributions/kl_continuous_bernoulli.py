"""KL divergences PyTorch registers for ``ContinuousBernoulli`` (``torch.distributions.kl``).

Registered on import (``tt_nn.distributions`` imports this module) with
:func:`.kl.register_kl`: with itself, to and from ``Beta`` and ``Uniform``, to
``Exponential`` and ``Normal``, from ``Exponential``/``Gamma``/``Gumbel``/``Laplace``/
``Normal``/``Pareto`` (``inf``: those spread beyond ``[0, 1]``) and to ``Pareto``
(``inf``). Each is ``-H(p) - E_p[log q]`` with ``log C(λ)``, the continuous Bernoulli's
log normaliser. The ``Uniform`` pairs keep PyTorch 2.13's ``inf`` conditions as they are
(``q.low ≥ 0`` or ``q.high ≤ 1`` for ``ContinuousBernoulli → Uniform``; ``p.high ≥ 1``
or ``p.low ≤ 0`` for ``Uniform → ContinuousBernoulli``), for parity.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import register_kl
from .kl_extreme import infinite_like
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

_INF = math.inf


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(
    p: ContinuousBernoulli, q: ContinuousBernoulli
) -> autograd.Tensor:
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    return t1 + t2 - q._cont_bern_log_norm() - (-q.probs).log1p()


def _cross_entropy_to(p: object, q: ContinuousBernoulli) -> autograd.Tensor:
    """``-H(p) - E_p[log q]`` for a ``p`` on ``[0, 1]`` with a ``mean``."""
    return -p.entropy() - p.mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> autograd.Tensor:
    return _cross_entropy_to(p, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> autograd.Tensor:
    return autograd.where((p.high >= 1.0) | (p.low <= 0.0), _INF, _cross_entropy_to(p, q))


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> autograd.Tensor:
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> autograd.Tensor:
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).pow(2)) + q.scale.log()
    t3 = (p.variance + p.mean.pow(2) - 2.0 * q.loc * p.mean) / (2.0 * q.scale.pow(2))
    return -p.entropy() + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> autograd.Tensor:
    result = -p.entropy() + (q.high - q.low).log()
    return autograd.where((q.low >= 0.0) | (q.high <= 1.0), _INF, result)


register_kl(ContinuousBernoulli, Pareto)(lambda p, q: infinite_like(p.probs))
register_kl(Exponential, ContinuousBernoulli)(lambda p, q: infinite_like(p.rate))
register_kl(Gamma, ContinuousBernoulli)(lambda p, q: infinite_like(p.concentration))
register_kl(Gumbel, ContinuousBernoulli)(lambda p, q: infinite_like(p.loc))
register_kl(Laplace, ContinuousBernoulli)(lambda p, q: infinite_like(p.loc))
register_kl(Normal, ContinuousBernoulli)(lambda p, q: infinite_like(p.loc))
register_kl(Pareto, ContinuousBernoulli)(lambda p, q: infinite_like(p.scale))
