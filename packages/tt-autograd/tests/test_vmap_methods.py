"""The methods a batched tensor answers itself (:mod:`tt_autograd._vmap_methods`) and the per-sample
fallback (:mod:`tt_autograd.batched`), against loops.

Each batched form is checked against the plain method applied to one sample at a time (its value,
or its error for a call one sample refuses), and in physical mode (inside a rule) each is the plain
method on the physical array. An operation without a batching rule runs once per sample
(:func:`~tt_autograd.batched.per_sample`): its batched arguments, wherever they sit (positional,
keyword, inside lists, batched over some of the nested vmap levels only), are cut into samples and
the results stacked.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd.batched import aligned, physical

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
    lambda v: v.bernoulli_(0.0),  # (a random fill: zeros with p = 0)
    lambda v: v.diagonal(),
    lambda v: v.trace(),
    lambda v: v.nan_to_num(),
    lambda v: v.logcumsumexp(0),
    lambda v: v.index_fill(0, autograd.tensor([1]), 2.0),
    lambda v: v.nanmean(1),
    lambda v: v.count_nonzero(),
    lambda v: v.addmm(v, autograd.eye(3, dtype=v.dtype)),
    lambda v: v.copy_(v * 3 + 1),  # (the physical arrays: the whole batch at once)
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

    vmap(func, randomness="different")(x)
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


def ellipsis_dot(a, b):
    return autograd.einsum("...i,...i->...", a, b)  # (an ellipsis: no rule, the per-sample loop)


def test_in_physical_mode_a_batched_tensor_reads_as_its_physical_array():
    x = t(B, 3)
    seen = {}

    def func(v):
        with physical():
            seen.update(
                shape=tuple(v.shape), ndim=v.ndim, values=v.tolist(), array=np.asarray(v), numpy=v.numpy()
            )
        return v

    vmap(func)(x)
    assert seen["shape"] == (B, 3) and seen["ndim"] == 2
    assert seen["values"] == x.tolist()
    np.testing.assert_array_equal(seen["array"], x.numpy())
    np.testing.assert_array_equal(seen["numpy"], x.numpy())
    with pytest.raises(RuntimeError, match=r"tolist\(\) reads a tensor's Python values"):
        vmap(lambda v: v.tolist())(x)  # (the logical view refuses)


def test_an_operand_not_batched_over_a_level_keeps_size_1_there_unless_expanded():
    outer, inner = t(B, 3), t(5, 3)
    shapes = {}

    def func(a, b):
        with physical():
            shapes["kept"] = tuple(aligned(a, (1, 2), {1: B, 2: 5}, 2).shape)
            shapes["expanded"] = tuple(aligned(a, (1, 2), {1: B, 2: 5}, 2, expand=True).shape)
        return a * b

    got = vmap(lambda a: vmap(lambda b: func(a, b))(inner))(outer)
    assert shapes == {"kept": (B, 1, 1, 3), "expanded": (B, 5, 1, 3)}
    close(got, outer[:, None, :] * inner[None, :, :])


def test_the_fallback_cuts_operands_batched_over_different_nested_levels():
    outer, inner = t(B, 3), t(5, 3)
    with pytest.warns(UserWarning, match=r"no batching rule for Einsum.*loop over the 20 samples"):
        got = vmap(lambda a: vmap(lambda b: ellipsis_dot(a, b))(inner))(outer)
    close(got, (outer[:, None, :] * inner[None, :, :]).sum(-1))


def test_the_fallback_on_a_batch_of_one_sample():
    x = t(1, 3)
    with pytest.warns(UserWarning, match="loop over the 1 samples"):
        got = vmap(lambda v: ellipsis_dot(v, v))(x)
    close(got, (x * x).sum(-1))


def test_a_fallback_returning_a_non_tensor_is_refused():
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="returned bool, not a tensor"):
        vmap(lambda v: v.sum().is_nonzero())(t(B, 3))


def test_batched_keyword_arguments_and_lists_of_batched_tensors_are_cut_into_samples():
    x, y = t(B, 3), t(B, 3)
    with pytest.warns(UserWarning, match="Tensor.vdot"):
        got = vmap(lambda v, w: v.vdot(other=w))(x, y)
    close(got, (x * y).sum(1))
    minus = autograd.tensor(-1.0, dtype=autograd.float64)
    with pytest.warns(UserWarning, match="Tensor.index_put"):
        got = vmap(lambda v: v.index_put([v > 0], minus))(x)  # (a batched mask in a list)
    want = np.where(x.numpy() > 0, -1.0, x.numpy())
    np.testing.assert_array_equal(got.numpy(), want)


def test_dtype_conversions_by_name_are_batched_casts():
    x = t(B, 3) * 3
    func = lambda v: (v.long(), v.int(), v.short(), v.char(), v.byte(), v.bool())  # noqa: E731
    got = vectorised(func, x)
    for g, w in zip(got, (looped(lambda v, k=k: func(v)[k], x) for k in range(6))):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g.numpy(), w.numpy())
