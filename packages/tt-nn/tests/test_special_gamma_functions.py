"""``tt_nn.special``'s gamma functions: lgamma (gammaln), digamma (psi), polygamma, mvlgamma (multigammaln).

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: Python's ``math.lgamma``
through list comprehensions, closed forms (``digamma(n) = H_(n-1) - gamma``,
``polygamma(n, 1) = (-1)^(n+1) n! zeta(n+1)``), the recurrence and reflection identities,
a direct sum ``sum_k 1/(x+k)^(n+1)`` for polygamma, and values pinned from 50-digit mpmath
(computed in a scratch script, not imported here). Edge values are PyTorch 2.13's.
Measured accuracy in float64 against mpmath: lgamma 1.6e-14 relative for x > 0; for x < 0 and
digamma, 4e-15 of max(1, |value|) (relative accuracy is lost only next to a function's zeros,
where the value is the small difference of two O(1) terms); polygamma 1e-15 relative for x > 0,
and for x < 0 1e-14 (n <= 3) to 3e-13 (n = 6) of max(1, |value|).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import special

INF, NAN = math.inf, math.nan
EULER = 0.5772156649015329


def _f64(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=autograd.float64)


def _polygamma_by_summation(n: int, x: np.ndarray, terms: int = 20_000) -> np.ndarray:
    """``(-1)^(n+1) n! sum_k 1/(x+k)^(n+1)``, the tail past ``terms`` by its Euler-Maclaurin integral."""
    k = np.arange(terms, dtype=np.float64)
    head = np.sum((x[:, None] + k) ** -(n + 1), axis=1)
    y = x + terms  # tail: y^-n / n + y^-(n+1) / 2 + (n+1) y^-(n+2) / 12
    tail = y**-n / n + y ** -(n + 1) / 2 + (n + 1) * y ** -(n + 2) / 12
    return (-1) ** (n + 1) * math.factorial(n) * (head + tail)


# ----------------------------------------------------------------------------- lgamma
def test_lgamma_matches_math_lgamma_for_positive_x():
    parts = [np.linspace(0.01, 12, 2400), np.linspace(12, 170, 600), np.geomspace(1e-300, 0.01, 200)]
    x = np.concatenate([*parts, np.geomspace(170, 1e300, 100), [0.5, 1.0, 2.0, 2.5, 10.0]])
    expected = np.array([math.lgamma(v) for v in x])
    got = special.lgamma(_f64(x)).numpy()
    # math.lgamma itself is only absolutely accurate next to the roots 1 and 2 (6e-13 relative
    # at lgamma ~ 3e-4, against mpmath): hence the 5e-16 floor; relative there is tested below
    assert np.all(np.abs(got - expected) <= 3e-14 * np.abs(expected) + 5e-16)
    assert special.lgamma(_f64([1.0, 2.0])).tolist() == [0.0, 0.0]


def test_lgamma_is_log_of_abs_gamma_for_negative_x():
    x = 0.0123 - 0.05 * np.arange(1, 801)  # down to -40, never an integer
    expected = np.array([math.lgamma(v) for v in x])  # math.lgamma is log|Gamma| too
    np.testing.assert_allclose(special.lgamma(_f64(x)).numpy(), expected, rtol=0, atol=1e-14 * 40)
    scale = np.maximum(np.abs(expected), 1.0)
    assert np.max(np.abs(special.lgamma(_f64(x)).numpy() - expected) / scale) < 1e-14


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1.00000000000001, -5.7675430921319235e-15), (0.99999999999999, 5.7675430921320876e-15),
     (2.00000000000001, 4.318341110149868e-15), (1.99999999999999, -4.224464129494371e-15),
     (1.000000000001, -5.772669797094564e-13), (0.999999999999, 5.772028958989666e-13),
     (2.000000000001, 4.2282192087238456e-13), (1.999999999999, -4.2282192087173953e-13),
     (1.0000001, -5.772155829918507e-08), (0.9999999, 5.772157468444193e-08),
     (2.0000001, 4.227843666532498e-08), (1.9999999, -4.2278430309861296e-08),
     (1.0001, -5.771334222047127e-05), (0.9999, 5.7729791561193866e-05),
     (2.0001, 4.2281658112919945e-05), (1.9999, -4.227520877215346e-05),
     (0.9995873280533556, 0.00023834080483784088), (1.9991704877032097, -0.00035048287985061304)],
)  # fmt: skip
def test_lgamma_keeps_relative_precision_next_to_its_roots_1_and_2(x, expected):
    assert special.lgamma(_f64([x])).item() == pytest.approx(expected, rel=1e-14, abs=0)  # mpmath's values


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1e-300, 690.7755278982137), (1.4616321449683622, -0.12148629053584961),
     (1 + 1e-10, -5.772157125783244e-11), (2 - 1e-9, -4.227843697573328e-10), (1e10, 220258509288.81058),
     (171.5, 709.1431630309282),
     (-100.3, -363.7662061826763)],
)  # fmt: skip
def test_lgamma_pinned_high_precision_values(x, expected):
    assert special.lgamma(_f64([x])).item() == pytest.approx(expected, rel=2e-15, abs=0)


def test_lgamma_next_to_a_zero_for_negative_x_is_absolutely_accurate():
    """log|Gamma(-2.5)| = log(pi / |sin|) - lgamma(3.5) = -0.0562...: 4e-15 absolute (mpmath's value)."""
    assert special.lgamma(_f64([-2.5])).item() == pytest.approx(-0.056243716497674054, rel=0, abs=4e-15)


@pytest.mark.parametrize(
    ("x", "lgamma", "digamma"),
    [(-1 + 2.0**-30, 20.79441541719211, -1073741823.5772157),
     (-3 - 2.0**-30, 19.002655946400452, 1073741825.2561176),
     (-2 + 2.0**-30, 20.101268237097823, -1073741823.0772157)],
)  # fmt: skip
def test_reflection_next_to_negative_poles_keeps_sin_pi_x_accurate(x, lgamma, digamma):
    """sin(pi x) is taken after reducing x exactly (sin(pi * x) is 1e-6 off here); mpmath's values."""
    assert special.lgamma(_f64([x])).item() == pytest.approx(lgamma, rel=1e-15, abs=0)
    assert special.digamma(_f64([x])).item() == pytest.approx(digamma, rel=1e-15, abs=0)


# ----------------------------------------------------------------------------- digamma
def test_digamma_closed_forms_at_integers_and_half_integers():
    n = np.arange(1, 60)
    harmonic = np.cumsum(np.concatenate([[0.0], 1.0 / n[:-1]]))  # H_(n-1)
    np.testing.assert_allclose(special.digamma(_f64(n)).numpy(), harmonic - EULER, rtol=2e-15, atol=0)
    odd = np.cumsum(2.0 / (2 * n - 1))  # digamma(n + 1/2) = -gamma - 2 log 2 + sum_k<=n 2 / (2k - 1)
    expected = -EULER - 2 * math.log(2) + odd
    np.testing.assert_allclose(special.digamma(_f64(n + 0.5)).numpy(), expected, rtol=2e-15)
    assert special.digamma(_f64([0.5])).item() == pytest.approx(-EULER - 2 * math.log(2), rel=1e-15, abs=0)


def test_digamma_recurrence_and_reflection(rng):
    x = np.concatenate([rng.uniform(-30, 30, 400), rng.uniform(0.001, 3, 100)])
    x = x[np.abs(x - np.round(x)) > 1e-3]  # away from the poles
    here, next_one = special.digamma(_f64(x)).numpy(), special.digamma(_f64(x + 1)).numpy()
    scale = np.maximum.reduce([np.ones_like(x), np.abs(here), np.abs(next_one)])
    assert np.max(np.abs(next_one - here - 1 / x) / scale) < 3e-15  # digamma(x + 1) = digamma(x) + 1/x
    mirror = special.digamma(_f64(1 - x)).numpy()  # digamma(1 - x) - digamma(x) = pi / tan(pi x)
    cot = np.array([math.pi / math.tan(math.pi * (v - round(v))) for v in x])  # (v - round(v) is exact)
    assert np.max(np.abs(mirror - here - cot) / np.maximum(1.0, np.abs(cot))) < 2e-13


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1.4616321449683622, -9.241265521729427e-17), (1.46, -0.0015805619870834522),
     (1e-8, -100000000.57721564), (-0.5, 0.03648997397857652), (-10.3, 4.662403493582087),
     (1e10, 23.025850929890456),
     (100.0, 4.600161852738087)],
)  # fmt: skip
def test_digamma_pinned_high_precision_values(x, expected):
    assert special.digamma(_f64([x])).item() == pytest.approx(expected, rel=2e-15, abs=5e-16)


