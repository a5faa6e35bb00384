"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled weight decay.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
λ = weight_decay, β₁, β₂ = betas, ε = eps), step for step::

    g ← -∇ if maximize else ∇
    θ ← θ(1 - γλ)                      AdamW (decoupled decay)
    g ← g + λθ                         Adam with λ ≠ 0 (L2 penalty)
    m ← β₁m + (1 - β₁)g                first moment
    v ← β₂v + (1 - β₂)g²               second moment
    v_max ← max(v_max, v)              amsgrad
    θ ← θ - (γ / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)      (v_max in place of v with amsgrad)

The bias corrections 1 - βᵗ undo the pull towards zero of moments that start
at zero. AMSGrad keeps the running maximum of the *uncorrected* v, as
PyTorch's code does. The arithmetic is vectorised per parameter and writes
into the state and the parameter in place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .optimizer import Optimizer, check_implementation_flags, check_ranges


class Adam(Optimizer):
    """Adam, like ``torch.optim.Adam``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate γ (default 1e-3).
        betas: decay rates (β₁, β₂) of the first and second moments (default (0.9, 0.999)).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: λ; an L2 penalty added to the gradient (default 0).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused, capturable: PyTorch's kernel choices, accepted (one NumPy path: same values);
            ``differentiable=True`` is refused (``check_implementation_flags``).
        decoupled_weight_decay: shrink the weights directly, as AdamW does.

    State per parameter: ``step`` (a float32 scalar tensor, as in PyTorch),
    ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.

    float16 parameters: the state is kept in float32 and the step computed in
    float32, then the parameter is rounded back to float16 (as PyTorch's
    ``fused=True`` kernels compute in float32; its default path keeps float16
    state, where ``eps=1e-8`` rounds to 0 and a zero gradient gives NaN).
    See :meth:`Optimizer._update_half`.

    Example:
        >>> optimizer = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))  # doctest: +SKIP
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_implementation_flags(
            "Adam", foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused
        )
        name = type(self).__name__
        check_ranges(name, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        # BEGIN SOLUTION 06
        # TODO: one Adam (or AdamW, amsgrad) step of one parameter, in place (§ How it is built, "The update
        #   rules are PyTorch's, step for step").
        # APPROACH: create the state on the first step (step, exp_avg, exp_avg_sq); m <- b1 m + (1 - b1) g,
        #   v <- b2 v + (1 - b2) g^2; theta -= lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections.
        # HINT: work in place on the state arrays (no new arrays per step) and never modify param.grad.
        lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = Tensor.from_array(np.zeros_like(param.array))
            state["exp_avg_sq"] = Tensor.from_array(np.zeros_like(param.array))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor.from_array(np.zeros_like(param.array))
        state["step"].array += 1
        step = float(state["step"].array)
        theta, m, v = param.array, state["exp_avg"].array, state["exp_avg_sq"].array
        work = self._scratch(theta)  # every intermediate goes here: no temporary arrays
        g = -grad if group["maximize"] else grad  # never modify param.grad itself
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:  # θ ← θ(1 - γλ)
                theta *= 1 - lr * weight_decay
            else:  # g ← g + λθ
                g = self._plus_weight_decay(g, theta, weight_decay)
        m += np.multiply(np.subtract(g, m, out=work), 1 - beta1, out=work)  # m ← m + (1 - β₁)(g - m)
        v *= beta2  # v ← β₂v + (1 - β₂)g²
        v += np.multiply(np.multiply(g, g, out=work), 1 - beta2, out=work)
        if group["amsgrad"]:  # v_max ← max(v_max, v)
            v = np.maximum(state["max_exp_avg_sq"].array, v, out=state["max_exp_avg_sq"].array)
        denom = np.sqrt(v, out=work)  # √v / √(1 - β₂ᵗ) + ε
        denom /= math.sqrt(1 - beta2**step)
        denom += eps
        theta -= np.multiply(np.divide(m, denom, out=work), lr / (1 - beta1**step), out=work)
        # END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), like ``torch.optim.AdamW``.

    The decay shrinks the weights, ``θ ← θ(1 - γλ)``, instead of entering the
    gradient, so it is not rescaled by the adaptive denominator. Same
    arguments as :class:`Adam`, but ``weight_decay`` defaults to 1e-2.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation_flags(
            "AdamW", foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused
        )
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )
