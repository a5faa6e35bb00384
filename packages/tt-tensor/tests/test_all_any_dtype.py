"""``all``/``any`` give bool, except on uint8, where PyTorch keeps uint8 (0 or 1: its old mask dtype).
Beyond the exercises."""

from __future__ import annotations

import pytest
import tt_tensor as tt


@pytest.mark.parametrize("dtype", [tt.float32, tt.int64, tt.int8, tt.bool])
def test_all_and_any_give_bools(dtype):
    x = tt.tensor([[0, 2, 3], [1, 1, 1]]).to(dtype)
    assert x.all().dtype == tt.bool and x.any(1).dtype == tt.bool
    assert x.all(1).tolist() == [False, True] and x.any(0, keepdim=True).tolist() == [[True, True, True]]


def test_uint8_stays_uint8_as_pytorch():
    x = tt.tensor([[0, 200, 3], [1, 1, 1]], dtype=tt.uint8)
    assert x.all().dtype == tt.uint8 and x.all().item() == 0
    assert x.any().item() == 1
    assert x.all(1).tolist() == [0, 1] and x.any((0, 1)).dtype == tt.uint8
    assert x.any(0, keepdim=True).tolist() == [[1, 1, 1]]


@pytest.mark.parametrize("op", ["all", "any"])
def test_keepdim_must_be_a_bool(op):
    with pytest.raises(TypeError, match=rf"{op}: argument 'keepdim' must be bool"):
        getattr(tt.ones(2), op)(0, keepdim=1)
