"""``Muon``: momentum orthogonalised by a Newton-Schulz iteration, for 2-D parameters (PyTorch 2.13).

PyTorch's update for each matrix θ (``A x B``) with gradient ∇ (γ = lr, λ = weight_decay,
μ = momentum, (a, b, c) = ns_coefficients)::

    M ← M + (1 - μ)(∇ - M)                      the momentum buffer (PyTorch's lerp)
    U ← ∇ + μ(M - ∇) if nesterov else M
    X ← U / max(‖U‖_F, eps), transposed if A > B  spectral norm at most 1
    repeat ns_steps times:  G ← X Xᵀ;  X ← a X + (b G + c G²) X
    θ ← θ(1 - γλ)                               decoupled weight decay
    θ ← θ - γ·r · X (transposed back)           r = √max(1, A/B) ("original"), 0.2·√max(A, B)
                                                 ("match_rms_adamw")

The quintic iteration pushes every singular value of ``U`` towards 1 (not exactly: to about
[0.7, 1.2] with the default coefficients), so the step is ``U``'s directions with their scales
evened out (Jordan et al., 2024). PyTorch runs the iteration in bfloat16; NumPy has no bfloat16,
so it runs here in the parameter's dtype: steps agree with PyTorch's to bfloat16's precision
(about 1e-2 relative), not to the last bit. Cost per step: ``ns_steps`` times three products,
``O(ns_steps · min(A, B)² · max(A, B))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor

from .adafactor import lerp_
from .optimizer import Optimizer, check_hyperparameters, check_ranges

ADJUSTMENTS = (None, "original", "match_rms_adamw")


def zeropower_via_newtonschulz(
    update: np.ndarray, coefficients: tuple[float, float, float], steps: int, eps: float
) -> np.ndarray:
    """The Newton-Schulz orthogonalisation of a 2-D ``update`` (PyTorch's ``_zeropower_via_newtonschulz``)."""
    if steps >= 100:
        raise ValueError("Muon: Number of steps must be less than 100 for computational efficiency")
    a, b, c = coefficients
    tall = update.shape[0] > update.shape[1]
    x = update.T if tall else update
    x = x / max(float(np.linalg.norm(x)), eps)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """``lr`` times Muon's ratio for a matrix of ``shape`` (PyTorch's ``_adjust_lr``)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))


class Muon(Optimizer):
    """Muon, like ``torch.optim.Muon``: for the 2-D weights of a network (hidden layers); the others
    (biases, embeddings, the output layer, by convention) go to another optimizer such as AdamW.

    Args:
        params: 2-D tensors to optimize, or dicts defining parameter groups.
        lr: γ (default 1e-3).
        weight_decay: λ, decoupled (default 0.1).
        momentum: μ (default 0.95).
        nesterov: use the Nesterov form of the momentum (default True).
        ns_coefficients: (a, b, c) of the quintic iteration (default (3.4445, -4.775, 2.0315)).
        eps: the floor of the norm that scales the update (default 1e-7).
        ns_steps: iterations, fewer than 100 (default 5).
        adjust_lr_fn: None or ``"original"`` (γ·√max(1, A/B)), or ``"match_rms_adamw"``
            (γ·0.2·√max(A, B), the step's RMS of AdamW's).

    State per parameter: ``momentum_buffer`` (the parameter's shape).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
        eps: float = 1e-7,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ) -> None:
        check_ranges("Muon", lr=lr, momentum=momentum, weight_decay=weight_decay, eps=eps)
        if not isinstance(ns_coefficients, (tuple, list)) or len(ns_coefficients) != 3:
            raise ValueError(
                f"Muon: Coefficients must be a tuple of exactly 3 values, got {ns_coefficients!r:.60}"
            )
        check_hyperparameters("Muon", **{f"ns_coefficients[{i}]": v for i, v in enumerate(ns_coefficients)})
        if (
            isinstance(ns_steps, bool)
            or not isinstance(ns_steps, (int, np.integer))
            or not 0 <= ns_steps < 100
        ):
            raise ValueError(f"Muon: ns_steps must be an int in [0, 100), got {ns_steps!r:.40}")
        if adjust_lr_fn not in ADJUSTMENTS:
            raise ValueError(f"Muon: Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(
            lr=lr,
            weight_decay=weight_decay,
            momentum=momentum,
            nesterov=bool(nesterov),
            ns_coefficients=tuple(ns_coefficients),
            eps=eps,
            ns_steps=int(ns_steps),
            adjust_lr_fn=adjust_lr_fn,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter with size: "
                        f"{tuple(p.shape)}"
                    )

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        theta, lr, momentum = param.array, group["lr"], group["momentum"]
        if np.iscomplexobj(theta):
            raise RuntimeError("Muon does not support complex parameters")
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = Tensor.from_array(np.zeros_like(grad))
        buffer = state["momentum_buffer"].array
        lerp_(buffer, grad, 1 - momentum)
        if group["nesterov"]:
            update = grad.copy()
            lerp_(update, buffer, momentum)
        else:
            update = buffer
        ortho = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        theta *= 1 - lr * group["weight_decay"]
        theta -= (adjusted_lr(lr, group["adjust_lr_fn"], theta.shape) * ortho).astype(theta.dtype, copy=False)
