"""Methods called with PyTorch's parameter names (tools/parity/sweep_signatures.py, group ``methods``):
``RMSNorm.forward(x)``, ``AdaptiveLogSoftmaxWithLoss.forward(input_, target_)``,
``Sequential.extend(sequential)``, ``HalfNormal.icdf(prob)``, and
``CorrCholeskyTransform.log_abs_det_jacobian(x, y, intermediates)`` (PyTorch's cache, same values)."""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from tt_nn.distributions import HalfNormal
from tt_nn.distributions.transforms_matrix import CorrCholeskyTransform


def test_rms_norm_forward_takes_x():
    norm = nn.RMSNorm(3)
    x = autograd.tensor([[1.0, 2.0, 2.0]])
    np.testing.assert_allclose(norm(x=x).detach().numpy(), norm(x).detach().numpy())
    np.testing.assert_allclose(
        norm(x=x).detach().numpy(), [[1 / np.sqrt(3), 2 / np.sqrt(3), 2 / np.sqrt(3)]], rtol=1e-5
    )


def test_adaptive_log_softmax_forward_takes_input_and_target_with_underscores():
    asm = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    x, target = autograd.ones(3, 4), autograd.tensor([0, 3, 5])
    by_name = asm(input_=x, target_=target)
    by_position = asm(x, target)
    np.testing.assert_allclose(by_name.output.detach().numpy(), by_position.output.detach().numpy())
    assert by_name.loss.item() == by_position.loss.item()


def test_sequential_extend_takes_sequential():
    model = nn.Sequential(nn.ReLU())
    assert model.extend(sequential=[nn.Tanh(), nn.Sigmoid()]) is model
    assert [type(m).__name__ for m in model] == ["ReLU", "Tanh", "Sigmoid"]


def test_half_normal_icdf_takes_prob():
    half = HalfNormal(autograd.tensor(2.0))
    # PyTorch 2.13: HalfNormal(2.).icdf(torch.tensor(0.5)) = 1.3489795
    assert half.icdf(prob=autograd.tensor(0.5)).item() == np.float32(1.3489795)


def test_corr_cholesky_log_abs_det_jacobian_takes_intermediates():
    transform = CorrCholeskyTransform()
    x = autograd.tensor([0.3, -0.2, 0.5], dtype=autograd.float64)
    y = transform(x)
    plain = transform.log_abs_det_jacobian(x, y)
    cached = transform.log_abs_det_jacobian(x, y, intermediates=None)
    assert cached.item() == plain.item()
