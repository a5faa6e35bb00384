"""Higher-order gradients of reductions, shape, indexing, steps, extra math, selection and distances.

Each ``graph_backward`` rule is checked by ``check_twice`` (conftest):
``gradgradcheck`` (second central differences of the recorded first
derivatives) and the recorded first derivatives against the plain backward's,
with broadcasting, batches and several dims. A linear op (repeat, flip, cat,
gather, ...) has no curvature of its own, so it is composed with a nonlinear
one: a wrong or unrecorded rule then changes the second derivative. Where a
function has no derivative (ties of a max, zeros of a product, steps), the
rules follow PyTorch's choices, checked against derivatives worked out by
hand; where PyTorch's second derivative is NaN from a 0 / 0 behind a mask (a
zero distance, a zero component of a p < 2 norm), these rules stay finite.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
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
def test_var_and_std_twice(dim, keepdim, correction, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.var(dim=dim, correction=correction, keepdim=keepdim), [x])
    check_twice(lambda x: x.std(dim=dim, correction=correction, keepdim=keepdim), [x])
    check_twice(lambda x: (x * x).var(dim=dim, correction=correction, keepdim=keepdim), [x])


def test_var_with_no_degrees_of_freedom_keeps_the_first_order_nan():
    x = as_leaf([1.5])  # PyTorch's first derivative is NaN too
    first, hessian = second(lambda x: x.var(), x)
    assert np.isnan(first.detach().numpy()).all() and np.isnan(hessian.numpy()).all()


@pytest.mark.parametrize("dim, keepdim", REDUCE_DIMS)
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_and_amin_twice(op, dim, keepdim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim) ** 3, [x])
    check_twice(lambda x: getattr(x * x.sin(), op)(dim=dim, keepdim=keepdim), [x])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_of_all_twice(op, check_twice):
    x = leaf((3, 4))
    check_twice(lambda x: getattr(x, op)() ** 3, [x])


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
def test_max_and_min_along_a_dim_twice(op, dim, keepdim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values ** 3, [x])


def test_max_along_a_dim_of_a_scalar_and_sort_and_topk_twice(check_twice):
    x = leaf((2, 5))
    check_twice(lambda x: x.sort(dim=1, descending=True).values.cumsum(1) ** 2, [x])
    check_twice(lambda x: x.topk(2, dim=0).values ** 3, [x])
    s = leaf(())
    check_twice(lambda s: s.max(dim=0).values ** 3, [s])


@pytest.mark.parametrize(
    "dim, keepdim", [(0, False), (1, True), ((0, 2), False), (-1, True), ((0, 1, 2), False)]
)
def test_logsumexp_twice(dim, keepdim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.logsumexp(dim=dim, keepdim=keepdim), [x])
    check_twice(lambda x: (x * x).logsumexp(dim=dim, keepdim=keepdim) ** 2, [x])


def prod(x, dim, keepdim=False):
    """``x.prod`` over ``dim``, or every element for None (which PyTorch refuses as a dim)."""
    return x.prod() if dim is None else x.prod(dim=dim, keepdim=keepdim)


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False), (2, True)])
@pytest.mark.parametrize("low, high", [(0.5, 1.5), (-1.5, 1.5)])
def test_prod_twice(dim, keepdim, low, high, check_twice):
    x = leaf((2, 3, 4), low, high)
    check_twice(lambda x: prod(x, dim, keepdim), [x])
    check_twice(lambda x: prod(x, dim, keepdim) ** 2, [x])


def test_prod_of_size_one_dims_scalars_and_empty_tensors_twice(check_twice):
    check_twice(lambda x: x.prod(dim=1) ** 3, [leaf((3, 1))])
    check_twice(lambda x: x.prod() ** 3, [leaf(())])
    check_twice(lambda x: x.prod(dim=0) ** 3, [leaf(())])
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
    weights = np.random.default_rng(7).standard_normal(prod(x, dim).shape)
    first, hessian = second(lambda x: prod(x, dim), x, weights)
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
def test_cumsum_twice(dim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.cumsum(dim) ** 3, [x])


# ----------------------------------------------------------------------------- shape
@pytest.mark.parametrize("shape, sizes", [((3,), (2,)), ((2, 3), (2, 1)), ((2, 3), (3, 1, 2)), ((), (2, 3))])
def test_repeat_twice(shape, sizes, check_twice):
    x = leaf(shape)
    check_twice(lambda x: x.repeat(*sizes) ** 3, [x])


@pytest.mark.parametrize("dims", [0, (1,), (0, 2), -1])
def test_flip_twice(dims, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.flip(dims) ** 3 * x, [x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_twice(dim, check_twice):
    a, b = leaf((2, 3, 2)), leaf((2, 3, 2), seed=1)
    c = leaf((2, 1, 2) if dim == 1 else (2, 3, 1) if dim == -1 else (1, 3, 2), seed=2)
    check_twice(lambda a, b, c: autograd.cat([a, b * a, c], dim=dim) ** 3, [a, b, c])
    check_twice(lambda a, b: autograd.stack([a, b * a, a], dim=dim) ** 3, [a, b])


def test_cat_and_stack_with_constants_twice(check_twice):
    a = leaf((2, 3))
    constant = autograd.tensor(np.ones((2, 3)))
    check_twice(lambda a: autograd.cat([constant, a, constant], dim=1) ** 3, [a])
    check_twice(lambda a: autograd.stack([constant, a], dim=0) ** 3, [a])


# ----------------------------------------------------------------------------- indexing
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_twice_with_repeated_indices(dim, check_twice):
    x = leaf((3, 4))
    rows = [[0, 0, 2, 1], [1, 0, 1, 1]] if dim == 0 else [[0, 0, 3], [1, 2, 1], [3, 3, 3]]
    index = np.array(rows)
    check_twice(lambda x: x.gather(dim, autograd.tensor(index)) ** 3, [x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_twice_with_repeated_indices(dim, check_twice):
    x = leaf((3, 4, 2))
    index = autograd.tensor(np.array([1, 0, 1, 1]))
    check_twice(lambda x: x.index_select(dim, index) ** 3, [x])
    check_twice(lambda x: x.index_select(dim, autograd.tensor(np.array(1))) ** 3, [x])


@pytest.mark.parametrize(
    "x_shape, mask_shape", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (2, 3))]
)
def test_masked_fill_twice_with_broadcast_masks(x_shape, mask_shape, check_twice):
    x = leaf(x_shape)
    mask = autograd.tensor(np.random.default_rng(1).uniform(size=mask_shape) < 0.5)
    check_twice(lambda x: x.masked_fill(mask, 0.5) ** 3, [x])


@pytest.mark.parametrize("flag", [False, True])
def test_masked_fill_and_where_with_a_0d_mask_twice(flag, check_twice):
    x, mask = leaf((2, 3)), autograd.tensor(flag)
    check_twice(lambda x: x.masked_fill(mask, 0.5) ** 3 + x * x, [x])
    check_twice(lambda x: autograd.where(mask, x * x, x.exp()), [x])


@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -1])
def test_tril_and_triu_twice_on_batches(op, diagonal, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: getattr(x, op)(diagonal) ** 3, [x])


# ----------------------------------------------------------------------------- steps and remainders
@pytest.mark.parametrize("op", ["floor", "ceil", "round", "sign", "trunc"])
def test_step_functions_pass_zero_gradients_without_a_graph(op, check_twice):
    x = leaf((2, 3))
    check_twice(lambda x: (getattr(x, op)() + x) ** 3, [x])
    (first,) = grad(getattr(x, op)().sum(), x, create_graph=True)  # PyTorch: zeros that need no grad
    assert first.grad_fn is None and not first.requires_grad
    np.testing.assert_array_equal(first.numpy(), np.zeros((2, 3)))


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 1))])
def test_floor_divide_and_remainder_twice(shape_a, shape_b, check_twice):
    a, b = leaf(shape_a), leaf(shape_b, 0.5, 1.5, seed=1)
    check_twice(lambda a, b: (a // b + a * b) ** 2, [a, b])
    check_twice(lambda a, b: (a % b) ** 3 * b, [a, b])
    check_twice(lambda a: (a % 0.7) ** 3, [a])
    check_twice(lambda b: (2.5 % b) ** 3, [b])


# ----------------------------------------------------------------------------- extra element-wise math
@pytest.mark.parametrize(
    "name, low, high",
    [
        ("log1p", -0.5, 2),
        ("expm1", -2, 2),
        ("log2", 0.5, 2),
        ("log10", 0.5, 2),
        ("exp2", -2, 2),
        ("sinh", -2, 2),
        ("cosh", -2, 2),
        ("tan", -1, 1),
        ("asin", -0.8, 0.8),
        ("acos", -0.8, 0.8),
        ("atan", -2, 2),
        ("asinh", -2, 2),
        ("acosh", 1.2, 3),
        ("atanh", -0.8, 0.8),
    ],
)
def test_unary_math_twice(name, low, high, check_twice):
    x = leaf((2, 3), low, high)
    check_twice(lambda x: getattr(x, name)(), [x])
    check_twice(lambda x: getattr(x * 0.9, name)() * x, [x])


BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (3,))]


@pytest.mark.parametrize("shape_a, shape_b", BINARY_SHAPES)
@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "xlogy", "fmod", "copysign"])
def test_binary_math_twice_with_broadcasting(name, shape_a, shape_b, check_twice):
    a, b = leaf(shape_a, 0.3, 2.0), leaf(shape_b, 0.5, 2.0, seed=1)
    sign = autograd.tensor(np.where(np.arange(np.prod(shape_b, dtype=int)) % 2, 1.0, -1.0).reshape(shape_b))
    b_signed = b * sign if name in ("atan2", "fmod", "copysign") else b  # both signs of b
    check_twice(lambda a, b: getattr(a, name)(b * sign if name != "xlogy" else b) * a, [a, b])
    check_twice(lambda a: getattr(a, name)(b_signed.detach()) ** 2, [a])
    check_twice(lambda b: getattr(a.detach() * 1.5, name)(b) ** 2, [b])


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "xlogy", "fmod", "copysign"])
def test_binary_math_of_0d_tensors_twice(name, check_twice):
    a, b = leaf((), 0.3, 2.0), leaf((), 0.5, 2.0, seed=3)
    check_twice(lambda a, b: getattr(a, name)(b) * a * b, [a, b])


def test_xlogy_edges_follow_pytorch():
    # d/dx xlogy(x, y) = xlogy(1, y) masked to 0 at x == 0, y <= 0; d/dy = x / y. Differentiated again as
    # PyTorch does: d(dx)/dy = 1 / y (NaN at y = 0 from 0 / 0 behind the mask, -0 at y = -1);
    # d(dy)/dx = 1 / y, d(dy)/dy = -x / y^2.
    with np.errstate(divide="ignore", invalid="ignore"):
        x = as_leaf([0.0, 0.0, 2.0, 1.5, 0.0])
        y = as_leaf([0.0, -1.0, 3.0, 0.5, 0.5])
        dx, dy = grad(x.xlogy(y).sum(), [x, y], create_graph=True)
        np.testing.assert_allclose(dx.detach().numpy(), [0.0, 0.0, np.log(3.0), np.log(0.5), np.log(0.5)])
        dxx, dxy = grad(dx.sum(), [x, y], allow_unused=True)
        np.testing.assert_allclose(dxy.numpy(), [np.nan, 0.0, 1 / 3.0, 2.0, 2.0])
        assert dxx is None
        dyx, dyy = grad(dy.sum(), [x, y])
    np.testing.assert_allclose(dyx.numpy(), [np.inf, -1.0, 1 / 3.0, 2.0, 2.0])
    np.testing.assert_allclose(dyy.numpy(), [np.nan, 0.0, -2.0 / 9.0, -1.5 / 0.25, 0.0])


def test_copysign_at_a_zero_has_zero_derivatives(check_twice):
    # d/da copysign(a, b) is sign(a) sign(b), taken as 0 at a == 0 (PyTorch's choice); then for
    # y = copysign(a, b) * a, dy/da = 2 |a| sign(b), whose derivative at a == 0 is 0 from both sides
    a, b = as_leaf([0.0, 1.5, -2.0, 0.0]), autograd.tensor([1.0, -1.0, 2.0, -3.0])
    (first,) = grad(a.copysign(b).sum(), a, create_graph=True)
    np.testing.assert_array_equal(first.detach().numpy(), [0.0, -1.0, -1.0, 0.0])
    check_twice(lambda a: a.copysign(b) * a, [a])


def test_copysign_passes_b_a_zero_gradient_without_a_graph():
    a, b = leaf((3,)), leaf((3,), seed=1)
    _, first_b = grad((a.copysign(b) * a).sum(), [a, b], create_graph=True)
    assert first_b.grad_fn is None and not np.any(first_b.numpy())


# ----------------------------------------------------------------------------- cumulative, order, selection
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_twice_with_and_without_zeros(dim, check_twice):
    x = leaf((2, 3, 4), 0.5, 1.5)
    check_twice(lambda x: x.cumprod(dim), [x])
    values = x.detach().numpy().copy()
    values[0, 1, 2] = values[1, 2, 0] = values[1, 0, 3] = values[1, 2, 3] = 0.0  # a polynomial: smooth at 0
    zeros = as_leaf(values)
    check_twice(lambda x: x.cumprod(dim), [zeros])
    check_twice(lambda x: x.cumprod(dim) * x, [zeros])
    check_twice(lambda x: x.cumprod(0) ** 2, [leaf(())])


def test_cumprod_twice_of_a_matrix_with_zeros_and_of_all_zeros(check_twice):
    matrix = as_leaf([[0.5, 0.0, 2.0, 1.5], [1.5, -1.0, 0.0, 0.0], [0.7, 1.2, -0.8, 1.1]])
    check_twice(lambda x: x.cumprod(1) * x, [matrix])
    check_twice(lambda x: x.cumprod(0) * x, [matrix])
    check_twice(lambda x: x.cumprod(1), [as_leaf(np.zeros((2, 3)))])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_twice(dim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.logcumsumexp(dim), [x])
    check_twice(lambda x: x.logcumsumexp(dim) ** 2, [x])
    check_twice(lambda x: x.logcumsumexp(0) ** 2, [leaf(())])


def test_median_of_all_twice_and_its_ties_share_the_second_derivative(check_twice):
    x = leaf((3, 4))
    check_twice(lambda x: x.median() ** 3, [x])
    check_twice(lambda x: x.nanmedian() ** 3, [x])
    # y = median(x)^2 with the median 2 held by three elements: shares 1/3 each; the sum of the first
    # derivatives is 2 m, whose derivative is 2 * (1/3) at each of them
    tied = as_leaf([1.0, 2.0, 2.0, 3.0, 2.0])
    first, hessian = second(lambda x: x.median() ** 2, tied)
    np.testing.assert_allclose(first.detach().numpy(), [0.0, 4 / 3, 4 / 3, 0.0, 4 / 3])
    np.testing.assert_allclose(hessian.numpy(), [0.0, 2 / 3, 2 / 3, 0.0, 2 / 3])


@pytest.mark.parametrize("shifts, dims", [(1, None), (-2, 1), ((1, -1), (0, 2))])
def test_roll_twice(shifts, dims, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: x.roll(shifts, dims) ** 3 * x, [x])


@pytest.mark.parametrize("shape", [(3,), (3, 3), (3, 5), (4, 2)])
@pytest.mark.parametrize("diagonal", [0, 1, -2])
def test_diag_twice_both_ways(shape, diagonal, check_twice):
    x = leaf(shape)
    check_twice(lambda x: x.diag(diagonal) ** 3, [x])


def test_an_empty_diagonal_twice(check_twice):
    x = leaf((2, 3))
    assert x.diag(4).shape == (0,)
    check_twice(lambda x: autograd.cat([x.diag(4), x.reshape(-1)]) ** 3, [x])


@pytest.mark.parametrize("add", [False, True])
def test_scatter_and_scatter_add_twice(add, check_twice):
    a, src = leaf((3, 4)), leaf((2, 4), seed=1)
    # repeated positions only for scatter_add: scatter keeps one of them (PyTorch: undefined gradients)
    index = autograd.tensor(np.array([[0, 2, 1, 0], [2, 2 if add else 1, 0, 1]]))
    op = "scatter_add" if add else "scatter"
    check_twice(lambda a, src: getattr(a * a, op)(0, index, src * src) ** 2, [a, src])
    small = autograd.tensor(np.array([[1, 0], [2, 2 if add else 3]]))  # smaller than src: its corner is read
    check_twice(lambda a, src: getattr(a, op)(1, small, src.exp()) ** 3, [a, src])
    check_twice(lambda a: getattr(a, op)(1, small, src.detach()) ** 3, [a])
    check_twice(lambda src: getattr(a.detach(), op)(1, small, src) ** 3, [src])
    if not add:
        check_twice(lambda a: a.scatter(1, small, value=0.5) ** 3, [a])


@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
        ("ij,j", [(3, 4), (4,)]),
        ("i,j->ij", [(3,), (2,)]),
        ("bii->b", [(2, 3, 3)]),
        ("iji->j", [(2, 3, 2)]),  # a repeated letter that is not the last ones
        ("ij->", [(2, 3)]),
        ("i,->i", [(3,), ()]),  # a 0-d operand (its plain gradient was 1-d)
        ("ij,kj->i", [(2, 3), (4, 3)]),  # k summed away by the second operand alone
        ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),  # ellipsis broadcasting
        ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 2)]),  # a size-1 batch dim stretched
        ("...ij,...jk->...ik", [(3, 1, 2, 4), (1, 2, 4, 2)]),  # stretched dims that do not lead
        ("...ij,...jk->...ik", [(1, 3, 4), (0, 4, 2)]),  # a size-1 dim broadcast against an empty one
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ],
)
def test_einsum_twice(equation, shapes, check_twice):
    inputs = [leaf(shape, seed=k) for k, shape in enumerate(shapes)]
    check_twice(lambda *xs: autograd.einsum(equation, *xs).tanh(), inputs)


def test_einsum_with_a_constant_operand_twice(check_twice):
    constant = autograd.tensor(np.arange(12.0).reshape(3, 4) / 10)
    check_twice(lambda x: autograd.einsum("ij,jk->ik", x * x, constant), [leaf((2, 3))])


# ----------------------------------------------------------------------------- distances
@pytest.mark.parametrize("p", [2, 3, 1.5, 0.5, 1, float("inf"), 0])
@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (2, 3)), ((2, 3), (3,)), ((4,), (2, 1))])
def test_dist_twice_with_broadcasting(p, shape_a, shape_b, check_twice):
    a, b = leaf(shape_a), leaf(shape_b, seed=5)
    check_twice(lambda a, b: a.dist(b, p) ** 2 * (a * b).sum(), [a, b])
    check_twice(lambda a: a.dist(b.detach(), p) ** 3, [a])
    check_twice(lambda b: a.detach().dist(b, p) ** 3, [b])
    check_twice(lambda a: a.dist(autograd.tensor(0.5, dtype=autograd.float64), p) ** 3, [a])


@pytest.mark.parametrize("p", [2, 3])
def test_dist_at_zero_distance_has_finite_zero_derivatives(p):
    # the first derivative is 0 there, as PyTorch's; its derivative too (PyTorch's is NaN for p = 2, a 0 / 0
    # behind its mask: this rule keeps the second pass finite, as PowFunction's does at a == 0)
    a = leaf((3,))
    first, hessian = second(lambda a: a.dist(autograd.tensor(a.detach().numpy()), p), a)
    assert not np.any(first.detach().numpy()) and not np.any(hessian.numpy())


@pytest.mark.parametrize("p", [2, 3, 1])
def test_dist_of_0d_tensors_twice(p, check_twice):
    a, b = leaf(()), leaf((), seed=3)
    check_twice(lambda a, b: a.dist(b, p) ** 2 * a * b, [a, b])


@pytest.mark.parametrize("p", [2, 3, 1.5])
def test_dist_of_close_points_twice(p, check_twice):
    a = leaf((2, 3))
    b = autograd.tensor(
        a.detach().numpy() + np.random.default_rng(4).uniform(-0.1, 0.1, (2, 3)), requires_grad=True
    )
    assert a.dist(b, p).item() < 1
    check_twice(lambda a, b: a.dist(b, p) ** 2 * (a * b).sum(), [a, b])


def test_dist_inf_ties_split_the_second_derivative_too():
    # y = m^2, m = max |a_i| tied at a_1 = -3, a_2 = 3: dy/da_i = 2 m s_i sign(a_i), shares s = (0, 1/2, 1/2);
    # for weights w = (1, 1, 2), sum_i w_i dy/da_i = 2 m (-1/2 + 1) = m, whose gradient is s_j sign(a_j)
    a = as_leaf([1.0, -3.0, 3.0])
    (first,) = grad(a.dist(autograd.tensor(np.zeros(3)), float("inf")) ** 2, a, create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), [0.0, -3.0, 3.0])
    (plain,) = grad(a.dist(autograd.tensor(np.zeros(3)), float("inf")) ** 2, a)
    np.testing.assert_allclose(plain.numpy(), [0.0, -3.0, 3.0])
    (hessian,) = grad((first * autograd.tensor([1.0, 1.0, 2.0])).sum(), a)
    np.testing.assert_allclose(hessian.numpy(), [0.0, -0.5, 0.5])


@pytest.mark.parametrize("p", [3, 1.5, 0.5])
def test_dist_with_a_zero_component_keeps_finite_second_derivatives(p):
    # y = d(a) S with S = sum(a), u = a - b = (0, 1), d = 1, first derivative g = (0, 1) (0 at the zero
    # component, as PyTorch). d(sum_i dy/da_i)/da_j = S sum_i H_ij + sum_i g_i + n g_j = (1, 3) with the
    # Hessian H taken as 0 at the zero component (true for p > 2; for p < 2 it is infinite, PyTorch: NaN)
    a, b = as_leaf([1.0, 2.0]), autograd.tensor([1.0, 1.0])
    first, hessian = second(lambda a: a.dist(b, p) * a.sum(), a)
    np.testing.assert_allclose(first.detach().numpy(), [3.0 * 0.0 + 1.0, 3.0 * 1.0 + 1.0])
    np.testing.assert_allclose(hessian.numpy(), [1.0, 3.0])


def test_cdist_has_no_differentiable_backward_as_in_pytorch():
    a, b = leaf((3, 2)), leaf((4, 2), seed=1)
    (first,) = grad(autograd.cdist(a, b).sum(), a, create_graph=True)  # given; differentiating it raises
    with pytest.raises(NotImplementedError, match="CdistBackward0"):
        grad(first.sum(), a)
