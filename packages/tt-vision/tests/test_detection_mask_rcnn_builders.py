"""The Mask R-CNN builders (tt_vision.models.detection.mask_rcnn), as torchvision's.

Facts from torchvision 0.29 (counts and state-dict sizes printed by its builders with
``weights=None, weights_backbone=None`` in /tmp/tvcmp; its weights' published ``num_params``): the
parameter counts, keys and default parts; registration; refused weights.
"""

from __future__ import annotations

import pytest
from tt_vision.layers import BatchNorm2d
from tt_vision.models import list_models
from tt_vision.models.detection.mask_rcnn import maskrcnn_resnet50_fpn, maskrcnn_resnet50_fpn_v2


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_resnet50_fpn_count_and_keys():
    model = maskrcnn_resnet50_fpn()
    # torchvision 0.29 with weights=None, weights_backbone=None: 44,454,513 parameters, 360 state-dict
    # entries; its published COCO model (FrozenBatchNorm2d backbone, no affine parameters) 44,401,393
    assert count(model) == 44_454_513
    body_norms = [m for m in model.backbone.body.modules() if isinstance(m, BatchNorm2d)]
    assert count(model) - sum(count(m) for m in body_norms) == 44_401_393
    state = model.state_dict()
    assert len(state) == 360
    assert list(state)[-6:] == [
        "roi_heads.mask_head.3.0.weight",
        "roi_heads.mask_head.3.0.bias",
        "roi_heads.mask_predictor.conv5_mask.weight",
        "roi_heads.mask_predictor.conv5_mask.bias",
        "roi_heads.mask_predictor.mask_fcn_logits.weight",
        "roi_heads.mask_predictor.mask_fcn_logits.bias",
    ]
    assert tuple(state["roi_heads.mask_predictor.mask_fcn_logits.weight"].shape) == (91, 256, 1, 1)
    pool = model.roi_heads.mask_roi_pool
    assert pool.featmap_names == ["0", "1", "2", "3"] and pool.output_size == (14, 14)
    assert pool.sampling_ratio == 2 and model.roi_heads.has_mask()
    assert all(p.requires_grad for p in model.parameters())


def test_resnet50_fpn_v2_count_and_keys():
    model = maskrcnn_resnet50_fpn_v2(num_classes=91)
    # torchvision 0.29: 46,359,409 parameters (also its published num_params), 432 state-dict entries
    assert count(model) == 46_359_409
    state = model.state_dict()
    assert len(state) == 432
    assert "roi_heads.mask_head.0.1.running_var" in state and "roi_heads.mask_head.0.0.bias" not in state
    assert "roi_heads.box_head.5.weight" in state and len(model.rpn.head.conv) == 2


def test_builders_are_registered_and_refuse_weights():
    from tt_vision.models import detection

    assert list_models(module=detection, include="maskrcnn*") == [
        "maskrcnn_resnet50_fpn",
        "maskrcnn_resnet50_fpn_v2",
    ]
    with pytest.raises(ValueError, match="maskrcnn_resnet50_fpn: pretrained weights"):
        maskrcnn_resnet50_fpn(weights="DEFAULT")
    with pytest.raises(ValueError, match="resnet50: pretrained weights"):
        maskrcnn_resnet50_fpn_v2(weights_backbone="IMAGENET1K_V1")
