"""GeneralizedRCNNTransform (tt_vision.models.detection.transform), as torchvision's.

Sizes from the scale rule worked by hand; values on constant images and linear ramps (which
bilinear sampling reproduces between pixel centres, so a resized ramp is the ramp at the
sampled position: that position tells which scale was used); padding; targets and postprocess.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models.detection import GeneralizedRCNNTransform, ImageList
from tt_vision.models.detection.transform import resize_boxes, resize_keypoints

MEAN, STD = [0.5, 0.25, 0.0], [0.5, 2.0, 1.0]


def transform(min_size=32, max_size=64, **options):
    return GeneralizedRCNNTransform(min_size, max_size, MEAN, STD, **options).eval()


def test_normalize_per_channel():
    image = autograd.tensor(np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2) / 10)
    out = transform().normalize(image).numpy()
    expected = (image.numpy() - np.array(MEAN)[:, None, None]) / np.array(STD)[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    with pytest.raises(TypeError, match="floating type.*uint8.*image.float\\(\\) / 255"):
        transform().normalize(autograd.zeros(3, 2, 2, dtype=autograd.uint8))


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((20, 30), (32, 48)),  # short side to 32: factor 1.6
        ((10, 40), (16, 64)),  # the long side would pass 64: factor 64 / 40
        ((64, 48), (42, 32)),  # shrinking: factor min(32/48, 64/64) = 2/3: floor(42.67), 32
        ((32, 32), (32, 32)),
    ],
)
def test_resize_scale_rule(shape, expected):
    image = autograd.ones(3, *shape)
    out, _ = transform(min_size=(16, 32), max_size=64).resize(image)
    assert tuple(out.shape) == (3, *expected)
    np.testing.assert_allclose(out.numpy(), 1.0, rtol=1e-6)


def test_resize_recomputes_the_scale_from_the_sizes():
    # a ramp 0..9 along x; factor 15.5 / 10 = 1.55 -> 15 columns; the recomputed scale is 10 / 15,
    # so output column j samples x = (j + 0.5) · 10 / 15 - 0.5 (not (j + 0.5) / 1.55 - 0.5)
    ramp = autograd.tensor(np.tile(np.arange(10, dtype=np.float64), (1, 10, 1)))
    rule = GeneralizedRCNNTransform(15.5, 100, [0.0], [1.0]).eval()
    out, _ = rule.resize(ramp)
    assert tuple(out.shape) == (1, 15, 15)
    for j in (3, 5, 11):
        assert out.numpy()[0, 4, j] == pytest.approx((j + 0.5) * 10 / 15 - 0.5, abs=1e-12)


def test_fixed_size_is_width_then_height():
    out, _ = transform(fixed_size=(40, 24)).resize(autograd.ones(3, 10, 10))
    assert tuple(out.shape) == (3, 24, 40)


def test_training_draws_min_size_and_eval_takes_the_last():
    rule = transform(min_size=(16, 24, 32), max_size=1000).train()
    seen = {tuple(rule.resize(autograd.ones(1, 8, 8))[0].shape[-2:]) for _ in range(40)}
    assert seen == {(16, 16), (24, 24), (32, 32)}
    assert tuple(rule.eval().resize(autograd.ones(1, 8, 8))[0].shape[-2:]) == (32, 32)
    skipping = GeneralizedRCNNTransform(16, 32, [0.0], [1.0], _skip_resize=True).train()
    assert tuple(skipping.resize(autograd.ones(1, 8, 8))[0].shape) == (1, 8, 8)


def test_batch_pads_to_multiples_of_size_divisible_with_zeros():
    rule = transform(size_divisible=16)
    a = autograd.tensor(np.full((3, 17, 20), 2.0, np.float32))
    b = autograd.tensor(np.full((1, 5, 33), 3.0, np.float32))
    batch = rule.batch_images([a, b], size_divisible=16).numpy()
    assert batch.shape == (2, 3, 32, 48)
    assert np.all(batch[0, :, :17, :20] == 2.0) and batch[0].sum() == 2.0 * 3 * 17 * 20
    assert np.all(batch[1, :1, :5, :33] == 3.0) and batch[1].sum() == 3.0 * 5 * 33
    assert rule.batch_images([a], size_divisible=1).shape == (1, 3, 17, 20)
    assert rule.max_by_axis([[1, 5, 2], [3, 4, 2], [2, 1, 7]]) == [3, 5, 7]


def test_forward_returns_an_image_list_and_resized_targets_without_touching_the_callers():
    rule = transform()
    boxes = autograd.tensor([[1.0, 2.0, 10.0, 20.0]])
    keypoints = autograd.tensor([[[4.0, 5.0, 1.0]]])
    targets = [{"boxes": boxes, "keypoints": keypoints, "labels": autograd.tensor([3])}]
    raw = [autograd.ones(3, 20, 30)]
    images, out = rule(raw, targets)
    assert tuple(raw[0].shape) == (3, 20, 30)  # the caller's list still holds its image
    assert isinstance(images, ImageList) and images.image_sizes == [(32, 48)]
    assert tuple(images.tensors.shape) == (1, 3, 32, 64)
    np.testing.assert_allclose(out[0]["boxes"].numpy(), [[1.6, 3.2, 16.0, 32.0]], rtol=1e-6)
    np.testing.assert_allclose(out[0]["keypoints"].numpy(), [[[6.4, 8.0, 1.0]]], rtol=1e-6)
    assert out[0]["labels"] is targets[0]["labels"]
    assert targets[0]["boxes"] is boxes and boxes.numpy().tolist() == [[1.0, 2.0, 10.0, 20.0]]
    # normalised then padded: channel 0 is (1 - 0.5) / 0.5 = 1 inside, 0 in the padding
    assert images.tensors.numpy()[0, 0, :32, :48].min() == pytest.approx(1.0)
    assert (
        images.tensors.numpy()[0, :, :, 48:].max() == 0.0
        and images.tensors.numpy()[0, :, :, 48:].min() == 0.0
    )


def test_masks_follow_by_nearest_neighbour():
    mask = np.zeros((1, 4, 4), np.uint8)
    mask[0, :2, :2] = 1
    _, out = transform(min_size=8, max_size=100)(
        [autograd.ones(3, 4, 4)], [{"boxes": autograd.zeros(0, 4), "masks": autograd.tensor(mask)}]
    )
    assert out[0]["masks"].dtype == autograd.uint8
    np.testing.assert_array_equal(out[0]["masks"].numpy()[0], np.kron(mask[0], np.ones((2, 2), np.uint8)))


def test_ratios_are_float32_divisions():
    ratio = float(np.float32(32) / np.float32(7))
    boxes = resize_boxes(autograd.tensor([[1.0, 1.0, 1.0, 1.0]], dtype=autograd.float64), (7, 7), (32, 32))
    assert boxes.numpy().tolist() == [[ratio] * 4] and ratio != 32 / 7
    keypoints = resize_keypoints(autograd.tensor([[[1.0, 1.0, 2.0]]]), (10, 7), (20, 21))
    assert keypoints.numpy().tolist() == [[[3.0, 2.0, 2.0]]]
    with pytest.raises(ValueError, match=r"boxes must be \(N, 4\)"):
        resize_boxes(autograd.zeros(4), (1, 1), (2, 2))


def test_postprocess_scales_boxes_back_in_eval_only():
    rule = transform()
    predictions = [{"boxes": autograd.tensor([[16.0, 8.0, 32.0, 24.0]]), "scores": autograd.tensor([0.5])}]
    out = rule.postprocess(predictions, [(32, 48)], [(20, 30)])
    np.testing.assert_allclose(out[0]["boxes"].numpy(), [[10.0, 5.0, 20.0, 15.0]], rtol=1e-6)
    kept = [{"boxes": autograd.tensor([[16.0, 8.0, 32.0, 24.0]])}]
    assert rule.train().postprocess(kept, [(32, 48)], [(20, 30)])[0]["boxes"].numpy().tolist() == [
        [16.0, 8.0, 32.0, 24.0]
    ]
    keypoints = [{"boxes": autograd.zeros(0, 4), "keypoints": autograd.tensor([[[16.0, 8.0, 1.0]]])}]
    out = rule.eval().postprocess(keypoints, [(32, 48)], [(20, 30)])
    np.testing.assert_allclose(out[0]["keypoints"].numpy(), [[[10.0, 5.0, 1.0]]], rtol=1e-6)
    masks = [{"boxes": autograd.zeros(0, 4), "masks": autograd.zeros(0, 1, 4, 4)}]
    out = rule.postprocess(
        masks, [(4, 4)], [(8, 6)]
    )  # pasted at the original size (test_detection_paste_masks)
    assert tuple(out[0]["masks"].shape) == (0, 1, 8, 6)


def test_repr_is_torchvisions():
    assert repr(transform()) == (
        "GeneralizedRCNNTransform(\n"
        "    Normalize(mean=[0.5, 0.25, 0.0], std=[0.5, 2.0, 1.0])\n"
        "    Resize(min_size=(32,), max_size=64, mode='bilinear')\n"
        ")"
    )


def test_errors():
    with pytest.raises(ValueError, match=r"3d tensors of shape \[C, H, W\], got \(1, 3, 4, 4\)"):
        transform()([autograd.ones(1, 3, 4, 4)])
    with pytest.raises(ValueError, match="2 images but 1 targets"):
        transform()([autograd.ones(3, 4, 4)] * 2, [{"boxes": autograd.zeros(0, 4)}])
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['size'\\]"):
        GeneralizedRCNNTransform(8, 16, [0.0], [1.0], size=3)


def test_gradient_flows_to_the_images(check_grad, leaf):
    rule = GeneralizedRCNNTransform(6, 10, [0.1, 0.2], [0.5, 2.0], size_divisible=4).eval()
    a, b = leaf(2, 4, 5), leaf(2, 3, 3)
    check_grad(lambda x, y: rule([x, y])[0].tensors, a, b)
