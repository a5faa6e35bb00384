"""``conv1d`` / ``Conv1d`` and ``conv_transpose1d`` / ``ConvTranspose1d``: values, gradients, modules, errors.

Forward values against float64 NumPy loops written from the definitions (a
sliding dot product; an input position scattering ``x · w``), every option
(stride, padding incl. 'same' with odd and even kernels and 'valid', dilation,
groups, output_padding), gradients with ``gradcheck`` for input, weight and
bias, unbatched ``(C, L)`` inputs, dtype, repr and state_dict, bad arguments.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import Conv1d, Conv2d, ConvTranspose1d, conv1d, conv_transpose1d

CONV_CASES = [
    # (C_in, C_out, groups, k, stride, padding, dilation)
    (3, 4, 1, 3, 1, 0, 1),
    (3, 4, 1, 3, 2, 1, 1),
    (2, 3, 1, 2, 3, 2, 2),
    (4, 6, 2, 3, 1, 1, 1),
    (4, 4, 4, 3, 1, 0, 2),  # depthwise
    (3, 2, 1, 3, 1, "same", 1),
    (3, 2, 1, 4, 1, "same", 1),  # even kernel: the extra zero goes on the right
    (3, 2, 1, 2, 1, "same", 3),
    (3, 2, 1, 3, 1, "valid", 1),
]

TRANSPOSE_CASES = [
    # (C_in, C_out, groups, k, stride, padding, output_padding, dilation)
    (2, 3, 1, 3, 1, 0, 0, 1),
    (2, 3, 1, 3, 2, 1, 1, 1),
    (4, 2, 2, 4, 3, 1, 2, 1),
    (3, 3, 3, 2, 1, 2, 1, 2),
]


def conv1d_reference(x, w, b, stride, padding, dilation, groups):
    n, c_in, length = x.shape
    c_out, cg, k = w.shape
    if padding == "same":
        total = dilation * (k - 1)
        left, right = total // 2, total - total // 2
    else:
        left = right = 0 if padding == "valid" else padding
    xp = np.pad(x, ((0, 0), (0, 0), (left, right)))
    lo = (length + left + right - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, c_out, lo))
    for o in range(c_out):
        g = o // (c_out // groups)
        for i in range(lo):
            taps = xp[:, g * cg : (g + 1) * cg, i * stride : i * stride + dilation * (k - 1) + 1 : dilation]
            out[:, o, i] = (taps * w[o]).sum(axis=(1, 2)) + (0 if b is None else b[o])
    return out


def conv_transpose1d_reference(x, w, b, stride, padding, output_padding, dilation, groups):
    n, c_in, length = x.shape
    _, c_out_g, k = w.shape
    lo = (length - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    out = np.zeros((n, c_out_g * groups, lo)) + (0 if b is None else b[None, :, None])
    for c in range(c_in):
        g = c // (c_in // groups)
        for i in range(length):
            for a in range(k):
                position = i * stride + a * dilation - padding
                if 0 <= position < lo:
                    out[:, g * c_out_g : (g + 1) * c_out_g, position] += x[:, c, i, None] * w[c, :, a]
    return out


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv1d_values_and_gradients(case, rng, leaf, check_grad):
    c_in, c_out, groups, k, stride, padding, dilation = case
    x, w, b = (
        rng.standard_normal((2, c_in, 9)),
        rng.standard_normal((c_out, c_in // groups, k)),
        rng.standard_normal(c_out),
    )
    out = conv1d(
        autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), stride, padding, dilation, groups
    )
    expected = conv1d_reference(x, w, b, stride, padding, dilation, groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    xl, wl, bl = leaf(2, c_in, 7), leaf(c_out, c_in // groups, k), leaf(c_out)
    check_grad(lambda x, w, b: conv1d(x, w, b, stride, padding, dilation, groups), xl, wl, bl)


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose1d_values_and_gradients(case, rng, leaf, check_grad):
    c_in, c_out, groups, k, stride, padding, output_padding, dilation = case
    x, w, b = (
        rng.standard_normal((2, c_in, 5)),
        rng.standard_normal((c_in, c_out // groups, k)),
        rng.standard_normal(c_out),
    )
    args = (stride, padding, output_padding, groups, dilation)
    out = conv_transpose1d(autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), *args)
    expected = conv_transpose1d_reference(x, w, b, stride, padding, output_padding, dilation, groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    xl, wl, bl = leaf(2, c_in, 4), leaf(c_in, c_out // groups, k), leaf(c_out)
    check_grad(lambda x, w, b: conv_transpose1d(x, w, b, *args), xl, wl, bl)


def test_unbatched_tuples_and_float32(rng):
    x = rng.standard_normal((3, 8)).astype(np.float32)
    w = rng.standard_normal((2, 3, 3)).astype(np.float32)
    out = conv1d(autograd.tensor(x), autograd.tensor(w), None, (2,), (1,), (1,))
    assert out.dtype == autograd.float32 and out.shape == (2, 4)
    np.testing.assert_allclose(
        out.numpy(), conv1d_reference(x[None].astype(float), w, None, 2, 1, 1, 1)[0], rtol=1e-5, atol=1e-5
    )
    wt = rng.standard_normal((3, 2, 3)).astype(np.float32)
    up = conv_transpose1d(autograd.tensor(x), autograd.tensor(wt), None, (2,), (1,), (1,))
    assert up.dtype == autograd.float32 and up.shape == (2, 16)
    np.testing.assert_allclose(
        up.numpy(),
        conv_transpose1d_reference(x[None].astype(float), wt, None, 2, 1, 1, 1, 1)[0],
        rtol=1e-5,
        atol=1e-5,
    )


def test_numpy_arguments_are_taken_as_tensors(rng):
    x, w = rng.standard_normal((2, 3, 8)), rng.standard_normal((4, 3, 3))
    np.testing.assert_allclose(conv1d(x, w).numpy(), conv1d_reference(x, w, None, 1, 0, 1, 1), rtol=1e-12)
    wt = rng.standard_normal((3, 2, 3))
    expected = conv_transpose1d_reference(x, wt, None, 2, 0, 0, 1, 1)
    np.testing.assert_allclose(conv_transpose1d(x, wt, stride=2).numpy(), expected, rtol=1e-12)


def test_modules_init_state_dict_repr_and_forward(rng):
    conv = Conv1d(4, 6, 3, groups=2)
    assert tuple(conv.weight.shape) == (6, 2, 3) and list(conv.state_dict()) == ["weight", "bias"]
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / math.sqrt(6)
    up = ConvTranspose1d(4, 6, 3, groups=2)
    assert tuple(up.weight.shape) == (4, 3, 3) and list(up.state_dict()) == ["weight", "bias"]
    assert np.abs(up.bias.detach().numpy()).max() <= 1 / math.sqrt(9)
    big = ConvTranspose1d(64, 256, 4)  # fan = out_channels · k = 1024: draws reach close to 1/32
    assert abs(np.abs(big.weight.detach().numpy()).max() - 1 / 32) < 1e-3
    assert repr(Conv1d(3, 8, 3)) == "Conv1d(3, 8, kernel_size=(3,), stride=(1,))"
    assert repr(Conv2d(3, 8, 3, padding="same")) == (  # no quotes, as PyTorch prints it
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    )
    assert repr(Conv1d(3, 8, 3, padding="same", dilation=2, bias=False)) == (
        "Conv1d(3, 8, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,), bias=False)"
    )
    assert (
        repr(Conv1d(4, 8, 5, 2, 2, groups=4))
        == "Conv1d(4, 8, kernel_size=(5,), stride=(2,), padding=(2,), groups=4)"
    )
    assert repr(ConvTranspose1d(3, 8, 3, stride=2, output_padding=1, dilation=2)) == (
        "ConvTranspose1d(3, 8, kernel_size=(3,), stride=(2,), dilation=(2,), output_padding=(1,))"
    )
    x = autograd.tensor(rng.standard_normal((2, 4, 10)))
    conv, up = conv.double(), ConvTranspose1d(4, 2, 4, stride=2, padding=1).double()
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    np.testing.assert_allclose(
        conv(x).detach().numpy(), conv1d_reference(x.numpy(), w, b, 1, 0, 1, 2), rtol=1e-10
    )
    w, b = up.weight.detach().numpy(), up.bias.detach().numpy()
    assert up(x).shape == (2, 2, 20)
    expected = conv_transpose1d_reference(x.numpy(), w, b, 2, 1, 1, 1, 1)
    np.testing.assert_allclose(up(x, output_size=[21]).detach().numpy(), expected, rtol=1e-10)
    with pytest.raises(
        ValueError, match=r"ConvTranspose1d: requested an output size of \[22\].*\[20\] to \[21\]"
    ):
        up(x, output_size=[22])


def test_bad_arguments(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 8)))
    with pytest.raises(ValueError, match="conv1d: weight must be 3-d"):
        conv1d(x, autograd.tensor(rng.standard_normal((2, 3, 3, 3))))
    with pytest.raises(ValueError, match=r"conv1d: expected a 2-d \(C, L\) or 3-d \(N, C, L\) input"):
        conv1d(
            autograd.tensor(rng.standard_normal((1, 2, 3, 8))),
            autograd.tensor(rng.standard_normal((2, 2, 3))),
        )
    with pytest.raises(ValueError, match="conv1d: stride must be an int or a 1-tuple, got"):
        conv1d(x, autograd.tensor(rng.standard_normal((2, 3, 3))), stride=(1, 2))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        conv1d(x, autograd.tensor(rng.standard_normal((2, 3, 3))), stride=2, padding="same")
    with pytest.raises(ValueError, match="conv_transpose1d: weight must be 3-d"):
        conv_transpose1d(x, autograd.tensor(rng.standard_normal((3, 2, 3, 3))))
    with pytest.raises(ValueError, match="output_padding .0, 2. must be smaller than either the stride"):
        conv_transpose1d(x, autograd.tensor(rng.standard_normal((3, 2, 3))), stride=2, output_padding=2)
    for layer in (Conv1d, Conv2d):  # one check, shared
        name = layer.__name__
        with pytest.raises(
            ValueError, match=f"{name}: padding must be an int, a tuple, 'valid' or 'same', got 'full'"
        ):
            layer(3, 2, 3, padding="full")
        with pytest.raises(ValueError, match=f"{name}: padding='same' is not supported for strided"):
            layer(3, 2, 3, stride=2, padding="same")
    assert Conv2d(3, 2, 3, stride=(1, 1), padding="same").padding == "same"
    with pytest.raises(ValueError, match="Conv2d: padding='same' is not supported for strided"):
        Conv2d(3, 2, 3, stride=(1, 2), padding="same")
    with pytest.raises(ValueError, match="ConvTranspose1d: in_channels .3. and out_channels .2. must both"):
        ConvTranspose1d(3, 2, 3, groups=2)
