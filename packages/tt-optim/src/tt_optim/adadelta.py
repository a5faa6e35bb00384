"""``Adadelta``: a per-parameter step size from running averages of squared gradients and updates.

PyTorch's update for each parameter θ with gradient ∇ (γ = lr, ρ = rho,
λ = weight_decay), step for step::

    g ← -∇ if maximize else ∇
    g ← g + λθ                               if λ ≠ 0
    v ← ρv + (1 - ρ)g²                       square average of gradients
    Δ ← √(u + ε) / √(v + ε) · g              the update, in the units of θ
    u ← ρu + (1 - ρ)Δ²                       square average of updates
    θ ← θ - γΔ

``pytorch/examples``' MNIST script trains with it (``lr=1.0``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_implementation_flags, check_ranges


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), like ``torch.optim.Adadelta``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: scale of the update γ (default 1.0).
        rho: smoothing constant ρ of both running averages (default 0.9).
        eps: added inside both square roots (default 1e-6).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    Cost: a few element-wise passes per parameter, into one scratch buffer.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags(
            "Adadelta", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        check_ranges("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay, rho=rho)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho}: it must be in [0, 1]")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
            state["square_avg"] = Tensor.from_array(np.zeros_like(param.array))
            state["acc_delta"] = Tensor.from_array(np.zeros_like(param.array))
        state["step"].array += 1
        theta, square_avg, acc_delta = param.array, state["square_avg"].array, state["acc_delta"].array
        work = self._scratch(theta)
        g = -grad if group["maximize"] else grad  # never modify param.grad itself
        if group["weight_decay"] != 0:
            g = self._plus_weight_decay(g, theta, group["weight_decay"])
        square_avg *= rho  # v ← ρv + (1 - ρ)g²
        square_avg += np.multiply(np.multiply(g, g, out=work), 1 - rho, out=work)
        delta = np.sqrt(np.add(acc_delta, eps, out=work), out=work)  # Δ ← √(u + ε) / √(v + ε) · g
        delta /= np.sqrt(square_avg + eps)
        delta *= g
        acc_delta *= rho  # u ← ρu + (1 - ρ)Δ²
        acc_delta += (1 - rho) * delta * delta
        delta *= group["lr"]
        theta -= delta
