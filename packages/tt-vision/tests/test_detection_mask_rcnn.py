"""MaskRCNN, its heads and builders (tt_vision.models.detection.mask_rcnn), as torchvision's.

Facts from torchvision 0.29: the heads' layers, shapes and initialisation; a training step with
``loss_mask`` on a small model; eval masks at the original image sizes; the argument checks. The
builders (ResNet-50, slower to build) are in test_detection_mask_rcnn_builders.py.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.layers import BatchNorm2d, Conv2d, ConvTranspose2d
from tt_vision.models.detection import AnchorGenerator, FasterRCNN
from tt_vision.models.detection.mask_rcnn import (
    MaskRCNN,
    MaskRCNNHeads,
    MaskRCNNPredictor,
)
from tt_vision.models.detection.paste_masks import expand_boxes
from tt_vision.ops import MultiScaleRoIAlign


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_mask_heads_layers_and_initialisation():
    autograd.manual_seed(0)
    head = MaskRCNNHeads(16, [32, 8], 2)
    assert len(head) == 2 and list(head.state_dict()) == ["0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias"]
    conv = head[0][0]
    assert conv.padding == (2, 2) and conv.dilation == (2, 2) and conv.kernel_size == (3, 3)
    # Kaiming normal, fan_out = 32 · 9, ReLU gain sqrt(2); zero biases
    np.testing.assert_allclose(conv.weight.detach().numpy().std(), np.sqrt(2 / (32 * 9)), rtol=0.1)
    assert not conv.bias.detach().numpy().any()
    assert tuple(head(autograd.randn(3, 16, 14, 14)).shape) == (3, 8, 14, 14)
    assert float(head(autograd.randn(3, 16, 14, 14)).min()) >= 0  # ReLU last
    normed = MaskRCNNHeads(4, [4], 1, norm_layer=BatchNorm2d)
    assert list(normed.state_dict())[:2] == ["0.0.weight", "0.1.weight"] and normed[0][0].bias is None


def test_mask_heads_load_the_version_1_layout():
    head = MaskRCNNHeads(2, [3, 3], 1)
    old = OrderedDict(
        (f"mask_fcn{i + 1}.{kind}", autograd.full(tuple(p.shape), float(i + 1)))
        for i in range(2)
        for kind, p in (("weight", head[i][0].weight), ("bias", head[i][0].bias))
    )
    head.load_state_dict(old)  # no _metadata: version 1, renamed as torchvision does
    assert (head[0][0].weight.detach().numpy() == 1).all() and (head[1][0].bias.detach().numpy() == 2).all()
    saved = head.state_dict()
    assert saved._metadata[""]["version"] == 2
    head.load_state_dict(saved)
    with pytest.raises(RuntimeError, match="mask_fcn1.weight"):  # a version-2 dict is not renamed
        renamed = OrderedDict((k.replace("0.0.", "mask_fcn1."), v) for k, v in saved.items())
        renamed._metadata = saved._metadata
        head.load_state_dict(renamed)


def test_mask_predictor_layers_and_shape():
    autograd.manual_seed(0)
    predictor = MaskRCNNPredictor(8, 16, 5)
    assert list(predictor.state_dict()) == [
        "conv5_mask.weight",
        "conv5_mask.bias",
        "mask_fcn_logits.weight",
        "mask_fcn_logits.bias",
    ]
    assert isinstance(predictor.conv5_mask, ConvTranspose2d) and isinstance(predictor.mask_fcn_logits, Conv2d)
    assert predictor.conv5_mask.stride == (2, 2) and predictor.conv5_mask.kernel_size == (2, 2)
    assert isinstance(predictor.relu, nn.ReLU) and predictor.relu.inplace  # torchvision's repr
    out = predictor(autograd.randn(3, 8, 7, 7))
    assert tuple(out.shape) == (3, 5, 14, 14)
    # Kaiming normal with fan_out: ConvTranspose2d's weight (in, out, 2, 2) counts dim 0 (64 · 4) as
    # fan_out, dim 1 (16 · 4) as fan_in
    weight = MaskRCNNPredictor(64, 16, 3).conv5_mask.weight.detach().numpy()
    np.testing.assert_allclose(weight.std(), np.sqrt(2 / (64 * 4)), rtol=0.05)


class TinyBackbone(nn.Sequential):
    """One strided convolution: a single feature map (named '0' by GeneralizedRCNN), 8 channels."""

    def __init__(self) -> None:
        super().__init__(Conv2d(3, 8, 3, stride=4, padding=1), nn.ReLU())
        self.out_channels = 8


def tiny_model(**kwargs):
    autograd.manual_seed(0)
    anchors = AnchorGenerator(((16, 32),), ((0.5, 1.0, 2.0),))
    return MaskRCNN(TinyBackbone(), 3, min_size=64, max_size=96, rpn_anchor_generator=anchors, **kwargs)


def scene():
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 56, 48)]
    masks = np.zeros((2, 64, 80), np.uint8)
    masks[0, 6:50, 4:40] = 1
    masks[1, 10:30, 30:70] = 1
    targets = [
        {
            "boxes": autograd.tensor([[4.0, 6.0, 40.0, 50.0], [30.0, 10.0, 70.0, 30.0]]),
            "labels": autograd.tensor([1, 2]),
            "masks": autograd.tensor(masks),
        },
        {
            "boxes": autograd.tensor([[10.0, 12.0, 40.0, 50.0]]),
            "labels": autograd.tensor([2]),
            "masks": autograd.tensor(np.pad(np.ones((38, 30), np.uint8), ((12, 6), (10, 8)))),
        },
    ]
    targets[1]["masks"] = targets[1]["masks"][None]
    return images, targets


def test_training_step_has_the_mask_loss_and_reaches_the_mask_branch():
    model = tiny_model().train()
    images, targets = scene()
    losses = model(images, targets)
    assert list(losses) == [
        "loss_classifier",
        "loss_box_reg",
        "loss_mask",
        "loss_objectness",
        "loss_rpn_box_reg",
    ]
    assert all(v.ndim == 0 and np.isfinite(float(v)) for v in losses.values())
    assert float(losses["loss_mask"]) > 0
    sum(losses.values()).backward()
    for parameter in (
        model.roi_heads.mask_head[0][0].weight,
        model.roi_heads.mask_predictor.conv5_mask.weight,
    ):
        assert np.abs(parameter.grad.numpy()).sum() > 0
    assert np.abs(model.backbone[0].weight.grad.numpy()).sum() > 0


def test_a_batch_without_ground_truth_trains():
    """Images without objects (boxes (0, 4), masks (0, H, W)) give the mask head no RoIs: loss_mask is 0
    and backward runs through its empty convolutions and transposed convolution (as torchvision)."""
    model = tiny_model().train()
    images, _ = scene()
    empty = [
        {"boxes": autograd.zeros(0, 4), "labels": autograd.tensor(np.zeros(0, np.int64)),
         "masks": autograd.tensor(np.zeros((0, *image.shape[1:]), np.uint8))}
        for image in images
    ]  # fmt: skip
    losses = model(images, empty)
    assert float(losses["loss_mask"]) == 0.0
    sum(losses.values()).backward()
    for parameter in (model.roi_heads.mask_head[0][0].weight, model.roi_heads.mask_predictor.conv5_mask.bias):
        assert parameter.grad is not None and not np.abs(parameter.grad.numpy()).any()


def test_training_needs_masks():
    model = tiny_model().train()
    images, targets = scene()
    del targets[1]["masks"]
    with pytest.raises(ValueError, match="masks key"):
        model(images, targets)


def test_eval_masks_are_pasted_at_the_original_sizes():
    model = tiny_model(box_score_thresh=0.0, box_detections_per_img=5).eval()
    images, _ = scene()
    with autograd.no_grad():
        out = model(images)
    for det, image in zip(out, images):
        assert set(det) == {"boxes", "labels", "scores", "masks"}
        n = det["boxes"].shape[0]
        height, width = image.shape[-2:]
        assert 0 < n <= 5 and tuple(det["masks"].shape) == (n, 1, height, width)
        masks = det["masks"].numpy()
        assert masks.dtype == np.float32 and masks.min() >= 0 and masks.max() <= 1 and masks.max() > 0
        # nothing outside each detection's box grown by 30/28 (28×28 masks padded by one cell)
        corners = np.trunc(expand_boxes(det["boxes"], 30 / 28).numpy()).astype(int)
        rows, cols = np.mgrid[:height, :width]
        for mask, (x0, y0, x1, y1) in zip(masks[:, 0], corners):
            outside = (cols < x0) | (cols > x1) | (rows < y0) | (rows > y1)
            assert not mask[outside].any()


def test_defaults_and_custom_parts():
    model = tiny_model()
    assert isinstance(model, FasterRCNN)
    head, predictor = model.roi_heads.mask_head, model.roi_heads.mask_predictor
    assert isinstance(head, MaskRCNNHeads) and len(head) == 4 and head[0][0].in_channels == 8
    assert [block[0].out_channels for block in head] == [256] * 4 and head[0][0].dilation == (1, 1)
    assert predictor.conv5_mask.in_channels == 256 and predictor.conv5_mask.out_channels == 256
    assert predictor.mask_fcn_logits.out_channels == 3
    pool = model.roi_heads.mask_roi_pool
    assert pool.featmap_names == ["0", "1", "2", "3"] and pool.output_size == (14, 14)
    assert pool.sampling_ratio == 2
    pool = MultiScaleRoIAlign(["0"], 7, 2)
    custom_head = MaskRCNNHeads(8, [16], 1)
    custom = MaskRCNNPredictor(16, 4, 3)
    model = MaskRCNN(  # num_classes None: both predictors given
        TinyBackbone(),
        None,
        rpn_anchor_generator=AnchorGenerator(((16,),), ((1.0,),)),
        box_predictor=model.roi_heads.box_predictor,
        mask_roi_pool=pool,
        mask_head=custom_head,
        mask_predictor=custom,
    )
    heads = model.roi_heads
    assert heads.mask_roi_pool is pool and heads.mask_head is custom_head and heads.mask_predictor is custom
    assert model.transform.min_size == (800,) and heads.detections_per_img == 100


def test_argument_checks():
    anchors = AnchorGenerator(((16,),), ((1.0,),))
    with pytest.raises(TypeError, match="mask_roi_pool should be of type MultiScaleRoIAlign"):
        MaskRCNN(TinyBackbone(), 3, rpn_anchor_generator=anchors, mask_roi_pool="pool")
    with pytest.raises(ValueError, match="num_classes should be None when mask_predictor is specified"):
        MaskRCNN(TinyBackbone(), 3, rpn_anchor_generator=anchors, mask_predictor=MaskRCNNPredictor(256, 8, 3))
    with pytest.raises(ValueError, match="num_classes should not be None when mask_predictor"):
        MaskRCNN(TinyBackbone(), rpn_anchor_generator=anchors)
    with pytest.raises(ValueError, match="out_channels"):
        MaskRCNN(nn.ReLU(), 3)
