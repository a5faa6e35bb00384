"""Module 09: the layer modules (PyTorch's arguments, init, state-dict keys, repr) and a CNN that learns."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.module import Module
from tt_vision import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from tt_vision import functional as F
from tt_vision.datasets import Digits


def test_conv2d_parameters_follow_pytorch():
    autograd.manual_seed(0)
    conv = Conv2d(16, 32, 3, padding=1)
    assert conv.weight.shape == (32, 16, 3, 3) and conv.bias.shape == (32,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(16 * 9)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # uniform(-b, b) has std b/√3
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert conv.weight.dtype == autograd.float32


def test_conv2d_options_and_repr():
    conv = Conv2d(4, 8, (3, 5), stride=2, padding=(1, 2), dilation=1, groups=2, bias=False)
    assert conv.weight.shape == (8, 2, 3, 5) and conv.bias is None
    assert list(conv.state_dict()) == ["weight"]
    assert (
        repr(conv) == "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), groups=2, bias=False)"
    )
    assert repr(Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert conv(autograd.randn(2, 4, 9, 9)).shape == (2, 8, 5, 5)
    assert Conv2d(3, 6, 3, padding="same")(autograd.randn(1, 3, 7, 7)).shape == (1, 6, 7, 7)


def test_conv2d_matches_functional_and_reset(rng):
    conv = Conv2d(3, 4, 3, padding=1)
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    np.testing.assert_array_equal(
        conv(x).detach().numpy(), F.conv2d(x, conv.weight, conv.bias, padding=1).detach().numpy()
    )
    before = conv.weight.detach().numpy().copy()
    conv.reset_parameters()
    assert not np.array_equal(before, conv.weight.detach().numpy())


def test_conv2d_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        Conv2d(3, 4, 3, padding_mode="symmetric")
    with pytest.raises(ValueError, match="channels"):
        Conv2d(3, 4, 3)(autograd.randn(1, 5, 8, 8))


def test_pooling_modules():
    x = autograd.randn(2, 3, 8, 8)
    assert MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert MaxPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 4, 4)
    assert AvgPool2d(2, stride=1)(x).shape == (2, 3, 7, 7)
    assert AdaptiveAvgPool2d((1, 1))(x).shape == (2, 3, 1, 1)
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"
    assert list(MaxPool2d(2).state_dict()) == []


class TinyCNN(Module):
    """conv–BN–ReLU–maxpool, conv–ReLU–avgpool, then a 2×2 conv to 10 classes: fully convolutional."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = Conv2d(1, 16, 3, padding=1)
        self.norm = BatchNorm2d(16)
        self.pool = MaxPool2d(2)
        self.conv2 = Conv2d(16, 32, 3, padding=1)
        self.pool2 = AvgPool2d(2)
        self.head = Conv2d(32, 10, 2)

    def forward(self, x):
        x = self.pool(self.norm(self.conv(x)).relu())
        x = self.pool2(self.conv2(x).relu())
        return self.head(x).flatten(1)


def test_a_cnn_learns_the_digits():
    autograd.manual_seed(0)
    train, test = Digits(train=True), Digits(train=False)
    model = TinyCNN()
    assert sorted(model.state_dict())[:4] == ["conv.bias", "conv.weight", "conv2.bias", "conv2.weight"]
    params = list(model.parameters())
    order = np.random.default_rng(0).permutation(len(train))
    for _epoch in range(6):
        for start in range(0, len(train), 64):
            x, y = train.get_batch(order[start : start + 64])
            logits = model(x)
            loss = (logits.logsumexp(dim=1) - logits[autograd.arange(len(y)), y]).mean()
            model.zero_grad()
            loss.backward()
            with autograd.no_grad():
                for p in params:
                    p.array -= 0.1 * p.grad.array
    model.eval()
    with autograd.no_grad():
        x, y = test.get_batch(np.arange(len(test)))
        accuracy = (model(x).argmax(dim=1).numpy() == y.numpy()).mean()
    assert accuracy > 0.85, f"a small CNN reached only {accuracy:.1%} on the digits"
