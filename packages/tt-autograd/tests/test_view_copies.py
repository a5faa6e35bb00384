"""PyTorch's ``*_copy`` functions (``view_copy``, ``permute_copy``, ``split_copy``, ...): values against
NumPy's views, a result that never aliases its input (for each function), gradients against central
differences (float64, first and second order) for a representative set, ``out=`` as PyTorch 2.13 takes
it (checked against torch in a scratch script), and the errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(27)
X = np.arange(24.0).reshape(2, 3, 4)


def _leaf(*shape):
    return autograd.tensor(RNG.standard_normal(shape), requires_grad=True)


def _f(values):
    return autograd.tensor(np.asarray(values, dtype=np.float64))


def _pairs(x):
    return x.reshape(3, 4, 2)


STRIDED, WINDOWS = np.lib.stride_tricks.as_strided, np.lib.stride_tricks.sliding_window_view


# name, call on a tensor of X, the same view taken by NumPy on X
CASES = [
    ("view_copy", lambda a: autograd.view_copy(a, [4, 6]), lambda x: x.reshape(4, 6)),
    (
        "expand_copy",
        lambda a: autograd.expand_copy(a[:, :1], [3, -1, 2, 4]),
        lambda x: np.broadcast_to(x[:, :1], (3, 2, 2, 4)),
    ),
    ("permute_copy", lambda a: autograd.permute_copy(a, [2, 0, 1]), lambda x: x.transpose(2, 0, 1)),
    ("t_copy", lambda a: autograd.t_copy(a[0]), lambda x: x[0].T),
    ("transpose_copy", lambda a: autograd.transpose_copy(a, 0, -1), lambda x: x.swapaxes(0, -1)),
    ("squeeze_copy", lambda a: autograd.squeeze_copy(a[:1, :, :1]), lambda x: x[0, :, 0]),
    ("unsqueeze_copy", lambda a: autograd.unsqueeze_copy(a, 1), lambda x: x[:, None]),
    ("select_copy", lambda a: autograd.select_copy(a, 1, -1), lambda x: x[:, -1]),
    ("slice_copy", lambda a: autograd.slice_copy(a, 2, 1, None, 2), lambda x: x[:, :, 1::2]),
    ("diagonal_copy", lambda a: autograd.diagonal_copy(a, 1, 1, 2), lambda x: np.diagonal(x, 1, 1, 2)),
    ("detach_copy", autograd.detach_copy, lambda x: x),
    ("alias_copy", autograd.alias_copy, lambda x: x),
    (
        "as_strided_copy",
        lambda a: autograd.as_strided_copy(a, (3, 3), (2, 1), 1),
        lambda x: STRIDED(x.reshape(-1)[1:], (3, 3), (16, 8)),
    ),
    ("narrow_copy", lambda a: autograd.narrow_copy(a, 2, 1, 2), lambda x: x[:, :, 1:3]),
    ("unfold_copy", lambda a: autograd.unfold_copy(a, 2, 2, 1), lambda x: WINDOWS(x, 2, 2)),
    (
        "view_as_real_copy",
        lambda a: autograd.view_as_real_copy(autograd.view_as_complex(a.reshape(3, 4, 2))),
        _pairs,
    ),
    (
        "view_as_complex_copy",
        lambda a: autograd.view_as_complex_copy(a.reshape(3, 4, 2)),
        lambda x: _pairs(x)[..., 0] + 1j * _pairs(x)[..., 1],
    ),
    ("unbind_copy", lambda a: autograd.unbind_copy(a, 1), lambda x: tuple(x[:, i] for i in range(3))),
    ("split_copy", lambda a: autograd.split_copy(a, 3, 2), lambda x: (x[..., :3], x[..., 3:])),
    (
        "split_with_sizes_copy",
        lambda a: autograd.split_with_sizes_copy(a, [1, 3], -1),
        lambda x: (x[..., :1], x[..., 1:]),
    ),
]


def _pieces(value):
    return value if isinstance(value, tuple) else (value,)


def test_every_copy_function_is_listed():
    listed = {name for name, _, _ in CASES}
    assert listed == {name for name in autograd.__all__ if name.endswith("_copy") and name != "index_copy"}


@pytest.mark.parametrize(("name", "call", "view"), CASES, ids=[case[0] for case in CASES])
def test_values_are_the_views_values(name, call, view):
    got, expected = _pieces(call(_f(X))), _pieces(view(X.copy()))
    assert len(got) == len(expected)
    for piece, want in zip(got, expected):
        assert piece.shape == want.shape
        np.testing.assert_array_equal(piece.numpy(), want)


@pytest.mark.parametrize(("name", "call", "view"), CASES, ids=[case[0] for case in CASES])
def test_the_result_never_aliases_the_input(name, call, view):
    source = _f(X)
    for piece in _pieces(call(source)):
        assert not np.shares_memory(piece.numpy(), source.numpy()), name
        assert piece.numpy().flags.c_contiguous and piece.numpy().flags.writeable
        piece.numpy()[...] = -1  # writing into the copy leaves the input as it was
    np.testing.assert_array_equal(source.numpy(), X)


# ----------------------------------------------------------------- gradients: the view's
GRADS = [
    ("view_copy", lambda x: autograd.view_copy(x, (4, -1)), (2, 3, 4)),
    ("expand_copy", lambda x: autograd.expand_copy(x, [2, 3, 4]), (3, 1)),
    ("permute_copy", lambda x: autograd.permute_copy(x, (2, 0, 1)), (2, 3, 4)),
    ("t_copy", autograd.t_copy, (3, 4)),
    ("squeeze_copy", lambda x: autograd.squeeze_copy(x, (0, 2)), (1, 3, 1)),
    ("select_copy", lambda x: autograd.select_copy(x, 1, 2), (2, 3, 4)),
    ("slice_copy", lambda x: autograd.slice_copy(x, 1, -3, None, 2), (2, 5)),
    ("diagonal_copy", lambda x: autograd.diagonal_copy(x, -1, 0, 2), (3, 2, 4)),
    ("alias_copy", autograd.alias_copy, (2, 3)),
    ("as_strided_copy", lambda x: autograd.as_strided_copy(x, (2, 2), (1, 1)), (2, 3)),
    ("unfold_copy", lambda x: autograd.unfold_copy(x, 1, 3, 2), (2, 7)),
    ("split_copy", lambda x: autograd.split_copy(x, 2, 1)[-1] * 3, (2, 5)),
    ("unbind_copy", lambda x: autograd.unbind_copy(x, 0)[1], (3, 4)),
]


@pytest.mark.parametrize(("name", "fn", "shape"), GRADS, ids=[case[0] for case in GRADS])
def test_gradient_is_the_views(name, fn, shape):
    gradcheck(fn, [_leaf(*shape)])
    gradgradcheck(lambda x: fn(x) ** 2, [_leaf(*shape)])


def test_complex_copies_pass_the_gradient_through():
    x = _leaf(3, 2)
    autograd.view_as_real_copy(autograd.view_as_complex_copy(x * 2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 2), 2.0))


def test_detach_copy_has_no_history():
    copy = autograd.detach_copy(_leaf(2, 3))
    assert not copy.requires_grad and copy.grad_fn is None


def test_view_copy_takes_a_non_contiguous_input():
    np.testing.assert_array_equal(
        autograd.view_copy(_f(X).transpose(0, 2), [-1]).numpy(), X.transpose(2, 1, 0).ravel()
    )


def test_view_copy_with_a_dtype_reads_the_bytes():
    a = autograd.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    got = autograd.view_copy(a, autograd.int32)
    np.testing.assert_array_equal(got.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3).view(np.int32))
    assert not np.shares_memory(got.numpy(), a.numpy())
    assert autograd.view_copy(a, autograd.float16).shape == (2, 6)
    assert not autograd.view_copy(a.double().requires_grad_(), autograd.int64).requires_grad
    with pytest.raises(RuntimeError, match="view_copy: .* last dimension's size 3 must be divisible by 2"):
        autograd.view_copy(a, autograd.float64)
    with pytest.raises(RuntimeError, match="view_copy: .* it needs at least one dimension"):
        autograd.view_copy(autograd.tensor(1.0), autograd.float64)


def test_view_copy_takes_the_dtype_by_name_and_keeps_a_zero_dim_shape():
    """PyTorch 2.13's (input, dtype) overload: torch.view_copy(torch.tensor([1.5, 2.0]), dtype=torch.int16)
    is [0, 16320, 0, 16384]; a 0-d float32 read as int32 stays 0-d (1065353216, 1.0's bits)."""
    got = autograd.view_copy(autograd.tensor([1.5, 2.0]), dtype=autograd.int16)
    assert got.dtype == autograd.int16 and got.tolist() == [0, 16320, 0, 16384]
    scalar = autograd.view_copy(autograd.tensor(1.0), autograd.int32)
    assert scalar.shape == () and scalar.item() == 1065353216
    assert autograd.view_copy(autograd.tensor(1.0), dtype=autograd.int32).shape == ()


def test_view_copy_of_a_dtype_needs_a_unit_stride_last_dim_as_view_does():
    """torch 2.13: view_copy(torch.zeros(2, 3).t(), torch.int16) raises "self.stride(-1) must be 1 to view
    Float as Short"; the same dims with equal element sizes, or contiguous, are read."""
    transposed = autograd.zeros(2, 3).t()
    with pytest.raises(RuntimeError, match="view_copy: .* its last dimension must have stride 1, got 3"):
        autograd.view_copy(transposed, autograd.int16)
    assert autograd.view_copy(transposed, autograd.int32).shape == (3, 2)
    assert autograd.view_copy(autograd.zeros(2, 3)[:, :2], autograd.int16).shape == (2, 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda x: autograd.view_copy(x, (2,), dtype=autograd.int32),
            "give a size .* or a dtype, one of them",
        ),
        (lambda x: autograd.view_copy(x), "give a size .* or a dtype, one of them"),
        (lambda x: autograd.view_copy(x, dtype=None), "argument 'dtype' must be torch.dtype, not NoneType"),
        (lambda x: autograd.view_copy(x, dtype="int32"), "argument 'dtype' must be torch.dtype, not str"),
        (lambda x: autograd.view_copy(x, "int32"), "argument 'size' must be a tuple of ints, not str"),
    ],
)
def test_view_copy_refuses_both_forms_at_once_and_junk(call, message):
    with pytest.raises(TypeError, match=message):  # (torch 2.13: TypeError for each, invalid combination)
        call(autograd.tensor([1.5, 2.0]))


