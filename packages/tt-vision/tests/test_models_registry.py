"""tt_vision.models' registry (torchvision's get_model, get_model_builder, list_models) and builder interface.

Names are torchvision 0.28's (``torchvision.models.list_models()``). Not course material.
"""

from __future__ import annotations

import pytest
import tt_vision
from tt_vision import models
from tt_vision.models import builders

import tinytorch

TORCHVISIONS = [
    "alexnet", "densenet121", "densenet161", "densenet169", "densenet201", "googlenet", "inception_v3",
    "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "mobilenet_v2", "mobilenet_v3_large",
    "mobilenet_v3_small", "resnet101", "resnet152", "resnet18", "resnet34", "resnet50", "resnext101_32x8d",
    "resnext101_64x4d", "resnext50_32x4d", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
    "shufflenet_v2_x2_0", "squeezenet1_0", "squeezenet1_1", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
    "vgg16_bn", "vgg19", "vgg19_bn", "wide_resnet101_2", "wide_resnet50_2",
]  # fmt: skip
#: EfficientNet (V1, V2) and RegNet.
TORCHVISIONS = sorted(
    TORCHVISIONS
    + [f"efficientnet_b{i}" for i in range(8)]
    + ["efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"]
    + [f"regnet_y_{size}" for size in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")]
    + [f"regnet_x_{size}" for size in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")]
)
FAMILY_C = [  # ConvNeXt, Vision Transformer, Swin Transformer
    "convnext_base", "convnext_large", "convnext_small", "convnext_tiny",
    "swin_b", "swin_s", "swin_t", "swin_v2_b", "swin_v2_s", "swin_v2_t",
    "vit_b_16", "vit_b_32", "vit_h_14", "vit_l_16", "vit_l_32",
]  # fmt: skip
TORCHVISIONS = sorted(TORCHVISIONS + FAMILY_C)
SEGMENTATION = [  # torchvision.models.segmentation: in list_models(), not in list_models(module=models)
    "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet101", "deeplabv3_resnet50", "fcn_resnet101",
    "fcn_resnet50", "lraspp_mobilenet_v3_large",
]  # fmt: skip
DETECTION = [  # torchvision.models.detection: likewise
    "fasterrcnn_mobilenet_v3_large_320_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
]  # fmt: skip
ONE_STAGE_DETECTION = ["fcos_resnet50_fpn", "retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2"]
SSD_DETECTION = ["ssd300_vgg16", "ssdlite320_mobilenet_v3_large"]
TWO_STAGE_HEADS_DETECTION = ["keypointrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"]
ALL_DETECTION = DETECTION + ONE_STAGE_DETECTION + SSD_DETECTION + TWO_STAGE_HEADS_DETECTION


def test_list_models():
    assert models.list_models() == sorted(TORCHVISIONS + SEGMENTATION + ALL_DETECTION)
    assert models.list_models(module=tt_vision.models.detection) == sorted(ALL_DETECTION)
    assert models.list_models(module=tt_vision.models) == TORCHVISIONS
    assert models.list_models(module=tt_vision) == []  # builders live in tt_vision.models
    assert models.list_models(include="resnet1*") == ["resnet101", "resnet152", "resnet18"]
    assert models.list_models(include=["vgg1?", "alex*"]) == ["alexnet", "vgg11", "vgg13", "vgg16", "vgg19"]
    assert models.list_models(include="vgg*", exclude=["*_bn", "vgg1[13]"]) == ["vgg16", "vgg19"]
    assert models.list_models(exclude="*") == []


def test_get_model_and_builder():
    model = models.get_model("ResNet18", num_classes=7)  # names are case-insensitive
    assert isinstance(model, models.ResNet) and model.fc.out_features == 7
    assert models.get_model_builder("mobilenet_v3_small") is models.mobilenet_v3_small
    with pytest.raises(ValueError, match="Unknown model resnet19; the known models are alexnet, "):
        models.get_model_builder("resnet19")


def test_register_model():
    def tiny_net(*, weights=None, progress=True, **kwargs):
        return tt_vision.Conv2d(3, 1, 1)

    try:
        assert builders.register_model("tiny_net_for_test")(tiny_net) is tiny_net
        assert "tiny_net_for_test" in models.list_models()
        assert isinstance(models.get_model("tiny_net_for_test"), tt_vision.Conv2d)
        with pytest.raises(ValueError, match="already registered under the name 'tiny_net_for_test'"):
            builders.register_model("tiny_net_for_test")(tiny_net)
        builders.register_model()(tiny_net)  # the function's own name
        assert "tiny_net" in models.list_models()
    finally:
        builders._BUILDERS.pop("tiny_net_for_test", None)
        builders._BUILDERS.pop("tiny_net", None)
    assert models.list_models() == sorted(TORCHVISIONS + SEGMENTATION + ALL_DETECTION)


def test_the_meta_package_reaches_them():
    assert tinytorch.vision.models.resnet18 is models.resnet18
    assert tinytorch.vision.ops.SqueezeExcitation is tt_vision.ops.SqueezeExcitation


def test_every_builder_refuses_weights_and_names_itself():
    for name in TORCHVISIONS:
        with pytest.raises(ValueError, match=rf"^{name}: pretrained weights \(DEFAULT\) are not available"):
            models.get_model(name, weights="DEFAULT")


def test_weights_none_and_pretrained_false():
    builders.refuse_weights("resnet18", None, {})
    kwargs = {"pretrained": False, "num_classes": 3}
    with pytest.warns(UserWarning, match="resnet18: the parameter 'pretrained' is deprecated"):
        builders.refuse_weights("resnet18", None, kwargs)
    assert kwargs == {"num_classes": 3}  # pretrained is taken out before the model sees it
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"\(pretrained=True\)"):
        builders.refuse_weights("resnet18", None, {"pretrained": True})


def test_the_pretrained_warning_points_at_the_callers_line():
    # builders that check weights themselves (mobilenet_v2) and through a helper (the others)
    for builder in (models.resnet18, models.squeezenet1_1, models.mobilenet_v3_small, models.mobilenet_v2):
        with pytest.warns(UserWarning, match="'pretrained' is deprecated") as record:
            builder(pretrained=False, num_classes=2)
        assert record[0].filename == __file__, builder.__name__


def test_overwrite_named_param():
    kwargs = {}
    builders.overwrite_named_param(kwargs, "groups", 32)
    assert kwargs == {"groups": 32}
    builders.overwrite_named_param(kwargs, "groups", 32)
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 64 but got 32 instead."):
        builders.overwrite_named_param(kwargs, "groups", 64)
