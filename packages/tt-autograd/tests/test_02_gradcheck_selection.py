"""Module 02 (everyday torch API): gradients of sort, topk, roll, diag, outer, masked_select, scatter, einsum.

Each op is gradchecked in float64 (central differences), on batched inputs
and, where the op broadcasts, on broadcast shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values(dim, descending, leaf, check_grad):
    check_grad(lambda x: x.sort(dim=dim, descending=descending).values * autograd.arange(4.0), leaf((3, 4)))


@pytest.mark.parametrize("largest", [True, False])
def test_topk_values(largest, leaf, check_grad):
    check_grad(lambda x: autograd.topk(x, 2, dim=1, largest=largest).values, leaf((2, 5, 3)))


def test_topk_gradient_lands_on_the_chosen_elements():
    x = autograd.tensor([[1.0, 5.0, 3.0, 4.0]], requires_grad=True)
    values, indices = x.topk(2)
    (values * autograd.tensor([10.0, 1.0])).sum().backward()
    assert x.grad.tolist() == [[0.0, 10.0, 0.0, 1.0]]
    assert indices.requires_grad is False


def test_roll(leaf, check_grad):
    check_grad(lambda x: x.roll((1, -2), (0, 2)) * autograd.arange(5.0), leaf((3, 2, 5)))
    check_grad(lambda x: autograd.roll(x, 3) * autograd.arange(6.0).reshape(2, 3), leaf((2, 3)))


def _weighted(t):
    """``t`` times distinct weights, so a gradient sent to the wrong position shows."""
    return t * autograd.arange(1.0, t.numel() + 1).reshape(t.shape)


@pytest.mark.parametrize("diagonal", [0, 1, -2])
def test_diag_both_ways(diagonal, leaf, check_grad):
    check_grad(lambda v: _weighted(v.diag(diagonal)), leaf((3,)))
    check_grad(lambda m: _weighted(autograd.diag(m, diagonal)), leaf((3, 4)))


def test_outer(leaf, check_grad):
    check_grad(lambda a, b: autograd.outer(a, b), leaf((3,)), leaf((4,)))


def test_masked_select_with_a_broadcast_mask(leaf, check_grad):
    mask = autograd.tensor([True, False, True, True])
    check_grad(lambda x: x.masked_select(mask) * autograd.arange(9.0), leaf((3, 4)))
    check_grad(lambda x: autograd.masked_select(x, autograd.tensor([[True], [False]])), leaf((4,)))


def test_scatter_add_and_scatter(leaf, check_grad):
    index = autograd.tensor([[0, 2, 0], [1, 1, 3]])
    check_grad(lambda x, src: x.scatter_add(1, index, src), leaf((2, 4)), leaf((2, 3)))
    check_grad(lambda x, src: x.scatter_add(1, index, src), leaf((2, 4)), leaf((3, 5)))  # src larger
    unique = autograd.tensor([[2, 0], [3, 1]])
    check_grad(
        lambda x, src: x.scatter(1, unique, src) * autograd.arange(8.0).reshape(2, 4),
        leaf((2, 4)),
        leaf((2, 3)),
    )
    check_grad(lambda x: x.scatter(0, autograd.tensor([[1, 0, 1]]), value=2.0), leaf((2, 3)))


def test_scatter_overwritten_positions_get_no_gradient():
    x = autograd.zeros(1, 3, dtype=autograd.float64, requires_grad=True)
    src = autograd.ones(1, 1, dtype=autograd.float64, requires_grad=True)
    (x.scatter(1, autograd.tensor([[1]]), src) * autograd.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 3.0]]
    assert src.grad.tolist() == [[2.0]]


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("ij,j", [(3, 4), (4,)]),
        ("i,j->ij", [(3,), (2,)]),
        ("bii->b", [(2, 3, 3)]),
        ("ij->", [(2, 3)]),
        ("ij,kj->i", [(2, 3), (4, 3)]),  # k summed away by the second operand alone
        ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),  # ellipsis broadcasting
        ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 2)]),  # a size-1 batch dim stretched
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ],
)
def test_einsum(equation, shapes, leaf, check_grad):
    check_grad(lambda *xs: autograd.einsum(equation, *xs), *[leaf(s) for s in shapes])


def test_einsum_with_a_constant_operand(leaf, check_grad):
    constant = np.arange(12.0).reshape(3, 4)
    check_grad(lambda x: autograd.einsum("ij,jk->ik", x, autograd.tensor(constant)), leaf((2, 3)))


def test_softmax_and_log_softmax_methods(leaf, check_grad):
    x = leaf((2, 5))
    expected = np.exp(x.detach().numpy()) / np.exp(x.detach().numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(x.softmax(1).detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(autograd.log_softmax(x, -1).detach().numpy(), np.log(expected), rtol=1e-12)
    check_grad(lambda t: t.softmax(0) * autograd.arange(10.0).reshape(2, 5), x)
