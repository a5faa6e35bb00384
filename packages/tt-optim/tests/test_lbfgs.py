"""``LBFGS`` and its strong-Wolfe line search (``torch.optim.LBFGS``).

Not course material (outside module 06's solution regions), so no module
number: ``nox -s tests`` runs it. References are written from the textbook
formulas (the explicit BFGS inverse-Hessian update, the Wolfe conditions),
not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import LBFGS, SGD, load_checkpoint, save_checkpoint
from tt_optim.lbfgs import two_loop_direction
from tt_optim.line_search import cubic_minimiser, strong_wolfe


def quadratic(seed=0, n=6):
    """``f(x) = ½ xᵀAx - bᵀx`` with a random SPD ``A`` (condition ~10): its minimiser is ``A⁻¹b``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(np.linspace(1.0, 10.0, n)) @ q.T
    return a, rng.standard_normal(n)


def closure_for(optimizer, x, loss_of):
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = loss_of(x)
        loss.backward()
        calls.append(float(loss))
        return loss

    return closure, calls


def quadratic_loss(a, b):
    a_t, b_t = autograd.tensor(a), autograd.tensor(b)
    return lambda x: 0.5 * (x * (a_t @ x)).sum() - (b_t * x).sum()


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_it_finds_a_quadratics_minimiser(line_search_fn):
    a, b = quadratic()
    x = autograd.zeros(6, dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS(
        [x], max_iter=100, line_search_fn=line_search_fn, tolerance_grad=1e-10, tolerance_change=0
    )
    closure, _ = closure_for(optimizer, x, quadratic_loss(a, b))
    for _ in range(3):
        optimizer.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(a, b), atol=1e-7)


def test_it_solves_rosenbrock_with_the_line_search():
    x = autograd.tensor([-1.2, 1.0], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([x], max_iter=200, line_search_fn="strong_wolfe", history_size=10)

    def rosenbrock(v):
        return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2

    closure, calls = closure_for(optimizer, x, rosenbrock)
    optimizer.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-5)
    assert len(calls) == optimizer.state[x]["func_evals"] < 250  # max_eval = 200 * 5 // 4


# PyTorch 2.13's LBFGS on float64 Rosenbrock from (-1.2, 1), two steps: closure calls, iterations, point.
PYTORCH_ROSENBROCK = [
    (None, 0.05, 12, None, 5, 24, 24, [-1.082374281203536, 1.0641974399086813]),
    ("strong_wolfe", 1.0, 12, None, 5, 30, 22, [0.5792346758200835, 0.3255177622950138]),
    ("strong_wolfe", 1.0, 40, None, 3, 42, 38, [0.9999980081542921, 0.9999972100107387]),
    ("strong_wolfe", 1.0, 10, 6, 5, 12, 9, [-0.76807899006484, 0.5389494517220217]),  # max_eval binds
    ("strong_wolfe", 1.0, 10, 3, 5, 6, 3, [-1.0288795348319695, 1.0655029516848564]),
    ("strong_wolfe", 1.0, 10, 2, 5, 5, 2, [-1.0284565745562346, 1.068187455748677]),
    ("strong_wolfe", 100.0, 10, 3, 5, 8, 2, [-1.2, 1.0]),  # every search runs out: the start is kept
]


