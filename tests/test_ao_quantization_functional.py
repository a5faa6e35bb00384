"""``FloatFunctional`` → ``QFunctional``: how eager mode quantizes a residual network's skip add.

A small residual CNN (QuantStub → Conv-BN-ReLU → Conv, whose output is added to the block's input
through ``FloatFunctional.add`` → DeQuantStub) is fused, prepared, calibrated and converted with
PyTorch's calls. Its converted output is replayed in NumPy from the quantization points alone
(every scale and zero point derived from the calibration batch by PyTorch's formula, the integer
sums exact), and must equal it; it must also lie within a few quantization steps of the float output.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinytorch as torch

nn = torch.nn
Q = torch.ao.quantization
quantized = torch.ao.nn.quantized


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.quant = Q.QuantStub()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.skip_add = nn.quantized.FloatFunctional()
        self.dequant = Q.DeQuantStub()

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(self.quant(x))))
        return self.dequant(self.skip_add.add(y, self.conv2(y)))


def _qparams(values: np.ndarray, quant_max: int = 127) -> tuple[float, int]:
    """PyTorch's affine qparams of ``values`` on ``[0, quant_max]`` (default_observer: 127)."""
    low, high = min(values.min(), 0.0), max(values.max(), 0.0)
    scale = np.float32((high - low) / quant_max)
    return scale, int(np.clip(-np.rint(low / scale), 0, quant_max))


