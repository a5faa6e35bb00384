"""tt_vision.models' VGG, AlexNet and SqueezeNet against torchvision 0.28: counts, structure, init, gradients.

Parameter counts are torchvision's weights' ``meta["num_params"]``; minimum sizes are what a
scratch run of torchvision's models accepts (SqueezeNet 1.0: 21×21 works, 20×20 fails;
1.1: 17 and 16). Not course material.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d
from tt_vision import functional as F
from tt_vision.models import VGG, AlexNet, SqueezeNet, alexnet, squeezenet1_0, squeezenet1_1, vgg11, vgg11_bn
from tt_vision.models.squeezenet import Fire
from tt_vision.models.vgg import cfgs, make_layers


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy()


@pytest.fixture(scope="module")
def vgg():
    """One VGG-11 with batch norms (132.9 M parameters, the slow part of this file), built once."""
    return vgg11_bn(num_classes=10, dropout=0.3)


def test_vgg_counts_keys_and_options(vgg):
    # torchvision's VGG11_BN_Weights num_params, 132,868,840 with 1000 classes, less the
    # classifier[6] difference (4096 * 990 + 990)
    assert count(vgg) == 132_868_840 - 4096 * 990 - 990
    keys = list(vgg.state_dict())
    assert keys[:3] == ["features.0.weight", "features.0.bias", "features.1.weight"]
    assert keys[-2:] == ["classifier.6.weight", "classifier.6.bias"]
    assert vgg.classifier[0].weight.shape == (4096, 25088) and vgg.classifier[2].p == 0.3
    kinds = [type(m).__name__ for m in vgg.features][:4]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    # configuration "E" (VGG-19): 16 convolutions, 5 pools
    assert (sum(v != "M" for v in cfgs["E"]), cfgs["E"].count("M")) == (16, 5)


def test_vgg_initialisation(vgg):
    linear = values(vgg.classifier[3].weight)
    assert abs(linear.std() / 0.01 - 1) < 0.01 and np.all(values(vgg.classifier[3].bias) == 0)
    conv = vgg.features[-4]  # 512 -> 512: fan_out 512 * 9, kaiming normal std sqrt(2 / 4608)
    assert conv.weight.shape == (512, 512, 3, 3)
    assert abs(values(conv.weight).std() / math.sqrt(2 / 4608) - 1) < 0.01
    assert np.all(values(conv.bias) == 0) and np.all(values(vgg.features[1].weight) == 1)


def test_vgg_forward_backward_on_cifar_sized_images(vgg):
    vgg.train()
    out = vgg(autograd.randn(2, 3, 32, 32))  # 1×1 map after five pools, average-pooled up to 7×7
    assert out.shape == (2, 10)
    nn.functional.cross_entropy(out, autograd.tensor([1, 2])).backward()
    missing = [name for name, p in vgg.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    vgg.zero_grad()


def test_vgg_init_weights_false_keeps_the_defaults():
    trunk = make_layers([8, "M", 512])
    untouched = VGG(trunk, num_classes=10, init_weights=False)
    assert np.any(values(untouched.features[0].bias) != 0)  # Conv2d's default draws a bias
    bound = 1 / math.sqrt(4096)  # Linear's default for classifier[6]
    # U(-1/64, 1/64), not N(0, 0.01²) (whose 40,960 draws would reach beyond 0.04)
    assert 0.99 * bound < np.abs(values(untouched.classifier[6].weight)).max() <= bound


def test_alexnet():
    model = alexnet()
    assert count(model) == 61_100_840  # torchvision's AlexNet_Weights num_params
    assert [type(m).__name__ for m in model.classifier] == [
        "Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear",
    ]  # fmt: skip
    first = model.features[0]
    assert first.stride == (4, 4) and first.padding == (2, 2) and first.weight.shape == (64, 3, 11, 11)
    # torchvision keeps each layer's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    bound = 1 / math.sqrt(3 * 11 * 11)
    assert np.abs(values(first.weight)).max() <= bound and np.any(values(first.bias) != 0)
    small = AlexNet(num_classes=5, dropout=0.2)
    assert small.classifier[0].p == 0.2
    out = small(autograd.randn(2, 3, 63, 63))  # torchvision's min_size
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    assert out.shape == (2, 5) and all(np.any(p.grad.numpy()) for p in small.parameters())


@pytest.mark.parametrize(
    ("build", "expected", "smallest"), [(squeezenet1_0, 1_248_424, 21), (squeezenet1_1, 1_235_496, 17)]
)
def test_squeezenet_counts_and_smallest_input(build, expected, smallest):
    assert count(build()) == expected  # torchvision's SqueezeNet1_*_Weights num_params
    model = build(num_classes=10)
    assert model(autograd.randn(1, 3, smallest, smallest)).shape == (1, 10)
    with pytest.raises((ValueError, RuntimeError)):
        model(autograd.randn(1, 3, smallest - 1, smallest - 1))


def test_ceil_mode_keeps_a_window_that_hangs_over_the_end():
    # PyTorch: max_pool2d of a 2-wide input with kernel 3, stride 2, ceil_mode gives one window, [0, 3)
    # clipped to the input (SqueezeNet 1.0's last pool at 21×21); without ceil_mode it is an error
    x = autograd.tensor([[[[1.0, 5.0], [4.0, 2.0]]]], requires_grad=True)
    out = F.max_pool2d(x, 3, 2, ceil_mode=True)
    assert out.shape == (1, 1, 1, 1) and out.item() == 5.0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])
    with pytest.raises(ValueError, match="input of size 2 is smaller than the .* kernel 3"):
        F.max_pool2d(x, 3, 2)


def test_squeezenet_structure_init_and_gradients():
    model = squeezenet1_1(num_classes=10, dropout=0.1)
    assert model.classifier[0].p == 0.1 and model.num_classes == 10
    assert isinstance(model.features[2], MaxPool2d) and model.features[2].ceil_mode
    final = model.classifier[1]
    assert abs(values(final.weight).std() / 0.01 - 1) < 0.05 and np.all(values(final.bias) == 0)
    fire = model.features[3]
    assert isinstance(fire, Fire) and fire.inplanes == 64
    # kaiming_uniform_ with PyTorch's defaults (a=0, fan_in, leaky_relu): bound sqrt(6 / fan_in)
    expand = values(fire.expand3x3.weight)
    assert np.abs(expand).max() <= math.sqrt(6 / (16 * 9)) and np.all(values(fire.expand3x3.bias) == 0)
    assert abs(expand.std() / math.sqrt(2 / (16 * 9)) - 1) < 0.05
    out = model(autograd.randn(2, 3, 32, 32))
    nn.functional.cross_entropy(out, autograd.tensor([3, 9])).backward()
    assert out.shape == (2, 10)
    assert all(p.grad is not None and np.any(p.grad.numpy()) for p in model.parameters())


def layer_shapes(sequential, size):
    """(channels, side) after each layer of ``sequential`` for one ``size``×``size`` RGB image."""
    x, shapes = autograd.randn(1, 3, size, size), []
    for layer in sequential:
        x = layer(x)
        shapes.append((x.shape[1], x.shape[2]))
    return shapes


# Sides by hand: a convolution gives (n + 2p - k) // s + 1, a ceil-mode pool ceil((n - k) / s) + 1. The
# inputs 37 and 33 leave an odd n - 3 at every pool, so a floor-mode pool would give one less each time.
SQUEEZENET_LAYERS = {
    # 1.0 at 37: conv 7/2 -> 16; pools -> 8, 4, 2
    ("1_0", 37): [(96, 16), (96, 16), (96, 8), (128, 8), (128, 8), (256, 8), (256, 4), (256, 4), (384, 4),
                  (384, 4), (512, 4), (512, 2), (512, 2)],
    # 1.1 at 33: conv 3/2 -> 16; pools -> 8, 4, 2
    ("1_1", 33): [(64, 16), (64, 16), (64, 8), (128, 8), (128, 8), (128, 4), (256, 4), (256, 4), (256, 2),
                  (384, 2), (384, 2), (512, 2), (512, 2)],
}  # fmt: skip


@pytest.mark.parametrize(("version", "size"), list(SQUEEZENET_LAYERS))
def test_squeezenet_layer_by_layer_shapes(version, size):
    model = SqueezeNet(version, num_classes=7)
    assert layer_shapes(model.features, size) == SQUEEZENET_LAYERS[version, size]
    assert all(isinstance(m, MaxPool2d) == (m.ceil_mode if hasattr(m, "ceil_mode") else False)
               for m in model.features)  # fmt: skip


def test_squeezenet_defaults_inplace_relus_and_final_init():
    default = SqueezeNet()
    assert default.features[0].weight.shape == (96, 3, 7, 7)  # version 1.0
    assert default.num_classes == 1000 and default.classifier[1].out_channels == 1000
    assert default.classifier[0].p == 0.5
    later = squeezenet1_1(num_classes=20)
    for model in (default, later):
        relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
        assert len(relus) == 1 + 3 * 8 + 1 and all(m.inplace for m in relus)  # stem, 3 per Fire, classifier
    final = values(later.classifier[1].weight)  # N(0, 0.01²): 10,240 draws
    assert abs(final.mean()) < 5e-4 and abs(final.std() / 0.01 - 1) < 0.05


# AlexNet at 99 (torchvision's layer table): conv 11/4 pad 2 -> (99 + 4 - 11) // 4 + 1 = 24; pool 3/2 -> 11;
# conv 5 pad 2 -> 11; pool -> 5; three 3×3 pad 1 -> 5; pool -> 2.
ALEXNET_LAYERS = [(64, 24), (64, 24), (64, 11), (192, 11), (192, 11), (192, 5), (384, 5), (384, 5), (256, 5),
                  (256, 5), (256, 5), (256, 5), (256, 2)]  # fmt: skip


def test_alexnet_layer_by_layer_shapes_defaults_and_inplace_relus():
    model = AlexNet(num_classes=3, dropout=0.25)
    assert layer_shapes(model.features, 99) == ALEXNET_LAYERS
    assert [m.p for m in model.classifier if isinstance(m, nn.Dropout)] == [0.25, 0.25]
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert len(relus) == 7 and all(m.inplace for m in relus)
    default = AlexNet()
    assert default.classifier[-1].out_features == 1000
    assert [m.p for m in default.classifier if isinstance(m, nn.Dropout)] == [0.5, 0.5]


def test_fire_concatenates_the_two_expansions(leaf, check_grad):
    fire = Fire(3, 2, 4, 5)
    x = autograd.randn(2, 3, 6, 6)
    out = fire(x)
    assert out.shape == (2, 9, 6, 6)
    squeezed = fire.squeeze_activation(fire.squeeze(x))
    np.testing.assert_allclose(values(out[:, :4]), np.maximum(values(fire.expand1x1(squeezed)), 0), rtol=1e-6)
    check_grad(Fire(3, 2, 2, 3).double(), leaf(1, 3, 4, 4))


def test_weights_and_bad_arguments():
    with pytest.raises(ValueError, match="vgg11_bn: pretrained weights"):
        vgg11_bn(weights="DEFAULT")
    with pytest.raises(ValueError, match="alexnet: pretrained weights"):
        alexnet(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="squeezenet1_0: pretrained weights"):
        squeezenet1_0(weights="DEFAULT")
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 1_2: 1_0 or 1_1 expected"):
        SqueezeNet("1_2")
    with pytest.raises(TypeError):
        vgg11(num_classes=10, batch_norm=True)  # not a VGG argument: the _bn builders choose it
    with pytest.raises(ValueError, match="vgg11: pretrained weights"):
        vgg11(weights="DEFAULT")
    assert isinstance(make_layers([4])[0], Conv2d) and not isinstance(make_layers([4])[1], BatchNorm2d)


# torchvision's VGG parameter counts minus its 1000-class classifier's 123,642,856: the trunks alone
TRUNKS = {"A": 9_220_480, "B": 9_404_992, "D": 14_714_688, "E": 20_024_384}
BUILDERS = {  # torchvision 0.28's builders: configuration and batch norm
    "vgg11": ("A", False), "vgg11_bn": ("A", True), "vgg13": ("B", False), "vgg13_bn": ("B", True),
    "vgg16": ("D", False), "vgg16_bn": ("D", True), "vgg19": ("E", False), "vgg19_bn": ("E", True),
}  # fmt: skip


def test_every_vgg_builder_picks_its_configuration(monkeypatch):
    import tt_vision.models as models
    from tt_vision.models import vgg as vgg_module

    monkeypatch.setattr(
        vgg_module, "_vgg", lambda name, cfg, batch_norm, *rest, **kwargs: (name, cfg, batch_norm)
    )
    assert {name: getattr(models, name)()[1:] for name in BUILDERS} == BUILDERS
    for cfg, trunk in TRUNKS.items():  # (building the trunks alone: their 4,096-wide classifiers are slow)
        assert count(make_layers(cfgs[cfg])) == trunk
        channels = sum(v for v in cfgs[cfg] if v != "M")  # a batch norm adds a weight and a bias per channel
        assert count(make_layers(cfgs[cfg], batch_norm=True)) == trunk + 2 * channels


def test_vgg_layers_as_torchvisions_reprs(vgg):
    assert repr(vgg.classifier[1]) == repr(vgg.classifier[4]) == "ReLU(inplace=True)"
    assert repr(vgg.features[2]) == "ReLU(inplace=True)"
    assert abs(values(vgg.classifier[3].weight).mean()) < 1e-3  # N(0, 0.01²): centred at 0