@pytest.mark.parametrize(
    ("line_search_fn", "lr", "max_iter", "max_eval", "history", "evals", "iters", "point"), PYTORCH_ROSENBROCK
)
def test_it_takes_pytorchs_steps(line_search_fn, lr, max_iter, max_eval, history, evals, iters, point):
    """Any change to an iteration's rule (a bound, a tolerance, a branch) changes the count or the point."""
    x = autograd.tensor([-1.2, 1.0], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS(
        [x], lr=lr, max_iter=max_iter, max_eval=max_eval, history_size=history, line_search_fn=line_search_fn
    )

    def rosenbrock(v):
        return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2

    closure, calls = closure_for(optimizer, x, rosenbrock)
    optimizer.step(closure)
    optimizer.step(closure)
    assert (optimizer.state[x]["func_evals"], optimizer.state[x]["n_iter"], len(calls)) == (
        evals,
        iters,
        evals,
    )
    np.testing.assert_allclose(x.detach().numpy(), point, rtol=1e-9)


def _wavy(t):  # along d = 1 from 0: the minimum near t = 1.7
    value = (t - 1.7) ** 2 * (1 + 0.3 * np.sin(3 * t))
    return value, 2 * (t - 1.7) * (1 + 0.3 * np.sin(3 * t)) + (t - 1.7) ** 2 * 0.9 * np.cos(3 * t)


def _quartic(t):
    return (t - 3) ** 4 - 2 * t, 4 * (t - 3) ** 3 - 2


# PyTorch 2.13's _strong_wolfe from t = 0 along d = 1: (function, first trial, step found, evaluations).
PYTORCH_LINE_SEARCHES = [
    (_wavy, 0.01, 1.6804265677879302, 5),  # grows the step, then zooms
    (_wavy, 1.0, 1.6094453555727009, 3),
    (_wavy, 50.0, 1.8952286566429417, 6),  # too far: zooms in
    (_quartic, 0.01, 0.30300024999999997, 3),
    (_quartic, 1.0, 1.0, 1),  # the first trial is good enough
    (_quartic, 50.0, 3.9266757470603544, 4),
]


@pytest.mark.parametrize(("function", "first", "expected", "evaluations"), PYTORCH_LINE_SEARCHES)
def test_the_line_search_takes_pytorchs_trials(function, first, expected, evaluations):
    f0, g0 = function(0.0)

    def evaluate(t):
        value, slope = function(t)
        return float(value), np.array([slope])

    loss, grad, t, used = strong_wolfe(evaluate, first, np.array([1.0]), f0, np.array([g0]), g0)
    assert t == pytest.approx(expected, rel=1e-12) and used == evaluations
    assert (loss, grad[0]) == pytest.approx(function(t), rel=1e-12)


def test_the_first_step_is_shortened_to_one_over_the_gradients_l1_norm():
    a, b = quadratic(1)
    x0 = np.full(6, 0.5)
    x = autograd.tensor(x0, requires_grad=True, dtype=autograd.float64)
    optimizer = LBFGS([x], lr=0.7, max_iter=1)
    closure, calls = closure_for(optimizer, x, quadratic_loss(a, b))
    first = optimizer.step(closure)
    g = a @ x0 - b
    expected = x0 - min(1.0, 1.0 / np.abs(g).sum()) * 0.7 * g
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12)
    assert len(calls) == 1 and float(first) == pytest.approx(0.5 * x0 @ a @ x0 - b @ x0)
    # The second step's direction comes from the two-loop recursion with that one pair.
    optimizer.step(closure)
    x1, g1 = expected, a @ expected - b
    s, y = x1 - x0, g1 - g
    h = _bfgs_inverse([s], [y], (s @ y) / (y @ y))
    np.testing.assert_allclose(x.detach().numpy(), x1 - 0.7 * (h @ g1), rtol=1e-10)


def _bfgs_inverse(steps, changes, scale):
    """The explicit BFGS inverse-Hessian estimate from ``H₀ = scale·I`` and the pairs, oldest first."""
    h = scale * np.eye(len(steps[0]))
    for s, y in zip(steps, changes):
        rho = 1.0 / (y @ s)
        left = np.eye(len(s)) - rho * np.outer(s, y)
        h = left @ h @ left.T + rho * np.outer(s, s)
    return h


