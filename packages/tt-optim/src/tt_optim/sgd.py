"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

PyTorch's update for each parameter θ with gradient ∇ (the spec followed here,
step for step; γ = lr, λ = weight_decay, μ = momentum, τ = dampening)::

    g ← -∇ if maximize else ∇
    g ← g + λθ                        if λ ≠ 0
    b ← g  (first step)  |  μb + (1 - τ)g  (later steps)      if μ ≠ 0
    g ← g + μb  if nesterov  else  b                          if μ ≠ 0
    θ ← θ - γg

PyTorch's documentation writes the sign flip of ``maximize`` as a last step
(``θ ← θ + γg``); its code flips the gradient first, as here. The two differ
only when ``maximize`` and ``weight_decay`` are both set, and the code's order
is the one that still shrinks the weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_hyperparameters, check_implementation_flags


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), like ``torch.optim.SGD``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate γ (default 1e-3, PyTorch's).
        momentum: momentum factor μ (default 0).
        dampening: dampening τ of the momentum (default 0).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).

    State per parameter: ``momentum_buffer`` (when momentum ≠ 0).

    Example:
        >>> optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)  # doctest: +SKIP
        >>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()  # doctest: +SKIP
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation_flags("SGD", foreach=foreach, differentiable=differentiable, fused=fused)
        check_hyperparameters("SGD", lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if lr < 0.0:
            raise ValueError(f"SGD: invalid learning rate {lr}: it must be >= 0")
        if momentum < 0.0:
            raise ValueError(f"SGD: invalid momentum {momentum}: it must be >= 0")
        if weight_decay < 0.0:
            raise ValueError(f"SGD: invalid weight_decay {weight_decay}: it must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        # BEGIN SOLUTION 06
        # TODO: one SGD step in place: g (+ weight_decay * theta), momentum b <- mu b + (1 - dampening) g
        #   (b = g on the first step), nesterov g + mu b, then theta -= lr * step (§ How it is built).
        # HINT: never modify param.grad (maximize negates a copy); reuse the scratch array for temporaries.
        momentum, weight_decay, theta = group["momentum"], group["weight_decay"], param.array
        work = self._scratch(theta)
        g = -grad if group["maximize"] else grad  # never modify param.grad itself
        if weight_decay != 0:  # g ← g + λθ
            g = self._plus_weight_decay(g, theta, weight_decay)
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:  # b ← g
                buffer = state["momentum_buffer"] = Tensor.from_array(np.array(g, copy=True))
            else:  # b ← μb + (1 - τ)g
                buffer.array *= momentum
                buffer.array += np.multiply(g, 1 - group["dampening"], out=work)
            if group["nesterov"]:  # g ← g + μb
                g = np.add(g, np.multiply(buffer.array, momentum, out=work), out=work)
            else:  # g ← b
                g = buffer.array
        theta -= np.multiply(g, group["lr"], out=work)  # θ ← θ - γg
        # END SOLUTION
