"""Writes at positions: ``index_add``/``index_copy``/``index_fill``/``index_put``/``put``/``masked_scatter``,
``scatter_reduce``/``index_reduce`` and their in-place forms: values against NumPy or slow loops written
here, gradients against central differences (``gradcheck``, float64, repeated indices and broadcasting
included) and of second order (``gradgradcheck``: ``PutFunction``, ``ScatterReduceFunction``), PyTorch
2.13's values where its rules are subtle (ties, zeros, integer means: checked against torch in a scratch
script and pinned here), in-place rules and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.gradients import grad

import tinytorch as tt

RNG = np.random.default_rng(23)


def _leaf(*shape, integers=False):
    values = RNG.integers(-3, 4, shape).astype(float) if integers else RNG.standard_normal(shape)
    return autograd.tensor(values, requires_grad=True)


def _f(values):
    """A float64 tensor (a Python list alone would make float32)."""
    return autograd.tensor(np.asarray(values, dtype=np.float64))


def _ids(values):
    return autograd.tensor(np.array(values, dtype=np.int64))


# ----------------------------------------------------------------- index_add / index_copy / index_fill
def test_index_add_adds_repeated_slices_times_alpha():
    a, s = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))
    out = autograd.tensor(a).index_add(1, _ids([2, 2]), autograd.tensor(s), alpha=-0.5)
    expected = a.copy()
    for j, i in enumerate([2, 2]):
        expected[:, i] += -0.5 * s[:, j]
    np.testing.assert_allclose(out.numpy(), expected)


def test_index_add_on_integers_takes_the_integer_part_of_alpha():  # as torch 2.13
    ints = autograd.zeros(3, dtype=autograd.int64)
    assert ints.index_add(0, _ids([0]), autograd.tensor([3]), alpha=2.5).tolist() == [6, 0, 0]


def test_index_add_copy_fill_gradients():
    a, s = _leaf(4, 3), _leaf(2, 3)
    gradcheck(lambda a, s: a.index_add(0, _ids([1, 1]), s, alpha=3), [a, s])
    gradgradcheck(lambda a, s: a.index_add(-2, _ids([3, 1]), s) ** 2, [a, s])
    gradcheck(lambda a, s: a.index_copy(0, _ids([3, 0]), s), [a, s])
    gradgradcheck(lambda a, s: a.index_copy(0, _ids([3, 0]), s * s), [a, s])
    v = autograd.tensor(0.7, dtype=autograd.float64, requires_grad=True)
    gradcheck(lambda a, v: a.index_fill(1, _ids([2, 0, 2]), v), [a, v])
    gradgradcheck(lambda a, v: a.index_fill(1, _ids([2]), v * v) * a, [a, v])


def test_index_copy_and_fill_values():
    a = np.arange(6.0).reshape(2, 3)
    out = autograd.tensor(a).index_copy(1, _ids([2, 0]), _f([[10.0, 20.0], [30.0, 40.0]]))
    np.testing.assert_array_equal(out.numpy(), [[20.0, 1.0, 10.0], [40.0, 4.0, 30.0]])
    filled = autograd.tensor(a).index_fill(-1, _ids([0, 0]), -1.0)
    np.testing.assert_array_equal(filled.numpy(), [[-1.0, 1.0, 2.0], [-1.0, 4.0, 5.0]])
    ints = autograd.tensor([[1, 2], [3, 4]]).index_fill(0, _ids([1]), 2.7)  # cast to the tensor's dtype
    assert ints.dtype == autograd.int64 and ints.tolist() == [[1, 2], [2, 2]]


def test_index_fill_counts_negative_indices_from_the_end_and_wants_int64():  # as torch 2.13
    assert autograd.zeros(3).index_fill(0, _ids([-1]), 2.0).tolist() == [0.0, 0.0, 2.0]
    with pytest.raises(IndexError, match="index_fill: index must be an int64 tensor"):
        autograd.zeros(3).index_fill(0, autograd.tensor(np.array([0], dtype=np.int32)), 2.0)
    with pytest.raises(IndexError, match="index_copy: index out of range"):  # (index_add/index_copy: no)
        autograd.zeros(3).index_copy(0, _ids([-1]), autograd.ones(1))


def test_index_fill_value_gradient_counts_each_position_once():
    v = autograd.tensor(2.0, requires_grad=True)
    autograd.zeros(2, 3).index_fill(1, _ids([0, 2, 2, -1]), v).sum().backward()
    assert v.grad.item() == 4.0  # PyTorch 2.13: 2 rows x 2 distinct columns (-1 is column 2)


def test_index_ops_on_a_scalar_tensor():  # PyTorch: a 0-d tensor is one element along dim 0
    assert tt.tensor(1.0).index_add(0, _ids([0]), tt.tensor(2.0)).item() == 3.0
    assert tt.tensor(1.0).index_fill(0, _ids([0]), 2.0).shape == ()
    copied = tt.tensor(1.0).index_copy(0, _ids([0]), tt.tensor(4.0))
    assert copied.shape == () and copied.item() == 4.0
    reduced = tt.tensor(3.0).index_reduce(0, _ids([0]), tt.tensor([2.0]), "prod")
    assert reduced.shape == () and reduced.item() == 6.0
    scattered = tt.tensor(3.0).scatter_reduce(0, autograd.tensor(0), tt.tensor(2.0), "amin")
    assert scattered.shape == () and scattered.item() == 2.0
    assert tt.zeros(3).index_add(0, autograd.tensor(1), tt.ones(1)).tolist() == [0.0, 1.0, 0.0]  # a 0-d index
    assert tt.tensor(1.0).index_fill(0, np.array([0]), 2.0).item() == 2.0  # an index given as an array


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: a.index_add(0, _ids([0]), autograd.ones(1, 3, dtype=autograd.float64)), "same dtype"),
        (lambda a: a.index_add(0, _ids([0]), autograd.ones(2, 3)), "does not match"),
        (lambda a: a.index_copy(0, _ids([2]), autograd.ones(1, 3)), "out of range"),
        (lambda a: a.index_copy(0, autograd.tensor([0.0]), autograd.ones(1, 3)), "integer tensor"),
        (lambda a: a.index_fill(0, _ids([[0]]), 1.0), "0-D or 1-D"),
        (lambda a: a.index_fill(0, _ids([0]), autograd.ones(2)), "0-d tensor"),
        (lambda a: a.index_put((_ids([0]),), autograd.ones(2)), "do not broadcast"),
        (lambda a: a.index_put(_ids([0]), 1.0), "tuple of tensors"),
        (lambda a: a.index_put((_ids([0]),), 1.0), "argument 'values' must be a Tensor"),
        (lambda a: a.index_add(0, _ids([0]), [[1.0, 2.0, 3.0]]), "index_add: argument 'source' must be"),
        (lambda a: a.put(_ids([0]), [1.0]), "put: argument 'source' must be a Tensor"),
        (lambda a: a.put(_ids([0]), autograd.ones(1, dtype=autograd.float64)), "put: self .* same dtype"),
        (lambda a: a.index_put((_ids([0]),), _f(1.0)), "index_put: self .* same dtype"),
        (
            lambda a: a.index_put((_ids([0]), _ids([0]), _ids([0])), autograd.tensor(1.0)),
            "index_put: too many indices",
        ),
        (
            lambda a: a.index_put(
                (autograd.ones(2, 3, dtype=autograd.bool), _ids([0])), autograd.tensor(1.0)
            ),
            "index_put: too many",
        ),
        (lambda a: a.index_copy(0, _ids([0]), autograd.ones(1, 3, dtype=autograd.int64)), "index_copy: self"),
        (
            lambda a: a.masked_scatter(autograd.ones(3, dtype=autograd.bool), _f(np.ones(6))),
            "masked_scatter: self",
        ),
        (
            lambda a: a.index_reduce(0, _ids([0]), [[1.0, 2.0, 3.0]], "amax"),
            "index_reduce: source must be a tensor",
        ),
        (lambda a: a.expand(2, 2, 3).index_fill_(0, _ids([0]), 1.0), "index_fill_: the tensor is read-only"),
        (
            lambda a: a[0].masked_scatter_(autograd.ones(2, 3, dtype=autograd.bool), autograd.ones(6)),
            r"masked_scatter_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]: the "
            r"result \(shape \[2, 3\], float32\) can't be written back into self \(shape \[3\], float32\); "
            r"use the out-of-place masked_scatter\(\) instead",
        ),
        (lambda a: a.put(_ids([0, 1]), autograd.ones(3)), "same number of elements"),
        (lambda a: a.put(_ids([6]), autograd.ones(1)), "out of range"),
        (lambda a: a.masked_scatter(autograd.ones(2, 3), autograd.ones(6)), "bool tensor"),
        (lambda a: a.masked_scatter(autograd.ones(2, 3, dtype=autograd.bool), autograd.ones(5)), "fewer"),
        (lambda a: a.masked_scatter(autograd.ones(4, dtype=autograd.bool), autograd.ones(9)), "broadcast"),
    ],
)
def test_errors_name_the_op(call, message):
    with pytest.raises((RuntimeError, IndexError, TypeError), match=message):
        call(autograd.zeros(2, 3))


# ----------------------------------------------------------------- index_put / put / masked_scatter
def test_index_put_writes_or_accumulates():
    a = np.zeros((2, 3))
    both = autograd.tensor(a).index_put(
        (autograd.tensor([[True, False, False], [False, False, True]]),), _f(2.0)
    )
    assert both.tolist() == [[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]]  # a 2-d mask spans both dims
    key = (_ids([0, 0, 1]), _ids([1, 1, 2]))
    added = autograd.tensor(a).index_put(key, _f([1.0, 2.0, 4.0]), accumulate=True)
    np.testing.assert_array_equal(added.numpy(), [[0.0, 3.0, 0.0], [0.0, 0.0, 4.0]])
    rows = autograd.tensor(a).index_put((autograd.tensor([True, False]),), _f([1.0, 2, 3]))
    np.testing.assert_array_equal(rows.numpy(), [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    mask = autograd.tensor([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(autograd.tensor(a).index_put((mask,), _f(3.0)).numpy(), 3.0 * mask.numpy())


def test_index_put_gradients_with_repeats_and_broadcast_values():
    a = _leaf(4, 3)
    key = (_ids([0, 0, 3]), _ids([1, 1, 2]))
    gradcheck(lambda a, v: a.index_put(key, v, accumulate=True), [a, _leaf(3)])
    gradgradcheck(lambda a, v: a.index_put(key, v * a[0, 0], accumulate=True), [a, _leaf(1)])
    gradcheck(lambda a, v: a.index_put((_ids([2, 0]),), v), [a, _leaf(3)])  # values broadcast to (2, 3)
    gradgradcheck(lambda a, v: a.index_put((_ids([2, 0]),), v * v) * a, [a, _leaf(1, 3)])


def test_put_is_index_put_on_the_flattened_tensor():
    a = np.arange(6.0).reshape(2, 3)
    out = autograd.tensor(a).put(_ids([-1, 0]), _f([9.0, 8.0]))
    np.testing.assert_array_equal(out.numpy(), [[8.0, 1.0, 2.0], [3.0, 4.0, 9.0]])
    summed = autograd.tensor(a).put(_ids([1, 1]), _f([9.0, 8.0]), accumulate=True)
    np.testing.assert_array_equal(summed.numpy(), [[0.0, 18.0, 2.0], [3.0, 4.0, 5.0]])
    gradcheck(lambda a, s: a.put(_ids([[5, 0], [5, -6]]), s, accumulate=True), [_leaf(2, 3), _leaf(4)])
    gradgradcheck(lambda a, s: a.put(_ids([4, 1]), s * s) * a, [_leaf(2, 3), _leaf(2, 1)])


def test_masked_scatter_fills_in_order_and_broadcasts_self():
    mask = np.array([[True, False, True], [False, True, True]])
    out = _f([7.0, 8.0, 9.0]).masked_scatter(autograd.tensor(mask), _f(np.arange(4.0)))  # exactly enough
    expected = np.array([[7.0, 8.0, 9.0]] * 2)
    expected[mask] = np.arange(4.0)
    np.testing.assert_array_equal(out.numpy(), expected)
    gradcheck(lambda a, s: a.masked_scatter(autograd.tensor(mask[0]), s), [_leaf(2, 3), _leaf(3, 2)])
    gradgradcheck(lambda a, s: a.masked_scatter(autograd.tensor(mask), s * s), [_leaf(3), _leaf(5)])


# ----------------------------------------------------------------- scatter_reduce / index_reduce
def _slow_scatter_reduce(a, dim, index, src, reduce, include_self):
    """One element at a time: the positions each result element combines, then their reduction."""
    groups = {pos: ([a[pos]] if include_self else []) for pos in np.ndindex(a.shape)}
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        groups[tuple(target)].append(src[pos])
    combine = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    return np.array([combine(g) if g else a[p] for p, g in groups.items()]).reshape(a.shape)


REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values(reduce, include_self):
    a, src = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 5))
    index = RNG.integers(0, 4, (3, 5))
    out = autograd.tensor(a).scatter_reduce(
        -1, autograd.tensor(index), autograd.tensor(src), reduce, include_self=include_self
    )
    np.testing.assert_allclose(out.numpy(), _slow_scatter_reduce(a, 1, index, src, reduce, include_self))


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients(reduce, include_self):
    index = autograd.tensor(np.array([[0, 2], [0, 0], [3, 0]]))  # repeats; position 1 of dim 0 untouched
    a, src = _leaf(4, 2), _leaf(3, 2)
    if reduce == "prod":  # zeros: one alone at a position, two together, one in self
        src = autograd.tensor(
            [[0.0, 1.5], [0.0, -2.0], [0.5, 0.0]], dtype=autograd.float64, requires_grad=True
        )
        a = autograd.tensor(
            [[1.5, 0.7], [2.0, 3.0], [1.2, 0.0], [-0.8, 1.1]], dtype=autograd.float64, requires_grad=True
        )
    gradcheck(lambda a, s: a.scatter_reduce(0, index, s, reduce, include_self=include_self), [a, src])
    if reduce != "prod":
        gradgradcheck(
            lambda a, s: a.scatter_reduce(0, index, s * s, reduce, include_self=include_self) * a, [a, src]
        )


def test_scatter_reduce_src_larger_than_index_uses_its_leading_block():
    index = autograd.tensor(np.array([[0, 1], [1, 1]]))
    out = autograd.zeros(2, 2).scatter_reduce(0, index, autograd.ones(3, 4), "sum")
    assert out.tolist() == [[1.0, 0.0], [1.0, 2.0]]
    for (
        reduce
    ) in REDUCES:  # (PyTorch 2.13's backward refuses this case; the block's gradient, zeros elsewhere)
        gradcheck(
            lambda a, s, reduce=reduce: a.scatter_reduce(1, index, s, reduce, include_self=False),
            [_leaf(2, 3), _leaf(3, 4)],
        )
    gradgradcheck(lambda a, s: a.scatter_reduce(0, index, s * s, "amax") * a, [_leaf(2, 2), _leaf(3, 2)])


def test_scatter_reduce_prod_second_order_with_one_zero_per_position():
    index = autograd.tensor(np.array([0, 0, 1, 2]))
    a = autograd.tensor([1.5, 0.0, -0.7], dtype=autograd.float64, requires_grad=True)
    src = autograd.tensor([0.0, 2.0, 1.3, 0.4], dtype=autograd.float64, requires_grad=True)
    gradgradcheck(lambda a, s: a.scatter_reduce(0, index, s, "prod"), [a, src])
    gradgradcheck(lambda a, s: a.scatter_reduce(0, index, s, "prod", include_self=False), [a, src])


def test_scatter_reduce_prod_refuses_second_order_with_two_zeros_like_pytorch():
    a = autograd.tensor([1.5, 2.0], dtype=autograd.float64, requires_grad=True)
    src = autograd.tensor([0.0, 0.0], dtype=autograd.float64, requires_grad=True)
    out = a.scatter_reduce(0, _ids([0, 0]), src, "prod")
    with pytest.raises(RuntimeError, match="more than one zero"):
        grad(out.sum(), [src], create_graph=True)


def _grads(a, src, index, reduce, include_self, weights):
    a = autograd.tensor(a, requires_grad=True)
    src = autograd.tensor(src, requires_grad=True)
    out = a.scatter_reduce(0, _ids(index), src, reduce, include_self=include_self)
    (out * autograd.tensor(weights)).sum().backward()
    return out.tolist(), a.grad.tolist(), src.grad.tolist()


def test_scatter_reduce_pytorch_values_at_ties_and_zeros():  # pinned from torch 2.13
    assert _grads(
        [2.0, 0.0, 3.0], [0.0, 5.0, 4.0, 0.0, 0.0], [0, 0, 1, 2, 2], "prod", True, [1.0, 2.0, 3.0]
    ) == (
        [0.0, 0.0, 0.0],
        [0.0, 8.0, 0.0],
        [10.0, 0.0, 0.0, 0.0, 0.0],
    )
    assert _grads(
        [2.0, 0.0, 3.0], [0.0, 5.0, 4.0, 1.0, 2.0], [0, 0, 1, 2, 2], "prod", False, [1.0, 2.0, 3.0]
    ) == (
        [0.0, 4.0, 2.0],
        [0.0, 0.0, 0.0],
        [5.0, 0.0, 2.0, 6.0, 3.0],
    )
    # ties share the gradient evenly; self counts among them even when include_self=False (PyTorch's rule)
    assert _grads([1.0, 5.0, 2.0], [5.0, 5.0, 3.0, 2.0], [1, 1, 0, 2], "amax", True, [3.0, 6.0, 4.0]) == (
        [3.0, 5.0, 2.0],
        [0.0, 2.0, 2.0],
        [2.0, 2.0, 3.0, 2.0],
    )
    assert _grads([1.0, 5.0, 2.0], [5.0, 5.0, 3.0, 2.0], [1, 1, 0, 2], "amin", False, [3.0, 6.0, 4.0]) == (
        [3.0, 5.0, 2.0],
        [0.0, 0.0, 0.0],
        [2.0, 2.0, 3.0, 2.0],
    )
    out, grad_a, grad_src = _grads(
        [1.0, 5.0, 2.0], [5.0, 6.0, 3.0, 2.0], [1, 1, 0, 0], "mean", True, [3.0, 6.0, 4.0]
    )
    np.testing.assert_allclose(out, [2.0, 16 / 3, 2.0])
    assert (grad_a, grad_src) == ([1.0, 2.0, 4.0], [2.0, 2.0, 1.0, 1.0])


def test_integer_mean_floors_and_empty_positions_keep_self():  # pinned from torch 2.13
    ints = autograd.tensor([7, -7, 3])
    assert ints.scatter_reduce(0, _ids([0, 1, 1]), autograd.tensor([0, -1, 2]), "mean").tolist() == [3, -2, 3]
    assert autograd.tensor([1, 2, 3]).scatter_reduce(
        0, _ids([0, 0, 1]), autograd.tensor([-4, -5, -7]), "mean", include_self=False
    ).tolist() == [-5, -7, 3]
    ints, pair = autograd.tensor([1, 2, 3]), _ids([0, 0])
    # without self, an extreme of src alone (the start value is the dtype's opposite extreme)
    assert ints.scatter_reduce(0, pair, autograd.tensor([5, 7]), "amin", include_self=False).tolist()[0] == 5
    assert (
        ints.scatter_reduce(0, pair, autograd.tensor([-5, -7]), "amax", include_self=False).tolist()[0] == -5
    )
    flags = autograd.tensor([False, True])
    assert flags.scatter_reduce(
        0, pair, autograd.tensor([True, True]), "amin", include_self=False
    ).tolist() == [True, True]
    assert flags.scatter_reduce(
        0, pair, autograd.tensor([False, False]), "amax", include_self=False
    ).tolist() == [False, True]
    with pytest.raises(RuntimeError, match="'mean' is not implemented for bool"):
        flags.scatter_reduce(0, pair, flags, "mean")
    picked = autograd.tensor([1, 2, 3]).scatter_reduce(
        0, _ids([0, 0]), autograd.tensor([5, -9]), "amin", include_self=False
    )
    assert picked.tolist() == [-9, 2, 3]


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_is_scatter_reduce_with_the_index_spread(reduce, include_self):
    a, source = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 5))
    index = np.array([2, 0, 2, 2, 3])
    out = autograd.tensor(a).index_reduce(
        1, autograd.tensor(index), autograd.tensor(source), reduce, include_self=include_self
    )
    spread = np.broadcast_to(index, (3, 5))
    np.testing.assert_allclose(out.numpy(), _slow_scatter_reduce(a, 1, spread, source, reduce, include_self))
    gradcheck(
        lambda a, s: a.index_reduce(1, _ids(index), s, reduce, include_self=include_self),
        [_leaf(3, 4), _leaf(3, 5)],
    )


def test_index_reduce_pytorch_values():  # pinned from torch 2.13
    ints = autograd.tensor([[1, 2], [3, 4]])
    assert ints.index_reduce(0, _ids([1, 1]), autograd.tensor([[2, 2], [3, -1]]), "prod").tolist() == [
        [1, 2],
        [18, -8],
    ]
    floats = autograd.tensor([[1.0, 2], [3, 4]])
    out = floats.index_reduce(
        1, _ids([0, 0]), autograd.tensor([[2.0, 5], [3, -1]]), "amax", include_self=False
    )
    assert out.tolist() == [[5.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="index_reduce: reduce must be one of"):
        floats.index_reduce(0, _ids([0]), autograd.ones(1, 2), "sum")


def test_scatter_reduce_errors():
    a = autograd.zeros(2, 3)
    with pytest.raises(RuntimeError, match="scatter_reduce: reduce must be one of"):
        a.scatter_reduce(0, _ids([[0]]), autograd.ones(1, 1), "max")
    with pytest.raises(RuntimeError, match="same dtype"):
        a.scatter_reduce(0, _ids([[0]]), autograd.ones(1, 1, dtype=autograd.float64), "sum")
    with pytest.raises(TypeError, match="src must be a tensor"):
        a.scatter_reduce(0, _ids([[0]]), 1.0, "sum")
    with pytest.raises(IndexError, match="out of range"):
        a.scatter_reduce(0, _ids([[2]]), autograd.ones(1, 1), "sum")


# ----------------------------------------------------------------- in-place forms
INPLACE = {
    "index_add_": lambda t, s: t.index_add_(0, _ids([1, 1]), s[:2]),
    "index_copy_": lambda t, s: t.index_copy_(0, _ids([2, 0]), s[:2]),
    "index_fill_": lambda t, s: t.index_fill_(1, _ids([0]), s[0, 0]),
    "index_put_": lambda t, s: t.index_put_((_ids([0, 2]),), s[0], accumulate=True),
    "put_": lambda t, s: t.put_(_ids([0, 4]), s[0, :2]),
    "masked_scatter_": lambda t, s: t.masked_scatter_(autograd.tensor([True, False]), s.reshape(-1)),
    "scatter_reduce_": lambda t, s: t.scatter_reduce_(0, _ids([[0, 0]]), s[:1], "amax"),
    "index_reduce_": lambda t, s: t.index_reduce_(0, _ids([2]), s[:1], "prod"),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_match_out_of_place_and_record(name):
    base, source = RNG.standard_normal((3, 2)), RNG.standard_normal((2, 2))
    expected = getattr(autograd.tensor(base), name[:-1])
    plain = autograd.tensor(base)
    version = plain._version
    assert INPLACE[name](plain, autograd.tensor(source)) is plain and plain._version == version + 1
    out_of_place = INPLACE[name](autograd.tensor(base).clone(), autograd.tensor(source))  # same values
    np.testing.assert_allclose(plain.numpy(), out_of_place.numpy())
    assert callable(expected)

    def fn(a, s):
        t = a * 1.0  # a non-leaf: recorded in place
        return INPLACE[name](t, s)

    gradcheck(fn, [autograd.tensor(base, requires_grad=True), autograd.tensor(source, requires_grad=True)])
    leaf = autograd.tensor(base, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{name}: in-place operation on a leaf"):
        INPLACE[name](leaf, autograd.tensor(source))
    with autograd.no_grad():
        INPLACE[name](leaf, autograd.tensor(source))  # allowed, as an optimizer's write


def test_inplace_on_a_non_leaf_keeps_retain_grad():
    x = autograd.tensor(np.ones(3), requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    y.index_fill_(0, _ids([1]), 5.0)
    (y * y).sum().backward()  # y.grad: of the new version (the old one's is 0 where it was overwritten)
    assert y.grad.tolist() == [4.0, 10.0, 4.0] and x.grad.tolist() == [8.0, 0.0, 8.0]


def test_inplace_keeps_views_in_step():
    base = autograd.zeros(2, 3)
    row = base[1]
    row.index_fill_(0, _ids([2]), 5.0)
    assert base.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]]


# ----------------------------------------------------------------- function forms
def test_function_forms_call_the_methods_and_check_the_input():
    a = autograd.tensor(np.arange(6.0).reshape(2, 3))
    assert tt.index_add(a, 0, _ids([0]), _f(np.ones((1, 3))), alpha=2).tolist() == [
        [2.0, 3.0, 4.0],
        [3.0, 4.0, 5.0],
    ]
    assert tt.scatter_reduce(a, 1, _ids([[0, 0]]), _f([[1.0, 1.0]]), "sum").tolist()[0] == [2.0, 1.0, 2.0]
    assert tt.put(a, _ids([5]), _f([0.0])).tolist()[1] == [3.0, 4.0, 0.0]
    target = a.clone()
    assert tt.index_put_(target, (_ids([0]),), _f(7.0)) is target and target[0].tolist() == [7.0] * 3
    assert tt.index_add.__name__ == "index_add" and "torch.index_add" in tt.index_add.__doc__
    with pytest.raises(TypeError, match="index_add: argument 'input' must be a Tensor"):
        tt.index_add([1.0], 0, _ids([0]), autograd.ones(1))


def test_a_recorded_in_place_index_op_is_seen_by_an_earlier_view_with_its_history():
    x = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    y = x * 2.0
    first = y[0]  # taken before the write: reads the new value, as in PyTorch
    src = autograd.tensor([5.0], dtype=autograd.float64, requires_grad=True)
    y.index_add_(0, autograd.tensor([0]), src)
    assert y.tolist() == [7.0, 4.0, 6.0] and first.item() == 7.0
    (y.sum() + 10.0 * first).backward()
    np.testing.assert_allclose(x.grad.numpy(), [22.0, 2.0, 2.0])
    np.testing.assert_allclose(src.grad.numpy(), [11.0])
