"""PyTorch 2.13's ``device=`` on tt-nn's layers (found by tools/parity/sweep_signatures.py).

``LayerNorm``, ``GroupNorm``, the instance norms, ``RMSNorm`` and ``Bilinear`` took ``device=`` and
never read it (``device="cuda"`` built a CPU layer without a word); ``AdaptiveLogSoftmaxWithLoss``
did not take ``device``/``dtype`` at all; ``Linear`` refused ``"cpu:0"``. Now the CPU is accepted in
every spelling and any other device refused by the layer's name; ``dtype`` gives the parameters'.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_nn as nn

LAYERS = {
    "LayerNorm": lambda **kw: nn.LayerNorm(4, **kw),
    "LayerNorm(elementwise_affine=False)": lambda **kw: nn.LayerNorm(4, elementwise_affine=False, **kw),
    "GroupNorm": lambda **kw: nn.GroupNorm(2, 4, **kw),
    "InstanceNorm1d": lambda **kw: nn.InstanceNorm1d(4, **kw),
    "InstanceNorm2d": lambda **kw: nn.InstanceNorm2d(4, affine=True, **kw),
    "InstanceNorm3d": lambda **kw: nn.InstanceNorm3d(4, track_running_stats=True, **kw),
    "RMSNorm": lambda **kw: nn.RMSNorm(4, **kw),
    "Bilinear": lambda **kw: nn.Bilinear(2, 3, 4, **kw),
    "Linear": lambda **kw: nn.Linear(2, 3, **kw),
    "AdaptiveLogSoftmaxWithLoss": lambda **kw: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [2, 5], **kw),
}


@pytest.mark.parametrize("name", LAYERS)
def test_another_device_is_refused_by_the_layer_name(name):
    owner = name.split("(")[0]
    with pytest.raises(
        RuntimeError, match=rf"{owner}: device 'cuda' is not available; TinyTorch runs on the CPU"
    ):
        LAYERS[name](device="cuda")


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("device", [None, "cpu", "cpu:0", autograd.device("cpu")])
def test_the_cpu_is_accepted(name, device):
    LAYERS[name](device=device)


def test_adaptive_log_softmax_takes_dtype_for_every_linear():
    asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [2, 5], head_bias=True, dtype=autograd.float64)
    assert {str(p.dtype) for p in asm.parameters()} == {str(autograd.float64)}
    assert len(list(asm.parameters())) == 6  # head weight and bias, two tails of two projections
    out = asm(autograd.ones(3, 8, dtype=autograd.float64), autograd.tensor([0, 4, 9]))
    assert str(out.output.dtype) == str(autograd.float64)
