"""Writes through views, the cases beyond CopySlices: the pieces of ``split``/``chunk``/``unbind``
(views PyTorch refuses to write into), and the aliases ``detach()`` and ``.data`` make (same memory,
no ``_base``: they follow a recorded write into that memory, as PyTorch's shared memory does).
Values where they flow checked against float64 central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

F64 = autograd.float64
PIECES = {
    "split": lambda y: y.split(2),
    "split_list": lambda y: y.split([1, 3, 2]),
    "chunk": lambda y: y.chunk(3),
    "unbind": lambda y: y.view(3, 2).unbind(1),
    "split_with_sizes": lambda y: y.split_with_sizes([4, 2]),
}
NAMES = {"split_list": "split", "unbind": "unbind"}


# ----------------------------------------------------------------- pieces of split, chunk, unbind
@pytest.mark.parametrize("op", PIECES)
def test_pieces_are_views_of_the_base(op):
    y = autograd.arange(6.0) * 1.0
    pieces = PIECES[op](y)
    assert all(piece._base is y and piece._is_view() for piece in pieces)
    assert pieces[0][:1]._base is y and pieces[-1]._multi_output[1] == len(pieces) - 1


@pytest.mark.parametrize("op", PIECES)
def test_a_recorded_write_into_a_piece_or_a_view_of_one_is_refused_by_name(leaf, op):
    x = leaf((6,))
    name = NAMES.get(op, op)
    for index, write in ((1, lambda p: p.mul_(3.0)), (0, lambda p: p[:1].add_(x[:1]))):
        y = x * 1.0
        with pytest.raises(RuntimeError) as error:
            write(PIECES[op](y)[index])
        message = str(error.value)
        assert message.startswith(f"{'mul_' if index else 'add_'}: output {index} of {name} is a view")
        assert "returns multiple views" in message and "out-of-place" in message
        assert "narrow, tensor_split" in message
        np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())  # nothing written


def test_chunk_pieces_of_empty_and_short_tensors_and_a_bad_count():
    empty, short = autograd.zeros(0, 2), autograd.zeros(1, 2)
    assert [tuple(p.shape) for p in empty.chunk(3)] == [(0, 2)] * 3  # (PyTorch's: chunks empty pieces)
    assert [tuple(p.shape) for p in short.chunk(3)] == [(1, 2)] == [tuple(p.shape) for p in short.chunk(1)]
    assert all(p._multi_output == ("chunk", i) for i, p in enumerate(empty.chunk(3)))
    with pytest.raises(ValueError, match="chunk: number of chunks must be positive, got 0"):
        short.chunk(0)


def test_a_piece_of_a_plain_tensor_is_refused_when_an_operand_requires_grad(leaf):
    base = autograd.arange(6.0, dtype=F64)
    with pytest.raises(RuntimeError, match="copy_: output 2 of chunk is a view"):
        base.chunk(3)[2].copy_(leaf((2,)))
    assert base.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_piece_made_under_no_grad_gets_the_no_grad_message(leaf):
    y = leaf((6,)) * 1.0
    with autograd.no_grad():
        piece = y.split(2)[0]
    with pytest.raises(RuntimeError, match="mul_: A view was created in no_grad mode"):
        piece.mul_(leaf((2,)))


def test_a_write_into_a_piece_without_recording_goes_into_the_base(leaf):
    x = leaf((6,))
    y = x * 2.0
    first, second, _ = y.split(2)
    with autograd.no_grad():
        first.mul_(3.0)
    second.detach().add_(1.0)  # (an alias, no recording)
    want = x.detach().numpy() * 2.0
    want[:2] *= 3.0
    want[2:4] += 1.0
    np.testing.assert_array_equal(y.detach().numpy(), want)
    (gx,) = grad(y.sum(), x)  # y's history: the one before the writes, as PyTorch's
    np.testing.assert_array_equal(gx.numpy(), [2.0] * 6)


@pytest.mark.parametrize("write", ["base", "other view"])
def test_after_a_recorded_write_into_the_base_a_piece_refuses_backward(leaf, write):
    x = leaf((6,))
    y = x * 1.0
    pieces = y.unbind()
    sliced = y[3:5]  # not a piece: it follows
    (y.mul_(2.0) if write == "base" else y[1:].mul_(2.0))
    np.testing.assert_allclose(pieces[4].item(), x.detach().numpy()[4] * 2.0)  # values follow
    assert pieces[4].requires_grad and pieces[4].grad_fn.name() == "StaleViewBackward0"
    with pytest.raises(RuntimeError, match="backward: output 4 of unbind is a view and its base or another"):
        grad(pieces[4] * 3.0, x)
    with pytest.raises(RuntimeError, match="take the pieces after the write"):
        grad(pieces[4] * 3.0, x, create_graph=True)
    (gx,) = grad(sliced.sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [0.0, 0.0, 0.0, 2.0, 2.0, 0.0])


@pytest.mark.parametrize(
    "split",
    [
        lambda y: y.tensor_split(3),
        lambda y: y.tensor_split([1, 4]),
        lambda y: y.view(2, 3).hsplit(3),
        lambda y: y.view(3, 2).vsplit(3),
        lambda y: y.view(1, 2, 3).dsplit(3),
        lambda y: y.unsafe_split(2),
        lambda y: y.unsafe_chunk(3),
        lambda y: y.unsafe_split_with_sizes([2, 4]),
    ],
)
def test_tensor_split_and_the_unsafe_splits_give_pieces_that_may_be_written(leaf, check_grad, split):
    def written(x, w):
        y = x * 1.0
        piece = split(y)[0]
        piece.mul_(w)
        return y * 2.0

    x, w = leaf((6,)), leaf((1,))
    check_grad(written, x, w)
    y = x * 1.0
    piece = split(y)[0]
    assert piece._base is y and "_multi_output" not in piece.__dict__
    piece.mul_(3.0)
    assert y[0].item() == pytest.approx(x[0].item() * 3.0)


# ----------------------------------------------------------------- aliases: detach(), .data
@pytest.mark.parametrize("alias", [lambda t: t.detach(), lambda t: t.data])
def test_an_alias_is_no_view_and_follows_recorded_writes_into_its_memory(leaf, alias):
    x = leaf((2, 3))
    y = x * 2.0
    before = alias(y)
    assert before._base is None and not before._is_view() and not before.requires_grad
    assert np.shares_memory(before.numpy(), y.detach().numpy())
    y[1:].mul_(3.0)  # a write through a view
    np.testing.assert_array_equal(before.numpy(), y.detach().numpy())
    y.exp_()  # a write into the base itself
    np.testing.assert_array_equal(before.numpy(), y.detach().numpy())
    assert before.grad_fn is None and not before.requires_grad  # no history, as PyTorch's
    want = 2.0 * x.detach().numpy() * [[1.0], [3.0]]
    np.testing.assert_allclose(before.numpy(), np.exp(want))


def test_an_alias_of_a_view_and_a_view_of_an_alias_follow(leaf):
    x = leaf((6,))
    y = x * 1.0
    of_view = y[1:4].detach()
    of_alias = y.detach()[2:]
    assert of_view._base is None and of_alias._base is not y and of_alias._base is not None
    y[1:3].mul_(10.0)
    want = x.detach().numpy().copy()
    want[1:3] *= 10.0
    np.testing.assert_array_equal(of_view.numpy(), want[1:4])
    np.testing.assert_array_equal(of_alias.numpy(), want[2:])
    assert not of_alias.requires_grad and not of_view.requires_grad


def test_a_recorded_write_into_an_alias_reaches_the_tensor_it_came_from(leaf):
    x, w = leaf((4,)), leaf((4,))
    y = x * 2.0
    row = y[1:]
    alias = y.detach()
    alias.mul_(w)
    want = x.detach().numpy() * 2.0 * w.detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), want)
    np.testing.assert_allclose(row.detach().numpy(), want[1:])
    (gw,) = grad(alias.sum(), w)  # the alias has the write's history
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy() * 2.0)
    (gx,) = grad(y.sum(), x)  # y's history stays as it was, as PyTorch's
    np.testing.assert_array_equal(gx.numpy(), [2.0] * 4)


def test_a_write_through_a_view_of_an_alias_rewrites_the_alias_history_only(leaf, check_grad):
    def written(w, x):
        alias = (x * 1.0).detach()
        alias[1:3].mul_(w)
        return alias.sin()

    x, w = leaf((5,)), leaf((2,))
    check_grad(written, w, x.detach())
    y = x * 1.0
    alias = y.detach()
    alias[1:3].mul_(w)
    assert alias.grad_fn.name() == "CopySlicesBackward0" and y.grad_fn.name() == "MulBackward0"
    want = x.detach().numpy().copy()
    want[1:3] *= w.detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), want)  # y's values changed; its gradient did not
    (gx,) = grad(y.sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [1.0] * 5)


def test_aliases_of_a_tensor_that_died_still_follow_each_other(leaf):
    alias = (leaf((3,)) * 1.0).detach()  # its tensor is gone
    other = alias.detach()
    alias.add_(leaf((3,)))
    np.testing.assert_array_equal(other.numpy(), alias.detach().numpy())


def test_an_alias_of_memory_in_another_layout_keeps_the_old_values(leaf):
    memory = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    y = autograd.from_numpy(memory)
    alias = y.detach()
    assert y.add_(leaf((2, 3))) is y  # (no same-layout copy: y alone takes new memory, as before)
    assert alias.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and y.requires_grad
    with pytest.raises(RuntimeError, match="not one row-major block"):
        autograd.from_numpy(memory)[0].add_(leaf((3,)))


def test_an_alias_of_an_alias_is_listed_once_and_follows(leaf):
    x, w = leaf((4,)), leaf((4,))
    y = x * 1.0
    first = y.detach()
    second = first.detach()
    third = second[1:].detach()
    y.mul_(w)
    want = x.detach().numpy() * w.detach().numpy()
    np.testing.assert_allclose(first.numpy(), want)
    np.testing.assert_allclose(second.numpy(), want)
    np.testing.assert_allclose(third.numpy(), want[1:])
    members = [ref() for ref in y._views]
    assert [sum(m is t for m in members) for t in (y, first, second, third)] == [1, 1, 1, 1]


def test_aliases_are_listed_once_weakly_and_drop_from_copies(leaf):
    import copy

    y = leaf((3,)) * 1.0
    kept = [y.detach() for _ in range(3)]
    lengths = []
    for _ in range(300):
        y.detach()  # (dies at once: dropped when the list reaches 64 references)
        lengths.append(len(y._views))
    assert max(lengths) == 63 and min(lengths) == 5  # (y, the 3 kept and the one being returned)
    refs = [ref() for ref in y._views]
    assert sum(r is y for r in refs) == 1
    assert {id(r) for r in refs if r is not None} == {id(y), *(id(k) for k in kept)}
    assert all(k._views is y._views for k in kept)
    twin = copy.deepcopy(y.detach())
    assert "_aliased" not in twin.__dict__ and "_views" not in twin.__dict__
    piece = copy.copy(y.detach().split(1)[0])
    assert "_multi_output" not in piece.__dict__ and piece._base is None


# ----------------------------------------------------------------- forward-mode AD of writes into views
def _tangents(write):
    from tt_autograd import forward_ad

    with forward_ad.dual_level():
        primal = autograd.tensor([1.0, 2.0, 3.0, 4.0], dtype=F64)
        x = forward_ad.make_dual(primal, autograd.ones(4, dtype=F64))
        family = write(x)
        return [forward_ad.unpack_dual(t).tangent for t in family]


def _listed(tangents):
    return [None if t is None else t.tolist() for t in tangents]


def test_forward_ad_a_write_into_a_view_reaches_the_base_and_its_other_views():
    def into_view(x):
        y = x * 2.0
        view, other = y[1:3], y[2:]
        assert view.mul_(3.0) is view
        return y, view, other

    def plain_into_dual(x):
        y = x * 2.0
        other = y[2:]
        y[1:3].copy_(autograd.zeros(2))  # (a value without tangent: zeros there)
        return y, other

    def into_base(x):
        y = x * 2.0
        view = y[1:3]
        y.mul_(x)
        return y, view

    def dual_into_plain(x):
        y = autograd.zeros(4, dtype=F64)
        other = y[1:]
        y[:2].copy_(x[1:3])
        return y, other

    def zeroed(x):
        y = x * 2.0
        view = y[1:]
        y[:3].zero_()
        return y, view

    def alias(x):
        y = x * 2.0
        alias = y.detach()
        y[2:].mul_(x[:2])
        return y, alias

    # (PyTorch 2.13's tangents for each)
    assert _listed(_tangents(into_view)) == [[2.0, 6.0, 6.0, 2.0], [6.0, 6.0], [6.0, 2.0]]
    assert _listed(_tangents(into_base)) == [[4.0, 8.0, 12.0, 16.0], [8.0, 12.0]]
    assert _listed(_tangents(plain_into_dual)) == [[2.0, 0.0, 0.0, 2.0], [0.0, 2.0]]
    assert _listed(_tangents(dual_into_plain)) == [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    assert _listed(_tangents(zeroed)) == [[0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 2.0]]
    assert _listed(_tangents(alias)) == [[2.0, 2.0, 8.0, 12.0], None]


def test_forward_ad_of_view_writes_matches_central_differences(leaf):
    from tt_autograd import forward_ad

    def written(x):
        y = x * 1.0
        column = y[:, 1]
        y[1:, ::2].mul_(x[:2, :2])
        y.t()[0].add_(x[0, :3].sin())
        y.diagonal().exp_()
        return y * 2.0 + column.reshape(3, 1)

    x, direction = leaf((3, 4)), leaf((3, 4))
    with forward_ad.dual_level():
        tangent = forward_ad.unpack_dual(
            written(forward_ad.make_dual(x.detach(), direction.detach()))
        ).tangent
    step = 1e-6
    ahead = written(x.detach() + step * direction.detach()).numpy()
    behind = written(x.detach() - step * direction.detach()).numpy()
    np.testing.assert_allclose(tangent.numpy(), (ahead - behind) / (2 * step), rtol=1e-6, atol=1e-8)


def test_forward_ad_of_a_view_write_inside_vmap_is_refused_by_name():
    from tt_autograd.transforms import jacfwd

    def written(x):
        y = x * 2.0
        y[1:].mul_(x[:2])
        return y

    with pytest.raises(RuntimeError, match="mul_: in-place operation on a view .* inside vmap .jacfwd."):
        jacfwd(written)(autograd.tensor([1.0, 2.0, 3.0], dtype=F64))


def test_setting_data_gives_the_tensor_other_memory_and_its_old_aliases_stay():
    y = autograd.zeros(3, dtype=F64)
    before = y.data
    y.data = autograd.ones(3, dtype=F64)
    assert y.tolist() == [1.0] * 3 and before.tolist() == [0.0] * 3
    assert not np.shares_memory(y.numpy(), before.numpy())
