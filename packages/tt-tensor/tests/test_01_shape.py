"""Module 01: shape operations, which views share memory, and errors that name the shapes."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


@pytest.fixture
def data(rng):
    return rng.standard_normal((2, 3, 4)).astype(np.float32)


def shares(a: tt.Tensor, b: tt.Tensor) -> bool:
    return np.shares_memory(a.numpy(), b.numpy())


# ----------------------------------------------------------------- reshape and view


@pytest.mark.parametrize("shape", [(24,), (6, 4), (4, -1), (-1,), (2, 3, 2, 2), (1, 24, 1)])
def test_reshape_and_view_match_numpy(check, data, shape):
    t = tt.tensor(data)
    check(t.reshape(*shape), data.reshape(shape), tt.float32)
    check(t.reshape(shape), data.reshape(shape), tt.float32)
    check(t.view(*shape), data.reshape(shape), tt.float32)
    check(tt.reshape(t, shape), data.reshape(shape), tt.float32)


def test_reshape_of_a_scalar(check):
    check(tt.tensor(5.0).reshape(1, 1), np.array([[5.0]]), tt.float32)
    check(tt.tensor([5.0]).reshape(()), np.array(5.0), tt.float32)


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [
        ((4, 5), r"reshape: shape \[4, 5\] is invalid for input of size 24 \(input shape \(2, 3, 4\)\)"),
        ((5, -1), r"reshape: shape \[5, -1\] is invalid for input of size 24"),
        ((-1, -1), r"reshape: shape \[-1, -1\] is invalid for input of size 24"),
    ],
)
def test_bad_reshape_names_both_shapes(data, shape, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        tt.tensor(data).reshape(*shape)


def test_view_of_wrong_size_names_the_shapes(data):
    with pytest.raises(RuntimeError, match=r"view: shape \[7, -1\] is invalid for input of size 24"):
        tt.tensor(data).view(7, -1)


@pytest.mark.parametrize("shape", [(12,), (1, -1), (1, -1, 1, 2), (-1, 6)])
def test_view_needing_a_copy_says_use_reshape(shape):
    # the sizes fit, only the layout is wrong: the fix is reshape, not another shape
    with pytest.raises(RuntimeError, match=r"view: .* is not compatible .*use \.reshape"):
        tt.zeros(3, 4).t().view(*shape)


@pytest.mark.parametrize("shape", [(5,), (-1, -1), (-2, -6), (0, -1), (-1, 5), (2, 2, 2)])
@pytest.mark.parametrize("transposed", [False, True])
def test_view_to_a_shape_that_cannot_hold_the_elements(shape, transposed):
    t = tt.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"view: shape \[.*\] is invalid for input of size 12"):
        (t.t() if transposed else t).view(*shape)


def test_view_shares_memory_and_refuses_to_copy(data):
    t = tt.tensor(data)
    v = t.view(6, 4)
    assert shares(v, t)
    v[0, 0] = 42.0
    assert t[0, 0, 0].item() == 42.0
    layout = r"shape \(4, 3, 2\) and strides \(1, 4, 12\)"
    with pytest.raises(RuntimeError, match=r"view: shape \[24\] is not compatible .*" + layout):
        t.transpose(0, 2).view(24)


def test_reshape_copies_only_when_it_must(check, data):
    t = tt.tensor(data)
    assert shares(t.reshape(24), t)
    transposed = t.transpose(0, 2)
    flat = transposed.reshape(24)
    check(flat, data.transpose(2, 1, 0).reshape(24), tt.float32)
    assert not shares(flat, t)


def test_view_as_and_reshape_as(check, data):
    t = tt.tensor(data)
    check(t.view_as(tt.zeros(6, 4)), data.reshape(6, 4), tt.float32)
    check(t.reshape_as(tt.zeros(4, 6)), data.reshape(4, 6), tt.float32)


# ----------------------------------------------------------------- transpose and permute


@pytest.mark.parametrize(("d0", "d1"), [(0, 1), (0, 2), (-1, -2), (1, 1), (2, 0)])
def test_transpose(check, data, d0, d1):
    t = tt.tensor(data)
    result = t.transpose(d0, d1)
    check(result, np.swapaxes(data, d0, d1), tt.float32)
    assert shares(result, t)


@pytest.mark.parametrize(("d0", "d1"), [(0, 0), (0, -1), (-1, 0), (-1, -1)])
def test_transpose_of_0d_and_1d_tensors_is_the_identity(check, d0, d1):
    check(tt.tensor(3.0).transpose(d0, d1), np.array(3.0), tt.float32)
    check(tt.tensor([1.0, 2.0, 3.0]).transpose(d0, d1), np.array([1.0, 2.0, 3.0]), tt.float32)
    with pytest.raises(IndexError, match=r"transpose: dimension out of range .*got 1"):
        tt.tensor([1.0, 2.0]).transpose(0, 1)


def test_t_T_and_mT(check, data):
    matrix = data[0]
    check(tt.tensor(matrix).t(), matrix.T, tt.float32)
    check(tt.tensor(data).T, data.transpose(2, 1, 0), tt.float32)
    check(tt.tensor(data).mT, np.swapaxes(data, -1, -2), tt.float32)
    check(tt.tensor([1.0, 2.0]).t(), np.array([1.0, 2.0]), tt.float32)
    with pytest.raises(
        RuntimeError, match=r"t: expects a tensor with <= 2 dimensions, got shape \(2, 3, 4\)"
    ):
        tt.tensor(data).t()


@pytest.mark.parametrize("dims", [(0, 1, 2), (2, 0, 1), (1, 2, 0), (-1, 0, 1)])
def test_permute(check, data, dims):
    t = tt.tensor(data)
    check(t.permute(*dims), data.transpose(dims), tt.float32)
    check(t.permute(dims), data.transpose(dims), tt.float32)
    assert shares(t.permute(*dims), t)


@pytest.mark.parametrize("dims", [(0, 1), (0, 0, 1), (0, 1, 2, 3)])
def test_bad_permute_names_dims_and_shape(data, dims):
    with pytest.raises((RuntimeError, IndexError), match=r"permute: .*(\(2, 3, 4\)|range)"):
        tt.tensor(data).permute(*dims)


def test_dim_out_of_range_is_named(data):
    with pytest.raises(
        IndexError,
        match=r"transpose: dimension out of range \(expected to be in range of \[-3, 2\], "
        r"but got 3\)",
    ):
        tt.tensor(data).transpose(0, 3)


# ----------------------------------------------------------------- squeeze, unsqueeze, flatten


def test_squeeze(check):
    source = np.zeros((1, 3, 1, 2), dtype=np.float32)
    t = tt.tensor(source)
    check(t.squeeze(), source.squeeze(), tt.float32)
    check(t.squeeze(0), source.squeeze(0), tt.float32)
    check(t.squeeze(-2), source.squeeze(2), tt.float32)
    check(t.squeeze(1), source, tt.float32)  # size 3: left alone, as in PyTorch
    check(t.squeeze((0, 2)), source.squeeze((0, 2)), tt.float32)
    assert shares(t.squeeze(), t)


@pytest.mark.parametrize("dim", [0, 1, 2, 3, -1, -4])
def test_unsqueeze(check, data, dim):
    t = tt.tensor(data)
    result = t.unsqueeze(dim)
    check(result, np.expand_dims(data, dim), tt.float32)
    assert shares(result, t)


def test_unsqueeze_out_of_range():
    with pytest.raises(IndexError, match=r"unsqueeze: dimension out of range .*\[-3, 2\].*got 3"):
        tt.zeros(2, 3).unsqueeze(3)


@pytest.mark.parametrize(
    ("start", "end", "shape"), [(0, -1, (24,)), (1, -1, (2, 12)), (0, 1, (6, 4)), (1, 1, (2, 3, 4))]
)
def test_flatten(check, data, start, end, shape):
    check(tt.tensor(data).flatten(start, end), data.reshape(shape), tt.float32)


def test_flatten_of_a_scalar_and_bad_range(check):
    check(tt.tensor(3.0).flatten(), np.array([3.0]), tt.float32)
    check(tt.tensor([1.0, 2.0, 3.0]).flatten(), np.array([1.0, 2.0, 3.0]), tt.float32)
    with pytest.raises(
        RuntimeError, match=r"flatten: start_dim 2 comes after end_dim 1 for shape \(2, 3, 4\)"
    ):
        tt.zeros(2, 3, 4).flatten(2, 1)


# ----------------------------------------------------------------- expand and repeat


@pytest.mark.parametrize(
    ("source", "sizes"),
    [
        ((3, 1), (3, 4)),
        ((3, 1), (2, 3, 5)),
        ((3, 1), (-1, 4)),
        ((3, 1), (2, -1, 4)),
        ((1,), (6,)),
        ((), (2, 2)),
    ],
)
def test_expand_is_a_zero_copy_broadcast(check, rng, source, sizes):
    data = rng.standard_normal(source).astype(np.float32)
    t = tt.tensor(data)
    target = tuple(data.shape[i - (len(sizes) - data.ndim)] if s == -1 else s for i, s in enumerate(sizes))
    result = t.expand(*sizes)
    check(result, np.broadcast_to(data, target), tt.float32)
    check(t.expand(sizes), np.broadcast_to(data, target), tt.float32)  # one tuple, as in PyTorch
    assert shares(result, t)
    check(t.expand_as(tt.zeros(target)), np.broadcast_to(data, target), tt.float32)


def test_expand_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"expand: cannot expand shape \(3, 2\) to \(3, 4\)"):
        tt.zeros(3, 2).expand(3, 4)
    with pytest.raises(RuntimeError, match=r"expand: .*2.*\(2, 3, 4\)"):
        tt.zeros(2, 3, 4).expand(3, 4)


def test_writing_into_an_expanded_view_is_refused():
    t = tt.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match=r"add_: .*read-only.*clone"):
        t += 1.0
    with pytest.raises(RuntimeError, match=r"index assignment: .*read-only.*clone"):
        t[0, 0] = 1.0


def test_repeat_and_flip(check, data):
    t = tt.tensor(data)
    check(t.repeat(1, 2, 1), np.tile(data, (1, 2, 1)), tt.float32)
    check(t.repeat(2, 1, 1, 2), np.tile(data, (2, 1, 1, 2)), tt.float32)
    check(t.repeat((1, 2, 1)), np.tile(data, (1, 2, 1)), tt.float32)
    check(t.flip(0), np.flip(data, 0), tt.float32)
    check(t.flip((1, 2)), np.flip(data, (1, 2)), tt.float32)
    with pytest.raises(RuntimeError, match=r"repeat: need at least 3 repeat counts for shape \(2, 3, 4\)"):
        t.repeat(2, 2)


# ----------------------------------------------------------------- cat, stack, split, chunk


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cat(check, rng, dim):
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for shape, extra in zip(shapes, (1, 2, 3)):
        shape[dim] = extra
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    result = tt.cat([tt.tensor(a) for a in arrays], dim=dim)
    check(result, np.concatenate(arrays, axis=dim), tt.float32)
    check(tt.concat([tt.tensor(a) for a in arrays], dim), np.concatenate(arrays, axis=dim), tt.float32)
    assert not shares(result, tt.tensor(arrays[0]))


def test_cat_of_mismatched_shapes_names_them():
    with pytest.raises(RuntimeError, match=r"cat: .*dim 0.*\(2, 3\), \(2, 4\)"):
        tt.cat([tt.zeros(2, 3), tt.zeros(2, 4)])
    with pytest.raises(RuntimeError, match=r"cat: .*\(2, 3\), \(3,\)"):
        tt.cat([tt.zeros(2, 3), tt.zeros(3)])
    with pytest.raises(IndexError, match=r"cat: dimension out of range .*got 2"):
        tt.cat([tt.zeros(2, 3), tt.zeros(2, 3)], dim=2)
    with pytest.raises(ValueError, match="cat: expected a non-empty list of tensors"):
        tt.cat([])
    with pytest.raises(RuntimeError, match=r"cat: zero-dimensional tensor"):
        tt.cat([tt.tensor(1.0), tt.tensor(2.0)])


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack(check, rng, dim):
    arrays = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
    check(tt.stack([tt.tensor(a) for a in arrays], dim=dim), np.stack(arrays, axis=dim), tt.float32)


def test_cat_and_stack_of_one_tensor(check, data):
    check(tt.cat([tt.tensor(data)], dim=-1), data, tt.float32)
    check(tt.stack([tt.tensor(data)], dim=-1), data[..., None], tt.float32)
    check(tt.cat([tt.tensor([1, 2])]), np.array([1, 2]), tt.int64)


def test_cat_and_stack_promote_mixed_dtypes(check):
    ints, floats = np.array([1, 2]), np.array([0.5, 1.5], dtype=np.float32)
    check(tt.cat([tt.tensor(ints), tt.tensor(floats)]), np.concatenate([ints, floats]), tt.float32)
    check(tt.stack([tt.tensor(floats), tt.tensor(ints)]), np.stack([floats, ints]), tt.float32)


def test_stack_of_mismatched_shapes_names_them():
    with pytest.raises(
        RuntimeError, match=r"stack: all tensors must have the same shape, got \[\(2, 3\), \(3, 2\)\]"
    ):
        tt.stack([tt.zeros(2, 3), tt.zeros(3, 2)])
    with pytest.raises(ValueError, match="stack: expected a non-empty list of tensors"):
        tt.stack([])


@pytest.mark.parametrize(
    ("size_or_sections", "dim", "points"),
    [(2, 0, [2, 4]), (3, 1, [3]), ([1, 4], 1, [1]), ([2, 1, 2], 0, [2, 3]), (10, 0, [])],
)
def test_split(check, size_or_sections, dim, points):
    data = np.arange(25, dtype=np.float32).reshape(5, 5)
    t = tt.tensor(data)
    pieces = t.split(size_or_sections, dim)
    expected = np.split(data, points, axis=dim)
    assert isinstance(pieces, tuple) and len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        check(piece, want, tt.float32)
        assert shares(piece, t)
    assert len(tt.split(t, size_or_sections, dim)) == len(expected)


def test_split_sizes_must_add_up():
    with pytest.raises(RuntimeError, match=r"split: sizes \[1, 2\] do not add up to the dimension's size 5"):
        tt.zeros(5).split([1, 2])
    for size in (0, -2):
        with pytest.raises(ValueError, match=f"split: split size must be positive, got {size}"):
            tt.zeros(5).split(size)


@pytest.mark.parametrize(
    ("n", "chunks", "sizes"),
    [(6, 3, [2, 2, 2]), (5, 3, [2, 2, 1]), (6, 4, [2, 2, 2]), (2, 5, [1, 1]), (4, 1, [4]), (0, 3, [0, 0, 0])],
)
def test_chunk(check, n, chunks, sizes):
    data = np.arange(n * 2, dtype=np.float32).reshape(2, n)
    pieces = tt.tensor(data).chunk(chunks, dim=1)
    assert [p.shape[1] for p in pieces] == sizes
    check(tt.cat(list(pieces), dim=1), data, tt.float32)


@pytest.mark.parametrize("chunks", [0, -1])
def test_chunk_count_must_be_positive(chunks):
    with pytest.raises(ValueError, match=f"chunk: number of chunks must be positive, got {chunks}"):
        tt.zeros(4).chunk(chunks)


def test_unbind(check, data):
    pieces = tt.tensor(data).unbind(1)
    assert len(pieces) == 3
    for i, piece in enumerate(pieces):
        check(piece, data[:, i], tt.float32)


# ----------------------------------------------------------------- views share memory


@pytest.mark.parametrize(
    "make_view",
    [
        lambda t: t.reshape(6, 4),
        lambda t: t.view(-1),
        lambda t: t.transpose(0, 1),
        lambda t: t.permute(2, 0, 1),
        lambda t: t.unsqueeze(0),
        lambda t: t[1],
        lambda t: t[:, 1:, ::2],
        lambda t: t[..., 0],
        lambda t: t.split(1)[1],
        lambda t: t.flatten(),
        lambda t: t.detach(),
        lambda t: t.data,
    ],
)
def test_writes_through_a_view_reach_the_base(make_view):
    base = tt.zeros(2, 3, 4)
    view = make_view(base)
    view.fill_(1.0)
    assert base.sum().item() == view.numel(), "the view must share its storage with the base"
    view.mul_(3.0)
    assert base.sum().item() == 3 * view.numel()


def test_contiguous(data):
    t = tt.tensor(data)
    assert t.is_contiguous() and t.contiguous() is t
    transposed = t.transpose(0, 1)
    assert not transposed.is_contiguous()
    made = transposed.contiguous()
    assert made.is_contiguous() and not shares(made, t)
    np.testing.assert_array_equal(made.numpy(), np.swapaxes(data, 0, 1))
