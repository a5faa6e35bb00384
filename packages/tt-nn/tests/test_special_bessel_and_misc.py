"""``tt_nn.special``'s Bessel functions (i0, i0e, i1, i1e), entr, sinc, xlog1py, aliases, ``tt.special``.

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: the power series of
``I0`` and ``I1`` summed here term by term (300 terms), Hankel's expansion with three
terms far out, Python's ``math`` through list comprehensions, and values pinned from
50-digit mpmath (computed in a scratch script, not imported here). Edge values are
PyTorch 2.13's. Measured accuracy in float64 against mpmath: i0, i1, i0e, i1e 1.6e-15
relative on [-50, 50] and 1.3e-15 on [-713, 713].
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


def _bessel_series(order: int, x: np.ndarray, terms: int = 300) -> np.ndarray:
    """``sum_k (x/2)^(2k + order) / (k! (k + order)!)``, each term from the previous one."""
    z = x * x / 4
    term = (x / 2) ** order / math.factorial(order)
    total = term.copy()
    for k in range(1, terms):
        term = term * z / (k * (k + order))
        total += term
    return total


# ----------------------------------------------------------------------------- Bessel functions
def test_i0_and_i1_match_their_power_series():
    x = np.concatenate([np.linspace(-50, 50, 2001), [1e-300, -1e-300, 29.999, 30.0, 30.001]])
    for order, function in ((0, special.i0), (1, special.i1)):
        expected = _bessel_series(order, x)
        np.testing.assert_allclose(function(_f64(x)).numpy(), expected, rtol=4e-15, atol=0)
    scaled = np.exp(-np.abs(x))
    np.testing.assert_allclose(special.i0e(_f64(x)).numpy(), scaled * _bessel_series(0, x), rtol=3e-15)
    np.testing.assert_allclose(special.i1e(_f64(x)).numpy(), scaled * _bessel_series(1, x), rtol=3e-15)


def test_scaled_forms_follow_hankels_expansion_far_out():
    x = np.geomspace(1e6, 1e300, 60)  # the next terms are below 1e-19 relative
    leading = 1 / np.sqrt(2 * np.pi * x)
    np.testing.assert_allclose(
        special.i0e(_f64(x)).numpy(), leading * (1 + 1 / (8 * x) + 9 / 128 / x / x), rtol=1e-15
    )
    np.testing.assert_allclose(
        special.i1e(_f64(x)).numpy(), leading * (1 - 3 / (8 * x) - 15 / 128 / x / x), rtol=1e-15
    )
    np.testing.assert_allclose(special.i1e(_f64(-x)).numpy(), -special.i1e(_f64(x)).numpy(), rtol=0)


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [("i0", 100.0, 1.0737517071310738e42), ("i1", 100.0, 1.0683693903381625e42),
     ("i0", 700.0, 1.5295933476718737e302), ("i1", 700.0, 1.5285003902339006e302),
     ("i0", 712.0, 2.4684110577627523e307), ("i1", -712.0, -2.4666770135246153e307),
     ("i0e", 1e6, 0.00039894233026924577), ("i1e", 1e6, 0.0003989421307980308),
     ("i0e", -1e300, 3.9894228040143264e-151)],
)  # fmt: skip
def test_bessel_pinned_high_precision_values(name, x, expected):
    assert getattr(special, name)(_f64([x])).item() == pytest.approx(expected, rel=2e-15, abs=0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("i0", [1.0, 1.0, 1.2660658777520082, 1.2660658777520082, NAN, NAN, NAN, INF]),
     ("i0e", [1.0, 1.0, 0.46575960759364043, 0.46575960759364043, 0.0, 0.0, NAN, 0.00039894243000489064]),
     ("i1", [0.0, 0.0, 0.5651591039924851, -0.5651591039924851, NAN, NAN, NAN, -INF]),
     ("i1e", [0.0, 0.0, 0.2079104153497085, -0.2079104153497085, 0.0, -0.0, NAN, -0.0003989422305335261])],
)  # fmt: skip
def test_bessel_edge_values_are_pytorchs(name, expected):
    got = getattr(special, name)(_f64([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, -1e6 + 0.5])).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    assert special.i0(_f64([720.0])).item() == INF  # overflows as PyTorch's does


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_bessel_gradients(name, check_grad, leaf, rng):
    check_grad(getattr(special, name), leaf(3, 4, scale=3.0))
    far = autograd.tensor(rng.uniform(30, 80, (2, 3)) * rng.choice([-1, 1], (2, 3)), dtype=autograd.float64,
                          requires_grad=True)  # fmt: skip
    check_grad(getattr(special, name), far, rtol=1e-5) if name.endswith("e") else None


def test_bessel_derivatives_at_zero_are_pytorchs():
    values = np.array([0.0, 1.0, -2.0])
    x = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    i0, i1, scale = _bessel_series(0, values), _bessel_series(1, values), np.exp(-np.abs(values))
    i1_over_x = np.array([0.5, i1[1] / 1.0, i1[2] / -2.0])  # its limit 1/2 at 0
    sign = np.sign(values)
    expected = {"i0": i1,  # PyTorch's: 0, 0.5652, -1.5906
                "i1": i0 - i1_over_x,  # 0.5, 0.7009, 1.4843
                "i0e": scale * (i1 - sign * i0),  # 0, -0.2578, 0.0932
                "i1e": scale * (i0 - sign * i1) - scale * i1_over_x}  # 0.5, 0.0499, -0.0144  # fmt: skip
    for name, values in expected.items():
        x.grad = None
        getattr(special, name)(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------- entr, sinc, xlog1py
def test_entr_values_edges_and_gradient(check_grad, rng):
    x = np.concatenate([rng.uniform(0, 5, 50), [0.0, -1.0, -0.0, INF, NAN, 1e-300]])
    expected = [-v * math.log(v) if v > 0 else (0.0 if v == 0 else (-INF if v < 0 else NAN)) for v in x]
    expected[-3] = -INF  # -inf * log(inf)
    np.testing.assert_allclose(special.entr(_f64(x)).numpy(), expected, rtol=1e-15, atol=0)
    y = autograd.tensor([-1.0, 0.0, 2.0, INF], dtype=autograd.float64, requires_grad=True)
    special.entr(y).sum().backward()  # -(log x + 1): PyTorch's nan, inf, -1.6931, -inf
    got = y.grad.numpy()
    assert math.isnan(got[0]) and got[1] == INF and got[3] == -INF
    assert got[2] == pytest.approx(-(math.log(2) + 1), rel=1e-15, abs=0)
    check_grad(
        special.entr, autograd.tensor(rng.uniform(0.1, 3, (3, 4)), dtype=autograd.float64, requires_grad=True)
    )


def test_sinc_values_edges_and_gradient(check_grad, leaf):
    x = np.concatenate([np.linspace(-7.3, 7.3, 147), [1e-300, 0.5, 1.0, 2.5]])
    expected = [math.sin(math.pi * v) / (math.pi * v) if v != 0 else 1.0 for v in x]
    np.testing.assert_allclose(special.sinc(_f64(x)).numpy(), expected, rtol=1e-14, atol=1e-16)
    got = special.sinc(_f64([0.0, -0.0, INF, NAN])).numpy()
    assert got[0] == 1.0 and got[1] == 1.0 and np.isnan(got[2:]).all()
    y = autograd.tensor([0.0, 1.0, 2.5, -3.0], dtype=autograd.float64, requires_grad=True)
    special.sinc(y).sum().backward()  # PyTorch's: 0, -1, -0.0509, 0.3333
    np.testing.assert_allclose(
        y.grad.numpy(), [0.0, -1.0, -1 / (2.5**2 * math.pi), 1 / 3], rtol=1e-14, atol=1e-16
    )
    check_grad(special.sinc, leaf(3, 4, scale=2.0))


def test_xlog1py_values_zeros_and_broadcasting(check_grad, rng):
    x, y = rng.uniform(-2, 2, (3, 1)), rng.uniform(-0.9, 3, (1, 4))
    got = special.xlog1py(_f64(x), _f64(y)).numpy()
    np.testing.assert_allclose(got, x * np.vectorize(math.log1p)(y), rtol=1e-15)
    edges = special.xlog1py(_f64([0.0, 0.0, 1.0, 0.0]), _f64([-1.0, NAN, -1.0, -2.0])).numpy()
    assert edges[0] == 0.0 and math.isnan(edges[1]) and edges[2] == -INF and edges[3] == 0.0  # PyTorch's
    a = autograd.tensor(x, dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor(y, dtype=autograd.float64, requires_grad=True)
    check_grad(special.xlog1py, a, b)


def test_xlog1py_gradients_at_zero_are_pytorchs():
    x = autograd.tensor([0.0, 0.0, 0.0, 1.0, 2.0, 0.0], dtype=autograd.float64, requires_grad=True)
    y = autograd.tensor([-1.0, -2.0, 0.5, -1.0, 3.0, -0.5], dtype=autograd.float64, requires_grad=True)
    special.xlog1py(x, y).sum().backward()
    expected = [0.0, 0.0, math.log1p(0.5), -INF, math.log1p(3), math.log1p(-0.5)]  # 0 only where y <= -1
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)
    got = y.grad.numpy()  # x / (1 + y): PyTorch's nan, -0, 0, inf, 0.5
    assert math.isnan(got[0]) and got[1] == 0.0 and got[2] == 0.0 and got[3] == INF and got[4] == 0.5


def test_xlog1py_takes_a_number_on_either_side_and_promotes_like_pytorch():
    t32 = autograd.tensor([1.0])
    assert (
        special.xlog1py(2.0, t32).item() == pytest.approx(2 * math.log(2))
        and special.xlog1py(2, t32).dtype == autograd.float32
    )
    assert special.xlog1py(t32, 2.0).item() == pytest.approx(math.log(3))
    assert special.xlog1py(_f64([1.0]), t32).dtype == autograd.float64
    assert special.xlog1py(autograd.tensor([1, 2]), autograd.tensor([1, 2])).dtype == autograd.float32
    leaf = autograd.tensor([0.5, 2.0], requires_grad=True)
    special.xlog1py(3.0, leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [2.0, 1.0], rtol=1e-6)
    with pytest.raises(
        TypeError, match="xlog1py: at least one argument must be a Tensor, got float and float"
    ):
        special.xlog1py(1.0, 2.0)
    with pytest.raises(TypeError, match="xlog1py: 'other' must be a Tensor or a number, got str"):
        special.xlog1py(t32, "2")


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e", "entr", "sinc"])
def test_float32_stays_float32_and_integers_promote(name):
    function = getattr(special, name)
    x = np.linspace(-40, 40, 81).astype(np.float32)
    if name == "entr":
        x = np.abs(x)
    got = function(autograd.tensor(x))
    assert got.dtype == autograd.float32
    # (sinc is evaluated in float32, as PyTorch's: at its zeros sin(pi x) leaves ~1e-8)
    np.testing.assert_allclose(
        got.numpy(), function(_f64(x)).numpy(), rtol=2e-7, atol=1e-7 if name == "sinc" else 0
    )
    assert function(autograd.tensor([1, 2])).dtype == autograd.float32


# ----------------------------------------------------------------------------- names
def test_torch_special_names_and_aliases():
    assert special.gammaln is special.lgamma and special.psi is special.digamma
    assert special.multigammaln is special.mvlgamma
    assert (
        special.expit is autograd.sigmoid
        and special.logit is autograd.logit
        and special.xlogy is autograd.xlogy
    )
    x = autograd.tensor([0.3, -1.2])
    np.testing.assert_allclose(special.expit(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    values = autograd.tensor([2.5, 1.567, -15.0, 25.0, 0.125], dtype=autograd.float64)  # PyTorch's results:
    assert special.round(values, decimals=1).tolist() == [2.5, 1.6, -15.0, 25.0, 0.1]
    assert special.round(values, decimals=-1).tolist() == [0.0, 0.0, -20.0, 20.0, 0.0]
    assert special.round(autograd.tensor([1234.5, -151.0], dtype=autograd.float64), decimals=-2).tolist() == [
        1200.0,
        -200.0,
    ]
    assert special.round(values, decimals=2).tolist() == [2.5, 1.57, -15.0, 25.0, 0.12]
    assert special.round(values).tolist() == [2.0, 2.0, -15.0, 25.0, 0.0]
    # x * 10^d, not x / 10^-d, for d > 0 (as PyTorch): 3 * 0.1 would give 0.30000000000000004
    assert special.round(autograd.tensor([0.3], dtype=autograd.float64), decimals=1).item() == 0.3
    assert special.round(autograd.tensor([1, 2])).tolist() == [1, 2]
    with pytest.raises(
        NotImplementedError, match="round: decimals=1 needs a floating-point tensor, got dtype int64"
    ):
        special.round(autograd.tensor([1, 2]), decimals=1)
    with pytest.raises(TypeError, match="round: decimals must be an int, got float"):
        special.round(values, decimals=1.0)
    assert special.softmax(x, 0).tolist() == pytest.approx(np.exp(x.numpy()) / np.exp(x.numpy()).sum())
    assert special.log_softmax(x, dim=0).tolist() == pytest.approx(np.log(special.softmax(x, 0).numpy()))
    assert special.logsumexp(x, 0).item() == pytest.approx(np.log(np.exp(x.numpy()).sum()))
    assert special.exp2(x).tolist() == pytest.approx(2.0 ** x.numpy())
    assert special.expm1(x).tolist() == pytest.approx(np.expm1(x.numpy()))
    assert special.log1p(x[:1]).tolist() == pytest.approx(np.log1p(x.numpy()[:1]))
    assert sorted(special.__all__) == special.__all__


def test_the_meta_package_exposes_torch_special_and_the_top_level_names():
    import tinytorch  # here, not at the top: the other tests need tt-nn only (and run faster without it)

    assert tinytorch.special.erfinv.__wrapped__ is special.erfinv  # (wrapped for PyTorch's out=)
    assert tinytorch.special.__all__ == special.__all__
    for name in ("erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc"):
        top = getattr(tinytorch, name)  # (wrapped to take PyTorch's out=: tinytorch/out_argument.py)
        assert getattr(top, "__wrapped__", top) is getattr(special, name)
    assert tinytorch.logit.__wrapped__ is autograd.logit and tinytorch.xlogy.__wrapped__ is autograd.xlogy
    with pytest.raises(AttributeError, match=r"^torch\.special\.airy_ai is not part of TinyTorch"):
        tinytorch.special.airy_ai  # noqa: B018
    with pytest.raises(AttributeError, match=r"did you mean torch\.special\.erfinv"):
        tinytorch.special.erfinvv  # noqa: B018
    x = tinytorch.tensor([0.5], requires_grad=True)
    tinytorch.lgamma(x).sum().backward()
    assert x.grad.item() == pytest.approx(-1.9635100260214235, rel=1e-6, abs=0)
