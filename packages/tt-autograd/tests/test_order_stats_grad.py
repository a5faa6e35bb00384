"""Gradients of the order statistics beyond the exercises: ``median``/``nanmedian`` (with and without a dim),
``kthvalue``, ``mode``, ``msort``, ``cummax``/``cummin``, ``quantile``/``nanquantile`` (every interpolation):
float64 central differences (``gradcheck``) on batched inputs of distinct values, and PyTorch's gradients
at ties and NaNs (checked against torch 2.13 in a scratch script and pinned here); recorded types and dtypes.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

NAN = float("nan")
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


def grad_of(values, fn):
    x = autograd.tensor(values, requires_grad=True)
    fn(x).backward()
    return x.grad.tolist()


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_nanmedian_kthvalue_mode_along_a_dim_gradcheck(check_grad, leaf, dim, keepdim):
    x = leaf((3, 4, 5))
    check_grad(lambda t: t.median(dim, keepdim).values, x)
    check_grad(lambda t: autograd.nanmedian(t, dim, keepdim).values, x)
    check_grad(lambda t: t.kthvalue(2, dim, keepdim).values, x)
    check_grad(lambda t: autograd.mode(t, dim, keepdim).values, x)


def test_median_over_all_elements_gradcheck_and_recorded_type(check_grad, leaf):
    x = leaf((3, 4))
    check_grad(lambda t: t.median(), x)
    check_grad(lambda t: autograd.nanmedian(t), x)
    out = x.median()
    assert out.grad_fn.name() == "MedianBackward0" and out.shape == ()
    assert x.median(0).indices.requires_grad is False


def test_median_over_all_elements_shares_the_gradient_between_ties_as_pytorch():
    assert grad_of([2.0, 2.0, 2.0], lambda t: t.median()) == pytest.approx([1 / 3] * 3)
    assert grad_of([[2.0, 1.0], [2.0, 3.0]], lambda t: t.median()) == [[0.5, 0.0], [0.5, 0.0]]
    assert grad_of([2.0, NAN, 2.0, 1.0], lambda t: t.median()) == [0.0, 1.0, 0.0, 0.0]  # to the NaN
    assert grad_of([2.0, NAN, 2.0, 1.0, 3.0], lambda t: t.nanmedian()) == [0.5, 0.0, 0.5, 0.0, 0.0]
    assert grad_of([NAN, NAN], lambda t: t.nanmedian() * 4) == [2.0, 2.0]
    assert grad_of([1.0, 5.0, 3.0], lambda t: t.median() * 3) == [0.0, 0.0, 3.0]


def test_median_along_a_dim_sends_the_gradient_to_its_index_as_pytorch():
    assert grad_of([2.0, 2.0, 2.0, 1.0], lambda t: t.median(0).values) == [1.0, 0.0, 0.0, 0.0]
    assert grad_of([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], lambda t: t.median(1).values.sum()) == [
        [0.0, 0.0, 1.0],
        [1.0, 0.0, 0.0],
    ]
    assert grad_of([1.0, 3.0, 3.0, 2.0], lambda t: t.mode().values) == [0.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_msort_gradcheck(check_grad, leaf, dim):
    x = leaf((3, 4, 5))
    check_grad(lambda t: t.cummax(dim).values, x)
    check_grad(lambda t: autograd.cummin(t, dim).values, x)
    check_grad(lambda t: autograd.msort(t), x)


def test_cummax_accumulates_the_gradient_of_repeated_indices_as_pytorch():
    values = [1.0, 3.0, 2.0, 3.0, 5.0, 5.0, 0.0]
    assert grad_of(values, lambda t: t.cummax(0).values.sum()) == [1.0, 2.0, 0.0, 1.0, 1.0, 2.0, 0.0]
    assert grad_of(values, lambda t: t.cummin(0).values.sum()) == [6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert grad_of(3.0, lambda t: t.cummax(0).values * 2) == 2.0


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_quantile_gradcheck(check_grad, leaf, interpolation, dim):
    x = leaf((4, 5))
    levels = autograd.tensor([0.1, 0.5, 0.83], dtype=autograd.float64)
    check_grad(lambda t: t.quantile(levels, dim=dim, interpolation=interpolation), x)
    check_grad(lambda t: autograd.nanquantile(t, 0.37, dim, True, interpolation=interpolation), x)


def test_quantile_splits_the_gradient_by_the_interpolation_weights_as_pytorch():
    values = [3.0, 1.0, 4.0, 1.5, 9.0]
    assert grad_of(values, lambda t: t.quantile(0.3)) == pytest.approx([0.2, 0.0, 0.0, 0.8, 0.0])
    midpoint = grad_of(values, lambda t: t.quantile(0.3, interpolation="midpoint"))
    assert midpoint == pytest.approx([0.5, 0.0, 0.0, 0.5, 0.0])
    assert grad_of(values, lambda t: t.quantile(0.3, interpolation="higher")) == [1.0, 0.0, 0.0, 0.0, 0.0]
    nan_row = grad_of([3.0, NAN, 1.0, 2.0], lambda t: t.nanquantile(0.25))
    assert nan_row == pytest.approx([0.0, 0.0, 0.5, 0.5])
    all_nan = grad_of([[1.0, NAN, NAN], [NAN, NAN, NAN]], lambda t: t.nanquantile(0.25, dim=1).sum())
    assert all_nan == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]  # an all-NaN row: rank 0, its first NaN
    assert grad_of([1.0, NAN, 2.0], lambda t: t.quantile(0.5)) == [0.0, 1.0, 0.0]  # a NaN row: the NaN


def test_float32_stays_float32_and_integers_carry_no_gradient():
    x = autograd.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    for out in (x.median(), x.median(1).values, x.cummax(1).values, x.quantile(0.5), x.kthvalue(1).values):
        assert out.dtype == autograd.float32 and out.requires_grad
    assert autograd.tensor([3, 1, 2]).median().dtype == autograd.int64
    with autograd.no_grad():
        assert not x.median().requires_grad
    assert np.isnan(autograd.tensor([]).median().item())
