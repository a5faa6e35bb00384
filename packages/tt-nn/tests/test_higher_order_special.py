"""Higher-order gradients through ``tt_nn.special``: the ``graph_backward`` rule of each Function.

Each rule is checked three ways (``recorded_twice``): the first derivative it records
(``create_graph=True``) is the plain backward's, ``gradgradcheck`` (float64 central differences)
passes on leaf inputs and on inputs made by another node, and the binary rules take broadcast
shapes. Then the special points, against values derived by hand (in the comments): ``sinc`` and
the Bessel functions at 0, ``entr`` at 0 and below, ``xlog1py`` at ``x = 0``, ``y = -1``,
``log_ndtr`` far in its lower tail, the edges of ``gammainc``; and the inputs that have no
derivative (``gammainc``'s ``a``, ``zeta``'s ``x``), which still raise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck
from tt_autograd.gradients import grad
from tt_nn import special

APERY = 1.2020569031595942  # zeta(3)


def tensor64(values, requires_grad=True):
    return autograd.tensor(
        np.asarray(values, dtype=np.float64), dtype=autograd.float64, requires_grad=requires_grad
    )


def recorded_twice(fn, inputs, seed=0, atol=1e-5):
    """The recorded first derivative is backward's, and gradgradcheck passes, for ``inputs`` as leaves
    and as tensors made by another node (the rule then reads the value it saved)."""
    for made in (False, True):
        call = (lambda *xs: fn(*(x * 1.0 for x in xs))) if made else fn
        v = tensor64(np.random.default_rng(seed).standard_normal(call(*inputs).shape), requires_grad=False)
        plain = grad(call(*inputs), inputs, v)
        again = grad(call(*inputs), inputs, v, create_graph=True)
        for first, recorded in zip(plain, again):
            assert recorded.requires_grad
            np.testing.assert_array_equal(recorded.detach().numpy(), first.numpy())  # the same operations
        assert gradgradcheck(call, inputs, atol=atol, seed=seed)


def derivatives(fn, x, order):
    """``[f'(x), f''(x), ...]`` up to ``order``, each the gradient of the sum of the previous one."""
    found, y = [], fn(x)
    for _ in range(order):
        (y,) = grad(y.sum(), x, create_graph=True)
        found.append(y.detach().numpy())
    return found


UNARY = {
    "i0": (special.i0, -4.0, 4.0),
    "i0e": (special.i0e, -4.0, 4.0),
    "i1": (special.i1, -4.0, 4.0),
    "i1e": (special.i1e, -4.0, 4.0),
    "i0_hankel": (special.i0, 30.5, 40.0),  # Hankel's expansion, beyond 30
    "i1e_hankel": (special.i1e, -40.0, -30.5),
    "lgamma": (special.lgamma, 0.2, 12.0),
    "lgamma_reflected": (special.lgamma, -2.9, -2.1),
    "digamma": (special.digamma, 0.2, 12.0),
    "digamma_reflected": (special.digamma, -1.9, -1.1),
    "polygamma_1": (lambda x: special.polygamma(1, x), 0.3, 6.0),
    "polygamma_3": (lambda x: special.polygamma(3, x), -0.9, -0.1),
    "log_ndtr": (special.log_ndtr, -3.0, 3.0),
    "log_ndtr_tail": (special.log_ndtr, -30.0, -5.0),
    "entr": (special.entr, 0.1, 3.0),
    "sinc": (special.sinc, -2.5, 2.5),
    "sinc_series": (special.sinc, -0.24, 0.24),  # |x| < 1/4: its derivative is a Taylor series
    "mvlgamma": (lambda x: special.mvlgamma(x, p=3), 1.5, 5.0),  # composed: lgamma of x - j/2
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_unary_rules_twice(name, shape, rng):
    fn, low, high = UNARY[name]
    x = rng.uniform(low, high, size=shape)
    if name.startswith(("i0e", "i1")):
        x = np.where(np.abs(x) < 0.1, 0.3, x)  # i0e's kink at 0 (sign(x)); i1's slope near 0 cancels
    recorded_twice(fn, [tensor64(x)])


@pytest.mark.parametrize(
    "fn", [special.i1, special.i1e, special.lgamma, special.log_ndtr, special.sinc, special.entr]
)
def test_third_derivatives(fn, rng):
    # each rule calls a Function that has a rule of its own: the second derivative differentiates too
    x = tensor64(rng.uniform(0.3, 2.5, size=4))

    def second(x):
        (g,) = grad(fn(x).sum(), x, create_graph=True)
        return g

    assert gradgradcheck(second, [x])


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((4,), (2, 4)), ((), (3,))])
@pytest.mark.parametrize("fn", [special.gammainc, special.gammaincc])
def test_incomplete_gamma_twice_in_x(fn, shapes, rng):
    a = tensor64(rng.uniform(0.5, 4.0, size=shapes[0]), requires_grad=False)
    x = tensor64(rng.uniform(0.2, 6.0, size=shapes[1]))
    recorded_twice(lambda x: fn(a, x), [x])
    big = tensor64(rng.uniform(10.0, 30.0, size=shapes[0]), requires_grad=False)  # Stirling's prefactor
    recorded_twice(lambda x: fn(big, x * 5.0), [x])
    recorded_twice(lambda x: fn(a, x) * x.sin(), [x])


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((4,), (2, 4)), ((2, 4), ())])
def test_zeta_twice_in_q(shapes, rng):
    x = tensor64(rng.uniform(1.5, 5.0, size=shapes[0]), requires_grad=False)
    q = tensor64(rng.uniform(0.3, 0.7, size=shapes[1]) + rng.integers(0, 3, size=shapes[1]))  # off integers
    recorded_twice(lambda q: special.zeta(x, q), [q])
    whole = tensor64(np.full(shapes[0], 3.0), requires_grad=False)  # q < 0 needs an integer x
    recorded_twice(lambda q: special.zeta(whole, q - 3.0), [q])
    recorded_twice(lambda q: special.zeta(2.5, q), [q])


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((4,), (2, 4)), ((), (3,)), ((2, 3), (2, 3))])
def test_xlog1py_twice(shapes, rng):
    x = tensor64(rng.uniform(-2.0, 2.0, size=shapes[0]))
    y = tensor64(rng.uniform(-0.9, 2.0, size=shapes[1]))
    recorded_twice(special.xlog1py, [x, y])
    recorded_twice(lambda x: special.xlog1py(x, y.detach()) * x, [x])
    recorded_twice(lambda y: special.xlog1py(x.detach(), y), [y])
    recorded_twice(lambda y: special.xlog1py(1.5, y), [y])


