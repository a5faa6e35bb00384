"""torchvision.ops on what a detector's network hands them: boxes and scores that require grad, NaN scores.

Beyond the course: no module number. torchvision 0.29.1 runs every call below on tensors that
require grad (the boxes' gradient is not its ops' business: the values are read, as here), and its
``nms`` ranks a NaN score first, as torch's descending sort puts NaN (checked in a scratch run: it
keeps ``[0]`` for the boxes below).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_vision import ops

BOXES = [[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]]


def leaf(values) -> autograd.Tensor:
    return autograd.tensor(np.asarray(values, np.float32), requires_grad=True)


def test_boxes_and_scores_that_require_grad_are_read_as_values():
    boxes, scores = leaf(BOXES), leaf([0.1, 0.5, 0.9])
    assert (
        ops.nms(boxes, scores, 0.5).tolist() == ops.nms(boxes.detach(), scores.detach(), 0.5).tolist() == [2]
    )
    assert ops.batched_nms(boxes, scores, autograd.tensor([0, 1, 0]), 0.5).tolist() == [2, 1]
    assert ops.remove_small_boxes(boxes, 9.5).tolist() == [0, 2]
    assert ops.masks_to_boxes(leaf(np.ones((1, 3, 4)))).tolist() == [[0.0, 0.0, 3.0, 2.0]]
    features = autograd.randn(1, 4, 8, 8, requires_grad=True)
    regions = leaf([[0.0, 1.0, 1.0, 6.0, 6.0]])
    for op in (ops.roi_align, ops.roi_pool, ops.ps_roi_align, ops.ps_roi_pool):
        out = op(features, regions, 2)
        expected = op(features, regions.detach(), 2)
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        assert op(features, [leaf([[1.0, 1.0, 6.0, 6.0]])], 2).shape == out.shape
        out.sum().backward()  # the features still get their gradient
    assert features.grad is not None and regions.grad is None


def test_nms_ranks_a_nan_score_first_as_torch():
    scores = autograd.tensor([float("nan"), 0.5, 0.9])
    assert ops.nms(autograd.tensor(BOXES), scores, 0.5).tolist() == [0]
    assert ops.batched_nms(autograd.tensor(BOXES), scores, autograd.tensor([0, 0, 0]), 0.5).tolist() == [0]


def test_no_regions_give_an_empty_result_and_a_zero_gradient():
    features = autograd.randn(2, 3, 8, 8, requires_grad=True)
    for op in (ops.roi_align, ops.roi_pool):
        out = op(features, autograd.zeros(0, 5), 2)
        assert tuple(out.shape) == (0, 3, 2, 2)
        out.sum().backward()
        assert features.grad is not None and not features.grad.numpy().any()
        features.grad = None
