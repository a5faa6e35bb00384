"""tt-autograd's ``add``/``sub``/``add_``/``sub_`` check ``alpha`` as tt-tensor's (PyTorch 2.13's rules:
tt-tensor's ``test_add_alpha.py``), and a checked ``alpha`` still scales the gradient of ``other``.
Also the two flags PyTorch reads in Python by their truth, which take a NumPy bool
(``torch.lu(A, get_infos=np.True_)``, ``torch.pca_lowrank(A, center=np.True_)``), where every flag
its argument parser reads refuses one.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: autograd.tensor([1]).add(autograd.tensor([1]), alpha=True), "add: Boolean alpha only"),
        (lambda: autograd.tensor([1.0]).sub(1, alpha=True), "sub: Boolean alpha only"),
        (lambda: autograd.tensor([2]).add(1, alpha=0.5), "add: For integral input tensors"),
        (
            lambda: autograd.tensor([2]).sub(autograd.tensor([1]), alpha=2.0),
            "sub: For integral input tensors",
        ),
        (lambda: autograd.tensor([2]).add_([1], alpha=2.0), "add_: For integral input tensors"),
        (
            lambda: autograd.tensor([2.0]).sub_(autograd.tensor([1.0]), alpha=False),
            "sub_: Boolean alpha only",
        ),
    ],
)
def test_autograd_alphas_are_checked(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_a_bool_result_stays_bool():
    b = autograd.tensor([True, False])
    assert b.add(b, alpha=2).dtype == autograd.bool and b.add(b, alpha=2).tolist() == [True, False]
    c = b.clone()
    c.add_(autograd.tensor([False, True]), alpha=3)
    assert c.tolist() == [True, True] and c.dtype == autograd.bool


def test_alpha_scales_the_gradient(check_grad, leaf):
    x, y = leaf((3,)), leaf((3,))
    check_grad(lambda a, b: a.add(b, alpha=2.5), x, y)
    check_grad(lambda a, b: a.sub(b, alpha=-3), x, y)
    check_grad(lambda a, b: a.clone().add_(b, alpha=0.5), x, y)
    check_grad(lambda a, b: a.clone().sub_(b, alpha=4), x, y)
    x, y = leaf((3,)), leaf((3,))
    x.sub(y, alpha=3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.full(3, -3.0))


def test_the_python_read_flags_take_a_numpy_bool():
    a = autograd.tensor([[4.0, 3.0], [6.0, 3.0]])
    lu, pivots, infos = autograd.lu(a, get_infos=np.True_)
    assert infos.tolist() == 0  # (get_infos read as True: the infos come back, 0 for success)
    rebuilt = (lu.tril(-1) + autograd.eye(2)).matmul(lu.triu()).numpy()
    np.testing.assert_allclose(rebuilt, a.numpy()[[1, 0]], rtol=1e-6)  # (pivots [2, 2]: rows 0 and 1 swapped)
    with pytest.raises(TypeError, match="lu: argument 'pivot' must be bool, got numpy.bool"):
        autograd.lu(a, pivot=np.True_)
    u, s, v = autograd.pca_lowrank(a, q=2, center=np.True_)
    assert s.shape == (2,)
    with pytest.raises(TypeError, match="pca_lowrank: argument 'center' must be bool, got str"):
        autograd.pca_lowrank(a, q=2, center="yes")


def test_alpha_values_of_each_form():
    x, y = autograd.tensor([1.0, 2.0]), autograd.tensor([10.0, 20.0])
    assert x.add(y).tolist() == [11.0, 22.0] and x.add(y, alpha=2).tolist() == [21.0, 42.0]
    assert x.sub(y).tolist() == [-9.0, -18.0] and x.sub(y, alpha=0.5).tolist() == [-4.0, -8.0]
    assert x.add([1.0, 1.0], alpha=3).tolist() == [4.0, 5.0]  # (a list operand, converted then scaled)
    assert x.sub([1.0, 1.0], alpha=3).tolist() == [-2.0, -1.0]
    z = x.clone()
    z.add_(y)
    assert z.tolist() == [11.0, 22.0]
    z.add_(y, alpha=2)
    assert z.tolist() == [31.0, 62.0]
    z.sub_(y)
    assert z.tolist() == [21.0, 42.0]
    z.sub_(y, alpha=0.5)
    assert z.tolist() == [16.0, 32.0]
    assert x.add(y, alpha=0).tolist() == [1.0, 2.0] and x.sub(y, alpha=0).tolist() == [1.0, 2.0]  # (alpha 0)
    z.add_(y, alpha=0)
    z.sub_(y, alpha=0)
    assert z.tolist() == [16.0, 32.0]


def test_bool_subtraction_is_refused_in_every_recorded_form():
    b = autograd.tensor([True, False])
    for subtract in (lambda: b - b, lambda: b.sub(True, alpha=2), lambda: b.clone().sub_(b), lambda: 1.0 - b):
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with"):
            subtract()
