"""Module 15: affine quantization of arrays and the observers that choose its parameters."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_perf.quantization import (
    HistogramObserver,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    PerChannelMinMaxObserver,
    calculate_qparams,
    dequantize,
    quantize_per_channel,
    quantize_per_tensor,
)


# ----------------------------------------------------------------- quantize / dequantize
def test_round_trip_error_is_at_most_half_a_step_inside_the_range(rng):
    x = rng.uniform(-2, 3, 10_000).astype(np.float32)
    scale, zero_point = 5 / 255, 102
    q = quantize_per_tensor(x, scale, zero_point, "quint8")
    assert q.int_repr.dtype == np.uint8 and q.int_repr.shape == x.shape
    assert np.abs(dequantize(q) - x).max() <= scale / 2 + 1e-6
    assert np.abs(dequantize(q) - x).max() > scale / 4  # it really rounds
    assert dequantize(quantize_per_tensor(np.zeros(3), scale, zero_point)).tolist() == [0.0, 0.0, 0.0]


def test_quantize_matches_the_formula_element_by_element(rng):
    x = rng.normal(0, 2, 50).astype(np.float32)
    scale, zero_point = np.float32(0.03), 40
    q = quantize_per_tensor(x, scale, zero_point, "quint8").int_repr
    expected = [min(255, max(0, int(np.rint(v / scale)) + zero_point)) for v in x]
    assert q.tolist() == expected


def test_values_outside_the_range_saturate():
    q = quantize_per_tensor(np.array([-20.0, -1.0, 20.0]), 0.1, 0, "qint8")
    assert q.int_repr.tolist() == [-128, -10, 127]  # qint8 is [-128, 127], as in PyTorch
    np.testing.assert_allclose(dequantize(q), [-12.8, -1.0, 12.7], rtol=1e-6)
    q = quantize_per_tensor(np.array([-5.0, 100.0]), 0.1, 10, "quint8")
    assert q.int_repr.tolist() == [0, 255]  # saturates at −1.0 and 24.5


def test_per_channel_beats_per_tensor_on_skewed_weights(rng):
    ranges = np.array([1e-3, 1e-1, 1, 10], dtype=np.float32)[:, None, None, None]
    weight = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * ranges
    observer = PerChannelMinMaxObserver(ch_axis=0, qscheme="symmetric")
    observer(weight)
    scales, zeros = observer.calculate_qparams()
    np.testing.assert_allclose(scales, np.abs(weight).reshape(4, -1).max(1) / 127.5, rtol=1e-6)
    per_channel = dequantize(quantize_per_channel(weight, scales, zeros, axis=0))
    per_tensor = dequantize(quantize_per_tensor(weight, scales.max(), 0, "qint8"))

    def relative_error(w):
        return np.abs(w - weight).reshape(4, -1).max(1) / np.abs(weight).reshape(4, -1).max(1)

    assert relative_error(per_channel).max() < 0.004  # every channel within half a step of 1/127.5
    assert relative_error(per_tensor)[0] > 0.4  # one shared scale wipes out the small channel
    assert np.mean((per_channel - weight) ** 2) < np.mean((per_tensor - weight) ** 2)


def test_per_channel_along_another_axis(rng):
    x = rng.standard_normal((3, 5)).astype(np.float32) * np.array([1, 2, 3, 4, 5], dtype=np.float32)
    scales = np.abs(x).max(0) / 127
    q = quantize_per_channel(x, scales, np.zeros(5), axis=-1)
    assert q.axis == 1 and np.abs(q.int_repr).max(0).tolist() == [127] * 5
    np.testing.assert_allclose(dequantize(q), x, atol=float(scales.max()) / 2 + 1e-7)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="scales must be positive"):
        quantize_per_tensor(np.ones(2), 0.0, 0)
    with pytest.raises(ValueError, match="zero points must lie in \\[-128, 127\\]"):
        quantize_per_tensor(np.ones(2), 0.1, 200, "qint8")
    with pytest.raises(ValueError, match="dtype must be one of"):
        quantize_per_tensor(np.ones(2), 0.1, 0, "int4")
    with pytest.raises(ValueError, match="3 scales"):
        quantize_per_channel(np.ones((2, 5)), np.ones(3), np.zeros(3), axis=0)


# ----------------------------------------------------------------- qparams and observers
def test_calculate_qparams_affine_and_symmetric():
    scale, zero_point = calculate_qparams(-1.0, 2.0, "affine")
    assert scale == pytest.approx(3.0 / 255) and int(zero_point) == 85  # round(1 / (3/255))
    scale, zero_point = calculate_qparams(0.5, 2.0, "affine")  # widened to include 0
    assert scale == pytest.approx(2.0 / 255) and int(zero_point) == 0
    scale, zero_point = calculate_qparams(-4.0, 1.0, "symmetric")
    assert scale == pytest.approx(4.0 / 127.5) and int(zero_point) == 0  # PyTorch: max|x| / ((127 + 128) / 2)
    q = quantize_per_tensor(np.array([-4.0, 4.0]), scale, zero_point, "qint8")
    assert np.abs(dequantize(q) - [-4.0, 4.0]).max() <= scale / 2 * (1 + 1e-6)  # the ends within half a step
    assert quantize_per_tensor(np.array([-4.1, 4.1]), scale, 0, "qint8").int_repr.tolist() == [-128, 127]
    scale, zero_point = calculate_qparams(-3.0, -0.5)  # all negative: widened to [-3, 0]
    assert scale == pytest.approx(3.0 / 255) and int(zero_point) == 255
    for low, high in [(-1.0, 2.0), (-3.0, -0.5), (0.2, 7.0)]:  # 0.0 is exact in every case
        s, z = calculate_qparams(low, high)
        assert dequantize(quantize_per_tensor(np.zeros(1), s, z))[0] == 0.0


def test_constant_and_all_zero_tensors_get_a_usable_scale():
    for qscheme in ("affine", "symmetric"):
        observer = MinMaxObserver(qscheme)
        observer(np.zeros(5))
        scale, zero_point = observer.calculate_qparams()
        assert scale > 0 and np.isfinite(scale)
        assert dequantize(quantize_per_tensor(np.zeros(5), scale, zero_point, observer.dtype)).max() == 0.0
    constant = MinMaxObserver()
    constant(np.full(4, 3.0))
    scale, zero_point = constant.calculate_qparams()
    assert dequantize(quantize_per_tensor(np.full(4, 3.0), scale, zero_point))[0] == pytest.approx(3.0)
    channels = PerChannelMinMaxObserver()
    channels(np.zeros((3, 4)))
    assert np.all(channels.calculate_qparams()[0] > 0)


def slow_min_max(batches):
    low, high = np.inf, -np.inf
    for batch in batches:
        for value in np.asarray(batch).reshape(-1).tolist():
            low, high = min(low, value), max(high, value)
    return low, high


def test_minmax_observer_against_a_slow_reference(rng):
    batches = [rng.normal(i, 1 + i, (4, 7)).astype(np.float32) for i in range(4)]
    observer = MinMaxObserver()
    for batch in batches:
        assert observer(autograd.tensor(batch)).numpy() is not None  # tensors pass through
    assert (observer.min_val, observer.max_val) == pytest.approx(slow_min_max(batches))
    expected = calculate_qparams(*slow_min_max(batches))
    assert observer.calculate_qparams()[0] == pytest.approx(float(expected[0]))


def test_moving_average_observer_against_a_slow_reference(rng):
    batches = [rng.normal(0, 1, 100) * (3 if i == 2 else 1) for i in range(6)]
    observer = MovingAverageMinMaxObserver(averaging_constant=0.25)
    for batch in batches:
        observer(batch)
    low, high = slow_min_max(batches[:1])
    for batch in batches[1:]:
        batch_low, batch_high = slow_min_max([batch])
        low, high = low + 0.25 * (batch_low - low), high + 0.25 * (batch_high - high)
    assert (observer.min_val, observer.max_val) == pytest.approx((low, high))
    assert observer.max_val < slow_min_max(batches)[1]  # the outlier batch moved the range only a quarter


def test_moving_average_starts_from_a_constant_first_batch():
    observer = MovingAverageMinMaxObserver(averaging_constant=0.5)
    observer(np.full(5, 2.0))  # min = max = 2: the first batch, even though its range is a point
    observer(np.array([0.0, 4.0]))  # a later batch moves the range halfway
    assert (observer.min_val, observer.max_val) == (1.0, 3.0)


def test_per_channel_observer_against_a_slow_reference(rng):
    batches = [
        rng.standard_normal((2, 3, 5)).astype(np.float32) * np.arange(1, 4)[None, :, None] for _ in range(3)
    ]
    observer = PerChannelMinMaxObserver(ch_axis=1, qscheme="affine")
    for batch in batches:
        observer(batch)
    for channel in range(3):
        expected = slow_min_max([b[:, channel] for b in batches])
        assert (observer.min_val[channel], observer.max_val[channel]) == pytest.approx(expected)
    scales, zero_points = observer.calculate_qparams()
    assert scales.shape == (3,) and zero_points.dtype == np.int32


def test_histogram_percentiles_match_numpy_across_growing_batches(rng):
    batches = [rng.normal(0, scale, 20_000) for scale in (0.5, 1.0, 2.0)]  # every batch widens the range
    observer = HistogramObserver(bins=1024, percentile=99.0)
    for batch in batches:
        observer(batch)
    everything = np.concatenate(batches)
    width = (observer.max_val - observer.min_val) / observer.bins
    low, high = observer.clip_range()
    assert low == pytest.approx(np.percentile(everything, 1.0), abs=2 * width)
    assert high == pytest.approx(np.percentile(everything, 99.0), abs=2 * width)
    assert observer.count == everything.size


def test_histogram_percentiles_interpolate_inside_a_bin():
    """Values count as spread evenly inside their bin, so a percentile point falls between its bin's edges."""
    observer = HistogramObserver(bins=4, percentile=60.0)
    observer(np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0]))  # bins [0, 1) .. [3, 4]: counts 4, 1, 1, 2
    # the 40% point (3.2 of 8 values) lies 3.2/4 into bin 0; the 60% point (4.8) 0.8/1 into bin 1
    assert observer.clip_range() == pytest.approx((0.8, 1.8), abs=1e-12)