# ----------------------------------------------------------------- out=
def test_out_is_written_and_returned():
    out = autograd.empty(0, dtype=autograd.float64)
    result = autograd.t_copy(_f(X[0]), out=out)
    assert result is out
    np.testing.assert_array_equal(out.numpy(), X[0].T)


def test_out_of_the_right_shape_keeps_its_memory():
    out = autograd.empty(4, 3, dtype=autograd.float64)
    memory = out.numpy()
    autograd.t_copy(_f(X[0]), out=out)
    np.testing.assert_array_equal(memory, X[0].T)


def test_out_of_another_shape_is_resized_with_pytorchs_warning():
    out = autograd.zeros(5, dtype=autograd.float64)
    with pytest.warns(
        UserWarning, match="had shape \\[5\\], which does not match the required output shape \\[4, 6\\]"
    ):
        autograd.view_copy(_f(X), [4, 6], out=out)
    np.testing.assert_array_equal(out.numpy(), X.reshape(4, 6))


def test_the_resize_warning_points_at_the_caller():
    for size in ([4, 6], autograd.float64):
        with pytest.warns(UserWarning, match="was resized") as record:
            autograd.view_copy(_f(X), size, out=autograd.zeros(1, dtype=autograd.float64))
        assert record[0].filename == __file__


