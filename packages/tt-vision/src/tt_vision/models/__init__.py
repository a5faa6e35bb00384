"""``tt_vision.models``: torchvision's classification models (``tinytorch.vision.models``).

ResNet (``resnet18`` .. ``resnet152``, ResNeXt, Wide ResNet), VGG (``vgg11`` .. ``vgg19_bn``),
``alexnet``, SqueezeNet (``squeezenet1_0``, ``squeezenet1_1``) and the MobileNets
(``mobilenet_v2``, ``mobilenet_v3_large``, ``mobilenet_v3_small``), with torchvision's
builder signatures, module names, state-dict keys and initialisation, and its registry
(``get_model``, ``get_model_builder``, ``list_models``). No pretrained weights are
shipped: a builder given ``weights`` says how to load converted ones (safetensors).

Example:
    >>> import tt_autograd
    >>> from tt_vision import models
    >>> model = models.resnet18(num_classes=10)
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from .alexnet import AlexNet, alexnet
from .builders import get_model, get_model_builder, list_models, register_model
from .convnext import (
    CNBlock,
    CNBlockConfig,
    ConvNeXt,
    LayerNorm2d,
    convnext_base,
    convnext_large,
    convnext_small,
    convnext_tiny,
)
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .mobilenetv3 import MobileNetV3, mobilenet_v3_large, mobilenet_v3_small
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    wide_resnet50_2,
    wide_resnet101_2,
)
from .squeezenet import SqueezeNet, squeezenet1_0, squeezenet1_1
from .swin_transformer import (
    SwinTransformer,
    swin_b,
    swin_s,
    swin_t,
    swin_v2_b,
    swin_v2_s,
    swin_v2_t,
)
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .vision_transformer import VisionTransformer, vit_b_16, vit_b_32, vit_h_14, vit_l_16, vit_l_32

__all__ = [
    # ConvNeXt, Vision Transformer, Swin Transformer (session 37, H3)
    "CNBlock",
    "CNBlockConfig",
    "ConvNeXt",
    "LayerNorm2d",
    "convnext_base",
    "convnext_large",
    "convnext_small",
    "convnext_tiny",
    "SwinTransformer",
    "swin_b",
    "swin_s",
    "swin_t",
    "swin_v2_b",
    "swin_v2_s",
    "swin_v2_t",
    "VisionTransformer",
    "vit_b_16",
    "vit_b_32",
    "vit_h_14",
    "vit_l_16",
    "vit_l_32",
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "MobileNetV2",
    "MobileNetV3",
    "ResNet",
    "SqueezeNet",
    "VGG",
    "alexnet",
    "get_model",
    "get_model_builder",
    "list_models",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "register_model",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "squeezenet1_0",
    "squeezenet1_1",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "wide_resnet50_2",
    "wide_resnet101_2",
]