def test_histogram_keeps_every_count_when_the_range_widens():
    observer = HistogramObserver(bins=64)
    observer(np.linspace(0.0, 1.0, 100))
    observer(np.linspace(-0.3, 1.7, 100))  # wider on both sides: the first counts are spread over new bins
    assert observer.histogram.sum() == pytest.approx(200, abs=1e-9)
    assert observer.histogram.min() >= 0.0


def test_histogram_of_values_that_are_all_negative():
    observer = HistogramObserver(bins=8, percentile=100.0)
    observer(np.array([-4.0, -3.0, -1.0]))  # the range [-4, 0] ends at 0: the last bin holds 0
    # bins of width 0.5 from -4: the largest value, -1, lies in [-1, -0.5), whose top edge is the 100% point
    assert observer.clip_range() == pytest.approx((-4.0, -0.5), abs=1e-12)
    assert observer.histogram.sum() == 3


def test_histogram_percentile_100_is_the_largest_value_also_when_float_sums_disagree():
    """The 100% point lies in the bin of the largest value seen, whatever the rounding of the counts.

    Spreading counts over new bins makes them fractional, and their pairwise ``sum`` can then
    round above the running ``cumsum``'s end; that must not move the point to the top of the range
    (here 0, which the range always holds, far above values that are all negative).
    """
    rounded_above = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        observer = HistogramObserver(bins=64, percentile=100.0)
        first, second = rng.uniform(-1.0, -0.5, 100), rng.uniform(-1.7, -0.2, 100)
        observer(first)
        observer(second)
        rounded_above += observer.histogram.sum() > np.cumsum(observer.histogram)[-1]
        width = (observer.max_val - observer.min_val) / observer.bins
        low, high = observer.clip_range()
        assert low == observer.min_val
        assert 0.0 <= high - max(first.max(), second.max()) <= width + 1e-12
    assert rounded_above > 0  # the case this test is about did occur


