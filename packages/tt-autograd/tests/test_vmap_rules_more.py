"""``vmap``'s rules for kthvalue, median(dim), mode, cdist, roll, take_along_dim and index_add.

Each op runs under vmap with warnings as errors (no per-sample fallback may run) and must give what
the op gives one sample at a time, stacked; so must its per-sample gradients, ``vmap(grad(...))``
against ``grad`` of each sample's loss. Inputs the op refuses loop, so their error is the op's own.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd.batched import BatchedTensor
from tt_autograd.transforms import grad

B = 3
GEN = np.random.default_rng(28)


def floats(*shape):
    return autograd.tensor(GEN.standard_normal(shape), dtype=autograd.float64)


def integers(*shape, high=3):
    return autograd.tensor(GEN.integers(0, high, size=shape))


def one_by_one(func, args, in_dims):
    """``func`` of each sample (each argument cut at its in_dim, or whole for None), stacked."""
    cut = [[a if d is None else a.select(d, k) for a, d in zip(args, in_dims)] for k in range(B)]
    return [func(*sample) for sample in cut]


def stacked(results):
    if isinstance(results[0], tuple):
        return tuple(autograd.stack([r[k] for r in results]) for k in range(len(results[0])))
    return autograd.stack(results)


def equal(got, want):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            equal(g, w)
        return
    assert type(got) is not BatchedTensor and got.dtype == want.dtype
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def agrees(func, *args, in_dims=0, argnums=None):
    """vmap(func) equals the loop; with ``argnums``, so do the per-sample gradients of a loss of it."""
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rule, not the loop
        got = vmap(func, in_dims=in_dims)(*args)
    equal(got, stacked(one_by_one(func, args, dims)))
    if argnums is not None:
        loss = grad(lambda *a: _first(func(*a)).pow(2).sum(), argnums=argnums)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            grads = vmap(loss, in_dims=in_dims)(*args)
        equal(grads, stacked(one_by_one(loss, args, dims)))


def _first(out):
    return out[0] if isinstance(out, tuple) else out


ORDER_STATS = [
    lambda v: v.kthvalue(2, 1),
    lambda v: v.kthvalue(3, dim=-1, keepdim=True),
    lambda v: v.kthvalue(1),
    lambda v: autograd.kthvalue(v, 2, 0),
    lambda v: v.median(1),
    lambda v: v.median(dim=-1, keepdim=True),
    lambda v: autograd.median(v, 0),
    lambda v: v.mode(0),
    lambda v: v.mode(dim=1, keepdim=True),
    lambda v: v.mode(),
]


@pytest.mark.parametrize("op", [lambda v: v.kthvalue(2), lambda v: v.median(0), lambda v: v.mode(-1)])
def test_kthvalue_median_and_mode_of_1_d_samples(op):
    agrees(op, floats(B, 5), argnums=0)


def test_order_stats_of_0_d_samples_and_refused_inputs_loop_for_the_ops_error():
    x = floats(B)
    with pytest.warns(UserWarning, match="Tensor.kthvalue"):
        equal(vmap(lambda v: v.kthvalue(1).values)(x), x)
    for func in (lambda v: v.kthvalue(5, 1), lambda v: v.mode(-3), lambda v: v.median(2)):
        with pytest.raises(Exception) as one:
            func(floats(3, 4))
        with pytest.raises(type(one.value)) as batched, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap(func)(floats(B, 3, 4))
        assert str(batched.value) == str(one.value)


NAN, INF = float("nan"), float("inf")
ROWS = [
    [1.0, 2.0, 2.0, 3.0],
    [5.0, 4.0, 4.0, 4.0],
    [0.0, NAN, 2.0, NAN],
    [0.1, 0.1, 0.1, 0.3],
    [1.0, INF, 2.0, 2.0],
]


@pytest.mark.parametrize(
    "op", [lambda v: v.median(), lambda v: autograd.nanmedian(v), lambda v: v[0].median()]
)
@pytest.mark.parametrize("dtype", [autograd.float64, autograd.float32])
def test_median_of_all_elements_is_exact_and_shares_its_gradient_among_ties(op, dtype):
    x = autograd.tensor(ROWS, dtype=dtype).reshape(5, 2, 2)  # ties, NaNs (nanmedian skips them), inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rule, not the loop
        got, grads = vmap(op)(x), vmap(grad(op))(x)
    want, each = autograd.stack([op(s) for s in x]), autograd.stack([grad(op)(s) for s in x])
    assert got.dtype == want.dtype == grads.dtype == dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())  # (NaN where the loop has NaN)
    np.testing.assert_array_equal(grads.numpy(), each.numpy())


CDIST = [
    (lambda a, b: autograd.cdist(a, b), ((B, 4, 3), (B, 5, 3)), (0, 0)),
    (lambda a, b: autograd.cdist(a, b, p=1.0), ((4, B, 3), (5, 3)), (1, None)),
    (lambda a, b: autograd.cdist(a, b, p=3.0), ((2, 4, 3), (B, 2, 5, 3)), (None, 0)),
    (lambda a, b: autograd.cdist(a, b, p=float("inf")), ((B, 2, 4, 3), (5, 3)), (0, None)),
    (lambda a, b: autograd.cdist(a, b), ((B, 4, 3), (2, 5, 3)), (0, None)),  # b's batch dim broadcasts
    (
        lambda a, b: autograd.cdist(a[None], b, compute_mode="use_mm_for_euclid_dist"),
        ((B, 4, 3), (B, 5, 3)),
        0,
    ),
]


@pytest.mark.parametrize("op, shapes, in_dims", CDIST)
def test_cdist_aligns_both_operands_so_the_batch_dims_lead(op, shapes, in_dims):
    argnums = tuple(
        i for i, d in enumerate(in_dims if isinstance(in_dims, tuple) else (0, 0)) if d is not None
    )
    agrees(op, *(floats(*s) for s in shapes), in_dims=in_dims, argnums=argnums)


def test_cdist_of_bad_ranks_or_columns_loops_for_the_ops_error():
    for func, x in [
        (lambda v: autograd.cdist(v, floats(2, 3)), floats(B, 3)),
        (lambda v: autograd.cdist(v, floats(4)), floats(B, 2, 4)),
        (lambda v: autograd.cdist(v, floats(2, 3)), floats(B, 2, 4)),
    ]:
        with pytest.raises(RuntimeError) as one:
            func(x[0])
        with pytest.raises(RuntimeError) as batched, pytest.warns(UserWarning, match="no batching rule"):
            vmap(func)(x)
        assert str(batched.value) == str(one.value)


ROLLS = [
    lambda v: v.roll(1, 0),
    lambda v: v.roll(-2, -1),
    lambda v: v.roll((1, 2), (0, 1)),
    lambda v: autograd.roll(v, (3,), (-2,)),
    lambda v: v.roll(5),  # no dims: each sample flattened, rolled, reshaped
    lambda v: v.roll((-1,)),
]


@pytest.mark.parametrize("op", ORDER_STATS + ROLLS)
@pytest.mark.parametrize("in_dim", [0, 2])
def test_kthvalue_median_mode_and_roll_shift_their_dim(op, in_dim):
    shape = [3, 4]
    shape.insert(in_dim, B)
    agrees(op, floats(*shape), in_dims=in_dim, argnums=0)
    agrees(op, integers(*shape).double(), in_dims=in_dim)  # ties (mode's smallest most frequent value)


def test_roll_of_a_0_d_sample_without_dims_is_the_rule_and_refused_rolls_loop_for_the_ops_error():
    x = floats(B)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        equal(vmap(lambda v: v.roll(2))(x), x)  # a flattened 0-d sample is one element
    for func, size in [
        (lambda v: v.roll((1, 2)), (3, 4)),
        (lambda v: v.roll((1, 2), 0), (3, 4)),
        (lambda v: v.roll(1, 0), ()),
    ]:
        with pytest.raises(Exception) as one:
            func(floats(*size))
        with pytest.raises(type(one.value)) as batched, pytest.warns(UserWarning, match="Roll"):
            vmap(func)(floats(B, *size))
        assert str(batched.value) == str(one.value)


TAKE_ALONG = [
    (lambda v, i: v.take_along_dim(i, 1), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, i: v.take_along_dim(i, 0), ((B, 3, 4), (2, 1)), (0, None)),  # broadcast plain indices
    (lambda v, i: v.take_along_dim(i, 0), ((B, 3, 1), (B, 2, 4)), (0, 0)),  # broadcast input
    (lambda v, i: autograd.take_along_dim(v, i, -1), ((3, 4), (B, 1, 2)), (None, 0)),  # a plain input
    (lambda v, i: v.take_along_dim(i), ((B, 3, 4), (B, 5)), (0, 0)),  # dim None: flattened
    (lambda v, i: v.take_along_dim(i), ((B, 3, 4), (5,)), (0, None)),
    (lambda v, i: v.take_along_dim(i.numpy(), 1), ((B, 3, 4), (1, 2)), (0, None)),  # an index array
]


@pytest.mark.parametrize("op, shapes, in_dims", TAKE_ALONG)
def test_take_along_dim_broadcasts_logical_shapes_then_gathers(op, shapes, in_dims):
    agrees(
        op, floats(*shapes[0]), integers(*shapes[1]), in_dims=in_dims, argnums=0 if in_dims[0] == 0 else None
    )


def test_take_along_dim_refuses_indices_of_another_rank_naming_the_samples_ranks():
    with pytest.raises(RuntimeError, match="need as many dims, got 2 and 1"):
        vmap(lambda v: v.take_along_dim(integers(2), 1))(floats(B, 3, 4))


INDEX_ADD = [
    (lambda v, s: v.index_add(1, autograd.tensor([0, 2]), s), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, s: v.index_add(0, autograd.tensor([1, 1]), s, alpha=2.5), ((B, 3, 4), (2, 4)), (0, None)),
    (lambda v, s: v.index_add(-1, autograd.tensor([3]), s), ((3, 4), (B, 3, 1)), (None, 0)),  # plain self
    (lambda v, s: autograd.index_add(v, 0, autograd.tensor(2), s), ((B, 4), (B, 1)), (0, 0)),
    (lambda v, s: v.index_add(0, [0, 0], s), ((B,), (B, 2)), (0, 0)),  # a 0-d sample: one element
    (lambda v, s: v.clone().index_add_(1, autograd.tensor([1, 0]), s), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, s: v.clone().index_add_(0, autograd.tensor([2]), s), ((3, B, 4), (1, 4)), (1, None)),
]


@pytest.mark.parametrize("op, shapes, in_dims", INDEX_ADD)
def test_index_add_puts_behind_the_batch_dims(op, shapes, in_dims):
    argnums = tuple(i for i, d in enumerate(in_dims) if d is not None)
    agrees(op, floats(*shapes[0]), floats(*shapes[1]), in_dims=in_dims, argnums=argnums)


BATCHED_INDEX = [  # (op of (self, index, source), shapes, in_dims): a batched index is scatter_add's
    (lambda v, i, s: v.index_add(1, i, s), ((B, 3, 4), (B, 2), (B, 3, 2)), (0, 0, 0)),
    (lambda v, i, s: v.index_add(0, i, s, alpha=-2.0), ((3, 4), (B, 3), (3, 4)), (None, 0, None)),
    (
        lambda v, i, s: autograd.zeros(5, dtype=autograd.float64).index_add(0, i, s),
        ((1,), (B, 4), (B, 4)),
        (None, 0, 0),
    ),
    (lambda v, i, s: v.clone().index_add_(-1, i, s), ((B, 2, 4), (B,), (B, 2, 1)), (0, 0, 0)),  # a 0-d index
]


@pytest.mark.parametrize("op, shapes, in_dims", BATCHED_INDEX)
def test_index_add_with_a_batched_index_scatters_each_samples_source(op, shapes, in_dims):
    args = (floats(*shapes[0]), integers(*shapes[1], high=2), floats(*shapes[2]))
    agrees(op, *args, in_dims=in_dims, argnums=(0, 2))  # (grad gives even an unbatched one per sample)


def test_index_add_with_a_batched_index_the_op_refuses_loops_for_its_error():
    index = integers(B, 2, high=2)
    for func, x, source in [
        (lambda v, i, s: v.index_add(0, i * 0 + 3, s), floats(B, 3, 4), floats(B, 2, 4)),  # out of range
        (lambda v, i, s: v.index_add(1, i - 2, s), floats(B, 3, 4), floats(B, 3, 2)),  # negative
        (lambda v, i, s: v.index_add(0, i, s), floats(B, 3, 4), floats(B, 2, 5)),  # the source's shape
        (lambda v, i, s: v.index_add(0, i, s.float()), floats(B, 3, 4), floats(B, 2, 4)),  # its dtype
        (lambda v, i, s: v.index_add(0, i[None], s), floats(B, 3, 4), floats(B, 2, 4)),  # a 2-d index
    ]:
        with pytest.raises(Exception) as one:
            func(x[0], index[0], source[0])
        with pytest.raises(type(one.value)) as batched, pytest.warns(UserWarning, match="Tensor.index_add"):
            vmap(func)(x, index, source)
        assert str(batched.value) == str(one.value)
    func = lambda v, i, s: v.index_add(0, i[:1] * 0, s)  # noqa: E731  (a 0-d self: the loop)
    args = (floats(B), index, floats(B, 1))
    with pytest.warns(UserWarning, match="Tensor.index_add"):
        equal(vmap(func)(*args), stacked(one_by_one(func, args, (0, 0, 0))))


def test_index_add_in_nested_vmaps_with_the_source_batched_over_the_outer_level_only():
    xs, sources, index = floats(5, 3, 4), floats(B, 2, 4), autograd.tensor([2, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(lambda s: vmap(lambda x: x.index_add(0, index, s))(xs))(sources)
    equal(got, autograd.stack([autograd.stack([x.index_add(0, index, s) for x in xs]) for s in sources]))


def test_index_add_errors_name_the_samples_shapes_and_in_place_into_a_plain_tensor_is_refused():
    index = autograd.tensor([0, 1])
    with pytest.raises(RuntimeError, match=r"source of shape \(2, 5\) does not match \(2, 4\)"):
        vmap(lambda v, s: v.index_add(0, index, s))(floats(B, 3, 4), floats(B, 2, 5))
    with pytest.raises(IndexError, match="index out of range for dim 1 of size 4"):
        vmap(lambda v: v.index_add(1, autograd.tensor([4]), v[:, :1]))(floats(B, 3, 4))
    with pytest.raises(RuntimeError, match="vmap"):
        vmap(lambda s: floats(3, 4).index_add_(0, index, s))(floats(B, 2, 4))


def test_indexing_with_an_integer_apart_from_an_index_array_needs_no_loop():
    x, picks = floats(B, 2, 4, 5), np.array([0, 2, 1])
    funcs = (lambda v: v[0, :, picks], lambda v: v[picks % 2, :, picks], lambda v: v[:, 0, picks] * 2)
    for func in (*funcs, lambda v: v[1:, 0, picks], lambda v: v[0, picks]):
        agrees(func, x, argnums=0)  # (NumPy's dims in front of the batch dims are moved back behind them)


class ArgmaxAppendingFunction(autograd.Function):
    """2x, appending each row's argmax (or ``extra``) to the list ``kept``, as the max poolings return
    their indices; no batching rule, so vmap loops over the samples, each with its copy of the list."""

    @staticmethod
    def forward(ctx, x, kept, extra=None):
        kept.append(np.argmax(x, axis=-1) if extra is None else extra(x))
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def appending(v, extra=None):
    kept: list = []
    out = ArgmaxAppendingFunction.apply(v, kept, extra=extra)
    assert len(kept) == 1
    return out, out.from_array(kept[0])


@pytest.mark.parametrize("in_dims", [0, 1])
def test_the_loop_batches_what_a_function_appends_to_a_list_it_was_given(in_dims):
    x = floats(B, B, 5)  # (the nested vmap's samples are 1-d: their argmax is a NumPy scalar)
    with pytest.warns(UserWarning, match="no batching rule for ArgmaxAppending"):
        got = vmap(appending, in_dims=in_dims)(x)
    equal(got, stacked(one_by_one(appending, (x,), (in_dims,))))
    with pytest.warns(UserWarning, match="no batching rule for ArgmaxAppending"):  # nested: both levels
        got = vmap(vmap(appending), in_dims=in_dims)(x)
    want = stacked([stacked(one_by_one(appending, (s,), (0,))) for s in x.movedim(in_dims, 0)])
    equal(got, want)


@pytest.mark.parametrize(
    "extra, what",
    [
        (lambda s: 7, r"per sample: \[\['int\(\)'\], \['int\(\)'\], \['int\(\)'\]\]"),  # not an array
        (lambda s: np.zeros(int(s[0, 0] > 0) + 1), r"\['ndarray\(2,\)'\], \['ndarray\(1,\)'\]"),  # shapes
    ],
)
def test_the_loop_refuses_appended_results_it_cannot_batch_rather_than_lose_them(extra, what):
    x = floats(B, 2, 3)
    x.array[:, 0, 0] = [1.0, -1.0, 1.0]
    with pytest.warns(UserWarning), pytest.raises(RuntimeError) as error:
        vmap(lambda v: appending(v, extra))(x)
    message = str(error.value)
    assert "ArgmaxAppendingFunction has no batching rule and appended to a list argument" in message
    assert re.search(what, message) and "give the op a batching rule" in message


def test_the_loop_refuses_samples_appending_different_counts():
    class TwiceOnNegativesFunction(ArgmaxAppendingFunction):
        @staticmethod
        def forward(ctx, x, kept, extra=None):
            if x[0] < 0:
                kept.append(np.zeros(2))
            kept.append(np.zeros(2))
            return x * 2

    x = floats(B, 3)
    x.array[:, 0] = [1.0, -1.0, 1.0]
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="as many per sample"):
        vmap(lambda v: TwiceOnNegativesFunction.apply(v, []))(x)


class TwoResultsFunction(ArgmaxAppendingFunction):
    @staticmethod
    def forward(ctx, x, kept, extra=None):
        kept.extend([np.argmax(x, axis=-1), x.sum(), np.ones((2, 1)) * x.max()])  # three shapes
        return x * 2


def test_the_loop_batches_each_appended_array_of_its_own_shape():
    def func(v):
        kept: list = []
        out = TwoResultsFunction.apply(v, kept)
        return (out, *(out.from_array(k) for k in kept))

    for x in (floats(B, 2, 4), floats(1, 2, 4)):  # (a batch of one sample too)
        with pytest.warns(UserWarning, match="no batching rule for TwoResults"):
            got = vmap(func)(x)
        equal(got, stacked([func(sample) for sample in x]))


IDX = autograd.tensor([2, 0])
INDEX_WRITES = [  # (op, shapes, in_dims): PutFunction's rule, as index_add's
    (lambda v, s: v.index_copy(1, IDX, s), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, s: v.index_copy(-2, IDX, s), ((B, 3, 4), (2, 4)), (0, None)),
    (lambda v, s: v.index_copy(0, IDX, s), ((3, 4), (B, 2, 4)), (None, 0)),  # plain self
    (lambda v, s: v.clone().index_copy_(0, autograd.tensor([1]), s), ((3, B, 4), (B, 1, 4)), (1, 0)),
    (lambda v, s: v.index_fill(1, autograd.tensor([-1, 0, -1]), s.sum()), ((B, 3, 4), (B, 2)), (0, 0)),
    (lambda v, s: v.index_fill(0, IDX, 2.5) * s.sum(), ((B, 3, 4), (2,)), (0, None)),
    (lambda v, s: v.clone().index_fill_(-1, IDX, s[0]), ((B, 3, 4), (B, 2)), (0, 0)),  # a 0-d value
    (lambda v, s: v.index_put((IDX, autograd.tensor([1, 3])), s), ((B, 3, 4), (B, 2)), (0, 0)),
    (lambda v, s: v.index_put((IDX,), s, accumulate=True), ((B, 3, 4), (B, 4)), (0, 0)),  # broadcast rows
    (lambda v, s: v.index_put((autograd.tensor([True, False, True]),), s[0]), ((B, 3, 4), (B, 2)), (0, 0)),
    (lambda v, s: v.clone().index_put_((IDX, IDX), s, True), ((B, 3, 4), (2,)), (0, None)),
    (lambda v, s: v.index_copy(0, autograd.tensor(0), s), ((B,), (B, 1)), (0, 0)),  # a 0-d sample
]


@pytest.mark.parametrize("op, shapes, in_dims", INDEX_WRITES)
def test_index_copy_fill_and_put_write_behind_the_batch_dims(op, shapes, in_dims):
    argnums = tuple(i for i, d in enumerate(in_dims) if d is not None)
    agrees(op, floats(*shapes[0]), floats(*shapes[1]), in_dims=in_dims, argnums=argnums)


SCANS = [  # (op, sample shape, in_dim): the dim shifted, or a rule of their own
    (lambda v: v.cummax(1), (3, 4), 0),
    (lambda v: v.cummin(dim=-2), (3, 4), 1),
    (lambda v: autograd.cummax(v, 0), (4,), 0),
    (lambda v: v.msort(), (4, 3), 1),
    (lambda v: autograd.msort(v), (5,), 0),
    (lambda v: v.cumprod(1), (3, 4), 0),
    (lambda v: autograd.cumprod(v, -2), (3, 4), 2),
    (lambda v: v.diag(), (4,), 0),
    (lambda v: v.diag(2), (3,), 1),
    (lambda v: autograd.diag(v, -1), (3,), 0),
    (lambda v: v.diag(1), (3, 4), 0),
    (lambda v: autograd.diag(v, -2), (4, 3), 2),
    (lambda v: v.diag(5), (3, 4), 0),  # (an empty diagonal)
    (lambda v: autograd.linalg.det(v), (3, 3), 0),
    (lambda v: v.det(), (2, 3, 3), 1),
    (lambda v: autograd.det(v[..., :2, :2]), (2, 2, 3), 3),
]


@pytest.mark.parametrize("op, shape, in_dim", SCANS)
def test_cummax_cummin_msort_cumprod_diag_and_det_rules(op, shape, in_dim):
    x = floats(*shape[:in_dim], B, *shape[in_dim:])
    agrees(op, x, in_dims=in_dim, argnums=0)


def test_cumprod_through_zeros_and_the_scans_of_0_d_samples():
    x = floats(B, 4)
    x.array[0, 1] = x.array[2, 0] = x.array[2, 3] = 0.0  # (cumprod's backward with zeros)
    agrees(lambda v: v.cumprod(0), x, argnums=0)
    for op in (lambda v: v.cumprod(0), lambda v: v.cummax(0).values, lambda v: v.msort()):
        with pytest.warns(UserWarning, match="no batching rule"):  # (a 0-d sample: the loop)
            equal(vmap(op)(x[:, 0]), stacked(one_by_one(op, (x[:, 0],), (0,))))


def test_refused_ranks_loop_for_the_ops_own_error():
    for op, x in [
        (lambda v: v.diag(), floats(B, 2, 2, 2)),
        (lambda v: v.diag(), floats(B)),
        (lambda v: autograd.linalg.det(v), floats(B, 3)),
        (lambda v: v.det(), floats(B, 2, 3)),
    ]:
        with pytest.raises(Exception) as one:
            op(x[0])
        with pytest.raises(type(one.value)) as batched, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap(op)(x)
        assert str(batched.value) == str(one.value)
    with pytest.raises(TypeError, match="dim"):
        vmap(lambda v: v.cummax())(floats(B, 3))
