"""Detection backbones (tt_vision.models.detection.backbone_utils), as torchvision's.

Output names, channels and strides of the ResNet and MobileNet pyramids; which parameters each
``trainable_layers`` freezes; the stage split of a MobileNet; the range checks; the parameter
counts and a few state-dict keys torchvision's backbones have.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd
from tt_vision.layers import BatchNorm2d
from tt_vision.models import mobilenet_v3_large, resnet18
from tt_vision.models.detection.backbone_utils import (
    BackboneWithFPN,
    mobilenet_backbone,
    mobilenet_extractor,
    resnet_fpn_backbone,
    resnet_fpn_extractor,
    validate_trainable_layers,
)
from tt_vision.ops.feature_pyramid_network import LastLevelP6P7


def frozen_prefixes(model, depth=1):
    """The set of ``depth``-part name prefixes with a frozen parameter, and those with a trainable one."""
    frozen, trainable = set(), set()
    for name, p in model.named_parameters():
        key = ".".join(name.split(".")[:depth])
        (trainable if p.requires_grad else frozen).add(key)
    return frozen, trainable


def count(model, trainable_only=False):
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def test_resnet_fpn_outputs_names_channels_strides():
    body = resnet_fpn_backbone(backbone_name="resnet18", weights=None)
    out = body(autograd.rand(2, 3, 64, 96))
    assert list(out) == ["0", "1", "2", "3", "pool"]
    shapes = [tuple(v.shape) for v in out.values()]
    # strides 4, 8, 16, 32, then the pool level halves the last (ceil)
    assert shapes == [(2, 256, 16, 24), (2, 256, 8, 12), (2, 256, 4, 6), (2, 256, 2, 3), (2, 256, 1, 2)]
    assert body.out_channels == 256
    assert [b[0].in_channels for b in body.fpn.inner_blocks] == [64, 128, 256, 512]
    # 13,774,016 parameters: torchvision 0.29's resnet_fpn_backbone("resnet18") printed in /tmp/tvcmp
    assert count(body) == 13_774_016
    # the classifier is cut off: no fc/avgpool in the state dict
    assert not any(k.startswith(("body.fc", "body.avgpool")) for k in body.state_dict())


def test_resnet_fpn_default_freezes_conv1_and_layer1():
    body = resnet_fpn_backbone(backbone_name="resnet18", weights=None)
    frozen, trainable = frozen_prefixes(body.body)
    assert frozen == {"conv1", "layer1"}
    assert trainable == {"layer2", "layer3", "layer4"}
    assert all(p.requires_grad for p in body.fpn.parameters())
    # FrozenBatchNorm2d by default: statistics and affine are buffers
    assert type(body.body.bn1).__name__ == "FrozenBatchNorm2d"
    assert "body.bn1.running_mean" in body.state_dict()


@pytest.mark.parametrize(
    "layers, trained",
    [
        (0, set()),
        (1, {"layer4"}),
        (2, {"layer3", "layer4"}),
        (4, {"layer1", "layer2", "layer3", "layer4"}),
        (5, {"conv1", "bn1", "layer1", "layer2", "layer3", "layer4"}),
    ],
)
def test_resnet_extractor_trainable_layers(layers, trained):
    net = resnet18(norm_layer=BatchNorm2d)  # bn1 has parameters: 5 trains it, 4 does not
    body = resnet_fpn_extractor(net, layers)
    frozen, trainable = frozen_prefixes(body.body)
    assert trainable == trained
    assert frozen == {"conv1", "bn1", "layer1", "layer2", "layer3", "layer4"} - trained


def test_resnet_extractor_returned_layers_and_extra_blocks():
    body = resnet_fpn_extractor(resnet18(), 3, returned_layers=[2, 4], extra_blocks=LastLevelP6P7(256, 256))
    out = body(autograd.rand(1, 3, 64, 64))
    assert [(k, tuple(v.shape)) for k, v in out.items()] == [
        ("0", (1, 256, 8, 8)),
        ("1", (1, 256, 2, 2)),
        ("p6", (1, 256, 1, 1)),
        ("p7", (1, 256, 1, 1)),
    ]
    assert [b[0].in_channels for b in body.fpn.inner_blocks] == [128, 512]
    assert body.body.return_layers == {"layer2": "0", "layer4": "1"}


def test_resnet50_fpn_channels():
    net = resnet_fpn_backbone(backbone_name="resnet50", weights=None, returned_layers=[1, 4])
    assert [b[0].in_channels for b in net.fpn.inner_blocks] == [256, 2048]


@pytest.mark.parametrize("layers", [-1, 6])
def test_resnet_extractor_refuses_trainable_layers(layers):
    with pytest.raises(ValueError, match=r"resnet_fpn_extractor.*\[0,5\]"):
        resnet_fpn_extractor(resnet18(), layers)


@pytest.mark.parametrize("returned", [[0, 1], [4, 5]])
def test_resnet_extractor_refuses_returned_layers(returned):
    with pytest.raises(ValueError, match=r"\[1,4\]"):
        resnet_fpn_extractor(resnet18(), 3, returned_layers=returned)


def test_builders_refuse_names_and_weights():
    with pytest.raises(ValueError, match="unknown backbone_name 'resnet7'"):
        resnet_fpn_backbone(backbone_name="resnet7", weights=None)
    with pytest.raises(ValueError, match="unknown backbone_name 'mobilenet_v9'"):
        mobilenet_backbone(backbone_name="mobilenet_v9", weights=None, fpn=True)
    with pytest.raises(ValueError, match="pretrained weights"):
        resnet_fpn_backbone(backbone_name="resnet18", weights="DEFAULT")
    with pytest.raises(ValueError, match="pretrained weights"):
        mobilenet_backbone(backbone_name="mobilenet_v2", weights="DEFAULT", fpn=True)


# mobilenet_v3_large's features: 17 blocks; strided blocks (_is_cn) at 2, 4, 7, 13; stages start at
# 0, 2, 4, 7, 13 and the last block 16: six stages.
STAGES = [0, 2, 4, 7, 13, 16]


def test_mobilenet_fpn_outputs_and_frozen_blocks():
    net = mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=None, fpn=True)
    assert [i for i, b in enumerate(net.body.values()) if getattr(b, "_is_cn", False)] == STAGES[1:-1]
    out = net(autograd.rand(1, 3, 96, 64))
    # the last two stages: block 13 (stride 32, 160 channels) and block 16 (960), both stride 32
    assert [(k, tuple(v.shape)) for k, v in out.items()] == [
        ("0", (1, 256, 3, 2)),
        ("1", (1, 256, 3, 2)),
        ("pool", (1, 256, 2, 1)),
    ]
    assert net.body.return_layers == {"13": "0", "16": "1"}
    assert [b[0].in_channels for b in net.fpn.inner_blocks] == [160, 960]
    frozen, trainable = frozen_prefixes(net.body)
    assert frozen == {str(i) for i in range(13)}  # trainable_layers=2: stages from block 13 train
    assert trainable == {"13", "14", "15", "16"}
    # torchvision 0.29's mobilenet_backbone("mobilenet_v3_large", fpn=True): 4,414,944 parameters,
    # 3,633,608 trainable, 270 state-dict entries (printed in /tmp/tvcmp)
    assert count(net) == 4_414_944
    assert count(net, trainable_only=True) == 3_633_608
    state = net.state_dict()
    assert len(state) == 270
    assert {
        "body.0.0.weight",
        "body.16.1.running_var",
        "fpn.inner_blocks.1.0.weight",
        "fpn.layer_blocks.0.0.bias",
    } <= set(state)


@pytest.mark.parametrize("layers", [0, 1, 3, 6])
def test_mobilenet_extractor_trainable_layers(layers):
    net = mobilenet_extractor(mobilenet_v3_large(), True, layers)
    frozen, _ = frozen_prefixes(net.body)
    first_trained = 17 if layers == 0 else STAGES[6 - layers]
    assert frozen == {str(i) for i in range(first_trained)}
    assert all(p.requires_grad for p in net.fpn.parameters())


def test_mobilenet_without_fpn():
    net = mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=None, fpn=False)
    assert net.out_channels == 256
    assert tuple(net(autograd.rand(1, 3, 64, 64)).shape) == (1, 256, 2, 2)
    assert net[1].in_channels == 960 and net[1].kernel_size == (1, 1)
    # torchvision 0.29: 3,193,568 parameters, 2,412,232 trainable, 264 state-dict entries
    assert count(net) == 3_193_568
    assert count(net, trainable_only=True) == 2_412_232
    assert len(net.state_dict()) == 264


def test_mobilenet_extractor_returned_layers():
    net = mobilenet_extractor(mobilenet_v3_large(), True, 6, returned_layers=[0, 3, 5])
    assert net.body.return_layers == {"0": "0", "7": "1", "16": "2"}
    assert [b[0].in_channels for b in net.fpn.inner_blocks] == [16, 80, 960]
    assert all(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("layers", [-1, 7])
def test_mobilenet_extractor_refuses_trainable_layers(layers):
    with pytest.raises(ValueError, match=r"mobilenet_extractor.*\[0,6\]"):
        mobilenet_extractor(mobilenet_v3_large(), True, layers)


@pytest.mark.parametrize("returned", [[-1, 2], [4, 6]])
def test_mobilenet_extractor_refuses_returned_layers(returned):
    with pytest.raises(ValueError, match=r"\[0,5\]"):
        mobilenet_extractor(mobilenet_v3_large(), True, 3, returned_layers=returned)


def test_backbone_with_fpn_default_pool_and_norm():
    net = BackboneWithFPN(resnet18(), {"layer1": "a", "layer2": "b"}, [64, 128], 8, norm_layer=BatchNorm2d)
    out = net(autograd.rand(1, 3, 32, 32))
    assert [(k, tuple(v.shape)) for k, v in out.items()] == [
        ("a", (1, 8, 8, 8)),
        ("b", (1, 8, 4, 4)),
        ("pool", (1, 8, 2, 2)),
    ]
    assert net.out_channels == 8
    assert isinstance(net.fpn.layer_blocks[0][1], BatchNorm2d)
    assert "layer3" not in dict(net.body.named_children())


def test_validate_trainable_layers():
    assert validate_trainable_layers(True, None, 5, 3) == 3
    assert validate_trainable_layers(True, 0, 5, 3) == 0
    assert validate_trainable_layers(True, 5, 5, 3) == 5
    assert validate_trainable_layers(False, None, 6, 3) == 6
    with pytest.warns(UserWarning, match="falling back to trainable_backbone_layers=5"):
        assert validate_trainable_layers(False, 2, 5, 3) == 5
    for bad in (-1, 6):
        with pytest.raises(ValueError, match=rf"\[0,5\], got {bad}"):
            validate_trainable_layers(True, bad, 5, 3)
