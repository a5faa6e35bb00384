"""The SSD builders (tt_vision.models.detection.ssd300_vgg16): torchvision's counts, keys and layout.

Apart from test_detection_ssd.py because VGG-16's construction (its 120M-parameter classifier,
dropped afterwards, as torchvision's) takes seconds.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.layers import Conv2d, MaxPool2d
from tt_vision.models import list_models
from tt_vision.models.detection import ssd300_vgg16
from tt_vision.models.detection.ssd import SSDFeatureExtractorVGG


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


def test_vgg_extractor_maps_and_l2_normalisation():
    # VGG's layout with 1x1 convolutions: five max pools, the third rounding up, 512 channels
    features = nn.Sequential(
        Conv2d(3, 512, 1), nn.ReLU(), MaxPool2d(2, 2), MaxPool2d(2, 2), MaxPool2d(2, 2),
        Conv2d(512, 512, 1), nn.ReLU(), MaxPool2d(2, 2), Conv2d(512, 512, 1), nn.ReLU(), MaxPool2d(2, 2),
    )  # fmt: skip
    extractor = SSDFeatureExtractorVGG(features, highres=False)
    assert len(extractor.features) == 7 and len(extractor.extra[0]) == 4  # pool4, conv, ReLU, fc
    with autograd.no_grad():
        maps = extractor(autograd.rand(1, 3, 300, 300))
    assert [tuple(m.shape[1:]) for m in maps.values()] == [
        (512, 38, 38), (1024, 19, 19), (512, 10, 10), (256, 5, 5), (256, 3, 3), (256, 1, 1)
    ]  # fmt: skip
    norms = np.sqrt((maps["0"].numpy() ** 2).sum(axis=1))
    np.testing.assert_allclose(norms, 20.0, rtol=1e-5)  # unit vectors over channels, times 20
    highres = SSDFeatureExtractorVGG(features, highres=True)
    assert len(highres.extra) == 6 and highres.extra[5][2].kernel_size == (4, 4)