def test_out_errors():
    with pytest.raises(
        RuntimeError, match="Expected out tensor to have dtype tt.float64, but got tt.float32"
    ):
        autograd.alias_copy(_f(X), out=autograd.empty(2, 3, 4))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        autograd.alias_copy(_f(X), out=[])
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        autograd.alias_copy(_f(X), out=_leaf(2, 3, 4))
    with autograd.no_grad():
        kept = _leaf(2, 3, 4)
        autograd.alias_copy(_f(X), out=kept)
    np.testing.assert_array_equal(kept.detach().numpy(), X)


def test_out_takes_the_inputs_history():
    x, out = _leaf(3, 4), autograd.empty(0, dtype=autograd.float64)
    autograd.t_copy(x, out=out)
    (out * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 3.0))


def test_out_lists_take_one_tensor_per_piece_and_return_none():
    outs = [autograd.empty(2, 3, 3, dtype=autograd.float64), autograd.empty(2, 3, 1)]
    assert autograd.split_copy(_f(X), 3, 2, out=outs) is None
    np.testing.assert_array_equal(outs[0].numpy(), X[..., :3])
    np.testing.assert_array_equal(outs[1].numpy(), X[..., 3:].astype(np.float32))  # cast, as copy_
    with pytest.raises(RuntimeError, match="unbind_copy: expected an out= argument of size 3, got size 1"):
        autograd.unbind_copy(_f(X), 1, out=[autograd.empty(2, 4)])
    with pytest.raises(TypeError, match="argument 'out' must be tuple of Tensors, not Tensor"):
        autograd.split_with_sizes_copy(_f(X), [1, 3], 2, out=autograd.empty(2))
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        autograd.unbind_copy(_f(X[0]), out=[_leaf(4), _leaf(4), _leaf(4)])


