"""A line search that satisfies the strong Wolfe conditions, for :class:`~tt_optim.LBFGS`.

Along a direction ``d`` from the point ``x``, it looks for a step ``t`` with

* sufficient decrease: ``f(x + t d) <= f(x) + c1 t g·d``, and
* small slope: ``|g(x + t d)·d| <= c2 |g·d|`` (the *strong* Wolfe condition),

in two phases (Nocedal & Wright, *Numerical Optimization*, algorithms 3.5 and
3.6): first grow ``t`` until a bracket ``[lo, hi]`` surely holds such a step,
then shrink the bracket ("zoom"), each new trial the minimiser of the cubic
that fits both ends' values and slopes. This is the variant PyTorch's LBFGS
uses (after minFunc), so both frameworks try the same steps.

Every trial costs one evaluation of the objective and its gradient. Slopes
stay NumPy scalars of the parameters' dtype, so the comparisons round as
PyTorch's (float32 tensors there) do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# evaluate(t) -> (loss at x + t d, flat gradient there)
Evaluate = Callable[[float], tuple[float, np.ndarray]]


def cubic_minimiser(
    t1: float, f1: float, slope1: float, t2: float, f2: float, slope2: float, bounds=None
) -> float:
    """The minimiser of the cubic through ``(t1, f1)``, ``(t2, f2)`` with those slopes, clipped to ``bounds``.

    ``bounds`` defaults to the interval between ``t1`` and ``t2``; where the cubic
    has no minimiser (a negative discriminant) the middle of the bounds is returned.
    """
    low, high = bounds if bounds is not None else (min(t1, t2), max(t1, t2))
    with np.errstate(divide="ignore", invalid="ignore"):  # a straight line: the minimiser is at infinity
        d1 = slope1 + slope2 - 3.0 * (f1 - f2) / np.float64(t1 - t2)
        discriminant = d1 * d1 - slope1 * slope2
        if discriminant < 0:
            return (low + high) / 2.0
        d2 = np.sqrt(discriminant)
        if t1 <= t2:
            point = t2 - (t2 - t1) * ((slope2 + d2 - d1) / (slope2 - slope1 + 2.0 * d2))
        else:
            point = t1 - (t1 - t2) * ((slope1 + d2 - d1) / (slope1 - slope2 + 2.0 * d2))
    if np.isnan(point):
        return (low + high) / 2.0
    return min(max(point, low), high)


class _Trial:
    """One evaluated step: ``t``, the loss, the flat gradient and the slope ``g·d`` there."""

    __slots__ = ("t", "loss", "grad", "slope")

    def __init__(self, t: float, loss: float, grad: np.ndarray, slope: float) -> None:
        self.t, self.loss, self.grad, self.slope = t, loss, grad, slope


def strong_wolfe(
    evaluate: Evaluate,
    t: float,
    d: np.ndarray,
    loss: float,
    grad: np.ndarray,
    slope: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Search along ``d`` from the current point (``loss``, ``grad``, ``slope = grad·d < 0``).

    Returns ``(loss, flat gradient, t, evaluations)`` at the step it settled on.
    Cost: at most ``max_ls`` evaluations.
    """

    def trial(step: float) -> _Trial:
        new_loss, new_grad = evaluate(step)
        return _Trial(step, new_loss, new_grad, np.dot(new_grad, d))

    def sufficient(point: _Trial) -> bool:
        return point.loss <= loss + c1 * point.t * slope

    def flat_enough(point: _Trial) -> bool:
        return abs(point.slope) <= -c2 * slope

    start = _Trial(0.0, loss, grad.copy(), slope)
    previous, current = start, trial(t)
    evaluations, iterations = 1, 0
    bracket: list[_Trial] | None = None
    # Phase 1: grow the step until [previous, current] brackets an acceptable one.
    while iterations < max_ls:
        if not sufficient(current) or (iterations > 1 and current.loss >= previous.loss):
            bracket = [previous, current]
            break
        if flat_enough(current):
            return current.loss, current.grad, current.t, evaluations
        if current.slope >= 0:
            bracket = [previous, current]
            break
        bounds = (current.t + 0.01 * (current.t - previous.t), current.t * 10.0)
        step = cubic_minimiser(
            previous.t, previous.loss, previous.slope, current.t, current.loss, current.slope, bounds
        )
        previous, current = current, trial(step)
        evaluations += 1
        iterations += 1
    if bracket is None:  # out of evaluations while growing: the better of the start and the last trial
        best = start if start.loss <= current.loss else current
        return best.loss, best.grad, best.t, evaluations

    # Phase 2: zoom into the bracket; `low` is its end with the lower loss.
    low, high = (0, 1) if bracket[0].loss <= bracket[-1].loss else (1, 0)
    stalled = False
    d_scale = np.max(np.abs(d))
    while iterations < max_ls:
        left, right = min(bracket[0].t, bracket[1].t), max(bracket[0].t, bracket[1].t)
        if (right - left) * d_scale < tolerance_change or right == left:  # no room left to search
            break
        step = cubic_minimiser(
            bracket[0].t, bracket[0].loss, bracket[0].slope, bracket[1].t, bracket[1].loss, bracket[1].slope
        )
        # A trial too close to an end makes no progress: move it inside, the second time in a row.
        margin = 0.1 * (right - left)
        if min(right - step, step - left) < margin:
            if stalled or step >= right or step <= left:
                step = right - margin if abs(step - right) < abs(step - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        current = trial(step)
        evaluations += 1
        iterations += 1
        if not sufficient(current) or current.loss >= bracket[low].loss:
            bracket[high] = current
            low, high = (0, 1) if bracket[0].loss <= bracket[1].loss else (1, 0)
        else:
            if flat_enough(current):
                bracket[low] = current
                break
            if current.slope * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = current
    best = bracket[low]
    return best.loss, best.grad, best.t, evaluations
