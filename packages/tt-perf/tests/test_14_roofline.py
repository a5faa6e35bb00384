"""Module 14: the roofline — intensity, the roof, the bound — and the machine-peak helper on a fake clock."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.profiling import MachinePeaks, classify, linear_flops, measure_peaks, moved_bytes, roofline
from tt_text import CausalSelfAttention
from tt_vision import Conv2d

PEAKS = MachinePeaks(gflops=100.0, gbytes_per_s=10.0)  # ridge at 10 FLOP/byte


def test_classify_below_at_and_above_the_ridge():
    assert PEAKS.ridge == 10.0
    assert classify(1000, 200, PEAKS) == (5.0, 50.0, "memory")  # the bandwidth roof: 5 FLOP/B × 10 GB/s
    assert classify(2000, 200, PEAKS) == (10.0, 100.0, "compute")  # the ridge itself: both roofs meet
    assert classify(1999, 200, PEAKS)[2] == "memory"
    assert classify(8000, 200, PEAKS) == (40.0, 100.0, "compute")  # the flat roof


def test_moved_bytes_counts_inputs_output_and_own_parameters():
    linear = nn.Linear(64, 32)
    x = autograd.zeros(8, 64)
    out = linear(x)
    assert moved_bytes(linear, (x,), out) == 4 * (8 * 64 + 8 * 32 + 64 * 32 + 32)
    relu = nn.ReLU()
    assert moved_bytes(relu, (x,), relu(x)) == 4 * 2 * 8 * 64
    attention = CausalSelfAttention(n_embd=16, n_head=2)  # its parameters are its children's
    tokens = autograd.zeros(2, 3, 16)
    assert moved_bytes(attention, (tokens,), attention(tokens)) == 4 * 2 * 2 * 3 * 16
    x64 = autograd.zeros(8, 64, dtype=autograd.float64)
    assert moved_bytes(relu, (x64, 3), relu(x64)) == 8 * 2 * 8 * 64  # non-tensors move nothing


def test_roofline_places_each_counted_layer():
    model = nn.Sequential(Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 8 * 8, 10))
    x = autograd.zeros(4, 3, 8, 8)
    rows = roofline(model, x, peaks=PEAKS)
    assert [(row.name, row.kind) for row in rows] == [
        ("0", "Conv2d"),
        ("1", "ReLU"),
        ("3", "Linear"),
    ]  # no Flatten
    conv, relu, linear = rows
    assert relu.flops == 4 * 16 * 64 and relu.bytes == 2 * 4 * 4 * 16 * 64 and relu.bound == "memory"
    assert relu.intensity == pytest.approx(1 / 8) and relu.attainable_gflops == pytest.approx(10 / 8)
    assert conv.flops == 2 * 4 * 64 * 16 * 27 + 4 * 64 * 16 and conv.bound == "compute"
    assert conv.bytes == 4 * (4 * 3 * 64 + 4 * 16 * 64 + 16 * 27 + 16)
    flat = autograd.zeros(4, 16 * 8 * 8)
    assert linear.flops == linear_flops(model[3], (flat,), model[3](flat))
    assert linear.intensity == pytest.approx(linear.flops / linear.bytes)
    assert linear.bound == ("compute" if linear.intensity >= 10 else "memory")
    assert all(not m._forward_hooks for m in model.modules())


def test_roofline_removes_its_hooks_when_the_forward_fails():
    model = nn.Sequential(nn.Linear(3, 3))
    with pytest.raises(RuntimeError):
        roofline(model, autograd.zeros(1, 4), peaks=PEAKS)
    assert all(not m._forward_hooks for m in model.modules())


def test_measure_peaks_takes_the_best_run_of_each_kernel():
    ticks = iter([0.0, 1.0, 1.0, 3.0, 3.0, 3.5, 3.5, 5.0])  # matmul 1 s, copy 2 s, matmul 0.5 s, copy 1.5 s
    peaks = measure_peaks(n=8, copy_mib=1, repeats=2, clock=lambda: next(ticks))
    assert peaks.gflops == pytest.approx(2 * 8**3 / 0.5 / 1e9)  # 2·n³ FLOPs in the fastest matmul
    assert peaks.gbytes_per_s == pytest.approx(2 * 2**20 / 1.5 / 1e9)  # read + write, fastest copy
    with pytest.raises(ValueError, match="measure_peaks"):
        measure_peaks(n=0)


def test_measure_peaks_on_the_real_clock_gives_positive_finite_figures():
    peaks = measure_peaks(n=64, copy_mib=1, repeats=2)
    assert np.isfinite([peaks.gflops, peaks.gbytes_per_s]).all() and peaks.gflops > 0 and peaks.ridge > 0
