"""``vmap`` (:mod:`tt_autograd.vmap_transform`): each batching rule against a loop over the samples.

The reference is always the plain op applied to one sample at a time and stacked, so a rule that
shifts a dim wrongly, forgets to align an operand or drops the batch dim gives different values or
shapes. Every case here also checks that no per-sample fallback ran (the warning would say so).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd.batched import BatchedTensor
from tt_autograd.transforms import grad

RNG = np.random.default_rng(0)
B = 4


def t(*shape, integer=False):
    if integer:
        return autograd.tensor(RNG.integers(0, 3, size=shape))
    return autograd.tensor(RNG.standard_normal(shape), dtype=autograd.float64)


def looped(func, args, in_dims):
    """The reference: ``func`` on each sample (cut along its in_dim), stacked along dim 0."""
    size = next(a.shape[d] for a, d in zip(args, in_dims) if d is not None)
    outs = [func(*(a if d is None else a.select(d, i) for a, d in zip(args, in_dims))) for i in range(size)]
    if isinstance(outs[0], tuple):
        return tuple(autograd.stack([o[k] for o in outs]) for k in range(len(outs[0])))
    return autograd.stack(outs)


def same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    assert type(got) is not BatchedTensor
    assert tuple(got.shape) == tuple(want.shape)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def check(func, *args, in_dims=0):
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a per-sample fallback warns: every op here has a rule
        got = vmap(func, in_dims=in_dims)(*args)
    same(got, looped(func, args, dims))


UNARY = [
    lambda x: x.exp(),
    lambda x: -x,
    lambda x: x.abs().sqrt(),
    lambda x: x.tanh() + x.sigmoid() * x.relu(),
    lambda x: x.sin().cos(),
    lambda x: x.clamp(-0.5, 0.5),
    lambda x: (x * 2.0) ** 2 - 1 / (x.abs() + 1),
    lambda x: x.floor() + x.round(),
    lambda x: x.clone().double(),
]


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("shape", [(B,), (B, 3), (B, 2, 3)])
def test_element_wise_unary(op, shape):
    check(op, t(*shape))


BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b.abs() + 1),
    lambda a, b: a.maximum(b) + a.minimum(b),
    lambda a, b: autograd.where(a > b, a, b),
    lambda a, b: (a < b).double() + (a >= b).double() * 2 + (a == b).double(),
    lambda a, b: a.pow(2) * b,
]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize(
    "shapes, in_dims",
    [
        (((B, 3), (B, 3)), (0, 0)),
        (((B, 3), (3,)), (0, None)),  # an unbatched operand broadcasts as for one sample
        (((3,), (B, 2, 3)), (None, 0)),
        (((B, 3), (2, B, 1)), (0, 1)),  # a lower-rank batched operand: its dims line up from the right
        (((3, B), (B,)), (1, 0)),  # a 0-d sample against a 1-d one
        (((B, 2, 3), (3, B)), (0, 1)),
    ],
)
def test_element_wise_binary_aligns_the_operands(op, shapes, in_dims):
    check(op, *(t(*s) for s in shapes), in_dims=in_dims)


REDUCTIONS = [
    lambda x: x.sum(),
    lambda x: x.sum(0),
    lambda x: x.sum(-1, keepdim=True),
    lambda x: x.sum((0, 1)),
    lambda x: x.mean(1),
    lambda x: x.mean(),
    lambda x: x.var(0),
    lambda x: x.std(-1),
    lambda x: x.prod(1),
    lambda x: x.amax(0) - x.amin(-1, keepdim=True).squeeze(-1).sum(),
    lambda x: x.max(),
    lambda x: x.max(1),
    lambda x: x.min(0, keepdim=True),
    lambda x: x.argmax(),
    lambda x: x.argmax(-1),
    lambda x: x.argmin(0, keepdim=True),
    lambda x: x.cumsum(1),
    lambda x: x.logsumexp(0),
    lambda x: x.norm(),
    lambda x: x.softmax(-1),
    lambda x: x.log_softmax(0),
]


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("in_dim", [0, 2, -1])
def test_reductions_and_dim_taking_ops_shift_their_dims(op, in_dim):
    shape = [3, 2, 5]
    shape.insert(in_dim % 3 if in_dim >= 0 else 3, B)
    check(op, t(*shape), in_dims=in_dim)


SHAPES = [
    lambda x: x.reshape(6),
    lambda x: x.reshape(-1, 2),
    lambda x: x.view(3, 1, 2),
    lambda x: x.flatten(),
    lambda x: x.unsqueeze(0).unsqueeze(-1),
    lambda x: x.unsqueeze(1).squeeze(),
    lambda x: x.unsqueeze(1).squeeze(1),
    lambda x: x.transpose(0, 1),
    lambda x: x.t(),
    lambda x: x.permute(1, 0),
    lambda x: x.unsqueeze(0).expand(4, 2, 3),
    lambda x: x[:, :1].expand(-1, 5),
    lambda x: x.repeat(2, 1, 2),
    lambda x: x.flip(0),
    lambda x: x[1],
    lambda x: x[:, 1:],
    lambda x: x[..., ::2],
    lambda x: x[None, 0, -1],
    lambda x: x[autograd.tensor([1, 0, 1])],
    lambda x: x[:, autograd.tensor([2, 0])],
    lambda x: autograd.cat([x, x * 2], dim=1),
    lambda x: autograd.cat([x, autograd.ones(1, 3, dtype=autograd.float64)]),
    lambda x: autograd.stack([x, x.exp()], dim=-1),
    lambda x: x.split(1, dim=1),
    lambda x: x.chunk(2, dim=0),
    lambda x: x.tril(),
    lambda x: x.masked_fill(x > 0, 0.0),
    lambda x: x.gather(1, autograd.tensor([[0, 0], [2, 1]])),
    lambda x: autograd.zeros_like(x) + x,
]


@pytest.mark.parametrize("op", SHAPES)
def test_shape_and_indexing_ops(op):
    check(op, t(B, 2, 3))


PRODUCTS = [
    (lambda a, b: a @ b, ((B, 2, 3), (B, 3, 4)), (0, 0)),
    (lambda a, b: a @ b, ((B, 3), (3, 4)), (0, None)),  # vector @ matrix
    (lambda a, b: a @ b, ((2, 3), (3, B)), (None, 1)),  # matrix @ vector
    (lambda a, b: a @ b, ((B, 3), (3, B)), (0, 1)),  # vector @ vector
    (lambda a, b: a.matmul(b), ((5, 2, 3), (B, 3, 4)), (None, 0)),  # a batch of matrices per sample
    (lambda a, b: a @ b, ((B, 5, 2, 3), (3,)), (0, None)),
    (autograd.dot, ((B, 3), (3, B)), (0, 1)),
    (autograd.mv, ((B, 2, 3), (3,)), (0, None)),
    (autograd.mm, ((B, 2, 3), (B, 3, 4)), (0, 0)),
    (autograd.bmm, ((5, 2, 3), (B, 5, 3, 4)), (None, 0)),
    (lambda a, b: autograd.einsum("ij,jk->ik", a, b), ((B, 2, 3), (3, 4)), (0, None)),
    (lambda a, b: autograd.einsum("i,j->ij", a, b), ((B, 2), (3, B)), (0, 1)),
]


@pytest.mark.parametrize("op, shapes, in_dims", PRODUCTS)
def test_products(op, shapes, in_dims):
    check(op, *(t(*s) for s in shapes), in_dims=in_dims)


def test_a_logical_shape_is_what_func_sees():
    seen = {}

    def record(x):
        seen.update(
            shape=tuple(x.shape), ndim=x.ndim, dim=x.dim(), size=x.size(-1), numel=x.numel(), len=len(x)
        )
        return x

    vmap(record, in_dims=1)(t(2, B, 3))
    assert seen == {"shape": (2, 3), "ndim": 2, "dim": 2, "size": 3, "numel": 6, "len": 2}


def test_nested_vmap_and_out_dims():
    m = t(2, 3, B)
    got = vmap(vmap(lambda v: v * v.sum(), in_dims=0, out_dims=1), in_dims=1, out_dims=0)(m)
    want = autograd.stack(
        [autograd.stack([m[i, j] * m[i, j].sum() for i in range(2)], dim=1) for j in range(3)]
    )
    same(got, want)
    outer = t(B, 3)
    got = vmap(
        lambda a: vmap(lambda b: a * b)(t(5, 3) * 0 + autograd.arange(5.0, dtype=autograd.float64)[:, None])
    )(outer)
    assert tuple(got.shape) == (B, 5, 3)
    np.testing.assert_allclose(got.numpy(), outer.numpy()[:, None, :] * np.arange(5.0)[None, :, None])


def test_in_dims_nested_with_containers_and_outputs_as_tuples_and_dicts():
    xs, ys = t(B, 3), t(3, B)

    def func(pair, scale, table):
        x, y = pair
        return {"sum": x + y * scale, "both": (x.sum(), table["w"] * x)}

    w = t(3)
    got = vmap(func, in_dims=((0, 1), None, {"w": None}), out_dims={"sum": 1, "both": (0, -1)})(
        (xs, ys), 2.0, {"w": w}
    )
    same(got["sum"], (xs + ys.T * 2.0).T)
    same(got["both"][0], xs.sum(1))
    same(got["both"][1], (w * xs).T)


def test_an_output_that_does_not_depend_on_the_batch_is_repeated_or_kept_with_out_dims_none():
    x = t(B, 3)
    same(
        vmap(lambda v: autograd.ones(2, dtype=autograd.float64))(x),
        autograd.ones(B, 2, dtype=autograd.float64),
    )
    kept = vmap(lambda v: (v * 2, autograd.ones(2)), out_dims=(0, None))(x)
    same(kept[1], autograd.ones(2))
    assert vmap(lambda v: (v, 3), out_dims=(0, None))(x)[1] == 3


@pytest.mark.parametrize("chunk", [1, 3, 4, 10])
def test_chunk_size_gives_the_same_result(chunk):
    x, y = t(B, 3), t(3, B)
    got = vmap(lambda a, b: (a * b, a.sum()), in_dims=(0, 1), out_dims=(1, 0), chunk_size=chunk)(x, y)
    same(got, ((x * y.T).T, x.sum(1)))


def test_integer_and_bool_tensors_are_batched_too():
    labels = t(B, 3, integer=True)
    check(lambda v: (v * 2 + 1, v == 1, v.argmax()), labels)


def test_a_per_sample_fallback_warns_naming_the_op_and_is_right():
    x = t(B, 5)
    with pytest.warns(UserWarning, match=r"no batching rule for .*vdot.*loop over the 4 samples") as record:
        got = vmap(lambda v: v.vdot(v))(x)
    same(got, looped(lambda v: v.vdot(v), (x,), (0,)))
    assert record[0].filename == __file__  # the warning points at the user's function


def test_len_of_a_per_sample_scalar_is_refused_and_of_a_vector_is_its_length():
    x = t(B, 5)
    assert vmap(lambda v: autograd.tensor(float(len(v))) + v.sum() * 0)(x).tolist() == [5.0] * B
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        vmap(lambda v: len(v.sum()))(x)


def test_indexing_with_a_batched_index():
    table, idx = t(5, 3), autograd.tensor(RNG.integers(0, 5, size=(B, 2)))
    check(lambda i: table[i], idx)  # an embedding's lookup: one physical index, no loop
    x = t(B, 5)
    with pytest.warns(UserWarning, match="indexing with a batched index"):
        got = vmap(lambda v, i: v[i])(x, idx)
    same(got, looped(lambda v, i: v[i], (x, idx), (0, 0)))
    with pytest.warns(UserWarning, match="indexing with a batched index"):
        got = vmap(lambda i: table[i, 1:])(idx)
    same(got, looped(lambda i: table[i, 1:], (idx,), (0,)))


def test_setitem_and_in_place_ops_on_batched_tensors():
    def func(v, w):
        out = v.clone()
        out[1:] = w[:2]  # a batched value into a batched tensor
        out[0] = 7.0
        out.mul_(2.0)
        out.add_(w)
        return out

    check(func, t(B, 3), t(3, B), in_dims=(0, 1))


def test_products_with_a_plain_first_operand():
    check(autograd.mv, t(2, 3), t(B, 3), in_dims=(None, 0))
    check(autograd.dot, t(3), t(3, B), in_dims=(None, 1))


def test_dim_taking_ops_on_a_0_d_sample():
    check(lambda v: v.sum(0) + v.mean(-1) + v.amax(0) + v.softmax(-1) + v.logsumexp(0), t(B))
    x = t(B)
    with pytest.warns(UserWarning, match="no batching rule for Cumsum"):
        same(vmap(lambda v: v.cumsum(0))(x), looped(lambda v: v.cumsum(0), (x,), (0,)))


def test_a_function_without_a_rule_is_named_in_the_warning():
    x = t(B, 2, 3)
    with pytest.warns(
        UserWarning, match=r"no batching rule for Geqrf, so it runs as a Python loop over the 4"
    ):
        got = vmap(lambda v: autograd.geqrf(v))(x)
    for g, w in zip(got, looped(lambda v: autograd.geqrf(v), (x,), (0,))):
        same(g, w)
    with pytest.warns(UserWarning, match=r"no batching rule for Tensor.vdot, so it runs as a Python loop"):
        got = vmap(lambda v: v.reshape(-1).vdot(v.reshape(-1)))(x)  # (a tt-tensor method, no batched form)
    same(got, looped(lambda v: v.reshape(-1).vdot(v.reshape(-1)), (x,), (0,)))


def test_chunks_inside_a_nested_vmap():
    m = t(2, B, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(vmap(lambda v: v * v.sum(), in_dims=1, chunk_size=1), in_dims=0)(m.transpose(1, 2))
    same(got, m * m.sum(-1, keepdim=True))


def test_cat_and_stack_with_negative_dims_and_a_transpose_of_a_vector():
    check(lambda v: (autograd.cat([v, v * 2], dim=-1), autograd.stack([v, v], dim=-1)), t(B, 2, 3))
    check(lambda v: v.transpose(0, -1), t(B, 3))  # (a 1-d transpose is a view: no loop)


def test_a_view_kernel_that_is_not_a_reshape_loops():
    from tt_autograd.functions.shape import ViewFunction

    def reverse(a):
        return a[::-1]

    x = t(B, 3)
    with pytest.warns(UserWarning, match="no batching rule for View"):
        got = vmap(lambda v: ViewFunction.apply(v, kernel=reverse, args=()))(x)
    same(got, x.flip(1))


@pytest.mark.parametrize(
    "key",
    [
        lambda: (autograd.tensor([0, 1]), slice(None), autograd.tensor([1, 2])),  # apart: their dims first
        lambda: (autograd.tensor(1), slice(None), autograd.tensor([2, 0])),  # a 0-d index tensor: an int
        lambda: (autograd.tensor(1), autograd.tensor([2, 0])),  # side by side
    ],
)
def test_advanced_indices_apart_or_side_by_side_need_no_loop(key):
    x, index = t(B, 2, 3, 4), key()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = vmap(lambda v: v[index])(x)
    assert not caught  # (NumPy's dims in front of the batch dims are moved back behind them)
    same(got, looped(lambda v: v[index], (x,), (0,)))


def test_matmul_of_a_0_d_sample_is_refused_as_for_one_sample():
    w = t(3)
    for func in (lambda v: v @ w, lambda v: w @ v):
        with pytest.raises(RuntimeError) as one:
            func(t(B)[0])
        with pytest.raises(RuntimeError) as batched, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap(func)(t(B))
        assert str(batched.value) == str(one.value)  # the op's own error, as for one sample


def test_a_batched_vector_times_a_batch_of_matrices():
    check(lambda a, b: a @ b, t(B, 3), t(5, 3, 4), in_dims=(0, None))
    check(lambda a, b: a @ b, t(5, 2, 3), t(3, B), in_dims=(None, 1))


@pytest.mark.parametrize("equation", ["i,i", "...i,...i->...", "ij,j"])
def test_einsum_with_an_ellipsis_or_an_implicit_output_loops(equation):
    a, b = t(B, 2, 3), t(3)
    func = lambda x: autograd.einsum(equation, x if equation != "i,i" else x[0], b)  # noqa: E731
    with pytest.warns(UserWarning, match="no batching rule for Einsum"):
        got = vmap(func)(a)
    same(got, looped(func, (a,), (0,)))


def test_chunk_size_with_dicts_and_unbatched_arguments():
    x, w = t(B, 3), t(3)
    got = vmap(lambda d, s: d["a"] * d["b"] + s, in_dims=({"a": 0, "b": None}, None), chunk_size=3)(
        {"a": x, "b": w}, w
    )
    same(got, x * w + w)


def test_chunk_size_with_dict_outputs_and_unbatched_outputs():
    x = t(B, 3)
    got = vmap(
        lambda v: {"v": v * 2, "k": (autograd.ones(2), 3)}, out_dims={"v": 0, "k": (None, None)}, chunk_size=3
    )(x)
    same(got["v"], x * 2)
    same(got["k"][0], autograd.ones(2))
    assert got["k"][1] == 3


def test_dim_methods_without_a_dim_flatten_each_sample_and_take_a_0d_samples_dim_0():
    x = t(B, 3, 4)
    check(lambda v: v.argmax(), x)  # over each whole (3, 4) sample, not over the batch
    check(lambda v: v.argmin(), x)
    got = vmap(lambda v: v.sum().argmax(0))(x)  # a 0-d sample's dim 0 is the sample itself
    assert got.tolist() == [0] * B


def test_a_last_partial_chunk_and_junk_options_are_refused_up_front():
    x = t(B, 3)
    same(vmap(lambda v: v.exp().sum(), chunk_size=3)(x), looped(lambda v: v.exp().sum(), (x,), (0,)))
    for bad in (2.5, True, 0):
        with pytest.raises(ValueError, match="chunk_size should be None or a positive int"):
            vmap(lambda v: v, chunk_size=bad)
    with pytest.raises(ValueError, match="out_dims must be an int"):
        vmap(lambda v: v, out_dims="x")
    with pytest.raises(ValueError, match="in_dims must be an int"):
        vmap(lambda v, w: v, in_dims=(0, ["x"]))
    with pytest.raises(ValueError, match="in_dims must be an int"):
        vmap(lambda v: v, in_dims=({"a": "x"},))


def test_lists_and_dicts_of_inputs_take_one_in_dim_for_all_and_a_negative_in_dim_counts_from_the_end():
    x, y = t(B, 3), t(B, 3)
    same(vmap(lambda pair: pair[0] * pair[1])([x, y]), x * y)
    same(vmap(lambda d: d["a"] - d["b"])({"a": x, "b": y}), x - y)
    same(vmap(lambda v: v.sum(), in_dims=-2)(x), x.sum(1))  # -2 of a 2-d input is its first dim
    with pytest.raises(ValueError, match="is a container but the value is a Tensor"):
        vmap(lambda v: v, in_dims=((0,),))(x)
    with pytest.raises(ValueError, match="out of range"):
        vmap(lambda v: v, in_dims=-3)(x)


SORTING = [
    lambda v: v.sort(),
    lambda v: v.sort(0, descending=True),
    lambda v: v.sort(dim=-2, stable=True),
    lambda v: v.argsort(),
    lambda v: v.argsort(dim=0, descending=True),
    lambda v: v.argsort(0, True),
    lambda v: v.topk(2),
    lambda v: v.topk(2, 0, largest=False),
    lambda v: v.topk(k=1, dim=-2),
]


@pytest.mark.parametrize("op", SORTING)
@pytest.mark.parametrize("in_dim", [0, 2])
def test_sort_argsort_and_topk_shift_their_dim_and_give_batched_values_and_indices(op, in_dim):
    shape = [5, 4]
    shape.insert(in_dim, B)
    check(op, t(*shape), in_dims=in_dim)


def test_sorting_a_0_d_sample_loops():
    x = t(B)
    with pytest.warns(UserWarning, match="Tensor.sort"):
        got = vmap(lambda v: v.sort().values)(x)
    same(got, x)


GATHER_SCATTER = [
    (lambda v, i: v.gather(1, i), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, i: v.gather(0, i), ((3, 4), (B, 2, 4)), (None, 0)),  # a plain input, batched indices
    (lambda v, i: v.gather(-1, i), ((3, B, 4), (3, 2)), (1, None)),
    (lambda v, i: v.scatter(1, i, v[:, :2] * 10), ((B, 3, 4), (B, 3, 2)), (0, 0)),
    (lambda v, i: v.scatter(0, i, 5.0), ((3, 4), (B, 1, 4)), (None, 0)),
    (lambda v, i: v.scatter(1, i, value=-1.0), ((B, 3, 4), (3, 1)), (0, None)),
    (
        lambda v, i: v.scatter_add(1, i, autograd.ones(3, 2, dtype=autograd.float64)),
        ((3, 4), (B, 3, 2)),
        (None, 0),
    ),
]


GATHER_SCATTER += [
    (lambda v, i: v.gather(0, i).sum() + v.scatter(0, i, v[:2]), ((B, 4), (B, 2)), (0, 0)),  # 1-d samples
    (lambda v, i: v.scatter_add(0, i, v[: len(i)]), ((B, 4), (3,)), (0, None)),
    (lambda v, i: v.gather(1, i.numpy()), ((B, 3, 4), (3, 2)), (0, None)),  # (an index array)
]


@pytest.mark.parametrize("op, shapes, in_dims", GATHER_SCATTER)
def test_gather_and_scatter_shift_their_dim_and_expand_every_operand(op, shapes, in_dims):
    *rows, k = shapes[1]  # positions in [0, 3): distinct along the last dim (scatter's) when it fits
    picks = RNG.permuted(np.tile(np.arange(3), (*rows, 1)), axis=-1)[..., :k] if k <= 3 else None
    index = autograd.tensor(RNG.integers(0, 3, size=shapes[1]) if picks is None else picks)
    check(op, t(*shapes[0]), index, in_dims=in_dims)


def test_gather_and_scatter_of_0_d_samples_loop_and_other_ranks_get_the_ops_error():
    zero, index = autograd.tensor(0), autograd.tensor([0, 1])
    for func, x in [
        (lambda v: v.gather(0, zero), t(B)),  # (TinyTorch has no 0-d gather/scatter: the loop's error)
        (lambda v: v.scatter(0, zero, 2 * v), t(B)),
        (lambda v: v.gather(1, index), t(B, 3, 4)),
        (lambda v: v.scatter(0, index, 1.0), t(B, 3, 4)),
    ]:
        with pytest.raises(Exception) as one:
            func(x[0])
        with pytest.raises(type(one.value)) as batched, pytest.warns(UserWarning, match="no batching rule"):
            vmap(func)(x)
        assert str(batched.value) == str(one.value)


def test_gradients_through_sort_topk_gather_and_scatter_are_each_samples():
    xs, index = t(B, 5), autograd.tensor(RNG.integers(0, 5, size=(B, 3)))
    weights = t(5)

    def loss(v, i):
        picked = v.gather(0, i) * v.topk(3).values
        placed = autograd.zeros(5, dtype=autograd.float64).scatter(0, i[:1], v[:1])
        return (v.sort(descending=True).values * weights).sum() + picked.pow(2).sum() + (placed * v).sum()

    got = vmap(grad(loss), in_dims=(0, 0))(xs, index)
    same(got, autograd.stack([grad(loss)(xs[k], index[k]) for k in range(B)]))
