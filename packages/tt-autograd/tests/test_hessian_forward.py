"""``func.hessian`` as PyTorch's ``jacfwd(jacrev(f))``: forward over reverse, one vmapped pass.

The reference is ``jacrev(jacrev(f))`` (reverse over reverse: one recorded backward pass per
gradient element), itself checked against closed forms in ``test_transforms.py``. The functions
use ops whose differentiable tangents have graph rules (matmul, tanh, softmax-like reductions,
indexing, where, cat, logsumexp), so no op takes the double vjp.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd import forward_jacobian
from tt_autograd.transforms import hessian, jacrev

RNG = np.random.default_rng(2933)
W = autograd.tensor(RNG.uniform(-1, 1, (4, 5)), dtype=autograd.float64)
KEEP = autograd.tensor(RNG.random((3, 5)) > 0.3)


def loss(x):  # (3, 4) -> scalar
    h = (x @ W).tanh()
    h = autograd.where(KEEP, h, h * 0.5)
    joined = autograd.cat([h[:, :2], h[np.array([2, 0, 2])].exp()], dim=1)  # (3, 7)
    return (joined - joined.logsumexp(1, keepdim=True)).pow(2).mean()


def two(x, y):  # two arguments: blocks ((xx, xy), (yx, yy))
    return ((x @ W) * y).sin().sum() + (x**3).sum()


def test_hessian_is_forward_over_reverse_with_no_double_vjp(monkeypatch):
    """hessian runs jacfwd's forward-mode Jacobian (once) over jacrev, every op's differentiable
    tangent from its graph rule, and equals reverse over reverse."""
    x = autograd.tensor(RNG.uniform(-1, 1, (3, 4)), dtype=autograd.float64)
    double_vjp, jacobian = fwAD.double_vjp, forward_jacobian.jacobian
    used, forward = [], []
    monkeypatch.setattr(fwAD, "double_vjp", lambda cls, *a: used.append(cls) or double_vjp(cls, *a))
    monkeypatch.setattr(forward_jacobian, "jacobian", lambda *a: forward.append(a) or jacobian(*a))
    found = hessian(loss)(x)
    assert used == [] and len(forward) == 1
    assert found.shape == (3, 4, 3, 4)
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(loss))(x).numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_of_two_arguments_has_jacrev_s_blocks():
    x = autograd.tensor(RNG.uniform(-1, 1, (2, 4)), dtype=autograd.float64)
    y = autograd.tensor(RNG.uniform(-1, 1, (5,)), dtype=autograd.float64)
    found = hessian(two, argnums=(0, 1))(x, y)
    expected = jacrev(jacrev(two, argnums=(0, 1)), argnums=(0, 1))(x, y)
    for row_found, row_expected in zip(found, expected, strict=True):
        for a, b in zip(row_found, row_expected, strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_inside_an_open_level():
    """Inside an open forward-AD level hessian's jacfwd opens a nested one: the same values."""
    x = autograd.tensor(RNG.uniform(-1, 1, (3, 4)), dtype=autograd.float64)
    with fwAD.dual_level():
        found = hessian(loss)(x)
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(loss))(x).numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_refuses_randomness_as_pytorch():
    """Under jacfwd's vmap (randomness="error") a random op raises, as torch.func.hessian does."""
    x = autograd.tensor(RNG.uniform(-1, 1, (3,)), dtype=autograd.float64)
    with pytest.raises(RuntimeError, match="randomness"):
        hessian(lambda x: (x * autograd.rand(3, dtype=autograd.float64)).pow(2).sum())(x)
