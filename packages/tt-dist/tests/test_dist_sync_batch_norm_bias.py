"""``SyncBatchNorm(..., bias=False)``, PyTorch 2.13's keyword, as the other batch norms take it
(found by tools/parity/sweep_signatures.py); ``convert_sync_batchnorm`` passes it on."""

from __future__ import annotations

import pytest
import tt_nn as nn
from tt_dist import SyncBatchNorm


def test_bias_false_learns_the_weight_only():
    layer = SyncBatchNorm(3, bias=False)
    assert layer.bias is None and tuple(layer.weight.shape) == (3,)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert "bias" in [name for name, _ in SyncBatchNorm(3).named_parameters()]


def test_bias_is_keyword_only():
    with pytest.raises(TypeError):
        SyncBatchNorm(3, 1e-5, 0.1, True, True, None, None, None, False)


def test_convert_keeps_a_batch_norm_without_bias_without_bias():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3, bias=False))
    converted = SyncBatchNorm.convert_sync_batchnorm(model)
    norm = converted[1]
    assert type(norm) is SyncBatchNorm and norm.bias is None and norm.bias_enabled is False
    assert norm.weight is model[1].weight
