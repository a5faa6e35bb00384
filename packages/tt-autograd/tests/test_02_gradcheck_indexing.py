"""Module 02: gradients of indexing, gather, index_select, masked_fill and tril/triu.

A selection's gradient flows back to the selected positions and is 0
elsewhere. When an integer index picks the same element more than once
(``x[[0, 0, 1]]``), each pick contributes, so the gradients must be *added*
(scatter-add), not written over one another.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

KEYS = {
    "int": (1,),
    "negative int": (-1,),
    "two ints": (1, 2),
    "slice": (slice(1, None),),
    "step slice": (slice(None, None, 2),),
    "step slice from 1": (slice(1, None, 2),),
    "int and slice": (slice(None), 1),
    "none": (None, 1),
    "ellipsis": (Ellipsis, 0),
    "ellipsis slice": (0, Ellipsis, slice(1, 3)),
    "int list": ([0, 2],),
    "repeated ints": ([0, 0, 1],),
    "repeated pairs": ([0, 0, 2], [1, 1, 3]),
    "array with slice": (slice(1, None), [3, 0, 3]),
    "array with none": (None, [2, 2]),
    "array with ellipsis": (Ellipsis, [1, 1, 0]),
    "2-d int array": (np.array([[0, 1], [1, 1]]),),
}


@pytest.mark.parametrize("name", list(KEYS))
def test_getitem(name, leaf, check_grad):
    key = KEYS[name]
    check_grad(lambda x: x[key], leaf((3, 4, 2)))


def test_getitem_with_a_tensor_index(leaf, check_grad):
    index = autograd.tensor([2, 0, 2])
    check_grad(lambda x: x[index], leaf((3, 2)))
    check_grad(lambda x: x[:, index], leaf((2, 3)))


def test_getitem_with_a_bool_mask(rng, leaf, check_grad):
    x = leaf((3, 4))
    mask = autograd.tensor(rng.uniform(size=(3, 4)) > 0.5)
    check_grad(lambda x: x[mask], x)
    check_grad(lambda x: x[x.detach() > 0], x)
    check_grad(lambda x: x[autograd.tensor([True, False, True])], x)  # a mask over rows
    check_grad(lambda x: x[autograd.tensor([True, False, True]), 1:], x)


def test_repeated_integer_index_adds_up_the_gradient():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]])


def test_repeated_index_pairs_add_up_the_gradient():
    x = autograd.zeros(2, 3, requires_grad=True)
    (x[[1, 1, 1, 0], [2, 2, 2, 0]] * autograd.tensor([1.0, 10.0, 100.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[5.0, 0.0, 0.0], [0.0, 0.0, 111.0]])


def test_basic_index_gradient_is_zero_outside_the_selection():
    x = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (x[1:3] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0, 0.0])


def test_iterating_over_a_tensor_records_each_row(leaf):
    x = leaf((3, 2))
    total = sum(row.sum() * (i + 1) for i, row in enumerate(x))
    total.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim, leaf, check_grad):
    index = (
        autograd.tensor([[0, 1, 1, 2], [2, 0, 0, 2]])
        if dim == 0
        else autograd.tensor([[0, 0, 3], [2, 1, 2], [3, 3, 3]])
    )
    x = leaf((3, 4))
    check_grad(lambda x: x.gather(dim, index), x)
    check_grad(lambda x: autograd.gather(x, dim, index), x)


def test_gather_with_repeated_indices_adds_up():
    x = autograd.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x.gather(1, autograd.tensor([[2, 2, 0, 2]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 3.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim, leaf, check_grad):
    index = autograd.tensor([1, 0, 1, 1])
    check_grad(lambda x: x.index_select(dim, index), leaf((2, 3, 2)))
    check_grad(lambda x: autograd.index_select(x, dim, index), leaf((2, 3, 2)))


def test_index_select_with_repeated_indices_adds_up():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.index_select(0, autograd.tensor([1, 1, 1])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0], [3.0, 3.0]])


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1)])
def test_masked_fill(mask_shape, rng, leaf, check_grad):
    mask = autograd.tensor(rng.uniform(size=mask_shape) > 0.5)
    check_grad(lambda x: x.masked_fill(mask, -1e9).exp() + x.masked_fill(mask, 0.0), leaf((3, 4)))
    check_grad(lambda x: autograd.masked_fill(x, mask, 2.0), leaf((3, 4)))


def test_masked_fill_gradient_is_zero_where_filled():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.masked_fill(autograd.tensor([False, True, False]), 7.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])


def test_masked_fill_with_a_mask_of_more_dimensions_broadcasts_the_input(rng, leaf, check_grad):
    """As PyTorch's out-of-place masked_fill: the result has the broadcast shape; the gradient sums back."""
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = autograd.tensor([[True, False, False], [False, False, True]])
    out = x.masked_fill(mask, 0.0)
    np.testing.assert_array_equal(out.detach().numpy(), [[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 1.0])
    wide = autograd.tensor(rng.uniform(size=(2, 3, 4)) > 0.5)
    check_grad(lambda x: x.masked_fill(wide, 0.5) * x, leaf((3, 1)))


@pytest.mark.parametrize("diagonal", [-1, 0, 1])
@pytest.mark.parametrize("op", ["tril", "triu"])
def test_tril_triu(op, diagonal, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(diagonal), leaf((3, 4)))
    check_grad(lambda x: getattr(autograd, op)(x, diagonal=diagonal), leaf((2, 3, 3)))


def test_tril_gradient_keeps_the_triangle():
    x = autograd.ones(3, 3, requires_grad=True)
    x.tril().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tril(np.ones((3, 3))))


def test_index_select_of_a_scalar_is_a_scalar_as_in_pytorch(check_grad):
    for select in (lambda x, i: x.index_select(0, i), lambda x, i: autograd.index_select(x, 0, i)):
        s = autograd.tensor(2.5, dtype=autograd.float64, requires_grad=True)
        out = select(s, autograd.tensor([0]))
        assert out.shape == () and out.item() == 2.5
        check_grad(lambda x, select=select: select(x, autograd.tensor([0])) * 3.0, s)
        for wrong in ([0, 0], [1], [-1]):
            with pytest.raises(IndexError, match="0-d tensor takes the one index"):
                select(s, autograd.tensor(wrong))
