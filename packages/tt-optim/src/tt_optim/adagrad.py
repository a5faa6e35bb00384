"""``Adagrad``: each coordinate's step divided by the root of its summed squared gradients.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
η = lr_decay, λ = weight_decay)::

    g ← -∇ if maximize else ∇
    g ← g + λθ                       if λ ≠ 0
    γ_t ← γ / (1 + (t - 1)η)
    s ← s + g²                       the sum starts at initial_accumulator_value
    θ ← θ - γ_t · g / (√s + ε)

Coordinates with large past gradients take small steps, rare ones large steps
(Duchi et al., 2011); the sum only grows, so every step size shrinks over time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_implementation_flags, check_ranges


class Adagrad(Optimizer):
    """Adagrad, like ``torch.optim.Adagrad``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 1e-2).
        lr_decay: η, the lr at step t is γ / (1 + (t - 1)η) (default 0).
        weight_decay: L2 penalty λ (default 0).
        initial_accumulator_value: the sum's starting value (default 0).
        eps: added to the root (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step`` and ``sum``. Cost: four element-wise passes.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation_flags("Adagrad", foreach=foreach, differentiable=differentiable, fused=fused)
        check_ranges("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                     initial_accumulator_value=initial_accumulator_value, eps=eps)  # fmt: skip
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps, maximize=maximize,
                        initial_accumulator_value=initial_accumulator_value)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta = param.array
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
            state["sum"] = Tensor.from_array(np.full_like(theta, group["initial_accumulator_value"]))
        state["step"].array += 1
        step = float(state["step"].array)
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = self._plus_weight_decay(g, theta, group["weight_decay"])
        total = state["sum"].array
        work = self._scratch(theta)
        total += np.multiply(g, g, out=work)
        denominator = np.sqrt(total, out=work)
        denominator += group["eps"]
        step_size = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        theta -= step_size * g / denominator
