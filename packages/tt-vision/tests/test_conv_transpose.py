"""``conv_transpose2d`` / ``ConvTranspose2d``: values against the scatter definition, gradients, the adjoint.

Covers stride 1 and 2, padding, output_padding, groups, dilation and non-square
kernels: forward values against a float64 NumPy reference written as the
definition (each input pixel scatters ``x · w`` onto the output), gradients
with ``gradcheck`` for the input, the weight and the bias, the adjoint property
``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>``, the module's
initialisation, repr, state_dict and ``forward(x, output_size)``, and errors.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ConvTranspose2d, conv_transpose2d
from tt_vision import functional as F

CASES = [
    # (C_in, C_out, groups, kernel, stride, padding, output_padding, dilation)
    (2, 3, 1, (3, 3), 1, 0, 0, 1),
    (2, 3, 1, (3, 3), 2, 0, 0, 1),
    (3, 2, 1, (3, 3), 2, 1, 1, 1),
    (2, 2, 1, (2, 3), (2, 3), (1, 0), (1, 2), 1),
    (4, 6, 2, (3, 3), 2, 1, 0, 1),
    (4, 4, 4, (3, 2), 1, 1, 0, 1),  # depthwise
    (2, 3, 1, (3, 3), 1, 1, (1, 0), (2, 1)),  # output_padding < dilation with stride 1
    (2, 2, 1, (2, 2), (3, 2), 2, 0, 2),
    (3, 4, 1, (1, 1), 2, 0, 1, 1),
    (6, 4, 2, (4, 3), (1, 2), (2, 1), (0, 1), (1, 2)),
]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def scatter_reference(x, w, b, stride, padding, output_padding, dilation, groups):
    """The definition: input pixel (i, j) adds x[n, c, i, j] · w[c, o] at (i·s + a·d − p, j·s + b·d − p)."""
    n, c_in, h, wd = x.shape
    _, c_out_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = map(pair, (stride, padding, output_padding, dilation))
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    out = np.zeros((n, c_out_g * groups, ho, wo))
    per_group = c_in // groups
    for c in range(c_in):
        g = c // per_group
        for o in range(c_out_g):
            for i in range(h):
                for j in range(wd):
                    for a in range(kh):
                        for bb in range(kw):
                            r, q = i * sh + a * dh - ph, j * sw + bb * dw - pw
                            if 0 <= r < ho and 0 <= q < wo:
                                out[:, g * c_out_g + o, r, q] += x[:, c, i, j] * w[c, o, a, bb]
    if b is not None:
        out += b[None, :, None, None]
    return out


def run(x, w, b, case):
    _, _, groups, _, stride, padding, output_padding, dilation = case
    return F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forward_matches_scatter_definition(case, rng):
    c_in, c_out, groups, kernel = case[:4]
    x = rng.standard_normal((2, c_in, 4, 3))
    w = rng.standard_normal((c_in, c_out // groups, *kernel))
    b = rng.standard_normal(c_out)
    out = run(autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), case)
    expected = scatter_reference(x, w, b, *case[4:], groups)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, leaf, check_grad):
    c_in, c_out, groups, kernel = case[:4]
    x, w, b = leaf(2, c_in, 3, 4), leaf(c_in, c_out // groups, *kernel), leaf(c_out)
    check_grad(lambda x, w, b: run(x, w, b, case), x, w, b)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_adjoint_of_conv2d(case, rng):
    """<conv2d(z, w), y> == <z, conv_transpose2d(y, w)> for z of the transposed output's size."""
    c_in, c_out, groups, kernel, stride, padding, output_padding, dilation = case
    y = rng.standard_normal((2, c_in, 3, 4))
    w = rng.standard_normal((c_in, c_out // groups, *kernel))
    up = run(autograd.tensor(y), autograd.tensor(w), None, case).numpy()
    z = rng.standard_normal(up.shape)
    down = F.conv2d(autograd.tensor(z), autograd.tensor(w), None, stride, padding, dilation, groups).numpy()
    # output_padding >= stride (allowed when < dilation) gives conv2d an extra row the transpose never read
    extra = [d - s for d, s in zip(down.shape, y.shape)]
    assert extra[:2] == [0, 0] and extra[2:] == [
        int(o >= s) for o, s in zip(pair(output_padding), pair(stride))
    ]
    down = down[:, :, : y.shape[2], : y.shape[3]]
    np.testing.assert_allclose((down * y).sum(), (z * up).sum(), rtol=1e-10)


def test_no_bias_only_some_gradients(leaf, check_grad):
    x, w = leaf(2, 3, 4, 4, requires_grad=False), leaf(3, 2, 3, 3)
    check_grad(lambda w: conv_transpose2d(x, w, None, stride=2, padding=1), w)
    x, w = leaf(2, 3, 4, 4), leaf(3, 2, 3, 3, requires_grad=False)
    check_grad(lambda x: conv_transpose2d(x, w, stride=2), x)
    out = conv_transpose2d(x, w, stride=2)
    out.sum().backward()
    assert x.grad is not None and w.grad is None


def test_float32_kept_and_unbatched_input(rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    out = conv_transpose2d(autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), stride=2, padding=1)
    assert out.dtype == autograd.float32 and out.shape == (2, 7, 9)
    expected = scatter_reference(x[None].astype(np.float64), w, b, 2, 1, 0, 1, 1)[0]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_numpy_arguments_are_taken_as_tensors(rng):
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 3, 2, 2))
    out = conv_transpose2d(x, w, stride=2)
    np.testing.assert_allclose(out.numpy(), scatter_reference(x, w, None, 2, 0, 0, 1, 1), rtol=1e-12)
    from_lists = conv_transpose2d(autograd.tensor(x.astype(np.float32)), w.tolist(), stride=2)  # float32
    np.testing.assert_allclose(from_lists.numpy(), out.numpy(), rtol=1e-5, atol=1e-5)


