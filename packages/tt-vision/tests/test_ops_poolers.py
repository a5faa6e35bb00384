"""MultiScaleRoIAlign and LevelMapper (tt_vision.ops.poolers).

Levels worked out by hand from eq. 1 of the FPN paper (``floor(k0 + log2(√area / s0) + 1e-6)``,
clamped); scales from the maps' and images' sizes; each box's pooled feature equal to
``roi_align`` of that box alone on its level's map at its scale, in the boxes' order.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops
from tt_vision.ops.poolers import LevelMapper, infer_scale, initLevelMapper, setup_scales


def square(side: float, at: float = 0.0) -> list[float]:
    return [at, at, at + side, at + side]


def test_level_mapper_follows_eq_1_with_its_clamp_and_epsilon():
    mapper = LevelMapper(2, 5)  # canonical 224 → level 4 → index 2
    boxes = [
        autograd.tensor([square(224.0), square(112.0), square(448.0), square(223.0)]),
        autograd.tensor([square(1.0), square(5000.0), [50.0, 30.0, 162.0, 478.0], [200.0, 0.0, 256.0, 56.0]]),
        autograd.tensor([[0.0, 200.0, 56.0, 256.0]]),
        autograd.tensor([square(224.0 * (1 - 1e-7)), square(224.0 * (1 - 1e-5))], dtype=autograd.float64),
    ]
    # 224: 4; 112: exactly 3; 448: 5; 223: floor(4 - 0.006) = 3; tiny: clamped to 2; huge: to 5;
    # 112 × 448 has √area 224: 4; 56 × 56: 2; √area 1e-7 under 224: the epsilon 1e-6 keeps it on 4; 1e-5: 3
    expected = np.array([4, 3, 5, 3, 2, 5, 4, 2, 2, 4, 3]) - 2  # 56 × 56 off the origin on either axis: 2
    levels = mapper(boxes)
    assert levels.dtype == autograd.int64
    np.testing.assert_array_equal(levels.numpy(), expected)
    other = initLevelMapper(2, 5, canonical_scale=56, canonical_level=3)  # 56 → 3, 112 → 4
    np.testing.assert_array_equal(other([autograd.tensor([square(56.0), square(112.0)])]).numpy(), [1, 2])
    assert (other.s0, other.lvl0, other.eps) == (56, 3, 1e-6)


def test_scales_are_powers_of_two_from_the_height_and_the_largest_image():
    assert infer_scale(autograd.zeros(1, 1, 16, 5), 64) == 0.25  # the height decides
    assert infer_scale(autograd.zeros(1, 1, 15, 5), 64) == 0.25  # log2(0.234) rounds to -2
    assert infer_scale(autograd.zeros(1, 1, 9, 5), 64) == 0.125
    features = [autograd.zeros(1, 1, 25, 25), autograd.zeros(1, 1, 13, 13), autograd.zeros(1, 1, 7, 7)]
    scales, mapper = setup_scales(features, [(100, 60), (80, 50)], 224, 4)  # the largest height: 100
    assert scales == [0.25, 0.125, 0.0625]
    assert (mapper.k_min, mapper.k_max) == (2, 4)
    with pytest.raises(ValueError, match="image_shapes is empty"):
        setup_scales(features, [], 224, 4)


def boxes64(rows) -> autograd.Tensor:
    """Boxes in float64, the maps' dtype (roi_align requires the same)."""
    return autograd.tensor(rows, dtype=autograd.float64)


@pytest.fixture
def pyramid(rng):
    return {
        "p2": autograd.tensor(rng.normal(size=(2, 3, 32, 32))),
        "p3": autograd.tensor(rng.normal(size=(2, 3, 16, 16))),
        "other": autograd.tensor(rng.normal(size=(2, 3, 5, 5))),
        "p4": autograd.tensor(rng.normal(size=(2, 3, 8, 8))),
    }


BOXES = [  # image 0: levels 4, 2, 3, 2 (after the clamp); image 1: 3, 4, 4
    [square(230.0, 1.0), square(20.0, 3.0), square(120.0, 5.5), square(40.0, 60.0)],
    [square(150.0, 9.0), square(500.0, 0.0), square(300.0, 2.0)],
]
LEVELS = [4, 2, 3, 2, 3, 4, 4]


