"""tt_vision.models.segmentation (torchvision's FCN, DeepLabV3, LR-ASPP) and IntermediateLayerGetter.

Facts from torchvision 0.28/0.29: parameter counts are its weights' published ``meta["num_params"]``
(21 classes, auxiliary head on); the state-dict lengths, first and last keys and the stage indices
of a scratch run of its builders printing them. ``tools/parity/models.py`` compares logits and a
float64 training step's gradients with torchvision's own models. Not course material.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d, models
from tt_vision.models import mobilenet_v3_large, resnet18, segmentation
from tt_vision.models._utils import IntermediateLayerGetter
from tt_vision.models.segmentation import (
    FCN,
    LRASPP,
    DeepLabV3,
    deeplabv3_mobilenet_v3_large,
    deeplabv3_resnet50,
    deeplabv3_resnet101,
    fcn_resnet50,
    fcn_resnet101,
    lraspp_mobilenet_v3_large,
)
from tt_vision.models.segmentation.deeplabv3 import ASPP, ASPPConv, ASPPPooling, DeepLabHead, mobilenet_stages
from tt_vision.models.segmentation.fcn import FCNHead
from tt_vision.models.segmentation.lraspp import LRASPPHead

import tinytorch

BUILDERS = [
    "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet101", "deeplabv3_resnet50", "fcn_resnet101",
    "fcn_resnet50", "lraspp_mobilenet_v3_large",
]  # fmt: skip


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def fcn_head_count(in_channels: int, classes: int) -> int:
    """3×3 conv without bias, a batch norm's two vectors, 1×1 conv with bias."""
    inter = in_channels // 4
    return in_channels * inter * 9 + 2 * inter + inter * classes + classes


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (fcn_resnet50, 35_322_218),
        (fcn_resnet101, 54_314_346),
        (deeplabv3_resnet50, 42_004_074),
        (deeplabv3_resnet101, 60_996_202),
        (deeplabv3_mobilenet_v3_large, 11_029_328),
    ],
)
def test_parameter_counts_are_torchvisions(builder, expected):
    model = builder(aux_loss=True)
    assert count(model) == expected
    # the auxiliary FCNHead (on ResNet's layer3, 1024 channels; MobileNet's features[4], 40)
    aux_channels = 40 if builder is deeplabv3_mobilenet_v3_large else 1024
    assert count(model.aux_classifier) == fcn_head_count(aux_channels, 21)


def test_lraspp_count_and_aux_loss():
    assert count(lraspp_mobilenet_v3_large()) == 3_221_538
    assert count(lraspp_mobilenet_v3_large(num_classes=2, aux_loss=False)) == 3_221_538 - 19 * (
        40 + 1 + 128 + 1
    )
    with pytest.raises(NotImplementedError, match="does not use auxiliary loss"):
        lraspp_mobilenet_v3_large(aux_loss=True)


@pytest.fixture(scope="module")
def fcn50():
    """``fcn_resnet50(num_classes=7, aux_loss=True)``, built once for the tests that only read it."""
    return fcn_resnet50(num_classes=7, aux_loss=True)


def test_state_dict_keys_and_shapes_are_torchvisions(fcn50):
    state = fcn50.state_dict()
    keys = list(state)
    # torchvision: 334 entries with the auxiliary head, 326 without; no fc (IntermediateLayerGetter stops
    # at layer4)
    assert len(keys) == 334
    assert keys[:2] == ["backbone.conv1.weight", "backbone.bn1.weight"]
    assert keys[-3:] == [
        "aux_classifier.1.num_batches_tracked",
        "aux_classifier.4.weight",
        "aux_classifier.4.bias",
    ]
    assert not any(".fc." in k or k.startswith("backbone.fc") for k in keys)
    assert state["classifier.0.weight"].shape == (512, 2048, 3, 3)
    assert state["classifier.4.weight"].shape == (7, 512, 1, 1)
    assert state["aux_classifier.0.weight"].shape == (256, 1024, 3, 3)

    mobile = deeplabv3_mobilenet_v3_large(num_classes=7, aux_loss=True).state_dict()
    assert len(mobile) == 360 and mobile["aux_classifier.0.weight"].shape == (10, 40, 3, 3)
    assert mobile["classifier.0.convs.0.0.weight"].shape == (256, 960, 1, 1)
    assert "backbone.16.0.weight" in mobile and not any(k.startswith("backbone.17") for k in mobile)

    lraspp = lraspp_mobilenet_v3_large(num_classes=7).state_dict()
    assert len(lraspp) == 319
    assert list(lraspp)[-8:] == [
        "classifier.cbr.1.running_mean", "classifier.cbr.1.running_var",
        "classifier.cbr.1.num_batches_tracked", "classifier.scale.1.weight",
        "classifier.low_classifier.weight", "classifier.low_classifier.bias",
        "classifier.high_classifier.weight", "classifier.high_classifier.bias",
    ]  # fmt: skip
    assert lraspp["classifier.low_classifier.weight"].shape == (7, 40, 1, 1)
    assert lraspp["classifier.scale.1.weight"].shape == (128, 960, 1, 1)


