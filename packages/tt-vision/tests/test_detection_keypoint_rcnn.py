"""Keypoint R-CNN: tt_vision.models.detection.roi_keypoints, RoIHeads' keypoint branch, keypoint_rcnn.

Heatmap coding on hand-built cases (the cell of a keypoint, the right/bottom edge, invisible and
outside keypoints); decoding of one-hot heatmaps at scale 1 (where bicubic resizing is the identity)
and against a per-RoI ``F.interpolate(mode="bicubic")`` reference; the loss against its formula and
its gradient against float64 central differences; RoIHeads and KeypointRCNN in both modes; the
builder's parameter count and state-dict keys (torchvision 0.29's, printed in /tmp/tvcmp).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
from tt_vision.layers import Conv2d
from tt_vision.models import list_models
from tt_vision.models.detection import (
    AnchorGenerator,
    FastRCNNPredictor,
    KeypointRCNN,
    KeypointRCNNHeads,
    KeypointRCNNPredictor,
    RoIHeads,
    TwoMLPHead,
    keypointrcnn_resnet50_fpn,
    roi_keypoints,
)
from tt_vision.models.detection.roi_keypoints import (
    heatmaps_to_keypoints,
    keypointrcnn_inference,
    keypointrcnn_loss,
    keypoints_to_heatmap,
)
from tt_vision.ops import MultiScaleRoIAlign

F64 = autograd.float64


def t(rows, dtype=autograd.float32):
    return autograd.tensor(np.array(rows, dtype=np.float64), dtype=dtype)


def ints(*values):
    return autograd.tensor(np.array(values, dtype=np.int64))


def test_a_keypoint_gets_the_cell_it_falls_in():
    box = t([[10, 20, 50, 40]])  # 40 wide, 20 high: cells of 10 × 5 px on a 4 × 4 grid
    points = t([[[35, 31, 1], [10, 20, 2], [49.9, 39.9, 1], [50, 40, 1], [50, 25, 1], [12, 40, 1]]])
    beyond = keypoints_to_heatmap(t([[[50.5, 25, 1], [12, 40.5, 1]]]), box, 4)  # just past x2, y2: cell 4
    assert beyond[1].tolist() == [[0, 0]]
    cells, valid = keypoints_to_heatmap(points, box, 4)
    # (35, 31): column 2, row 2; the top-left corner cell 0; just inside the far corner, cell 15;
    # exactly on x2 / y2: the last column / row (not outside)
    assert cells.tolist() == [[2 * 4 + 2, 0, 15, 15, 1 * 4 + 3, 3 * 4 + 0]]
    assert valid.tolist() == [[1] * 6]
    assert cells.dtype == autograd.int64 and valid.dtype == autograd.int64


def test_invisible_or_outside_keypoints_are_invalid_and_get_cell_0():
    boxes = t([[0, 0, 8, 8], [4, 4, 12, 12]])
    points = t([[[3, 3, 0], [-0.5, 3, 1], [3, 8.5, 1]], [[5, 5, 1], [3.9, 5, 1], [13, 13, 2]]])
    cells, valid = keypoints_to_heatmap(points, boxes, 2)
    assert valid.tolist() == [[0, 0, 0], [1, 0, 0]]  # invisible; left of the box; below; in; left; beyond
    assert cells.tolist() == [[0, 0, 0], [0, 0, 0]]
    # a zero-width box: a keypoint beside it is outside (infinite scale); one on its edge x1 = x2 is in
    # the last column (the edge rule, as torchvision's)
    cells, valid = keypoints_to_heatmap(t([[[2, 3, 1], [1, 3, 1]]]), t([[1, 1, 1, 5]]), 2)
    assert valid.tolist() == [[0, 1]] and cells.tolist() == [[0, 1 * 2 + 1]]
    with pytest.raises(ValueError, match=r"keypoints_to_heatmap: keypoints must be \(N, K, 3\)"):
        keypoints_to_heatmap(t(np.zeros((2, 3))), boxes, 2)
    with pytest.raises(ValueError, match="rois"):
        keypoints_to_heatmap(points, boxes[:1], 2)


def one_hot(rois, keypoints, size, peaks):
    maps = np.zeros((rois, keypoints, size, size), np.float32)
    for (r, k, y, x), value in peaks.items():
        maps[r, k, y, x] = value
    return maps


def test_decoding_one_hot_heatmaps_at_scale_one_returns_their_peak():
    # RoIs of exactly 4 × 4 pixels: the resize to ceil(4) = 4 is the identity (bicubic weights 0, 1, 0, 0)
    maps = one_hot(2, 2, 4, {(0, 0, 1, 2): 5.0, (0, 1, 3, 0): 2.0, (1, 0, 0, 0): 1.5, (1, 1, 2, 3): 7.0})
    boxes = t([[10, 20, 14, 24], [0.5, 1, 4.5, 5]])
    xy, scores = heatmaps_to_keypoints(autograd.tensor(maps), boxes)
    expected = [
        [[10 + 2.5, 20 + 1.5, 1], [10 + 0.5, 20 + 3.5, 1]],
        [[0.5 + 0.5, 1 + 0.5, 1], [0.5 + 3.5, 1 + 2.5, 1]],
    ]
    np.testing.assert_allclose(xy.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(scores.numpy(), [[5, 2], [1.5, 7]], rtol=1e-6)
    assert xy.dtype == autograd.float32 and tuple(scores.shape) == (2, 2)


def test_decoding_ignores_the_padding_of_smaller_rois_in_a_chunk():
    # a peak in the bottom-right corner: a 2 × 2 RoI, padded to 8 × 8 in a chunk with an 8 × 8 one,
    # must pick its own last pixel, not the padding beyond it (which samples the corner more closely)
    maps = np.full((2, 1, 4, 4), -5.0, np.float32)
    maps[:, 0, 3, 3] = -1.0
    xy, scores = heatmaps_to_keypoints(autograd.tensor(maps), t([[0, 0, 2, 2], [0, 0, 8, 8]]))
    assert xy.numpy()[0, 0, :2].tolist() == [1.5, 1.5] and xy.numpy()[1, 0, :2].tolist() == [7.5, 7.5]
    assert (scores.numpy() < 0).all()


def test_decoding_ties_and_tiny_boxes():
    # a flat heatmap: the first pixel (row-major) wins; a 0.25-px box counts as 1 px wide and high
    xy, scores = heatmaps_to_keypoints(autograd.zeros(1, 1, 4, 4), t([[3, 7, 3.25, 7.25]]))
    np.testing.assert_allclose(xy.numpy(), [[[3.5, 7.5, 1]]], rtol=1e-6)
    assert scores.tolist() == [[0.0]]
    # a 6 × 3 box decoded on a 6 × 3 grid: the pixel centre maps back with correction w / ceil(w) = 1
    maps = one_hot(1, 1, 4, {(0, 0, 3, 3): 9.0})
    xy, _ = heatmaps_to_keypoints(autograd.tensor(maps), t([[0, 0, 6, 3]]))
    np.testing.assert_allclose(xy.numpy(), [[[5.5, 2.5, 1]]], rtol=1e-6)
    xy, _ = heatmaps_to_keypoints(autograd.tensor(maps), t([[0, 0, 5.5, 2.5]]))  # ceil: 6 × 3 again
    np.testing.assert_allclose(xy.numpy(), [[[5.5 * 5.5 / 6, 2.5 * 2.5 / 3, 1]]], rtol=1e-6)
    with pytest.raises(ValueError, match=r"heatmaps_to_keypoints: maps must be \(R, K, H, W\)"):
        heatmaps_to_keypoints(autograd.zeros(1, 4, 4), t([[0, 0, 1, 1]]))


def reference_decode(maps, boxes):
    """torchvision's algorithm RoI by RoI, with tt-nn's bicubic ``interpolate`` (float64 weights)."""
    xy, scores = [], []
    for heat, (x1, y1, x2, y2) in zip(maps, boxes):
        w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
        out_w, out_h = int(np.ceil(w)), int(np.ceil(h))
        resized = F.interpolate(
            autograd.tensor(heat[:, None]), size=(out_h, out_w), mode="bicubic", align_corners=False
        ).numpy()[:, 0]
        xy.append((x1, y1, w / out_w, h / out_h))
        scores.append(resized)
    return xy, scores


@pytest.mark.parametrize("chunk", [roi_keypoints.CHUNK_ELEMENTS, 3 * 50 * 50, 100])
def test_decoding_matches_a_per_roi_bicubic_resize(rng, monkeypatch, chunk):
    monkeypatch.setattr(roi_keypoints, "CHUNK_ELEMENTS", chunk)  # small: several chunks; 100: one RoI each
    maps = rng.normal(size=(7, 3, 8, 8)).astype(np.float32)
    corner = rng.uniform(0, 40, (7, 2))
    sizes = np.array([[3.2, 5], [8, 8], [20.5, 13.1], [47, 9.9], [5.5, 30], [0.3, 2.2], [12, 12.01]])
    boxes = np.concatenate([corner, corner + sizes], 1).astype(np.float32)
    xy, scores = heatmaps_to_keypoints(autograd.tensor(maps), autograd.tensor(boxes))
    xy, scores = xy.numpy(), scores.numpy()
    for i, ((x1, y1, cx, cy), resized) in enumerate(zip(*reference_decode(maps, boxes.astype(np.float64)))):
        for k in range(3):
            col = round((xy[i, k, 0] - x1) / cx - 0.5)
            row = round((xy[i, k, 1] - y1) / cy - 0.5)
            # our pixel holds the reference's maximum (up to float32 rounding: near-ties may differ)
            assert resized[k, row, col] == pytest.approx(resized[k].max(), abs=5e-6)
            assert scores[i, k] == pytest.approx(resized[k, row, col], abs=5e-6)
    assert (xy[..., 2] == 1).all()


def ce(logits, target):
    shifted = logits - logits.max()
    return np.log(np.exp(shifted).sum()) - shifted[target]


def loss_scene():
    proposals = [t([[0, 0, 8, 8], [4, 4, 12, 12]], F64), t([[0, 0, 4, 4]], F64)]
    keypoints = [
        t([[[1, 1, 1], [7, 7, 2]], [[5, 9, 1], [11, 5, 0]]], F64),
        t([[[3.5, 0.5, 1], [9, 9, 1]]], F64),
    ]
    matched = [ints(0, 1), ints(0)]
    # cells on the 2 × 2 grids: RoI 0 (gt 0): 0, 3; RoI 1 (gt 1): (5, 9) -> column 0, row 1: 2,
    # (11, 5) invisible; RoI 2: (3.5, 0.5) -> 1, (9, 9) outside
    return proposals, keypoints, matched, [(0, 0, 0), (0, 1, 3), (1, 0, 2), (2, 0, 1)]


def test_keypoint_loss_is_the_cross_entropy_of_the_usable_keypoints(rng):
    proposals, keypoints, matched, usable = loss_scene()
    logits = rng.normal(size=(3, 2, 2, 2))
    got = float(keypointrcnn_loss(t(logits, F64), proposals, keypoints, matched))
    expected = np.mean([ce(logits[r, k].reshape(-1), cell) for r, k, cell in usable])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="keypointrcnn_loss: keypoint_logits height and width"):
        keypointrcnn_loss(t(np.zeros((3, 2, 2, 3))), proposals, keypoints, matched)


def test_keypoint_loss_gradient_and_the_case_without_usable_keypoints(rng, check_grad):
    proposals, keypoints, matched, _ = loss_scene()
    logits = autograd.tensor(rng.normal(size=(3, 2, 2, 2)), requires_grad=True)
    check_grad(lambda x: keypointrcnn_loss(x, proposals, keypoints, matched), logits)
    hidden = [t(np.zeros((2, 2, 3)), F64), t(np.zeros((1, 2, 3)), F64)]  # every keypoint invisible
    logits = autograd.tensor(rng.normal(size=(3, 2, 2, 2)), requires_grad=True)
    loss = keypointrcnn_loss(logits, proposals, hidden, matched)
    assert float(loss) == 0.0
    loss.backward()  # still in the graph
    assert tuple(logits.grad.shape) == (3, 2, 2, 2)
    empty = autograd.zeros(0, 2, 2, 2, requires_grad=True)
    assert float(keypointrcnn_loss(empty, [], [], [])) == 0.0


def test_inference_decodes_every_detection_and_splits_per_image():
    maps = one_hot(3, 1, 2, {(0, 0, 0, 1): 1.0, (1, 0, 1, 0): 2.0, (2, 0, 1, 1): 3.0})
    xy, scores = keypointrcnn_inference(
        autograd.tensor(maps), [t([[0, 0, 2, 2], [10, 10, 12, 12]]), t([[4, 4, 6, 6]])]
    )
    assert [tuple(p.shape) for p in xy] == [(2, 1, 3), (1, 1, 3)]
    np.testing.assert_allclose(xy[0].numpy()[:, 0, :2], [[1.5, 0.5], [10.5, 11.5]])
    np.testing.assert_allclose(xy[1].numpy()[:, 0, :2], [[5.5, 5.5]])
    assert [s.tolist() for s in scores] == [[[1.0], [2.0]], [[3.0]]]
    xy, scores = keypointrcnn_inference(autograd.zeros(0, 2, 4, 4), [autograd.zeros(0, 4)])
    assert tuple(xy[0].shape) == (0, 2, 3) and tuple(scores[0].shape) == (0, 2)


class Recorder(MultiScaleRoIAlign):
    def forward(self, x, boxes, image_shapes):
        self.seen = [b.detach().numpy().copy() for b in boxes]
        return super().forward(x, boxes, image_shapes)


def keypoint_heads(keypoints=3):
    return RoIHeads(
        MultiScaleRoIAlign(["0"], 3, 2),
        TwoMLPHead(2 * 9, 8),
        FastRCNNPredictor(8, 3),
        0.5,
        0.5,
        100,
        1.0,
        None,
        0.0,
        0.5,
        4,
        keypoint_roi_pool=Recorder(["0"], 4, 2),
        keypoint_head=KeypointRCNNHeads(2, (4,)),
        keypoint_predictor=KeypointRCNNPredictor(4, keypoints),
    )


def test_roi_heads_with_a_keypoint_branch_in_both_modes():
    module = keypoint_heads()
    features = {"0": autograd.randn(1, 2, 8, 8)}
    proposals = [autograd.tensor([[0.0, 0, 16, 16], [20, 20, 30, 30], [1, 1, 15, 17]])]
    target = {
        "boxes": autograd.tensor([[0.0, 2, 16, 18]]),
        "labels": ints(1),
        "keypoints": autograd.tensor([[[4.0, 5, 1], [10, 12, 2], [0, 0, 0]]]),
    }
    result, losses = module.train()(features, proposals, [(32, 32)], [target])
    assert result == [] and sorted(losses) == ["loss_box_reg", "loss_classifier", "loss_keypoint"]
    # positives: proposals 0 and 2 and the ground truth (as the mask branch's); 1 is background
    assert module.keypoint_roi_pool.seen[0].tolist() == [[0, 0, 16, 16], [1, 1, 15, 17], [0, 2, 16, 18]]
    losses["loss_keypoint"].backward()
    assert np.abs(module.keypoint_predictor.kps_score_lowres.weight.grad.numpy()).sum() > 0
    assert float(losses["loss_keypoint"]) > 0
    result, losses = module.eval()(features, proposals, [(32, 32)])
    detections = len(result[0]["boxes"])
    assert losses == {} and detections == 4
    assert tuple(result[0]["keypoints"].shape) == (detections, 3, 3)
    assert tuple(result[0]["keypoints_scores"].shape) == (detections, 3)
    np.testing.assert_allclose(module.keypoint_roi_pool.seen[0], result[0]["boxes"].detach().numpy())
    boxes, points = result[0]["boxes"].detach().numpy(), result[0]["keypoints"].numpy()
    assert np.all((points[..., 0] >= boxes[:, None, 0]) & (points[..., 0] <= boxes[:, None, 2] + 1))
    assert np.all(points[..., 2] == 1)


def test_keypoints_are_required_in_training_and_must_be_float32():
    module = keypoint_heads().train()
    features, proposals = {"0": autograd.randn(1, 2, 8, 8)}, [autograd.tensor([[0.0, 0, 16, 16]])]
    target = {"boxes": autograd.tensor([[0.0, 2, 16, 18]]), "labels": ints(1)}
    with pytest.raises(KeyError, match="keypoints.* in every target"):  # torchvision: KeyError: 'keypoints'
        module(features, proposals, [(32, 32)], [target])
    with pytest.raises(TypeError, match="target keypoints must be of float type"):
        module(features, proposals, [(32, 32)], [{**target, "keypoints": autograd.zeros(1, 3, 3, dtype=F64)}])
    result, losses = module.eval()(features, proposals, [(32, 32)], [target])  # eval: no keypoints needed
    assert losses == {} and "keypoints" in result[0]


def test_predictor_and_head_shapes_and_initialisation():
    predictor = KeypointRCNNPredictor(8, 5)
    assert tuple(predictor.kps_score_lowres.weight.shape) == (8, 5, 4, 4)
    assert predictor.kps_score_lowres.stride == (2, 2) and predictor.kps_score_lowres.padding == (1, 1)
    assert predictor.out_channels == 5 and predictor.up_scale == 2
    assert float(predictor.kps_score_lowres.bias.abs().sum()) == 0
    assert tuple(predictor(autograd.randn(2, 8, 14, 14)).shape) == (2, 5, 56, 56)
    # the 2x upsampling is bilinear with align_corners=False: a constant map stays constant
    predictor.kps_score_lowres.weight.data.zero_()
    predictor.kps_score_lowres.bias.data.fill_(3.0)
    np.testing.assert_allclose(predictor(autograd.randn(1, 8, 2, 2)).detach().numpy(), 3.0)
    head = KeypointRCNNHeads(3, (6, 7))
    convs = [m for m in head if isinstance(m, Conv2d)]
    assert [tuple(c.weight.shape) for c in convs] == [(6, 3, 3, 3), (7, 6, 3, 3)]
    assert all(c.padding == (1, 1) and float(c.bias.abs().sum()) == 0 for c in convs)
    assert len(head) == 4
    wide = KeypointRCNNPredictor(64, 2).kps_score_lowres.weight.detach().numpy()  # (64, 2, 4, 4)
    assert wide.std() == pytest.approx(np.sqrt(2 / (64 * 16)), rel=0.1)  # kaiming, fan out = 64 · 16
    # the 2x bilinear upsampling, align_corners=False: output 1 = 3/4 input 0 + 1/4 input 1
    fresh = KeypointRCNNPredictor(3, 2)
    x = autograd.randn(1, 3, 3, 3)
    low, high = fresh.kps_score_lowres(x).detach().numpy(), fresh(x).detach().numpy()
    np.testing.assert_allclose(
        high[..., 0, 1], 0.75 * low[..., 0, 0] + 0.25 * low[..., 0, 1], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(high[..., 0, 0], low[..., 0, 0], rtol=1e-5, atol=1e-6)
    # kaiming_normal_ (fan out = 7 · 9, ReLU gain): standard deviation sqrt(2 / 63)
    big = KeypointRCNNHeads(64, (64,))[0].weight.detach().numpy()
    assert big.std() == pytest.approx(np.sqrt(2 / (64 * 9)), rel=0.05)


class TinyBackbone(Conv2d):
    out_channels = 4

    def __init__(self):
        super().__init__(3, 4, 3, stride=4, padding=1)


def tiny_model(**kwargs):
    return KeypointRCNN(
        TinyBackbone(),
        num_classes=2,
        min_size=64,
        max_size=96,
        rpn_anchor_generator=AnchorGenerator(((16, 32),), ((1.0,),)),
        box_roi_pool=MultiScaleRoIAlign(["0"], 7, 2),
        keypoint_roi_pool=MultiScaleRoIAlign(["0"], 7, 2),
        keypoint_head=KeypointRCNNHeads(4, (8,)),
        keypoint_predictor=KeypointRCNNPredictor(8, 3),
        box_detections_per_img=5,
        **kwargs,
    )


def test_keypoint_rcnn_trains_and_detects():
    autograd.manual_seed(0)
    model = tiny_model()
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 70, 64)]
    keypoints = autograd.tensor([[[10.0, 12, 1], [20, 25, 2], [30, 30, 0]]])
    targets = [{"boxes": t([[5, 5, 40, 40]]), "labels": ints(1), "keypoints": keypoints}] * 2
    losses = model.train()(images, targets)
    assert sorted(losses) == [
        "loss_box_reg",
        "loss_classifier",
        "loss_keypoint",
        "loss_objectness",
        "loss_rpn_box_reg",
    ]
    sum(losses.values()).backward()
    assert np.abs(model.roi_heads.keypoint_head[0].weight.grad.numpy()).sum() > 0
    with pytest.raises(KeyError, match="keypoints"):
        model(images, [{"boxes": t([[5, 5, 40, 40]]), "labels": ints(1)}] * 2)
    detections = model.eval()(images)
    for image, det in zip(images, detections):
        count = len(det["scores"])
        assert count == 5 and tuple(det["keypoints"].shape) == (count, 3, 3)
        assert tuple(det["keypoints_scores"].shape) == (count, 3)
        # keypoints come back in the original image's pixels, inside their (resized-back) boxes
        boxes, points = det["boxes"].detach().numpy(), det["keypoints"].numpy()
        assert np.all(points[..., 0] <= boxes[:, None, 2] + 1e-3) and np.all(
            points[..., 0] >= boxes[:, None, 0]
        )
        assert np.all(points[..., 1] <= image.shape[1] + 1e-3)


def test_keypoint_rcnn_arguments():
    model = KeypointRCNN(TinyBackbone(), num_classes=2)
    assert model.transform.min_size == (640, 672, 704, 736, 768, 800) and model.transform.max_size == 1333
    assert model.roi_heads.keypoint_predictor.out_channels == 17
    assert model.roi_heads.keypoint_roi_pool.output_size == (14, 14)
    assert model.roi_heads.keypoint_roi_pool.sampling_ratio == 2
    assert model.roi_heads.keypoint_roi_pool.featmap_names == ["0", "1", "2", "3"]
    head = model.roi_heads.keypoint_head
    assert len(head) == 16 and head[0].in_channels == 4 and head[14].out_channels == 512
    assert KeypointRCNN(TinyBackbone(), 2, num_keypoints=4).roi_heads.keypoint_predictor.out_channels == 4
    with pytest.raises(ValueError, match="num_keypoints should be None when keypoint_predictor"):
        KeypointRCNN(TinyBackbone(), 2, num_keypoints=4, keypoint_predictor=KeypointRCNNPredictor(8, 4))
    with pytest.raises(TypeError, match="keypoint_roi_pool should be of type MultiScaleRoIAlign"):
        KeypointRCNN(TinyBackbone(), 2, keypoint_roi_pool=TinyBackbone())


def test_builder_count_keys_and_registration():
    model = keypointrcnn_resnet50_fpn()
    # torchvision 0.29 keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None): 59,190,378
    # parameters, 366 state-dict entries; its published COCO model (FrozenBatchNorm2d) 59,137,258
    assert sum(p.numel() for p in model.parameters()) == 59_190_378
    state = model.state_dict()
    assert len(state) == 366
    assert list(state)[-4:] == [
        "roi_heads.keypoint_head.14.weight",
        "roi_heads.keypoint_head.14.bias",
        "roi_heads.keypoint_predictor.kps_score_lowres.weight",
        "roi_heads.keypoint_predictor.kps_score_lowres.bias",
    ]
    assert model.roi_heads.box_predictor.cls_score.out_features == 2
    assert model.roi_heads.keypoint_predictor.out_channels == 17
    assert "keypointrcnn_resnet50_fpn" in list_models()
    with pytest.raises(ValueError, match="keypointrcnn_resnet50_fpn: pretrained weights"):
        keypointrcnn_resnet50_fpn(weights="DEFAULT")
    small = keypointrcnn_resnet50_fpn(num_classes=3, num_keypoints=5, trainable_backbone_layers=None)
    assert small.roi_heads.box_predictor.cls_score.out_features == 3
    assert small.roi_heads.keypoint_predictor.out_channels == 5


class RecordingPredictor(KeypointRCNNPredictor):
    def forward(self, x):
        self.logits = super().forward(x)
        return self.logits


def test_each_positive_roi_learns_the_keypoints_of_its_own_ground_truth():
    module = keypoint_heads()
    module.keypoint_predictor = RecordingPredictor(4, 3)
    features = {"0": autograd.randn(1, 2, 8, 8)}
    proposals = [autograd.tensor([[17.0, 17, 31, 31], [1, 1, 15, 17]])]
    gt_keypoints = [[[4.0, 5, 1], [10, 12, 2], [0, 0, 0]], [[20.0, 22, 1], [30, 18, 1], [25, 25, 2]]]
    target = {
        "boxes": autograd.tensor([[0.0, 2, 16, 18], [16, 16, 32, 32]]),
        "labels": ints(1, 2),
        "keypoints": autograd.tensor(gt_keypoints),
    }
    _, losses = module.train()(features, proposals, [(32, 32)], [target])
    seen = module.keypoint_roi_pool.seen[0]
    # positives in order: proposal 0 (ground truth 1), proposal 1 (ground truth 0), then the two
    # ground truths themselves
    assert seen.tolist() == [[17, 17, 31, 31], [1, 1, 15, 17], [0, 2, 16, 18], [16, 16, 32, 32]]
    expected = keypointrcnn_loss(
        module.keypoint_predictor.logits.detach(),
        [autograd.tensor(seen)],
        [target["keypoints"]],
        [ints(1, 0, 0, 1)],
    )
    assert float(losses["loss_keypoint"]) == pytest.approx(float(expected), rel=1e-6)
    swapped = keypointrcnn_loss(
        module.keypoint_predictor.logits.detach(),
        [autograd.tensor(seen)],
        [target["keypoints"]],
        [ints(0, 1, 1, 0)],
    )
    assert float(swapped) != pytest.approx(float(expected), rel=1e-3)  # the matching matters


def test_cells_scale_by_the_reciprocal_of_the_box_size_as_torchvision():
    """torchvision's ``heatmap_size / (x2 - x1)`` is torch's reversed division: ``reciprocal(w) * size``,
    rounded twice in float32. For w = 3, size 56: 1/3 rounds to 0.33333334, times 56 to 18.666668
    (18.666666 with one division), so a keypoint on a cell's edge (x = k·3/56) falls on the cell
    that rule gives."""
    box = t([[0, 0, 3, 3]])
    xs = np.arange(0, 3.01, 3 / 56, dtype=np.float32)
    points = autograd.tensor(np.stack([xs, np.zeros_like(xs), np.ones_like(xs)], 1)[None])
    scale = np.reciprocal(np.float32(3)) * np.float32(56)
    expected = np.minimum(np.floor(xs * scale).astype(np.int64), 55)  # x = 3 (the far edge): the last cell
    cells, valid = keypoints_to_heatmap(points, box, 56)
    assert valid.numpy().all()
    assert cells.numpy()[0].tolist() == expected.tolist()
    assert (expected != np.floor(xs * (np.float32(56) / np.float32(3)))).any()  # the two rules differ here


def test_a_batch_without_ground_truth_trains(tmp_path):
    """Images without objects (boxes of shape (0, 4)) reach the keypoint head with no RoIs at all: the
    loss is 0 and backward runs through the empty batch of RoIs (torchvision's behaviour)."""
    autograd.manual_seed(0)
    model = tiny_model().train()
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 70, 64)]
    empty = {"boxes": autograd.zeros(0, 4), "labels": ints(), "keypoints": autograd.zeros(0, 3, 3)}
    losses = model(images, [empty, empty])
    assert losses["loss_keypoint"].item() == 0.0
    sum(losses.values()).backward()
    grad = model.roi_heads.keypoint_predictor.kps_score_lowres.weight.grad
    assert grad is not None and not np.abs(grad.numpy()).any()