def test_digamma_is_the_derivative_of_lgamma(check_grad):
    x = np.linspace(0.3, 9.7, 48)
    h = 1e-5  # 4th-order central difference of math.lgamma
    numeric = np.array(
        [(-math.lgamma(v + 2 * h) + 8 * math.lgamma(v + h) - 8 * math.lgamma(v - h) + math.lgamma(v - 2 * h))
         / (12 * h) for v in x]
    )  # fmt: skip
    np.testing.assert_allclose(special.digamma(_f64(x)).numpy(), numeric, rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- polygamma
def test_polygamma_at_one_is_a_zeta_value():
    zeta = {2: math.pi**2 / 6, 3: 1.2020569031595942, 4: math.pi**4 / 90, 5: 1.0369277551433699,
            6: math.pi**6 / 945}  # fmt: skip
    for n in range(1, 6):
        expected = (-1) ** (n + 1) * math.factorial(n) * zeta[n + 1]
        assert special.polygamma(n, _f64([1.0])).item() == pytest.approx(expected, rel=1e-15, abs=0)
    assert special.polygamma(1, _f64([0.5])).item() == pytest.approx(math.pi**2 / 2, rel=1e-15, abs=0)
    assert special.polygamma(0, _f64([1.0])).item() == pytest.approx(-EULER, rel=1e-15, abs=0)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_polygamma_matches_the_direct_sum(n, rng):
    x = np.concatenate([rng.uniform(0.01, 40, 30), [0.3, 1.0, 9.99, 10.0, 30.0, 1e3]])
    expected = _polygamma_by_summation(n, x)
    np.testing.assert_allclose(special.polygamma(n, _f64(x)).numpy(), expected, rtol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_for_negative_x_follows_the_recurrence_from_positive_x(n, rng):
    x = rng.uniform(-12, 0, 40)
    x = x[np.abs(x - np.round(x)) > 1e-2]
    shift = np.ceil(-x) + 1  # x + shift in (1, 2]
    # polygamma(n, x) = polygamma(n, x + m) - (-1)^n n! sum_k<m 1 / (x + k)^(n+1)
    steps = np.array([np.sum((v + np.arange(m)) ** -(n + 1)) for v, m in zip(x, shift.astype(int))])
    expected = _polygamma_by_summation(n, x + shift) - (-1) ** n * math.factorial(n) * steps
    got = special.polygamma(n, _f64(x)).numpy()
    assert np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))) < 1e-12


