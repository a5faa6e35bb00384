"""``Adafactor``: Adam-like steps with a factored second moment, sublinear memory, and no first moment.

PyTorch's update for each parameter θ with gradient ∇ at step t (γ = lr,
τ = beta2_decay, ε₁, ε₂ = eps, d = the clipping threshold d, λ = weight_decay)::

    g ← -∇ if maximize else ∇
    w ← t^τ                              1 - β₂ₜ: the average's weight of the new g²
    ρ ← min(γ, 1/√t);  a ← max(ε₂, RMS(θ))·ρ     a relative step size, RMS(θ) before the decay
    θ ← θ(1 - γλ)                        if λ ≠ 0
    for θ of 2 or more dimensions (the last two factored, earlier ones batched):
        R ← R + w(mean(g², last dim) - R);  C ← C + w(mean(g², second last dim) - C)
        V ← R·C / max(mean(R), ε₁)      the outer product, rescaled by R's mean
    for 0-d and 1-d θ:  V ← V + w(g² - V)
    U ← g / √max(V, ε₁²)
    θ ← θ - a/max(1, RMS(U)/d) · U       the update clipped to an RMS of d

ε₁ = None means the parameter dtype's eps (``finfo(dtype).eps``). An m×n
matrix keeps m + n numbers of state instead of Adam's 2mn (Shazeer & Stern,
2018); PyTorch uses γ only as ρ's ceiling and in the weight decay.
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
    check_pair,
    check_ranges,
    scalar_dtype,
)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start ← start + weight·(end - start)`` in place, rounded as PyTorch's ``lerp_`` rounds it.

    PyTorch computes ``end - (end - start)(1 - weight)`` when weight >= 0.5, so
    weight 1 gives ``end`` exactly; the same formula keeps float64 results identical.
    """
    difference = end - start
    if abs(weight) < 0.5:
        start += weight * difference
    else:
        start[...] = end - difference * (1 - weight)


def _rms(array: np.ndarray) -> float:
    """The root mean square, as PyTorch's ``norm(2) / √numel``."""
    return float(np.sqrt(np.vdot(array, array))) / array.size**0.5


class Adafactor(Optimizer):
    """Adafactor, like ``torch.optim.Adafactor``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: γ, the ceiling of the relative step size and the weight decay's factor (default 1e-2).
        beta2_decay: τ <= 0, the second moment's weight of a new g² is t^τ (default -0.8).
        eps: (ε₁, ε₂): ε₁ floors the variance estimate (None: the dtype's eps), ε₂ the RMS of θ
            in the step size (default (None, 1e-3)).
        d: the update's RMS is clipped to d >= 1 (default 1).
        weight_decay: λ, decoupled (θ ← θ(1 - γλ)) (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted, no effect (one NumPy path).

    State per parameter: ``step``, and ``row_var`` and ``col_var`` (θ's shape with the last,
    resp. second last, dimension 1) for two or more dimensions, ``variance`` for fewer.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        check_implementation_flags("Adafactor", foreach=foreach)
        check_pair("Adafactor", "eps", eps, first_may_be_none=True)
        check_hyperparameters("Adafactor", beta2_decay=beta2_decay, d=d)
        check_ranges("Adafactor", lr=lr, weight_decay=weight_decay, eps2=eps[1])
        if eps[0] is not None:
            check_ranges("Adafactor", eps1=eps[0])
        if beta2_decay > 0:
            raise ValueError(f"Adafactor: invalid beta2_decay {beta2_decay}: it must be <= 0")
        if d < 1:
            raise ValueError(f"Adafactor: invalid clipping threshold d {d}: it must be >= 1")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay,
                        maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _update_half(
        self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """In float32, as every float16 update here, but with float16's eps as ε₁ = None (PyTorch's)."""
        eps1, eps2 = group["eps"]
        if eps1 is None:
            group = {**group, "eps": (float(np.finfo(param.array.dtype).eps), eps2)}
        super()._update_half(param, grad, state, group)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta, lr = param.array, group["lr"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(theta.dtype).eps)
        factored = theta.ndim > 1
        if not state:
            state["step"] = Tensor.from_array(np.array(0.0, dtype=scalar_dtype()))
            if factored:
                state["row_var"] = Tensor.from_array(np.zeros_like(theta[..., :1]))
                state["col_var"] = Tensor.from_array(np.zeros_like(theta[..., :1, :]))
            else:
                state["variance"] = Tensor.from_array(np.zeros_like(theta))
        state["step"].array += 1
        step = float(state["step"].array)
        weight = step ** group["beta2_decay"]
        alpha = max(eps2, _rms(theta)) * min(lr, 1 / step**0.5)
        if group["weight_decay"] != 0:
            theta *= 1 - lr * group["weight_decay"]
        g = -grad if group["maximize"] else grad
        square = np.multiply(g, g, out=self._scratch(theta))
        if factored:
            row_var, col_var = state["row_var"].array, state["col_var"].array
            lerp_(row_var, np.sqrt(square.sum(axis=-1, keepdims=True)) ** 2 / theta.shape[-1], weight)
            lerp_(col_var, np.sqrt(square.sum(axis=-2, keepdims=True)) ** 2 / theta.shape[-2], weight)
            variance = np.matmul(row_var, col_var, out=square)
            variance /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            lerp_(state["variance"].array, square, weight)
            variance = square
            variance[...] = state["variance"].array
        update = np.sqrt(np.maximum(variance, eps1 * eps1, out=variance), out=variance)
        np.divide(1, update, out=update)  # PyTorch's rsqrt, then times g: rounded as it rounds
        update *= g
        theta -= alpha / max(1.0, _rms(update) / group["d"]) * update
