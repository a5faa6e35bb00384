"""``conv3d`` / ``Conv3d``: against a direct NumPy reference (sliding windows + einsum), and gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from numpy.lib.stride_tricks import sliding_window_view
from tt_vision import Conv3d, ConvTranspose3d
from tt_vision.functional import conv3d, conv_transpose3d


def reference(x, w, b, stride, pads, dilation, groups):
    """The definition: out[n, o, z, y, x] = Σ_c,i,j,k in[n, c, z·s + i·d, …] · w[o, c, i, j, k] (+ b[o])."""
    x = np.pad(x, [(0, 0), (0, 0), *pads])
    out_channels, per_group = w.shape[:2]
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:])]
    windows = sliding_window_view(x, spans, axis=(2, 3, 4))
    windows = windows[
        :, :, :: stride[0], :: stride[1], :: stride[2], :: dilation[0], :: dilation[1], :: dilation[2]
    ]
    step = out_channels // groups
    y = np.concatenate(
        [np.einsum("ncdhwijk,ocijk->nodhw", windows[:, g * per_group : (g + 1) * per_group],
                   w[g * step : (g + 1) * step]) for g in range(groups)],
        axis=1,
    )  # fmt: skip
    return y if b is None else y + b.reshape(1, -1, 1, 1, 1)


WEIGHT = autograd.randn(3, 2, 3, 3, 3)

CASES = [
    # (input shape, weight shape, stride, padding, dilation, groups, the padding per axis the reference uses)
    ((2, 3, 5, 6, 7), (4, 3, 3, 3, 3), 1, 0, 1, 1, [(0, 0)] * 3),
    ((2, 3, 5, 6, 7), (4, 3, 3, 3, 3), 1, 1, 1, 1, [(1, 1)] * 3),
    ((1, 4, 7, 6, 8), (6, 2, 3, 2, 3), (2, 1, 2), (1, 0, 2), (1, 2, 1), 2, [(1, 1), (0, 0), (2, 2)]),
    ((2, 2, 6, 5, 5), (2, 1, 2, 3, 1), (1, 2, 3), 0, (2, 1, 1), 2, [(0, 0)] * 3),
    (
        (1, 2, 5, 4, 6),
        (3, 2, 2, 2, 3),
        1,
        "same",
        1,
        1,
        [(0, 1), (0, 1), (1, 1)],
    ),  # even kernels: extra at the end
    ((1, 2, 5, 4, 6), (3, 2, 3, 2, 2), 1, "same", (2, 1, 1), 1, [(2, 2), (0, 1), (0, 1)]),
    ((1, 2, 5, 4, 6), (3, 2, 3, 2, 2), 1, "valid", 1, 1, [(0, 0)] * 3),
    ((1, 2, 3, 4, 4), (2, 2, 3, 2, 2), 1, 0, 1, 1, [(0, 0)] * 3),  # the kernel spans the whole depth: one
]


@pytest.mark.parametrize("case", CASES)
def test_matches_the_definition(case):
    in_shape, w_shape, stride, padding, dilation, groups, pads = case
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(in_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    got = conv3d(
        autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), stride, padding, dilation, groups
    )
    triple = lambda v: v if isinstance(v, tuple) else (v,) * 3  # noqa: E731
    expected = reference(x, w, b, triple(stride), pads, triple(dilation), groups)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_float32_stays_float32_and_an_unbatched_volume_works():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 5, 6)).astype(np.float32)
    w = rng.standard_normal((2, 3, 2, 2, 2)).astype(np.float32)
    got = conv3d(autograd.tensor(x), autograd.tensor(w), padding=1)
    assert got.dtype == autograd.float32 and got.shape == (2, 5, 6, 7)
    expected = reference(
        x[None].astype(np.float64), w.astype(np.float64), None, (1, 1, 1), [(1, 1)] * 3, (1, 1, 1), 1
    )
    np.testing.assert_allclose(got.numpy(), expected[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "stride, padding, dilation, groups", [(1, 1, 1, 1), ((2, 1, 1), (0, 1, 1), (1, 1, 2), 2)]
)
def test_gradients_match_central_differences(stride, padding, dilation, groups):
    rng = np.random.default_rng(2)
    x = autograd.tensor(rng.standard_normal((2, 4, 4, 3, 5)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((2, 4 // groups, 2, 2, 2)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(2), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: conv3d(x, w, b, stride, padding, dilation, groups), [x, w, b])


def test_layer_shapes_initialisation_and_repr():
    autograd.manual_seed(0)
    layer = Conv3d(4, 6, (3, 2, 1), stride=(1, 2, 1), padding=(1, 0, 0), groups=2)
    assert layer.weight.shape == (6, 2, 3, 2, 1) and layer.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 3 * 2 * 1)  # fan_in = in_channels / groups · kd·kh·kw
    assert (
        np.abs(layer.weight.detach().numpy()).max() <= bound
        and np.abs(layer.bias.detach().numpy()).max() <= bound
    )
    assert np.abs(layer.weight.detach().numpy()).max() > 0.8 * bound
    assert repr(layer) == "Conv3d(4, 6, kernel_size=(3, 2, 1), stride=(1, 2, 1), padding=(1, 0, 0), groups=2)"
    x = autograd.randn(2, 4, 5, 6, 7)
    out = layer(x)
    assert out.shape == (2, 6, 5, 3, 7)
    direct = conv3d(x, layer.weight, layer.bias, (1, 2, 1), (1, 0, 0), 1, 2)
    np.testing.assert_array_equal(out.detach().numpy(), direct.detach().numpy())
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert Conv3d(2, 2, 3, padding="same", bias=False).bias is None


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: conv3d(autograd.randn(1, 2, 4, 4, 4), autograd.randn(3, 2, 3, 3)), ValueError,
         r"conv3d: weight must be 5-d \(C_out, C_in/groups, kd, kh, kw\), got shape \(3, 2, 3, 3\)"),
        (lambda: conv3d(autograd.randn(1, 4, 4, 4, 4), autograd.randn(3, 2, 1, 1, 1)), ValueError,
         r"conv3d: input has 4 channels, but weight \(3, 2, 1, 1, 1\) with groups=1 expects 2"),
        (lambda: conv3d(autograd.randn(4, 4, 4), autograd.randn(3, 2, 1, 1, 1)), ValueError,
         r"conv3d: expected a 4-d \(C, D, H, W\) or 5-d \(N, C, D, H, W\) input, got shape \(4, 4, 4\)"),
        (lambda: conv3d(autograd.randn(1, 2, 2, 4, 4), autograd.randn(3, 2, 3, 1, 1)), ValueError,
         r"conv3d: the kernel's depth 3 \(dilation 1\) spans 3 > the padded input's depth 2"),
        (lambda: conv3d(autograd.randn(1, 2, 4, 4, 4), WEIGHT, stride=2, padding="same"),
         ValueError, r"conv3d: padding='same' is not supported for strided convolutions"),
        (lambda: conv3d(autograd.randn(1, 2, 4, 4, 4), autograd.randn(3, 2, 3, 3, 3), padding="full"),
         ValueError, r"conv3d: padding must be an int, a triple, 'valid' or 'same', got 'full'"),
        (lambda: conv3d(autograd.randn(1, 2, 4, 4, 4), autograd.randn(3, 2, 3, 3, 3), stride=(1, 2)),
         ValueError, r"conv3d: stride must be an int or a triple of ints, got \(1, 2\)"),
        (lambda: conv3d(autograd.randn(1, 2, 4, 4, 4), autograd.randn(3, 2, 3, 3, 3), padding=-1),
         ValueError, r"conv3d: padding must be >= 0, got -1"),
        (lambda: Conv3d(3, 4, 3, groups=2), ValueError,
         r"Conv3d: in_channels \(3\) and out_channels \(4\) must"),
        (lambda: Conv3d(2, 4, 3, stride=2, padding="same"), ValueError,
         r"Conv3d: padding='same' is not supported"),
    ],
)  # fmt: skip
def test_bad_arguments_name_the_operation(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------------------ conv_transpose3d
TRANSPOSE_CASES = [  # stride, padding, dilation, groups: conv_transpose3d is conv3d's adjoint for each
    (1, 0, 1, 1),
    ((2, 1, 2), (1, 0, 1), (1, 2, 1), 2),
    (2, 1, 1, 1),
    ((3, 2, 1), (0, 1, 1), (2, 1, 1), 1),
]


@pytest.mark.parametrize("stride, padding, dilation, groups", TRANSPOSE_CASES)
def test_conv_transpose3d_is_the_adjoint_of_conv3d(stride, padding, dilation, groups):
    """<conv3d(x, w), y> = <x, conv_transpose3d(y, w)> for every x and y: the definition of the adjoint."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 7, 6, 7))
    w = rng.standard_normal((6, 4 // groups, 3, 2, 3))
    y = conv3d(autograd.tensor(x), autograd.tensor(w), None, stride, padding, dilation, groups)
    g = rng.standard_normal(y.shape)
    back = conv_transpose3d(
        autograd.tensor(g), autograd.tensor(w), None, stride, padding, 0, groups, dilation
    )
    covered = x[:, :, : back.shape[2], : back.shape[3], : back.shape[4]]  # a strided conv reads a prefix
    np.testing.assert_allclose(np.sum(y.numpy() * g), np.sum(covered * back.numpy()), rtol=1e-12)


def test_conv_transpose3d_output_size_bias_and_gradients():
    rng = np.random.default_rng(6)
    x = autograd.tensor(rng.standard_normal((1, 4, 2, 3, 3)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((4, 3, 3, 2, 3)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(3), requires_grad=True)
    out = conv_transpose3d(x, w, b, 2, (1, 0, 1), (1, 1, 0), 1, (1, 1, 2))
    assert out.shape == (1, 3, (2 - 1) * 2 - 2 + 2 + 1 + 1, (3 - 1) * 2 + 1 + 1 + 1, (3 - 1) * 2 - 2 + 4 + 1)
    unbiased = conv_transpose3d(x, w, None, 2, (1, 0, 1), (1, 1, 0), 1, (1, 1, 2))
    shift = np.broadcast_to(b.detach().numpy().reshape(1, 3, 1, 1, 1), out.shape)
    np.testing.assert_allclose((out - unbiased).detach().numpy(), shift, rtol=1e-12)
    geometry = (2, (1, 0, 1), (1, 1, 0), 1, (1, 1, 2))  # stride, padding, output_padding, groups, dilation
    assert autograd.gradcheck(lambda x, w, b: conv_transpose3d(x, w, b, *geometry), [x, w, b])


def test_conv_transpose3d_layer_takes_an_output_size():
    autograd.manual_seed(1)
    up = ConvTranspose3d(4, 2, 3, stride=2, padding=1)
    assert up.weight.shape == (4, 2, 3, 3, 3)
    x = autograd.randn(1, 4, 3, 4, 4)
    assert up(x).shape == (1, 2, 5, 7, 7)
    assert up(x, output_size=(6, 8, 7)).shape == (1, 2, 6, 8, 7)  # output_padding (1, 1, 0)
    direct = conv_transpose3d(x, up.weight, up.bias, 2, 1, (1, 1, 0))
    np.testing.assert_array_equal(up(x, output_size=(6, 8, 7)).detach().numpy(), direct.detach().numpy())
    assert repr(up) == "ConvTranspose3d(4, 2, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1))"
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of \[9, 8, 7\]"):
        up(x, output_size=(9, 8, 7))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv_transpose3d(autograd.randn(1, 4, 2, 2, 2), autograd.randn(4, 2, 3, 3)),
         r"conv_transpose3d: weight must be 5-d \(C_in, C_out/groups, kd, kh, kw\)"),
        (lambda: conv_transpose3d(autograd.randn(1, 3, 2, 2, 2), autograd.randn(4, 2, 3, 3, 3)),
         r"conv_transpose3d: input has 3 channels, but weight \(4, 2, 3, 3, 3\) expects 4"),
        (lambda: conv_transpose3d(autograd.randn(1, 4, 2, 2, 2), autograd.randn(4, 2, 3, 3, 3), stride=2,
                                  output_padding=2),
         r"conv_transpose3d: output_padding \(2, 2, 2\) must be smaller than either the stride"),
        (lambda: conv_transpose3d(autograd.randn(1, 4, 1, 2, 2), autograd.randn(4, 2, 1, 3, 3),
                                  padding=(1, 0, 0)), r"conv_transpose3d: the output depth would be -1"),
    ],
)  # fmt: skip
def test_conv_transpose3d_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_conv_transpose3d_an_infinite_input_reaches_only_the_outputs_it_feeds():
    x = np.zeros((1, 2, 3, 3, 3))
    x[0, 1, 1, 1, 1] = np.inf
    w = np.abs(np.random.default_rng(7).standard_normal((2, 2, 3, 2, 2))) + 0.1  # positive: inf · w = inf
    out = conv_transpose3d(
        autograd.tensor(x), autograd.tensor(w), stride=(2, 2, 1), padding=(1, 0, 0)
    ).numpy()
    indicator = np.zeros_like(x)
    indicator[0, 1, 1, 1, 1] = 1.0
    reached = conv_transpose3d(
        autograd.tensor(indicator), autograd.tensor(w), stride=(2, 2, 1), padding=(1, 0, 0)
    )
    np.testing.assert_array_equal(np.isinf(out), reached.numpy() != 0)  # no NaN anywhere, 0 elsewhere
    assert not np.isnan(out).any() and np.all(out[reached.numpy() == 0] == 0)
