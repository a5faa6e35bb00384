"""``vmap``'s per-sample fallback and physical mode (:mod:`tt_autograd.batched`).

An operation without a batching rule runs once per sample (:func:`~tt_autograd.batched.per_sample`):
its batched arguments, wherever they sit (positional, keyword, inside lists, batched over some of the
nested vmap levels only), are cut into samples and the results stacked. Inside a rule
(:func:`~tt_autograd.batched.physical`) a batched tensor is its physical array, for reading too.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd.batched import aligned, physical

RNG = np.random.default_rng(7)
B = 4


def t(*shape):
    return autograd.tensor(RNG.standard_normal(shape), dtype=autograd.float64)


def close(got, want):
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


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
        vmap(lambda v: v.equal(v))(t(B, 3))


def test_batched_keyword_arguments_and_lists_of_batched_tensors_are_cut_into_samples():
    x, y = t(B, 3), t(B, 3)
    with pytest.warns(UserWarning, match="Tensor.lerp"):
        got = vmap(lambda v, w: v.lerp(end=w, weight=0.25))(x, y)
    close(got, x + 0.25 * (y - x))
    where = autograd.tensor(RNG.integers(0, 3, size=(B, 1)))
    minus = autograd.tensor(-1.0, dtype=autograd.float64)
    with pytest.warns(UserWarning, match="Tensor.index_put"):
        got = vmap(lambda v, i: v.index_put([i], minus))(x, where)
    want = x.numpy().copy()
    want[np.arange(B), where.numpy()[:, 0]] = -1.0
    np.testing.assert_array_equal(got.numpy(), want)