def test_state_dict_round_trip():
    source = deeplabv3_mobilenet_v3_large(num_classes=3, aux_loss=True).eval()
    target = deeplabv3_mobilenet_v3_large(num_classes=3, aux_loss=True).eval()
    result = target.load_state_dict(source.state_dict(), strict=True)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = autograd.randn(2, 3, 31, 33)
    with autograd.no_grad():
        a, b = source(x), target(x)
    np.testing.assert_array_equal(a["out"].numpy(), b["out"].numpy())
    np.testing.assert_array_equal(a["aux"].numpy(), b["aux"].numpy())


@pytest.mark.parametrize("size", [(33, 47), (64, 64), (17, 9)])
def test_outputs_are_at_the_input_size(size):
    x = autograd.randn(2, 3, *size)
    for model in (
        deeplabv3_mobilenet_v3_large(num_classes=4, aux_loss=True),
        lraspp_mobilenet_v3_large(num_classes=4),
    ):
        model.eval()
        with autograd.no_grad():
            out = model(x)
        expected = ["out", "aux"] if isinstance(model, DeepLabV3) else ["out"]
        assert list(out) == expected and type(out).__name__ == "OrderedDict"
        assert all(v.shape == (2, 4, *size) and v.dtype == autograd.float32 for v in out.values())


def test_aux_on_and_off_and_the_resnet_builders_run():
    x = autograd.randn(1, 3, 25, 31)
    with autograd.no_grad():
        plain = fcn_resnet50(num_classes=3).eval()
        assert plain.aux_classifier is None and list(plain(x)) == ["out"]
        assert len(plain.state_dict()) == 326  # torchvision's, without the auxiliary head
        both = deeplabv3_resnet50(num_classes=3, aux_loss=True).eval()
        deeplab = list(both.state_dict())
        assert len(deeplab) == 370  # torchvision's (362 without the auxiliary head)
        head = [k for k in deeplab if k.startswith("classifier.")]
        assert head[:2] == ["classifier.0.convs.0.0.weight", "classifier.0.convs.0.1.weight"]
        assert "classifier.0.convs.4.1.weight" in head  # the pooling branch: AdaptiveAvgPool2d is index 0
        assert head[-2:] == ["classifier.4.weight", "classifier.4.bias"]
        out = both(x)
        assert list(out) == ["out", "aux"] and out["aux"].shape == (1, 3, 25, 31)
    assert isinstance(both.aux_classifier, FCNHead) and isinstance(both.classifier, DeepLabHead)
    assert isinstance(plain, FCN) and isinstance(plain.classifier, FCNHead)
    assert sorted(plain.backbone) == [
        "bn1",
        "conv1",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "maxpool",
        "relu",
    ]


