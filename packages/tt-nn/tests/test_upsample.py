"""``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``: values, grads, reprs, unsupported modes.

The reference resizes one output pixel at a time from PyTorch's documented
source-coordinate formulas: nearest reads ``floor(j * scale)``; linear reads
``src = j * (in - 1) / (out - 1)`` with ``align_corners`` and
``max((j + 0.5) * scale - 0.5, 0)`` without, between ``floor(src)`` and the next.

Not course material (outside module 04's solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def _source(j, s_in, s_out, scale, mode, align_corners):
    """Input positions and weights that output position ``j`` of one axis reads."""
    if mode == "nearest":
        return [(min(math.floor(j * scale), s_in - 1), 1.0)]
    if align_corners:
        src = j * (s_in - 1) / (s_out - 1) if s_out > 1 else 0.0
    else:
        src = max((j + 0.5) * scale - 0.5, 0.0)
    low = min(math.floor(src), s_in - 1)
    frac = src - low
    return [(low, 1.0 - frac), (min(low + 1, s_in - 1), frac)]


def reference(x, sizes, scales, mode, align_corners=False):
    """Resize the spatial axes of ``x`` (axes 2, ...) one after the other, pixel by pixel."""
    out = x
    for axis, (s_out, scale) in enumerate(zip(sizes, scales), start=2):
        s_in = out.shape[axis]
        moved = np.moveaxis(out, axis, -1)
        resized = np.zeros(moved.shape[:-1] + (s_out,))
        for j in range(s_out):
            for i, w in _source(j, s_in, s_out, scale, mode, align_corners):
                resized[..., j] += w * moved[..., i]
        out = np.moveaxis(resized, -1, axis)
    return out


X4 = np.random.default_rng(5).standard_normal((2, 3, 4, 5))
X3 = np.random.default_rng(6).standard_normal((2, 3, 5))


@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_by_size_and_by_scale(align_corners):
    up = nn.Upsample(size=(7, 8), mode="bilinear", align_corners=align_corners)
    expected = reference(X4, (7, 8), (4 / 7, 5 / 8), "bilinear", align_corners)
    np.testing.assert_allclose(up(autograd.tensor(X4)).numpy(), expected, atol=1e-12)
    up = nn.Upsample(scale_factor=(2, 1.5), mode="bilinear", align_corners=align_corners)
    expected = reference(X4, (8, 7), (1 / 2, 1 / 1.5), "bilinear", align_corners)
    np.testing.assert_allclose(up(autograd.tensor(X4)).numpy(), expected, atol=1e-12)


def test_recompute_scale_factor_samples_at_the_size_ratio():
    up = nn.Upsample(scale_factor=1.5, mode="linear", recompute_scale_factor=True)
    expected = reference(X3, (7,), (5 / 7,), "linear")
    np.testing.assert_allclose(up(autograd.tensor(X3)).numpy(), expected, atol=1e-12)
    plain = nn.Upsample(scale_factor=1.5, mode="linear")(autograd.tensor(X3)).numpy()
    np.testing.assert_allclose(plain, reference(X3, (7,), (1 / 1.5,), "linear"), atol=1e-12)


def test_nearest_and_linear():
    np.testing.assert_array_equal(
        nn.Upsample(scale_factor=2)(autograd.tensor(X4)).numpy(), X4.repeat(2, axis=2).repeat(2, axis=3)
    )
    np.testing.assert_array_equal(
        nn.UpsamplingNearest2d(size=(6, 7))(autograd.tensor(X4)).numpy(),
        reference(X4, (6, 7), (4 / 6, 5 / 7), "nearest"),
    )
    np.testing.assert_array_equal(
        nn.Upsample(3)(autograd.tensor(X3)).numpy(), reference(X3, (3,), (5 / 3,), "nearest")
    )
    np.testing.assert_allclose(
        nn.Upsample(size=9, mode="linear", align_corners=True)(autograd.tensor(X3)).numpy(),
        reference(X3, (9,), (5 / 9,), "linear", True),
        atol=1e-12,
    )


def test_upsampling_bilinear_2d_aligns_corners_as_pytorch():
    up = nn.UpsamplingBilinear2d(scale_factor=2)
    assert up.align_corners is True and up.mode == "bilinear"
    expected = reference(X4, (8, 10), (0.5, 0.5), "bilinear", True)
    np.testing.assert_allclose(up(autograd.tensor(X4)).numpy(), expected, atol=1e-12)
    corners = up(autograd.tensor(X4)).numpy()[..., [0, -1], :][..., [0, -1]]
    np.testing.assert_allclose(corners, X4[..., [0, -1], :][..., [0, -1]], atol=1e-12)


def test_float32_is_kept_and_modules_hold_no_state():
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    assert up(autograd.ones(1, 1, 2, 2)).dtype == autograd.float32
    assert list(up.state_dict()) == []


@pytest.mark.parametrize(
    "module",
    [
        nn.Upsample(scale_factor=2),
        nn.Upsample(size=(5, 7), mode="bilinear"),
        nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
        nn.UpsamplingBilinear2d(size=(6, 3)),
        nn.UpsamplingNearest2d(scale_factor=(2, 3)),
    ],
    ids=repr,
)
def test_gradients(leaf, check_grad, module):
    check_grad(module, leaf(2, 2, 3, 4))


def test_linear_gradient(leaf, check_grad):
    check_grad(nn.Upsample(size=7, mode="linear", align_corners=False), leaf(2, 3, 4))


def test_reprs_are_pytorchs():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear")) == "Upsample(size=(3, 4), mode='bilinear')"
    assert (
        repr(nn.Upsample(scale_factor=2.0, mode="bilinear", align_corners=True))
        == "Upsample(scale_factor=2.0, mode='bilinear')"
    )
    assert (
        repr(nn.UpsamplingNearest2d(scale_factor=2))
        == "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"
    )
    assert repr(nn.UpsamplingBilinear2d(size=5)) == "UpsamplingBilinear2d(size=5, mode='bilinear')"
    assert nn.Upsample(scale_factor=[2, 3]).scale_factor == (2.0, 3.0)


@pytest.mark.parametrize(
    "mode, shape", [("bicubic", (1, 1, 3, 4)), ("trilinear", (1, 1, 2, 3, 4)), ("nearest-exact", (1, 2, 5)),
                    ("area", (1, 1, 4, 6))],
)  # fmt: skip
def test_every_pytorch_mode_runs_through_the_module(mode, shape):
    x = autograd.arange(float(np.prod(shape))).reshape(*shape)
    up = nn.Upsample(scale_factor=2, mode=mode)
    np.testing.assert_array_equal(
        up(x).numpy(), nn.functional.interpolate(x, scale_factor=2, mode=mode).numpy()
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Upsample: unknown mode 'cubic'; use one of \('nearest'"):
        nn.Upsample(scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        nn.Upsample()(autograd.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match="only applies to the linear and cubic modes, not .nearest"):
        nn.Upsample(scale_factor=2, align_corners=True)(autograd.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"'bilinear' got input of shape \(1, 1, 2, 2, 2\)"):
        nn.UpsamplingBilinear2d(scale_factor=2)(autograd.ones(1, 1, 2, 2, 2))
