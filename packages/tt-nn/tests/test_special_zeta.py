"""``tt_nn.special.zeta`` (Hurwitz's zeta): values, PyTorch's domain and edges, gradient in ``q``.

Not course material (outside module 03's solution regions), so no module number.
References are float64 and independent of the code under test: Euler's closed forms
``zeta(2k) = |B_2k| (2 pi)^2k / (2 (2k)!)``, ``zeta(x, 1/2) = (2^x - 1) zeta(x)``, the recurrence
``zeta(x, q) = q^-x + zeta(x, q + 1)``, a direct sum of 4000 terms (``math.fsum``) with the
integral of the rest, and values pinned from 50-digit mpmath (a scratch script, not imported
here). Edge values are PyTorch 2.13's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import special

import tinytorch as tt

INF, NAN = math.inf, math.nan


def _f64(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=autograd.float64)


def _direct_sum(x: float, q: float, terms: int = 4000) -> float:
    """``sum_k<terms (q + k)^-x`` + ``y^(1-x)/(x-1) + y^-x/2 + x y^(-x-1)/12`` (``y = q + terms``)."""
    y = q + terms
    rest = y ** (1 - x) / (x - 1) + 0.5 * y**-x + x * y ** (-x - 1) / 12
    return math.fsum([(q + k) ** -x for k in range(terms)] + [rest])


def test_riemann_zeta_at_even_integers_and_halves():
    closed = {2: math.pi**2 / 6, 4: math.pi**4 / 90, 6: math.pi**6 / 945, 8: math.pi**8 / 9450,
              10: math.pi**10 / 93555}  # fmt: skip
    x = _f64(list(closed))
    np.testing.assert_allclose(special.zeta(x, 1.0).numpy(), list(closed.values()), rtol=1e-15)
    halves = [(2.0**k - 1) * value for k, value in closed.items()]
    np.testing.assert_allclose(special.zeta(x, 0.5).numpy(), halves, rtol=1e-15)


def test_matches_a_direct_sum(rng):
    x = np.concatenate([rng.uniform(1.05, 4.0, 40), rng.uniform(4.0, 60.0, 20)])
    q = np.concatenate([np.geomspace(1e-2, 1e3, 40), np.geomspace(0.5, 50.0, 20)])
    expected = [_direct_sum(a, b) for a, b in zip(x, q)]
    np.testing.assert_allclose(special.zeta(_f64(x), _f64(q)).numpy(), expected, rtol=2e-15)


def test_recurrence_in_q_across_the_shift_point(rng):
    x = rng.uniform(1.1, 20.0, 200)
    q = rng.uniform(0.01, 12.0, 200)  # q and q + 1 on both sides of the head length 9 - q
    value, shifted = special.zeta(_f64(x), _f64(q)).numpy(), special.zeta(_f64(x), _f64(q + 1)).numpy()
    np.testing.assert_allclose(value, q**-x + shifted, rtol=2e-15)


@pytest.mark.parametrize(
    ("x", "q", "expected"),
    [(1.00000001, 1.0, 100000001.18496276), (1.001, 0.3, 1003.5065062289976), (1.5, 1.0, 2.612375348685488),
     (2.0, -1.5, 9.379246644989124), (4.0, -7.25, 259.75686586723407), (5.0, -0.5, 0.14476040944446772),
     (2.5, 0.001, 31622777.94035882), (7.0, 0.999, 1.0154059594044187), (30.0, 0.9, 23.589824880264747),
     (1.2, 5000.0, 0.9103003078832966), (3.3, 123.4, 6.796631759781682e-06)],
)  # fmt: skip
def test_pinned_mpmath_values(x, q, expected):
    assert special.zeta(_f64([x]), _f64([q])).item() == pytest.approx(expected, rel=2e-15, abs=0)


def test_negative_q_with_odd_x_cancels_to_the_largest_term():
    # (-2.5)^-3 + (-1.5)^-3 + (-0.5)^-3 + 0.5^-3 + ...: terms of size 8 cancel to 0.054
    assert special.zeta(_f64([3.0]), _f64([-2.5])).item() == pytest.approx(0.0541020258208637, abs=8e-15)


def test_pytorch_domain_and_edge_values():
    x = [1.0, 1.0, 0.5, -INF, 1.5, 2.0, 2.0, 1.5, 2.0, NAN, NAN, INF, INF, INF, INF, INF, 2.0, 2.0, 3.0, 50.0]
    q = [1.0, NAN, 1.0, 2.0, -1.5, -1.0, -0.0, 0.0, -INF, -1.0, 2.0, 1.0, 2.0, 0.5, -1.5, INF, INF, 1e-300,
         -2.5, 2.0]  # fmt: skip
    expected = [INF, INF, NAN, NAN, NAN, INF, INF, INF, INF, INF, NAN, 1.0, NAN, INF, INF, NAN, NAN, INF,
                0.0541020258208641, 8.881784210930816e-16]  # fmt: skip
    np.testing.assert_allclose(special.zeta(_f64(x), _f64(q)).numpy(), expected, rtol=1e-13)
    # q^-x underflows, the sum does not: we keep the value (PyTorch returns 0)
    assert special.zeta(_f64([1.5]), _f64([1e300])).item() == pytest.approx(2e-150, rel=1e-15)


def test_numbers_dtype_and_broadcasting():
    out = special.zeta(autograd.tensor([[2.0], [3.0]]), autograd.tensor([1.0, 2.0, 0.5]))
    assert out.dtype == autograd.float32 and out.shape == (2, 3)
    np.testing.assert_allclose(
        out.numpy(), [[1.6449340668, 0.6449340668, 4.934802200], [1.2020569032, 0.2020569032, 8.4143983221]],
        rtol=1e-6,
    )  # fmt: skip
    assert special.zeta(2, autograd.tensor([1.0])).dtype == autograd.float32
    assert special.zeta(autograd.tensor([2.0]), 1).item() == pytest.approx(math.pi**2 / 6, rel=1e-7)
    assert special.zeta(_f64([2.0]), autograd.tensor([1.0])).dtype == autograd.float64
    assert special.zeta(autograd.tensor([2, 3]), autograd.tensor([1, 2])).dtype == autograd.float32
    with pytest.raises(TypeError, match="zeta: at least one argument must be a Tensor"):
        special.zeta(2.0, 1.0)
    with pytest.raises(TypeError, match="zeta"):
        special.zeta(autograd.tensor([2.0]), "q")
    assert tt.special.zeta.__wrapped__ is special.zeta  # (wrapped for PyTorch's out=)


def test_gradient_in_q(check_grad, rng):
    x = _f64(rng.uniform(1.5, 6.0, size=(3, 1)))
    q = autograd.tensor(rng.uniform(0.3, 14.0, size=(2, 3, 4)), dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: special.zeta(x, t), q)
    negative = autograd.tensor([-1.5, -0.25], dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: special.zeta(_f64([2.0, 4.0]), t), negative)


def test_gradient_in_q_is_minus_x_zeta_of_x_plus_one():
    q = autograd.tensor([1.0, 0.5], dtype=autograd.float64, requires_grad=True)
    special.zeta(_f64([2.0, 3.0]), q).sum().backward()
    np.testing.assert_allclose(
        q.grad.numpy(), [-2 * 1.2020569031595942, -3 * 15 * math.pi**4 / 90], rtol=1e-15
    )


def test_gradient_in_x_is_not_implemented():
    x = autograd.tensor([2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"zeta: the derivative with respect to 'input' \(x\)"):
        special.zeta(x, autograd.tensor([1.5])).sum().backward()


def test_elements_with_different_head_lengths_in_one_call():
    # q = -3.5 needs 13 head terms, q = 1 needs 9: each element keeps its own head
    together = special.zeta(_f64([2.0, 2.0, 3.0]), _f64([-3.5, 1.0, 20.0])).numpy()
    alone = [special.zeta(_f64([x]), _f64([q])).item() for x, q in ((2.0, -3.5), (2.0, 1.0), (3.0, 20.0))]
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_allclose(together[1:], [math.pi**2 / 6, _direct_sum(3.0, 20.0)], rtol=2e-15)


def test_more_pytorch_edges():
    x = [INF, INF, NAN, 1.0]
    q = [1.5, 0.999, 0.0, -2.0]
    np.testing.assert_array_equal(special.zeta(_f64(x), _f64(q)).numpy(), [NAN, INF, INF, INF])
