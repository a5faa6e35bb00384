"""ps_roi_align / PSRoIAlign and ps_roi_pool / PSRoIPool (tt_vision.ops), as torchvision.ops.

Values pinned from torchvision 0.29.1's C++ kernels (``/tmp/tvcmp``, the same ops as
0.28) for four regions (inside, half outside, tiny, past the edge) on
``arange(2·8·5·6).reshape(2, 8, 5, 6) ** 1.5 / 10``; the channel mapping and
torchvision's quirks (NaN for an empty region in ps_roi_align, the last row and
column unread by ps_roi_pool) by hand; gradients against central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops

MAP = np.arange(2 * 8 * 5 * 6, dtype=np.float64).reshape(2, 8, 5, 6) ** 1.5 / 10
ROIS = np.array(
    [[0, 0.3, 0.7, 4.2, 3.9], [1, -1.5, 2.0, 3.0, 6.5], [1, 2.2, 1.1, 2.4, 1.3], [0, 5.5, 4.5, 9.0, 9.0]]
)
# torchvision.ops.ps_roi_align(MAP, ROIS, 2, 1.0, -1) and (MAP, ROIS, 2, 0.5, 2)
PS_ALIGN = [
    [[[1.993637, 24.187736], [66.785295, 112.776571]], [[142.790978, 200.015545], [275.21219, 345.031305]]],
    [[[272.6987, 486.572983], [259.2, 446.621661]], [[485.602364, 821.508933], [415.807135, 690.977105]]],
    [
        [[385.032855, 457.921585], [535.95239, 616.874848]],
        [[699.211527, 787.299618], [880.040813, 974.882931]],
    ],
    [[[2.60283, 0.0], [0.0, 0.0]], [[30.312946, 0.0], [0.0, 0.0]]],
]
PS_ALIGN_HALF = [
    [[[0.399941, 18.669339], [54.251014, 96.171836]], [[134.264533, 188.553162], [254.694464, 320.591532]]],
    [
        [[386.742357, 460.574922], [554.104047, 636.82659]],
        [[701.29519, 790.475833], [901.420781, 998.089169]],
    ],
    [
        [[374.313848, 446.437173], [523.200678, 603.370465]],
        [[686.119141, 773.528378], [864.981798, 959.13939]],
    ],
    [[[6.812298, 32.715659], [76.081282, 122.05103]], [[159.612324, 216.683257], [289.922453, 358.403787]]],
]
# torchvision.ops.ps_roi_pool(MAP, ROIS, 2, 1.0) and (MAP, ROIS, 2, 0.5)
PS_POOL = [
    [[[3.041465, 26.78837], [65.642431, 111.49183]], [[147.398979, 205.265776], [273.375479, 343.163594]]],
    [[[407.223481, 483.691323], [0.0, 0.0]], [[726.201806, 818.085323], [0.0, 0.0]]],
    [[[390.550791, 463.51863], [540.537806, 621.405439]], [[705.9464, 794.007506], [885.453285, 980.162803]]],
    [[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]],
]
PS_POOL_HALF = [
    [[[0.0, 17.26007], [53.618653, 95.533921]], [[131.453414, 185.551906], [253.67018, 319.660961]]],
    [
        [[385.835924, 459.772759], [551.101878, 633.856883]],
        [[700.199229, 789.523473], [897.895139, 994.644295]],
    ],
    [
        [[388.190971, 461.01988], [537.907455, 618.649764]],
        [[703.070857, 791.016896], [882.351874, 976.954416]],
    ],
    [[[7.716442, 34.348226], [72.9, 118.529659]], [[162.142024, 219.725962], [284.966682, 353.371872]]],
]


def test_ps_roi_align_matches_torchvision_values():
    x, rois = autograd.tensor(MAP), autograd.tensor(ROIS)
    np.testing.assert_allclose(ops.ps_roi_align(x, rois, 2).numpy(), PS_ALIGN, atol=2e-6)
    np.testing.assert_allclose(ops.ps_roi_align(x, rois, 2, 0.5, 2).numpy(), PS_ALIGN_HALF, atol=2e-6)


def test_ps_roi_pool_matches_torchvision_values():
    x, rois = autograd.tensor(MAP), autograd.tensor(ROIS)
    np.testing.assert_allclose(ops.ps_roi_pool(x, rois, 2).numpy(), PS_POOL, atol=2e-6)
    np.testing.assert_allclose(ops.ps_roi_pool(x, rois, 2, 0.5).numpy(), PS_POOL_HALF, atol=2e-6)


def test_each_bin_reads_its_own_channel_group():
    # channel (c·PH + i)·PW + j is the constant value 100·c + 10·i + j: bin (i, j) of channel c reads it
    c_out, ph, pw = 2, 2, 3
    values = (100.0 * np.arange(c_out)[:, None, None] + 10 * np.arange(ph)[:, None] + np.arange(pw)).ravel()
    x = autograd.tensor(np.broadcast_to(values[None, :, None, None], (1, c_out * ph * pw, 6, 7)).copy())
    box = autograd.tensor([[0.0, 0.5, 0.5, 5.5, 4.5]], dtype=autograd.float64)
    expected = 100 * np.arange(c_out)[:, None, None] + 10 * np.arange(ph)[:, None] + np.arange(pw)
    np.testing.assert_allclose(ops.ps_roi_align(x, box, (ph, pw)).numpy()[0], expected)
    np.testing.assert_allclose(ops.ps_roi_pool(x, box, (ph, pw)).numpy()[0], expected)


def test_torchvisions_quirks_empty_align_region_is_nan_and_pool_skips_the_last_row_and_column():
    x = autograd.tensor(np.ones((1, 4, 4, 5)))
    point = autograd.tensor(
        [[0.0, 1.0, 1.0, 1.0, 1.0]], dtype=autograd.float64
    )  # zero size: 0 sampling points, 0 / 0
    assert np.isnan(ops.ps_roi_align(x, point, 2).numpy()).all()
    assert not np.isnan(ops.ps_roi_align(x, point, 2, sampling_ratio=1).numpy()).any()
    # inverted along x only: a negative grid, 0 / (negative count) = -0 in torchvision 0.29.1, not NaN
    inverted = autograd.tensor([[0.0, 4.0, 1.0, 1.0, 4.0]], dtype=autograd.float64)
    assert (ops.ps_roi_align(autograd.tensor(np.ones((1, 1, 6, 6))), inverted, 1).numpy() == 0).all()
    probe = np.zeros((1, 1, 4, 5))
    probe[0, 0, 3, :] = probe[0, 0, :, 4] = 100.0  # the last row and column
    probe[0, 0, :3, :4] = 1.0
    whole = autograd.tensor([[0.0, 0.0, 0.0, 9.0, 9.0]], dtype=autograd.float64)
    assert ops.ps_roi_pool(autograd.tensor(probe), whole, 1).numpy().item() == 1.0  # mean over the 3 × 4 only


def test_gradients_match_central_differences(check_grad, leaf):
    rois = autograd.tensor(ROIS[:3])
    check_grad(lambda t: ops.ps_roi_align(t, rois, 2, 0.8, -1), leaf(2, 8, 5, 6))
    check_grad(lambda t: ops.ps_roi_pool(t, rois, (2, 1), 1.0), leaf(2, 4, 5, 6))


def test_layers_and_errors():
    x = autograd.tensor(MAP)
    rois = autograd.tensor(ROIS)
    layer = ops.PSRoIAlign(2, 0.5, 2)
    assert repr(layer) == "PSRoIAlign(output_size=2, spatial_scale=0.5, sampling_ratio=2)"
    np.testing.assert_array_equal(layer(x, rois).numpy(), ops.ps_roi_align(x, rois, 2, 0.5, 2).numpy())
    pool = ops.PSRoIPool(2, 0.5)
    assert repr(pool) == "PSRoIPool(output_size=2, spatial_scale=0.5)"
    np.testing.assert_array_equal(pool(x, rois).numpy(), ops.ps_roi_pool(x, rois, 2, 0.5).numpy())
    for op in (ops.ps_roi_align, ops.ps_roi_pool):
        with pytest.raises(ValueError, match=rf"{op.__name__}: input channels must be a multiple of pooling"):
            op(autograd.tensor(MAP[:, :6]), rois, 2)
        assert tuple(op(x, autograd.tensor(np.zeros((0, 5))), 2).shape) == (0, 2, 2, 2)


@pytest.mark.parametrize("op", [ops.ps_roi_align, ops.ps_roi_pool])
def test_regions_of_every_size_give_what_each_gives_alone(rng, op):
    """Grouped by sample grid or largest bin, each region's bins and gradient are its own."""
    x = rng.normal(size=(2, 3 * 6, 23, 19))
    start = rng.uniform(-2, 20, (12, 2))
    boxes = np.concatenate([start, start + rng.uniform(0, 1, (12, 2)) ** 2 * 18], axis=1)
    rois = np.concatenate([rng.integers(0, 2, (12, 1)), boxes], axis=1)
    rois[1, 3:] = rois[1, 1:3]  # empty: NaN bins for ps_roi_align
    g = rng.normal(size=(12, 3, 2, 3))
    together = op(autograd.tensor(x), autograd.tensor(rois), (2, 3), 0.9)
    alone, grad = [], np.zeros_like(x)
    for r in range(len(rois)):
        one = autograd.tensor(x, requires_grad=True)
        out = op(one, autograd.tensor(rois[r : r + 1]), (2, 3), 0.9)
        out.backward(autograd.tensor(g[r : r + 1]))
        alone.append(out.detach().numpy())
        grad += one.grad.numpy() if r != 1 else 0  # the empty region's NaN would spread
    np.testing.assert_allclose(together.numpy(), np.concatenate(alone), rtol=1e-12, atol=1e-12)
    assert np.isnan(together.numpy()[1]).all() == (op is ops.ps_roi_align)
    t = autograd.tensor(x, requires_grad=True)
    op(t, autograd.tensor(np.delete(rois, 1, axis=0)), (2, 3), 0.9).backward(
        autograd.tensor(np.delete(g, 1, axis=0))
    )
    np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-12, atol=1e-12)
