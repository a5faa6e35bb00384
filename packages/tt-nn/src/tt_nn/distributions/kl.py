"""``kl_divergence(p, q)``: ``KL(p || q) = E_p[log p(x) - log q(x)]`` in closed form, per pair of types.

Formulas are registered per pair of distribution classes with
``@register_kl(TypeP, TypeQ)``; ``kl_divergence`` uses the most specific
registered pair that both arguments are instances of (the pair whose
classes sit nearest in the arguments' method resolution orders, ``p``'s
first). A KL that is infinite (``q`` gives zero probability where ``p`` does
not) is ``inf``, as in PyTorch. Every formula is composed of differentiable
ops, so gradients reach both distributions' parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tt_autograd as autograd
from tt_autograd import linalg

import tt_nn.functional as F

from ..special import digamma, lgamma
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution, sum_rightmost
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .half_normal import HalfNormal
from .independent import Independent
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal, batch_mahalanobis, half_log_det
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .uniform import Uniform

_REGISTRY: dict[tuple[type, type], Callable] = {}
_INF = float("inf")


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator: register ``fn(p, q)`` as the KL divergence of ``type_p`` from ``type_q``.

    Example:
        >>> class Coin(Bernoulli): ...
        >>> @register_kl(Coin, Coin)
        ... def kl_coin_coin(p, q):
        ...     return (p.probs - q.probs).abs()
        >>> kl_divergence(Coin(0.25), Coin(0.5))
        tensor(0.2500)
    """
    for name, kind in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(kind, type) and issubclass(kind, Distribution)):
            raise TypeError(f"register_kl: {name} must be a Distribution subclass, got {kind!r}")

    def register(fn: Callable) -> Callable:
        _REGISTRY[type_p, type_q] = fn
        return fn

    return register


def _lookup(type_p: type, type_q: type) -> Callable | None:
    """The registered function of the most specific pair matching ``(type_p, type_q)``, or None."""
    mro_p, mro_q = type_p.__mro__, type_q.__mro__
    matches = [
        (mro_p.index(kind_p), mro_q.index(kind_q), fn)
        for (kind_p, kind_q), fn in _REGISTRY.items()
        if kind_p in mro_p and kind_q in mro_q
    ]
    return min(matches, key=lambda match: match[:2])[2] if matches else None


