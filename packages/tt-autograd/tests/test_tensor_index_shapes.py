"""``select`` and ``select_scatter``/``slice_scatter``/``diagonal_scatter``, ``unflatten``, ``unfold``,
``split_with_sizes``, ``hsplit``/``vsplit``/``dsplit``, ``narrow_copy``, ``sum_to_size``, ``renorm``,
``fill_diagonal_`` and the ``unsafe_*`` splits: values against NumPy, gradients against central
differences (float64), second order where a Function of its own is involved (``PutFunction``), PyTorch
2.13's values where its rules are subtle (checked against torch in a scratch script and pinned here),
errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck

import tinytorch as tt

RNG = np.random.default_rng(230)


def _leaf(*shape):
    return autograd.tensor(RNG.standard_normal(shape), requires_grad=True)


def _f(values):
    return autograd.tensor(np.asarray(values, dtype=np.float64))


# ----------------------------------------------------------------- select and the *_scatter family
def test_select_is_a_view_with_the_dim_removed():
    a = np.arange(24.0).reshape(2, 3, 4)
    base = _f(a)
    picked = base.select(1, -1)
    np.testing.assert_array_equal(picked.numpy(), a[:, -1])
    assert np.shares_memory(picked.numpy(), base.numpy()) and tt.select(base, 0, 1).shape == (3, 4)
    gradcheck(lambda x: x.select(2, 1), [_leaf(2, 3, 4)])
    np.testing.assert_array_equal(base.select(1, -3).numpy(), a[:, 0])
    with pytest.raises(IndexError, match="select: index 3 out of range"):
        _f(a).select(1, 3)
    with pytest.raises(IndexError, match="select: index -4 out of range"):
        _f(a).select(1, -4)
    with pytest.raises(IndexError, match="0-dim"):
        _f(1.0).select(0, 0)


def test_select_slice_diagonal_scatter_values():  # pinned from torch 2.13
    zeros = _f(np.zeros((4, 3)))
    assert zeros.select_scatter(_f(np.ones(3)), 0, -1).tolist()[3] == [1.0, 1.0, 1.0]
    sliced = zeros.slice_scatter(_f(np.ones((2, 3))), 0, 1, None, 2)
    np.testing.assert_array_equal(sliced.numpy(), [[0] * 3, [1] * 3, [0] * 3, [1] * 3])
    diag = _f(np.zeros((3, 4))).diagonal_scatter(_f(np.ones(3)), 1)
    np.testing.assert_array_equal(diag.numpy(), np.eye(3, 4, 1))
    wide = _f(np.zeros((2, 5))).diagonal_scatter(_f([1.0, 2.0]), 1)
    np.testing.assert_array_equal(wide.numpy(), [[0, 1, 0, 0, 0], [0, 0, 2, 0, 0]])
    past = _f(np.zeros((3, 3))).diagonal_scatter(_f(np.ones(0)), 5)  # an empty diagonal
    assert past.tolist() == [[0.0] * 3] * 3


@pytest.mark.parametrize(("offset", "dim1", "dim2"), [(0, 0, 1), (1, 0, 1), (-1, 2, 0), (2, -1, -3)])
def test_diagonal_scatter_writes_what_diagonal_reads(offset, dim1, dim2):
    a = _f(RNG.standard_normal((3, 4, 5)))
    src_shape = a.diagonal(offset, dim1, dim2).shape
    src = _f(RNG.standard_normal(src_shape))
    out = a.diagonal_scatter(src, offset, dim1, dim2)
    np.testing.assert_array_equal(out.diagonal(offset, dim1, dim2).numpy(), src.numpy())
    marked = _f(np.zeros(a.shape)).diagonal_scatter(_f(np.ones(src_shape)), offset, dim1, dim2).numpy()
    np.testing.assert_array_equal(out.numpy()[marked == 0], a.numpy()[marked == 0])
    assert marked.sum() == np.prod(src_shape)


def test_scatter_family_gradients_both_ways():
    gradcheck(lambda a, s: a.select_scatter(s, 1, 0), [_leaf(3, 4), _leaf(3)])
    gradgradcheck(lambda a, s: a.select_scatter(s * s, 1, 0) * a, [_leaf(3, 4), _leaf(3)])
    gradcheck(lambda a, s: a.slice_scatter(s, -1, 1, 4, 2), [_leaf(3, 5), _leaf(3, 2)])
    gradgradcheck(lambda a, s: a.slice_scatter(s * a[:2, :1], 0, None, 2), [_leaf(3, 5), _leaf(2, 5)])
    gradcheck(lambda a, s: a.diagonal_scatter(s, -1, 0, 2), [_leaf(3, 2, 4), _leaf(2, 2)])
    gradgradcheck(lambda a, s: tt.diagonal_scatter(a, s * s, 1) * a, [_leaf(3, 3), _leaf(2)])


def test_scatter_family_errors():
    a = _f(np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="select_scatter: src of shape"):
        a.select_scatter(_f(np.ones(4)), 1, 0)
    with pytest.raises(RuntimeError, match="slice_scatter: step must be positive"):
        a.slice_scatter(_f(np.ones((3, 4))), 0, step=0)
    assert a.slice_scatter(autograd.ones(3, 4), 0).dtype == a.dtype  # (src cast, as PyTorch's)
    with pytest.raises(RuntimeError, match="dim1 and dim2 must differ"):
        a.diagonal_scatter(_f(np.ones(3)), 0, 1, -1)
    with pytest.raises(TypeError, match="diagonal_scatter: argument 'src' must be a Tensor"):
        a.diagonal_scatter([1.0, 2.0, 3.0])


# ----------------------------------------------------------------- shapes
def test_unflatten_infers_minus_one():
    a = _f(np.arange(24.0).reshape(2, 12))
    assert a.unflatten(1, (3, -1)).shape == (2, 3, 4) and tt.unflatten(a, -1, [2, 2, 3]).shape == (2, 2, 2, 3)
    gradcheck(lambda x: x.unflatten(0, (2, -1)) * 2, [_leaf(6, 2)])
    with pytest.raises(RuntimeError, match="unflatten: sizes"):
        a.unflatten(1, (5, 2))
    with pytest.raises(RuntimeError, match="only one dimension"):
        a.unflatten(1, (-1, -1))
    with pytest.raises(RuntimeError, match="unflatten: cannot infer -1"):
        a.unflatten(1, (5, -1))
    with pytest.raises(RuntimeError, match="unflatten: cannot infer -1"):
        a.unflatten(1, (0, -1))
    with pytest.raises(RuntimeError, match="unflatten: sizes must be non-empty"):
        a.unflatten(1, ())


def test_unfold_values_and_overlapping_gradient():
    a = np.arange(7.0)
    np.testing.assert_array_equal(_f(a).unfold(0, 3, 2).numpy(), [[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    x = _f(RNG.standard_normal((2, 6, 3)))
    windows = x.unfold(1, 4, 1)  # (2, 3, 3, 4): the window dim last
    expected = np.stack([x.numpy()[:, i : i + 4] for i in range(3)], axis=1).transpose(0, 1, 3, 2)
    np.testing.assert_array_equal(windows.numpy(), expected)
    leaf = autograd.tensor(np.zeros(5), requires_grad=True)
    leaf.unfold(0, 3, 1).sum().backward()  # each element counted once per window it is in
    assert leaf.grad.tolist() == [1.0, 2.0, 3.0, 2.0, 1.0]
    gradcheck(lambda t: t.unfold(-1, 2, 2), [_leaf(3, 5)])
    gradgradcheck(lambda t: t.unfold(0, 3, 1) ** 2, [_leaf(5, 2)])
    assert _f(5.0).unfold(0, 1, 1).tolist() == [5.0]  # PyTorch: a 0-d tensor gives one window of one
    assert _f(a).unfold(0, 7, 1).tolist() == [a.tolist()]  # the one window of the whole dim
    assert _f(a[:4]).unfold(0, 0, 1).shape == (5, 0)  # empty windows, as torch 2.13
    with pytest.raises(RuntimeError, match="unfold: size"):
        _f(a).unfold(0, 8, 1)
    with pytest.raises(RuntimeError, match="unfold: size"):
        _f(a).unfold(0, -1, 1)
    with pytest.raises(RuntimeError, match="unfold: size .* at most 1 for a 0-dim"):
        _f(5.0).unfold(0, 2, 1)
    with pytest.raises(RuntimeError, match="unfold: step must be positive"):
        _f(a).unfold(0, 2, 0)


@pytest.mark.parametrize(
    ("name", "shape"), [("hsplit", (6,)), ("hsplit", (2, 6)), ("vsplit", (6, 2)), ("dsplit", (1, 2, 6))]
)
def test_hsplit_vsplit_dsplit_follow_numpy(name, shape):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    for arg in (3, [1, 4]):
        pieces = getattr(_f(a), name)(arg)
        expected = getattr(np, name)(a, arg)
        assert [p.tolist() for p in pieces] == [e.tolist() for e in expected]
        assert [p.tolist() for p in getattr(tt, name)(_f(a), arg)] == [e.tolist() for e in expected]
    with pytest.raises(RuntimeError, match=f"{name}: dim .* does not split into 4 equal parts"):
        getattr(_f(a), name)(4)


def test_split_sections_edges():
    a = _f(np.zeros((2, 3)))
    assert [p.shape for p in a.hsplit(1)] == [(2, 3)]
    with pytest.raises(RuntimeError, match="hsplit: dim 1 of size 3 does not split into 0"):
        a.hsplit(0)
    with pytest.raises(RuntimeError, match="hsplit: needs a tensor with at least 1 dim"):
        _f(1.0).hsplit(1)


def test_split_dims_and_rank_errors():
    with pytest.raises(RuntimeError, match="vsplit: needs a tensor with at least 2 dim\\(s\\)"):
        _f(np.arange(6.0)).vsplit(2)
    with pytest.raises(RuntimeError, match="dsplit: needs a tensor with at least 3 dim\\(s\\)"):
        _f(np.zeros((2, 2))).dsplit(2)
    gradcheck(lambda x: x.hsplit([1])[1] * 3, [_leaf(2, 3)])


def test_split_with_sizes_and_the_unsafe_aliases():
    a = _f(np.arange(10.0))
    assert [p.tolist() for p in a.split_with_sizes([2, 3, 5])] == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    assert [p.shape for p in tt.unsafe_split_with_sizes(a, [4, 6])] == [(4,), (6,)]
    assert [p.shape for p in tt.unsafe_split(a, 4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in a.unsafe_chunk(3)] == [(4,), (4,), (2,)]
    with pytest.raises(RuntimeError, match="do not add up"):
        tt.split_with_sizes(a, [2, 3])


def test_narrow_copy_is_a_copy():
    a = _f(np.arange(12.0).reshape(3, 4))
    piece = tt.narrow_copy(a, 1, 1, 2)
    np.testing.assert_array_equal(piece.numpy(), a.numpy()[:, 1:3])
    assert not np.shares_memory(piece.numpy(), a.numpy())
    gradcheck(lambda x: x.narrow_copy(0, 1, 2), [_leaf(3, 4)])


def test_sum_to_size_sums_what_broadcasting_would_stretch():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(_f(x).sum_to_size(3, 1).numpy(), x.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(_f(x).sum_to_size((4,)).numpy(), x.sum(axis=(0, 1)))
    gradcheck(lambda t: t.sum_to_size(1, 3, 1), [_leaf(2, 3, 4)])
    with pytest.raises(RuntimeError, match="sum_to_size: size"):
        _f(x).sum_to_size(3)
    with pytest.raises(TypeError, match="sum_to_size: missing the size"):
        _f(x).sum_to_size()


# ----------------------------------------------------------------- renorm and fill_diagonal_
def _renorm_reference(x, p, dim, maxnorm):
    others = tuple(d for d in range(x.ndim) if d != dim)
    norms = (
        (np.abs(x) ** p).sum(axis=others, keepdims=True) ** (1 / p)
        if p != np.inf
        else np.abs(x).max(axis=others, keepdims=True)
    )
    return x * np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
def test_renorm_values_and_gradients(p):
    x = RNG.standard_normal((3, 4, 2))
    np.testing.assert_allclose(_f(x).renorm(p, 1, 1.2).numpy(), _renorm_reference(x, p, 1, 1.2))
    gradcheck(lambda t: t.renorm(p, -1, 1.5), [_leaf(3, 4, 2)])
    gradcheck(lambda t: tt.renorm(t, p, 0, 0.9), [_leaf(3, 4)])


def test_renorm_pytorch_values_and_errors():  # pinned from torch 2.13
    small = _f([[3e-7, 4e-7], [3.0, 4.0]])
    np.testing.assert_allclose(small.renorm(2, 0, 1e-7).numpy()[0], [5e-8, 6.666666666666665e-08], rtol=1e-12)
    np.testing.assert_array_equal(
        small.renorm(2, 0, 5.0).numpy(), small.numpy()
    )  # a norm at maxnorm: unchanged
    assert small.renorm(2, 0, 0.0).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    x = _f([[1.0, 2, 3], [4, 5, 6]])
    np.testing.assert_allclose(
        x.renorm(2, 0, 5).numpy(), [[1.0, 2.0, 3.0], [2.2792, 2.8490, 3.4188]], atol=1e-4
    )
    np.testing.assert_allclose(x.renorm(1, 1, 6).numpy(), [[1.0, 1.7143, 2.0], [4.0, 4.2857, 4.0]], atol=1e-4)
    y = x.clone()
    assert y.renorm_(2, 0, 5) is y and np.allclose(y.numpy(), x.renorm(2, 0, 5).numpy())
    with pytest.raises(RuntimeError, match="renorm: needs a tensor with at least 2 dims"):
        _f([1.0, 2.0]).renorm(2, 0, 1)
    with pytest.raises(RuntimeError, match="renorm: needs a floating-point tensor"):
        autograd.ones(2, 3, dtype=autograd.int64).renorm(2, 0, 1)
    with pytest.raises(RuntimeError, match="renorm: p must be positive"):
        x.renorm(0, 0, 1)


@pytest.mark.parametrize(
    ("shape", "wrap"), [((5, 2), True), ((7, 3), True), ((7, 3), False), ((3, 5), False), ((3, 3, 3), False)]
)
def test_fill_diagonal_as_numpy(shape, wrap):
    t = autograd.zeros(*shape)
    expected = np.zeros(shape, dtype=np.float32)
    np.fill_diagonal(expected, 2.0, wrap=wrap)
    version = t._version
    assert t.fill_diagonal_(2.0, wrap=wrap) is t and t._version == version + 1
    np.testing.assert_array_equal(t.numpy(), expected)


def test_fill_diagonal_pinned_and_recorded():
    t = autograd.zeros(5, 2).fill_diagonal_(1.0, wrap=True)  # torch 2.13: rows 0, 1, 3, 4
    assert t.tolist() == [[1, 0], [0, 1], [0, 0], [1, 0], [0, 1]]
    assert _f(np.full((2, 2), 5.0)).fill_diagonal_(1.0).tolist() == [
        [1.0, 5.0],
        [5.0, 1.0],
    ]  # written, not added
    gradcheck(lambda x: (x * 1.0).fill_diagonal_(0.5), [_leaf(3, 4)])
    with pytest.raises(RuntimeError, match="fill_diagonal_: in-place operation on a leaf"):
        _leaf(2, 2).fill_diagonal_(0.0)
    with pytest.raises(RuntimeError, match="fill_diagonal_: needs 2 dims"):
        autograd.zeros(2, 3, 3).fill_diagonal_(1.0)
