"""``pixel_shuffle`` / ``pixel_unshuffle`` and ``nn.PixelShuffle`` / ``nn.PixelUnshuffle``.

Values against the definition written as a loop (output ``(c, h·r + i, w·r + j)``
is input ``(c·r² + i·r + j, h, w)``), extra leading dimensions and 3-d inputs,
the round trip, ``gradcheck``, dtype, repr and errors.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import PixelShuffle, PixelUnshuffle, pixel_shuffle, pixel_unshuffle


def shuffle_reference(x, r):
    *lead, channels, h, w = x.shape
    out = np.zeros((*lead, channels // (r * r), h * r, w * r))
    for c in range(channels // (r * r)):
        for i in range(r):
            for j in range(r):
                out[..., c, i::r, j::r] = x[..., c * r * r + i * r + j, :, :]
    return out


@pytest.mark.parametrize(
    ("shape", "r"), [((2, 8, 3, 4), 2), ((2, 3, 9, 2, 3), 3), ((4, 2, 5), 2), ((1, 5, 3, 3), 1)]
)
def test_values_round_trip_and_gradients(shape, r, rng, leaf, check_grad):
    x = rng.standard_normal(shape)
    up = pixel_shuffle(autograd.tensor(x), r)
    np.testing.assert_array_equal(up.numpy(), shuffle_reference(x, r))
    np.testing.assert_array_equal(pixel_unshuffle(up, r).numpy(), x)
    check_grad(lambda x: pixel_shuffle(x, r), leaf(*shape))
    check_grad(lambda x: pixel_unshuffle(x, r), leaf(*up.shape))


def test_unshuffle_definition_modules_dtype_and_repr(rng):
    y = rng.standard_normal((2, 3, 4, 6)).astype(np.float32)
    down = PixelUnshuffle(2)(autograd.tensor(y))
    assert down.shape == (2, 12, 2, 3) and down.dtype == autograd.float32
    for c in range(3):
        for i in range(2):
            for j in range(2):
                np.testing.assert_array_equal(down.numpy()[:, c * 4 + i * 2 + j], y[:, c, i::2, j::2])
    up = PixelShuffle(2)(down)
    assert up.dtype == autograd.float32
    np.testing.assert_array_equal(up.numpy(), y)
    assert repr(PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"


def test_bad_arguments(rng):
    x = autograd.tensor(rng.standard_normal((1, 6, 4, 4)))
    with pytest.raises(
        ValueError, match=r"pixel_shuffle: the channel dimension \(6, .*divisible by upscale_factor² = 4"
    ):
        pixel_shuffle(x, 2)
    with pytest.raises(
        ValueError, match=r"pixel_unshuffle: height 4 and width 4 .* divisible by downscale_factor 3"
    ):
        pixel_unshuffle(x, 3)
    with pytest.raises(ValueError, match=r"pixel_unshuffle: height 4 and width 5"):
        pixel_unshuffle(autograd.tensor(rng.standard_normal((1, 1, 4, 5))), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: expected an input of at least 3 dimensions"):
        pixel_shuffle(autograd.tensor(rng.standard_normal((4, 4))), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be >= 1, got 0"):
        pixel_shuffle(x, 0)
    with pytest.raises(TypeError, match="pixel_unshuffle: downscale_factor must be an int, got 2.0"):
        pixel_unshuffle(x, 2.0)
    with pytest.raises(TypeError, match="pixel_shuffle: upscale_factor must be an int, got True"):
        pixel_shuffle(x, True)


def test_numpy_input_is_taken_as_a_tensor(rng):
    x = rng.standard_normal((1, 8, 2, 3))
    np.testing.assert_array_equal(pixel_shuffle(x, 2).numpy(), shuffle_reference(x, 2))
