"""``tt_nn.special.gammainc`` / ``gammaincc`` (``tt.igamma`` / ``tt.igammac``): values, edges, gradient.

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: for integer ``a`` the finite
sums ``Q(n, x) = e^-x sum_k<n x^k / k!`` and ``P(n, x) = e^-x sum_k>=n x^k / k!`` (terms from
``math.lgamma``), for ``a = 1/2`` ``math.erf``/``math.erfc`` of ``sqrt(x)``, and values pinned from
60-digit mpmath (a scratch script, not imported here) on both sides of the branch point
``x = a + 1``. Edge values are PyTorch 2.13's.
"""

from __future__ import annotations

import decimal
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import special
from tt_nn.special.incomplete_gamma import incomplete_gamma_expansion

import tinytorch as tt

INF, NAN = math.inf, math.nan


def _f64(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=autograd.float64)


def _poisson_sums(n: int, x: float) -> tuple[float, float]:
    """``(P(n, x), Q(n, x))`` as sums of Poisson probabilities ``e^-x x^k / k!``, in 40-digit decimals."""
    with decimal.localcontext(prec=40):
        z = decimal.Decimal(x)
        term, upper, lower = decimal.Decimal(1), decimal.Decimal(0), decimal.Decimal(0)
        for k in range(n + 700):  # x <= 150: the terms beyond are below 1e-60 of the sum
            if k < n:
                upper += term
            else:
                lower += term
            term = term * z / (k + 1)
        scale = (-z).exp()
        return float(lower * scale), float(upper * scale)


def _assert_close(actual: np.ndarray, expected) -> None:
    """Relative error within ``2e-14 (1 + |log expected|)``: a value ``e^-200`` carries an exponent
    whose float64 rounding alone is ``200 * 1.1e-16`` relative (the documented accuracy)."""
    expected = np.asarray(expected)
    tolerance = 2e-14 * (1 + np.abs(np.log(expected)))
    np.testing.assert_array_less(np.abs(actual - expected), tolerance * expected + 1e-300)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 21, 40])
def test_integer_a_matches_the_poisson_sums(n):
    x = np.concatenate([np.geomspace(1e-3, 150, 80), [n - 0.5, n + 0.999, n + 1.0, n + 1.001]])
    lower, upper = zip(*(_poisson_sums(n, v) for v in x))
    a = _f64(np.full_like(x, n))
    _assert_close(special.gammainc(a, _f64(x)).numpy(), lower)
    _assert_close(special.gammaincc(a, _f64(x)).numpy(), upper)


def test_half_a_is_the_error_function():
    x = np.concatenate([np.geomspace(1e-6, 30, 60), [1.4999, 1.5, 1.5001]])
    root = np.sqrt(x)
    half = _f64(np.full_like(x, 0.5))
    np.testing.assert_allclose(
        special.gammainc(half, _f64(x)).numpy(), [math.erf(r) for r in root], rtol=3e-15
    )
    np.testing.assert_allclose(
        special.gammaincc(half, _f64(x)).numpy(), [math.erfc(r) for r in root], rtol=3e-14
    )


@pytest.mark.parametrize(
    ("a", "x", "lower", "upper"),
    [(0.001, 0.0001, 0.9914031196674433, 0.008596880332556643),
     (0.001, 2.0, 0.999951023082169, 4.897691783098148e-05),
     (0.3, 0.05, 0.4484368621065928, 0.5515631378934073),
     (0.3, 1.2999, 0.9447996542365062, 0.055200345763493724),
     (0.3, 1.3001, 0.9448148173296289, 0.055185182670371105),
     (0.3, 30.0, 0.9999999999999972, 2.8285793848940106e-15),
     (7.5, 3.0, 0.020252253282186636, 0.9797477467178134),
     (7.5, 8.4999, 0.6811236383739381, 0.3188763616260619),
     (7.5, 8.5001, 0.681147550440114, 0.318852449559886),
     (7.5, 20.0, 0.9995465018648978, 0.00045349813510223456),
     (15.3, 15.3, 0.5340077225619878, 0.4659922774380122),
     (15.3, 40.0, 0.9999973007447279, 2.699255272123785e-06),
     (120.7, 100.0, 0.024229808473714132, 0.9757701915262859),
     (120.7, 121.7, 0.5481931557422132, 0.45180684425778683),
     (120.7, 150.0, 0.9939139790085328, 0.006086020991467101),
     (2500.0, 2400.0, 0.02165968786536333, 0.9783403121346367),
     (2500.0, 2501.0, 0.5106360738604837, 0.48936392613951624),
     (2500.0, 2600.0, 0.9761810019792594, 0.023818998020740653),
     (10000.0, 9900.0, 0.15865119219356466, 0.8413488078064354),
     (10000.0, 10100.0, 0.8413487504471796, 0.15865124955282037),
     (35.0, 0.0001, 9.67665212730962e-181, 1.0),
     (3.0, 700.0, 1.0, 2.4225323864783197e-299)],
)  # fmt: skip
def test_pinned_mpmath_values(a, x, lower, upper):
    assert special.gammainc(_f64([a]), _f64([x])).item() == pytest.approx(lower, rel=1e-14, abs=0)
    assert special.gammaincc(_f64([a]), _f64([x])).item() == pytest.approx(upper, rel=1e-13, abs=0)


