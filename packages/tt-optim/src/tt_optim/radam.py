"""``RAdam``: Adam whose adaptive step is switched on only once its variance is tractable.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
β₁, β₂ = betas, λ = weight_decay)::

    g ← -∇ if maximize else ∇
    θ ← θ(1 - γλ) if decoupled_weight_decay, else g ← g + λθ      if λ ≠ 0
    m ← β₁m + (1 - β₁)g;  v ← β₂v + (1 - β₂)g²
    m̂ ← m / (1 - β₁ᵗ)
    ρ∞ ← 2/(1 - β₂) - 1;  ρ_t ← ρ∞ - 2tβ₂ᵗ/(1 - β₂ᵗ)
    if ρ_t > 5:  r ← √((ρ_t - 4)(ρ_t - 2)ρ∞ / ((ρ∞ - 4)(ρ∞ - 2)ρ_t))
                 θ ← θ - γ m̂ · r · √(1 - β₂ᵗ)/(√v + ε)
    else:        θ ← θ - γ m̂                    SGD with momentum while v is too young to trust

(Liu et al., 2020: a built-in warm-up; with β₂ = 0.999 the first 5 steps are plain momentum.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .adam_moments import adam_moments
from .optimizer import Optimizer, check_implementation_flags, check_ranges


class RAdam(Optimizer):
    """RAdam, like ``torch.optim.RAdam``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: added to the root (default 1e-8).
        weight_decay: λ (default 0): an L2 penalty, or with ``decoupled_weight_decay`` AdamW's shrinking.
        decoupled_weight_decay: shrink the weights directly.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step``, ``exp_avg`` and ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags(
            "RAdam", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        check_ranges("RAdam", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta, lr, (beta1, beta2) = param.array, group["lr"], group["betas"]
        step, _, m, v = adam_moments(self, param, grad, state, group)
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * beta2**step / correction2
        if rho <= 5.0:
            theta -= lr / correction1 * m
            return
        rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        denominator = np.sqrt(v, out=self._scratch(theta))
        denominator += group["eps"]
        theta -= lr / correction1 * rect * math.sqrt(correction2) * m / denominator
