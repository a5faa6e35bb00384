"""``reduce_range``, ``quant_min`` and ``quant_max`` of ``torch.ao.quantization``'s observers: PyTorch's.

Every observer here sees the same tensor ``x = [-1.0, 0.5, 3.0]``: its range, widened to include
0, is ``[-1, 3]`` (4 wide; the largest magnitude 3). The expected scales and zero points are
derived by hand in each comment from PyTorch's rule: affine ``scale = (high - low) / (quant_max -
quant_min)``, ``zero_point = quant_min - round(low / scale)``; symmetric ``scale = max|x| /
((quant_max - quant_min) / 2)``, zero point 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinytorch as torch

nn = torch.nn
Q = torch.ao.quantization
X = [-1.0, 0.5, 3.0]


def _qparams(observer) -> tuple[float, int]:
    observer(torch.tensor(X))
    scale, zero_point = observer.calculate_qparams()
    return scale.item(), int(zero_point.item())


@pytest.mark.parametrize(
    ("make", "quant_range", "scale", "zero_point"),
    [
        # quint8, full: 255 steps over 4 -> 4/255; zero at round(1 / (4/255)) = round(63.75) = 64
        (lambda: Q.MinMaxObserver(), (0, 255), 4 / 255, 64),
        # quint8, reduce_range: [0, 127], 127 steps -> 4/127; zero at round(1 / (4/127)) = round(31.75) = 32
        (lambda: Q.MinMaxObserver(reduce_range=True), (0, 127), 4 / 127, 32),
        # default_observer gives quant_min=0, quant_max=127 itself: the same numbers
        (Q.default_observer, (0, 127), 4 / 127, 32),
        # (0, 255) given and reduce_range: both ends halved, (0, 127)
        (lambda: Q.MinMaxObserver(quant_min=0, quant_max=255, reduce_range=True), (0, 127), 4 / 127, 32),
        # (0, 127) given and reduce_range: halved again, (0, 63): 4/63; zero at round(15.75) = 16
        (lambda: Q.MinMaxObserver(quant_min=0, quant_max=127, reduce_range=True), (0, 63), 4 / 63, 16),
        # qint8 symmetric, full: 3 / (255 / 2) = 3/127.5
        (lambda: Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric), (-128, 127),
         3 / 127.5, 0),
        # qint8 symmetric, reduce_range: [-64, 63], 3 / (127 / 2) = 3/63.5
        (lambda: Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, reduce_range=True),
         (-64, 63), 3 / 63.5, 0),
        # a custom qint8 range (-42, 63): 3 / (105 / 2) = 3/52.5
        (lambda: Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=-42,
                                  quant_max=63), (-42, 63), 3 / 52.5, 0),
        # the moving average's first batch sets its range: as MinMaxObserver's
        (lambda: Q.MovingAverageMinMaxObserver(reduce_range=True), (0, 127), 4 / 127, 32),
    ],
)  # fmt: skip
def test_an_observer_computes_pytorchs_qparams_on_its_range(make, quant_range, scale, zero_point):
    observer = make()
    assert (observer.quant_min, observer.quant_max) == quant_range
    got_scale, got_zero_point = _qparams(observer)
    assert got_scale == pytest.approx(scale, rel=1e-6) and got_zero_point == zero_point


def test_per_channel_and_histogram_observers_halve_too():
    weights = Q.PerChannelMinMaxObserver(
        dtype=torch.qint8, qscheme=torch.per_channel_symmetric, reduce_range=True
    )
    weights(torch.tensor([[1.0, -2.54], [0.5, 0.25]]))
    # rows' largest magnitudes 2.54 and 0.5, over 127 / 2 steps each side
    np.testing.assert_allclose(weights.calculate_qparams()[0].numpy(), [2.54 / 63.5, 0.5 / 63.5], rtol=1e-6)
    assert weights.calculate_qparams()[1].tolist() == [0, 0]
    histogram = Q.get_default_qconfig("x86").activation()  # reduce_range=True
    assert (histogram.quant_min, histogram.quant_max) == (0, 127)
    assert (
        Q.get_default_qconfig("qnnpack").activation().quant_max,
        Q.default_histogram_observer().quant_max,
    ) == (
        255,
        127,
    )


def test_a_fake_quantizer_trains_on_the_halved_range():
    fake = Q.default_fake_quant()  # quant_min=0, quant_max=255, reduce_range=True: (0, 127)
    assert (fake.quant_min, fake.quant_max) == (0, 127)
    fake(torch.tensor(X))  # observes: scale 4/127, zero point 32 (as MinMaxObserver's first batch)
    np.testing.assert_allclose(fake.scale.numpy(), [4 / 127], rtol=1e-6)
    assert fake.zero_point.tolist() == [32]
    fake.apply(Q.disable_observer)
    # 10.0 clamps at q = 127: (127 - 32) * 4/127; -5.0 at q = 0: -32 * 4/127
    np.testing.assert_allclose(
        fake(torch.tensor([10.0, -5.0])).numpy(), [95 * 4 / 127, -32 * 4 / 127], rtol=1e-6
    )
    qnnpack = Q.get_default_qat_qconfig("qnnpack").activation()
    assert (qnnpack.quant_min, qnnpack.quant_max) == (0, 255)


def test_convert_uses_the_halved_qparams_and_quint8s_clamp():
    model = nn.Sequential(Q.QuantStub(), Q.DeQuantStub()).eval()
    model.qconfig = Q.default_qconfig  # default_observer: (0, 127)
    Q.prepare(model, inplace=True)
    model(torch.tensor(X))
    Q.convert(model, inplace=True)
    assert model[0].scale == pytest.approx(4 / 127, rel=1e-6) and model[0].zero_point == 32
    # a value beyond the calibrated range is kept up to quint8's q = 255, as PyTorch's Quantize does:
    # 5.0 -> q = 32 + round(5 / (4/127)) = 32 + round(158.75) = 191; 9.0 -> 32 + round(285.75) clamps at 255
    out = model(torch.tensor([5.0, 9.0])).numpy()
    np.testing.assert_allclose(out, [159 * 4 / 127, 223 * 4 / 127], rtol=1e-6)


def test_bad_ranges_name_the_observer_and_the_range():
    with pytest.raises(ValueError, match=r"MinMaxObserver: quant_min/quant_max \(3, 100\) must include 0"):
        Q.MinMaxObserver(quant_min=3, quant_max=100)
    with pytest.raises(
        ValueError, match=r"\(0, 0\) must include 0, differ, and lie in quint8's range \[0, 255\]"
    ):
        Q.HistogramObserver(quant_min=0, quant_max=0)
    with pytest.raises(ValueError, match=r"\(-200, 127\) .* qint8's range \[-128, 127\]"):
        Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=-200, quant_max=127)


def test_ranges_at_the_edges():
    # only one of quant_min/quant_max given: the dtype's range (PyTorch needs both to customise)
    assert (Q.MinMaxObserver(quant_min=0).quant_min, Q.MinMaxObserver(quant_min=0).quant_max) == (0, 255)
    symmetric = {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric}
    # qint8's whole range given, and one ending at 0: 3 / (128 / 2) = 3/64
    assert _qparams(Q.MinMaxObserver(quant_min=-128, quant_max=127, **symmetric))[0] == pytest.approx(
        3 / 127.5
    )
    assert _qparams(Q.MinMaxObserver(quant_min=-128, quant_max=0, **symmetric))[0] == pytest.approx(3 / 64)
    # an odd end halves downwards, as Python's (and PyTorch's) floor division: -127 // 2 = -64
    odd = Q.MinMaxObserver(quant_min=-127, quant_max=127, reduce_range=True, **symmetric)
    assert (odd.quant_min, odd.quant_max) == (-64, 63)
    # the range is widened to include 0: [1, 3] quantizes [0, 3] (3/127, zero point 0) ...
    positive = Q.MinMaxObserver(reduce_range=True)
    positive(torch.tensor([1.0, 3.0]))
    scale, zero_point = positive.calculate_qparams()
    assert scale.item() == pytest.approx(3 / 127) and zero_point.item() == 0
    # ... and [-2, -0.5] quantizes [-2, 0]: 2/255, zero point 0 - round(-2 / (2/255)) = 255
    negative = Q.MinMaxObserver()
    negative(torch.tensor([-2.0, -0.5]))
    scale, zero_point = negative.calculate_qparams()
    assert scale.item() == pytest.approx(2 / 255) and zero_point.item() == 255
    with pytest.raises(RuntimeError, match="MinMaxObserver: no values observed yet"):
        Q.MinMaxObserver(reduce_range=True).calculate_qparams()
