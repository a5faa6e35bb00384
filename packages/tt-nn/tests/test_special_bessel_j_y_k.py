"""``tt_nn.special``'s Bessel ``j0``, ``j1``, ``y0``, ``y1``, ``k0``, ``k1`` (and scaled),
``modified_bessel_i0``, ``i1``, ``spherical_bessel_j0``: values on every range of their piecewise
expansions, edges, no gradient.

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: Bessel's integral
``J_n(x) = 1/pi int_0^pi cos(n t - x sin t) dt`` (periodic: the trapezoidal rule with 512 nodes is
exact to rounding for ``|x| <= 200``), the Wronskians ``J1 Y0 - J0 Y1 = 2 / (pi x)`` and
``I0 K1 + I1 K0 = 1 / x`` (``I`` from tt's differentiable ``i0``/``i1``), ``K_n(x) = int_0^inf exp(-x cosh t)
cosh(n t) dt`` (trapezoidal rule, step 1/200), Python's ``math.sin``, and values pinned from 40-digit
mpmath (a scratch script, not imported here). Edge values are PyTorch 2.13's. Measured
accuracy in float64 against mpmath: j, y 3e-16 of ``max(1, |value|)`` on ``[-1000, 1000]`` (PyTorch's
own are 4e-7 off there); k 1.2e-15 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import special

import tinytorch as tt

INF, NAN = math.inf, math.nan
POINTS = [1e-5, 0.5, 1.9, 2.0, 3.7, 10.0, 24.9, 25.0, 60.0, 1000.0]  # every range and both sides of 2 and 25
PINNED = {
    "bessel_j0": [0.999999999975, 0.9384698072408129, 0.28181855937438555, 0.22389077914123567,
                  -0.39923020337119114, -0.24593576445134835, 0.0832459683530155, 0.09626678327595811,
                  -0.09147180408906187, 0.024786686152420176],
    "bessel_y0": [-7.40316028370197, -0.44451873350670656, 0.4968199712838202, 0.5103756726497451,
                  0.1060743153203541, 0.055671167283599395, -0.13649918399676522, -0.12724943226800614,
                  0.0473589522094494, 0.0047159179776228135],
    "bessel_j1": [4.9999999999375e-06, 0.2422684576748739, 0.5811570727134341, 0.5767248077568734,
                  0.05383398774546179, 0.04347274616886144, -0.13485569953140886, -0.1253502495802899,
                  0.046598383758166315, 0.004728311907089524],
    "bessel_y1": [-63661.97727536548, -1.471472392670243, -0.1644057723315953, -0.10703243154093754,
                  0.41667437268380747, 0.24901542420695388, -0.08600255759555425, -0.09882996478323741,
                  0.09186960936986689, -0.024784331292351778],
}  # fmt: skip
K_POINTS = [1e-5, 0.5, 1.0, 1.01, 5.0, 24.9, 25.0, 100.0, 700.0]  # both sides of 1 and 25
K_PINNED = {
    "modified_bessel_k0": [11.628856980944363, 0.9244190712276659, 0.42102443824070834, 0.415056144085075,
                           0.0036910983340425942, 3.836096520989492e-12, 3.4641615622131143e-12,
                           4.656628229175902e-45, 4.669776431685377e-306],
    "scaled_modified_bessel_k0": [11.628973270095617, 1.5241093857739094, 1.144463079806895,
                                  1.1395785704889894, 0.547807564313519, 0.24993215015402473,
                                  0.2494366045755967, 0.12517562165912657, 0.04736236945461357],
    "modified_bessel_k1": [99999.99993935571, 1.656441120003301, 0.6019072301972346, 0.5917881779729701,
                           0.004044613445452165, 3.912382436256763e-12, 3.5327780731999337e-12,
                           4.6798537356369095e-45, 4.6731107967079664e-306],
    "scaled_modified_bessel_k1": [100000.99994435512, 2.731009708211786, 1.6361534862632583,
                                  1.6248142221175983, 0.6002738587883126, 0.25490238558081707,
                                  0.25437732954208525, 0.12579995047957854, 0.04739618765349454],
}  # fmt: skip


def _f64(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=autograd.float64)


def _bessel_integral(order: int, x: np.ndarray, nodes: int = 512) -> np.ndarray:
    """``1/pi int_0^pi cos(order t - x sin t) dt``: the integrand's mean over a full period."""
    t = np.arange(nodes) * (2 * np.pi / nodes)
    return np.cos(order * t - np.multiply.outer(x, np.sin(t))).mean(axis=-1)


