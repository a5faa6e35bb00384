"""The methods a batched tensor answers itself (:mod:`tt_autograd._vmap_methods`), against loops.

Each batched form is checked against the plain method applied to one sample at a time (its value,
or its error for a call one sample refuses), and in physical mode (inside a rule) each is the plain
method on the physical array.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd.batched import physical

RNG = np.random.default_rng(11)
B = 4


def t(*shape):
    return autograd.tensor(RNG.standard_normal(shape), dtype=autograd.float64)


def close(got, want):
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def looped(func, *args):
    return autograd.stack([func(*(a[i] for a in args)) for i in range(B)])


def vectorised(func, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a batched form, not the per-sample loop
        return vmap(func)(*args)


def errors_alike(func, *args):
    """``func`` on the batch raises the error it raises on one sample."""
    with pytest.raises(Exception) as one:
        func(*(a[0] for a in args))
    with pytest.raises(type(one.value)) as batched, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vmap(func)(*args)
    assert str(batched.value) == str(one.value)


PHYSICAL = [
    lambda v: v.argmax(1),
    lambda v: v.eq(v * 2),
    lambda v: v.cumprod(1),
    lambda v: v.mm(v.transpose(0, 1)),
    lambda v: v.index_select(1, autograd.tensor([2, 0])),
    lambda v: v.add_(1.0),
    lambda v: v.fill_diagonal_(5.0),
    lambda v: v.permute(1, 0),
    lambda v: v.max(),
    lambda v: v.max(1).values,
    lambda v: v.min(0).indices,
    lambda v: v.sort(0).values,
]


@pytest.mark.parametrize("method", PHYSICAL)
def test_in_physical_mode_each_batched_method_is_the_plain_one_on_the_physical_array(method):
    x = t(B, 3)
    seen = []

    def func(v):
        batched = v.clone()  # (a batched tensor of its own: some methods write into it)
        with physical():
            seen.append(method(batched).numpy())
        return v

    vmap(func)(x)
    np.testing.assert_array_equal(seen[0], method(x.clone()).numpy())


def test_setitem_in_physical_mode_writes_the_physical_array():
    x = t(B, 3)

    def func(v):
        out = v.clone()
        with physical():
            out[0] = 7.0  # the first sample, not each sample's first element
        return out

    want = x.numpy().copy()
    want[0] = 7.0
    np.testing.assert_array_equal(vmap(func)(x).numpy(), want)


def test_dim_methods_of_0_d_samples_nested_and_their_range_check():
    x = t(B, 3, 5)
    got = vectorised(vmap(lambda v: v.sum().argmax() + v.sum().argmin(-1)), x)
    np.testing.assert_array_equal(got.numpy(), np.zeros((B, 3)))
    errors_alike(lambda v: v.sum().argmax(1), x)


def test_products_refuse_wrong_ranks_as_for_one_sample():
    errors_alike(autograd.dot, t(B, 2, 3), t(B, 2, 3))
    errors_alike(lambda v: v.mm(v), t(B, 3))


def test_index_select_of_1_d_samples_0_d_samples_and_batched_indices():
    x, index = t(B, 5), autograd.tensor([4, 0, 4])
    close(vectorised(lambda v: v.index_select(0, index), x), looped(lambda v: v.index_select(0, index), x))
    indices = autograd.tensor(RNG.integers(0, 5, size=(B, 2)))
    with pytest.warns(UserWarning, match="Tensor.index_select"):
        close(
            vmap(lambda v, i: v.index_select(0, i))(x, indices),
            looped(lambda v, i: v.index_select(0, i), x, indices),
        )
    scalars, zero = t(B), autograd.tensor([0])
    with pytest.warns(UserWarning, match="Tensor.index_select"):
        close(
            vmap(lambda v: v.index_select(0, zero))(scalars),
            looped(lambda v: v.index_select(0, zero), scalars),
        )


def test_setitem_aligns_a_lower_rank_batched_value_and_refuses_batched_indices_and_wider_values():
    x, rows = t(B, 2, 3), t(B, 3)

    def put(v, w):
        out = v.clone()
        out[...] = w  # (3,) into (2, 3): each sample's row into both of its rows
        return out

    close(vectorised(put, x, rows), looped(put, x, rows))
    where = autograd.tensor(RNG.integers(0, 2, size=(B,)))

    def put_at(v, i):
        out = v.clone()
        out[i] = 0.0
        return out

    with pytest.raises(RuntimeError, match="batched index has no batching rule"):
        vmap(put_at)(x, where)

    def into_outer(a):
        def inner(b):
            out = a.clone()
            out[0] = b  # `out` is batched over the outer vmap only, b over the inner one too
            return out

        return vmap(inner)(t(5, 3))

    with pytest.raises(RuntimeError, match=r"__setitem__\(self, \*extra_args\) is not possible"):
        vmap(into_outer)(x)


def test_permute_with_a_list_a_single_dim_and_a_wrong_order():
    x = t(B, 2, 3)
    for func in (lambda v: v.permute([1, 0]), lambda v: v.permute((1, 0)), lambda v: v.permute(-1, 0)):
        close(vectorised(func, x), looped(func, x))
    vector = t(B, 3)
    close(vectorised(lambda v: v.permute(0), vector), vector)
    errors_alike(lambda v: v.permute(0, 0), x)


def test_max_and_min_with_a_tensor_are_maximum_and_minimum():
    x, y = t(B, 3), t(B, 3)
    func = lambda v, w: v.max(w) * 2 + v.min(w)  # noqa: E731
    close(vectorised(func, x, y), looped(func, x, y))