def _grid(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``values`` rounded onto ``(q - zero_point) * scale``, q clamped to quint8's [0, 255]."""
    return (np.clip(np.rint(values / scale) + zero_point, 0, 255) - zero_point) * scale


def _conv(x: np.ndarray, w: np.ndarray, b) -> np.ndarray:
    """A 3x3 convolution with padding 1, (N, C, H, W) by (O, C, 3, 3), in float64."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    out = np.einsum("nchwij,ocij->nohw", windows, w)
    return out if b is None else out + b[None, :, None, None]


def _int8_conv(x, w, b, input_qparams) -> np.ndarray:
    """The converted convolution: input on its grid, weight symmetric int8 per tensor, sums exact."""
    s_in, z_in = input_qparams
    q_x = np.clip(np.rint(x / s_in) + z_in, 0, 255) - z_in
    s_w = np.float32(np.abs(w).max() / 127.5)
    q_w = np.clip(np.rint(w / s_w), -128, 127)
    return _conv(q_x.astype(np.float64), q_w.astype(np.float64), None) * s_in * s_w + (
        0 if b is None else b[None, :, None, None]
    )


def test_a_residual_cnn_quantizes_its_skip_add_as_numpy_replays_it():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Residual().eval()
    model.bn1.running_mean.copy_(torch.tensor(rng.normal(0, 0.1, 4).astype(np.float32)))
    model.bn1.running_var.copy_(torch.tensor(rng.uniform(0.5, 1.5, 4).astype(np.float32)))
    calibration = torch.tensor(rng.normal(0, 1, (8, 3, 6, 6)).astype(np.float32))
    x = torch.tensor(rng.normal(0, 1, (4, 3, 6, 6)).astype(np.float32))
    with torch.no_grad():
        reference = model(x).numpy()
    Q.fuse_modules(model, [["conv1", "bn1", "relu1"]], inplace=True)
    w1 = model.conv1[0].weight.detach().numpy().astype(np.float64)  # the batch norm folded in
    b1 = model.conv1[0].bias.detach().numpy().astype(np.float64)
    w2 = model.conv2.weight.detach().numpy().astype(np.float64)
    b2 = model.conv2.bias.detach().numpy().astype(np.float64)
    model.qconfig = Q.default_qconfig  # MinMaxObserver on [0, 127], per-tensor symmetric weights
    Q.prepare(model, inplace=True)
    assert isinstance(model.skip_add.activation_post_process, Q.MinMaxObserver)  # observed, as PyTorch
    with torch.no_grad():
        model(calibration)
    Q.convert(model, inplace=True)
    assert type(model.skip_add) is quantized.QFunctional
    assert isinstance(model.conv1, torch.ao.nn.intrinsic.quantized.ConvReLU2d)

    # the calibration's float activations fix every point's qparams
    c = calibration.numpy().astype(np.float64)
    y_c = np.maximum(_conv(c, w1, b1), 0)
    z_c = _conv(y_c, w2, b2)
    input_q, y_q, z_q, sum_q = _qparams(c), _qparams(y_c), _qparams(z_c), _qparams(y_c + z_c)
    assert (model.skip_add.scale, model.skip_add.zero_point) == pytest.approx(sum_q, rel=1e-6)
    assert (model.quant.scale, model.quant.zero_point) == pytest.approx(input_q, rel=1e-6)
    # the replay: Quantize, ConvReLU2d, Conv2d (its input re-quantized with y's qparams), QFunctional
    x_grid = _grid(x.numpy().astype(np.float64), *input_q)
    y = _grid(np.maximum(_int8_conv(x_grid, w1, b1, input_q), 0), *y_q)
    z = _grid(_int8_conv(y, w2, b2, y_q), *z_q)
    expected = _grid(y + z, *sum_q)
    with torch.no_grad():
        out = model(x).numpy()
    np.testing.assert_allclose(out, expected, atol=1e-5)
    steps = out / sum_q[0] + sum_q[1]
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-3)  # on the sum's grid
    assert 0 < np.abs(out - reference).max() < 3 * sum_q[0]  # within a few steps of the float model


def test_quantized_tensors_add_only_through_qfunctional():
    # a: scale 0.05, zero point 5: [0.3, 1.0, -0.2] -> q = [11, 25, 1]
    a = torch.quantize_per_tensor(torch.tensor([0.3, 1.0, -0.2]), 0.05, 5, torch.quint8)
    # b: scale 0.02, zero point 100: [0.4, -1.0, 2.0] -> q = [120, 50, 200]
    b = torch.quantize_per_tensor(torch.tensor([0.4, -1.0, 2.0]), 0.02, 100, torch.quint8)
    message = (
        r"quantized tensor \+: a QuantizedTensor has no arithmetic .* use torch.ao.nn.quantized.QFunctional"
    )
    with pytest.raises(NotImplementedError, match=message):
        a + b  # noqa: B018  (PyTorch: "Could not run 'aten::add.out' ... 'QuantizedCPU' backend")
    with pytest.raises(NotImplementedError, match=r"quantized tensor \*"):
        2.0 * a  # noqa: B018
    with pytest.raises(NotImplementedError, match=r"quantized tensor \+"):
        nn.quantized.FloatFunctional().add(a, a)  # the float op on quantized tensors, as PyTorch's fails
    q = quantized.QFunctional(0.1, 10)
    # sums [0.7, 0.0, 1.8] onto scale 0.1, zero point 10: q = [17, 10, 28]
    for op in ("add", "add_relu"):
        out = getattr(q, op)(a, b)
        assert out.int_repr().tolist() == [17, 10, 28] and (out.q_scale(), out.q_zero_point()) == (0.1, 10)
    # products [0.12, -1.0, -0.4]: q = [11, 0, 6]
    assert q.mul(a, b).int_repr().tolist() == [11, 0, 6]
    # cat onto scale 0.1, zero point 10: [0.3, 1.0, -0.2, 0.4, -1.0, 2.0] -> [13, 20, 8, 14, 0, 30]
    assert q.cat([a, b]).int_repr().tolist() == [13, 20, 8, 14, 0, 30]
    with pytest.raises(
        TypeError, match=r"QFunctional.add: got \['QuantizedTensor', 'Tensor'\]: quantized and"
    ):
        q.add(a, torch.tensor([1.0, 2.0, 3.0]))
    signed = torch.quantize_per_tensor(torch.tensor([0.5, -1.0, 2.0]), 0.02, 0, torch.qint8)
    with pytest.raises(
        TypeError, match=r"QFunctional.mul: all inputs must have the same quantized dtype, got"
    ):
        q.mul(a, signed)  # PyTorch: "Both inputs to Mul must have the same type"
    assert q.cat([signed, signed]).dtype == torch.qint8  # the inputs' dtype, on the module's qparams


@pytest.mark.parametrize(
    ("scalar", "scale", "zero_point", "ints"),
    [
        # c_q = round(0.1 / 0.05) = 2: the zero point moves to 5 - 2 = 3, the integers stay
        (0.1, 0.05, 3, [11, 25, 1]),
        (-0.5, 0.05, 15, [11, 25, 1]),  # c_q = -10: zero point 15
        # c_q = round(6.6) = 7: 5 - 7 = -2 < 0, so the zero point is pinned at 0 and the scale widened to
        # (255 + 2) / 255 * 0.05; the values (q - 5 + 7) * 0.05 = [0.65, 1.35, 0.15] requantized: [13, 27, 3]
        (0.33, 257 / 255 * 0.05, 0, [13, 27, 3]),
    ],
)
def test_add_scalar_on_a_quantized_tensor_derives_its_qparams(scalar, scale, zero_point, ints):
    a = torch.quantize_per_tensor(torch.tensor([0.3, 1.0, -0.2]), 0.05, 5, torch.quint8)
    out = quantized.QFunctional(0.1, 10).add_scalar(a, scalar)  # the module's own qparams are not used
    assert out.q_scale() == pytest.approx(scale) and out.q_zero_point() == zero_point
    assert out.int_repr().tolist() == ints


def test_mul_scalar_and_scalars_on_float_inputs():
    a = torch.quantize_per_tensor(torch.tensor([0.3, 1.0, -0.2]), 0.05, 5, torch.quint8)
    q = quantized.QFunctional(0.1, 10)
    doubled = q.mul_scalar(a, 2.0)  # scale 0.1, the integers and zero point kept
    assert (doubled.q_scale(), doubled.q_zero_point(), doubled.int_repr().tolist()) == (0.1, 5, [11, 25, 1])
    negated = q.mul_scalar(a, -2.0)  # mirrored: zero point 255 - 5, integers 255 - q
    assert (negated.q_zero_point(), negated.int_repr().tolist()) == (250, [244, 230, 254])
    np.testing.assert_allclose(negated.dequantize().numpy(), [-0.6, -2.0, 0.4], rtol=1e-6)
    zero = q.mul_scalar(a, 0.0)
    assert (zero.q_scale(), zero.q_zero_point(), zero.int_repr().tolist()) == (1.0, 0, [0, 0, 0])
    signed = torch.quantize_per_tensor(torch.tensor([0.3, -1.0]), 0.1, 2, torch.qint8)  # q = [5, -8]
    mirrored = q.mul_scalar(signed, -1.0)  # qint8's mirror: zero point 127 - 128 - 2 = -3, q = -1 - q
    assert (mirrored.q_zero_point(), mirrored.int_repr().tolist()) == (-3, [-6, 7])
    # a float input (a converted model's): the product exact, the scalar added unrounded
    one = torch.tensor([0.3, 1.0])
    assert q.mul_scalar(one, 3.0).tolist() == pytest.approx([0.9, 3.0])
    assert q.add_scalar(one, 0.33).tolist() == pytest.approx([0.63, 1.33])
    functional = nn.Sequential(nn.quantized.FloatFunctional())
    functional.qconfig = Q.default_qconfig
    Q.prepare(functional, inplace=True)
    functional[0].add_scalar(one, 1.0)
    functional[0].mul_scalar(one, 2.0)
    with pytest.raises(RuntimeError, match="no values observed yet"):  # not observed (PyTorch's)
        functional[0].activation_post_process.calculate_qparams()
    functional[0].add(one, one)
    assert functional[0].activation_post_process.max_val == 2.0
    assert isinstance(quantized.FXFloatFunctional(), nn.quantized.FloatFunctional)


def test_add_scalar_saturating_either_end_and_in_qint8():
    q = quantized.QFunctional(0.1, 10)
    a = torch.quantize_per_tensor(torch.tensor([0.3, 1.0, -0.2]), 0.05, 5, torch.quint8)  # q = [11, 25, 1]
    # c_q = -400: 5 + 400 = 405 > 255, so the zero point is pinned at 255 and the scale widened to
    # (405 - 0) / 255 * 0.05; the values (q - 405) * 0.05 = [-19.7, -19.0, -20.2] requantized: [7, 16, 1]
    out = q.add_scalar(a, -20.0)
    assert out.q_scale() == pytest.approx(405 / 255 * 0.05) and out.q_zero_point() == 255
    assert out.int_repr().tolist() == [7, 16, 1]
    signed = torch.quantize_per_tensor(torch.tensor([0.3, -1.0]), 0.1, 2, torch.qint8)  # q = [5, -8]
    # qint8, c_q = 200: 2 - 200 = -198 < -128: zero point -128, scale (127 + 198) / 255 * 0.1; the values
    # (q + 198) * 0.1 = [20.3, 19.0] over that scale round to [159, 149], minus 128: [31, 21]
    out = q.add_scalar(signed, 20.0)
    assert out.q_scale() == pytest.approx(325 / 255 * 0.1) and out.q_zero_point() == -128
    assert out.int_repr().tolist() == [31, 21]
    # c_q = -200: 2 + 200 = 202 > 127: zero point 127, scale (202 + 128) / 255 * 0.1; [-19.7, -21.0]
    out = q.add_scalar(signed, -20.0)
    assert out.q_scale() == pytest.approx(330 / 255 * 0.1) and out.q_zero_point() == 127
    assert out.int_repr().tolist() == [-25, -35]
    halved = q.mul_scalar(a, 0.5)  # a positive scalar below 1 keeps the integers too: scale 0.025
    assert (halved.q_scale(), halved.q_zero_point(), halved.int_repr().tolist()) == (0.025, 5, [11, 25, 1])
