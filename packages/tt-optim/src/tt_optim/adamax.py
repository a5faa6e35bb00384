"""``Adamax``: Adam with the infinity norm in place of the root mean square.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
β₁, β₂ = betas, λ = weight_decay)::

    g ← -∇ if maximize else ∇
    g ← g + λθ                       if λ ≠ 0
    m ← β₁m + (1 - β₁)g              the first moment, as Adam's
    u ← max(β₂u, |g| + ε)            a decaying maximum of |g|
    θ ← θ - γ / (1 - β₁ᵗ) · m / u

The maximum needs no bias correction (Kingma & Ba, 2015, section 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_implementation_flags, check_ranges


class Adamax(Optimizer):
    """Adamax, like ``torch.optim.Adamax``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: added to |g| inside the maximum (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_implementation_flags(
            "Adamax", foreach=foreach, differentiable=differentiable, capturable=capturable
        )
        check_ranges("Adamax", lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta = param.array
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = Tensor.from_array(np.zeros_like(theta))
            state["exp_inf"] = Tensor.from_array(np.zeros_like(theta))
        state["step"].array += 1
        step = float(state["step"].array)
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = self._plus_weight_decay(g, theta, group["weight_decay"])
        m, u = state["exp_avg"].array, state["exp_inf"].array
        m += (g - m) * (1 - beta1)
        u *= beta2
        work = np.abs(g, out=self._scratch(theta))
        work += group["eps"]
        np.maximum(u, work, out=u)
        theta -= group["lr"] / (1 - beta1**step) * m / u