def test_expansions_and_their_a_derivatives_match_mpmath():
    # The series S (x < a + 1) and the fraction h: P = x^a e^-x S / Gamma(a + 1), Q = x^a e^-x h / Gamma(a).
    # 40-digit mpmath of S = a gamma(a, x) x^-a e^x and h = Gamma(a, x) x^-a e^x, derivatives by mpmath.diff
    # (h(2, 3.5) = 4.5 / 3.5^2). Small x: S' is tiny beside S; integer a: the fraction ends, its derivative
    # does not.
    a = np.array([1.0, 0.5, 7.5, 2.0, 3.0, 0.25])
    x = np.array([1e-4, 3e-4, 2.0, 3.5, 4.01, 30.0])
    value = [1.0000500016667084, 1.0002000240020572, 1.2962136024150235, 0.3673469387755102,
             0.40477068657576654, 0.0325446377680097]  # fmt: skip
    slope = [-2.500138893402885e-05, -0.0001333589361155901, -0.04254327892144717, 0.1004750474773886,
             0.11510052508543558, 0.0010274165370086628]  # fmt: skip
    series, got_value, got_slope = incomplete_gamma_expansion(a, x, derivative=True)
    np.testing.assert_array_equal(series, [True, True, True, False, False, False])
    np.testing.assert_allclose(got_value, value, rtol=3e-15)
    np.testing.assert_allclose(got_slope, slope, rtol=3e-15)
    _, got_value, no_slope = incomplete_gamma_expansion(a, x)
    np.testing.assert_allclose(got_value, value, rtol=3e-15)
    assert no_slope is None
    # large a, x well below it: S' (here -1.6e-3 S) must be tested for convergence on its own
    _, got_value, got_slope = incomplete_gamma_expansion(np.array([3000.0]), np.array([2500.0]), True)
    expected = [5.941824725539637, -0.009677065927941141]  # mpmath, as above
    np.testing.assert_allclose([*got_value, *got_slope], expected, rtol=1e-14)


def test_each_element_stops_on_its_own():
    """An element's expansion does not depend on the other elements of the call, which converge later."""
    a = np.array([2.5, 2.5, *[3000.0] * 6])
    x = np.array([1.0, 9.0, *[2990.0] * 3, *[3010.0] * 3])
    for derivative in (False, True):
        _, value, slope = incomplete_gamma_expansion(a, x, derivative)
        for i in (0, 1):
            _, alone, alone_slope = incomplete_gamma_expansion(a[i : i + 1], x[i : i + 1], derivative)
            assert value[i] == alone[0] and (slope is None or slope[i] == alone_slope[0])


def test_pytorch_edge_values():
    a = [0.0, 0.0, 0.0, 1.0, 1.0, -1.0, 1.0, INF, INF, 2.0, NAN, 1.0, 0.0, -0.0, 2.0, INF]
    x = [0.0, 1.0, INF, 0.0, INF, 1.0, -1.0, 1.0, INF, NAN, 1.0, -0.0, -1.0, 1.0, 1e300, 0.0]
    lower = [NAN, 1.0, 1.0, 0.0, 1.0, NAN, NAN, 0.0, NAN, NAN, NAN, 0.0, NAN, 1.0, 1.0, 0.0]
    np.testing.assert_array_equal(special.gammainc(_f64(a), _f64(x)).numpy(), lower)
    np.testing.assert_array_equal(special.gammaincc(_f64(a), _f64(x)).numpy(), 1.0 - np.array(lower))