def test_two_loop_recursion_applies_the_bfgs_inverse_estimate():
    rng = np.random.default_rng(3)
    a, _ = quadratic(3, n=5)
    steps = [rng.standard_normal(5) for _ in range(3)]
    changes = [a @ s for s in steps]  # positive curvature: y·s = sᵀAs > 0
    rho = [1.0 / (y @ s) for s, y in zip(steps, changes)]
    scale = (steps[-1] @ changes[-1]) / (changes[-1] @ changes[-1])
    g = rng.standard_normal(5)
    direction = two_loop_direction(g.copy(), steps, changes, rho, scale)
    np.testing.assert_allclose(direction, -_bfgs_inverse(steps, changes, scale) @ g, rtol=1e-10)


def test_history_keeps_the_newest_pairs_only():
    a, b = quadratic(4, n=8)
    x = autograd.zeros(8, dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([x], max_iter=6, history_size=2, tolerance_grad=0.0, tolerance_change=0.0)
    closure, _ = closure_for(optimizer, x, quadratic_loss(a, b))
    optimizer.step(closure)
    state = optimizer.state[x]
    assert state["n_iter"] == 6 and len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 2
    np.testing.assert_allclose(state["old_dirs"][-1], a @ state["old_stps"][-1], rtol=1e-10)
    np.testing.assert_allclose(state["ro"][-1], 1.0 / (state["old_dirs"][-1] @ state["old_stps"][-1]))
    ys = state["old_stps"][-1] @ state["old_dirs"][-1]
    assert state["H_diag"] == pytest.approx(ys / (state["old_dirs"][-1] @ state["old_dirs"][-1]))


def test_it_stops_when_the_gradient_is_small_or_progress_stalls():
    x = autograd.tensor([1e-9, -1e-9], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([x])
    closure, calls = closure_for(optimizer, x, lambda v: (v * v).sum())
    optimizer.step(closure)
    assert len(calls) == 1 and x.detach().numpy().tolist() == [1e-9, -1e-9]  # |g| = 2e-9 <= 1e-7
    y = autograd.tensor([3.0, -2.0], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([y], max_iter=50, max_eval=4)
    closure, calls = closure_for(optimizer, y, lambda v: ((v - 1.0) ** 4).sum())
    optimizer.step(closure)
    assert len(calls) == 4, "max_eval bounds the closure calls of one step"


def test_the_line_search_meets_the_strong_wolfe_conditions():
    def f(t):  # along d = 1 from 0: a smooth function with its minimum near t = 1.7
        return float((t - 1.7) ** 2 * (1 + 0.3 * np.sin(3 * t))), np.array([_df(t)])

    def _df(t):
        return 2 * (t - 1.7) * (1 + 0.3 * np.sin(3 * t)) + (t - 1.7) ** 2 * 0.9 * np.cos(3 * t)

    f0, g0 = f(0.0)
    for t0 in (0.01, 1.0, 50.0):
        loss, grad, t, evaluations = strong_wolfe(lambda t: f(t), t0, np.array([1.0]), f0, g0, float(g0[0]))
        assert loss <= f0 + 1e-4 * t * g0[0] and abs(grad[0]) <= 0.9 * abs(g0[0])
        assert loss == f(t)[0] and 1 <= evaluations <= 25


def test_cubic_minimiser_is_exact_on_a_cubic():
    def cubic(t):
        return t**3 - 3 * t**2 + 1, 3 * t**2 - 6 * t  # minimum at t = 2

    (f1, g1), (f2, g2) = cubic(0.5), cubic(3.0)
    assert cubic_minimiser(0.5, f1, g1, 3.0, f2, g2) == pytest.approx(2.0, rel=1e-12)
    assert cubic_minimiser(3.0, f2, g2, 0.5, f1, g1) == pytest.approx(2.0, rel=1e-12)
    assert cubic_minimiser(0.5, f1, g1, 3.0, f2, g2, bounds=(0.0, 1.5)) == 1.5
    # No real minimiser (a negative discriminant): the middle of the bounds.
    assert cubic_minimiser(0.0, 0.0, 1.0, 1.0, 0.5, 1.0, bounds=(0.2, 0.6)) == pytest.approx(0.4)
    # A zero discriminant still has a minimiser (1/3 here), not the middle of the bounds.
    assert cubic_minimiser(0.0, 0.0, 1.0, 1.0, 1.0, 4.0) == pytest.approx(1 / 3, rel=1e-12)
    # A straight line falls for ever: the step goes to the upper bound, as PyTorch's (inf, clipped).
    assert cubic_minimiser(0.0, 0.0, -1.0, 1.0, -1.0, -1.0, bounds=(1.01, 10.0)) == 10.0


def test_state_dict_round_trip_continues_identically(tmp_path):
    a, b = quadratic(5, n=4)

    def make():
        x = autograd.zeros(4, requires_grad=True)
        optimizer = LBFGS([x], max_iter=3, max_eval=20, line_search_fn="strong_wolfe", tolerance_change=0)
        return x, optimizer, closure_for(optimizer, x, quadratic_loss(a.astype(np.float32), b))[0]

    x, optimizer, closure = make()
    optimizer.step(closure)
    save_checkpoint(tmp_path / "lbfgs.npz", optimizer=optimizer, extra={"x": x.detach().numpy().tolist()})
    optimizer.step(closure)
    x2, resumed, closure2 = make()
    saved = load_checkpoint(tmp_path / "lbfgs.npz", optimizer=resumed)
    with autograd.no_grad():
        x2.copy_(autograd.tensor(saved["extra"]["x"]))
    resumed.step(closure2)
    np.testing.assert_array_equal(x2.detach().numpy(), x.detach().numpy())
    assert resumed.state[x2]["n_iter"] == optimizer.state[x]["n_iter"] == 6


def test_bad_arguments_are_named():
    x, y = autograd.zeros(2, requires_grad=True), autograd.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS: supports one parameter group .* got 2"):
        LBFGS([{"params": [x]}, {"params": [y]}])
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe', got 'armijo'"):
        LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size must be a positive integer, got 0"):
        LBFGS([x], history_size=0)
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate -1.0"):
        LBFGS([x], lr=-1.0)
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        LBFGS([x]).step(None)
    assert not isinstance(LBFGS([x]), SGD)


def _scripted(first_value, first_slope):
    """A search where the trial t = 1 gives these figures and any other t those of f(t) = t² - t."""

    def evaluate(t):
        if t == 1.0:
            return first_value, np.array([first_slope])
        return t * t - t, np.array([2 * t - 1])

    return evaluate


def test_sufficient_decrease_is_judged_against_c1_t_slope_inclusively():
    """From f(0) = 0 with slope -1, t = 1 must reach f <= 0 + 1e-4 · 1 · (-1) = -1e-4 (equality counts)."""
    direction, grad = np.array([1.0]), np.array([-1.0])
    loss, _, t, used = strong_wolfe(_scripted(-1e-4, 0.0), 1.0, direction, 0.0, grad, -1.0)
    assert (t, used, loss) == (1.0, 1, -1e-4), "exactly on the Armijo line and flat: accepted at once"
    loss, _, t, used = strong_wolfe(_scripted(-0.5e-4, 0.0), 1.0, direction, 0.0, grad, -1.0)
    assert used > 1 and t < 1.0 and loss < -0.2, "above the line: not accepted, the search zooms into [0, 1]"


def test_the_curvature_condition_is_inclusive():
    """|slope at t| <= 0.9 |slope at 0| (equality counts): a trial with slope exactly -0.9 is accepted."""
    direction, grad = np.array([1.0]), np.array([-1.0])
    _, _, t, used = strong_wolfe(_scripted(-0.5, -0.9), 1.0, direction, 0.0, grad, -1.0)
    assert (t, used) == (1.0, 1)
    _, _, t, used = strong_wolfe(_scripted(-0.5, -0.95), 1.0, direction, 0.0, grad, -1.0)
    assert used > 1, "still steep: not accepted, the search goes on"


def test_cubic_minimiser_without_a_defined_minimiser_takes_the_middle():
    """0/0 (flat ends at equal heights): the middle of the bounds (PyTorch's arithmetic gives nan there)."""
    assert cubic_minimiser(0.0, 0.0, 0.0, 1.0, 0.0, 0.0, bounds=(0.2, 0.6)) == pytest.approx(0.4)


# PyTorch 2.13's _strong_wolfe on f(t) = a (t - b)² + c sin(d t) from t = 0 along d = 1 (random a..d, first
# trial and evaluation budget; cases with f'(0) < 0):
# (a, b, c, d, first trial, max_ls, step found, evaluations).
PYTORCH_SEARCHES_ON_WAVES = [
    (2.367, 1.924, 1.717, 4.336, 0.0214, 25, 2.464537435285343, 7),
    (2.331, 3.208, 0.256, 2.977, 0.1985, 4, 1.0927425, 2),
    (2.795, 2.682, 1.646, 2.939, 0.0624, 25, 1.89072156, 3),
    (2.918, 3.605, 1.557, 1.571, 0.4301, 25, 0.4301, 1),
    (1.237, 2.037, 0.379, 1.215, 0.4623, 25, 0.4623, 1),
    (2.075, 1.917, 1.665, 4.351, 0.124, 25, 2.4656699571036165, 5),
    (2.53, 3.278, 0.775, 2.086, 2.4476, 2, 2.4476, 1),
    (2.386, 1.998, 1.137, 1.269, 0.0252, 25, 0.76356063, 3),
    (1.519, 2.391, 1.53, 3.991, 0.866, 2, 2.8618189001274796, 3),
    (1.766, 1.425, 0.062, 2.902, 0.0564, 25, 0.310482, 2),
    (2.59, 1.166, 0.117, 2.048, 0.1066, 25, 1.066, 2),
    (2.053, 2.361, 1.568, 4.154, 0.2645, 25, 1.4560725, 2),
    (0.652, 2.154, 0.305, 4.33, 0.3644, 25, 2.006022, 2),
    (1.044, 2.632, 0.724, 0.982, 0.0259, 25, 0.7847706474999999, 3),
    (2.893, 3.662, 1.399, 1.962, 24.6671, 25, 3.398263169470031, 2),
    (2.207, 1.963, 0.544, 1.03, 14.4248, 2, 1.8737190205757859, 2),
    (1.476, 1.049, 0.612, 3.686, 0.0416, 25, 0.0416, 1),
    (2.324, 2.962, 0.864, 3.95, 1.1075, 4, 1.708269851017262, 2),
    (2.02, 0.612, 0.832, 0.729, 0.5358, 25, 0.5358, 1),
    (1.827, 1.583, 1.182, 0.625, 22.6442, 25, 1.4238714749194052, 2),
    (1.801, 2.052, 0.534, 2.324, 0.6643, 4, 0.6643, 1),
    (0.504, 2.787, 0.562, 4.127, 3.5033, 4, 3.5033, 1),
    (0.502, 3.689, 0.46, 0.706, 0.875, 2, 0.875, 1),
    (1.239, 3.37, 1.617, 2.244, 21.6346, 2, 2.5016480319632244, 2),
]


@pytest.mark.parametrize(
    ("a", "b", "c", "d", "first", "max_ls", "expected", "evaluations"), PYTORCH_SEARCHES_ON_WAVES
)
def test_the_line_search_matches_pytorch_on_waves(a, b, c, d, first, max_ls, expected, evaluations):
    def evaluate(t):
        return a * (t - b) ** 2 + c * np.sin(d * t), np.array([2 * a * (t - b) + c * d * np.cos(d * t)])

    f0, g0 = evaluate(0.0)
    _, _, t, used = strong_wolfe(evaluate, first, np.array([1.0]), f0, g0, g0[0], max_ls=max_ls)
    assert (t, used) == (pytest.approx(expected, rel=1e-12), evaluations)


def _by_call(*figures):
    """An objective that answers its k-th call with ``figures[k]`` (loss, slope), the last one repeated."""
    calls = []

    def evaluate(t):
        loss, slope = figures[min(len(calls), len(figures) - 1)]
        calls.append(t)
        return loss, np.array([slope])

    return evaluate, calls


def test_a_step_that_stops_improving_while_growing_closes_the_bracket():
    """Growing from t = 1 (bounds [1.01, 10], then [t + 1% of the last move, 10 t]): the third trial, no
    better than the second, brackets [second, third]; one zoom trial later the budget of 3 is spent and
    the second trial, the lower end (ties go to the first end), is the answer."""
    evaluate, calls = _by_call((-0.5, -0.95))
    loss, _, t, used = strong_wolfe(evaluate, 1.0, np.array([1.0]), 0.0, np.array([-1.0]), -1.0, max_ls=3)
    assert calls[1] == pytest.approx((1.01 + 10.0) / 2)  # no real cubic minimiser: the middle
    assert calls[2] == pytest.approx(calls[1] + 0.01 * (calls[1] - 1.0))  # clipped to the lower bound
    assert (used, t, loss) == (4, calls[1], -0.5)


def test_a_search_out_of_evaluations_while_growing_returns_the_last_trial():
    evaluate, calls = _by_call((-0.5, -0.95), (-1.0, -0.95), (-1.5, -0.95), (-2.0, -0.95))
    loss, _, t, used = strong_wolfe(evaluate, 1.0, np.array([1.0]), 0.0, np.array([-1.0]), -1.0, max_ls=2)
    assert (used, loss, t) == (3, -1.5, calls[2]) and calls[2] > calls[1] > 1.0


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_several_parameters_move_as_one_vector(line_search_fn):
    a, b = quadratic(6, n=5)
    whole = autograd.zeros(5, dtype=autograd.float64, requires_grad=True)
    head = autograd.zeros(2, dtype=autograd.float64, requires_grad=True)
    tail = autograd.zeros(3, dtype=autograd.float64, requires_grad=True)
    loss_of = quadratic_loss(a, b)
    single = LBFGS([whole], max_iter=4, line_search_fn=line_search_fn)
    split = LBFGS([head, tail], max_iter=4, line_search_fn=line_search_fn)
    single.step(closure_for(single, whole, loss_of)[0])
    split.step(closure_for(split, None, lambda _: loss_of(autograd.cat([head, tail])))[0])
    joined = np.concatenate([head.detach().numpy(), tail.detach().numpy()])
    np.testing.assert_allclose(joined, whole.detach().numpy(), rtol=1e-12)
    assert not np.allclose(joined, 0.0)


def test_the_gradient_test_uses_the_largest_entry_inclusively():
    x = autograd.tensor([0.5, -0.25], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([x], tolerance_grad=1.0)  # |g| = (1.0, 0.5): the largest entry equals the tolerance
    closure, calls = closure_for(optimizer, x, lambda v: (v * v).sum())
    optimizer.step(closure)
    assert len(calls) == 1 and x.detach().numpy().tolist() == [0.5, -0.25]
    y = autograd.tensor([1e-9, 1.0], dtype=autograd.float64, requires_grad=True)
    optimizer = LBFGS([y], max_iter=1)  # one tiny entry does not stop it
    optimizer.step(closure_for(optimizer, y, lambda v: (v * v).sum())[0])
    assert y.detach().numpy()[1] != 1.0


def test_counts_and_closures_are_checked():
    x = autograd.zeros(2, requires_grad=True)
    for name, value in (("max_iter", 0), ("max_iter", True), ("max_iter", 2.5), ("history_size", -1)):
        with pytest.raises(ValueError, match=f"LBFGS: {name} must be a positive integer, got {value!r}"):
            LBFGS([x], **{name: value})
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        LBFGS([x]).step(3)


# PyTorch 2.13's _strong_wolfe on waves that need long zooms (5 or more evaluations): along the direction
# (s, 0.1) with f(t) = a (t - b)² + c sin(w t) and a gradient whose dot with the direction is f'(t);
# (a, b, c, w, first trial, tolerance_change, s, step found, evaluations).
PYTORCH_LONG_ZOOMS = [
    (0.441, 5.614, 0.672, 5.01, 1.4536, 0.001, 2.0, 6.012690287649498, 8),
    (0.981, 5.708, 1.077, 8.789, 0.1462, 0.03, 1.0, 5.5285888559761025, 11),
    (0.574, 4.846, 0.663, 7.095, 0.0354, 0.001, 2.0, 1.6716219622852155, 5),
    (0.89, 3.469, 2.214, 2.513, 18.7493, 1e-09, 0.5, 2.0612607677802095, 7),
    (0.857, 5.551, 0.611, 4.327, 0.1306, 0.001, 1.0, 5.399194803276144, 5),
    (0.886, 3.991, 0.633, 5.081, 0.538, 0.001, 1.0, 4.608152892251335, 6),
    (0.845, 5.239, 1.36, 6.334, 24.3967, 0.03, 1.0, 5.6898712831403895, 10),
    (0.899, 2.773, 0.763, 6.342, 0.0806, 1e-09, 2.0, 3.6656614488913433, 6),
    (0.991, 4.604, 0.866, 5.875, 0.1023, 0.03, 0.5, 4.95074179081176, 5),
    (0.86, 4.494, 1.289, 4.738, 0.8132, 1e-09, 0.5, 3.6798142452252316, 6),
    (0.928, 3.975, 1.372, 4.486, 3.3652, 0.001, 2.0, 3.8444662794045232, 6),
    (0.357, 4.62, 0.514, 3.61, 23.3723, 1e-09, 2.0, 4.784653255091522, 5),
    (0.325, 5.964, 1.069, 2.33, 0.6803, 1e-09, 1.0, 7.226651368312145, 6),
    (0.937, 5.985, 1.239, 6.578, 0.5597, 1e-09, 1.0, 6.391346062756789, 5),
    (0.518, 2.113, 0.506, 3.523, 0.3379, 1e-09, 1.0, 1.4498687023496397, 6),
    (0.891, 5.926, 2.54, 3.776, 0.1287, 0.001, 1.0, 4.6366203612291566, 7),
    (0.725, 2.989, 0.858, 4.919, 0.0462, 0.03, 0.5, 1.1013364235051084, 8),
    (0.254, 5.576, 0.599, 3.779, 0.3511, 1e-09, 1.0, 4.649830155558586, 10),
    (0.997, 5.106, 2.617, 3.58, 0.1565, 0.03, 2.0, 4.854897381727493, 8),
    (0.43, 4.59, 0.514, 7.403, 7.0516, 1e-09, 1.0, 6.516803119985764, 7),
    (0.508, 5.479, 2.414, 2.036, 0.0479, 1e-09, 2.0, 5.419439782716305, 7),
    (0.993, 2.195, 0.792, 4.026, 0.3998, 0.03, 0.5, 2.644437658328653, 5),
    (0.786, 5.561, 0.897, 8.986, 0.0351, 0.03, 1.0, 8.641895518950866, 5),
    (0.562, 5.715, 0.616, 6.495, 0.0387, 0.03, 1.0, 1.8030359760373895, 5),
]


@pytest.mark.parametrize(
    ("a", "b", "c", "w", "first", "tolerance", "s", "expected", "evaluations"), PYTORCH_LONG_ZOOMS
)
def test_long_zooms_match_pytorch(a, b, c, w, first, tolerance, s, expected, evaluations):
    direction = np.array([s, 0.1])

    def evaluate(t):
        slope = 2 * a * (t - b) + c * w * np.cos(w * t)
        return a * (t - b) ** 2 + c * np.sin(w * t), slope * direction / (direction @ direction)

    f0, g0 = evaluate(0.0)
    _, _, t, used = strong_wolfe(
        evaluate, first, direction, f0, g0, g0 @ direction, tolerance_change=tolerance
    )
    assert (t, used) == (pytest.approx(expected, rel=1e-10), evaluations)


# The same with a strict curvature condition (c2 = 0.1) and coarse tolerances, so zooms end on the bracket's
# width: PyTorch 2.13's _strong_wolfe(..., c2=0.1, tolerance_change=tolerance), 4 or more evaluations.
PYTORCH_STRICT_ZOOMS = [
    (0.854, 3.939, 1.272, 4.222, 0.061, 0.1, 0.5, 2.69956879974463, 6),
    (0.792, 5.638, 0.874, 6.383, 0.0911, 0.1, 1.0, 4.740666470852819, 9),
    (0.797, 5.473, 2.398, 2.248, 0.4468, 0.1, 0.5, 2.558094740073945, 4),
    (0.816, 4.417, 0.86, 5.255, 0.0455, 0.01, 2.0, 3.3697535276514, 8),
    (0.477, 5.838, 0.915, 5.41, 0.1026, 0.01, 2.0, 4.406929596151169, 11),
    (0.619, 2.131, 0.668, 2.894, 0.5002, 0.01, 1.0, 1.7203589656249987, 7),
    (0.586, 5.438, 1.414, 3.289, 2.2372, 0.1, 0.5, 5.265085686403726, 8),
    (0.966, 1.795, 0.913, 3.598, 0.4537, 0.01, 0.5, 2.8667756157563753, 6),
    (0.84, 1.061, 0.513, 2.4, 18.6099, 0.1, 1.0, 1.607771191838986, 5),
    (0.697, 4.986, 1.12, 5.339, 0.0442, 0.01, 0.5, 7.809255946127226, 12),
    (0.886, 2.442, 0.768, 4.443, 31.21, 0.01, 0.5, 2.4723954273453725, 7),
    (0.919, 5.935, 1.882, 3.012, 16.521, 0.1, 1.0, 7.614216162462975, 5),
    (0.347, 3.505, 0.587, 2.131, 0.2217, 0.01, 1.0, 2.4675841428598777, 5),
    (0.949, 1.575, 0.698, 3.342, 0.1606, 0.01, 0.5, 1.4449374231107317, 6),
    (0.731, 2.016, 0.59, 2.473, 0.7844, 0.1, 1.0, 1.945625308338405, 5),
    (0.34, 2.795, 0.891, 2.058, 17.0478, 0.1, 2.0, 2.3671654479866127, 8),
]


@pytest.mark.parametrize(
    ("a", "b", "c", "w", "first", "tolerance", "s", "expected", "evaluations"), PYTORCH_STRICT_ZOOMS
)
def test_strict_zooms_match_pytorch(a, b, c, w, first, tolerance, s, expected, evaluations):
    direction = np.array([s, 0.1])

    def evaluate(t):
        slope = 2 * a * (t - b) + c * w * np.cos(w * t)
        return a * (t - b) ** 2 + c * np.sin(w * t), slope * direction / (direction @ direction)

    f0, g0 = evaluate(0.0)
    _, _, t, used = strong_wolfe(
        evaluate, first, direction, f0, g0, g0 @ direction, c2=0.1, tolerance_change=tolerance
    )
    assert (t, used) == (pytest.approx(expected, rel=1e-10), evaluations)


def test_a_search_with_no_budget_keeps_the_start_on_a_tie():
    evaluate, calls = _by_call((0.0, -1.0))
    loss, _, t, used = strong_wolfe(evaluate, 1.0, np.array([1.0]), 0.0, np.array([-1.0]), -1.0, max_ls=0)
    assert (t, used, loss, calls) == (0.0, 1, 0.0, [1.0])
