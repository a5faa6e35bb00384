"""``tt_autograd.signal_windows`` (``torch.signal.windows``): tt-tensor's windows as tt-autograd
tensors taking PyTorch's ``requires_grad`` and ``device``. Beyond the exercises: no module number."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd
import tt_tensor
from tt_autograd import signal_windows


@pytest.mark.parametrize("name", signal_windows.__all__)
def test_windows_are_autograd_tensors_and_take_requires_grad(name):
    options = {"a": [0.5, 0.5]} if name == "general_cosine" else {}
    window = getattr(signal_windows, name)
    plain = window(6, **options)
    assert type(plain) is tt_autograd.Tensor and not plain.requires_grad
    leaf = window(6, sym=False, requires_grad=True, device="cpu", **options)
    assert leaf.requires_grad and leaf.is_leaf
    np.testing.assert_array_equal(
        leaf.detach().numpy(), getattr(tt_tensor.signal_windows, name)(6, sym=False, **options).numpy()
    )
    (leaf * leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), 2 * leaf.detach().numpy())
    with pytest.raises(RuntimeError, match=f"{name}: device 'cuda' is not available"):
        window(4, device="cuda", **options)