@pytest.mark.parametrize("name", list(PINNED))
def test_pinned_mpmath_values_on_every_range(name):
    values = getattr(special, name)(_f64(POINTS)).numpy()
    expected = np.array(PINNED[name])
    np.testing.assert_array_less(np.abs(values - expected), 4e-16 * np.maximum(1, np.abs(expected)))
    small = np.array(POINTS) < 2  # the power series: relative accuracy
    np.testing.assert_allclose(values[small], expected[small], rtol=4e-16)


def test_first_kind_matches_bessels_integral():
    x = np.concatenate([np.linspace(-60, 60, 1201), [1.999999, 2.0, 24.999999, 25.0, -25.0, 150.0, -199.5]])
    for order, function in ((0, special.bessel_j0), (1, special.bessel_j1)):
        np.testing.assert_allclose(function(_f64(x)).numpy(), _bessel_integral(order, x), rtol=0, atol=2e-15)


def test_second_kind_satisfies_the_wronskian():
    x = np.concatenate([np.geomspace(1e-3, 2, 40), np.linspace(2, 30, 400), np.geomspace(30, 1e4, 40)])
    j0, j1 = special.bessel_j0(_f64(x)).numpy(), special.bessel_j1(_f64(x)).numpy()
    y0, y1 = special.bessel_y0(_f64(x)).numpy(), special.bessel_y1(_f64(x)).numpy()
    np.testing.assert_allclose((j1 * y0 - j0 * y1) * x * np.pi / 2, 1.0, rtol=2e-15)


def test_large_arguments_follow_the_leading_asymptotics():
    x = np.geomspace(1e17, 1e300, 30)  # the next terms are below 1e-17 relative
    amplitude = np.sqrt(1 / (np.pi * x))  # sqrt(2 / (pi x)) / sqrt(2)
    j0 = amplitude * (np.cos(x) + np.sin(x))  # sqrt(2 / (pi x)) cos(x - pi/4)
    y0 = amplitude * (np.sin(x) - np.cos(x))  # sqrt(2 / (pi x)) sin(x - pi/4)
    np.testing.assert_array_less(np.abs(special.bessel_j0(_f64(x)).numpy() - j0), 1e-15 * amplitude)
    np.testing.assert_array_less(np.abs(special.bessel_y0(_f64(x)).numpy() - y0), 1e-15 * amplitude)
    np.testing.assert_array_less(np.abs(special.bessel_j1(_f64(x)).numpy() - y0), 1e-15 * amplitude)
    np.testing.assert_array_less(np.abs(special.bessel_y1(_f64(x)).numpy() + j0), 1e-15 * amplitude)


@pytest.mark.parametrize("name", list(K_PINNED))
def test_k_pinned_mpmath_values_on_every_range(name):
    values = getattr(special, name)(_f64(K_POINTS)).numpy()
    np.testing.assert_allclose(values, K_PINNED[name], rtol=1.5e-15)


def test_k_matches_its_integral_and_the_wronskian():
    x = np.concatenate([np.geomspace(1e-3, 1, 20), np.linspace(1.0, 30.0, 300)])
    t = np.arange(0, 2400) / 200  # exp(-x cosh t) negligible beyond t = 12 for x >= 1e-3
    weights = np.full(t.shape, 1 / 200)
    weights[0] /= 2
    pairs = ((special.modified_bessel_k0, special.scaled_modified_bessel_k0),
             (special.modified_bessel_k1, special.scaled_modified_bessel_k1))  # fmt: skip
    for order, (function, scaled) in enumerate(pairs):
        integrand = np.exp(-np.multiply.outer(x, np.cosh(t) - 1)) * np.cosh(order * t)
        expected = integrand @ weights  # exp(x) K(x)
        big = x >= 0.3  # below, the integrand's tail beyond t = 12 matters
        np.testing.assert_allclose(scaled(_f64(x)).numpy()[big], expected[big], rtol=2e-15)
        np.testing.assert_allclose(function(_f64(x)).numpy()[big], (expected * np.exp(-x))[big], rtol=2e-15)
    x = np.geomspace(1e-5, 700, 300)
    i0, i1 = special.i0(_f64(x)).numpy(), special.i1(_f64(x)).numpy()
    k0, k1 = special.modified_bessel_k0(_f64(x)).numpy(), special.modified_bessel_k1(_f64(x)).numpy()
    np.testing.assert_allclose((i0 * k1 + i1 * k0) * x, 1.0, rtol=3e-15)