def test_each_box_is_pooled_from_its_level_in_the_boxes_order(pyramid):
    pool = ops.MultiScaleRoIAlign(["p2", "p3", "p4"], (3, 2), sampling_ratio=2)
    boxes = [boxes64(b) for b in BOXES]
    out = pool(pyramid, boxes, [(128, 128), (120, 100)])
    assert pool.scales == [0.25, 0.125, 0.0625]
    rows = [(i, b) for i, image in enumerate(BOXES) for b in image]
    for k, ((image, box), level) in enumerate(zip(rows, LEVELS)):
        alone = ops.roi_align(pyramid[f"p{level}"], boxes64([[image, *box]]), (3, 2), 2.0**-level, 2)
        np.testing.assert_allclose(out[k : k + 1].numpy(), alone.numpy(), rtol=1e-12, atol=1e-12)


def test_one_level_is_roi_align_at_its_scale(pyramid):
    pool = ops.MultiScaleRoIAlign(["p3"], 2, sampling_ratio=-1)
    boxes = [boxes64(b) for b in BOXES]
    out = pool(pyramid, boxes, [(128, 128)])
    np.testing.assert_array_equal(out.numpy(), ops.roi_align(pyramid["p3"], boxes, 2, 0.125, -1).numpy())


def test_maps_that_skip_a_level_read_by_index_and_leave_the_last_zeros(pyramid):
    pool = ops.MultiScaleRoIAlign(["p2", "p4"], 2, sampling_ratio=1)  # levels 2 to 4, index 1 reads p4
    boxes = [boxes64(b) for b in BOXES]
    out = pool(pyramid, boxes, [(128, 128)]).numpy()
    rows = [(i, b) for i, image in enumerate(BOXES) for b in image]
    for k, ((image, box), level) in enumerate(zip(rows, LEVELS)):
        if level == 4:  # index 2: no third map
            assert not out[k].any()
        else:
            name, scale = ("p2", 0.25) if level == 2 else ("p4", 0.0625)
            alone = ops.roi_align(pyramid[name], boxes64([[image, *box]]), 2, scale, 1)
            np.testing.assert_allclose(out[k : k + 1], alone.numpy(), rtol=1e-12, atol=1e-12)


def test_scales_are_kept_from_the_first_call(pyramid):
    pool = ops.MultiScaleRoIAlign(["p2", "p3"], 2, sampling_ratio=2)
    assert pool.scales is None and pool.map_levels is None
    boxes = [boxes64([square(30.0)])]
    first = pool(pyramid, boxes, [(128, 128)])
    mapper = pool.map_levels
    again = pool(pyramid, boxes, [(512, 512)])  # other sizes: torchvision keeps the first scales too
    assert pool.scales == [0.25, 0.125] and pool.map_levels is mapper
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    pool.map_levels = None  # either one missing: both inferred again
    pool(pyramid, boxes, [(512, 512)])
    assert pool.scales == [0.0625, 0.03125] and pool.map_levels is not mapper


def test_gradients_reach_each_level_as_central_differences_say(rng, check_grad):
    pool = ops.MultiScaleRoIAlign(["p2", "p3"], 2, sampling_ratio=2, canonical_scale=16, canonical_level=3)
    p2 = autograd.tensor(rng.normal(size=(1, 2, 8, 8)), requires_grad=True)
    p3 = autograd.tensor(rng.normal(size=(1, 2, 4, 4)), requires_grad=True)
    boxes = [boxes64([square(9.0, 1.3), square(4.0, 2.2), square(20.0, 0.5)])]  # levels 3, 2, 3
    check_grad(lambda a, b: pool({"p2": a, "p3": b}, boxes, [(32, 32)]), p2, p3)
    pool({"p2": p2, "p3": p3}, boxes, [(32, 32)]).sum().backward()
    assert np.abs(p2.grad.numpy()).sum() > 0 and np.abs(p3.grad.numpy()).sum() > 0


def test_the_layer_prints_like_torchvision_and_refuses_unknown_maps(pyramid):
    pool = ops.MultiScaleRoIAlign(["p2", "p3"], 7, 2)
    assert (
        repr(pool) == "MultiScaleRoIAlign(featmap_names=['p2', 'p3'], output_size=(7, 7), sampling_ratio=2)"
    )
    assert (pool.canonical_scale, pool.canonical_level) == (224, 4)
    assert list(pool.state_dict()) == []
    with pytest.raises(ValueError, match=r"none of featmap_names \['q'\]"):
        ops.MultiScaleRoIAlign(["q"], 7, 2)(pyramid, [boxes64([square(3.0)])], [(64, 64)])
