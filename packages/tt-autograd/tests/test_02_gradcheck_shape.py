"""Module 02: gradients of shape operations, splitting and joining.

A shape op moves elements around without changing them, so its gradient
moves the output gradient back: a reshape back, a permutation inverted, an
expand or repeat summed over its copies, a split's pieces put side by side,
a ``cat`` cut into its inputs' slices.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

# Outputs are multiplied by fixed weights inside gradcheck, so a gradient
# sent back to the wrong position is caught even where values would sum up.
SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(4, 6), (2, 3, 4)),
    "reshape -1": (lambda x: x.reshape(-1, 2), (2, 3, 4)),
    "reshape tuple": (lambda x: x.reshape((3, 8)), (2, 3, 4)),
    "view": (lambda x: x.view(6, 4), (2, 3, 4)),
    "view_as": (lambda x: x.view_as(autograd.zeros(4, 3, 2)), (2, 3, 4)),
    "flatten": (lambda x: x.flatten(), (2, 3, 4)),
    "flatten 1": (lambda x: x.flatten(1), (2, 3, 4)),
    "flatten 0..1": (lambda x: x.flatten(0, 1), (2, 3, 4)),
    "squeeze": (lambda x: x.squeeze(), (2, 1, 3, 1)),
    "squeeze dim": (lambda x: x.squeeze(1), (2, 1, 3, 1)),
    "squeeze -1": (lambda x: x.squeeze(-1), (2, 1, 3, 1)),
    "unsqueeze 0": (lambda x: x.unsqueeze(0), (2, 3)),
    "unsqueeze -1": (lambda x: x.unsqueeze(-1), (2, 3)),
    "transpose": (lambda x: x.transpose(0, 2), (2, 3, 4)),
    "transpose -1 -2": (lambda x: x.transpose(-1, -2), (2, 3, 4)),
    "swapaxes": (lambda x: x.swapaxes(0, 1), (2, 3)),
    "t": (lambda x: x.t(), (2, 3)),
    "permute": (lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    "permute tuple": (lambda x: x.permute((1, 2, 0)), (2, 3, 4)),
    "T": (lambda x: x.T, (2, 3, 4)),
    "mT": (lambda x: x.mT, (2, 3, 4)),
    "expand": (lambda x: x.expand(2, 3, 4), (3, 1)),
    "expand -1": (lambda x: x.expand(4, -1, 2), (3, 1)),
    "expand_as": (lambda x: x.expand_as(autograd.zeros(2, 3)), (3,)),
    "repeat": (lambda x: x.repeat(2, 3), (2, 3)),
    "repeat new dims": (lambda x: x.repeat(2, 1, 2), (3, 2)),
    "repeat 1-d": (lambda x: x.repeat(3), (4,)),
    "repeat a tuple": (lambda x: x.repeat((2, 1, 2)), (3, 2)),
    "repeat a list": (lambda x: x.repeat([3]), (4,)),
    "flip": (lambda x: x.flip(0), (3, 4)),
    "flip dims": (lambda x: x.flip((0, -1)), (2, 3, 4)),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name, leaf, check_grad):
    fn, shape = SHAPE_OPS[name]
    check_grad(fn, leaf(shape))


def test_functional_shape_ops(leaf, check_grad):
    check_grad(lambda x: autograd.reshape(x, (3, 2)), leaf((2, 3)))
    check_grad(lambda x: autograd.transpose(x, 0, 1), leaf((2, 3)))
    check_grad(lambda x: autograd.permute(x, (1, 0)), leaf((2, 3)))
    check_grad(lambda x: autograd.flatten(autograd.unsqueeze(autograd.squeeze(x), 0)), leaf((2, 1, 3)))
    check_grad(lambda x: autograd.flip(x, 1), leaf((2, 3)))


def test_expand_sums_the_gradient_over_the_copies():
    x = autograd.tensor([[1.0], [2.0]], requires_grad=True)
    x.expand(3, 2, 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[12.0], [12.0]])


def test_repeat_sums_the_gradient_over_the_copies():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (x.repeat(3) * autograd.arange(6.0)).sum().backward()  # copies at positions 0,2,4 and 1,3,5
    np.testing.assert_array_equal(x.grad.numpy(), [0.0 + 2 + 4, 1.0 + 3 + 5])


@pytest.mark.parametrize(
    "split",
    [lambda x: x.split(2), lambda x: x.split([1, 3, 1]), lambda x: x.split(2, dim=1)],
    ids=["2", "list", "dim"],
)
def test_split(split, leaf, check_grad):
    check_grad(split, leaf((5, 3)))


@pytest.mark.parametrize("chunks, dim", [(2, 0), (3, 1), (5, 0), (2, -1)])
def test_chunk(chunks, dim, leaf, check_grad):
    check_grad(lambda x: x.chunk(chunks, dim), leaf((5, 3)))


def test_chunk_of_an_empty_dim_gives_that_many_empty_pieces_as_pytorch():
    x = autograd.zeros(0, 3, requires_grad=True)
    pieces = x.chunk(3)
    assert [p.shape for p in pieces] == [(0, 3)] * 3
    autograd.cat(pieces).sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind(dim, leaf, check_grad):
    check_grad(lambda x: x.unbind(dim), leaf((2, 3, 2)))
    check_grad(lambda x: autograd.unbind(x, dim), leaf((2, 3, 2)))


def test_using_only_some_pieces_of_a_split_leaves_zeros_elsewhere():
    x = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    first, second = x.split(2)
    (second * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 3.0, 3.0])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim, leaf, check_grad):
    sizes = [(1, 2, 3), (2, 2, 3), (2, 2, 3)] if dim == 0 else [(2, 1, 3), (2, 2, 3), (2, 3, 3)]
    if dim == -1:
        sizes = [(2, 2, 1), (2, 2, 2), (2, 2, 3)]
    check_grad(lambda *xs: autograd.cat(xs, dim=dim), *(leaf(s) for s in sizes))


def test_cat_aliases_and_inputs_without_grad(leaf, check_grad):
    fixed = leaf((1, 3), requires_grad=False)
    check_grad(lambda a, b: autograd.concat([a, fixed, b]), leaf((2, 3)), leaf((1, 3)))
    check_grad(lambda a: autograd.concatenate([fixed, a, a], dim=0), leaf((2, 3)))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim, leaf, check_grad):
    check_grad(lambda *xs: autograd.stack(xs, dim=dim), leaf((2, 3)), leaf((2, 3)), leaf((2, 3)))


def test_stack_of_one_tensor_used_twice_accumulates():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (autograd.stack([x, x, x * 2]) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 1 * 2 + 8 * 1, 2 * 2 * 2 + 8 * 2])


def test_a_chain_of_views_round_trips(leaf, check_grad):
    check_grad(
        lambda x: x.reshape(3, 4).T.unsqueeze(0).expand(2, 4, 3).flip(1).permute(2, 0, 1)[1:], leaf((2, 6))
    )
