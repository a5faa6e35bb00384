"""FasterRCNN and its four builders (tt_vision.models.detection.faster_rcnn), as torchvision's.

Facts from torchvision 0.29 (its weights' published ``meta["num_params"]``, and counts printed by
its builders with ``weights=None, weights_backbone=None`` in /tmp/tvcmp): the parameter counts and
state-dict sizes; the parts each builder assembles; a full training step of the 320-px MobileNet
model on two small images (four finite losses, gradients in every trainable backbone block and none
in a frozen one); eval detections' structure; the argument checks.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.layers import BatchNorm2d
from tt_vision.models import list_models
from tt_vision.models.detection import AnchorGenerator, mobilenet_backbone
from tt_vision.models.detection.faster_rcnn import (
    FasterRCNN,
    FastRCNNConvFCHead,
    FastRCNNPredictor,
    TwoMLPHead,
    fasterrcnn_mobilenet_v3_large_320_fpn,
    fasterrcnn_mobilenet_v3_large_fpn,
    fasterrcnn_resnet50_fpn,
    fasterrcnn_resnet50_fpn_v2,
)
from tt_vision.ops import FrozenBatchNorm2d, MultiScaleRoIAlign

BUILDERS = [
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
]


def count(model):
    return sum(p.numel() for p in model.parameters())


def backbone_norm_affine(model):
    """Parameters of the backbone's BatchNorm2d layers: buffers, not parameters, once frozen."""
    return sum(
        p.numel() for m in model.backbone.body.modules() if isinstance(m, BatchNorm2d) for p in m.parameters()
    )


def test_resnet50_fpn_count_keys_and_parts():
    model = fasterrcnn_resnet50_fpn()
    # torchvision 0.29 with weights=None, weights_backbone=None: 41,808,406 parameters, 348 state-dict
    # entries; its published COCO model (FrozenBatchNorm2d backbone) 41,755,286 parameters
    assert count(model) == 41_808_406
    assert count(model) - backbone_norm_affine(model) == 41_755_286
    state = model.state_dict()
    assert len(state) == 348
    assert list(state)[:3] == [
        "backbone.body.conv1.weight",
        "backbone.body.bn1.weight",
        "backbone.body.bn1.bias",
    ]
    assert list(state)[-2:] == [
        "roi_heads.box_predictor.bbox_pred.weight",
        "roi_heads.box_predictor.bbox_pred.bias",
    ]
    assert "roi_heads.box_head.fc6.weight" in state and "rpn.head.conv.0.0.weight" in state
    assert all(p.requires_grad for p in model.parameters())  # no pretrained weights: all layers train
    assert isinstance(model.roi_heads.box_head, TwoMLPHead)
    assert tuple(model.roi_heads.box_predictor.cls_score.weight.shape) == (91, 1024)
    assert model.rpn.anchor_generator.sizes == ((32,), (64,), (128,), (256,), (512,))
    assert model.rpn.anchor_generator.aspect_ratios == ((0.5, 1.0, 2.0),) * 5
    pool = model.roi_heads.box_roi_pool
    assert (
        pool.featmap_names == ["0", "1", "2", "3"] and pool.output_size == (7, 7) and pool.sampling_ratio == 2
    )
    assert model.transform.min_size == (800,) and model.transform.max_size == 1333


def test_resnet50_fpn_v2_count_and_parts():
    model = fasterrcnn_resnet50_fpn_v2(num_classes=91)
    # torchvision 0.29's published num_params (its v2 backbone has BatchNorm2d, not frozen): 43,712,278;
    # 404 state-dict entries
    assert count(model) == 43_712_278
    assert len(model.state_dict()) == 404
    assert isinstance(model.roi_heads.box_head, FastRCNNConvFCHead)
    assert len(model.rpn.head.conv) == 2
    assert isinstance(model.backbone.fpn.layer_blocks[0][1], BatchNorm2d)
    assert "roi_heads.box_head.5.weight" in model.state_dict()