def test_dtype_broadcasting_and_promotion():
    a = autograd.tensor([[0.5], [2.0], [9.0]])
    x = autograd.tensor([0.1, 1.0, 3.0, 12.0])
    out = special.gammainc(a, x)
    assert out.dtype == autograd.float32 and out.shape == (3, 4)
    wide = special.gammainc(
        _f64(np.broadcast_to([[0.5], [2.0], [9.0]], (3, 4))), _f64(np.broadcast_to(x.numpy(), (3, 4)))
    )
    np.testing.assert_allclose(out.numpy(), wide.numpy(), rtol=1e-6)
    assert special.gammaincc(a, _f64([1.0])).dtype == autograd.float64
    assert special.gammainc(autograd.tensor([2, 3]), autograd.tensor([1, 2])).dtype == autograd.float32


def test_gradient_with_respect_to_x(check_grad, rng):
    a = _f64(rng.uniform(0.5, 6.0, size=(3, 1)))
    x = autograd.tensor(rng.uniform(0.2, 9.0, size=(2, 3, 4)), dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: special.gammainc(a, t), x)
    check_grad(lambda t: special.gammaincc(a, t), x)
    big = _f64([[40.0], [300.0]])
    near = autograd.tensor([[38.0, 42.0], [290.0, 310.0]], dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: special.gammainc(big, t), near)


def test_gradient_is_the_gamma_density():
    a = _f64([0.5, 2.0, 30.0, 2.0, 0.0, 1.0])
    x = autograd.tensor([0.3, 1.5, 29.0, 1e300, 1.0, 0.0], dtype=autograd.float64, requires_grad=True)
    special.gammainc(a, x).sum().backward()
    density = [math.exp(-0.5 * math.log(0.3) - 0.3 - math.lgamma(0.5)), 1.5 * math.exp(-1.5),
               math.exp(29 * math.log(29.0) - 29 - math.lgamma(30.0)), 0.0, 0.0, NAN]  # fmt: skip
    np.testing.assert_allclose(x.grad.numpy(), density, rtol=3e-14)
    x.grad = None
    special.gammaincc(a, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.array(density), rtol=3e-14)


def test_gradient_with_respect_to_a_is_not_implemented():
    a = autograd.tensor([2.0], requires_grad=True)
    for function in (special.gammainc, special.gammaincc):
        out = function(a, autograd.tensor([1.5]))
        with pytest.raises(NotImplementedError, match=r"with respect to 'input' \(a\) is not implemented"):
            out.sum().backward()


def test_bad_arguments_and_names():
    with pytest.raises(TypeError, match="gammainc"):
        special.gammainc(2.0, autograd.tensor([1.0]))
    with pytest.raises(TypeError, match="gammaincc"):
        special.gammaincc(autograd.tensor([1.0]), "x")
    assert tt.igamma.__wrapped__ is special.gammainc and tt.igammac.__wrapped__ is special.gammaincc  # (out=)
    assert tt.special.gammainc.__wrapped__ is special.gammainc  # (wrapped for out=)
    assert tt.special.gammaincc.__wrapped__ is special.gammaincc


def test_the_gradient_in_x_keeps_full_precision_for_large_a():
    """The density through the Stirling prefactor (exp((a-1) log x - x - lgamma(a)) is ~1e-11 off)."""
    a = autograd.tensor([1e4, 2500.5], dtype=autograd.float64)
    x = autograd.tensor([1e4, 2450.25], dtype=autograd.float64, requires_grad=True)
    special.gammainc(a, x).sum().backward()
    mpmath_40_digits = [0.0039893895589628256487, 0.0048801769300330208631]  # x^(a-1) e^-x / Gamma(a)
    np.testing.assert_allclose(x.grad.numpy(), mpmath_40_digits, rtol=1e-14)


def test_gradient_at_zero_and_infinity_is_pytorchs():
    # PyTorch 2.13: gammainc(a, x).sum().backward() at these points
    a = _f64([0.5, 2.0, 0.5, 2.0, 0.0, 3.0])
    x = autograd.tensor([0.0, 0.0, np.inf, np.inf, 2.0, np.inf], dtype=autograd.float64, requires_grad=True)
    special.gammainc(a, x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [np.inf, 0.0, 0.0, NAN, 0.0, NAN])
