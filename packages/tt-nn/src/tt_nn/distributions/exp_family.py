"""``ExponentialFamily``: densities ``exp(<t(x), θ> - F(θ) + k(x))``, entropy and KL from ``F`` alone.

A subclass gives its natural parameters ``θ`` (``_natural_params``), the log-normalizer
``F(θ)`` (``_log_normalizer``, written in tensor ops) and ``E[k(x)]`` (``_mean_carrier_measure``);
then, as in ``torch.distributions.exp_family`` (after Nielsen and Nock), autograd gives

* ``entropy() = F(θ) - <θ, ∇F(θ)> - E[k(x)]`` (``∇F(θ)`` is the mean of ``t(x)``), and
* ``kl_divergence(p, q) = F(θ_q) - F(θ_p) - <θ_q - θ_p, ∇F(θ_p)>`` for two members of one
  family (a Bregman divergence of ``F``), registered in :mod:`.kl` for any pair of one subclass.

Cost: one backward pass through ``F``. As PyTorch, ``p``'s natural parameters are detached
first, so these two carry gradients to ``q``'s parameters (KL) but not to ``p``'s: a family with
a closed form overrides them. As in PyTorch 2.13, ``Normal``, ``Gamma`` (and ``Chi2``), ``Beta``,
``Bernoulli``, ``Dirichlet``, ``Exponential``, ``Poisson``, ``ContinuousBernoulli`` and ``Wishart``
subclass this and keep their closed forms; ``Beta``, ``Dirichlet`` and ``Poisson`` define no
``_mean_carrier_measure`` (PyTorch's neither), so only their Bregman KL is available.
"""

from __future__ import annotations

import tt_autograd as autograd
from tt_autograd.gradients import grad

from .distribution import Distribution


class ExponentialFamily(Distribution):
    """The base class of exponential families; see the module docstring for what a subclass defines."""

    @property
    def _natural_params(self) -> tuple[autograd.Tensor, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define _natural_params")

    def _log_normalizer(self, *natural_params: autograd.Tensor) -> autograd.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define _log_normalizer")

    @property
    def _mean_carrier_measure(self) -> object:
        raise NotImplementedError(
            f"{type(self).__name__} does not define entropy: no _mean_carrier_measure (the mean of k(x))"
        )

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
