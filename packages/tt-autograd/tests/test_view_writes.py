"""Views know their base (``_base``), and recorded writes through a view rewrite the base's history.

PyTorch's semantics (``CopySlices``): ``y[1:].mul_(3)`` changes ``y`` and ``y``'s gradient, views
taken before a write read the new values and differentiate them; PyTorch's refusals for a view of a
leaf that requires grad, a view made under ``no_grad`` and an expanded view. Gradients checked
against float64 central differences, first and second order.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

F64 = autograd.float64


def _y(leaf, shape=(3, 4)):
    x = leaf(shape)
    return x, x * 1.0


# ----------------------------------------------------------------- _base
@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.view(12),
        lambda t: t.reshape(2, 6),
        lambda t: t.unsqueeze(0),
        lambda t: t.t(),
        lambda t: t.permute(1, 0),
        lambda t: t.expand(2, 3, 4),
        lambda t: t[1:, ::2],
        lambda t: t[0],
        lambda t: t.select(1, 2),
        lambda t: t.narrow(1, 1, 2),
        lambda t: t.split(2, dim=1)[1],
        lambda t: t.diagonal(),
        lambda t: t.as_strided((2, 2), (1, 4)),
        lambda t: t.unfold(1, 2, 1),
        lambda t: t.mT,
    ],
)
def test_a_view_op_gives_a_view_whose_base_is_the_first_base(make):
    base = autograd.arange(12.0).reshape(3, 4).clone()
    view = make(base)
    assert view._base is base and view._is_view() and not base._is_view()
    assert np.shares_memory(view.numpy(), base.numpy())
    assert make(base.view(3, 4))._base is base  # a view of a view: the first base, as PyTorch's


def test_a_result_in_new_memory_is_no_view():
    base = autograd.arange(12.0).reshape(3, 4).clone()
    for result in (base[[0, 2]], base.t().reshape(12), base * 1.0, base[base > 3], base.clone()):
        assert result._base is None and not result._is_view()


# ----------------------------------------------------------------- writes through a view
def test_a_write_through_a_view_changes_the_base_and_its_gradient(leaf):
    x, y = _y(leaf)
    w = leaf((2, 2))
    y[1:, ::2].mul_(w)
    expected = x.detach().numpy().copy()
    expected[1:, ::2] *= w.detach().numpy()
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    assert y.grad_fn.name() == "CopySlicesBackward0"
    weights = np.arange(12.0).reshape(3, 4)
    gx, gw = grad((y * autograd.tensor(weights)).sum(), (x, w))
    want = weights.copy()
    want[1:, ::2] *= w.detach().numpy()
    np.testing.assert_allclose(gx.numpy(), want)
    np.testing.assert_allclose(gw.numpy(), weights[1:, ::2] * x.detach().numpy()[1:, ::2])


def _writes(x, w, v):
    """Several writes through views of different layouts, and a read of an earlier view."""
    y = x * 1.0
    column = y[:, 1]  # taken before the writes
    y[1:, ::2].mul_(w)
    y.t()[0].add_(v)  # a transposed view: column 0
    y.diagonal().sin_()
    y.narrow(1, 2, 2).clamp_(-0.5, 0.5)
    return y * 2.0 + column.reshape(3, 1)


def test_writes_through_views_match_central_differences(leaf, check_grad, check_twice):
    x, w, v = leaf((3, 4)), leaf((2, 2)), leaf((3,))
    check_grad(_writes, x, w, v)
    check_twice(_writes, [x, w, v])


def test_a_write_through_a_view_equals_the_same_values_built_out_of_place(leaf):
    x, w, v = leaf((3, 4)), leaf((2, 2)), leaf((3,))
    xs, ws, vs = (t.detach().numpy() for t in (x, w, v))
    y = xs.copy()
    column = None
    y[1:, ::2] *= ws
    y[:, 0] += vs
    np.fill_diagonal(y, np.sin(np.diagonal(y)))
    y[:, 2:] = np.clip(y[:, 2:], -0.5, 0.5)
    column = y[:, 1].copy()  # the earlier view reads the values after every write
    np.testing.assert_allclose(_writes(x, w, v).detach().numpy(), y * 2.0 + column.reshape(3, 1))


def test_a_sibling_view_reads_the_new_values_and_their_gradient(leaf):
    x = leaf((4,))
    y = x * 1.0
    first, middle = y[:2], y[1:3]
    first.mul_(10.0)
    np.testing.assert_allclose(middle.detach().numpy(), x.detach().numpy()[1:3] * [10.0, 1.0])
    (gx,) = grad((middle * autograd.tensor([1.0, 100.0], dtype=F64)).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [0.0, 10.0, 100.0, 0.0])


def test_a_write_into_a_base_reaches_its_views_with_their_history(leaf):
    x = leaf((2, 3))
    y = x * 1.0
    row = y[1]
    y.exp_()
    np.testing.assert_allclose(row.detach().numpy(), np.exp(x.detach().numpy()[1]))
    (gx,) = grad(row.sum(), x)
    np.testing.assert_allclose(gx.numpy(), np.exp(x.detach().numpy()) * [[0.0], [1.0]])


def test_a_buffer_filled_through_views_collects_every_gradient(leaf):
    a, b = leaf((3,)), leaf((3,))
    out = autograd.zeros(2, 3, dtype=F64)  # needs no grad: becomes part of the graph
    out[0].copy_(a)
    out[1].copy_(b * 3.0)
    out[1:] += a  # Python's slice += : a view's add_, then setitem
    assert out.requires_grad
    ga, gb = grad((out * autograd.tensor([[1.0], [2.0]], dtype=F64)).sum(), (a, b))
    np.testing.assert_allclose(ga.numpy(), [3.0] * 3)
    np.testing.assert_allclose(gb.numpy(), [6.0] * 3)


def test_an_index_assignment_into_a_0d_view_differentiates(leaf):
    x, s = leaf((3,)), leaf(())
    y = x * 1.0
    y[1][...] = s.sin()  # a 0-d view: its gradient arrives as a NumPy scalar, put still copies an array
    gx, gs = grad((y * autograd.tensor([1.0, 2.0, 3.0], dtype=F64)).sum(), (x, s))
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(gs.numpy(), 2.0 * np.cos(s.detach().numpy()))


def test_what_an_earlier_op_saved_keeps_its_values(leaf):
    x, y = _y(leaf, (4,))
    square = y * y  # saves y (PyTorch raises in backward after the write; TinyTorch's copy keeps it)
    y[1:].mul_(2.0)
    (gx,) = grad(square.sum() + y.sum(), x)
    np.testing.assert_allclose(gx.numpy(), 2 * x.detach().numpy() + [1.0, 2.0, 2.0, 2.0])


def test_retain_grad_of_the_base_follows_its_new_history(leaf):
    x, y = _y(leaf, (3,))
    y.retain_grad()
    y[:2].mul_(4.0)
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 8.0, 2.0])


def test_a_write_without_recording_goes_into_the_shared_memory(leaf):
    base = autograd.zeros(2, 3, dtype=F64)
    view = base[1]
    view.add_(1.0)
    assert np.shares_memory(view.numpy(), base.numpy()) and base.numpy()[1].tolist() == [1.0] * 3
    assert base._version == 1


def test_a_tensor_over_numpy_memory_without_a_base_tensor_takes_new_memory(leaf):
    memory = np.zeros(4)
    y = autograd.from_numpy(memory[1:])  # a NumPy view, no tensor to rewrite
    w = leaf((3,))
    y.add_(w)
    assert not memory.any() and y.requires_grad
    (gw,) = grad(y.sum(), w)
    np.testing.assert_array_equal(gw.numpy(), [1.0] * 3)


# ----------------------------------------------------------------- refusals
def test_a_view_of_a_leaf_that_requires_grad_is_refused(leaf):
    w = leaf((3,))
    with pytest.raises(RuntimeError, match="mul_: a view of a leaf Variable that requires grad"):
        w[1:].mul_(2.0)
    with autograd.no_grad():
        w[1:].mul_(2.0)  # as an optimizer does


def test_a_view_made_under_no_grad_is_refused_when_written_while_recording(leaf):
    a = leaf((3,))
    with autograd.no_grad():
        buffer = autograd.zeros(4, dtype=F64)
        view = buffer[1:]
    with pytest.raises(RuntimeError, match="copy_: A view was created in no_grad mode"):
        view.copy_(a)
    assert not buffer.numpy().any() and not buffer.requires_grad


def test_an_expanded_view_is_refused(leaf):
    x = leaf((1, 3))
    y = x * 1.0
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.expand(2, 3).mul_(2.0)


def test_inside_forward_mode_ad_a_recorded_view_write_carries_tangents_and_gradients(leaf):
    from tt_autograd import forward_ad

    x = autograd.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    with forward_ad.dual_level():
        dual = forward_ad.make_dual(
            autograd.tensor([0.5, 1.0, 2.0], dtype=F64), autograd.tensor([1.0, 0.0, 1.0])
        )
        y = dual * x
        first = y[:2]
        y[1:].mul_(dual[:2])
        out = (y * y).sum() + first.sum()
        assert forward_ad.unpack_dual(out).tangent.item() == 44.0  # (PyTorch 2.13's figures)
        assert forward_ad.unpack_dual(first).tangent.tolist() == [1.0, 2.0]
        (gx,) = grad(out, x)
    np.testing.assert_allclose(gx.numpy(), [1.0, 1.5, 24.0])


def test_memory_a_write_cannot_copy_in_its_layout_or_may_not_write_is_refused_by_name(leaf):
    read_only = np.arange(4.0)
    read_only.flags.writeable = False
    with pytest.raises(RuntimeError, match="copy_: the view's memory is read-only"):
        autograd.from_numpy(read_only)[1:].copy_(leaf((3,)))
    spaced = np.ndarray((3,), np.float64, bytearray(48), 0, (16,))  # an owner with gaps
    with pytest.raises(RuntimeError, match="copy_: in-place write into a view .* not one row-major block"):
        autograd.from_numpy(spaced)[1:].copy_(leaf((2,)))
    memory = np.arange(6.0)
    outside = autograd.from_numpy(memory[2:]).as_strided((2,), (1,), 0)  # before the base's first element
    with pytest.raises(RuntimeError, match="reaches memory outside its base tensor"):
        outside.copy_(leaf((2,)))
    assert memory.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_base_keeps_weak_references_to_its_views_and_drops_dead_ones():
    base = autograd.zeros(4)
    kept = [base[i] for i in range(3)]
    lengths = []
    for _ in range(500):
        base[1:].sum()  # a view that dies at once
        lengths.append(len(base._views))
    assert max(lengths) == 63 and min(lengths) == 4  # (dropped at 64: the 3 kept and the new one live)
    assert {id(ref()) for ref in base._views if ref() is not None} == {id(v) for v in kept}


# ----------------------------------------------------------------- unfold, a view
@pytest.mark.parametrize(("dim", "size", "step"), [(1, 3, 2), (0, 2, 1), (1, 2, 3), (-1, 5, 1)])
def test_unfold_is_a_view_with_the_windows_gradient(leaf, check_grad, check_twice, dim, size, step):
    x = leaf((3, 5))
    values = x.detach().numpy()
    windows = x.unfold(dim, size, step)
    axis = dim % 2
    starts = range(0, values.shape[axis] - size + 1, step)
    expected = np.stack([np.take(values, range(s, s + size), axis=axis) for s in starts], axis=axis)
    np.testing.assert_array_equal(windows.detach().numpy(), np.moveaxis(expected, axis + 1, -1))
    assert windows._base is x
    weights = autograd.tensor(np.random.default_rng(1).standard_normal(windows.shape), dtype=F64)
    check_grad(lambda t: t.unfold(dim, size, step) * weights, x)
    check_twice(lambda t: t.unfold(dim, size, step) ** 2, [x])


def test_writing_through_unfold_reaches_the_tensor_and_overlapping_windows_are_refused(leaf):
    x = leaf((6,))
    y = x * 1.0
    y.unfold(0, 2, 2).mul_(3.0)  # windows that do not overlap: every element once
    np.testing.assert_allclose(y.detach().numpy(), 3 * x.detach().numpy())
    (gx,) = grad(y.sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [3.0] * 6)
    with pytest.raises(RuntimeError, match="mul_: unsupported operation: more than one element"):
        y.unfold(0, 3, 1).mul_(2.0)
    plain = autograd.arange(6.0)
    plain.unfold(0, 3, 3).add_(1.0)  # no recording: straight into the memory, as PyTorch's
    assert plain.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_unfold_under_vmap_is_one_batched_call(leaf):
    import warnings

    from tt_autograd.vmap_transform import vmap

    x = leaf((4, 3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a batched call, not the per-sample loop
        batched = vmap(lambda t: t.unfold(-1, 2, 2), in_dims=1)(x)
    np.testing.assert_array_equal(batched.detach().numpy(), x.unfold(2, 2, 2).movedim(1, 0).detach().numpy())


def test_under_vmap_a_recorded_view_write_is_refused_and_plain_grad_takes_it():
    from tt_autograd.transforms import grad as func_grad
    from tt_autograd.vmap_transform import vmap

    def f(x):
        y = x * 1.0
        y[1:].mul_(2.0)
        return y.sum()

    np.testing.assert_array_equal(func_grad(f)(autograd.ones(4)).numpy(), [1.0, 2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="mul_: in-place operation on a view .* inside vmap"):
        vmap(func_grad(f))(autograd.ones(3, 4))


def test_a_base_with_views_and_a_view_pickle_and_copy_as_tensors_of_their_own():
    import copy
    import pickle

    base = autograd.arange(10.0)
    view = base[2:5]
    for tensor, values in ((base, list(range(10))), (view, [2.0, 3.0, 4.0])):
        for twin in (pickle.loads(pickle.dumps(tensor)), copy.deepcopy(tensor), copy.copy(tensor)):
            assert twin.tolist() == values and twin._base is None and "_views" not in twin.__dict__
    assert view._base is base and len(base._views) == 1  # the originals keep their ties
