"""``interpolate_embeddings`` (torchvision.models.vision_transformer's): a ViT state dict for a new size.

Expected values are worked out by hand: align_corners=True keeps the grid's corners; bilinear
resizing of an embedding that is affine in (row, column) gives the same affine function on the
new grid; bicubic's middle of a 2 × 2 grid is the mean of the four (Keys' weights at ½,
-3/32 and 19/32, with the edge taps clamped onto the two points). Not course material.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models import VisionTransformer
from tt_vision.models.vision_transformer import interpolate_embeddings


def tiny(image_size: int, num_classes: int = 10) -> VisionTransformer:
    return VisionTransformer(
        image_size, 4, num_layers=1, num_heads=2, hidden_dim=6, mlp_dim=8, num_classes=num_classes
    )


def state_with(grid: np.ndarray, token: float = 7.0) -> OrderedDict:
    """A state dict whose position embedding is the class token's ``token`` then the (g, g, D) ``grid``."""
    side, _, width = grid.shape
    rows = np.concatenate([np.full((1, width), token), grid.reshape(side * side, width)])
    return OrderedDict([("encoder.pos_embedding", autograd.tensor(rows[None])), ("heads.head.weight", 1)])


def test_the_state_loads_into_a_model_of_the_new_size():
    state = tiny(8).state_dict()  # a 2×2 grid of patches
    token = state["encoder.pos_embedding"][:, :1].numpy().copy()
    resized = interpolate_embeddings(16, 4, state)
    assert resized is state and resized["encoder.pos_embedding"].shape == (1, 17, 6)
    np.testing.assert_array_equal(resized["encoder.pos_embedding"][:, :1].numpy(), token)
    model = tiny(16)
    model.load_state_dict(resized)
    assert model(autograd.randn(2, 3, 16, 16)).shape == (2, 10)


def test_an_unchanged_size_returns_the_state_as_it_is():
    state = tiny(8).state_dict()
    embedding = state["encoder.pos_embedding"]
    assert interpolate_embeddings(11, 4, state, reset_heads=True) is state  # 11 // 4 = 2: the same grid
    assert state["encoder.pos_embedding"] is embedding and "heads.head.weight" in state


def test_bilinear_keeps_an_affine_embedding_affine():
    side, new, width = 3, 5, 2
    r, c = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    grid = np.stack([2.0 * r - c, 0.5 * c + 1.0], axis=-1)  # (3, 3, 2), affine in (row, column)
    out = interpolate_embeddings(new * 16, 16, state_with(grid), "bilinear")["encoder.pos_embedding"].numpy()
    scale = (side - 1) / (new - 1)  # align_corners=True: new position i is old position i·scale
    r, c = np.meshgrid(np.arange(new) * scale, np.arange(new) * scale, indexing="ij")
    expected = np.stack([2.0 * r - c, 0.5 * c + 1.0], axis=-1).reshape(new * new, width)
    assert out.shape == (1, 1 + new * new, width) and out.dtype == np.float64
    np.testing.assert_allclose(out[0, 1:], expected, atol=1e-12)
    assert np.all(out[0, 0] == 7.0)


def test_bicubic_corners_stay_and_the_middle_is_the_mean():
    grid = np.array([[[1.0], [2.0]], [[4.0], [8.0]]])  # (2, 2, 1)
    out = interpolate_embeddings(48, 16, state_with(grid))["encoder.pos_embedding"].numpy()[0, 1:, 0]
    assert out.shape == (9,)
    np.testing.assert_allclose(out[[0, 2, 6, 8]], [1.0, 2.0, 4.0, 8.0], atol=1e-12)
    np.testing.assert_allclose(out[4], 15.0 / 4, atol=1e-12)
    np.testing.assert_allclose(out[[1, 3]], [1.5, 2.5], atol=1e-12)  # edge middles: the mean of two
    one = interpolate_embeddings(32, 16, state_with(np.array([[[5.0, -1.0]]])))[
        "encoder.pos_embedding"
    ].numpy()
    np.testing.assert_array_equal(one[0, 1:], np.tile([5.0, -1.0], (4, 1)))  # a 1×1 grid: copied to 2×2


def test_reset_heads_drops_the_heads_when_the_size_changes():
    state = tiny(8).state_dict()
    kept = [k for k in state if not k.startswith("heads")]
    resized = interpolate_embeddings(16, 4, state, reset_heads=True)
    assert resized is not state and list(resized) == kept
    assert resized["encoder.pos_embedding"] is state["encoder.pos_embedding"]  # (changed in place too)
    model = tiny(16, num_classes=3)
    missing, unexpected = model.load_state_dict(resized, strict=False)
    assert sorted(missing) == ["heads.head.bias", "heads.head.weight"] and not unexpected


def test_bad_states():
    with pytest.raises(ValueError, match=r"Unexpected position embedding shape: \(2, 5, 1\)"):
        interpolate_embeddings(16, 4, {"encoder.pos_embedding": autograd.zeros(2, 5, 1)})
    with pytest.raises(ValueError, match="seq_length is not a perfect square!.* 5 patch positions"):
        interpolate_embeddings(16, 4, {"encoder.pos_embedding": autograd.zeros(1, 6, 1)})
    with pytest.raises(ValueError, match="0 patch positions"):  # the class token alone
        interpolate_embeddings(16, 4, {"encoder.pos_embedding": autograd.zeros(1, 1, 3)})
    with pytest.raises(KeyError, match="no 'encoder.pos_embedding'"):
        interpolate_embeddings(16, 4, {"conv_proj.weight": autograd.zeros(1)})
    with pytest.raises(ValueError, match="align_corners"):  # nearest takes no align_corners, as in PyTorch
        interpolate_embeddings(16, 4, state_with(np.zeros((2, 2, 1))), "nearest")
