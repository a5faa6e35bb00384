"""``ASGD``: SGD whose iterates are also averaged (Polyak-Ruppert), the average kept as state ``ax``.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
λ = lambd, α = alpha, t₀ = t0, w = weight_decay)::

    g ← -∇ if maximize else ∇
    g ← g + wθ                       if w ≠ 0
    θ ← θ(1 - λη) - ηg               η starts at γ
    ā ← ā + μ(θ - ā)   if μ ≠ 1,  else ā ← θ
    η ← γ / (1 + λγt)^α;  μ ← 1 / max(1, t - t₀)

So η decays as t^-α and the average ``ax`` starts at step t₀ (1e6 by default:
plain SGD with a slowly decaying lr until then). The average is only kept:
the parameters are the SGD iterates; copy ``state[p]["ax"]`` into them to use
it (Polyak & Juditsky, 1992).

η and μ are kept as scalar tensors of ``get_default_dtype()`` (float32 unless
it was set to float64), as PyTorch keeps them: η as used is γ rounded to
float32, which a float64 model notices from its first step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import (
    Optimizer,
    check_hyperparameters,
    check_implementation_flags,
    check_ranges,
    scalar_dtype,
)


class ASGD(Optimizer):
    """Averaged SGD, like ``torch.optim.ASGD``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 1e-2).
        lambd: λ, the decay of η and of the weights (default 1e-4).
        alpha: α, the power of η's decay (default 0.75).
        t0: t₀, the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty w (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted, no effect (one NumPy path); differentiable=True refused.

    State per parameter: ``step``, ``eta`` (η), ``mu`` (μ) and ``ax`` (the average).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_implementation_flags(
            "ASGD", foreach=foreach, differentiable=differentiable, capturable=capturable
        )
        check_hyperparameters("ASGD", lambd=lambd, alpha=alpha, t0=t0)
        check_ranges("ASGD", lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta = param.array
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            scalar = scalar_dtype()
            state["step"] = Tensor.from_array(np.array(0.0, dtype=scalar))
            state["eta"] = Tensor.from_array(np.array(lr, dtype=scalar))
            state["mu"] = Tensor.from_array(np.array(1.0, dtype=scalar))
            state["ax"] = Tensor.from_array(np.zeros_like(theta))
        state["step"].array += 1
        step, eta, mu = (float(state[key].array) for key in ("step", "eta", "mu"))
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = self._plus_weight_decay(g, theta, group["weight_decay"])
        theta *= 1 - lambd * eta
        theta -= np.multiply(g, eta, out=self._scratch(theta))
        ax = state["ax"].array
        if mu != 1:
            ax += np.multiply(np.subtract(theta, ax, out=self._scratch(theta)), mu, out=self._scratch(theta))
        else:
            ax[...] = theta
        state["eta"].array[...] = lr / (1 + lambd * lr * step) ** group["alpha"]
        state["mu"].array[...] = 1 / max(1, step - group["t0"])