@pytest.mark.parametrize(
    ("n", "x", "expected"),
    [
        (1, -0.3, 13.945160267805722),
        (2, -2.7, -68.9329390232638),
        (3, 5.5, 0.015690592675882818),
        (4, 0.01, -240000000023.7009),
        (10, 3.0, -21.43660662871299),
        (1, 1e8, 1.000000005e-08),
        (1, 0.999, 1.6473414317770505),
        (2, 0.9999, -2.4047633247110958),
        (3, 0.99, 6.749029266528166),
        (30, 9.5, -136.30777296152866),
        (20, 12.0, -6.54721193671601e-05),
        (40, 15.5, -0.13911557303887528),
    ],
)  # fmt: skip  (x near 1: no reflection; large n: the shift keeps Euler-Maclaurin's tail exact)
def test_polygamma_pinned_high_precision_values(n, x, expected):
    assert special.polygamma(n, _f64([x])).item() == pytest.approx(expected, rel=1e-14, abs=0)


def test_polygamma_at_half_integers_far_left_uses_an_exact_zero_cotangent():
    x = -999999.5  # cot(pi x) = 0 exactly, so polygamma(2, x) = polygamma(2, 1 - x) ~ -1 / (1 - x)^2
    expected = _polygamma_by_summation(2, np.array([1 - x]))[0]
    assert special.polygamma(2, _f64([x])).item() == pytest.approx(expected, rel=1e-12, abs=0)


# ----------------------------------------------------------------------------- mvlgamma
def test_mvlgamma_is_a_sum_of_lgammas():
    x = np.linspace(2.6, 9.0, 33)
    for p in (1, 2, 3, 5):
        expected = [
            p * (p - 1) / 4 * math.log(math.pi) + sum(math.lgamma(v - j / 2) for j in range(p)) for v in x
        ]
        np.testing.assert_allclose(special.mvlgamma(_f64(x), p).numpy(), expected, rtol=1e-14)
    assert special.multigammaln is special.mvlgamma
    assert special.mvlgamma(_f64([2.5, 3.0]), p=3).tolist() == pytest.approx(
        [1.8809954616117743, 2.694924879806965]
    )
    y = special.mvlgamma(autograd.tensor([[2.5, 3.0]]), 2)
    assert y.shape == (1, 2) and y.dtype == autograd.float32
    grid = np.linspace(2.6, 9.0, 6).reshape(2, 3)  # batched: element-wise, the p shifts on their own axis
    flat = special.mvlgamma(_f64(grid.ravel()), 4).numpy()
    np.testing.assert_allclose(special.mvlgamma(_f64(grid), 4).numpy(), flat.reshape(2, 3), rtol=1e-15)


# ----------------------------------------------------------------------------- PyTorch's edges
EDGES = [0.0, -0.0, -1.0, -2.0, INF, -INF, NAN, -0.5, 1e-300]


