"""``NAdam``: Adam with Nesterov momentum, the first moment looked at one step ahead.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
β₁, β₂ = betas, ψ = momentum_decay, λ = weight_decay)::

    g ← -∇ if maximize else ∇
    θ ← θ(1 - γλ) if decoupled_weight_decay, else g ← g + λθ      if λ ≠ 0
    μ_t ← β₁(1 - ½·0.96^(tψ));  μ_{t+1} ← β₁(1 - ½·0.96^((t+1)ψ))
    Π ← Π·μ_t                        the product of the μ so far (state ``mu_product``)
    m ← β₁m + (1 - β₁)g;  v ← β₂v + (1 - β₂)g²
    d ← √(v / (1 - β₂ᵗ)) + ε
    θ ← θ - γ(1 - μ_t)/(1 - Π) · g/d - γμ_{t+1}/(1 - Πμ_{t+1}) · m/d

(Dozat, 2016; the μ schedule warms the momentum up over the first few hundred steps.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .adam_moments import adam_moments
from .optimizer import Optimizer, check_implementation_flags, check_ranges


class NAdam(Optimizer):
    """NAdam, like ``torch.optim.NAdam``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: added to the root (default 1e-8).
        weight_decay: λ (default 0): an L2 penalty, or with ``decoupled_weight_decay`` AdamW's shrinking.
        momentum_decay: ψ (default 4e-3).
        decoupled_weight_decay: shrink the weights directly (NAdamW).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step``, ``mu_product``, ``exp_avg`` and ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags(
            "NAdam", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        check_ranges(
            "NAdam", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay
        )
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta = param.array
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if not state:
            state["mu_product"] = Tensor.from_array(np.array(1.0, dtype=np.float32))
        step, g, m, v = adam_moments(self, param, grad, state, group)
        mu = beta1 * (1 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        state["mu_product"].array *= mu
        mu_product = float(state["mu_product"].array)
        denominator = np.sqrt(v / (1 - beta2**step), out=self._scratch(theta))
        denominator += group["eps"]
        theta -= lr * (1 - mu) / (1 - mu_product) * g / denominator
        theta -= lr * mu_next / (1 - mu_product * mu_next) * m / denominator
