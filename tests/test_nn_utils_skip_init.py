"""``tt.nn.utils.skip_init``: a module built for weights that will be overwritten, as PyTorch's checks it."""

from __future__ import annotations

import pytest

import tinytorch as torch
from tinytorch import nn


def test_skip_init_builds_the_module_with_its_arguments():
    layer = torch.nn.utils.skip_init(nn.Linear, 3, 2, bias=False)
    assert isinstance(layer, nn.Linear) and layer.weight.shape == (2, 3) and layer.bias is None
    conv = torch.nn.utils.skip_init(nn.Conv2d, 1, 4, kernel_size=3, device="cpu")
    assert conv.weight.shape == (4, 1, 3, 3)
    layer.load_state_dict({"weight": torch.ones(2, 3)})  # what skip_init is for
    assert layer.weight.tolist() == [[1.0] * 3] * 2


def test_skip_init_refuses_a_non_module_and_a_module_without_a_device_argument():
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        torch.nn.utils.skip_init(dict)
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        torch.nn.utils.skip_init(nn.Linear(1, 1))

    class NoDevice(nn.Module):
        def __init__(self, size):
            super().__init__()

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        torch.nn.utils.skip_init(NoDevice, 3)
