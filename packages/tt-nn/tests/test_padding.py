"""Padding modules (``ZeroPad2d``, ``ConstantPad1d``, ``ReflectionPad3d``, ...): values, grads, reprs, errors.

The reference is ``np.pad`` (``reflect`` = PyTorch's reflect, ``edge`` = replicate,
``wrap`` = circular, ``constant`` with ``constant_values``).

Not course material (outside module 04's solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn

NUMPY_MODE = {"Reflection": "reflect", "Replication": "edge", "Circular": "wrap"}


def _widths(padding, ndim):
    """``np.pad``'s widths for F.pad's ``(left, right, top, bottom, ...)`` on an ``ndim``-D array."""
    pairs = [(padding[2 * k], padding[2 * k + 1]) for k in range(len(padding) // 2)]
    return [(0, 0)] * (ndim - len(pairs)) + pairs[::-1]


@pytest.mark.parametrize("kind", ["Reflection", "Replication", "Circular"])
@pytest.mark.parametrize(
    ("dims", "padding"), [(1, (2, 1)), (1, 1), (2, (1, 2, 0, 3)), (2, 2), (3, (1, 0, 2, 1, 0, 2)), (3, 1)]
)
@pytest.mark.parametrize("batched", [True, False])
def test_modes_match_numpy(rng, kind, dims, padding, batched):
    shape = (2, 3, 4, 5, 6)[3 - dims + (0 if batched else 1) :]
    x = rng.standard_normal(shape)
    module = getattr(nn, f"{kind}Pad{dims}d")(padding)
    full = (padding,) * (2 * dims) if isinstance(padding, int) else padding
    assert module.padding == full
    out = module(autograd.tensor(x))
    np.testing.assert_array_equal(out.numpy(), np.pad(x, _widths(full, x.ndim), mode=NUMPY_MODE[kind]))


@pytest.mark.parametrize(("dims", "padding"), [(1, (2, -1)), (2, (1, 2, 3, 0)), (3, (0, 1, 1, 0, 2, 1))])
def test_constant_and_zero_pads_match_numpy(rng, dims, padding):
    x = rng.standard_normal((2, 3, 4, 5))
    out = getattr(nn, f"ConstantPad{dims}d")(padding, -2.5)(autograd.tensor(x))
    if padding[1] < 0:  # cropping
        expected = np.pad(x[..., :-1], _widths((2, 0), 4), constant_values=-2.5)
    else:
        expected = np.pad(x, _widths(padding, 4), constant_values=-2.5)
    np.testing.assert_array_equal(out.numpy(), expected)
    zeros = getattr(nn, f"ZeroPad{dims}d")(padding)(autograd.tensor(x))
    np.testing.assert_array_equal(zeros.numpy(), np.where(expected == -2.5, 0.0, expected))


def test_constant_pad_takes_any_rank_with_enough_dims(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(nn.ZeroPad2d(1)(autograd.tensor(x)).numpy(), np.pad(x, 1))
    x6 = rng.standard_normal((1, 1, 1, 2, 2, 2))
    np.testing.assert_array_equal(nn.ConstantPad1d(1, 7.0)(autograd.tensor(x6)).shape, (1, 1, 1, 2, 2, 4))


@pytest.mark.parametrize(
    "name", ["ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "CircularPad2d"]
)
def test_float32_is_kept(name):
    args = (1, 3.0) if name == "ConstantPad2d" else (1,)
    out = getattr(nn, name)(*args)(autograd.ones(1, 2, 3, 3))
    assert out.dtype == autograd.float32
    assert out.shape == (1, 2, 5, 5)


@pytest.mark.parametrize("kind", ["Zero", "Constant", "Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_gradients(leaf, check_grad, kind, dims):
    x = leaf(*(2, 3, 4, 3, 4)[3 - dims :])
    padding = (2, 1, 1, 2, 1, 0)[: 2 * dims]
    module = getattr(nn, f"{kind}Pad{dims}d")(*((padding, 1.5) if kind == "Constant" else (padding,)))
    check_grad(module, x)


def test_reprs_are_pytorchs():
    assert repr(nn.ZeroPad2d((1, 1, 2, 0))) == "ZeroPad2d((1, 1, 2, 0))"
    assert repr(nn.ZeroPad1d(3)) == "ZeroPad1d((3, 3))"
    assert repr(nn.ZeroPad3d(1)) == "ZeroPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ConstantPad2d([1, 2, 3, 4], 0.0)) == "ConstantPad2d(padding=(1, 2, 3, 4), value=0.0)"
    assert repr(nn.ReflectionPad1d(1)) == "ReflectionPad1d((1, 1))"
    assert repr(nn.ReplicationPad3d(1)) == "ReplicationPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(nn.CircularPad2d(1)) == "CircularPad2d((1, 1, 1, 1))"
    assert nn.ZeroPad2d(1).value == 0.0
    assert list(nn.ReflectionPad2d(1).state_dict()) == []


@pytest.mark.parametrize(
    "padding", [(1, 2, 3), (1,), 1.5, True, (1, 2.0), (1, 2, 3, 4.0), (1, 2, 3, True), "1"]
)
def test_bad_padding_is_refused(padding):
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 ints"):
        nn.ZeroPad2d(padding)


@pytest.mark.parametrize(
    ("name", "shape", "message"),
    [
        ("ReflectionPad2d", (3, 3), r"ReflectionPad2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\)"),
        ("ReflectionPad2d", (1, 1, 3, 3, 3), r"got shape \(1, 1, 3, 3, 3\)"),
        ("ReplicationPad1d", (3,), r"ReplicationPad1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\)"),
        ("ReplicationPad1d", (1, 1, 1, 3), r"ReplicationPad1d: expected"),
        ("CircularPad3d", (2, 2, 2), r"CircularPad3d: expected a 4-D \(C, D, H, W\) or 5-D"),
        ("CircularPad3d", (1, 1, 1, 1, 2, 2), r"CircularPad3d: expected"),
        ("ZeroPad2d", (3,), r"ZeroPad2d: pads the last 2 dims, so the input needs at least 2 dims"),
        ("ZeroPad3d", (3, 3), r"at least 3 dims; got shape \(3, 3\)"),
    ],
)
def test_wrong_input_rank_is_refused(name, shape, message):
    with pytest.raises(ValueError, match=message):
        getattr(nn, name)(1)(autograd.zeros(*shape))


def test_accepted_ranks_at_the_edges():
    assert nn.ReflectionPad2d(1)(autograd.zeros(1, 3, 3)).shape == (1, 5, 5)
    assert nn.CircularPad1d(1)(autograd.zeros(1, 2, 3)).shape == (1, 2, 5)
    assert nn.ZeroPad3d(1)(autograd.zeros(2, 2, 2)).shape == (4, 4, 4)


def test_reflection_padding_must_be_smaller_than_the_size():
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input"):
        nn.ReflectionPad1d(3)(autograd.zeros(1, 1, 3))


def test_constant_padding_beside_infinite_and_nan_edges_is_the_fill_value():
    # PyTorch 2.13: F.pad(tensor([[inf, nan, 1.]]), (1, 1)) is [[0, inf, nan, 1, 0]], and with
    # value=-inf the pads are -inf; padding must not take 0 · (the edge value) (NaN beside inf or NaN).
    x = autograd.tensor([[math.inf, math.nan, 1.0]])
    np.testing.assert_array_equal(nn.functional.pad(x, (1, 1)).numpy(), [[0.0, math.inf, math.nan, 1.0, 0.0]])
    y = autograd.tensor([[math.nan, 2.0, math.inf]])
    np.testing.assert_array_equal(nn.functional.pad(y, (2, 1), value=-math.inf).numpy(),
                                  [[-math.inf, -math.inf, math.nan, 2.0, math.inf, -math.inf]])  # fmt: skip
    z = autograd.tensor([[1.0, 2.0]], requires_grad=True)
    nn.functional.pad(z, (1, 1), value=5.0).sum().backward()  # the fill carries no gradient
    np.testing.assert_array_equal(z.grad.numpy(), [[1.0, 1.0]])


@pytest.mark.parametrize("padding", [(0.5, 1), (1, 2.0), (True, 1)])
def test_pad_sizes_must_be_ints(padding):
    # PyTorch 2.13: "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type
    # float at pos 0"; int() used to truncate 0.5 to 0 silently.
    with pytest.raises(
        TypeError, match="pad: argument 'pad' must be a tuple of ints, but found element of type"
    ):
        nn.functional.pad(autograd.ones(1, 1, 3), padding)
