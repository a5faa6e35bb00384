"""Higher-order gradients of the reductions, shape, indexing and extra ops (their ``graph_backward`` rules).

Each rule is checked by ``gradgradcheck`` (second central differences of the
recorded first derivatives), with broadcasting, batches and several dims. A
linear op (repeat, flip, cat, gather, ...) has no curvature of its own, so it
is composed with a nonlinear one: a wrong or unrecorded rule then changes the
second derivative. Where a function has no derivative (ties of a max, zeros of
a product, steps), the rules follow PyTorch's one-sided choices; those cases
are checked against derivatives worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad


def leaf(shape, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed + len(shape))
    return autograd.tensor(rng.uniform(low, high, size=shape), dtype=autograd.float64, requires_grad=True)


def as_leaf(values):
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def second(fn, x, weights=None):
    """The first derivative of ``sum(weights * fn(x))`` (recorded) and the gradient of its sum."""
    out = fn(x)
    weights = np.ones(out.shape) if weights is None else weights
    (first,) = grad(out, x, grad_outputs=autograd.tensor(weights), create_graph=True)
    (hessian_sum,) = grad(first.sum(), x, allow_unused=True)
    return first, hessian_sum


REDUCE_DIMS = [(None, False), (0, False), (1, True), ((0, 2), False), (-1, False), ((1, 2), True)]


# ----------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("dim, keepdim", REDUCE_DIMS)
@pytest.mark.parametrize("correction", [0, 1])
def test_var_and_std_twice(dim, keepdim, correction):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.var(dim=dim, correction=correction, keepdim=keepdim), [x])
    assert gradgradcheck(lambda x: x.std(dim=dim, correction=correction, keepdim=keepdim), [x])
    assert gradgradcheck(lambda x: (x * x).var(dim=dim, correction=correction, keepdim=keepdim), [x])


def test_var_with_no_degrees_of_freedom_keeps_the_first_order_nan():
    x = as_leaf([1.5])  # PyTorch's first derivative is NaN too
    first, hessian = second(lambda x: x.var(), x)
    assert np.isnan(first.detach().numpy()).all() and np.isnan(hessian.numpy()).all()


@pytest.mark.parametrize("dim, keepdim", REDUCE_DIMS)
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_and_amin_twice(op, dim, keepdim):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim) ** 3, [x])
    assert gradgradcheck(lambda x: getattr(x * x.sin(), op)(dim=dim, keepdim=keepdim), [x])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_of_all_twice(op):
    x = leaf((3, 4))
    assert gradgradcheck(lambda x: getattr(x, op)() ** 3, [x])


def test_max_ties_split_the_second_derivative_too():
    # y = max(x)^2 with the max tied at x0, x2: dy/dx_i = 2 m s_i with shares s = (1/2, 0, 1/2), so
    # d(sum_i dy/dx_i)/dx_j = 2 (sum_i s_i) s_j = 2 s_j (PyTorch gives the same)
    x = as_leaf([3.0, 1.0, 3.0])
    first, hessian = second(lambda x: x.max() ** 2, x)
    np.testing.assert_allclose(first.detach().numpy(), [3.0, 0.0, 3.0])
    np.testing.assert_allclose(hessian.numpy(), [1.0, 0.0, 1.0])
    y = as_leaf([[1.0, 2.0], [-1.0, -1.0]])
    first, hessian = second(lambda y: y.amin(dim=1) ** 2, y)
    np.testing.assert_allclose(first.detach().numpy(), [[2.0, 0.0], [-1.0, -1.0]])
    np.testing.assert_allclose(hessian.numpy(), [[2.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False), (2, True)])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_along_a_dim_twice(op, dim, keepdim):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values ** 3, [x])


def test_max_along_a_dim_of_a_scalar_and_sort_and_topk_twice():
    x = leaf((2, 5))
    assert gradgradcheck(lambda x: x.sort(dim=1, descending=True).values.cumsum(1) ** 2, [x])
    assert gradgradcheck(lambda x: x.topk(2, dim=0).values ** 3, [x])
    s = leaf(())
    assert gradgradcheck(lambda s: s.max(dim=0).values ** 3, [s])


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), ((0, 2), False), (-1, True), (None, False)])
def test_logsumexp_twice(dim, keepdim):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.logsumexp(dim=dim, keepdim=keepdim), [x])
    assert gradgradcheck(lambda x: (x * x).logsumexp(dim=dim, keepdim=keepdim) ** 2, [x])


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False), (2, True)])
@pytest.mark.parametrize("low, high", [(0.5, 1.5), (-1.5, 1.5)])
def test_prod_twice(dim, keepdim, low, high):
    x = leaf((2, 3, 4), low, high)
    assert gradgradcheck(lambda x: x.prod(dim=dim, keepdim=keepdim), [x])
    assert gradgradcheck(lambda x: x.prod(dim=dim, keepdim=keepdim) ** 2, [x])


def test_prod_of_size_one_dims_scalars_and_empty_tensors_twice():
    assert gradgradcheck(lambda x: x.prod(dim=1) ** 3, [leaf((3, 1))])
    assert gradgradcheck(lambda x: x.prod() ** 3, [leaf(())])
    assert gradgradcheck(lambda x: x.prod(dim=0) ** 3, [leaf(())])
    empty = leaf((0, 3))
    (first,) = grad(empty.prod(dim=0), empty, grad_outputs=autograd.tensor(np.ones(3)), create_graph=True)
    assert first.shape == (0, 3)


def others_products(group):
    """For a vector: each element's product of the others, and the sum over k != j of the product of all
    but x_j and x_k (row j of the Hessian of prod, summed), by brute force."""
    n = group.size
    first = np.array([np.prod(np.delete(group, j)) for j in range(n)])
    hessian = np.array([sum(np.prod(np.delete(group, [j, k])) for k in range(n) if k != j) for j in range(n)])
    return first, hessian


@pytest.mark.parametrize(
    "values, dim",
    [
        ([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]], 1),
        ([[0.0, 0.0], [2.0, 0.0], [1.5, 3.0]], 0),
        ([[0.0, 2.0], [3.0, -1.0]], None),
        ([[0.0, 2.0], [0.0, -1.0]], None),
    ],
)
def test_prod_with_zeros_has_exact_second_derivatives(values, dim):
    # d^2 prod / dx_j dx_k is the product of all but x_j and x_k: with one zero, nonzero only on the zero's
    # row and column; with two zeros, only at the pair. PyTorch's double backward gives these exactly.
    values = np.array(values)
    x = as_leaf(values)
    weights = np.random.default_rng(7).standard_normal(x.prod(dim=dim).shape)
    first, hessian = second(lambda x: x.prod(dim=dim), x, weights)
    moved = values.reshape(1, -1) if dim is None else np.moveaxis(values, dim, -1)
    expected = [np.zeros_like(moved), np.zeros_like(moved)]
    for row, weight in enumerate(np.reshape(weights, -1)):
        for out, value in zip(expected, others_products(moved[row])):
            out[row] = weight * value
    if dim is not None:
        expected = [np.moveaxis(e, -1, dim) for e in expected]
    np.testing.assert_allclose(first.detach().numpy(), expected[0].reshape(values.shape), atol=1e-12)
    np.testing.assert_allclose(hessian.numpy(), expected[1].reshape(values.shape), atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_twice(dim):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.cumsum(dim) ** 3, [x])


# ----------------------------------------------------------------------------- shape
@pytest.mark.parametrize("shape, sizes", [((3,), (2,)), ((2, 3), (2, 1)), ((2, 3), (3, 1, 2)), ((), (2, 3))])
def test_repeat_twice(shape, sizes):
    x = leaf(shape)
    assert gradgradcheck(lambda x: x.repeat(*sizes) ** 3, [x])


@pytest.mark.parametrize("dims", [0, (1,), (0, 2), -1])
def test_flip_twice(dims):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: x.flip(dims) ** 3 * x, [x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_twice(dim):
    a, b = leaf((2, 3, 2)), leaf((2, 3, 2), seed=1)
    c = leaf((2, 1, 2) if dim == 1 else (2, 3, 1) if dim == -1 else (1, 3, 2), seed=2)
    assert gradgradcheck(lambda a, b, c: autograd.cat([a, b * a, c], dim=dim) ** 3, [a, b, c])
    assert gradgradcheck(lambda a, b: autograd.stack([a, b * a, a], dim=dim) ** 3, [a, b])


def test_cat_and_stack_with_constants_twice():
    a = leaf((2, 3))
    constant = autograd.tensor(np.ones((2, 3)))
    assert gradgradcheck(lambda a: autograd.cat([constant, a, constant], dim=1) ** 3, [a])
    assert gradgradcheck(lambda a: autograd.stack([constant, a], dim=0) ** 3, [a])


# ----------------------------------------------------------------------------- indexing
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_twice_with_repeated_indices(dim):
    x = leaf((3, 4))
    rows = [[0, 0, 2, 1], [1, 0, 1, 1]] if dim == 0 else [[0, 0, 3], [1, 2, 1], [3, 3, 3]]
    index = np.array(rows)
    assert gradgradcheck(lambda x: x.gather(dim, autograd.tensor(index)) ** 3, [x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_twice_with_repeated_indices(dim):
    x = leaf((3, 4, 2))
    index = autograd.tensor(np.array([1, 0, 1, 1]))
    assert gradgradcheck(lambda x: x.index_select(dim, index) ** 3, [x])
    assert gradgradcheck(lambda x: x.index_select(dim, autograd.tensor(np.array(1))) ** 3, [x])


@pytest.mark.parametrize(
    "x_shape, mask_shape", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (2, 3))]
)
def test_masked_fill_twice_with_broadcast_masks(x_shape, mask_shape):
    x = leaf(x_shape)
    mask = autograd.tensor(np.random.default_rng(1).uniform(size=mask_shape) < 0.5)
    assert gradgradcheck(lambda x: x.masked_fill(mask, 0.5) ** 3, [x])


@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -1])
def test_tril_and_triu_twice_on_batches(op, diagonal):
    x = leaf((2, 3, 4))
    assert gradgradcheck(lambda x: getattr(x, op)(diagonal) ** 3, [x])
