"""The SSD builders (tt_vision.models.detection.ssd300_vgg16): torchvision's counts, keys and layout.

Apart from test_detection_ssd.py because VGG-16's construction (its 120M-parameter classifier,
dropped afterwards, as torchvision's) takes seconds.
"""

from __future__ import annotations

import numpy as np
import tt_nn as nn
from tt_vision.layers import MaxPool2d
from tt_vision.models import list_models
from tt_vision.models.detection import ssd300_vgg16


def test_ssd300_builder_counts_keys_and_extractor():
    model = ssd300_vgg16()
    # 35,641,826: torchvision 0.29's SSD300_VGG16_Weights.COCO_V1 meta["num_params"]
    assert sum(p.numel() for p in model.parameters()) == 35_641_826
    state = model.state_dict()
    assert len(state) == 71  # torchvision's: 71 keys, the same order
    assert list(state)[:2] == ["backbone.scale_weight", "backbone.features.0.weight"]
    for key in (
        "backbone.extra.0.7.1.weight",
        "backbone.extra.4.2.bias",
        "head.classification_head.module_list.5.weight",
    ):
        assert key in state
    assert np.all(model.backbone.scale_weight.detach().numpy() == 20)
    assert all(p.requires_grad for p in model.parameters())  # unpretrained: every layer trains
    assert model.transform.image_mean == [0.48235, 0.45882, 0.40784]
    assert model.anchor_generator.scales == [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05]
    assert model.anchor_generator.aspect_ratios == [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    pools = [m for m in model.backbone.features if isinstance(m, MaxPool2d)]
    assert [p.ceil_mode for p in pools] == [False, False, True]
    assert isinstance(list(model.backbone.features)[-1], nn.ReLU)  # conv4_3's ReLU ends it
    assert model.transform.image_std == [1 / 255] * 3
    assert model.anchor_generator.steps == [8, 16, 32, 64, 100, 300]
    assert model.head.classification_head.module_list[0].out_channels == 91 * 4
    assert "ssd300_vgg16" in list_models() and "ssdlite320_mobilenet_v3_large" in list_models()
