"""``Module.to(device=...)``, PyTorch's most common spelling after ``.to(device)``, failed with a
TypeError (tools/parity/sweep_signatures.py, once it read PyTorch's ``typing.overload``s of ``to``)."""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_nn as nn


@pytest.mark.parametrize("device", ["cpu", "cpu:0", autograd.device("cpu")])
def test_to_takes_device_by_name(device):
    layer = nn.Linear(2, 3)
    weight = layer.weight
    assert layer.to(device=device) is layer and layer.weight is weight
    assert str(layer.weight.dtype) == str(autograd.float32)


def test_to_takes_device_and_dtype_by_name():
    layer = nn.Linear(2, 3)
    layer.to(device="cpu", dtype=autograd.float64)
    assert {str(p.dtype) for p in layer.parameters()} == {str(autograd.float64)}


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "mps"])
def test_another_device_by_name_is_refused(device):
    with pytest.raises(
        RuntimeError, match=rf"to: device '{device}' is not available; TinyTorch runs on the CPU"
    ):
        nn.Linear(2, 3).to(device=device)
