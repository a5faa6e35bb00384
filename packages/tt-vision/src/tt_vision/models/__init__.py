"""``tt_vision.models``: torchvision's classification models (``tinytorch.vision.models``).

ResNet (``resnet18`` .. ``resnet152``, ResNeXt, Wide ResNet), VGG (``vgg11`` .. ``vgg19_bn``),
``alexnet``, SqueezeNet (``squeezenet1_0``, ``squeezenet1_1``) and the MobileNets
(``mobilenet_v2``, ``mobilenet_v3_large``, ``mobilenet_v3_small``), EfficientNet
(``efficientnet_b0`` .. ``efficientnet_b7``, ``efficientnet_v2_s/m/l``) and RegNet
(``regnet_x_400mf`` .. ``regnet_y_128gf``), DenseNet (``densenet121`` .. ``densenet201``),
ShuffleNet V2, MNASNet, GoogLeNet, Inception v3, ConvNeXt (``convnext_tiny`` .. ``convnext_large``),
the Vision Transformers (``vit_b_16`` .. ``vit_h_14``) and Swin Transformers V1 and V2 (``swin_t`` ..
``swin_v2_b``), with torchvision's
builder signatures, module names, state-dict keys and initialisation, and its registry
(``get_model``, ``get_model_builder``, ``list_models``). No pretrained weights are
shipped: a builder given ``weights`` says how to load converted ones (safetensors).
The detection building blocks (anchors, transform, RPN) are in :mod:`.detection`.

Example:
    >>> import tt_autograd
    >>> from tt_vision import models
    >>> model = models.resnet18(num_classes=10)
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from . import (
    detection,
    segmentation,  # torchvision.models.segmentation: a subpackage, imported as torchvision's is
)
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
from .densenet import DenseNet, densenet121, densenet161, densenet169, densenet201
from .efficientnet import (
    EfficientNet,
    FusedMBConv,
    FusedMBConvConfig,
    MBConv,
    MBConvConfig,
    efficientnet_b0,
    efficientnet_b1,
    efficientnet_b2,
    efficientnet_b3,
    efficientnet_b4,
    efficientnet_b5,
    efficientnet_b6,
    efficientnet_b7,
    efficientnet_v2_l,
    efficientnet_v2_m,
    efficientnet_v2_s,
)
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .inception import Inception3, InceptionOutputs, inception_v3
from .mnasnet import MNASNet, mnasnet0_5, mnasnet0_75, mnasnet1_0, mnasnet1_3
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .mobilenetv3 import MobileNetV3, mobilenet_v3_large, mobilenet_v3_small
from .regnet import (
    BlockParams,
    RegNet,
    regnet_x_1_6gf,
    regnet_x_3_2gf,
    regnet_x_8gf,
    regnet_x_16gf,
    regnet_x_32gf,
    regnet_x_400mf,
    regnet_x_800mf,
    regnet_y_1_6gf,
    regnet_y_3_2gf,
    regnet_y_8gf,
    regnet_y_16gf,
    regnet_y_32gf,
    regnet_y_128gf,
    regnet_y_400mf,
    regnet_y_800mf,
)
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
from .shufflenetv2 import (
    ShuffleNetV2,
    shufflenet_v2_x0_5,
    shufflenet_v2_x1_0,
    shufflenet_v2_x1_5,
    shufflenet_v2_x2_0,
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
    # EfficientNet and RegNet
    "EfficientNet",
    "FusedMBConv",
    "FusedMBConvConfig",
    "MBConv",
    "MBConvConfig",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "efficientnet_v2_s",
    "efficientnet_v2_m",
    "efficientnet_v2_l",
    "BlockParams",
    "RegNet",
    "regnet_y_400mf",
    "regnet_y_800mf",
    "regnet_y_1_6gf",
    "regnet_y_3_2gf",
    "regnet_y_8gf",
    "regnet_y_16gf",
    "regnet_y_32gf",
    "regnet_y_128gf",
    "regnet_x_400mf",
    "regnet_x_800mf",
    "regnet_x_1_6gf",
    "regnet_x_3_2gf",
    "regnet_x_8gf",
    "regnet_x_16gf",
    "regnet_x_32gf",
    # ConvNeXt, Vision Transformer, Swin Transformer
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
__all__ += [  # DenseNet, ShuffleNet V2, MNASNet, GoogLeNet, Inception v3
    "DenseNet", "GoogLeNet", "GoogLeNetOutputs", "Inception3", "InceptionOutputs", "MNASNet", "ShuffleNetV2",
    "densenet121", "densenet161", "densenet169", "densenet201", "googlenet", "inception_v3", "mnasnet0_5",
    "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
]  # fmt: skip