def test_xlog1py_rule_is_differentiable_in_the_incoming_gradient(rng):
    # the rule for x is xlog1py(grad, y), a Function of grad: its derivative in grad is log1p(y)
    x, y = tensor64(rng.uniform(-2, 2, size=(3, 1))), tensor64(rng.uniform(-0.9, 2, size=(4,)))

    def first_derivatives(v):
        with autograd.enable_grad():
            return grad(special.xlog1py(x, y), [x, y], v, create_graph=True)

    assert gradcheck(first_derivatives, [tensor64(rng.standard_normal((3, 4)))])


# ----------------------------------------------------------------- special points, by hand


def test_bessel_derivatives_at_zero():
    # i0 = 1 + x^2/4 + ..., i1 = x/2 + x^3/16 + ...: i0'(0) = 0, i0''(0) = 1/2; i1'(0) = 1/2,
    # i1''(0) = 0. i0e' = i1e - sign(x) i0e with sign(0) = 0 held constant: i0e''(0) = i1e'(0) = 1/2.
    # i1e' is the constant 1/2 at 0 (PyTorch's), so i1e''(0) = 0 (its one-sided values are -+1)
    x = tensor64([0.0])
    expected = {
        special.i0: [0.0, 0.5],
        special.i0e: [0.0, 0.5],
        special.i1: [0.5, 0.0],
        special.i1e: [0.5, 0.0],
    }
    for fn, values in expected.items():
        np.testing.assert_array_equal(np.concatenate(derivatives(fn, x, 2)), values)
    # off 0: i1'' = i1 - i1'/x + i1/x^2, from i1' = i0 - i1/x and i0' = i1; at x = 2 in closed form
    i0_2, i1_2 = 2.2795853023360673, 1.5906368546373291  # I0(2), I1(2) (A&S table 9.8)
    slope = i0_2 - i1_2 / 2
    np.testing.assert_allclose(derivatives(special.i1, tensor64([2.0]), 2)[1], [i1_2 - slope / 2 + i1_2 / 4])


