"""The first lines of every Adam variant's step (NAdam, RAdam): state, weight decay and the two moments.

Adam itself writes them out in module 06's exercise; its variants outside the
course share this one copy. Per parameter θ with gradient ∇ at step t::

    g ← -∇ if maximize else ∇
    θ ← θ(1 - γλ) if decoupled_weight_decay, else g ← g + λθ      if λ ≠ 0
    m ← β₁m + (1 - β₁)g;  v ← β₂v + (1 - β₂)g²
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer


def adam_moments(
    optimizer: Optimizer, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Advance ``state`` one step; returns ``(t, g, m, v)``, m and v being the state's arrays (updated).

    Creates ``step``, ``exp_avg`` and ``exp_avg_sq`` on the first call (``step`` a
    float32 scalar tensor, as PyTorch keeps it). ``g`` may be a work array of
    ``optimizer``'s; ``param.grad`` is never modified.
    """
    theta = param.array
    lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
    if "step" not in state:
        state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
        state["exp_avg"] = Tensor.from_array(np.zeros_like(theta))
        state["exp_avg_sq"] = Tensor.from_array(np.zeros_like(theta))
    state["step"].array += 1
    g = -grad if group["maximize"] else grad
    if weight_decay != 0 and group["decoupled_weight_decay"]:
        theta *= 1 - lr * weight_decay
    elif weight_decay != 0:
        g = optimizer._plus_weight_decay(g, theta, weight_decay)
    m, v = state["exp_avg"].array, state["exp_avg_sq"].array
    m += (g - m) * (1 - beta1)
    v *= beta2
    v += (1 - beta2) * g * g
    return float(state["step"].array), g, m, v
