"""BoxCoder, Matcher and BalancedPositiveNegativeSampler (tt_vision.models.detection.det_utils).

Codes worked by hand from Faster R-CNN's definition; decode∘encode is the identity; decoding's
gradient against float64 central differences; the matcher's thresholds (boundaries included),
low-quality matches with ties, and ties between ground truths; the sampler's counts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models.detection import BalancedPositiveNegativeSampler, BoxCoder, Matcher
from tt_vision.models.detection.det_utils import encode_boxes


def random_boxes(rng, n):
    corner = rng.uniform(-20, 20, size=(n, 2))
    size = rng.uniform(1, 30, size=(n, 2))
    return autograd.tensor(np.concatenate([corner, corner + size], axis=1))


def test_encode_by_hand():
    anchor = autograd.tensor([[0.0, 0.0, 10.0, 10.0], [2.0, 4.0, 6.0, 6.0]])
    # box 1: centre (10, 20) vs (5, 5), width 20 vs 10, height 40 vs 10
    # box 2: centre (3, 6) vs (4, 5), width 2 vs 4, height 2 vs 2
    boxes = autograd.tensor([[0.0, 0.0, 20.0, 40.0], [2.0, 5.0, 4.0, 7.0]])
    codes = BoxCoder((1.0, 1.0, 1.0, 1.0)).encode_single(boxes, anchor).numpy()
    expected = [[0.5, 1.5, math.log(2), math.log(4)], [-0.25, 0.5, math.log(0.5), 0.0]]
    np.testing.assert_allclose(codes, expected, rtol=1e-6, atol=1e-7)
    weighted = BoxCoder((10.0, 5.0, 2.0, 3.0)).encode_single(boxes, anchor).numpy()
    np.testing.assert_allclose(weighted, np.array(expected) * [10, 5, 2, 3], rtol=1e-6, atol=1e-6)


def test_decode_inverts_encode(rng):
    references, boxes = random_boxes(rng, 30), random_boxes(rng, 30)
    for weights in ((1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)):
        coder = BoxCoder(weights)
        codes = coder.encode_single(boxes, references)
        assert codes.dtype == autograd.float64
        np.testing.assert_allclose(coder.decode_single(codes, references).numpy(), boxes.numpy(), atol=1e-10)


def test_decode_several_boxes_per_reference_and_per_image(rng):
    coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
    refs = [random_boxes(rng, 3), random_boxes(rng, 2)]
    targets = [random_boxes(rng, 3), random_boxes(rng, 2)]
    codes = coder.encode(targets, refs)
    assert [tuple(c.shape) for c in codes] == [(3, 4), (2, 4)]
    second = random_boxes(rng, 5)
    two = autograd.cat([autograd.cat(list(codes)), coder.encode_single(second, autograd.cat(refs))], dim=1)
    decoded = coder.decode(two, refs)
    assert tuple(decoded.shape) == (5, 2, 4)
    np.testing.assert_allclose(decoded.numpy()[:, 0], autograd.cat(targets).numpy(), atol=1e-10)
    np.testing.assert_allclose(decoded.numpy()[:, 1], second.numpy(), atol=1e-10)


def test_decode_reshapes_codes_per_reference_and_takes_no_boxes(rng):
    coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
    one = coder.decode(autograd.zeros(1, 2, 4), [autograd.tensor([[0.0, 0.0, 2.0, 4.0]])])
    assert one.numpy().tolist() == [[[0.0, 0.0, 2.0, 4.0]] * 2]
    empty = coder.decode(autograd.zeros(0, 4), [autograd.zeros(0, 4), autograd.zeros(0, 4)])
    assert tuple(empty.shape) == (0, 4)


def test_decode_clamps_the_log_size_and_casts_references():
    coder = BoxCoder((1.0, 1.0, 2.0, 1.0), bbox_xform_clip=math.log(4.0))
    reference = autograd.tensor([[0, 0, 10, 20]], dtype=autograd.int64)
    codes = autograd.tensor([[0.0, 0.0, 100.0, -math.log(2.0)]], dtype=autograd.float64)
    box = coder.decode_single(codes, reference).numpy()
    # dw = 100 / 2 clamped to log 4: width 40 around x = 5; dh = -log 2 not clamped: height 10 around y = 10
    np.testing.assert_allclose(box, [[-15.0, 5.0, 25.0, 15.0]], atol=1e-12)
    assert box.dtype == np.float64
    narrow = coder.decode_single(codes.float(), reference.double())
    assert narrow.dtype == autograd.float32


def test_decode_gradient_matches_central_differences(rng, check_grad):
    references = random_boxes(rng, 4)
    coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
    codes = autograd.tensor(rng.normal(0, 1, (4, 8)), requires_grad=True)
    check_grad(lambda c: coder.decode_single(c, references), codes)
    targets = random_boxes(rng, 4)
    boxes = autograd.tensor(targets.numpy(), requires_grad=True)
    check_grad(lambda b: coder.encode_single(b, references), boxes)


def test_encode_boxes_takes_weights_as_a_tensor():
    weights = autograd.tensor([2.0, 2.0, 1.0, 1.0])
    codes = encode_boxes(autograd.tensor([[1.0, 0, 3, 2]]), autograd.tensor([[0.0, 0, 2, 2]]), weights)
    assert codes.numpy().tolist() == [[1.0, 0.0, 0.0, 0.0]]


def test_box_coder_errors():
    with pytest.raises(ValueError, match="weights must be 4 numbers"):
        BoxCoder((1.0, 1.0))
    coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match=r"reference_boxes \(2, 4\) and proposals \(3, 4\)"):
        coder.encode_single(autograd.zeros(2, 4), autograd.zeros(3, 4))
    with pytest.raises(ValueError, match=r"rel_codes must be \(N, K \* 4\) with N = 2"):
        coder.decode_single(autograd.zeros(2, 5), autograd.zeros(2, 4))
    with pytest.raises(ValueError, match="rel_codes must be"):
        coder.decode_single(autograd.zeros(3, 4), autograd.zeros(2, 4))
    with pytest.raises(TypeError, match="boxes must be a list"):
        coder.decode(autograd.zeros(2, 4), autograd.zeros(2, 4))


QUALITY = autograd.tensor(
    [
        # predictions: 0     1     2     3     4     5
        [0.9, 0.5, 0.1, 0.7, 0.3, 0.2],  # gt 0
        [0.2, 0.6, 0.2, 0.1, 0.29, 0.2],  # gt 1
    ]
)


def test_matcher_thresholds_and_boundaries():
    matches = Matcher(0.7, 0.3)(QUALITY).numpy()
    # 0.9 -> gt 0; 0.6 between; 0.2 below; 0.7 (== high) matches; 0.3 (== low) between; 0.2 below
    assert matches.tolist() == [0, -2, -1, 0, -2, -1]
    assert matches.dtype == np.int64
    assert Matcher.BELOW_LOW_THRESHOLD == -1 and Matcher.BETWEEN_THRESHOLDS == -2


def test_low_quality_matches_keep_each_ground_truths_best_with_ties():
    # gt 1's best is 0.6 at prediction 1: it keeps its own best gt (1) although between thresholds
    assert Matcher(0.7, 0.3, allow_low_quality_matches=True)(QUALITY).numpy().tolist() == [
        0,
        1,
        -1,
        0,
        -2,
        -1,
    ]
    # gt 1's best (0.2) is tied at predictions 0, 2 and 5: 2 and 5 take their best gt; 0 was matched already;
    # prediction 2's best gt is 1 (0.2 > 0.1), prediction 5's a tie of both gts -> the lower index, 0
    tied = autograd.tensor([[0.9, 0.05, 0.1, 0.6, 0.1, 0.2], [0.2, 0.1, 0.2, 0.1, 0.1, 0.2]])
    assert Matcher(0.7, 0.3, True)(tied).numpy().tolist() == [0, -1, 1, -2, -1, 0]
    assert Matcher(0.7, 0.3, False)(tied).numpy().tolist() == [0, -1, -1, -2, -1, -1]


def test_set_low_quality_matches_in_place():
    matcher = Matcher(0.7, 0.3, True)
    matches = autograd.tensor([0, -2, -1, 0, -2, -1])
    matcher.set_low_quality_matches_(matches, autograd.tensor([0, 1, 0, 0, 0, 0]), QUALITY)
    assert matches.numpy().tolist() == [0, 1, -1, 0, -2, -1]


def test_matcher_errors():
    with pytest.raises(ValueError, match="No ground-truth boxes"):
        Matcher(0.7, 0.3)(autograd.zeros(0, 5))
    with pytest.raises(ValueError, match="No proposal boxes"):
        Matcher(0.7, 0.3)(autograd.zeros(2, 0))
    with pytest.raises(ValueError, match=r"low_threshold \(0.8\) must be <= high_threshold \(0.5\)"):
        Matcher(0.5, 0.8)
    with pytest.raises(ValueError, match="must be \\(M ground truths, N predictions\\)"):
        Matcher(0.7, 0.3)(autograd.zeros(4))
    assert Matcher(0.5, 0.5)(autograd.tensor([[0.5, 0.49]])).numpy().tolist() == [0, -1]


def counts(masks):
    return [int(m.numpy().sum()) for m in masks]


def test_sampler_counts_and_ignored_labels():
    labels = autograd.tensor([1, 2, 0, 0, 0, -1, 0, 1, -2])
    sampler = BalancedPositiveNegativeSampler(4, 0.5)
    for _ in range(20):
        (pos,), (neg,) = sampler([labels])
        pos, neg = pos.numpy(), neg.numpy()
        assert pos.dtype == np.uint8 and pos.shape == (9,)
        assert pos.sum() == 2 and set(np.flatnonzero(pos)) <= {0, 1, 7}
        assert neg.sum() == 2 and set(np.flatnonzero(neg)) <= {2, 3, 4, 6}
    # few positives: the negatives fill the batch; few negatives: what there is
    few = autograd.tensor([1, 0, 0, 0, 0, 0, 0])
    pos, neg = BalancedPositiveNegativeSampler(4, 0.5)([few, autograd.tensor([1, 1, 1, 0, -1])])
    assert counts(pos) == [1, 2] and counts(neg) == [3, 1]
    # int(batch * fraction) rounds down: int(5 * 0.5) = 2 positives at most
    pos, neg = BalancedPositiveNegativeSampler(5, 0.5)([autograd.tensor([1, 1, 1, 1, 0, 0, 0, 0])])
    assert counts(pos) == [2] and counts(neg) == [3]


def test_sampler_draws_uniformly_from_the_default_generator():
    labels = autograd.tensor([1] * 6 + [0] * 6)
    sampler = BalancedPositiveNegativeSampler(4, 0.25)
    autograd.manual_seed(3)
    first = sampler([labels])
    autograd.manual_seed(3)
    again = sampler([labels])
    assert np.array_equal(first[0][0].numpy(), again[0][0].numpy())
    hits = np.zeros(12)
    for _ in range(600):
        pos, neg = sampler([labels])
        hits += pos[0].numpy() + neg[0].numpy()
    # each positive is taken with probability 1/6 (100 of 600), each negative 3/6 (300)
    assert np.all(np.abs(hits[:6] - 100) < 40) and np.all(np.abs(hits[6:] - 300) < 60)