def test_histogram_observer_clips_an_outlier_and_quantizes_the_rest_better(rng):
    x = np.concatenate([rng.uniform(0, 3, 100_000), [50.0]]).astype(np.float32)
    minmax, histogram = MinMaxObserver(), HistogramObserver(percentile=99.99)
    minmax(x)
    histogram(x)
    (s1, z1), (s2, z2) = minmax.calculate_qparams(), histogram.calculate_qparams()
    assert s2 < s1 / 10
    bulk = x[:-1]
    error_minmax = np.abs(dequantize(quantize_per_tensor(bulk, s1, z1)) - bulk).mean()
    error_histogram = np.abs(dequantize(quantize_per_tensor(bulk, s2, z2)) - bulk).mean()
    assert error_histogram < error_minmax / 10


def test_histogram_observer_handles_all_zeros_then_real_values():
    observer = HistogramObserver(bins=16, percentile=100.0)
    observer(np.zeros(10))
    assert observer.calculate_qparams()[0] > 0
    observer(np.array([1.0, 2.0]))
    low, high = observer.clip_range()
    assert low == 0.0 and high == pytest.approx(2.0)
    assert observer.histogram.sum() == pytest.approx(12)
    # the zeros seen first land in the bin of 0.0 once the range widens on both sides
    observer = HistogramObserver(bins=64, percentile=60.0)
    observer(np.zeros(1000))
    observer(np.linspace(-1.0, 3.0, 1000))  # 250 below 0: the 40% and 60% points are both among the zeros
    low, high = observer.clip_range()
    assert abs(low) <= 4.0 / 64 and abs(high) <= 4.0 / 64


def test_observers_refuse_bad_input():
    with pytest.raises(RuntimeError, match="no values observed"):
        MinMaxObserver().calculate_qparams()
    with pytest.raises(RuntimeError, match="no values observed"):
        HistogramObserver().calculate_qparams()
    with pytest.raises(RuntimeError, match="no values observed"):
        PerChannelMinMaxObserver().calculate_qparams()
    with pytest.raises(ValueError, match="qscheme"):
        MinMaxObserver("asymmetric")
    with pytest.raises(ValueError, match="NaN or infinity"):
        MinMaxObserver()(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="NaN or infinity"):
        HistogramObserver()(np.array([np.inf]))
    with pytest.raises(ValueError, match="ch_axis 2 is out of range"):
        PerChannelMinMaxObserver(ch_axis=2)(np.ones((3, 4)))
    observer = PerChannelMinMaxObserver()
    observer(np.ones((3, 4)))
    with pytest.raises(ValueError, match="5 channels along axis 0 now, 3 before"):
        observer(np.ones((5, 4)))
    with pytest.raises(ValueError, match="averaging_constant"):
        MovingAverageMinMaxObserver(averaging_constant=0.0)
    with pytest.raises(ValueError, match="percentile"):
        HistogramObserver(percentile=30)
