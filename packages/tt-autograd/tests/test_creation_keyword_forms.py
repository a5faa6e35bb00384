"""PyTorch's creation call forms by name that TinyTorch refused (tools/parity/sweep_signatures.py, group
``torch``): ``arange(end=5)``, ``randint(high=10, size=(3,))``, ``randperm(n, dtype=)``,
``randint_like(x, high, memory_format=)``. Expected values are PyTorch 2.13's (checked in a scratch script).

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as tt


def test_arange_takes_end_by_name():
    assert tt.arange(end=5).tolist() == [0, 1, 2, 3, 4]
    assert tt.arange(start=1, end=5).tolist() == [1, 2, 3, 4]
    assert tt.arange(1, end=7, step=2).tolist() == [1, 3, 5]
    assert tt.arange(end=2.5).dtype == tt.float32
    assert tt.arange(5).tolist() == [0, 1, 2, 3, 4]
    for call in (lambda: tt.arange(), lambda: tt.arange(step=2)):
        with pytest.raises(TypeError, match=r"arange\(\) missing 1 required positional argument: 'end'"):
            call()


def test_randint_takes_high_and_size_by_name():
    assert tt.randint(high=10, size=(3,)).shape == (3,)
    drawn = tt.randint(low=2, high=5, size=(200,))
    assert drawn.min().item() >= 2 and drawn.max().item() <= 4 and drawn.min().item() == 2
    assert tt.randint(high=1, size=(4,)).tolist() == [0, 0, 0, 0]
    assert tt.randint(2, high=5, size=(2,)).shape == (2,)
    with pytest.raises(TypeError, match=r"randint\(\) missing 1 required argument: 'high'"):
        tt.randint(size=(2,))


def test_randperm_takes_dtype():
    assert tt.randperm(4, dtype=tt.int32).dtype == tt.int32
    assert sorted(tt.randperm(5, dtype=tt.float64).tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert tt.randperm(3).dtype == tt.int64


def test_randint_like_takes_memory_format():
    x = tt.ones(2, 3, 4, 5).contiguous(memory_format=tt.channels_last)
    assert tt.randint_like(x, 5).is_contiguous(memory_format=tt.channels_last)
    assert tt.randint_like(x, 5, memory_format=tt.contiguous_format).is_contiguous()
    with pytest.raises(RuntimeError, match="randint_like: required rank 4"):
        tt.randint_like(tt.ones(2, 3), 5, memory_format=tt.channels_last)


def test_randint_reads_one_or_two_leading_numbers_as_pytorch_does():
    assert tt.randint(1, (4,)).tolist() == [0, 0, 0, 0]  # (high, size): from 0
    assert tt.randint(1, size=(3,)).tolist() == [0, 0, 0]  # (high) and size by name
    assert tt.randint(4, 5, (2,)).tolist() == [4, 4]  # (low, high, size)