def kl_divergence(p: Distribution, q: Distribution) -> autograd.Tensor:
    """``KL(p || q)``, one value per distribution of the (broadcast) batch.

    Raises:
        NotImplementedError: no formula is registered for the pair of types.

    Example:
        >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
        tensor(0.5000)
    """
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"kl_divergence: no formula registered for p = {type(p).__name__} and q = {type(q).__name__}; "
            f"add one with @register_kl({type(p).__name__}, {type(q).__name__})"
        )
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> autograd.Tensor:
    """``(r + d^2 - 1 - log r) / 2`` with ``r = (sp / sq)^2`` and ``d = (mp - mq) / sq``."""
    variance_ratio = (p.scale / q.scale).pow(2)
    distance = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (variance_ratio + distance - 1 - variance_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> autograd.Tensor:
    """``sum p (log p - log q)``: ``inf`` where ``q = 0 < p``, and 0 for the terms with ``p = 0``.

    ``-inf`` logits are clamped to the dtype's lowest value first, so ``-inf - (-inf)``
    never makes a NaN (those terms are replaced just below anyway).
    """
    lowest = float(np.finfo(p.logits.dtype.numpy).min)
    terms = p.probs * (p.logits.clamp(min=lowest) - q.logits.clamp(min=lowest))
    terms = autograd.where((q.probs == 0).expand_as(terms), _INF, terms)
    terms = autograd.where((p.probs == 0).expand_as(terms), 0.0, terms)
    return terms.sum(dim=-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_one_hot_one_hot(p: OneHotCategorical, q: OneHotCategorical) -> autograd.Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> autograd.Tensor:
    """The categorical formula on ``{1, 0}``, written with softplus of the logits for stability."""
    ones = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    ones = autograd.where(p.probs == 0, 0.0, autograd.where(q.probs == 0, _INF, ones))
    zeros = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    zeros = autograd.where(p.probs == 1, 0.0, autograd.where(q.probs == 1, _INF, zeros))
    return ones + zeros


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> autograd.Tensor:
    """``log((hq - lq) / (hp - lp))`` when ``p``'s interval lies inside ``q``'s, else ``inf``."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low).logical_or(q.high < p.high)
    return autograd.where(outside, _INF, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> autograd.Tensor:
    """``r - 1 - log r`` with ``r = rate_q / rate_p``."""
    ratio = q.rate / p.rate
    return ratio - 1 - ratio.log()


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> autograd.Tensor:
    """``-log r + |mp - mq| / sq + r exp(-|mp - mq| / sp) - 1`` with ``r = sp / sq``."""
    ratio = p.scale / q.scale
    distance = (p.loc - q.loc).abs()
    return -ratio.log() + distance / q.scale + ratio * (-distance / p.scale).exp() - 1


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> autograd.Tensor:
    """The bases' KL summed over the reinterpreted dims (both must reinterpret as many)."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence: Independent distributions with different reinterpreted_batch_ndims "
            f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})"
        )
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> autograd.Tensor:
    """``log det Lq - log det Lp + (|Lq⁻¹ Lp|²_F + |Lq⁻¹ (mq - mp)|² - n) / 2``, by triangular solves."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "kl_divergence: MultivariateNormal distributions of different event shapes "
            f"{p.event_shape} and {q.event_shape} have no KL divergence"
        )
    p_factor, q_factor = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    shape = np.broadcast_shapes(p_factor.shape, q_factor.shape)
    whitened = linalg.solve_triangular(q_factor.expand(*shape), p_factor.expand(*shape), upper=False)
    trace = whitened.pow(2).sum(dim=(-2, -1))
    distance = batch_mahalanobis(q_factor, q.loc - p.loc)
    result = half_log_det(q_factor) - half_log_det(p_factor) + 0.5 * (trace + distance - p.event_shape[0])
    return result.expand(*np.broadcast_shapes(p.batch_shape, q.batch_shape))


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> autograd.Tensor:
    """``aq log(bp / bq) + lgamma(aq) - lgamma(ap) + (ap - aq) digamma(ap) + (bq - bp) ap / bp``."""
    alpha_p, rate_p, alpha_q, rate_q = p.concentration, p.rate, q.concentration, q.rate
    return (
        alpha_q * (rate_p / rate_q).log()
        + lgamma(alpha_q)
        - lgamma(alpha_p)
        + (alpha_p - alpha_q) * digamma(alpha_p)
        + (rate_q - rate_p) * (alpha_p / rate_p)
    )


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> autograd.Tensor:
    """``lgamma(Σp) - lgamma(Σq) - Σ(lgamma(pᵢ) - lgamma(qᵢ)) + Σ (pᵢ - qᵢ)(digamma(pᵢ) - digamma(Σp))``."""
    alpha_p, alpha_q = p.concentration, q.concentration
    total_p, total_q = alpha_p.sum(dim=-1), alpha_q.sum(dim=-1)
    log_norms = lgamma(total_p) - lgamma(total_q) - (lgamma(alpha_p) - lgamma(alpha_q)).sum(dim=-1)
    return log_norms + ((alpha_p - alpha_q) * (digamma(alpha_p) - digamma(total_p).unsqueeze(-1))).sum(dim=-1)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> autograd.Tensor:
    """The two-category Dirichlet KL."""
    return _kl_dirichlet_dirichlet(p._dirichlet, q._dirichlet)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> autograd.Tensor:
    """``rp log(rp / rq) - rp + rq`` (``xlogy``: 0 for ``rp = 0``; ``inf`` for ``rq = 0 < rp``)."""
    return autograd.xlogy(p.rate, p.rate) - autograd.xlogy(p.rate, q.rate) - p.rate + q.rate


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> autograd.Tensor:
    """``-H(p) - E_p[k] log(1 - pq) - log pq`` with ``E_p[k] = 1/pp - 1``, i.e.
    ``-H(p) - log(1 - pq)/pp - logit(pq)``.
    """
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> autograd.Tensor:
    """``n`` times the Bernoulli KL; ``inf`` where ``p`` has more trials (``q`` cannot reach its top counts).

    Raises:
        NotImplementedError: where ``q`` has more trials than ``p`` (no closed form; as PyTorch).
    """
    p_count, q_count = p.total_count.detach().numpy(), q.total_count.detach().numpy()
    if np.any(p_count < q_count):
        raise NotImplementedError(
            "kl_divergence: Binomial pairs where q has more trials (total_count) than p have no closed form"
        )
    per_trial = _kl_bernoulli_bernoulli(Bernoulli(logits=p.logits), Bernoulli(logits=q.logits))
    return autograd.where(p.total_count > q.total_count, _INF, p.total_count * per_trial)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> autograd.Tensor:
    """``log(((sp + sq)² + (mp - mq)²) / (4 sp sq))`` (Chyzak and Nielsen, 2019)."""
    numerator = (p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)
    return (numerator / (4 * p.scale * q.scale)).log()


@register_kl(HalfNormal, HalfNormal)
def _kl_half_normal_half_normal(p: HalfNormal, q: HalfNormal) -> autograd.Tensor:
    """The normal KL at a common mean: ``(r - 1 - log r) / 2`` with ``r = (sp / sq)²``."""
    variance_ratio = (p.scale / q.scale).pow(2)
    return 0.5 * (variance_ratio - 1 - variance_ratio.log())


@register_kl(LogNormal, LogNormal)
def _kl_log_normal_log_normal(p: LogNormal, q: LogNormal) -> autograd.Tensor:
    """The KL of the underlying normals (``exp`` is one-to-one, so it does not change the KL)."""
    return _kl_normal_normal(p, q)


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p: ExponentialFamily, q: ExponentialFamily) -> autograd.Tensor:
    """The Bregman divergence of the log-normalizer between ``q``'s and ``p``'s natural parameters.

    Each ``<θ_q - θ_p, ∇F(θ_p)>`` sums its parameter's own event dims (those past the batch):
    ``Wishart``'s ``df`` has none, its matrix two. PyTorch 2.13 sums every parameter over
    ``len(event_shape)`` dims, which for a batched ``Wishart`` adds up the ``df`` terms of the whole
    batch (its unbatched values are these).
    """
    if type(p) is not type(q):
        raise NotImplementedError(
            f"kl_divergence: {type(p).__name__} and {type(q).__name__} are different exponential families; "
            "the Bregman-divergence KL needs two members of one family"
        )
    p_params, log_normalizer, gradients = p._detached_log_normalizer()
    q_params = q._natural_params
    result = q._log_normalizer(*q_params) - log_normalizer
    batch_dims = len(np.broadcast_shapes(p.batch_shape, q.batch_shape))
    for p_param, q_param, gradient in zip(p_params, q_params, gradients):
        term = (q_param - p_param) * gradient
        result = result - sum_rightmost(term, term.dim() - batch_dims)
    return result
