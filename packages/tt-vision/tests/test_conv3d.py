"""``conv3d`` / ``Conv3d``: against a direct NumPy reference (sliding windows + einsum), and gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from numpy.lib.stride_tricks import sliding_window_view
from tt_vision import Conv3d
from tt_vision.functional import conv3d


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
