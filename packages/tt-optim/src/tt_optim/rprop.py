"""``Rprop``: resilient backpropagation, a per-coordinate step size steered by the gradient's sign alone.

PyTorch's update for each parameter θ with gradient ∇ at step t (η₋, η₊ =
etas, Γ_min, Γ_max = step_sizes; every step size s starts at lr)::

    g ← -∇ if maximize else ∇
    for each coordinate:
        if g·g_prev > 0:  s ← min(s·η₊, Γ_max)       same sign: speed up
        if g·g_prev < 0:  s ← max(s·η₋, Γ_min); g ← 0   sign flipped: slow down, skip this step
        otherwise:        s unchanged
    θ ← θ - s·sign(g)
    g_prev ← g                       so a skipped coordinate is not slowed again at the next step

The gradient's size is ignored (Riedmiller & Braun, 1993): meant for full
batches, where the sign of the gradient is reliable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_implementation_flags, check_pair, check_ranges, scalar_dtype


class Rprop(Optimizer):
    """Rprop, like ``torch.optim.Rprop``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: every coordinate's first step size (default 1e-2).
        etas: (η₋, η₊), the factors that shrink and grow a step size, 0 < η₋ < 1 < η₊
            (default (0.5, 1.2)).
        step_sizes: (Γ_min, Γ_max), the bounds of a step size (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach: accepted, no effect (one NumPy path); differentiable=True refused.

    State per parameter: ``step``, ``prev`` (the last g, zero where skipped) and ``step_size``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags(
            "Rprop", capturable=capturable, foreach=foreach, differentiable=differentiable
        )
        check_ranges("Rprop", lr=lr)
        check_pair("Rprop", "etas", etas)
        check_pair("Rprop", "step_sizes", step_sizes)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(
                f"Rprop: invalid eta values {etas[0]}, {etas[1]}: they must be 0 < etaminus < 1 < etaplus"
            )
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta = param.array
        etaminus, etaplus = group["etas"]
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=scalar_dtype()))
            state["prev"] = Tensor.from_array(np.zeros_like(theta))
            state["step_size"] = Tensor.from_array(np.full_like(theta, group["lr"]))
        state["step"].array += 1
        prev, step_size = state["prev"].array, state["step_size"].array
        g = self._scratch(theta)  # g is zeroed where the sign flipped: a copy, never param.grad itself
        if group["maximize"]:
            np.negative(grad, out=g)
        else:
            np.copyto(g, grad)
        factor = np.multiply(g, prev, out=self._scratch(theta, slot=1))  # only its sign matters
        factor[factor > 0] = etaplus  # NaN stays NaN, as in PyTorch
        factor[factor < 0] = etaminus
        factor[factor == 0] = 1
        step_size *= factor
        np.clip(step_size, *group["step_sizes"], out=step_size)
        g[factor == etaminus] = 0
        prev[...] = g
        theta -= np.multiply(np.sign(g, out=g), step_size, out=g)