def test_module_shapes_init_state_dict_and_repr():
    layer = ConvTranspose2d(4, 6, (3, 2), stride=2, groups=2)
    assert tuple(layer.weight.shape) == (4, 3, 3, 2) and tuple(layer.bias.shape) == (6,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert layer.padding_mode == "zeros" and layer.output_padding == (0, 0) and layer.dilation == (1, 1)
    before = layer.weight.detach().numpy().copy()
    layer.reset_parameters()
    assert not np.array_equal(layer.weight.detach().numpy(), before)
    bound = 1 / math.sqrt(3 * 3 * 2)  # fan over the transposed weight: out_channels / groups · kh · kw
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    big = ConvTranspose2d(64, 64, 3)  # 36864 draws reach close to the bound 1 / sqrt(576)
    assert abs(np.abs(big.weight.detach().numpy()).max() - 1 / 24) < 1e-3
    assert (
        repr(ConvTranspose2d(3, 8, 3, stride=2)) == "ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(2, 2))"
    )
    assert repr(ConvTranspose2d(4, 8, (3, 2), 2, 1, 1, 2, False, 2)) == (
        "ConvTranspose2d(4, 8, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "output_padding=(1, 1), groups=2, bias=False)"
    )


def test_module_forward_and_output_size(rng):
    layer = ConvTranspose2d(4, 8, 3, stride=2, padding=1).double()
    x = autograd.tensor(rng.standard_normal((1, 4, 5, 5)))
    assert layer(x).shape == (1, 8, 9, 9)
    expected = scatter_reference(
        x.numpy(), layer.weight.detach().numpy(), layer.bias.detach().numpy(), 2, 1, (1, 0), 1, 1
    )
    np.testing.assert_allclose(layer(x, output_size=[10, 9]).detach().numpy(), expected, rtol=1e-10)
    assert layer(x, output_size=(1, 8, 9, 10)).shape == (1, 8, 9, 10)
    assert layer(x, output_size=(8, 10, 10)).shape == (1, 8, 10, 10)  # (C, H, W) is accepted too
    with pytest.raises(
        ValueError, match=r"ConvTranspose2d: requested an output size of \[11, 11\].*\[9, 9\] to \[10, 10\]"
    ):
        layer(x, output_size=[11, 11])
    with pytest.raises(ValueError, match=r"valid sizes range from \[9, 9\]"):
        layer(x, output_size=[8, 9])
    with pytest.raises(ValueError, match="output_size must have 2 to 4 entries"):
        layer(x, output_size=[10])


def test_bad_arguments(rng):
    x = autograd.tensor(rng.standard_normal((1, 4, 3, 3)))
    w = autograd.tensor(rng.standard_normal((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than either the stride"):
        conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding .1, 1. must be smaller"):
        conv_transpose2d(x, w, output_padding=1)
    with pytest.raises(ValueError, match="weight must be 4-d"):
        conv_transpose2d(x, autograd.tensor(rng.standard_normal((4, 2, 3))))
    with pytest.raises(ValueError, match="input has 4 channels .* but the weight expects 3"):
        conv_transpose2d(x, autograd.tensor(rng.standard_normal((3, 2, 3, 3))))
    with pytest.raises(ValueError, match="groups=3 must divide the weight's 4 input channels"):
        conv_transpose2d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        conv_transpose2d(x, w, autograd.tensor(np.zeros(2)), groups=2)
    with pytest.raises(
        ValueError,
        match="the output would be -3×-3 for input shape .1, 4, 3, 3.: padding .4, 4. is too large",
    ):
        conv_transpose2d(x, w, padding=4)
    with pytest.raises(ValueError, match="the output would be 0×0 for input shape"):
        conv_transpose2d(x, autograd.tensor(rng.standard_normal((4, 2, 2, 2))), padding=2)  # (3-1)+1+1-4 = 0
    for groups in (0, True, 1.5):
        with pytest.raises(ValueError, match=f"groups={groups!r} must divide the weight's 4 input channels"):
            conv_transpose2d(x, w, groups=groups)
    with pytest.raises(TypeError, match="input is tt.float64 but a parameter is tt.float32"):
        conv_transpose2d(x, w.float())
    with pytest.raises(
        ValueError, match="in_channels .4. and out_channels .6. must both be divisible by groups .4."
    ):
        ConvTranspose2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        ConvTranspose2d(4, 6, 3, padding_mode="reflect")
