"""``ExponentialFamily``: densities ``exp(<t(x), θ> - F(θ) + k(x))``, entropy and KL from ``F`` alone.

A subclass gives its natural parameters ``θ`` (``_natural_params``), the log-normalizer
``F(θ)`` (``_log_normalizer``, written in tensor ops) and ``E[k(x)]`` (``_mean_carrier_measure``);
then, as in ``torch.distributions.exp_family`` (after Nielsen and Nock), autograd gives

* ``entropy() = F(θ) - <θ, ∇F(θ)> - E[k(x)]`` (``∇F(θ)`` is the mean of ``t(x)``), and
* ``kl_divergence(p, q) = F(θ_q) - F(θ_p) - <θ_q - θ_p, ∇F(θ_p)>`` for two members of one
  family (a Bregman divergence of ``F``), registered here for any pair of one subclass.

Cost: one backward pass through ``F``. As PyTorch, ``p``'s natural parameters are detached
first, so these two carry gradients to ``q``'s parameters (KL) but not to ``p``'s: a family with
a closed form overrides them. TinyTorch's exponential-family distributions (Normal, Gamma, ...)
keep their closed forms and do not subclass this yet (their files are being reworked).
"""

from __future__ import annotations

import tt_autograd as autograd
from tt_autograd.gradients import grad

from .distribution import Distribution, sum_rightmost
from .kl import register_kl


class ExponentialFamily(Distribution):
    """The base class of exponential families; see the module docstring for what a subclass defines."""

    @property
    def _natural_params(self) -> tuple[autograd.Tensor, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define _natural_params")

    def _log_normalizer(self, *natural_params: autograd.Tensor) -> autograd.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define _log_normalizer")

    @property
    def _mean_carrier_measure(self) -> object:
        raise NotImplementedError(f"{type(self).__name__} does not define _mean_carrier_measure")

    def _detached_log_normalizer(self) -> tuple[list[autograd.Tensor], autograd.Tensor, tuple]:
        """Natural parameters (detached leaves), ``F`` at them and ``∇F`` (with its graph)."""
        params = [p.detach().requires_grad_() for p in self._natural_params]
        with autograd.enable_grad():
            log_normalizer = self._log_normalizer(*params)
            gradients = grad(log_normalizer.sum(), params, create_graph=True)
        return params, log_normalizer, gradients

    def entropy(self) -> autograd.Tensor:
        """``F(θ) - <θ, ∇F(θ)> - E[k(x)]``, by autograd through the log-normalizer."""
        params, log_normalizer, gradients = self._detached_log_normalizer()
        result = log_normalizer - self._mean_carrier_measure
        for param, gradient in zip(params, gradients):
            result = result - (param * gradient).reshape(self._batch_shape + (-1,)).sum(dim=-1)
        return result


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p: ExponentialFamily, q: ExponentialFamily) -> autograd.Tensor:
    """The Bregman divergence of the log-normalizer between ``q``'s and ``p``'s natural parameters."""
    if type(p) is not type(q):
        raise NotImplementedError(
            f"kl_divergence: {type(p).__name__} and {type(q).__name__} are different exponential families; "
            "the Bregman-divergence KL needs two members of one family"
        )
    p_params, log_normalizer, gradients = p._detached_log_normalizer()
    q_params = q._natural_params
    result = q._log_normalizer(*q_params) - log_normalizer
    for p_param, q_param, gradient in zip(p_params, q_params, gradients):
        result = result - sum_rightmost((q_param - p_param) * gradient, len(q.event_shape))
    return result
