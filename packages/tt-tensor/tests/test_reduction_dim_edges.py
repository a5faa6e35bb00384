"""Reductions at the edges of ``dim``, as PyTorch 2.13 (checked in a scratch script, values derived by hand):

* ``dim=()`` / ``dim=[]`` reduces every dimension for ``sum``, ``mean``, ``var``/``std`` (and their
  ``_mean`` pairs), ``amax``/``amin``, ``norm``, ``nansum``, ``nanmean``, ``count_nonzero``;
  ``all``/``any`` reduce nothing; ``logsumexp`` refuses it (PyTorch fails with a shape error);
* a dim past a 0-d tensor's one dim (``dim=1``) is an IndexError for every reduction;
* ``amax``/``max``/``argmax``/... of an empty tensor over non-empty dims give an empty result;
  over a dim of size 0 or over every element they raise PyTorch's errors, which name the op;
* ``logsumexp`` over a dim of size 0 is ``log(0) = -inf``;
* ``argmax``/``argmin`` refuse bool tensors.

tt-autograd's recorded forms are checked in its test_reduction_dim_edges.py. Not course material,
so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_tensor as tt

GRID = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]  # sum 15, mean 2.5, squares 55


@pytest.mark.parametrize("empty", [(), []])
def test_an_empty_dim_list_reduces_every_dim(empty):
    x = tt.tensor(GRID)
    assert x.sum(empty).item() == 15.0
    assert x.sum(dim=empty, keepdim=True).shape == (1, 1)
    assert x.mean(empty).item() == 2.5
    assert x.var(empty, correction=0).item() == pytest.approx(35 / 12)  # 55/6 - 2.5²
    assert x.std(empty).item() == pytest.approx(math.sqrt(3.5))  # (55 - 6 · 2.5²) / 5
    assert x.amax(empty).item() == 5.0 and x.amin(empty).item() == 0.0
    assert x.norm(dim=empty).item() == pytest.approx(math.sqrt(55))
    assert x.nansum(empty).item() == 15.0 and x.nanmean(empty).item() == 2.5
    assert x.count_nonzero(empty).item() == 5
    variance, mean = tt.var_mean(x, empty, correction=0)
    assert (variance.shape, mean.item()) == ((), 2.5)
    assert x.all(empty).shape == (2, 3) and x.any(empty).tolist() == [[False, True, True], [True] * 3]


def test_logsumexp_refuses_an_empty_dim_list_but_for_a_0d_tensor():
    with pytest.raises(RuntimeError, match=r"logsumexp: dim=\(\) names no dimension.*dim=\(0, 1\)"):
        tt.tensor(GRID).logsumexp(())
    with pytest.raises(RuntimeError, match=r"logsumexp: dim=\[\] names no dimension"):
        tt.ones(3).logsumexp([])
    assert tt.tensor(2.0).logsumexp(()).item() == 2.0


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(1),
        lambda t: t.mean(1),
        lambda t: t.amax(1),
        lambda t: t.std(1),
        lambda t: t.logsumexp(1),
        lambda t: t.prod(1),
        lambda t: t.all(1),
        lambda t: t.norm(dim=-2),
    ],
)
def test_a_0d_tensor_has_only_dims_0_and_minus_1(call):
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got (1|-2)"):
        call(tt.tensor(2.0))


def test_extremes_of_an_empty_tensor_over_non_empty_dims_are_empty():
    x = tt.zeros(0, 3)
    assert x.amax(1).shape == (0,) and x.amin(dim=(1,), keepdim=True).shape == (0, 1)
    values, indices = x.max(1)
    assert (values.shape, indices.shape, indices.dtype) == ((0,), (0,), tt.int64)
    assert x.min(1, keepdim=True).values.shape == (0, 1)
    assert x.argmax(1).shape == (0,) and x.argmin(-1, keepdim=True).shape == (0, 1)
    assert tt.zeros(2, 0, 3).amax((0, 2)).shape == (0,)
    assert tt.zeros(0, 3, dtype=tt.int32).max(1).values.dtype == tt.int32
    assert tt.zeros(0, 3, dtype=tt.bool).amax(1).dtype == tt.bool


@pytest.mark.parametrize("op", ["amax", "amin", "max", "min", "argmax", "argmin"])
def test_extremes_over_an_empty_dim_or_every_element_raise_errors_naming_the_op(op):
    with pytest.raises(IndexError, match=rf"^{op}\(\): Expected reduction dim 0 to have non-zero size"):
        getattr(tt.zeros(0, 3), op)(0)
    with pytest.raises(IndexError, match=rf"^{op}\(\): Expected reduction dim 1 to have non-zero size"):
        getattr(tt.zeros(2, 0), op)(-1)
    error = IndexError if op.startswith("arg") else RuntimeError
    with pytest.raises(error, match=rf"^{op}\(\): Expected reduction dim to be specified .*shape \(0, 3\)"):
        getattr(tt.zeros(0, 3), op)()


def test_a_tuple_dim_is_still_refused_by_max_and_argmax_on_an_empty_tensor():
    for op in ("max", "argmax"):
        with pytest.raises(TypeError, match=f"{op}: dim must be an int, got tuple"):
            getattr(tt.zeros(0, 3), op)((1,))


def test_logsumexp_over_an_empty_dim_is_minus_infinity():
    out = tt.zeros(0, 3).logsumexp(0)
    assert out.tolist() == [-math.inf] * 3 and out.dtype == tt.float32
    assert tt.zeros(0, 3).logsumexp((0, 1), keepdim=True).tolist() == [[-math.inf]]
    assert tt.zeros(0, 3, dtype=tt.int64).logsumexp(0).dtype == tt.float32  # exp of integers: floats
    assert tt.zeros(0, 3).logsumexp(1).shape == (0,)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_and_argmin_refuse_bool(op):
    with pytest.raises(RuntimeError, match=rf"{op}\(\): does not support bool input; convert it first"):
        getattr(tt.tensor([True, False]), op)()
    assert getattr(tt.tensor([True, False]).to(tt.uint8), op)().item() == (0 if op == "argmax" else 1)


def test_extremes_of_non_empty_tensors_are_unchanged():
    x = tt.tensor(np.array([[3.0, 7.0, 1.0], [2.0, 0.0, 9.0]], dtype=np.float32))
    assert x.max(1).values.tolist() == [7.0, 9.0] and x.max(1).indices.tolist() == [1, 2]
    assert x.amin(0).tolist() == [2.0, 0.0, 1.0] and x.argmax().item() == 5
    assert x.min(1).values.tolist() == [1.0, 0.0] and x.min(1).indices.tolist() == [2, 1]
    for op in ("argmax", "argmin"):
        with pytest.raises(TypeError, match=f"{op}: argument 'keepdim' must be bool, got int 1"):
            getattr(x, op)(0, keepdim=1)