@pytest.mark.parametrize("name", BUILDERS[:2])
def test_mobilenet_builders_count_and_defaults(name):
    model = {
        "fasterrcnn_mobilenet_v3_large_320_fpn": fasterrcnn_mobilenet_v3_large_320_fpn,
        "fasterrcnn_mobilenet_v3_large_fpn": fasterrcnn_mobilenet_v3_large_fpn,
    }[name]()
    # torchvision 0.29: 19,410,754 parameters with weights=None, 330 state-dict entries; published
    # (frozen batch norm) 19,386,354
    assert count(model) == 19_410_754
    assert count(model) - backbone_norm_affine(model) == 19_386_354
    assert len(model.state_dict()) == 330
    assert model.rpn.anchor_generator.sizes == ((32, 64, 128, 256, 512),) * 3
    assert model.rpn.anchor_generator.aspect_ratios == ((0.5, 1.0, 2.0),) * 3
    assert model.rpn.score_thresh == 0.05
    low = name.endswith("320_fpn")
    assert model.transform.min_size == ((320,) if low else (800,))
    assert model.transform.max_size == (640 if low else 1333)
    assert model.rpn._pre_nms_top_n == {"training": 2000, "testing": 150 if low else 1000}
    assert model.rpn._post_nms_top_n == {"training": 2000, "testing": 150 if low else 1000}


def test_builders_are_registered():
    from tt_vision.models import detection

    assert list_models(module=detection, include="fasterrcnn*") == BUILDERS
    assert set(BUILDERS) <= set(list_models())


def test_builder_arguments():
    model = fasterrcnn_mobilenet_v3_large_320_fpn(num_classes=3, min_size=128, rpn_score_thresh=0.1)
    assert tuple(model.roi_heads.box_predictor.bbox_pred.weight.shape) == (12, 1024)
    assert model.transform.min_size == (128,) and model.rpn.score_thresh == 0.1
    with pytest.warns(UserWarning, match="trainable_backbone_layers=6"):
        model = fasterrcnn_mobilenet_v3_large_320_fpn(trainable_backbone_layers=2)
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match="fasterrcnn_resnet50_fpn: pretrained weights"):
        fasterrcnn_resnet50_fpn(weights="DEFAULT")
    with pytest.raises(ValueError, match="mobilenet_v3_large: pretrained weights"):
        fasterrcnn_mobilenet_v3_large_fpn(weights_backbone="IMAGENET1K_V1")
    with pytest.warns(UserWarning, match="'pretrained_backbone' is deprecated"), pytest.raises(ValueError):
        fasterrcnn_resnet50_fpn_v2(pretrained_backbone=True)
    with pytest.raises(TypeError, match="num_clases"):
        fasterrcnn_mobilenet_v3_large_320_fpn(num_clases=3)


def tiny_frozen_model(**kwargs):
    """torchvision's recipe for a pretrained backbone: frozen batch norm, the first stages frozen."""
    backbone = mobilenet_backbone(
        backbone_name="mobilenet_v3_large",
        weights=None,
        fpn=True,
        norm_layer=FrozenBatchNorm2d,
        trainable_layers=3,
    )
    anchors = AnchorGenerator(((32, 64, 128),) * 3, ((0.5, 1.0, 2.0),) * 3)
    return FasterRCNN(backbone, 3, min_size=96, max_size=128, rpn_anchor_generator=anchors, **kwargs)


def scene():
    autograd.manual_seed(0)
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 72, 64)]
    targets = [
        {
            "boxes": autograd.tensor([[4.0, 6.0, 40.0, 50.0], [30.0, 10.0, 70.0, 30.0]]),
            "labels": autograd.tensor([1, 2]),
        },
        {"boxes": autograd.tensor([[10.0, 12.0, 50.0, 60.0]]), "labels": autograd.tensor([2])},
    ]
    return images, targets


def test_training_step_of_the_320_builder_reaches_every_layer():
    model = fasterrcnn_mobilenet_v3_large_320_fpn(num_classes=3, min_size=96, max_size=128).train()
    images, targets = scene()
    losses = model(images, targets)
    assert set(losses) == {"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"}
    assert all(v.ndim == 0 and np.isfinite(float(v)) for v in losses.values())
    assert float(losses["loss_classifier"]) > 0 and float(losses["loss_objectness"]) > 0
    sum(losses.values()).backward()
    body = model.backbone.body
    for block in ("0", "8", "16"):
        grads = [p.grad for p in getattr(body, block).parameters()]
        assert all(g is not None for g in grads) and any(np.abs(g.numpy()).sum() > 0 for g in grads)
    assert np.abs(model.roi_heads.box_predictor.cls_score.weight.grad.numpy()).sum() > 0


