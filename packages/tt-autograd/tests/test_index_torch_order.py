"""Gradients, writes and vmap of indexing in PyTorch's order of dims: ``x[0, :, [1, 2]]`` of a (3, 4, 5)
``x`` is (4, 2) (PyTorch applies the int first; NumPy's order would be (2, 4)). The expected
gradients are the upstream weights put back element by element with Python loops; gradcheck compares
with central differences. Beyond the exercises.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd

# (key, shape of x, shape of x[key], the position in x of the result's element at a position)
CASES = {
    "int, slice, list": ((0, slice(None), [1, 2]), (3, 4, 5), (4, 2), lambda j, k: (0, j, [1, 2][k])),
    "slice, int, slice, repeated list": (
        (slice(None), 1, slice(None), [2, 2, 0]),
        (2, 3, 4, 3),
        (2, 4, 3),
        lambda i, j, k: (i, 1, j, [2, 2, 0][k]),
    ),
    "None, int, slice, mask": (
        (None, 2, slice(None), np.array([False, True, True])),
        (3, 2, 3),
        (1, 2, 2),
        lambda n, j, k: (2, j, [1, 2][k]),
    ),
    "int, slice, 0-d tensor as int, 2-d array": (
        (1, slice(None), autograd.tensor(0), np.array([[1], [0]])),
        (2, 3, 2, 2),
        (3, 2, 1),
        lambda j, a, b: (1, j, 0, [[1], [0]][a][b]),
    ),
}


def _scattered(x_shape, out_shape, where, weights):
    """The gradient of ``(x[key] * weights).sum()``: each weight added at its element's position."""
    grad = np.zeros(x_shape)
    for position in itertools.product(*map(range, out_shape)):
        grad[where(*position)] += weights[position]
    return grad


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradient_in_pytorch_s_order(name, leaf, rng):
    key, x_shape, out_shape, where = CASES[name]
    x = leaf(x_shape)
    out = x[key]
    assert out.shape == out_shape
    values = x.detach().numpy()
    for position in itertools.product(*map(range, out_shape)):
        assert out[position].item() == values[where(*position)]
    weights = rng.standard_normal(out_shape)
    (out * autograd.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _scattered(x_shape, out_shape, where, weights))


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_second_order(name, leaf, check_grad, check_twice):
    key, x_shape, _, _ = CASES[name]
    check_grad(lambda x: x[key], leaf(x_shape))
    check_twice(lambda x: x[key] * x[key], [leaf(x_shape)])


def test_a_written_value_s_gradient_comes_back_in_its_own_order(leaf, rng):
    x = leaf((3, 4, 5), requires_grad=False)
    value = leaf((4, 2))
    y = x * 1.0
    y[0, :, [1, 3]] = value  # value[j, k] lands at y[0, j, [1, 3][k]]
    for j, k in itertools.product(range(4), range(2)):
        assert y[0, j, [1, 3][k]].item() == value[j, k].item()
    weights = rng.standard_normal((3, 4, 5))
    (y * autograd.tensor(weights)).sum().backward()
    want = np.array([[weights[0, j, [1, 3][k]] for k in range(2)] for j in range(4)])
    np.testing.assert_allclose(value.grad.numpy(), want)


def test_a_broadcast_written_value_sums_its_gradient(leaf, check_grad):
    def write(x, value):
        y = x * 1.0
        y[2, :, [0, 4]] = value  # (2,): the list's dim, stretched over the 4 rows
        return y

    check_grad(write, leaf((3, 4, 5)), leaf((2,)))
    y = write(leaf((3, 4, 5), requires_grad=False), autograd.tensor([10.0, 20.0], dtype=autograd.float64))
    assert y[2, :, 0].tolist() == [10.0] * 4 and y[2, :, 4].tolist() == [20.0] * 4


def test_vmap_indexes_each_sample_in_pytorch_s_order_without_a_loop(leaf, vmap_agrees):
    xs = leaf((5, 3, 4, 6), requires_grad=False)
    assert autograd.vmap(lambda x: x[0, :, [1, 2]])(xs).shape == (5, 4, 2)
    vmap_agrees(lambda x: x[0, :, [1, 2]], xs, argnums=0)
    vmap_agrees(lambda x: x[[2, 0], :, 1], xs, argnums=0)  # apart in NumPy: its dims moved behind the batch
    vmap_agrees(lambda x: x[:, 1, :, [[0], [5]]], leaf((2, 3, 4, 5, 6), requires_grad=False), argnums=0)
    three_apart = leaf((2, 3, 4, 5, 6), requires_grad=False)  # arrays, a slice, an int, an array: apart
    vmap_agrees(lambda x: x[[1, 0], :, 0, [2, 3]], three_apart, argnums=0)


def test_vmap_writes_each_sample_in_pytorch_s_order(leaf):
    xs, values = leaf((5, 3, 4, 6), requires_grad=False), leaf((5, 4, 2), requires_grad=False)

    def write(x, value):
        y = x.clone()
        y[1, :, [5, 0]] = value
        return y

    got = autograd.vmap(write)(xs, values)
    for i in range(5):
        want = xs[i].numpy().copy()
        for j, k in itertools.product(range(4), range(2)):
            want[1, j, [5, 0][k]] = values[i, j, k].item()
        np.testing.assert_array_equal(got[i].numpy(), want)


def test_a_recorded_write_refuses_what_pytorch_refuses(leaf):
    y = leaf((3, 4)) * 1.0
    with pytest.raises(TypeError, match="can't assign a list"):
        y[0] = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        y[[0]] = leaf((4,)).float()
    with pytest.raises(ValueError, match="step must be greater than zero"):
        y[::-1]


def test_a_recorded_write_of_a_number_through_a_moved_key(leaf):
    x = leaf((3, 4, 5))
    y = x * 1.0
    y[0, :, [1, 3]] = 2.0  # recorded (y requires grad): the number in PyTorch's order, then put
    want = x.detach().numpy().copy()
    want[0, :, [1, 3]] = 2.0
    np.testing.assert_array_equal(y.detach().numpy(), want)
    y.sum().backward()
    assert x.grad[0, :, [1, 3]].tolist() == [[0.0, 0.0]] * 4 and x.grad[1].tolist() == [[1.0] * 5] * 4