def test_output_is_the_heads_map_resized_bilinearly():
    model = deeplabv3_mobilenet_v3_large(num_classes=3, aux_loss=True)
    model.classifier[0].project[3].p = model.aux_classifier[3].p = 0.0  # training mode without random masks:
    x = autograd.randn(2, 3, 45, 38)  # batch statistics make the heads' maps vary over the image
    with autograd.no_grad():
        out = model(x)
        features = model.backbone(x)
        assert list(features) == ["aux", "out"]  # the backbone's order: features[4] before features[16]
        for key, head in (("out", model.classifier), ("aux", model.aux_classifier)):
            small = head(features[key])
            expected = nn.functional.interpolate(small, size=(45, 38), mode="bilinear", align_corners=False)
            np.testing.assert_allclose(out[key].numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
            resized_with_corners = nn.functional.interpolate(
                small, size=(45, 38), mode="bilinear", align_corners=True
            )
            assert np.abs(out[key].numpy() - resized_with_corners.numpy()).max() > 1e-2 * np.ptp(
                small.numpy()
            )


def test_lraspp_output_is_its_head_resized_bilinearly():
    model = lraspp_mobilenet_v3_large(num_classes=3)  # training mode, batch 2: maps vary over the image
    x = autograd.randn(2, 3, 45, 38)
    with autograd.no_grad():
        out = model(x)["out"].numpy()
        small = model.classifier(model.backbone(x))
        assert small.shape == (2, 3, 6, 5)  # the low map's stride 8
        expected = nn.functional.interpolate(small, size=(45, 38), mode="bilinear", align_corners=False)
        corners = nn.functional.interpolate(small, size=(45, 38), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6, atol=1e-6)
    assert np.abs(out - corners.numpy()).max() > 1e-2 * np.ptp(small.numpy())


def test_resnet_backbones_are_dilated_to_output_stride_8(fcn50):
    model = fcn50
    # torchvision: replace_stride_with_dilation=[False, True, True]
    layer3, layer4 = model.backbone["layer3"], model.backbone["layer4"]
    assert layer3[0].conv2.stride == (1, 1) and layer3[0].conv2.dilation == (1, 1)
    assert layer3[1].conv2.dilation == (2, 2) and layer4[0].conv2.dilation == (2, 2)
    assert layer4[1].conv2.dilation == (4, 4) and layer4[1].conv2.padding == (4, 4)
    assert model.backbone["layer2"][0].conv2.stride == (2, 2)
    with autograd.no_grad():
        features = model.backbone.eval()(autograd.randn(1, 3, 64, 64))
    assert features["out"].shape == (1, 2048, 8, 8) and features["aux"].shape == (1, 1024, 8, 8)


def test_mobilenet_backbones_are_dilated_to_output_stride_16():
    model = deeplabv3_mobilenet_v3_large(aux_loss=True)
    assert mobilenet_stages(mobilenet_v3_large().features) == [0, 2, 4, 7, 13, 16]
    depthwise = model.backbone["13"].block[1][0]
    assert depthwise.stride == (1, 1) and depthwise.dilation == (2, 2)
    assert model.backbone["14"].block[1][0].dilation == (2, 2)
    with autograd.no_grad():
        features = model.backbone.eval()(autograd.randn(1, 3, 64, 64))
    assert features["out"].shape == (1, 960, 4, 4) and features["aux"].shape == (1, 40, 8, 8)
    lraspp = lraspp_mobilenet_v3_large()
    assert list(lraspp.backbone) == [str(i) for i in range(17)]
    assert lraspp.backbone["13"].block[1][0].dilation == (2, 2)  # dilated=True, as DeepLabV3's
    assert lraspp.backbone.return_layers == {"4": "low", "16": "high"}


def test_aspp_structure():
    aspp = ASPP(16, (2, 3), out_channels=8)
    kinds = [type(m).__name__ for m in aspp.convs]
    assert kinds == ["Sequential", "ASPPConv", "ASPPConv", "ASPPPooling"]
    assert [aspp.convs[i][0].dilation for i in (1, 2)] == [(2, 2), (3, 3)]
    assert [aspp.convs[i][0].padding for i in (1, 2)] == [(2, 2), (3, 3)]
    assert aspp.project[0].weight.shape == (8, 32, 1, 1) and aspp.project[3].p == 0.5
    assert all(m.bias is None for m in aspp.modules() if isinstance(m, Conv2d))
    head = DeepLabHead(16, 5)
    assert [head[0].convs[i][0].dilation for i in (1, 2, 3)] == [(12, 12), (24, 24), (36, 36)]
    assert head[1].weight.shape == (256, 256, 3, 3) and head[1].bias is None and head[4].bias.shape == (5,)
    fcn = FCNHead(64, 3)
    assert [type(m).__name__ for m in fcn] == ["Conv2d", "BatchNorm2d", "ReLU", "Dropout", "Conv2d"]
    assert fcn[0].weight.shape == (16, 64, 3, 3) and fcn[0].bias is None and fcn[3].p == 0.1
    x = autograd.randn(2, 16, 7, 6)
    assert aspp(x).shape == (2, 8, 7, 6) and ASPPConv(16, 4, 5)(x).shape == (2, 4, 7, 6)


def test_aspp_pooling_spreads_the_image_average():
    pooling = ASPPPooling(3, 2).eval()
    x = autograd.randn(2, 3, 5, 7)
    with autograd.no_grad():
        out = pooling(x).numpy()
    mean = x.numpy().mean(axis=(2, 3))  # (2, 3)
    weight = pooling[1].weight.detach().numpy()[:, :, 0, 0]  # (2, 3)
    bn = pooling[2]
    scale = bn.weight.detach().numpy() / np.sqrt(bn.running_var.numpy() + bn.eps)
    expected = np.maximum((mean @ weight.T - bn.running_mean.numpy()) * scale + bn.bias.detach().numpy(), 0)
    assert out.shape == (2, 2, 5, 7)
    np.testing.assert_allclose(
        out, np.broadcast_to(expected[:, :, None, None], out.shape), rtol=1e-5, atol=1e-6
    )


def test_training_mode_needs_more_than_one_value_per_channel():
    model = deeplabv3_mobilenet_v3_large(num_classes=3)
    x = autograd.randn(1, 3, 32, 32)
    # torch: "Expected more than 1 value per channel when training" from ASPPPooling's batch norm
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        model.train()(x)
    with autograd.no_grad():
        assert model.eval()(x)["out"].shape == (1, 3, 32, 32)
    assert model.train()(autograd.randn(2, 3, 32, 32))["out"].shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        ASPPPooling(4, 2).train()(autograd.randn(1, 4, 3, 3))


def test_dropout_acts_in_training_only():
    model = lraspp_mobilenet_v3_large(num_classes=2)  # no dropout anywhere: training mode is deterministic
    fcn = deeplabv3_mobilenet_v3_large(num_classes=2, aux_loss=True)
    x = autograd.randn(2, 3, 32, 32)
    with autograd.no_grad():
        a, b = model.train()(x)["out"].numpy(), model(x)["out"].numpy()
        np.testing.assert_array_equal(a, b)
        c, d = fcn.train()(x)["out"].numpy(), fcn(x)["out"].numpy()
        assert not np.allclose(c, d)  # ASPP's Dropout(0.5) draws two masks
        e, f = fcn.eval()(x)["out"].numpy(), fcn(x)["out"].numpy()
        np.testing.assert_array_equal(e, f)


def test_every_parameter_receives_a_gradient():
    model = deeplabv3_mobilenet_v3_large(num_classes=3, aux_loss=True)
    out = model(autograd.randn(2, 3, 32, 32))
    labels = autograd.from_numpy(np.random.default_rng(0).integers(0, 3, (2, 32, 32)))
    loss = nn.functional.cross_entropy(out["out"], labels) + 0.5 * nn.functional.cross_entropy(
        out["aux"], labels
    )
    loss.backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    lraspp = lraspp_mobilenet_v3_large(num_classes=3)
    nn.functional.cross_entropy(lraspp(autograd.randn(2, 3, 32, 32))["out"], labels).backward()
    assert [n for n, p in lraspp.named_parameters() if p.grad is None or not np.any(p.grad.numpy())] == []


def test_heads_gradients_match_finite_differences(leaf, check_grad):
    aspp = ASPP(3, (1, 2), out_channels=2).double()
    aspp.project[3].p = 0.0  # train-mode batch norms, no random mask
    check_grad(aspp, leaf(2, 3, 4, 5))
    fcn = FCNHead(8, 2).double()
    fcn[3].p = 0.0
    check_grad(fcn, leaf(2, 8, 3, 3))
    head = LRASPPHead(3, 4, 2, 3).double()
    check_grad(lambda low, high: head({"low": low, "high": high}), leaf(2, 3, 5, 6), leaf(2, 4, 3, 3))


def test_lraspp_head_gates_and_adds():
    head = LRASPPHead(3, 4, 2, 5).eval()
    with autograd.no_grad():
        head.scale[1].weight.fill_(0.0)  # sigmoid(0) = 1/2 for every gate
        low, high = autograd.randn(1, 3, 6, 8), autograd.randn(1, 4, 3, 4)
        out = head({"low": low, "high": high}).numpy()
        gated = head.cbr(high) * 0.5
        up = nn.functional.interpolate(gated, size=(6, 8), mode="bilinear", align_corners=False)
        expected = head.low_classifier(low).numpy() + head.high_classifier(up).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert type(head.cbr[2]).__name__ == "ReLU" and head.cbr[2].inplace
    assert type(head.scale[2]).__name__ == "Sigmoid" and head.cbr[0].bias is None


def test_initialisation_follows_torchvision(fcn50):
    model = fcn50
    # the backbone keeps ResNet's kaiming_normal_(fan_out); the heads keep Conv2d's default,
    # kaiming_uniform_(a=sqrt(5)): |w| <= 1 / sqrt(fan_in), bias likewise
    stem = model.backbone["conv1"].weight.detach().numpy()
    assert abs(stem.std() / math.sqrt(2 / (64 * 49)) - 1) < 0.05
    head = model.classifier[0].weight.detach().numpy()  # (512, 2048, 3, 3)
    bound = 1 / math.sqrt(2048 * 9)
    assert np.abs(head).max() <= bound and abs(head.std() / (bound / math.sqrt(3)) - 1) < 0.01
    last = model.classifier[4]
    assert np.abs(last.bias.detach().numpy()).max() <= 1 / math.sqrt(512) and np.any(
        last.bias.detach().numpy()
    )
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)
    mobile = deeplabv3_mobilenet_v3_large()
    assert mobile.backbone["1"].block[0][1].eps == 0.001  # MobileNetV3's norms; the heads' keep 1e-5
    assert mobile.classifier[2].eps == 1e-5 and mobile.classifier[2].momentum == 0.1


