"""``clip_grad_norm_(..., foreach=)`` and ``clip_grad_value_(..., foreach=)``: PyTorch 2.13 takes
``foreach`` (its kernel choice, same values); TinyTorch refused it (tools/parity/sweep_signatures.py).
Expected values are PyTorch 2.13's: gradients of 5 in three elements, max_norm 1 / clip_value 0.1."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim.utils import clip_grad_norm_, clip_grad_value_


def _parameter():
    p = nn.Parameter(autograd.ones(3))
    p.grad = autograd.full((3,), 5.0)
    return p


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_with_foreach_scales_as_pytorch(foreach):
    p = _parameter()
    total = clip_grad_norm_([p], 1.0, foreach=foreach)
    assert total.item() == pytest.approx(8.660254, rel=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), [0.57735, 0.57735, 0.57735], rtol=1e-5)


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_value_with_foreach_clamps_as_pytorch(foreach):
    p = _parameter()
    assert clip_grad_value_([p], 0.1, foreach) is None
    np.testing.assert_allclose(p.grad.numpy(), [0.1, 0.1, 0.1], rtol=1e-6)
