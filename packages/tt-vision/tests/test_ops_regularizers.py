"""stochastic_depth, StochasticDepth, drop_block2d/3d and DropBlock2d/3d (tt_vision.ops), as torchvision.

Randomness is checked by its effect: seeded runs repeat, rows are dropped whole
and survivors scaled by 1/(1-p); DropBlock's zeros come in whole blocks whose
top-left corners are seeds, the kept values are scaled by numel/kept, and the
dropped fraction is about ``p`` over many draws. The block geometry was also
compared with torchvision's pad + max-pool (``/tmp/h2/cmp_drop.py``: 164 cases, no
differing position). Errors and reprs as torchvision's.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops
from tt_vision.ops.drop_block import blocks


def test_stochastic_depth_rows_are_dropped_whole_and_survivors_scaled():
    autograd.manual_seed(3)
    x = autograd.ones(400, 2, 3)
    out = ops.stochastic_depth(x, 0.25, "row").numpy()
    per_row = out.reshape(400, -1)
    assert set(np.unique(per_row)) <= {0.0, np.float32(1 / 0.75)}
    assert (per_row == per_row[:, :1]).all()  # one coin per row
    assert 0.18 < (per_row[:, 0] == 0).mean() < 0.32
    autograd.manual_seed(3)
    np.testing.assert_array_equal(ops.stochastic_depth(x, 0.25, "row").numpy(), out)  # the default generator


def test_stochastic_depth_batch_mode_uses_one_coin_and_gradients_follow_the_mask():
    autograd.manual_seed(0)
    outs = [ops.stochastic_depth(autograd.ones(5, 2), 0.5, "batch").numpy() for _ in range(40)]
    assert all(len(np.unique(o)) == 1 for o in outs)
    assert {o[0, 0] for o in outs} == {0.0, 2.0}
    x = autograd.tensor(np.arange(1.0, 13.0).reshape(6, 2), requires_grad=True)
    autograd.manual_seed(1)
    out = ops.stochastic_depth(x, 0.5, "row")
    out.sum().backward()
    kept = out.detach().numpy() != 0
    assert kept.any() and not kept.all()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 2.0, 0.0))  # the row's coin, scaled by 2


def test_stochastic_depth_identity_cases_and_all_dropped():
    x = autograd.ones(4, 3)
    assert ops.stochastic_depth(x, 0.9, "row", training=False) is x
    assert ops.stochastic_depth(x, 0.0, "batch") is x
    np.testing.assert_array_equal(ops.stochastic_depth(x, 1.0, "row").numpy(), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"stochastic_depth: drop probability has to be between 0 and 1"):
        ops.stochastic_depth(x, 1.5, "row")
    with pytest.raises(ValueError, match=r"stochastic_depth: mode has to be either 'batch' or 'row'"):
        ops.stochastic_depth(x, 0.5, "rows")


def test_stochastic_depth_layer_follows_train_and_eval():
    layer = ops.StochasticDepth(1.0, "row")
    assert repr(layer) == "StochasticDepth(p=1.0, mode=row)"
    x = autograd.ones(2, 3)
    assert layer(x).numpy().sum() == 0.0
    assert layer.eval()(x) is x


def test_blocks_start_at_each_seed_and_span_block_size():
    seeds = np.zeros((1, 1, 3, 4), bool)  # a 5 × 6 map with block 3: seeds on a 3 × 4 grid
    seeds[0, 0, 0, 3] = seeds[0, 0, 2, 0] = True
    expected = np.zeros((5, 6), bool)
    expected[0:3, 3:6] = True
    expected[2:5, 0:3] = True
    np.testing.assert_array_equal(blocks(seeds, 3, 2)[0, 0], expected)
    cube = np.zeros((1, 1, 2, 2, 2), bool)
    cube[0, 0, 1, 0, 1] = True
    out = blocks(cube, 3, 3)[0, 0]
    assert out.shape == (4, 4, 4) and out.sum() == 27 and out[1:4, 0:3, 1:4].all()


def test_drop_block2d_zeros_whole_blocks_and_rescales_the_rest():
    autograd.manual_seed(5)
    x = autograd.ones(2, 3, 9, 9)
    out = ops.drop_block2d(x, 0.3, 3).numpy()
    kept = out != 0
    scale = out[kept][0]
    np.testing.assert_allclose(out[kept], scale)
    assert scale == pytest.approx(kept.size / (1e-6 + kept.sum()), rel=1e-6)
    dropped = ~kept
    # every dropped pixel lies in a fully dropped 3 × 3 block
    windows = np.lib.stride_tricks.sliding_window_view(dropped, (3, 3), axis=(2, 3)).all(axis=(-1, -2))
    assert (blocks(windows, 3, 2) == dropped).all()


def test_drop_block_drops_about_p_and_is_seeded():
    autograd.manual_seed(11)
    x = autograd.ones(64, 4, 12, 12)
    out = ops.drop_block2d(x, 0.2, 3).numpy()
    assert 0.14 < (out == 0).mean() < 0.23  # gamma is chosen so about p is dropped (overlaps: a bit less)
    autograd.manual_seed(11)
    np.testing.assert_array_equal(ops.drop_block2d(x, 0.2, 3).numpy(), out)
    out3 = ops.drop_block3d(autograd.ones(16, 4, 8, 8, 8), 0.2, 3).numpy()
    assert 0.12 < (out3 == 0).mean() < 0.23


def test_drop_block_gradient_is_the_scaled_mask_and_inplace_writes_the_input():
    autograd.manual_seed(2)
    x = autograd.tensor(np.full((1, 2, 7, 7), 2.0), requires_grad=True)
    out = ops.drop_block2d(x, 0.4, 3)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), out.detach().numpy() / 2.0)
    y = autograd.ones(1, 1, 5, 5)
    autograd.manual_seed(4)
    result = ops.drop_block2d(y, 0.5, 3, inplace=True)
    assert result is y and (y.numpy() == 0).any()


def test_drop_block_caps_block_size_and_wants_it_odd():
    autograd.manual_seed(0)
    out = ops.drop_block2d(autograd.ones(1, 1, 3, 3), 1.0, 7).numpy()  # capped to 3: one seed, gamma 1
    np.testing.assert_array_equal(out, np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"drop_block2d: block size should be odd. Got 4 which is even."):
        ops.drop_block2d(autograd.ones(1, 1, 4, 6), 0.1, 5)
    with pytest.raises(ValueError, match=r"drop_block3d: input should be 5 dimensional. Got 4 dimensions."):
        ops.drop_block3d(autograd.ones(1, 1, 4, 6), 0.1, 3)
    with pytest.raises(ValueError, match=r"drop_block2d: drop probability has to be between 0 and 1"):
        ops.drop_block2d(autograd.ones(1, 1, 4, 6), -0.1, 3)
    with pytest.raises(ValueError, match=r"drop_block3d: drop probability has to be between 0 and 1"):
        ops.drop_block3d(autograd.ones(1, 1, 4, 6, 5), 1.5, 3)
    x = autograd.ones(1, 1, 4, 4)
    assert ops.drop_block2d(x, 0.5, 3, training=False) is x and ops.drop_block2d(x, 0.0, 3) is x


def test_drop_block_layers_follow_train_and_eval():
    layer, layer3 = ops.DropBlock2d(1.0, 3), ops.DropBlock3d(0.1, 3, inplace=True)
    assert repr(layer) == "DropBlock2d(p=1.0, block_size=3, inplace=False)"
    assert repr(layer3) == "DropBlock3d(p=0.1, block_size=3, inplace=True)"
    assert isinstance(layer3, ops.DropBlock2d)
    assert layer(autograd.ones(1, 1, 3, 3)).numpy().sum() == 0.0
    x = autograd.ones(1, 1, 3, 3, 3)
    assert layer3.eval()(x) is x
