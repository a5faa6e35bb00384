"""channel_shuffle and ChannelShuffle: the permutation, its gradient, reprs and errors.

Values against the definition (channel ``g·(C/groups) + k`` goes to
``k·groups + g``) and a value pinned from PyTorch 2.13. Not course material
(outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ChannelShuffle
from tt_vision import functional as F


def shuffle_reference(x, groups):
    per_group = x.shape[1] // groups
    out = np.empty_like(x)
    for g in range(groups):
        for k in range(per_group):
            out[:, k * groups + g] = x[:, g * per_group + k]
    return out


@pytest.mark.parametrize(
    ("shape", "groups"), [((2, 6, 3, 4), 3), ((2, 6, 3, 4), 2), ((3, 8, 5), 4), ((1, 4, 2, 2, 2), 2)]
)
def test_channel_shuffle_matches_the_definition(rng, leaf, check_grad, shape, groups):
    x = rng.standard_normal(shape)
    np.testing.assert_array_equal(
        F.channel_shuffle(autograd.tensor(x), groups).numpy(), shuffle_reference(x, groups)
    )
    np.testing.assert_array_equal(
        ChannelShuffle(groups)(autograd.tensor(x)).numpy(), shuffle_reference(x, groups)
    )
    check_grad(lambda t: F.channel_shuffle(t, groups), leaf(*shape))


def test_channel_shuffle_pinned_against_pytorch_and_keeps_float32():
    x = autograd.tensor(np.arange(24, dtype=np.float32).reshape(1, 6, 2, 2))
    out = F.channel_shuffle(x, 3)
    assert out.numpy()[0, :, 0, 0].tolist() == [0, 8, 16, 4, 12, 20]  # PyTorch 2.13
    assert out.dtype == autograd.float32
    np.testing.assert_array_equal(F.channel_shuffle(x, 1).numpy(), x.numpy())  # one group: unchanged
    np.testing.assert_array_equal(F.channel_shuffle(x, 6).numpy(), x.numpy())  # one channel a group: too


def test_channel_shuffle_repr_and_errors(rng):
    assert repr(ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    x = autograd.tensor(rng.standard_normal((1, 6, 2, 2)))
    with pytest.raises(
        ValueError,
        match=r"channel_shuffle: the 6 channels \(shape \(1, 6, 2, 2\)\) must be divisible by groups=4",
    ):
        F.channel_shuffle(x, 4)
    with pytest.raises(ValueError, match="channel_shuffle: groups must be positive, got 0"):
        F.channel_shuffle(x, 0)
    with pytest.raises(TypeError, match="channel_shuffle: groups must be an int, got 2.0"):
        F.channel_shuffle(x, 2.0)
    with pytest.raises(TypeError, match="channel_shuffle: groups must be an int, got True"):
        F.channel_shuffle(x, True)
    with pytest.raises(
        ValueError,
        match=r"channel_shuffle: expected an input of at least 3 dims \(N, C, \*\), got shape \(1, 6\)",
    ):
        F.channel_shuffle(autograd.tensor(np.zeros((1, 6))), 2)
    with pytest.raises(ValueError, match="ChannelShuffle: groups must be positive, got -1"):
        ChannelShuffle(-1)
