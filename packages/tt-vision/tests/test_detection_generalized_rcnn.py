"""GeneralizedRCNN (tt_vision.models.detection.generalized_rcnn), as torchvision's.

A tiny model: a strided convolution for a backbone, the RPN of part 1 and a stand-in RoI-heads
module that records what it is given and returns one fixed box per image. Checked: what each
stage receives (resized targets, the image sizes, a tensor backbone output wrapped as ``{"0"}``),
the outputs in training (losses: the heads', then the RPN's) and in eval (boxes scaled back to the
original sizes), gradients reaching the backbone, and the input checks.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.layers import Conv2d
from tt_vision.models.detection import (
    AnchorGenerator,
    GeneralizedRCNNTransform,
    RegionProposalNetwork,
    RPNHead,
)
from tt_vision.models.detection.generalized_rcnn import GeneralizedRCNN


class StandInHeads(nn.Module):
    """Records its inputs; returns one box ``[0, 0, 32, 16]`` per image and a loss from the features."""

    def forward(self, features, proposals, image_sizes, targets=None):
        self.seen = {"features": features, "proposals": proposals, "sizes": image_sizes, "targets": targets}
        detections = [
            {
                "boxes": autograd.tensor([[0.0, 0.0, 32.0, 16.0]]),
                "labels": autograd.tensor([1]),
                "scores": autograd.tensor([0.5]),
            }
            for _ in image_sizes
        ]
        losses = {"loss_heads": features["0"].mean()} if self.training else {}
        return detections, losses


class DictBackbone(nn.Module):
    def __init__(self, as_dict=True):
        super().__init__()
        self.conv = Conv2d(3, 4, kernel_size=4, stride=4)
        self.as_dict = as_dict
        self.out_channels = 4

    def forward(self, x):
        y = self.conv(x)
        return {"0": y} if self.as_dict else y


def model(as_dict=True):
    top_n = {"training": 30, "testing": 20}
    rpn = RegionProposalNetwork(
        AnchorGenerator(((16,),), ((1.0,),)), RPNHead(4, 1), 0.7, 0.3, 32, 0.5, top_n, top_n, 0.7
    )
    transform = GeneralizedRCNNTransform(64, 128, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25])
    return GeneralizedRCNN(DictBackbone(as_dict), rpn, StandInHeads(), transform)


def targets():
    return [
        {"boxes": autograd.tensor([[2.0, 4.0, 10.0, 12.0]]), "labels": autograd.tensor([1])},
        {
            "boxes": autograd.tensor([[0.0, 0.0, 16.0, 8.0], [4.0, 4.0, 8.0, 12.0]]),
            "labels": autograd.tensor([1, 2]),
        },
    ]


def test_training_returns_heads_then_rpn_losses_and_resized_targets():
    net = model().train()
    given = targets()
    losses = net([autograd.rand(3, 32, 32), autograd.rand(3, 32, 64)], given)
    assert list(losses) == ["loss_heads", "loss_objectness", "loss_rpn_box_reg"]
    assert all(v.ndim == 0 and np.isfinite(float(v)) for v in losses.values())
    seen = net.roi_heads.seen
    # 32×32 -> 64×64 (×2), 32×64 -> 64×128 (×2): boxes doubled; the caller's dicts unchanged
    np.testing.assert_allclose(seen["targets"][0]["boxes"].numpy(), [[4, 8, 20, 24]])
    np.testing.assert_allclose(seen["targets"][1]["boxes"].numpy(), [[0, 0, 32, 16], [8, 8, 16, 24]])
    np.testing.assert_allclose(given[0]["boxes"].numpy(), [[2, 4, 10, 12]])
    assert seen["sizes"] == [(64, 64), (64, 128)]
    assert tuple(seen["features"]["0"].shape) == (2, 4, 16, 32)
    assert len(seen["proposals"]) == 2 and all(p.shape[1] == 4 for p in seen["proposals"])


def test_training_gradients_reach_the_backbone_and_rpn():
    net = model().train()
    losses = net([autograd.rand(3, 32, 32)], targets()[:1])
    sum(losses.values()).backward()
    assert net.backbone.conv.weight.grad is not None
    assert np.abs(net.backbone.conv.weight.grad.numpy()).sum() > 0
    assert np.abs(net.rpn.head.cls_logits.weight.grad.numpy()).sum() > 0


def test_eval_returns_detections_in_original_pixels():
    net = model().eval()
    out = net([autograd.rand(3, 32, 32), autograd.rand(3, 16, 48)])
    assert isinstance(out, list) and len(out) == 2
    # heads' box [0, 0, 32, 16] in the resized image: 32×32 was scaled ×2, 16×48 ×(64/16 = 4, capped by
    # 128/48: 8/3): sizes (42, 128), ratios 16/42 and 48/128
    np.testing.assert_allclose(out[0]["boxes"].numpy(), [[0, 0, 16, 8]], rtol=1e-6)
    assert net.roi_heads.seen["sizes"] == [(64, 64), (42, 128)]
    np.testing.assert_allclose(out[1]["boxes"].numpy(), [[0, 0, 32 * 48 / 128, 16 * 16 / 42]], rtol=1e-6)
    assert net.roi_heads.seen["targets"] is None
    assert set(out[0]) == {"boxes", "labels", "scores"}


def test_eval_with_targets_returns_detections():
    net = model().eval()
    out = net([autograd.rand(3, 32, 32)], targets()[:1])
    assert isinstance(out, list)
    np.testing.assert_allclose(net.roi_heads.seen["targets"][0]["boxes"].numpy(), [[4, 8, 20, 24]])


def test_tensor_backbone_output_is_named_0():
    net = model(as_dict=False).eval()
    net([autograd.rand(3, 32, 32)])
    assert list(net.roi_heads.seen["features"]) == ["0"]


def test_eager_outputs():
    net = model()
    assert net.train().eager_outputs({"a": 1}, [2]) == {"a": 1}
    assert net.eval().eager_outputs({"a": 1}, [2]) == [2]


def test_refuses_training_without_targets():
    with pytest.raises(ValueError, match="GeneralizedRCNN: targets should not be None in training mode"):
        model().train()([autograd.rand(3, 32, 32)])


def test_refuses_boxes_of_wrong_type_or_shape():
    net = model().train()
    with pytest.raises(TypeError, match="of type Tensor, got list"):
        net([autograd.rand(3, 32, 32)], [{"boxes": [[0.0, 0.0, 1.0, 1.0]], "labels": autograd.tensor([1])}])
    with pytest.raises(ValueError, match=r"shape \[N, 4\], got \(4,\)"):
        net([autograd.rand(3, 32, 32)], [{"boxes": autograd.tensor([0.0, 0.0, 1.0, 1.0]), "labels": None}])
    with pytest.raises(ValueError, match=r"shape \[N, 4\], got \(1, 5\)"):
        net([autograd.rand(3, 32, 32)], [{"boxes": autograd.zeros(1, 5), "labels": None}])


@pytest.mark.parametrize("bad", [[4.0, 2.0, 4.0, 9.0], [1.0, 5.0, 3.0, 2.0]])
def test_refuses_degenerate_boxes_naming_the_first(bad):
    net = model().train()
    given = targets()
    given[1]["boxes"] = autograd.tensor([[0.0, 0.0, 16.0, 8.0], bad, [3.0, 3.0, 3.0, 3.0]])
    given[1]["labels"] = autograd.tensor([1, 1, 1])
    shown = str([2 * v for v in bad])  # resized ×2 (32 -> 64), as torchvision reports it
    with pytest.raises(ValueError, match=rf"positive height and width.*{shown[1:-1]}.*target at index 1"):
        net([autograd.rand(3, 32, 32), autograd.rand(3, 32, 32)], given)


def test_refuses_images_without_height_and_width():
    not_chw = r"GeneralizedRCNN: images must be \(C, H, W\) tensors, got shape "
    with pytest.raises(ValueError, match=not_chw + r"\(5,\)"):
        model().eval()([autograd.rand(5)])
    with pytest.raises(ValueError, match=not_chw + r"\(32, 32\)"):
        model().eval()([autograd.rand(32, 32)])
