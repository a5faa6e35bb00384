"""``RMSprop``: divide each gradient by a running root-mean-square of recent gradients.

PyTorch's update for each parameter θ with gradient ∇ (γ = lr, α = alpha,
λ = weight_decay, μ = momentum), step for step::

    g ← -∇ if maximize else ∇
    g ← g + λθ                         if λ ≠ 0
    v ← αv + (1 - α)g²                 square average
    ḡ ← αḡ + (1 - α)g                  centered: gradient average
    d ← √(v - ḡ²) + ε  if centered  else  √v + ε
    b ← μb + g/d ;  θ ← θ - γb         if μ > 0
    θ ← θ - γ g/d                      otherwise

The square root is taken before ε is added (TensorFlow adds it inside).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_hyperparameters, check_implementation_flags


class RMSprop(Optimizer):
    """RMSprop (Hinton), like ``torch.optim.RMSprop``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate γ (default 1e-2).
        alpha: smoothing constant α of the square average (default 0.99).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        momentum: momentum factor μ (default 0).
        centered: normalise by an estimate of the gradient's variance instead
            of its second moment.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (when
    momentum > 0) and ``grad_avg`` (when centered).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags(
            "RMSprop", capturable=capturable, foreach=foreach, differentiable=differentiable
        )
        check_hyperparameters(
            "RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum
        )
        for name, value in (
            ("learning rate", lr),
            ("eps", eps),
            ("momentum", momentum),
            ("weight_decay", weight_decay),
            ("alpha", alpha),
        ):
            if value < 0.0:
                raise ValueError(f"RMSprop: invalid {name} {value}: it must be >= 0")
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        # BEGIN SOLUTION 06
        # TODO: one RMSprop step in place: v <- alpha v + (1 - alpha) g^2, theta -= lr * g / (sqrt(v) + eps),
        #   with the centered, momentum and weight_decay variants (§ How it is built, "The update rules").
        # HINT: create the state on the first step; centered subtracts the squared running mean of g from v.
        alpha, momentum, weight_decay = group["alpha"], group["momentum"], group["weight_decay"]
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
            state["square_avg"] = Tensor.from_array(np.zeros_like(param.array))
            if momentum > 0:
                state["momentum_buffer"] = Tensor.from_array(np.zeros_like(param.array))
            if group["centered"]:
                state["grad_avg"] = Tensor.from_array(np.zeros_like(param.array))
        state["step"].array += 1
        theta, square_avg = param.array, state["square_avg"].array
        work = self._scratch(theta)  # every intermediate goes here: no temporary arrays
        g = -grad if group["maximize"] else grad  # never modify param.grad itself
        if weight_decay != 0:  # g ← g + λθ
            g = self._plus_weight_decay(g, theta, weight_decay)
        square_avg *= alpha  # v ← αv + (1 - α)g²
        square_avg += np.multiply(np.multiply(g, g, out=work), 1 - alpha, out=work)
        if group["centered"]:  # ḡ ← ḡ + (1 - α)(g - ḡ); d ← √(v - ḡ²)
            grad_avg = state["grad_avg"].array
            grad_avg += np.multiply(np.subtract(g, grad_avg, out=work), 1 - alpha, out=work)
            avg = np.sqrt(
                np.subtract(square_avg, np.multiply(grad_avg, grad_avg, out=work), out=work), out=work
            )
        else:  # d ← √v
            avg = np.sqrt(square_avg, out=work)
        avg += group["eps"]
        step = np.divide(g, avg, out=work)  # g / d
        if momentum > 0:  # b ← μb + g/d; θ ← θ - γb
            buffer = state["momentum_buffer"].array
            buffer *= momentum
            buffer += step
            step = np.multiply(buffer, group["lr"], out=work)
        else:  # θ ← θ - γ g/d
            step *= group["lr"]
        theta -= step
        # END SOLUTION