@pytest.mark.parametrize(
    ("function", "expected"),
    [(special.lgamma, [INF, INF, INF, INF, INF, INF, NAN, 1.2655121234846454, 690.7755278982137]),
     (special.digamma, [-INF, INF, NAN, NAN, INF, NAN, NAN, 0.03648997397857652, -1e300]),
     (lambda x: special.polygamma(1, x), [INF, INF, INF, INF, 0.0, NAN, NAN, 8.934802200544704, INF]),
     (lambda x: special.polygamma(2, x), [-INF, -INF, -INF, -INF, 0.0, NAN, NAN, -0.8287966442343199, -INF]),
     (lambda x: special.polygamma(3, x), [INF, INF, INF, INF, 0.0, NAN, NAN, 193.40909103400242, INF])],
)  # fmt: skip
def test_edge_values(function, expected):
    """PyTorch's, but for polygamma(1, -k) (inf here, 6.6e32 / k^2 there) and polygamma(n >= 2, +-inf)."""
    np.testing.assert_allclose(function(_f64(EDGES)).numpy(), expected, rtol=1e-14, atol=0)


def test_gradients_at_the_poles_are_pytorchs():
    x = autograd.tensor([0.0, -1.0, 0.5], dtype=autograd.float64, requires_grad=True)
    special.lgamma(x).sum().backward()
    assert x.grad.tolist()[:2] == [-INF, NAN] or (
        x.grad.tolist()[0] == -INF and math.isnan(x.grad.tolist()[1])
    )
    assert x.grad.tolist()[2] == pytest.approx(-EULER - 2 * math.log(2), rel=1e-15, abs=0)
    x.grad = None
    special.polygamma(2, x).sum().backward()  # polygamma(3, .): inf at the poles
    assert x.grad.tolist()[:2] == [INF, INF]
    assert x.grad.tolist()[2] == pytest.approx(math.pi**4, rel=1e-14, abs=0)


# ----------------------------------------------------------------------------- gradients
def test_gradients(check_grad, rng):
    x = autograd.tensor(rng.uniform(0.2, 6.0, (3, 4)), dtype=autograd.float64, requires_grad=True)
    negative = autograd.tensor(rng.uniform(-3.9, -0.1, (2, 5)), dtype=autograd.float64, requires_grad=True)
    for inputs in (x, negative):
        check_grad(special.lgamma, inputs)
        check_grad(special.digamma, inputs, rtol=1e-5)
        for n in (1, 2, 3):
            check_grad(lambda t, n=n: special.polygamma(n, t), inputs, rtol=1e-5)
    above_one = autograd.tensor(rng.uniform(1.2, 6, (2, 3)), dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: special.mvlgamma(t, 3), above_one)


def test_backward_is_the_next_derivative():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    special.digamma(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [math.pi**2 / 6, math.pi**2 / 6 - 1], rtol=1e-15)
    x.grad = None
    special.polygamma(1, x).sum().backward()
    assert x.grad.tolist()[0] == pytest.approx(-2 * 1.2020569031595942, rel=1e-15, abs=0)
    x.grad = None
    special.polygamma(0, x).sum().backward()  # n = 0 is digamma, backward and all
    np.testing.assert_allclose(x.grad.numpy(), [math.pi**2 / 6, math.pi**2 / 6 - 1], rtol=1e-15)


# ----------------------------------------------------------------------------- dtypes and arguments
@pytest.mark.parametrize("name", ["lgamma", "digamma", "gammaln", "psi"])
def test_float32_stays_float32_and_integers_promote(name):
    function = getattr(special, name)
    x = np.linspace(-4.75, 10.25, 31).astype(np.float32)
    got = function(autograd.tensor(x))
    assert got.dtype == autograd.float32
    np.testing.assert_array_equal(got.numpy(), function(_f64(x)).numpy().astype(np.float32))
    assert function(autograd.tensor([1, 2])).dtype == autograd.float32
    assert special.polygamma(1, autograd.tensor([1, 2])).dtype == autograd.float32
    assert special.polygamma(2, autograd.tensor([1.5], dtype=autograd.float32)).dtype == autograd.float32


def test_bad_arguments():
    x = _f64([1.0])
    with pytest.raises(RuntimeError, match=r"polygamma\(n, x\) does not support negative n \(got n=-1\)"):
        special.polygamma(-1, x)
    with pytest.raises(TypeError, match="polygamma: n must be an int, got float 1.5"):
        special.polygamma(1.5, x)
    with pytest.raises(TypeError, match="polygamma: n must be an int, got bool"):
        special.polygamma(True, x)
    with pytest.raises(RuntimeError, match="mvlgamma: p has to be greater than or equal to 1, got p=0"):
        special.mvlgamma(x, 0)
    with pytest.raises(TypeError, match="mvlgamma: p must be an int, got float"):
        special.mvlgamma(x, 2.0)
    with pytest.raises(TypeError, match="lgamma: argument 'input' must be a Tensor, got float"):
        special.lgamma(1.0)