def test_intermediate_layer_getter():
    net = resnet18()
    body = IntermediateLayerGetter(net, {"layer1": "feat1", "layer3": "feat2"})
    assert list(body) == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3"]
    assert body["layer2"] is net.layer2  # the modules themselves
    assert body.return_layers == {"layer1": "feat1", "layer3": "feat2"}
    with autograd.no_grad():
        out = body.eval()(autograd.randn(1, 3, 64, 64))
    assert [(k, tuple(v.shape)) for k, v in out.items()] == [
        ("feat1", (1, 64, 16, 16)),
        ("feat2", (1, 256, 4, 4)),
    ]
    assert not any(k.startswith("fc.") for k in body.state_dict())
    features = IntermediateLayerGetter(mobilenet_v3_large().features, {"2": "c1"})  # a Sequential's children
    assert list(features) == ["0", "1", "2"]
    assert [(k, tuple(v.shape)) for k, v in features(autograd.randn(1, 3, 16, 16)).items()] == [
        ("c1", (1, 24, 4, 4))
    ]
    with pytest.raises(ValueError, match="not present"):
        IntermediateLayerGetter(
            mobilenet_v3_large().features, {2: "c1"}
        )  # torchvision's rule: names are strings
    with pytest.raises(ValueError, match=r"return_layers are not present in model: \['layer3.1'\]"):
        IntermediateLayerGetter(net, {"layer1": "a", "layer3.1": "b"})


