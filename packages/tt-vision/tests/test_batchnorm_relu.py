"""``BatchNormReLU2d`` and ``fuse_batch_norm_relu``: the fused pair trains exactly like BatchNorm2d + ReLU."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
import tt_tensor
from tt_vision import BatchNorm2d, BatchNormReLU2d, Conv2d, MaxPool2d, fuse_batch_norm_relu


def _net() -> nn.Sequential:
    tt_tensor.manual_seed(7)
    block = nn.Sequential(Conv2d(3, 4, 3, padding=1, bias=False), BatchNorm2d(4), nn.ReLU(), MaxPool2d(2))
    head = nn.Sequential(Conv2d(4, 6, 3, padding=1), BatchNorm2d(6, momentum=None), nn.ReLU())
    return nn.Sequential(block, head, nn.Flatten(), nn.Linear(6 * 4 * 4, 3)).double()


def test_fusion_replaces_each_pair_and_keeps_the_state_dict():
    net = _net()
    before = net.state_dict()
    weights = [p for p in net.parameters()]
    assert fuse_batch_norm_relu(net, max_pool=False) == 2
    assert [type(m).__name__ for m in net[0]] == ["Conv2d", "BatchNormReLU2d", "Identity", "MaxPool2d"]
    assert [type(m).__name__ for m in net[1]] == ["Conv2d", "BatchNormReLU2d", "Identity"]
    after = net.state_dict()
    assert list(after) == list(before)
    assert all(np.shares_memory(after[k].numpy(), before[k].numpy()) for k in before)  # the same storage
    assert [p for p in net.parameters()] == weights
    assert net[1][1].momentum is None and net[0][1].eps == 1e-5
    assert fuse_batch_norm_relu(net) == 0  # nothing left to fuse


def test_only_a_batch_norm_directly_followed_by_a_relu_is_fused():
    net = nn.Sequential(nn.ReLU(), BatchNorm2d(3), MaxPool2d(2), nn.ReLU(), BatchNorm2d(3), nn.Tanh())
    assert fuse_batch_norm_relu(net) == 0
    names = ["ReLU", "BatchNorm2d", "MaxPool2d", "ReLU", "BatchNorm2d", "Tanh"]
    assert [type(m).__name__ for m in net] == names


@pytest.mark.parametrize("momentum", [0.1, None])
def test_fused_net_trains_step_for_step_like_the_plain_one(momentum, rng):
    plain, fused = _net(), _net()
    plain[1][1].momentum = fused[1][1].momentum = momentum
    optimizer = tt_optim.SGD(fused.parameters(), lr=0.1, momentum=0.9)  # built before fusing: still works
    fuse_batch_norm_relu(fused)
    plain_optimizer = tt_optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    loss = nn.CrossEntropyLoss()
    for _ in range(3):
        x = autograd.tensor(rng.standard_normal((5, 3, 8, 8)) * 2 + 0.3)
        y = autograd.tensor(rng.integers(0, 3, 5))
        for net, opt in ((plain, plain_optimizer), (fused, optimizer)):
            opt.zero_grad()
            loss(net(x), y).backward()
            opt.step()
    for key, value in plain.state_dict().items():
        np.testing.assert_allclose(fused.state_dict()[key].numpy(), value.numpy(), rtol=1e-9, atol=1e-12)
    plain.eval()
    fused.eval()
    x = autograd.tensor(rng.standard_normal((2, 3, 8, 8)))
    np.testing.assert_allclose(fused(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-9, atol=1e-12)


def test_the_layer_checks_its_input_like_batch_norm_2d():
    layer = BatchNormReLU2d(4)
    assert (
        repr(layer)
        == "BatchNormReLU2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-d input \(N, C, H, W\), got shape"):
        layer(autograd.randn(2, 4))
    with pytest.raises(ValueError, match=r"BatchNormReLU2d\(4\): input of shape \(2, 3, 2, 2\) has 3"):
        layer(autograd.randn(2, 3, 2, 2))
    out = layer(autograd.randn(2, 4, 3, 3, requires_grad=True))
    assert out.grad_fn.name() == "BatchNormReLUBackward0"
    assert int(layer.num_batches_tracked.item()) == 1


def test_fusing_a_model_in_evaluation_mode_keeps_it_there():
    net = _net().eval()
    fuse_batch_norm_relu(net)
    assert not net[0][1].training and not net[1][1].training
    x = autograd.randn(2, 3, 8, 8, dtype=autograd.float64)
    net(x)
    assert int(net[0][1].num_batches_tracked.item()) == 0  # running statistics untouched
