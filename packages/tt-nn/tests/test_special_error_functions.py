"""``tt_nn.special``'s error functions: erf, erfc, erfinv, erfcx, ndtr, ndtri and log_ndtr.

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: Python's ``math.erf`` and
``math.erfc`` through list comprehensions, Laplace's continued fraction for ``erfcx`` far
out, and values pinned from 50-digit mpmath (computed in a scratch script, not imported here).
Edge values and gradients at the edges are PyTorch 2.13's, pinned from a scratch comparison.
Measured accuracy (float64, relative, against mpmath): erfinv 5e-16, ndtri 3e-16, erfcx 8e-16,
log_ndtr 1.3e-14 (inherited from module 03's erfc near x = 10); the bounds below leave a margin.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import special

INF, NAN = math.inf, math.nan


def _f64(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=autograd.float64)


def _relative(got: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(got - expected) / np.abs(expected)))


def _erfcx_continued_fraction(x: np.ndarray, depth: int = 60) -> np.ndarray:
    """``exp(x^2) erfc(x) = 1/sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))``, for ``x >= 5``."""
    tail = np.zeros_like(x)
    for k in range(depth, 0, -1):
        tail = (k / 2) / (x + tail)
    return 1.0 / (math.sqrt(math.pi) * (x + tail))


# ----------------------------------------------------------------------------- values
def test_erf_and_erfc_match_math_and_keep_module_03s_kernel():
    x = np.concatenate([np.linspace(-6, 6, 1201), [0.46875, 4.0, 1e-200, -30.0]])
    np.testing.assert_allclose(special.erf(_f64(x)).numpy(), [math.erf(v) for v in x], rtol=1e-14, atol=0)
    np.testing.assert_allclose(special.erfc(_f64(x)).numpy(), [math.erfc(v) for v in x], rtol=1e-13, atol=0)


def test_erfinv_inverts_erf_to_the_last_bits():
    y = np.linspace(-5.5, 5.5, 1101)
    x = np.array([math.erf(v) for v in y])
    got = special.erfinv(_f64(x)).numpy()
    residual = np.array([math.erf(v) for v in got]) - x
    assert np.all(np.abs(residual) <= 2 * np.spacing(np.abs(x)) + 1e-300)
    inner = np.abs(y) <= 1  # where erf is well conditioned, erfinv(erf(y)) is y itself
    np.testing.assert_allclose(got[inner], y[inner], rtol=2e-15, atol=1e-300)


def test_erfinv_near_one_solves_erfc_in_relative_terms():
    q = 2.0 ** -np.arange(2, 54)  # x = 1 - q is exact
    got = special.erfinv(_f64(1.0 - q)).numpy()
    back = np.array([math.erfc(v) for v in got])
    np.testing.assert_allclose(back, q, rtol=2e-14)  # erfc(y) = q to erfc's own accuracy
    np.testing.assert_allclose(special.erfinv(_f64(q - 1.0)).numpy(), -got, rtol=0)  # odd


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0.5, 0.4769362762044699), (0.9, 1.1630871536766743), (0.999, 2.3267537655135246),
     (-0.3, -0.2724627147267543), (1e-5, 8.862269254759594e-06), (1 - 2.0**-50, 5.686128441310391),
     (1 - 2.0**-53, 5.8635847487551676), (1e-300, 8.86226925452758e-301)],
)  # fmt: skip
def test_erfinv_pinned_high_precision_values(x, expected):
    assert special.erfinv(_f64([x])).item() == pytest.approx(expected, rel=1e-15, abs=0)


def test_erfcx_matches_its_definition_then_the_continued_fraction():
    x = np.linspace(-5, 5, 401)
    expected = np.array([math.exp(v * v) * math.erfc(v) for v in x])
    assert _relative(special.erfcx(_f64(x)).numpy(), expected) < 1e-13
    far = np.concatenate([np.linspace(5, 60, 300), np.geomspace(60, 1e300, 50)])
    assert _relative(special.erfcx(_f64(far)).numpy(), _erfcx_continued_fraction(far)) < 3e-15


@pytest.mark.parametrize(
    ("x", "expected"),
    [(25.9, 0.021767181150738214), (26.0, 0.021683584850562907), (26.1, 0.021600627726346206),
     (30.0, 0.01879588886141675), (1e5, 5.6418958351954685e-06), (-3.0, 16205.988853999586)],
)  # fmt: skip
def test_erfcx_pinned_values_on_both_sides_of_the_switch_to_the_series(x, expected):
    assert special.erfcx(_f64([x])).item() == pytest.approx(expected, rel=1e-15, abs=0)


def test_ndtr_is_the_normal_cdf():
    x = np.linspace(-37, 9, 921)
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(special.ndtr(_f64(x)).numpy(), expected, rtol=3e-13, atol=0)


def test_ndtri_inverts_ndtr_and_reaches_deep_into_the_tails():
    p = np.concatenate([np.linspace(0.001, 0.999, 999), np.geomspace(1e-300, 1e-3, 200)])
    x = special.ndtri(_f64(p)).numpy()
    back = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    # Phi(ndtri(p)) = p, relative even at 1e-300, to within what rounding x to a float allows:
    # d log(Phi) / dx ~ |x| there, so an ulp of x moves Phi by ~x^2 * 1.1e-16 relative
    assert np.all(np.abs(back / p - 1) <= 2e-16 * x * x + 2e-14)
    for p, expected in [(0.975, 1.9599639845400538), (1e-10, -6.361340902404057), (1e-300, -37.0470962993612),
                        (0.3, -0.5244005127080408), (1 - 2.0**-50, 7.956038125481531)]:  # fmt: skip
        assert special.ndtri(_f64([p])).item() == pytest.approx(expected, rel=1e-15, abs=0)


def test_log_ndtr_is_finite_far_into_the_lower_tail():
    x = np.linspace(-37, 8, 901)  # (log1p for x > 0: log of a rounded Phi near 1 would lose digits)
    expected = np.array([math.log(0.5 * math.erfc(-v / math.sqrt(2))) if v < 0 else
                         math.log1p(-0.5 * math.erfc(v / math.sqrt(2))) for v in x])  # fmt: skip
    np.testing.assert_allclose(special.log_ndtr(_f64(x)).numpy(), expected, rtol=1e-13, atol=0)
    far = -np.geomspace(38, 1e150, 100)  # log Phi(x) = log(erfcx(-x / sqrt 2) / 2) - x^2 / 2
    reference = np.log(_erfcx_continued_fraction(-far / math.sqrt(2)) / 2) - far * far / 2
    np.testing.assert_allclose(special.log_ndtr(_f64(far)).numpy(), reference, rtol=1e-15)
    pinned = [(-40.0, -804.6084420137538), (-1e5, -5000000012.431864), (5.0, -2.866516129637636e-07),
              (10.0, -7.619853024160525e-24)]  # fmt: skip
    for x, expected in pinned:
        assert special.log_ndtr(_f64([x])).item() == pytest.approx(expected, rel=2e-14, abs=0)


# ----------------------------------------------------------------------------- PyTorch's edges
EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, INF, -INF, NAN]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("erfinv", [0.0, -0.0, INF, -INF, NAN, NAN, NAN, NAN, NAN]),
     ("erfcx", [1.0, 1.0, 0.427583576155807, 5.008980080762283, 0.2553956763105057, 108.94090438997797,
                0.0, INF, NAN]),
     ("ndtri", [-INF, -INF, INF, NAN, NAN, NAN, NAN, NAN, NAN]),
     ("log_ndtr", [-0.6931471805599453, -0.6931471805599453, -0.17275377902344985, -1.841021645009264,
                   -0.023012909328963493, -3.7831843336820317, -0.0, -INF, NAN]),
     ("ndtr", [0.5, 0.5, 0.841344746068543, 0.15865525393145705, 0.9772498680518208, 0.02275013194817921,
               1.0, 0.0, NAN]),
     ("erf", [0.0, -0.0, 0.8427007929497149, -0.8427007929497149, 0.9953222650189527, -0.9953222650189527,
              1.0, -1.0, NAN]),
     ("erfc", [1.0, 1.0, 0.15729920705028513, 1.8427007929497148, 0.004677734981047266, 1.9953222650189528,
               0.0, 2.0, NAN])],
)  # fmt: skip
def test_edge_values_are_pytorchs(name, expected):
    got = getattr(special, name)(_f64(EDGES)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)  # NaN where NaN, infinities exactly
    assert list(np.signbit(got[:2])) == list(np.signbit(np.array(expected[:2])))  # erfinv(-0.0) = -0.0


def test_ndtri_of_one_half_is_plus_zero_as_pytorchs():
    got = special.ndtri(_f64([0.5, 0.25, 0.75])).numpy()
    assert got[0] == 0.0 and not np.signbit(got[0])  # PyTorch 2.13: +0.0 (it was -0.0 here)
    np.testing.assert_allclose(got[1:], [-0.6744897501960817, 0.6744897501960817], rtol=2e-16)


def test_gradients_at_the_edges_are_pytorchs():
    x = autograd.tensor([1.0, -1.0, 0.5], dtype=autograd.float64, requires_grad=True)
    special.erfinv(x).sum().backward()
    slope = math.sqrt(math.pi) / 2 * math.exp(0.4769362762044699**2)
    assert x.grad.tolist()[:2] == [INF, INF] and x.grad.tolist()[2] == pytest.approx(slope, rel=1e-15, abs=0)
    x = autograd.tensor([-40.0, 0.0, 3.0], dtype=autograd.float64, requires_grad=True)
    special.log_ndtr(x).sum().backward()
    at_40 = math.sqrt(2 / math.pi) / _erfcx_continued_fraction(np.array([40 / math.sqrt(2)]))[0]
    at_3 = math.exp(-4.5) / math.sqrt(2 * math.pi) / (1 - 0.5 * math.erfc(3 / math.sqrt(2)))
    phi_over_ndtr = [at_40, math.sqrt(2 / math.pi), at_3]  # PyTorch: 40.025, 0.79788, 4.4378e-3
    np.testing.assert_allclose(x.grad.numpy(), phi_over_ndtr, rtol=1e-14)
    x = autograd.tensor([-40.0, 0.0, 30.0], dtype=autograd.float64, requires_grad=True)
    special.erfcx(x).sum().backward()
    assert x.grad.tolist()[0] == -INF
    slope_at_30 = 60 * 0.01879588886141675 - 2 / math.sqrt(math.pi)  # 2x erfcx(x) - 2/sqrt(pi): -6.2584e-4
    np.testing.assert_allclose(x.grad.numpy()[1:], [-2 / math.sqrt(math.pi), slope_at_30], rtol=1e-12)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", ["erf", "erfc", "erfcx", "ndtr", "log_ndtr"])
def test_gradients_of_the_functions_of_x(name, check_grad, leaf):
    x = leaf(3, 4)  # |x| < 2.5: erfcx(-5) = 1e11 would drown the other elements' differences
    check_grad(getattr(special, name), x)


def test_gradients_in_the_tails(check_grad):
    for x in (-5.0, 6.0, 25.0, 27.0, 40.0):  # one by one: the values span 1e11 to 0.01
        check_grad(special.erfcx, autograd.tensor([x], dtype=autograd.float64, requires_grad=True))
    x = autograd.tensor([-30.0, -8.0, 6.0, 27.0, 40.0], dtype=autograd.float64, requires_grad=True)
    check_grad(special.log_ndtr, x)


def test_gradients_of_the_inverses(check_grad, rng):
    x = autograd.tensor(rng.uniform(-0.95, 0.95, (3, 5)), dtype=autograd.float64, requires_grad=True)
    check_grad(special.erfinv, x)
    p = autograd.tensor(rng.uniform(0.02, 0.98, (3, 5)), dtype=autograd.float64, requires_grad=True)
    check_grad(special.ndtri, p)


def test_backward_is_the_analytic_derivative():
    x = autograd.tensor([-1.5, 0.25, 2.0], dtype=autograd.float64, requires_grad=True)
    special.erf(x).sum().backward()
    expected = [2 / math.sqrt(math.pi) * math.exp(-v * v) for v in (-1.5, 0.25, 2.0)]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)
    x.grad = None
    special.erfc(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-e for e in expected], rtol=1e-15)
    x.grad = None
    special.ndtr(x).sum().backward()
    density = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in (-1.5, 0.25, 2.0)]
    np.testing.assert_allclose(x.grad.numpy(), density, rtol=1e-15)
    p = autograd.tensor([0.1, 0.5, 0.975], dtype=autograd.float64, requires_grad=True)
    y = special.ndtri(p)
    y.sum().backward()
    slope = [math.sqrt(2 * math.pi) * math.exp(v * v / 2) for v in y.tolist()]
    np.testing.assert_allclose(p.grad.numpy(), slope, rtol=1e-15)


# ----------------------------------------------------------------------------- dtypes and arguments
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "erfcx", "ndtr", "ndtri", "log_ndtr"])
def test_float32_stays_float32_and_integers_promote_to_float32(name):
    function = getattr(special, name)
    x = np.linspace(-0.9, 0.9, 19) if name in ("erfinv",) else np.linspace(0.05, 0.95, 19)
    if name not in ("erfinv", "ndtri"):
        x = np.linspace(-5, 5, 19)
    got = function(autograd.tensor(x, dtype=autograd.float32))
    assert got.dtype == autograd.float32
    np.testing.assert_allclose(
        got.numpy(), function(_f64(x.astype(np.float32))).numpy(), rtol=2e-6, atol=1e-30
    )
    assert function(autograd.tensor([0, 1])).dtype == autograd.float32
    assert function(autograd.tensor([True])).dtype == autograd.float32
    assert function(autograd.zeros(2, 0, 3)).shape == (2, 0, 3)


def test_float32_inputs_are_evaluated_in_float64():
    x = autograd.tensor([1 - 2.0**-24, 1e-40], dtype=autograd.float32)  # near 1, and a float32 subnormal
    got = special.erfinv(x).numpy()
    assert (
        got.tolist() == np.array([3.832506856900711, 8.862221487884228e-41], dtype=np.float32).tolist()
    )  # mpmath's, rounded
    deep = special.ndtri(autograd.tensor([1e-38])).item()
    assert deep == pytest.approx(-12.962359339778555, rel=1e-7, abs=0)


def test_non_tensors_are_refused_with_the_op_named():
    with pytest.raises(TypeError, match="erfinv: argument 'input' must be a Tensor, got float"):
        special.erfinv(0.5)
    with pytest.raises(TypeError, match="log_ndtr: argument 'input' must be a Tensor, got list"):
        special.log_ndtr([0.5])
