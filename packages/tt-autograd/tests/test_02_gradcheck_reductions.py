"""Module 02: gradients of reductions.

A reduction's gradient spreads the output gradient back over the elements
it combined: every element for sum and mean, only the winners for max/min.
Ties are where implementations differ, so they are tested against explicit
expected values: ``max(dim)`` sends the gradient to the index it returns,
``max()``, ``amax`` and ``amin`` split it evenly among equal elements, as
PyTorch does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd

DIMS = [None, 0, -1, (0, 2), (1,)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_and_mean(op, dim, keepdim, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim), leaf((2, 3, 2)))


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp", "prod"])
def test_reductions_of_a_0d_tensor(op, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=0) + getattr(x, op)(dim=-1, keepdim=True), leaf(()))


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_with_dim_of_0d_and_1d_tensors(op, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(0).values + getattr(x, op)(-1, keepdim=True).values, leaf(()))
    check_grad(lambda x: getattr(x, op)(0).values + getattr(x, op)(-1, keepdim=True).values, leaf((4,)))


def test_var_of_one_element_has_a_nan_gradient():
    """n - correction = 0: the variance is 0/0 = NaN and so is its gradient, as in PyTorch."""
    x = autograd.tensor([2.0, 5.0], dtype=autograd.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x[:1].var().backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.0


def test_var_of_a_0d_tensor(leaf, check_grad):
    check_grad(lambda x: x.var(correction=0) + x, leaf(()))  # variance of one element is 0 whatever x is


def test_sum_with_dtype_records_the_cast():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.sum(dtype=autograd.float64)
    assert y.dtype == autograd.float64
    y.backward()
    assert x.grad.dtype == autograd.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_and_std(op, dim, keepdim, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim), leaf((2, 3, 2)))


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_and_std_correction(op, correction, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=1, correction=correction), leaf((2, 4)))
    check_grad(lambda x: getattr(x, op)(correction=correction), leaf((2, 4)))


def test_var_unbiased_flag(leaf, check_grad):
    check_grad(lambda x: x.var(0, unbiased=False).sum() + x.std(1, unbiased=True).sum(), leaf((3, 4)))


def test_var_gradient_value():
    """d var / dx_i = 2 (x_i - mean) / (n - correction)."""
    x = autograd.tensor([1.0, 2.0, 6.0], dtype=autograd.float64, requires_grad=True)
    x.var().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * (1 - 3) / 2, 2 * (2 - 3) / 2, 2 * (6 - 3) / 2])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_with_dim(op, dim, keepdim, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values, leaf((3, 4)))


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_without_dim(op, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(), leaf((3, 4)))
    check_grad(lambda x: getattr(autograd, op)(x), leaf((5,)))


def test_max_with_dim_sends_the_gradient_to_the_returned_index_only():
    x = autograd.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert type(indices) is autograd.Tensor and not indices.requires_grad
    (values * autograd.tensor([10.0, 20.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 10.0, 0.0], [20.0, 0.0, 0.0]])


def test_min_with_dim_and_keepdim_sends_the_gradient_to_the_returned_index():
    x = autograd.tensor([[4.0, 1.0], [0.0, 5.0], [7.0, 7.0]], requires_grad=True)
    values, indices = x.min(0, keepdim=True)
    assert values.shape == (1, 2)
    values.sum().backward()
    expected = np.zeros((3, 2))
    expected[indices.numpy()[0], [0, 1]] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    np.testing.assert_array_equal(expected, [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])


def test_max_without_dim_splits_ties_evenly():
    x = autograd.tensor([[1.0, 3.0], [3.0, 2.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5], [0.5, 0.0]])


def test_min_without_dim_splits_a_three_way_tie_evenly():
    x = autograd.tensor([0.0, 5.0, 0.0, 0.0], dtype=autograd.float64, requires_grad=True)
    (x.min() * 3).backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin(op, dim, keepdim, leaf, check_grad):
    check_grad(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim), leaf((2, 3, 2)))


def test_amax_splits_ties_evenly_along_the_reduced_dim():
    x = autograd.tensor([[2.0, 2.0, 1.0], [0.0, 4.0, 4.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    x.grad = None
    x.amin(dim=0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 1)])
def test_logsumexp(dim, keepdim, leaf, check_grad):
    check_grad(lambda x: x.logsumexp(dim, keepdim=keepdim), leaf((3, 4), low=-3.0, high=3.0))


def test_logsumexp_of_large_values_has_softmax_gradient():
    x = autograd.tensor([1000.0, 1000.0], dtype=autograd.float64, requires_grad=True)
    x.logsumexp(0).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(dim, keepdim, leaf, check_grad):
    check_grad(
        lambda x: x.prod(dim=dim, keepdim=keepdim) if dim is not None else x.prod(), leaf((3, 4), 0.5, 1.5)
    )


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros(dim, rng, check_grad):
    """The gradient is the product of the *other* elements, which stays right when one of them is 0."""
    values = rng.uniform(0.5, 1.5, size=(3, 4))
    values[1, 2] = 0.0  # one zero: its row/column gets non-zero gradient only there
    values[2, 0] = values[2, 3] = 0.0  # two zeros in one row: that row's gradient is all 0
    x = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    check_grad(lambda x: x.prod(dim) if dim is not None else x.prod(), x)


def test_prod_with_zero_gradient_values():
    x = autograd.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 6.0, 0.0])
    y = autograd.tensor([0.0, 2.0, 0.0], requires_grad=True)
    y.prod().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, float("inf")])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_norm(p, dim, leaf, check_grad):
    x = leaf((2, 3), away_from=(0.0,))  # |x| has a kink at 0
    check_grad(lambda x: x.norm(p, dim=dim), x)
    check_grad(lambda x: autograd.norm(x, p, dim, True), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim, leaf, check_grad):
    check_grad(lambda x: x.cumsum(dim), leaf((3, 4)))
    check_grad(lambda x: autograd.cumsum(x, dim=dim), leaf((3, 4)))


def test_cumsum_gradient_is_a_reversed_cumsum():
    x = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (x.cumsum(0) * autograd.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1111.0, 1110.0, 1100.0, 1000.0])


def test_functional_reductions_record_the_graph(leaf, check_grad):
    check_grad(lambda x: autograd.sum(x, dim=0), leaf((2, 3)))
    check_grad(lambda x: autograd.mean(x, 1, True), leaf((2, 3)))
    check_grad(lambda x: autograd.std(x, dim=0), leaf((3, 2)))
    check_grad(lambda x: autograd.logsumexp(x, 1), leaf((2, 3)))
    check_grad(lambda x: autograd.amax(x, 0) + autograd.amin(x, 1).sum(), leaf((2, 3)))


ZERO_D_REDUCTIONS = [
    lambda t: t.max(dim=0).values,
    lambda t: t.min(dim=-1, keepdim=True)[0],
    lambda t: t.prod(dim=0),
    lambda t: t.prod(dim=-1, keepdim=True),
]


@pytest.mark.parametrize("reduce", ZERO_D_REDUCTIONS)
def test_reducing_a_0d_tensor_along_dim_0_or_minus_1_is_the_identity(reduce, check_grad):
    """PyTorch treats a 0-d tensor as having one dimension of size 1 for these: value and gradient pass."""
    x = autograd.tensor(-2.5, dtype=autograd.float64, requires_grad=True)
    out = reduce(x)
    assert out.shape == () and out.item() == -2.5
    (out * 3.0).backward()
    assert x.grad.shape == () and x.grad.item() == 3.0
    check_grad(reduce, autograd.tensor(0.7, dtype=autograd.float64, requires_grad=True))