def test_weights_and_keywords_are_refused():
    with pytest.raises(ValueError, match="fcn_resnet50: pretrained weights"):
        fcn_resnet50(weights="COCO_WITH_VOC_LABELS_V1")
    with pytest.raises(ValueError, match=r"resnet101: pretrained weights \(IMAGENET1K_V1\)"):
        deeplabv3_resnet101(weights_backbone="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="mobilenet_v3_large: pretrained weights"):
        lraspp_mobilenet_v3_large(weights_backbone="DEFAULT")
    with pytest.warns(UserWarning, match="'pretrained_backbone' is deprecated"), pytest.raises(ValueError):
        deeplabv3_mobilenet_v3_large(pretrained_backbone=True)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"), pytest.raises(ValueError):
        fcn_resnet101(pretrained=True)
    with pytest.warns(UserWarning, match="'pretrained_backbone' is deprecated") as record:
        assert count(lraspp_mobilenet_v3_large(pretrained_backbone=False)) == 3_221_538
    assert record[0].filename == __file__  # the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, progress=False)
    with pytest.raises(
        TypeError, match=r"deeplabv3_mobilenet_v3_large\(\) got unexpected keyword arguments \['num_clases'\]"
    ):
        deeplabv3_mobilenet_v3_large(num_clases=3)
    with pytest.raises(TypeError):
        fcn_resnet50(None)  # keyword-only, as torchvision's


def test_registry_and_module_paths():
    assert models.list_models(module=segmentation) == BUILDERS
    assert set(BUILDERS) <= set(models.list_models()) and not set(BUILDERS) & set(
        models.list_models(module=models)
    )
    model = models.get_model("lraspp_mobilenet_v3_large", num_classes=4)
    assert isinstance(model, LRASPP) and model.classifier.low_classifier.out_channels == 4
    assert models.get_model_builder("fcn_resnet101") is fcn_resnet101
    assert tinytorch.vision.models.segmentation.DeepLabV3 is DeepLabV3
    assert tinytorch.vision.models.segmentation.deeplabv3.ASPP is ASPP
    assert sorted(segmentation.__all__) == sorted(["DeepLabV3", "FCN", "LRASPP", *BUILDERS])
