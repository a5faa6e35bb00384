"""Factories take PyTorch's ``device=`` (CPU only), as ``torch.arange(t, device=device)`` in nanoGPT.

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


@pytest.mark.parametrize("device", ["cpu", "cpu:0", autograd.device("cpu")])
def test_cpu_is_accepted_everywhere(device):
    assert autograd.arange(0, 4, dtype=autograd.long, device=device).tolist() == [0, 1, 2, 3]
    assert autograd.tensor([1.0], device=device, requires_grad=True).requires_grad
    assert autograd.zeros(2, 3, device=device).shape == (2, 3)
    assert autograd.randint(5, (3,), device=device).shape == (3,)


def test_another_device_is_refused_with_the_factory_named():
    with pytest.raises(RuntimeError, match="arange: device .cuda. is not available; TinyTorch runs on"):
        autograd.arange(3, device="cuda")
    with pytest.raises(RuntimeError, match="zeros: device 'cuda:1' is not available"):
        autograd.zeros(2, device=autograd.device("cuda", 1))
