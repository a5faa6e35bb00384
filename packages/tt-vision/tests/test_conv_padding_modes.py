"""``Conv1d/2d/3d(padding_mode='reflect' | 'replicate' | 'circular')``: values, gradients, repr, errors.

PyTorch pads the input with ``F.pad(mode)`` by the layer's ``_reversed_padding_repeated_twice``
and convolves with padding 0; ``'zeros'`` hands the padding to the convolution. Values are
checked against NumPy (``np.pad`` in the matching mode, then a float64 sliding-window
convolution written here), and PyTorch 2.13's outputs are pinned for one small case per mode.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional
import tt_vision
from numpy.lib.stride_tricks import sliding_window_view
from tt_nn.parameter import Parameter
from tt_vision import Conv1d, Conv2d, Conv3d, LazyConv2d

LAYERS = {1: Conv1d, 2: Conv2d, 3: Conv3d}
MODES = ["reflect", "replicate", "circular"]
NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def numpy_conv(x, w, b, stride, dilation, groups, pads, mode):
    """``np.pad`` by ``pads`` (per spatial dim ``(before, after)``), then a strided, dilated, grouped conv."""
    dims = w.ndim - 2
    unbatched = x.ndim == dims + 1
    x = x[None] if unbatched else x
    x = np.pad(x, [(0, 0), (0, 0), *pads], mode=NUMPY_MODES[mode])
    spans = [d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation)]
    windows = sliding_window_view(x, spans, axis=tuple(range(2, 2 + dims)))  # (N, C, *out, *span)
    windows = windows[(Ellipsis, *(slice(None, None, d) for d in dilation))]
    windows = windows[(slice(None), slice(None), *(slice(None, None, s) for s in stride))]
    c_in, c_out = x.shape[1] // groups, w.shape[0] // groups
    parts = []
    for g in range(groups):
        part = np.tensordot(
            windows[:, g * c_in : (g + 1) * c_in],
            w[g * c_out : (g + 1) * c_out],
            axes=([1, *range(2 + dims, 2 + 2 * dims)], [1, *range(2, 2 + dims)]),
        )  # (N, *out, c_out)
        parts.append(np.moveaxis(part, -1, 1))
    out = np.concatenate(parts, axis=1)
    if b is not None:
        out = out + b.reshape(-1, *[1] * dims)
    return out[0] if unbatched else out


def spans_of(padding, kernel, dilation):
    """Per spatial dim ``(before, after)``: 'same' puts the odd one after, as PyTorch."""
    if padding == "same":
        return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    return [(p, p) for p in padding]


CASES = [
    # (dims, C_in, C_out, kernel, stride, padding, dilation, groups, input spatial)
    (1, 2, 3, (3,), (1,), (1,), (1,), 1, (6,)),
    (1, 4, 2, (2,), (2,), (3,), (2,), 2, (5,)),
    (1, 2, 2, (4,), (1,), "same", (1,), 1, (5,)),
    (2, 2, 4, (3, 2), (1, 2), (2, 1), (1, 1), 2, (4, 5)),
    (2, 1, 2, (2, 3), (1, 1), "same", (2, 1), 1, (5, 4)),
    (2, 3, 3, (3, 3), (2, 1), (0, 2), (1, 2), 3, (5, 6)),  # depthwise; padding only along W
    (3, 2, 2, (2, 3, 2), (1, 2, 1), (1, 2, 1), (1, 1, 2), 1, (3, 4, 4)),
    (3, 2, 2, (2, 2, 3), (1, 1, 1), "same", (1, 2, 1), 2, (3, 4, 4)),
]


def make_layer(case, mode, bias=True):
    dims, c_in, c_out, kernel, stride, padding, dilation, groups, _ = case
    return LAYERS[dims](
        c_in, c_out, kernel, stride, padding, dilation, groups, bias=bias, padding_mode=mode,
        dtype=autograd.float64,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_values_match_numpy_pad_then_convolve(case, mode, batched, rng):
    dims, c_in, _, kernel, stride, padding, dilation, groups, spatial = case
    layer = make_layer(case, mode)
    shape = (2, c_in, *spatial) if batched else (c_in, *spatial)
    x = rng.standard_normal(shape)
    out = layer(autograd.tensor(x)).detach().numpy()
    expected = numpy_conv(
        x, layer.weight.detach().numpy(), layer.bias.detach().numpy(), stride, dilation, groups,
        spans_of(padding, kernel, dilation), mode,
    )  # fmt: skip
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[3], CASES[4], CASES[6]])
def test_gradients_for_input_weight_and_bias(case, mode, leaf, check_grad):
    c_in, spatial = case[1], case[-1]
    layer = make_layer(case, mode)

    def padded_conv(x, weight, bias):  # gradcheck perturbs the layer's own parameters in place
        return layer(x)

    check_grad(padded_conv, leaf(2, c_in, *spatial), layer.weight, layer.bias)


@pytest.mark.parametrize("mode", MODES)
def test_second_derivatives(mode, leaf):
    layer = Conv2d(2, 2, (2, 3), padding=(1, 2), stride=(2, 1), padding_mode=mode, dtype=autograd.float64)

    def padded_conv(x, weight):
        return layer(x)

    assert autograd.gradgradcheck(padded_conv, [leaf(1, 2, 3, 4), layer.weight]) is True


# PyTorch 2.13 (scratch script): the weight set with copy_, bias=False, float64:
#   Conv1d(1, 1, 3, padding=2, padding_mode=mode), weight [1, 10, 100], input [[[1, 2, 3, 4]]]
#   Conv2d(1, 1, (2, 3), padding='same', dilation=(1, 2), padding_mode=mode),
#       weight [[1, 10, 100], [1000, 10000, 100000]], input arange(1, 13).reshape(1, 1, 3, 4)
PYTORCH_1D = {
    "reflect": [123.0, 212.0, 321.0, 432.0, 343.0, 234.0],
    "replicate": [111.0, 211.0, 321.0, 432.0, 443.0, 444.0],
    "circular": [143.0, 214.0, 321.0, 432.0, 143.0, 214.0],
}
PYTORCH_2D = {
    "reflect": [
        [757313.0, 866422.0, 775331.0, 686242.0],
        [1201757.0, 1310866.0, 1219775.0, 1130686.0],
        [758201.0, 867310.0, 776219.0, 687130.0],
    ],
    "replicate": [
        [755311.0, 865421.0, 875431.0, 886442.0],
        [1199755.0, 1309865.0, 1319875.0, 1330886.0],
        [1200199.0, 1310309.0, 1320319.0, 1331330.0],
    ],
    "circular": [
        [757313.0, 868424.0, 575131.0, 686242.0],
        [1201757.0, 1312868.0, 1019575.0, 1130686.0],
        [314201.0, 425312.0, 132019.0, 243130.0],
    ],
}


@pytest.mark.parametrize("mode", MODES)
def test_pytorch_values(mode):
    conv = Conv1d(1, 1, 3, padding=2, padding_mode=mode, bias=False, dtype=autograd.float64)
    conv.weight = Parameter(autograd.tensor([[[1.0, 10.0, 100.0]]], dtype=autograd.float64))
    out = conv(autograd.tensor([[[1.0, 2.0, 3.0, 4.0]]], dtype=autograd.float64))
    assert out.detach().numpy().tolist() == [[PYTORCH_1D[mode]]]
    conv = Conv2d(1, 1, (2, 3), padding="same", dilation=(1, 2), padding_mode=mode, bias=False)
    rows = [[1.0, 10.0, 100.0], [1000.0, 10000.0, 100000.0]]
    conv.weight = Parameter(autograd.tensor([[rows]], dtype=autograd.float64))
    x = autograd.arange(1.0, 13.0, dtype=autograd.float64).reshape(1, 1, 3, 4)
    assert conv._reversed_padding_repeated_twice == [2, 2, 0, 1]
    assert conv(x).detach().numpy().tolist() == [[PYTORCH_2D[mode]]]


def test_reversed_padding_as_pytorch():
    # PyTorch 2.13: [4, 5]; [1, 2, 2, 2, 0, 1]; (2, 2, 1, 1); [0, 0, 0, 0]
    assert Conv1d(1, 1, 4, padding="same", dilation=3)._reversed_padding_repeated_twice == [4, 5]
    conv = Conv3d(1, 1, (2, 3, 4), padding="same", dilation=(1, 2, 1), padding_mode="circular")
    assert conv._reversed_padding_repeated_twice == [1, 2, 2, 2, 0, 1]
    assert Conv2d(1, 1, 3, padding=(1, 2))._reversed_padding_repeated_twice == (2, 2, 1, 1)
    assert Conv2d(1, 1, 3, padding="valid")._reversed_padding_repeated_twice == [0, 0, 0, 0]


def test_zeros_mode_does_not_pad_separately(monkeypatch, rng):
    def refuse(*args, **kwargs):
        raise AssertionError("F.pad called for padding_mode='zeros'")

    monkeypatch.setattr(tt_nn.functional, "pad", refuse)
    for dims, layer in LAYERS.items():
        x = autograd.tensor(rng.standard_normal((1, 1, *[4] * dims)), dtype=autograd.float32)
        out = layer(1, 1, 3, padding=1)(x)
        assert out.shape == (1, 1, *[4] * dims)
    with pytest.raises(AssertionError, match="F.pad called"):  # the other modes go through it
        Conv1d(1, 1, 3, padding=1, padding_mode="replicate")(autograd.zeros(1, 1, 4))


def test_lazy_conv_pads_by_its_mode(rng):
    lazy = LazyConv2d(2, 3, padding=1, padding_mode="circular", dtype=autograd.float64)
    x = rng.standard_normal((1, 3, 4, 5))
    out = lazy(autograd.tensor(x)).detach().numpy()
    weight, bias = lazy.weight.detach().numpy(), lazy.bias.detach().numpy()
    expected = numpy_conv(x, weight, bias, (1, 1), (1, 1), 1, [(1, 1)] * 2, "circular")
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_repr_names_the_mode_unless_zeros_and_state_dict_is_unchanged():
    # PyTorch 2.13: "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, bias=False,
    # padding_mode=reflect)"; zeros prints no padding_mode; the state dict is weight (and bias) only.
    conv = Conv2d(2, 4, 3, padding=1, padding_mode="reflect", bias=False, groups=2)
    assert repr(conv) == (
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, bias=False, "
        "padding_mode=reflect)"
    )
    assert list(conv.state_dict()) == ["weight"]
    assert repr(Conv1d(1, 1, 3, padding_mode="circular")) == (
        "Conv1d(1, 1, kernel_size=(3,), stride=(1,), padding_mode=circular)"
    )
    assert "padding_mode" not in repr(Conv3d(1, 1, 3, padding=1))
    assert list(Conv3d(1, 2, 3, padding_mode="replicate").state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("layer", [Conv1d, Conv2d, Conv3d])
def test_unknown_mode_is_refused(layer):
    modes = "['zeros', 'reflect', 'replicate', 'circular']"
    message = f"padding_mode must be one of {modes}, but got padding_mode='Zeros'"
    with pytest.raises(ValueError) as error:
        layer(1, 1, 3, padding_mode="Zeros")
    assert message in str(error.value)
    # PyTorch 2.13 checks the channels and the padding string first
    with pytest.raises(ValueError, match="divisible by groups"):
        layer(3, 1, 3, groups=2, padding_mode="x")
    with pytest.raises(ValueError, match="padding must be an int, a tuple, 'valid' or 'same', got 'foo'"):
        layer(3, 3, 3, padding="foo", padding_mode="x")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        layer(3, 3, 3, padding="same", stride=2, padding_mode="x")


@pytest.mark.parametrize("layer", ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"])
@pytest.mark.parametrize("mode", [*MODES, "x"])
def test_transposed_convolutions_take_zeros_only(layer, mode):
    with pytest.raises(ValueError, match=f'Only "zeros" padding mode is supported for {layer}'):
        getattr(tt_vision, layer)(1, 1, 3, padding_mode=mode)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for LazyConvTranspose2d'):
        tt_vision.LazyConvTranspose2d(1, 3, padding_mode=mode)


def test_padding_too_large_for_the_input():
    # PyTorch 2.13: "Argument #4: Padding size should be less than the corresponding input dimension,
    # but got: padding (2, 2) at dimension 2 of input [1, 1, 2]"; ([1, 2]: dimension 1, unbatched);
    # Conv2d padding (1, 3) on [1, 1, 5, 3]: "padding (3, 3) at dimension 3"; circular padding
    # 3 on a size 2: "Padding value causes wrapping around more than once."; 2 on a size 2 is fine.
    conv = Conv1d(1, 1, 3, padding=2, padding_mode="reflect")
    with pytest.raises(RuntimeError, match=r"padding \(2, 2\) at dimension 2 of input \[1, 1, 2\]"):
        conv(autograd.zeros(1, 1, 2))
    with pytest.raises(RuntimeError, match=r"Argument #4: Padding size should be less than the"):
        conv(autograd.zeros(1, 2))
    conv = Conv2d(1, 1, 3, padding=(1, 3), padding_mode="reflect")
    with pytest.raises(RuntimeError, match=r"padding \(3, 3\) at dimension 3 of input \[1, 1, 5, 3\]"):
        conv(autograd.zeros(1, 1, 5, 3))
    conv = Conv2d(1, 1, 3, padding=(1, 3), padding_mode="circular")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        conv(autograd.zeros(1, 1, 5, 2))
    assert Conv2d(1, 1, 3, padding=(1, 2), padding_mode="circular")(autograd.zeros(1, 1, 5, 2)).shape == (
        1, 1, 5, 4,
    )  # fmt: skip
    assert Conv2d(1, 1, 3, padding=(1, 3), padding_mode="replicate")(autograd.zeros(1, 1, 5, 1)).shape == (
        1, 1, 5, 5,
    )  # fmt: skip


def test_same_padding_still_refuses_a_stride():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        Conv2d(1, 1, 3, padding="same", stride=2, padding_mode="reflect")
