"""paste_masks_in_image and its helpers (tt_vision.models.detection.paste_masks), and the transform's
postprocess of masks.

Facts checked by hand (a constant mask fills its box; padding's fading rim from the bilinear rule;
clipping at the image border; empty inputs), against a per-mask loop that follows torchvision's
steps with ``F.interpolate`` (a separate resizing implementation), and the gradient against
float64 central differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
from tt_vision.models.detection import roi_heads, transform
from tt_vision.models.detection.paste_masks import expand_boxes, expand_masks, paste_masks_in_image
from tt_vision.models.detection.transform import GeneralizedRCNNTransform


def paste(masks, boxes, shape, padding=1):
    return paste_masks_in_image(
        autograd.tensor(np.array(masks)), autograd.tensor(np.array(boxes)), shape, padding
    )


def loop_reference(masks, boxes, shape, padding):
    """torchvision's steps, one mask at a time: pad, grow and truncate the box, resize, crop into place."""
    height, width = shape
    cells = masks.shape[-1]
    scale = (cells + 2 * padding) / cells
    out = np.zeros((len(masks), 1, height, width), np.float32)
    for n, (mask, box) in enumerate(zip(masks, boxes)):
        padded = np.pad(mask[0], padding)
        half = (box[2:] - box[:2]) * np.float32(0.5) * np.float32(scale)
        centre = (box[2:] + box[:2]) * np.float32(0.5)
        x0, y0, x1, y1 = np.trunc(np.concatenate([centre - half, centre + half])).astype(int)
        h, w = max(y1 - y0 + 1, 1), max(x1 - x0 + 1, 1)
        resized = F.interpolate(autograd.tensor(padded)[None, None], size=(h, w), mode="bilinear")
        resized = resized.numpy()[0, 0]
        top, left, bottom, right = max(y0, 0), max(x0, 0), min(y1 + 1, height), min(x1 + 1, width)
        if bottom > top and right > left:
            out[n, 0, top:bottom, left:right] = resized[top - y0 : bottom - y0, left - x0 : right - x0]
    return out


def test_a_constant_mask_without_padding_fills_its_box():
    got = paste(np.full((1, 1, 3, 3), 0.75, np.float32), [[2.0, 3.0, 5.0, 7.0]], (10, 9), padding=0)
    expected = np.zeros((10, 9), np.float32)
    expected[3:8, 2:6] = 0.75  # corners inclusive: rows 3..7, columns 2..5
    np.testing.assert_allclose(got.numpy()[0, 0], expected, atol=1e-7)
    assert got.dtype == autograd.float32 and tuple(got.shape) == (1, 1, 10, 9)


def test_padding_grows_the_box_and_fades_at_the_rim():
    got = paste(np.ones((1, 1, 2, 2), np.float32), [[1.0, 1.0, 5.0, 5.0]], (8, 8)).numpy()[0, 0]
    # padded to 4 cells (0, 1, 1, 0); the box grows by 4/2 about its centre 3: pixels -1..7, 9 of them;
    # pixel i samples cell (i + 1 + 0.5) * 4/9 - 0.5 (clamped at 0), linear between cells
    source = np.maximum((np.arange(8) + 1.5) * 4 / 9 - 0.5, 0)
    profile = np.interp(source, [0, 1, 2, 3], [0, 1, 1, 0])
    np.testing.assert_allclose(got, np.outer(profile, profile), atol=1e-6)
    assert got[0, 0] > 0 and got[7].max() == 0 and got[:, 7].max() == 0  # pixel 7 samples the zero cell


def test_boxes_across_the_border_are_clipped():
    mask = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4) / 16
    boxes = np.array([[-3.0, -2.0, 4.0, 5.0], [5.0, 6.0, 12.0, 20.0]], np.float32)
    masks = np.concatenate([mask, mask[..., ::-1]])
    got = paste(masks, boxes, (9, 8), padding=0).numpy()
    np.testing.assert_allclose(got, loop_reference(masks, boxes, (9, 8), 0), atol=1e-6)
    # box 0 (8 × 8 pixels from (-3, -2)) keeps its resized mask's rows 2..7 and columns 3..7, at the
    # image's rows 0..5 and columns 0..4
    full = F.interpolate(autograd.tensor(mask), size=(8, 8), mode="bilinear").numpy()[0, 0]
    np.testing.assert_allclose(got[0, 0, :6, :5], full[2:, 3:], atol=1e-6)
    assert got[0, 0, 6:].max() == 0 and got[0, 0, :, 5:].max() == 0


def test_random_cases_match_the_loop_reference(rng):
    for case in range(30):
        count, cells = rng.integers(1, [5, 12])
        height, width = (int(v) for v in rng.integers(1, 40, size=2))
        masks = rng.uniform(0, 1, (count, 1, cells, cells)).astype(np.float32)
        corner = rng.uniform(-5, [width, height], (count, 2))
        boxes = np.concatenate([corner, corner + rng.uniform(0, 30, (count, 2))], 1).astype(np.float32)
        if case % 3 == 0:
            boxes = np.round(boxes)
        padding = case % 3
        got = paste(masks, boxes, (height, width), padding).numpy()
        np.testing.assert_allclose(got, loop_reference(masks, boxes, (height, width), padding), atol=2e-6)