def test_sinc_derivatives_at_and_near_zero():
    # sinc(x) = 1 - (pi x)^2/6 + (pi x)^4/120 - ...: at 0 its derivatives are 0, -pi^2/3, 0, pi^4/5
    # (PyTorch 2.13: NaN from the second on). At x = 1e-9 the first is -pi^2 x/3 and the second
    # -pi^2/3, to 1e-17 (the closed form (cos(pi x) - sinc(x)) / x gives 0 and -pi^2 there)
    found = derivatives(special.sinc, tensor64([0.0, 1e-9]), 4)
    np.testing.assert_allclose(found[0], [0.0, -(math.pi**2) / 3 * 1e-9], rtol=1e-15, atol=0)
    np.testing.assert_allclose(found[1], [-(math.pi**2) / 3] * 2, rtol=1e-15)
    np.testing.assert_allclose(found[2][0], 0.0, atol=1e-300)
    np.testing.assert_allclose(found[3], [math.pi**4 / 5] * 2, rtol=1e-14)
    # at x = 1/2, sinc = 2/pi, sin = 1, cos = 0: sinc' = (cos(pi x) - sinc(x)) / x = -4/pi, and
    # the second (-pi sin(pi x) - sinc'(x)) / x - sinc'(x) / x
    first, second = derivatives(special.sinc, tensor64([0.5]), 2)
    np.testing.assert_allclose(first, [-4 / math.pi], rtol=1e-14)
    np.testing.assert_allclose(second, [(-math.pi + 4 / math.pi) / 0.5 + (4 / math.pi) / 0.5], rtol=1e-14)
    # the same closed forms at x = 0.24, inside the series' range (they lose ~1e-15 to cancellation
    # there): the series is summed far enough
    x = 0.24
    value = math.sin(math.pi * x) / (math.pi * x)
    slope = (math.cos(math.pi * x) - value) / x
    curvature = (-math.pi * math.sin(math.pi * x) - slope) / x - slope / x
    first, second = derivatives(special.sinc, tensor64([x, -x]), 2)
    np.testing.assert_allclose(first, [slope, -slope], rtol=1e-14)
    np.testing.assert_allclose(second, [curvature, curvature], rtol=1e-14)
    # backward and the recorded rule switch forms at the same place (the two differ by an ulp at 1/4)
    x = tensor64([0.25, -0.25])
    (plain,) = grad(special.sinc(x).sum(), x)
    (recorded,) = grad(special.sinc(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(recorded.detach().numpy(), plain.numpy())


def test_entr_at_zero_and_below_follows_pytorch():
    # entr' = -(log x + 1), entr'' = -1/x, on every x (log's derivative): -inf at 0, and 1/2 at
    # x = -2, where entr is the constant -inf and its first derivative NaN
    first, second = derivatives(special.entr, tensor64([0.0, -2.0, 0.5]), 2)
    np.testing.assert_array_equal(first[:2], [np.inf, np.nan])
    np.testing.assert_allclose(first[2], math.log(2) - 1)
    np.testing.assert_array_equal(second, [-np.inf, 0.5, -2.0])


def test_xlog1py_at_x_zero_and_y_minus_one():
    # d/dx = xlog1py(g, y): 0 where x == 0 and y <= -1, and 0 where g == 0 (not 0 * -inf: PyTorch's);
    # d/dy = g x / (1 + y): 0/0 at x = 0, y = -1, whose derivative in x is g / (1 + y) = inf. Kept:
    # x = 0 with y > -1 (log1p(-1/2) = -log 2), and x != 0 with y < -1 (log1p(-2) is NaN)
    x, y = tensor64([0.0, 0.0, 2.0, 2.0, 0.0, 2.0]), tensor64([-1.0, -2.0, -1.0, 1.0, -0.5, -2.0])
    g = tensor64([1.0, 1.0, 0.0, 3.0, 1.0, 1.0])
    dx, dy = grad(special.xlog1py(x, y), [x, y], g, create_graph=True)
    log2 = math.log(2.0)
    np.testing.assert_allclose(dx.detach().numpy(), [0.0, 0.0, 0.0, 3.0 * log2, -log2, np.nan], rtol=1e-15)
    np.testing.assert_array_equal(dy.detach().numpy()[[0, 2]], [np.nan, np.nan])
    np.testing.assert_allclose(dy.detach().numpy()[[1, 3, 4, 5]], [0.0, 3.0, 0.0, -2.0])
    (dy_dx,) = grad(dy.sum(), x, retain_graph=True)
    np.testing.assert_allclose(dy_dx.numpy(), [np.inf, -1.0, np.nan, 1.5, 2.0, -1.0])  # g / (1 + y)
    dx_dy, dx_dg = grad(dx.sum(), [y, g])
    np.testing.assert_allclose(dx_dy.numpy()[[1, 3, 4, 5]], [0.0, 1.5, 2.0, -1.0])  # masked; g / (1 + y)
    np.testing.assert_allclose(dx_dg.numpy(), [0.0, 0.0, 0.0, log2, -log2, np.nan])  # masked; log1p(y)
    (plain,) = grad(special.xlog1py(x, y), x, g)
    np.testing.assert_array_equal(plain.numpy(), dx.detach().numpy())


def test_log_ndtr_second_derivative_far_in_the_lower_tail():
    # log_ndtr'' = -g (g + x), g = phi / Phi; Mills' series Phi(x) = phi(x)/|x| (1 - 1/x^2 + 3/x^4 ...)
    # for x -> -inf gives g = |x| (1 + t - 2t^2 + 10t^3 ...), t = 1/x^2, and log_ndtr'' = -1 + t - 6t^2 ...
    # At 0: g = phi(0) / (1/2) = sqrt(2/pi) and log_ndtr'' = -2/pi. PyTorch 2.13: -7402.9 at -1e5
    first, second = derivatives(special.log_ndtr, tensor64([-1e3, -1e5, 0.0]), 2)
    np.testing.assert_allclose(first, [1e3 + 1e-3 - 2e-9, 1e5 + 1e-5, math.sqrt(2 / math.pi)], rtol=1e-15)
    np.testing.assert_allclose(second[[0, 2]], [-1 + 1e-6 - 6e-12, -2 / math.pi], rtol=1e-10)
    np.testing.assert_allclose(second[1], -1 + 1e-10, rtol=1e-5)  # cancels in g + x: ~1e-16 x^2


def test_gamma_family_second_derivatives_by_hand():
    # lgamma'' = polygamma(1, .): pi^2/2 at 1/2; digamma'' = polygamma(2, 1) = -2 zeta(3);
    # polygamma(1, .)'' = polygamma(3, 1) = 6 zeta(4) = pi^4/15; poles: lgamma''(0) = inf
    np.testing.assert_allclose(
        derivatives(special.lgamma, tensor64([0.5]), 2)[1], [math.pi**2 / 2], rtol=1e-14
    )
    np.testing.assert_allclose(derivatives(special.digamma, tensor64([1.0]), 2)[1], [-2 * APERY], rtol=1e-14)
    poly = derivatives(lambda x: special.polygamma(1, x), tensor64([1.0]), 2)[1]
    np.testing.assert_allclose(poly, [math.pi**4 / 15], rtol=1e-14)
    np.testing.assert_array_equal(derivatives(special.lgamma, tensor64([0.0]), 2)[1], [np.inf])


def test_gammainc_second_derivative_by_hand_and_at_the_edges():
    # a = 2: P = 1 - (1 + x) e^-x, P' = x e^-x, P'' = (1 - x) e^-x; a = 12 (Stirling's prefactor):
    # P' = x^11 e^-x / 11!, P'' = P' (11/x - 1), 0 at x = 11. Q = 1 - P: the negatives
    a = tensor64([2.0, 12.0, 12.0], requires_grad=False)
    x = tensor64([1.5, 11.0, 8.0])
    density = 8.0**11 * math.exp(-8.0) / math.factorial(11)
    first, second = derivatives(lambda x: special.gammainc(a, x), x, 2)
    np.testing.assert_allclose(
        first, [1.5 * math.exp(-1.5), 11.0**11 * math.exp(-11) / math.factorial(11), density]
    )
    np.testing.assert_allclose(second, [-0.5 * math.exp(-1.5), 0.0, density * 3 / 8], atol=1e-15)
    np.testing.assert_allclose(derivatives(lambda x: special.gammaincc(a, x), x, 2)[1], -second, atol=1e-15)
    # edges, PyTorch's formula exp((a - 1) log x - x - lgamma(a)) as is: a = 1/2, x = 0: x^-1/2 e^-x /
    # sqrt(pi) is inf, its derivative -inf; a = 3, x = 0: 0, and 0 * (2/0 - 1) is NaN; a = 0: 1/Gamma = 0;
    # a = -1/2 (P is NaN): x^-3/2 e^-x / |Gamma(-1/2)| = 2^-3/2 e^-2 / (2 sqrt(pi)) at x = 2, times
    # (a - 1)/x - 1 = -7/4 for the next; a = inf, x = 1/2: exp(-inf) = 0, then 0 * inf = NaN; a = 1/2,
    # x = inf: exp(-inf - inf) = 0, then 0 * (-1/2 / inf - 1) = -0
    edge_a = tensor64([0.5, 3.0, 0.0, -0.5, np.inf, 0.5], requires_grad=False)
    edge_x = tensor64([0.0, 0.0, 1.0, 2.0, 0.5, np.inf])
    first, second = derivatives(lambda x: special.gammainc(edge_a, x), edge_x, 2)
    density = 2**-1.5 * math.exp(-2.0) / (2 * math.sqrt(math.pi))
    np.testing.assert_allclose(first, [np.inf, 0.0, 0.0, density, 0.0, 0.0], rtol=1e-14)
    np.testing.assert_allclose(second, [-np.inf, np.nan, 0.0, -1.75 * density, np.nan, 0.0], rtol=1e-14)


def test_zeta_second_derivative_in_q_by_hand():
    # d/dq zeta(2, q) = -2 zeta(3, q), d2/dq2 = 6 zeta(4, q): at q = 1, -2 zeta(3) and pi^4/15
    first, second = derivatives(lambda q: special.zeta(2.0, q), tensor64([1.0]), 2)
    np.testing.assert_allclose(first, [-2 * APERY], rtol=1e-14)
    np.testing.assert_allclose(second, [math.pi**4 / 15], rtol=1e-14)


def test_inputs_without_a_derivative_still_raise_under_create_graph():
    a, x = tensor64([2.0]), tensor64([1.5])
    for fn, name in ((special.gammainc, "gammainc"), (special.gammaincc, "gammaincc")):
        with pytest.raises(NotImplementedError, match=f"{name}: the derivative with respect to 'input'"):
            grad(fn(a, x).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="zeta: the derivative with respect to 'input'"):
        grad(special.zeta(tensor64([2.0]), x).sum(), x, create_graph=True)


def test_float32_rules_keep_the_dtype():
    x = autograd.tensor([0.0, 0.7, -1.3], dtype=autograd.float32, requires_grad=True)
    for fn in (special.i1, special.i1e, special.log_ndtr, special.sinc, special.digamma):
        first, second = derivatives(fn, x, 2)
        assert first.dtype == second.dtype == np.float32
        wide = derivatives(fn, tensor64(x.detach().numpy()), 2)
        np.testing.assert_allclose(second, wide[1], rtol=1e-5, atol=1e-6)
