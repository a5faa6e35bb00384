"""Reshaping and picking beyond the exercises: ``movedim``/``moveaxis``, ``broadcast_to``,
``broadcast_tensors``, ``tile``, ``repeat_interleave``, ``rot90``, ``tensor_split``, ``hstack``/``vstack``/
``dstack``/``column_stack``, ``atleast_1d/2d/3d``, ``take``, ``take_along_dim``: values against NumPy's
documented equivalents, gradients against central differences, PyTorch's conventions (checked against
torch 2.13 in a scratch script) and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def test_movedim(leaf, check_grad, check):
    x = leaf((2, 3, 4, 5))
    xv = x.detach().numpy()
    for source, destination in [(0, -1), (-1, 1), ((0, 1), (2, 0)), ([3, 1], [0, 3])]:
        check(x.movedim(source, destination), np.moveaxis(xv, source, destination))
        check(autograd.moveaxis(x, source, destination), np.moveaxis(xv, source, destination))
    check_grad(lambda t: t.movedim((0, 1), (3, 1)), x)
    with pytest.raises(RuntimeError, match="movedim: source and destination need as many dims"):
        x.movedim((0, 1), 2)
    with pytest.raises(RuntimeError, match="movedim: repeated dim"):
        x.movedim((0, 0), (1, 2))
    with pytest.raises(IndexError, match="movedim"):
        x.movedim(4, 0)


def test_broadcast_to_and_broadcast_tensors(leaf, check_grad, check):
    x = leaf((3, 1))
    check(x.broadcast_to((2, 3, 4)), np.broadcast_to(x.detach().numpy(), (2, 3, 4)))
    check_grad(lambda t: autograd.broadcast_to(t, (2, 3, 4)), x)
    y = leaf((4,))
    a, b = autograd.broadcast_tensors(x, y)
    assert a.shape == b.shape == (3, 4)
    check(b, np.broadcast_to(y.detach().numpy(), (3, 4)))
    check_grad(
        lambda p, q: sum(t.sum() * w for t, w in zip(autograd.broadcast_tensors(p, q), (1.0, 2.0))), x, y
    )
    with pytest.raises(
        RuntimeError, match=r"broadcast_tensors: shapes \(3, 1\), \(2, 3\) cannot be broadcast"
    ):
        autograd.broadcast_tensors(x, leaf((2, 3)))


def test_tile(leaf, check_grad, check):
    x = leaf((2, 3))
    xv = x.detach().numpy()
    for dims in [(2,), (2, 2), (2, 1, 3)]:
        check(x.tile(dims), np.tile(xv, dims))
    check_grad(lambda t: autograd.tile(t, (2, 1, 3)), x)


def test_repeat_interleave(leaf, check_grad, check):
    x = leaf((2, 3))
    xv = x.detach().numpy()
    check(x.repeat_interleave(2), np.repeat(xv, 2))
    check(x.repeat_interleave(2, dim=1), np.repeat(xv, 2, axis=1))
    counts = autograd.tensor([1, 0, 3])
    check(autograd.repeat_interleave(x, counts, dim=-1), np.repeat(xv, [1, 0, 3], axis=1))
    check_grad(lambda t: t.repeat_interleave(autograd.tensor([2, 1]), dim=0), x)
    assert autograd.repeat_interleave(autograd.tensor([1, 2])).tolist() == [0, 1, 1]
    assert autograd.tensor(5).repeat_interleave(3).tolist() == [5, 5, 5]
    with pytest.raises(
        RuntimeError, match="repeat_interleave: repeats must have one count or one per element"
    ):
        x.repeat_interleave(autograd.tensor([1, 2]), dim=1)
    with pytest.raises(RuntimeError, match="non-negative integers"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match="output_size 5"):
        x.repeat_interleave(2, dim=0, output_size=5)


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 4, 5])
def test_rot90(k, leaf, check_grad, check):
    x = leaf((2, 3, 4))
    xv = x.detach().numpy()
    check(x.rot90(k, (0, 2)), np.rot90(xv, k, axes=(0, 2)))
    check(autograd.rot90(x, k, dims=(2, 1)), np.rot90(xv, k, axes=(2, 1)))
    check_grad(lambda t: t.rot90(k, (1, 2)), x)


def test_rot90_direction_and_errors():
    m = autograd.tensor([[1, 2], [3, 4]])
    assert m.rot90().tolist() == [[2, 4], [1, 3]]  # counter-clockwise: from dim 0 toward dim 1
    with pytest.raises(RuntimeError, match="rot90: the two dims must differ"):
        m.rot90(1, (0, 0))
    with pytest.raises(RuntimeError, match="rot90: expected two dims"):
        m.rot90(1, (0,))


def test_tensor_split(leaf, check_grad, check):
    x = leaf((7, 2))
    xv = x.detach().numpy()
    for sections in [1, 3, 7, 9]:
        parts = x.tensor_split(sections)
        assert [p.shape[0] for p in parts] == [len(a) for a in np.array_split(xv, sections)]
    for indices in [[2, 5], [0, 3, 3], [-2], [4, 10]]:
        parts = autograd.tensor_split(x, indices, dim=0)
        expected = np.split(xv, [i if i >= 0 else i + 7 for i in indices])
        assert len(parts) == len(expected)
        for part, ref in zip(parts, expected):
            check(part, ref)
    check(x.tensor_split(autograd.tensor([1]), dim=1)[1], xv[:, 1:])
    check_grad(lambda t: t.tensor_split(3)[0] * 2 + t.tensor_split(3)[2].sum(), x)
    with pytest.raises(RuntimeError, match="tensor_split: number of sections must be positive"):
        x.tensor_split(0)


def test_stacks_and_atleast(leaf, check_grad, check):
    a, b = leaf((3,)), leaf((3,))
    av, bv = a.detach().numpy(), b.detach().numpy()
    check(autograd.hstack([a, b]), np.hstack([av, bv]))
    check(autograd.vstack([a, b]), np.vstack([av, bv]))
    check(autograd.row_stack((a, b)), np.vstack([av, bv]))
    check(autograd.dstack([a, b]), np.dstack([av, bv]))
    check(autograd.column_stack([a, b]), np.column_stack([av, bv]))
    m, n = leaf((3, 2)), leaf((3, 1))
    mv, nv = m.detach().numpy(), n.detach().numpy()
    check(autograd.hstack([m, n]), np.hstack([mv, nv]))
    check(autograd.column_stack([m, a]), np.column_stack([mv, av]))
    check(autograd.dstack([m, m]), np.dstack([mv, mv]))
    check_grad(lambda p, q: autograd.vstack([p, q]), a, b)
    check_grad(lambda p, q: autograd.column_stack([p, q]), m, a)
    check_grad(lambda p, q: autograd.dstack([p, q]), m, leaf((3, 2)))
    s = autograd.tensor(2.0)
    assert autograd.atleast_1d(s).shape == (1,) and autograd.atleast_2d(s).shape == (1, 1)
    assert autograd.atleast_3d(s).shape == (1, 1, 1)
    assert autograd.atleast_2d(a).shape == (1, 3) and autograd.atleast_3d(a).shape == (1, 3, 1)
    assert autograd.atleast_3d(m).shape == (3, 2, 1) and autograd.atleast_1d(m) is m
    assert [t.shape for t in autograd.atleast_2d(s, a)] == [(1, 1), (1, 3)]
    assert [t.shape for t in autograd.atleast_1d([s, m])] == [(1,), (3, 2)]
    with pytest.raises(TypeError, match="hstack: expected a list or tuple of tensors"):
        autograd.hstack(a)


def test_take_and_take_along_dim(leaf, check_grad, check):
    x = leaf((3, 4))
    xv = x.detach().numpy()
    index = autograd.tensor([[0, 11], [5, -1]])
    check(x.take(index), np.take(xv, [[0, 11], [5, -1]]))
    check_grad(lambda t: autograd.take(t, autograd.tensor([1, 1, 7])), x)
    with pytest.raises(IndexError, match="take: index out of range for a tensor of 12 elements"):
        x.take(autograd.tensor([12]))
    with pytest.raises(TypeError, match="take: index must be an integer tensor"):
        x.take(autograd.tensor([1.0]))
    picks = np.argsort(xv, axis=1)
    check(x.take_along_dim(autograd.tensor(picks), dim=1), np.take_along_axis(xv, picks, axis=1))
    check(autograd.take_along_dim(x, autograd.tensor([5, 0])), xv.reshape(-1)[[5, 0]])
    column = np.array([[2], [0], [1]])  # broadcast over dim 1's partner: one pick per row
    check(x.take_along_dim(autograd.tensor(column), dim=1), np.take_along_axis(xv, column, axis=1))
    rows = np.array([[0, 2, 1, 0]])  # (1, 4) indices broadcast against a (2, 3, 4) input
    y = leaf((2, 3, 4))
    expected = np.take_along_axis(y.detach().numpy(), np.broadcast_to(rows, (2, 1, 4)), axis=1)
    check(y.take_along_dim(autograd.tensor(rows).unsqueeze(0), dim=1), expected)
    check_grad(lambda t: t.take_along_dim(autograd.tensor(column), dim=1), x)
    with pytest.raises(RuntimeError, match="take_along_dim: input and indices need as many dims"):
        x.take_along_dim(autograd.tensor([1]), dim=0)


def test_the_meta_package_has_the_functional_forms():
    import tinytorch as tt

    for name in ["movedim", "moveaxis", "broadcast_to", "tile", "repeat_interleave", "rot90", "tensor_split",
                 "take", "take_along_dim"]:  # fmt: skip
        assert callable(getattr(tt, name)) and hasattr(tt.ones(2, 2), name), name
    for name in ["broadcast_tensors", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack",
                 "column_stack", "row_stack"]:  # fmt: skip
        assert callable(getattr(tt, name)), name


@pytest.mark.parametrize("library", ["tt_tensor", "tt_autograd"])
def test_flip_and_tile_take_their_dims_one_by_one_as_pytorch(library, check_grad):
    import tt_tensor

    lib = tt_tensor if library == "tt_tensor" else autograd
    values = np.arange(6.0).reshape(2, 3)
    x = lib.tensor(values)
    np.testing.assert_array_equal(x.flip(0, 1).numpy(), values[::-1, ::-1])  # flip(0, 1) as flip((0, 1))
    np.testing.assert_array_equal(x.flip([1]).numpy(), values[:, ::-1])
    np.testing.assert_array_equal(x.flip(-1).numpy(), values[:, ::-1])
    np.testing.assert_array_equal(x.tile(2, 1).numpy(), np.tile(values, (2, 1)))  # tile(2, 1) as tile((2, 1))
    np.testing.assert_array_equal(x.tile(3).numpy(), np.tile(values, 3))
    with pytest.raises(TypeError, match=r"^flip: missing the dims \(give them as a tuple, or one by one\)"):
        x.flip()
    with pytest.raises(TypeError, match=r"^tile: missing the dims"):
        x.tile()
    with pytest.raises(TypeError, match=r"^tile: dims must be an int, got str"):
        x.tile(2, "a")
    if lib is autograd:
        check_grad(lambda t: t.flip(1, 0) * t.tile(1, 1), autograd.tensor(values, requires_grad=True))


def test_tensor_split_reads_a_0d_tensor_as_sections_and_refuses_floats_as_pytorch():
    x = autograd.arange(7.0)
    # a 0-d integer tensor is a number of sections (it used to split at that index)
    assert [t.tolist() for t in x.tensor_split(autograd.tensor(3))] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [t.tolist() for t in x.tensor_split(autograd.tensor([2, 5]))] == [[0, 1], [2, 3, 4], [5, 6]]
    assert [t.tolist() for t in x.tensor_split(np.int64(2))] == [[0, 1, 2, 3], [4, 5, 6]]
    assert len(x.hsplit(autograd.tensor(7))) == 7
    with pytest.raises(TypeError, match=r"^tensor_split: indices_or_sections must be an int, got float 0.5"):
        x.tensor_split(0.5)  # it used to split at index 0
    with pytest.raises(TypeError, match=r"^tensor_split: indices_or_sections must be an int, got the bool"):
        x.tensor_split(True)
    with pytest.raises(TypeError, match=r"^hsplit: indices_or_sections must be an int, got float 2.5"):
        x.hsplit([1, 2.5])
    with pytest.raises(RuntimeError, match=r"^tensor_split: .* 0-d or 1-d integer tensor, got a 1-d float32"):
        x.tensor_split(autograd.tensor([1.5]))
    with pytest.raises(RuntimeError, match=r"^tensor_split: .* 0-d or 1-d integer tensor, got a 2-d int64"):
        x.tensor_split(autograd.tensor([[1]]))
