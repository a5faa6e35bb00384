"""tt_vision.models' DenseNets against torchvision 0.28: counts, keys, structure, init, options, gradients.

Parameter counts are torchvision 0.28's published totals (its weights' ``meta["num_params"]``);
key counts and shapes follow from the architecture by hand. ``tools/parity/models.py``
compares values and gradients with torchvision's own models. Not course material.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d
from tt_vision.models import DenseNet, densenet121, densenet161, densenet169, densenet201
from tt_vision.models import densenet as densenet_module
from tt_vision.models.densenet import _DenseBlock, _DenseLayer, _Transition


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (densenet121, 7_978_856),
        (densenet161, 28_681_000),
        (densenet169, 14_149_480),
        (densenet201, 20_013_928),
    ],
)
def test_parameter_counts_are_torchvisions(builder, expected):
    assert count(builder()) == expected


@pytest.mark.parametrize(
    ("builder", "growth", "blocks", "stem"),
    [
        (densenet121, 32, (6, 12, 24, 16), 64),
        (densenet161, 48, (6, 12, 36, 24), 96),
        (densenet169, 32, (6, 12, 32, 32), 64),
        (densenet201, 32, (6, 12, 48, 32), 64),
    ],
)
def test_builders_configurations(builder, growth, blocks, stem):
    model = builder(num_classes=10)
    assert model.features.conv0.weight.shape == (stem, 3, 7, 7)
    assert [len(getattr(model.features, f"denseblock{i + 1}")) for i in range(4)] == list(blocks)
    assert model.features.denseblock1.denselayer1.conv2.weight.shape == (growth, 4 * growth, 3, 3)
    # the channels: stem, then each block adds layers · growth and each transition halves
    channels = stem
    for i, layers in enumerate(blocks):
        channels += layers * growth
        if i < 3:
            assert getattr(model.features, f"transition{i + 1}").conv.weight.shape == (
                channels // 2,
                channels,
                1,
                1,
            )
            channels //= 2
    assert model.classifier.weight.shape == (10, channels) and model.features.norm5.num_features == channels


def test_state_dict_keys_are_torchvisions():
    keys = list(densenet121().state_dict())
    # stem conv (1) + norm0 (5); 58 dense layers × (2 norms × 5 + 2 convs); 3 transitions × 6; norm5; fc (2)
    assert len(keys) == 6 + 58 * 12 + 3 * 6 + 5 + 2
    assert keys[:7] == [
        "features.conv0.weight",
        "features.norm0.weight",
        "features.norm0.bias",
        "features.norm0.running_mean",
        "features.norm0.running_var",
        "features.norm0.num_batches_tracked",
        "features.denseblock1.denselayer1.norm1.weight",
    ]
    assert keys[7:13] == [
        f"features.denseblock1.denselayer1.norm1.{k}"
        for k in ("bias", "running_mean", "running_var", "num_batches_tracked")
    ] + ["features.denseblock1.denselayer1.conv1.weight", "features.denseblock1.denselayer1.norm2.weight"]
    assert "features.transition1.pool" not in str(keys) and "features.transition3.conv.weight" in keys
    assert keys[-3:] == ["features.norm5.num_batches_tracked", "classifier.weight", "classifier.bias"]


def test_layer_modules_and_reprs():
    model = densenet121()
    layer = model.features.denseblock2.denselayer3
    assert layer.conv1.weight.shape == (128, 128 + 2 * 32, 1, 1) and layer.conv1.bias is None
    assert layer.conv2.padding == (1, 1) and layer.conv2.bias is None
    assert layer.relu1.inplace and layer.relu2.inplace and model.features.relu0.inplace
    pool0 = model.features.pool0
    assert (pool0.kernel_size, pool0.stride, pool0.padding) in [((3, 3), (2, 2), (1, 1)), (3, 2, 1)]
    assert model.features.conv0.stride == (2, 2) and model.features.conv0.padding == (3, 3)
    transition = model.features.transition1
    assert isinstance(transition, _Transition) and list(dict(transition.named_children())) == [
        "norm",
        "relu",
        "conv",
        "pool",
    ]
    assert transition.relu.inplace
    assert transition.pool.kernel_size in (2, (2, 2)) and transition.pool.stride in (2, (2, 2))
    assert isinstance(model.features.denseblock1, _DenseBlock) and isinstance(
        model.features.denseblock1, nn.ModuleDict
    )


@pytest.mark.parametrize("size", [29, 32])
def test_forward_shapes(size):
    model = DenseNet(growth_rate=4, block_config=(1, 2, 1, 1), num_init_features=8, bn_size=2, num_classes=3)
    out = model(autograd.randn(2, 3, size, size))
    assert out.shape == (2, 3) and out.dtype == autograd.float32
    block = model.features.denseblock2
    assert block(autograd.randn(2, 6, 5, 5)).shape == (2, 6 + 2 * 4, 5, 5)


def test_the_block_feeds_every_earlier_output():
    block = _DenseBlock(2, num_input_features=3, bn_size=2, growth_rate=2, drop_rate=0).eval()
    x = autograd.randn(1, 3, 4, 4)
    out = block(x).detach().numpy()
    np.testing.assert_array_equal(out[:, :3], x.numpy())  # the input passes through
    first = block.denselayer1(x)
    np.testing.assert_allclose(out[:, 3:5], first.detach().numpy(), rtol=1e-6)
    second = block.denselayer2([x, first])
    np.testing.assert_allclose(out[:, 5:], second.detach().numpy(), rtol=1e-6)
    assert block.denselayer2.norm1.num_features == 5


def test_the_head_is_relu_average_linear():
    model = DenseNet(growth_rate=2, block_config=(1,), num_init_features=4, bn_size=1, num_classes=2).eval()
    x = autograd.randn(1, 3, 8, 8)
    with autograd.no_grad():
        features = model.features(x).numpy()
        pooled = np.maximum(features, 0).mean(axis=(2, 3))
        expected = (
            pooled @ model.classifier.weight.detach().numpy().T + model.classifier.bias.detach().numpy()
        )
        np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_dense_layer_gradients_match_finite_differences(leaf, check_grad):
    layer = _DenseLayer(4, growth_rate=3, bn_size=2, drop_rate=0).double()
    check_grad(lambda a, b: layer([a, b]), leaf(2, 1, 3, 3), leaf(2, 3, 3, 3))
    block = _DenseBlock(2, num_input_features=2, bn_size=1, growth_rate=2, drop_rate=0).double()
    check_grad(block, leaf(2, 2, 3, 3))


def test_memory_efficient_checkpoints_the_bottleneck_and_changes_nothing(monkeypatch):
    calls = []
    real = densenet_module.checkpoint

    def spy(function, *args, **kwargs):
        calls.append(len(args))
        return real(function, *args, **kwargs)

    monkeypatch.setattr(densenet_module, "checkpoint", spy)
    options = {
        "growth_rate": 2,
        "block_config": (2, 1),
        "num_init_features": 4,
        "bn_size": 2,
        "num_classes": 3,
    }
    autograd.manual_seed(3)
    plain = DenseNet(**options)
    autograd.manual_seed(3)
    efficient = DenseNet(memory_efficient=True, **options)
    assert efficient.features.denseblock1.denselayer2.memory_efficient
    x = autograd.randn(2, 3, 16, 16)
    labels = autograd.tensor([0, 2])
    losses = [nn.functional.cross_entropy(model(x), labels) for model in (plain, efficient)]
    for loss in losses:
        loss.backward()
    assert calls == [1, 2, 1]  # each layer checkpointed, with the earlier outputs as its inputs
    np.testing.assert_allclose(losses[1].item(), losses[0].item(), rtol=1e-6)
    for (name, p), q in zip(plain.named_parameters(), efficient.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    calls.clear()
    with autograd.no_grad():
        efficient(x)
    assert calls == []  # nothing to save memory on without gradients


def test_drop_rate_drops_new_features_in_training_only():
    layer = _DenseLayer(4, growth_rate=64, bn_size=1, drop_rate=0.5)
    assert layer.drop_rate == 0.5
    x = autograd.randn(2, 4, 4, 4)
    zeros = float((layer(x).detach().numpy() == 0).mean())
    assert 0.4 < zeros < 0.6
    assert float((layer.eval()(x).detach().numpy() == 0).mean()) == 0
    assert densenet121(drop_rate=0.2).features.denseblock4.denselayer16.drop_rate == 0.2


def test_initialisation_follows_torchvision():
    model = densenet121()
    conv = model.features.denseblock3.denselayer1.conv1.weight.detach().numpy()  # 128 × 256: fan in 256
    assert abs(conv.std() / math.sqrt(2 / 256) - 1) < 0.02  # kaiming_normal_, fan in, gain √2
    assert abs(conv.mean()) < 0.01 * math.sqrt(2 / 256) * 10
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)
    assert all(m.bias is None for m in model.modules() if isinstance(m, Conv2d))
    weight = model.classifier.weight.detach().numpy()  # Linear's default: U(±1/√1024)
    assert np.abs(weight).max() <= 1 / 32 and abs(weight.std() / (1 / 32 / math.sqrt(3)) - 1) < 0.01
    assert np.all(model.classifier.bias.detach().numpy() == 0)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"^densenet169: pretrained weights \(DEFAULT\) are not available"):
        densenet169(weights="DEFAULT")
    with pytest.raises(TypeError):
        densenet121(True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'growth'"):
        densenet121(growth=3)
    with pytest.raises(TypeError, match="growth_rate"):
        densenet121(growth_rate=3)  # the builder fixes it
