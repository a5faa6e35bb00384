"""KL divergences between ``LowRankMultivariateNormal`` and ``MultivariateNormal``, all three pairs.

Registered with :func:`.kl.register_kl` as PyTorch registers them: low-rank with itself and
with a full multivariate normal both ways (the full pair stays in :mod:`.kl`). One formula
serves the three,

    KL(p ‖ q) = (log det Σq - log det Σp + tr(Σq⁻¹ Σp) + |μq - μp|²_{Σq⁻¹} - n) / 2,

with ``Σp = Mp Mpᵀ`` written through a factor ``Mp`` (``Lp``, or ``[Wp, diag(√Dp)]`` for a
low-rank ``p``), so the trace is the squared ``Σq⁻¹``-norm of ``Mp``'s columns. ``Σq⁻¹`` is
never formed: two triangular solves against ``Lq`` for a full ``q``, the Woodbury identity
``D⁻¹ - Aᵀ A`` with ``A = L_C⁻¹ Wᵀ D⁻¹`` (``L_C`` the capacitance's Cholesky factor) for a
low-rank ``q``. Cost ``O(n² (r + n))`` for a low-rank ``p`` (its factor has ``n + r``
columns) and ``O(n³)`` with a full one.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import linalg

from .kl import register_kl
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .multivariate_normal import MultivariateNormal, half_log_det

Gaussian = MultivariateNormal | LowRankMultivariateNormal


def _log_det(m: Gaussian) -> autograd.Tensor:
    """``log det Σ``."""
    if isinstance(m, LowRankMultivariateNormal):
        return m._log_det()
    return 2 * half_log_det(m._unbroadcasted_scale_tril)


def _factor(m: Gaussian) -> autograd.Tensor:
    """A matrix ``M`` with ``M Mᵀ = Σ``: ``L``, or ``[W, diag(√D)]`` (``n × (r + n)``) for a low-rank one."""
    if not isinstance(m, LowRankMultivariateNormal):
        return m._unbroadcasted_scale_tril
    w, d = m._unbroadcasted_cov_factor, m._unbroadcasted_cov_diag
    batch = np.broadcast_shapes(w.shape[:-2], d.shape[:-1])
    diagonal = autograd.diag_embed(d.sqrt())
    return autograd.cat(
        [w.expand(*batch, *w.shape[-2:]), diagonal.expand(*batch, *diagonal.shape[-2:])], dim=-1
    )


def _inverse_norm(q: Gaussian, columns: autograd.Tensor) -> autograd.Tensor:
    """``Σ_k c_kᵀ Σq⁻¹ c_k`` over the columns ``c_k`` of ``columns`` (``(*, n, k)``)."""
    if isinstance(q, LowRankMultivariateNormal):
        w, d = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
        woodbury = linalg.solve_triangular(q._capacitance_tril, w.mT / d.unsqueeze(-2), upper=False)
        return (columns.pow(2) / d.unsqueeze(-1)).sum(dim=(-2, -1)) - (woodbury @ columns).pow(2).sum(
            dim=(-2, -1)
        )
    factor = q._unbroadcasted_scale_tril
    shape = np.broadcast_shapes(factor.shape[:-2], columns.shape[:-2])
    whitened = linalg.solve_triangular(
        factor.expand(*shape, *factor.shape[-2:]), columns.expand(*shape, *columns.shape[-2:]), upper=False
    )
    return whitened.pow(2).sum(dim=(-2, -1))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
@register_kl(LowRankMultivariateNormal, MultivariateNormal)
@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_gaussian(p: Gaussian, q: Gaussian) -> autograd.Tensor:
    """``(log det Σq - log det Σp + tr(Σq⁻¹ Σp) + |μq - μp|²_{Σq⁻¹} - n) / 2``."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence: {type(p).__name__} and {type(q).__name__} of different event shapes "
            f"{p.event_shape} and {q.event_shape} have no KL divergence"
        )
    trace = _inverse_norm(q, _factor(p))
    distance = _inverse_norm(q, (q.loc - p.loc).unsqueeze(-1))
    result = 0.5 * (_log_det(q) - _log_det(p) + trace + distance - p.event_shape[0])
    return result.expand(*np.broadcast_shapes(p.batch_shape, q.batch_shape))