def test_degenerate_and_outside_boxes_paste_nothing_or_one_pixel():
    masks = np.ones((4, 1, 2, 2), np.float32)
    boxes = [[4.0, 4.0, 2.0, 2.0], [-30.0, -30.0, -20.0, -20.0], [3.0, 2.0, 3.0, 2.0], [4.0, 4.0, 3.0, 3.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # x1 = x0 - 1: no division by a zero length either
        got = paste(masks, boxes, (6, 6), padding=0).numpy()
    assert got[0].max() == 0 and got[1].max() == 0 and got[3].max() == 0  # x1 < x0; outside the image
    expected = np.zeros((6, 6))
    expected[2, 3] = 1  # a zero-size box still covers its one pixel
    np.testing.assert_allclose(got[2, 0], expected, atol=1e-7)


def test_empty_inputs_and_dtypes():
    got = paste_masks_in_image(autograd.zeros(0, 1, 28, 28), autograd.zeros(0, 4), (5, 7))
    assert tuple(got.shape) == (0, 1, 5, 7) and got.dtype == autograd.float32
    double = paste(np.ones((1, 1, 2, 2)), np.array([[0, 0, 3, 3]]), (4, 4), padding=0)
    assert double.dtype == autograd.float64
    np.testing.assert_array_equal(double.numpy(), np.ones((1, 1, 4, 4)))  # integer boxes are fine


def test_gradient_with_respect_to_the_masks(rng, check_grad):
    masks = autograd.tensor(rng.uniform(0, 1, (2, 1, 3, 3)), dtype=autograd.float64, requires_grad=True)
    boxes = autograd.tensor([[1.0, 0.0, 6.0, 4.0], [-1.0, 2.0, 3.0, 9.0]], dtype=autograd.float64)
    check_grad(lambda m: paste_masks_in_image(m, boxes, (7, 8)), masks)


def test_helpers():
    grown = expand_boxes(autograd.tensor([[0.0, 0.0, 10.0, 20.0]]), 1.5).numpy()
    np.testing.assert_array_equal(grown, [[-2.5, -5.0, 12.5, 25.0]])
    assert grown.dtype == np.float32
    padded, scale = expand_masks(autograd.ones(2, 1, 4, 4), 2)
    assert tuple(padded.shape) == (2, 1, 8, 8) and scale == 2.0
    assert float(padded.sum()) == 32.0
    assert roi_heads.paste_masks_in_image is paste_masks_in_image  # torchvision's module paths
    assert transform.paste_masks_in_image is paste_masks_in_image


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"masks must be \(N, 1, M, M\)"):
        paste_masks_in_image(autograd.ones(1, 2, 4, 4), autograd.zeros(1, 4), (8, 8))
    with pytest.raises(ValueError, match=r"masks must be \(N, 1, M, M\)"):
        paste_masks_in_image(autograd.ones(1, 4, 4), autograd.zeros(1, 4), (8, 8))
    with pytest.raises(ValueError, match=r"boxes must be \(N, 4\) 'xyxy' with N = 2"):
        paste_masks_in_image(autograd.ones(2, 1, 4, 4), autograd.zeros(1, 4), (8, 8))
    with pytest.raises(ValueError, match=r"boxes must be \(N, 4\)"):
        paste_masks_in_image(autograd.ones(1, 1, 4, 4), autograd.zeros(1, 5), (8, 8))
    with pytest.raises(ValueError, match=r"boxes must be \(N, 4\)"):
        paste_masks_in_image(autograd.ones(1, 1, 4, 4), autograd.zeros(4), (8, 8))
    with pytest.raises(ValueError, match="img_shape must be"):
        paste_masks_in_image(autograd.ones(1, 1, 4, 4), autograd.zeros(1, 4), (8, 8, 3))
    with pytest.raises(TypeError, match="floating point"):
        paste_masks_in_image(autograd.ones(1, 1, 4, 4, dtype=autograd.uint8), autograd.zeros(1, 4), (8, 8))


def test_postprocess_pastes_masks_along_the_rescaled_boxes():
    rule = GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3).eval()
    predictions = [
        {"boxes": autograd.tensor([[8.0, 4.0, 24.0, 20.0]]), "masks": autograd.full((1, 1, 4, 4), 0.5)}
    ]
    out = rule.postprocess(predictions, [(32, 32)], [(16, 16)])
    np.testing.assert_allclose(out[0]["boxes"].numpy(), [[4.0, 2.0, 12.0, 10.0]])
    expected = paste_masks_in_image(autograd.full((1, 1, 4, 4), 0.5), out[0]["boxes"], (16, 16))
    np.testing.assert_array_equal(out[0]["masks"].numpy(), expected.numpy())
    masks = out[0]["masks"].numpy()[0, 0]
    assert masks[6, 8] == 0.5 and masks[:, :3].max() == 0 and masks[:, 14:].max() == 0