def test_modified_i_are_the_i0_and_i1_values():
    x = np.linspace(-50, 50, 201)
    np.testing.assert_array_equal(special.modified_bessel_i0(_f64(x)).numpy(), special.i0(_f64(x)).numpy())
    np.testing.assert_array_equal(special.modified_bessel_i1(_f64(x)).numpy(), special.i1(_f64(x)).numpy())


def test_spherical_bessel_j0_is_sin_x_over_x():
    x = np.concatenate([np.linspace(-30, 30, 601), [1e-300, 1e300]])
    expected = [1.0 if v == 0 else math.sin(v) / v for v in x]
    np.testing.assert_allclose(special.spherical_bessel_j0(_f64(x)).numpy(), expected, rtol=1e-15)


EDGES = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 1e-300, -2.0, 1000.0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("bessel_j0", [1.0, 1.0, 0.7651976865579666, 0.7651976865579666, NAN, NAN, NAN, 1.0, 0.22389077914123567,
                    0.024786686152420176]),
     ("bessel_j1", [0.0, -0.0, 0.44005058574493355, -0.44005058574493355, NAN, NAN, NAN, 5e-301,
                    -0.5767248077568734, 0.004728311907089524]),
     ("bessel_y0", [-INF, -INF, 0.08825696421567697, NAN, NAN, NAN, NAN, -439.8351636227653, NAN,
                    0.0047159179776228135]),
     ("bessel_y1", [-INF, -INF, -0.7812128213002887, NAN, NAN, NAN, NAN, -6.366197723675814e299, NAN,
                    -0.024784331292351778]),
     ("modified_bessel_k0", [INF, INF, 0.42102443824070834, NAN, 0.0, NAN, NAN, 690.8914594138721, NAN, 0.0]),
     ("modified_bessel_k1", [INF, INF, 0.6019072301972346, NAN, 0.0, NAN, NAN, 1e300, NAN, 0.0]),
     ("scaled_modified_bessel_k0", [INF, INF, 1.144463079806895, NAN, 0.0, NAN, NAN, 690.8914594138721, NAN,
                                    0.03962832160075422]),
     ("scaled_modified_bessel_k1", [INF, INF, 1.6361534862632583, NAN, 0.0, NAN, NAN, 1e300, NAN,
                                    0.03964813081296021]),
     ("modified_bessel_i0", [1.0, 1.0, 1.2660658777520082, 1.2660658777520082, NAN, NAN, NAN, 1.0,
                             2.2795853023360673, INF]),
     ("spherical_bessel_j0", [1.0, 1.0, 0.8414709848078965, 0.8414709848078965, 0.0, 0.0, NAN, 1.0,
                              0.45464871341284085, 0.0008268795405320025])],
)  # fmt: skip
def test_pytorch_edge_values(name, expected):
    values = getattr(special, name)(_f64(EDGES)).numpy()
    np.testing.assert_allclose(values, expected, rtol=4e-16, atol=0)
    assert np.array_equal(np.signbit(values[:2]), np.signbit(expected[:2]))  # J1(-0.0) is -0.0


NAMES = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
         "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
         "spherical_bessel_j0"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_dtype_shape_no_gradient_and_exports(name):
    function = getattr(special, name)
    x = autograd.tensor([[0.5, 3.0, 30.0]], requires_grad=True)
    out = function(x)
    assert out.dtype == autograd.float32 and out.shape == (1, 3) and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), function(_f64(x.detach().numpy())).numpy(), rtol=1e-6)
    assert function(autograd.tensor([1, 2])).dtype == autograd.float32
    with pytest.raises(TypeError, match=name):
        function([1.0])
    assert getattr(tt.special, name).__wrapped__ is function  # (wrapped for PyTorch's out=)
