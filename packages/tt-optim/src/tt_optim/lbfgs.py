"""``LBFGS``: a quasi-Newton method that learns the curvature from its last few steps.

Newton's method steps by ``-H⁻¹g``; BFGS builds an estimate of ``H⁻¹`` from the
pairs ``s = x_{k+1} - x_k`` (a step) and ``y = g_{k+1} - g_k`` (how the
gradient changed along it). The limited-memory form keeps only the last
``history_size`` pairs and applies the estimate to ``g`` without ever
forming a matrix, by the *two-loop recursion* (:func:`two_loop_direction`):
``O(history_size · n)`` per direction for ``n`` parameters.

One ``step(closure)`` runs up to ``max_iter`` iterations, each: a direction
from the recursion, a step along it (``lr``, the first one shortened to
``min(1, 1/|g|₁)·lr``, or a strong-Wolfe line search, :mod:`.line_search`),
the closure re-evaluated there. It stops early when the gradient's largest
entry falls to ``tolerance_grad``, or when the loss or the step change by
less than ``tolerance_change``. The iteration follows PyTorch's LBFGS (itself
after minFunc) so the two take the same steps; its scalars (``y·s``, ``g·d``,
``ρ``) are NumPy scalars of the parameters' dtype, as PyTorch's are tensors of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tt_autograd import Tensor, enable_grad, no_grad
from tt_tensor import versions

from .line_search import strong_wolfe
from .optimizer import Optimizer, check_ranges


def two_loop_direction(
    grad: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray], rho: list[float], scale: float
) -> np.ndarray:
    """``-H⁻¹ grad`` for the L-BFGS estimate of ``H⁻¹`` from the pairs ``(s, y)`` = (steps, changes).

    ``rho[i] = 1 / (y_i · s_i)``; ``scale`` (``y·s / y·y`` of the newest pair)
    is the initial estimate ``H₀ = scale · I``. Cost: ``4 m n`` for ``m`` pairs.
    """
    q = -grad
    alphas = [0.0] * len(steps)
    for i in range(len(steps) - 1, -1, -1):  # newest pair first
        alphas[i] = np.dot(steps[i], q) * rho[i]
        q -= alphas[i] * changes[i]
    r = q * scale
    for i in range(len(steps)):  # oldest pair first
        beta = np.dot(changes[i], r) * rho[i]
        r += (alphas[i] - beta) * steps[i]
    return r


class LBFGS(Optimizer):
    """L-BFGS, like ``torch.optim.LBFGS``: ``step(closure)`` runs up to ``max_iter`` iterations.

    Args:
        params: tensors to optimize (one group only, as in PyTorch).
        lr: the step along each direction (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when every gradient entry is this small (default 1e-7).
        tolerance_change: stop when the loss or the step change less (default 1e-9).
        history_size: how many ``(s, y)`` pairs to keep (default 100).
        line_search_fn: ``None`` (fixed steps) or ``"strong_wolfe"``.

    State (under the first parameter, as PyTorch): ``func_evals``, ``n_iter``,
    the last direction ``d`` and step ``t``, the pairs ``old_dirs`` (y) and
    ``old_stps`` (s), ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``.
    Memory: ``2 · history_size + 3`` vectors of all the parameters' size.

    Example:
        >>> optimizer = LBFGS(model.parameters(), line_search_fn="strong_wolfe")  # doctest: +SKIP
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> optimizer.step(closure)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_ranges("LBFGS", lr=lr, tolerance_grad=tolerance_grad, tolerance_change=tolerance_change)
        for name, value in (("max_iter", max_iter), ("history_size", history_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"LBFGS: {name} must be a positive integer, got {value!r}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)  # fmt: skip
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                f"LBFGS: supports one parameter group (it treats all parameters as one vector), got "
                f"{len(self.param_groups)}; give it the parameters as one list"
            )

    # ----------------------------------------------------------------- the parameters as one vector
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """Every parameter's gradient, raveled and joined (zeros for a parameter without one)."""
        parts = [
            np.zeros(p.numel(), dtype=p.array.dtype) if p.grad is None else p.grad.array.ravel()
            for p in self._params
        ]
        return np.concatenate(parts)

    def _move(self, t: float, direction: np.ndarray) -> None:
        """``x ← x + t · direction``, in place in every parameter."""
        offset = 0
        for p in self._params:
            size = p.numel()
            p.array += (t * direction[offset : offset + size]).reshape(p.shape).astype(p.array.dtype)
            versions.bump(p.array)
            offset += size

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        with enable_grad():
            return float(closure())

    def _evaluate_at(
        self, closure: Callable[[], Any], start: list[np.ndarray], d: np.ndarray, t: float
    ) -> tuple[float, np.ndarray]:
        """The loss and flat gradient at ``start + t d``; the parameters are put back to ``start``."""
        self._move(t, d)
        loss = self._evaluate(closure)
        grad = self._flat_grad()
        for p, saved in zip(self._params, start):
            np.copyto(p.array, saved)
        return loss, grad

    # ----------------------------------------------------------------- one step = up to max_iter iterations
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations; returns the loss of the first closure call.

        Args:
            closure: zeroes the gradients, recomputes the loss, calls ``backward()``
                and returns the loss; called several times per step.
        """
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step needs a closure that re-evaluates the loss (see the class example)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.max(np.abs(grad)) <= tolerance_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        steps, changes, rho = state.get("old_stps"), state.get("old_dirs"), state.get("ro")
        scale, prev_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        with no_grad():
            for iteration in range(1, max_iter + 1):
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d, steps, changes, rho, scale = -grad, [], [], [], 1.0
                else:
                    change, step_taken = grad - prev_grad, d * t
                    curvature = np.dot(change, step_taken)
                    if curvature > 1e-10:  # keep the pair only where the curvature estimate is positive
                        if len(steps) == group["history_size"]:
                            steps.pop(0), changes.pop(0), rho.pop(0)
                        steps.append(step_taken), changes.append(change), rho.append(1.0 / curvature)
                        scale = curvature / np.dot(change, change)
                    d = two_loop_direction(grad, steps, changes, rho, scale)
                prev_grad, prev_loss = grad.copy(), loss
                t = min(1.0, 1.0 / np.sum(np.abs(grad))) * lr if state["n_iter"] == 1 else lr
                slope = np.dot(grad, d)
                if slope > -tolerance_change:  # not a descent direction any more
                    break

                if group["line_search_fn"] == "strong_wolfe":
                    start = [p.array.copy() for p in self._params]
                    evaluate = functools.partial(self._evaluate_at, closure, start, d)
                    loss, grad, t, used = strong_wolfe(
                        evaluate, t, d, loss, grad, slope, tolerance_change=tolerance_change,
                        max_ls=max_eval - evaluations,
                    )  # fmt: skip
                    self._move(t, d)
                else:
                    self._move(t, d)
                    used = 0
                    if iteration != max_iter:  # the last iteration's point is evaluated by the next step
                        loss = self._evaluate(closure)
                        grad = self._flat_grad()
                        used = 1
                evaluations += used
                state["func_evals"] += used
                if (
                    iteration == max_iter
                    or evaluations >= max_eval
                    or np.max(np.abs(grad)) <= tolerance_grad
                    or np.max(np.abs(d * t)) <= tolerance_change
                    or abs(loss - prev_loss) < tolerance_change
                ):
                    break
        state.update(d=d, t=t, old_dirs=changes, old_stps=steps, ro=rho, H_diag=scale,
                     prev_flat_grad=prev_grad, prev_loss=prev_loss)  # fmt: skip
        return first_loss

    # ----------------------------------------------------------------- saving and loading
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state made by :meth:`state_dict`; the history vectors are copied as they are.

        The base class checks that each state array has its parameter's shape;
        L-BFGS keeps vectors of all the parameters' size instead, so its state
        is restored here after the base class has checked the groups.
        """
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else {}
        super().load_state_dict({**state_dict, "state": {}})
        if saved_state:
            ((_, values),) = saved_state.items()
            self.state[self._params[0]] = {key: _copy(value) for key, value in values.items()}


def _copy(value: Any) -> Any:
    """A private copy of a saved state entry (arrays and lists of arrays copied, numbers kept)."""
    if isinstance(value, Tensor):
        return value.array.copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value
