"""Gradients of the small additions beyond the exercises: ``diagflat``, ``flipud``/``fliplr``,
``clamp_min``/``clamp_max`` (compositions of recorded methods), ``vander`` (a running product, exact at 0),
``block_diag``, ``cartesian_prod``, ``combinations``: float64 central differences (``gradcheck``), and no
gradient for ``signbit``, ``heaviside``, ``gcd``, ``lcm`` (PyTorch has none either).

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


@pytest.mark.parametrize("offset", [0, 2, -1])
def test_diagflat_gradcheck(check_grad, leaf, offset):
    check_grad(lambda t: autograd.diagflat(t, offset), leaf((2, 3)))


def test_flips_and_one_sided_clamps_gradcheck(check_grad, leaf):
    x = leaf((3, 4), away_from=(0.3, -0.2))
    check_grad(lambda t: autograd.flipud(t), x)
    check_grad(lambda t: t.fliplr(), x)
    check_grad(lambda t: t.clamp_min(0.3), x)
    check_grad(lambda t: autograd.clamp_max(t, -0.2), x)


@pytest.mark.parametrize("increasing", [False, True])
def test_vander_gradcheck_and_exact_at_zero(check_grad, leaf, increasing):
    check_grad(lambda t: autograd.vander(t, N=4, increasing=increasing), leaf((3,)))
    x = autograd.tensor([0.0, 2.0], requires_grad=True)
    autograd.vander(x, N=3, increasing=increasing).sum().backward()
    assert x.grad.tolist() == [1.0, 5.0]  # d(1 + x + x^2)/dx: 1 at 0 (no 0 ** -1), 5 at 2
    # PyTorch 2.13: for N <= 1 the result (ones, or nothing) does not depend on x: no graph
    recorded = [autograd.vander(x, N=n, increasing=increasing).requires_grad for n in (0, 1, 2)]
    assert recorded == [False, False, True]


def test_block_diag_cartesian_prod_combinations_gradcheck(check_grad, leaf):
    a, b, c = leaf((2, 3)), leaf(()), leaf((2,))
    check_grad(lambda p, q, r: autograd.block_diag(p, q, r), a, b, c)
    check_grad(lambda p, r: autograd.cartesian_prod(r, p.reshape(-1)), a, c)
    check_grad(lambda r: autograd.combinations(r.repeat(2), 3, with_replacement=True), c)


def test_no_gradient_for_signs_steps_and_divisors():
    x = autograd.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    assert x.signbit().dtype == autograd.bool
    step = autograd.heaviside(x, autograd.tensor(0.5))
    assert step.tolist() == [0.0, 0.5, 1.0] and not step.requires_grad
    assert autograd.gcd(autograd.tensor([4]), autograd.tensor([6])).tolist() == [2]
