"""Module 01 (everyday torch API): ``narrow``, the ``multinomial`` method, ``device``, softmax forms."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def test_narrow_is_a_slice_along_dim():
    x = tt.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(x.narrow(2, 1, 2).numpy(), x.numpy()[:, :, 1:3])
    np.testing.assert_array_equal(tt.narrow(x, -2, -2, 2).numpy(), x.numpy()[:, 1:3])
    with pytest.raises(IndexError, match=r"narrow: start \(3\) \+ length \(2\) exceeds dimension 1 "):
        x.narrow(1, 3, 2)


def test_multinomial_method_follows_the_generator():
    weights = tt.tensor([[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]])
    first = weights.multinomial(2, generator=tt.Generator().manual_seed(5))
    second = tt.multinomial(weights, 2, generator=tt.Generator().manual_seed(5))
    assert first.tolist() == second.tolist()
    assert first[0, 0].item() == 1 and first.dtype == tt.int64
    assert sorted(first[1].tolist()) == [0, 2]  # without replacement: both non-zero categories
    drawn = tt.tensor([1.0, 3.0]).multinomial(4000, replacement=True, generator=tt.Generator().manual_seed(1))
    assert 0.70 < drawn.float().mean().item() < 0.80  # P(1) = 0.75


def test_device_is_a_cpu_string_with_torch_attributes():
    cpu = tt.device("cpu")
    assert cpu == "cpu" and cpu.type == "cpu" and cpu.index is None and repr(cpu) == "device(type='cpu')"
    cuda = tt.device("cuda:1")
    assert (cuda.type, cuda.index, repr(cuda)) == ("cuda", 1, "device(type='cuda', index=1)")
    assert tt.ones(2).to(cpu).shape == (2,)
    with pytest.raises(RuntimeError, match="not available; TinyTorch runs on the CPU only"):
        tt.ones(2).to(cuda)
    with pytest.raises(RuntimeError, match="device: expected one of cpu, cuda"):
        tt.device("tpu")


def test_softmax_and_log_softmax_functional_forms():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    expected = np.exp(x - x.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(tt.softmax(tt.tensor(x), 1).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(tt.tensor(x).log_softmax(dim=-1).numpy()[0], np.log(expected[0]), rtol=1e-12)
    assert tt.softmax(tt.tensor([1, 2]), 0, dtype=tt.float64).dtype == tt.float64