# ----------------------------------------------------------------- argument errors
@pytest.mark.parametrize(("name", "call", "view"), CASES, ids=[case[0] for case in CASES])
def test_a_non_tensor_input_is_refused_by_name(name, call, view):
    arguments = {"view_copy": ([6],), "expand_copy": ([2],), "permute_copy": ([0],), "transpose_copy": (0, 0)}
    arguments.update({"unsqueeze_copy": (0,), "select_copy": (0, 0), "as_strided_copy": ((1,), (1,))})
    arguments.update({"narrow_copy": (0, 0, 1), "unfold_copy": (0, 1, 1), "split_copy": (1,)})
    arguments["split_with_sizes_copy"] = ([1],)
    with pytest.raises(TypeError, match=f"^{name}: argument 'input' must be a Tensor, got list|view_as_"):
        getattr(autograd, name)([1.0, 2.0], *arguments.get(name, ()))


def test_slice_copy_counts_a_negative_dim_from_the_end_and_steps_by_one():
    np.testing.assert_array_equal(autograd.slice_copy(_f(X), -1, 1, 3).numpy(), X[..., 1:3])
    np.testing.assert_array_equal(autograd.slice_copy(_f(X), -2, end=-1).numpy(), X[:, :-1])
    with pytest.raises(IndexError, match="slice_copy"):
        autograd.slice_copy(_f(X), 3)


def test_view_copy_checks_the_last_dim_for_a_larger_dtype():
    a = autograd.tensor(np.zeros((2, 4, 3), dtype=np.float32))
    with pytest.raises(RuntimeError, match="size 3 must be divisible by 2"):
        autograd.view_copy(a, autograd.float64)
    assert autograd.view_copy(
        autograd.tensor(np.zeros((3, 4), dtype=np.float32)), autograd.float64
    ).shape == (3, 2)


def test_argument_errors_are_pytorchs():
    with pytest.raises(TypeError, match="view_copy\\(\\): argument 'size' must be a tuple of ints, not int"):
        autograd.view_copy(_f(X), 24)
    with pytest.raises(RuntimeError, match="slice_copy: slice step must be positive, got 0"):
        autograd.slice_copy(_f(X), 1, 0, 3, 0)
    with pytest.raises(TypeError, match="slice_copy: start must be an int"):
        autograd.slice_copy(_f(X), 1, 0.5)
    with pytest.raises(TypeError, match="permute_copy: argument 'input' must be a Tensor, got list"):
        autograd.permute_copy([[1.0]], [1, 0])
    with pytest.raises(TypeError, match="expand_copy: argument 'implicit' must be bool"):
        autograd.expand_copy(_f(X), [2, 3, 4], implicit="yes")
    with pytest.raises(TypeError, match="split_copy: split_size must be an int"):
        autograd.split_copy(_f(X), [1, 2], 1)
    with pytest.raises(TypeError, match="view_as_real"):
        autograd.view_as_real_copy(X)
    assert autograd.view_copy(_f(X), autograd.tensor([6, 4])).shape == (6, 4)