def test_training_step_leaves_frozen_layers_without_gradients():
    model = tiny_frozen_model().train()
    images, targets = scene()
    sum(model(images, targets).values()).backward()
    body = model.backbone.body
    frozen = [p for i in range(7) for p in getattr(body, str(i)).parameters()]  # stages before block 7
    trained = [p for i in range(7, 17) for p in getattr(body, str(i)).parameters()]
    assert frozen and all(not p.requires_grad and p.grad is None for p in frozen)
    assert all(p.grad is not None for p in trained)
    assert np.abs(body["7"].block[0][0].weight.grad.numpy()).sum() > 0


def test_eval_detections_structure():
    model = tiny_frozen_model(box_score_thresh=0.0, box_detections_per_img=7).eval()
    images, _ = scene()
    with autograd.no_grad():
        out = model(images)
    assert len(out) == 2
    for det, image in zip(out, images):
        assert set(det) == {"boxes", "labels", "scores"}
        n = det["boxes"].shape[0]
        assert 0 < n <= 7 and tuple(det["scores"].shape) == (n,) and tuple(det["labels"].shape) == (n,)
        boxes = det["boxes"].numpy()
        h, w = image.shape[-2:]  # postprocessed to the original size
        assert (boxes >= 0).all() and (boxes[:, [0, 2]] <= w).all() and (boxes[:, [1, 3]] <= h).all()
        assert set(det["labels"].numpy().tolist()) <= {1, 2}  # never the background


def test_fasterrcnn_defaults_and_custom_parts():
    backbone = mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=None, fpn=False)
    pool = MultiScaleRoIAlign(["0"], (5, 3), 2)
    model = FasterRCNN(
        backbone, 4, rpn_anchor_generator=AnchorGenerator(((32, 64),), ((1.0,),)), box_roi_pool=pool
    )
    assert model.roi_heads.box_roi_pool is pool
    # torchvision sizes TwoMLPHead from the pool's first side, squared (it assumes a square pool)
    assert tuple(model.roi_heads.box_head.fc6.weight.shape) == (1024, 256 * 5 * 5)
    assert tuple(model.rpn.head.cls_logits.weight.shape) == (2, 256, 1, 1)
    assert model.transform.image_mean == [0.485, 0.456, 0.406] and model.transform.image_std == [
        0.229,
        0.224,
        0.225,
    ]
    assert model.rpn.nms_thresh == 0.7 and model.roi_heads.nms_thresh == 0.5
    assert model.roi_heads.score_thresh == 0.05 and model.roi_heads.detections_per_img == 100
    predictor = FastRCNNPredictor(1024, 7)
    model = FasterRCNN(
        backbone, box_predictor=predictor, rpn_anchor_generator=AnchorGenerator(((32,),), ((1.0,),))
    )
    assert model.roi_heads.box_predictor is predictor
    assert model.roi_heads.box_roi_pool.featmap_names == ["0", "1", "2", "3"]


def test_fasterrcnn_argument_checks():
    backbone = mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=None, fpn=False)
    with pytest.raises(ValueError, match="out_channels"):
        FasterRCNN(backbone[0], 3)
    with pytest.raises(ValueError, match="num_classes should be None when box_predictor is specified"):
        FasterRCNN(backbone, 3, box_predictor=FastRCNNPredictor(1024, 3))
    with pytest.raises(ValueError, match="num_classes should not be None"):
        FasterRCNN(backbone)
    with pytest.raises(TypeError, match="rpn_anchor_generator should be of type AnchorGenerator"):
        FasterRCNN(backbone, 3, rpn_anchor_generator=((32,),))
    with pytest.raises(TypeError, match="box_roi_pool should be of type MultiScaleRoIAlign"):
        FasterRCNN(backbone, 3, box_roi_pool="pool")
