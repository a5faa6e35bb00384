"""deform_conv2d / DeformConv2d (tt_vision.ops), as torchvision.ops.

Expected values come from facts that need no reference implementation: zero offsets are
``conv2d`` (checked against the loop reference too); whole-pixel offsets shift the input;
bilinear interpolation reproduces a linear ramp exactly inside the image, and torchvision's
zero padding outside it is worked out by hand; a mask scales each sample. Gradients against
float64 central differences with the samples off the pixel lattice, and at the lattice the
offsets' gradient is the one-sided difference from above (torchvision's convention).
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_vision import functional as F
from tt_vision import ops
from tt_vision.ops import deform_conv
from tt_vision.ops.deform_conv import neighbour_dots, scattered_channels

GEOMETRIES = [  # (C, C_out, kernel, stride, padding, dilation, groups, offset groups, bias)
    (3, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, True),
    (4, 6, (3, 2), (2, 1), (2, 0), (1, 2), 2, 4, False),
    (6, 3, (2, 3), (1, 2), (0, 1), (2, 1), 3, 2, True),
]


def size_out(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def case(rng, geometry, n=2, h=6, w=7, offsets=None):
    """Arrays for one geometry: input, offset (all zeros unless given a callable), weight, bias, mask."""
    c, c_out, (kh, kw), s, p, d, groups, og, with_bias = geometry
    ho, wo = size_out(h, kh, s[0], p[0], d[0]), size_out(w, kw, s[1], p[1], d[1])
    x = rng.normal(size=(n, c, h, w))
    offset = (
        np.zeros((n, 2 * og * kh * kw, ho, wo)) if offsets is None else offsets((n, 2 * og * kh * kw, ho, wo))
    )
    weight = rng.normal(size=(c_out, c // groups, kh, kw))
    bias = rng.normal(size=c_out) if with_bias else None
    mask = rng.uniform(0.2, 1.0, size=(n, og * kh * kw, ho, wo))
    return x, offset, weight, bias, mask


def tensors(*arrays, requires_grad=False):
    return [None if a is None else autograd.tensor(a, requires_grad=requires_grad) for a in arrays]


def run(x, offset, weight, bias, geometry, mask=None):
    s, p, d = geometry[3:6]
    args = tensors(x, offset, weight, bias, mask)
    return ops.deform_conv2d(args[0], args[1], args[2], args[3], s, p, d, mask=args[4]).numpy()


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_zero_offsets_are_conv2d(rng, reference, geometry):
    x, offset, weight, bias, _ = case(rng, geometry)
    s, p, d, groups = *geometry[3:6], geometry[6]
    out = run(x, offset, weight, bias, geometry)
    conv = F.conv2d(*tensors(x, weight, bias), stride=s, padding=p, dilation=d, groups=groups).numpy()
    np.testing.assert_allclose(out, conv, rtol=1e-12, atol=1e-12)
    loops = reference.conv2d(x, weight, bias, s, (p[0], p[0], p[1], p[1]), d, groups)
    np.testing.assert_allclose(out, loops, rtol=1e-12, atol=1e-12)


def test_float32_in_float32_out_and_zero_offsets_are_conv2d(rng):
    x, offset, weight, bias, _ = case(rng, GEOMETRIES[0])
    x, offset, weight, bias = (a.astype(np.float32) for a in (x, offset, weight, bias))
    out = run(x, offset, weight, bias, GEOMETRIES[0])
    assert out.dtype == np.float32
    conv = F.conv2d(*tensors(x, weight, bias), padding=1).numpy()
    np.testing.assert_allclose(out, conv, rtol=1e-5, atol=1e-5)


def test_whole_pixel_offsets_shift_the_input_and_outside_reads_zero(rng):
    geometry = GEOMETRIES[0]  # 3×3, padding 1
    x, offset, weight, bias, _ = case(rng, geometry)
    big = np.pad(x, ((0, 0), (0, 0), (4, 4), (4, 4)))  # x's pixel (y, x) at (y + 4, x + 4), zeros around
    for dy, dx in [(1.0, 0.0), (-2.0, 3.0), (0.0, -1.0)]:
        offset[:, 0::2], offset[:, 1::2] = dy, dx  # every tap moved by (dy, dx)
        top, left = 3 + int(dy), 3 + int(dx)  # output (0, 0)'s first tap reads x at (dy - 1, dx - 1)
        window = big[:, :, top : top + 6 + 2, left : left + 7 + 2]
        expected = F.conv2d(*tensors(window, weight, bias)).numpy()
        np.testing.assert_allclose(run(x, offset, weight, bias, geometry), expected, rtol=1e-12, atol=1e-12)
    far = np.full_like(offset, 50.0)  # every sample far outside: only the bias is left
    np.testing.assert_allclose(
        run(x, far, weight, bias, geometry), np.broadcast_to(bias[:, None, None], (2, 4, 6, 7))
    )


def test_infinite_or_nan_offsets_read_zero_without_warnings(rng):
    geometry = GEOMETRIES[0]
    x, offset, weight, bias, _ = case(rng, geometry)
    offset[0, 0::2] = np.inf
    offset[1, 1::2] = -np.inf
    offset[1, 0, 2, 3] = np.nan  # one tap of one position of image 1 (already outside along x)
    leaves = tensors(x, offset, weight, bias, requires_grad=True)
    with np.errstate(all="raise"):
        out = ops.deform_conv2d(*leaves, padding=1)
        out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), np.broadcast_to(bias[:, None, None], out.shape))
    for leaf in leaves:
        assert np.isfinite(leaf.grad.numpy()).all()
    assert not leaves[0].grad.numpy().any() and not leaves[1].grad.numpy().any()  # nothing was read


def test_samples_read_a_ramp_exactly_inside_and_zero_padding_at_the_edges():
    h, w = 4, 5
    ramp = (3.0 * np.arange(h)[:, None] + 0.5 * np.arange(w)[None, :] + 1.0)[None, None]
    offset = np.zeros((1, 2, h, w))
    offset[0, 0, 1, 2], offset[0, 1, 1, 2] = 0.25, 1.5  # (1, 2) reads (1.25, 3.5): inside, on the ramp
    offset[0, 0, 0, 0], offset[0, 1, 0, 0] = -0.75, 0.5  # (0, 0) reads (-0.75, 0.5): 0.25 of row 0
    offset[0, 0, 3, 4], offset[0, 1, 3, 4] = 0.5, 0.0  # (3, 4) reads (3.5, 4): half of the last row
    offset[0, 0, 2, 1], offset[0, 1, 2, 1] = -3.0, 0.0  # (2, 1) reads (-1, 1): exactly -1, nothing
    offset[0, 0, 2, 3], offset[0, 1, 2, 3] = 0.0, 1.999  # (2, 3) reads (2, 4.999): 0.001 of the last column
    offset[0, 0, 1, 0], offset[0, 1, 1, 0] = 0.0, -0.5  # (1, 0) reads (1, -0.5): half of column 0
    out = run(ramp, offset, np.ones((1, 1, 1, 1)), None, (1, 1, (1, 1), (1, 1), (0, 0), (1, 1)))[0, 0]

    def at(y, x):
        return 3.0 * y + 0.5 * x + 1.0

    expected = ramp[0, 0].copy()
    expected[1, 2] = at(1.25, 3.5)
    expected[0, 0] = 0.25 * at(0, 0.5)
    expected[3, 4] = 0.5 * at(3, 4)
    expected[2, 1] = 0.0
    expected[2, 3] = 0.001 * at(2, 4)
    expected[1, 0] = 0.5 * at(1, 0)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_the_mask_scales_each_sample(rng):
    geometry = GEOMETRIES[1]
    x, offset, weight, _, mask = case(rng, geometry, offsets=lambda shape: rng.uniform(-1.5, 1.5, shape))
    plain = run(x, offset, weight, None, geometry)
    np.testing.assert_allclose(run(x, offset, weight, None, geometry, np.ones_like(mask)), plain, rtol=1e-12)
    np.testing.assert_allclose(run(x, offset, weight, None, geometry, 0.5 * np.ones_like(mask)), 0.5 * plain)
    one_tap = np.zeros_like(mask)
    one_tap[:, 1] = 1.0  # offset group 0, tap 1 only: its channels through that tap's weights alone
    kept = np.zeros_like(weight)
    kept[:, :, 0, 1] = weight[:, :, 0, 1]
    np.testing.assert_allclose(
        run(x, offset, weight, None, geometry, one_tap),
        run(np.where(np.arange(4)[None, :, None, None] == 0, x, 0), offset, kept, None, geometry),
        rtol=1e-12,
        atol=1e-12,
    )


def test_each_offset_group_moves_its_own_channels(rng):
    geometry = (4, 3, (3, 3), (1, 1), (1, 1), (1, 1), 1, 2, True)  # channels 0-1: group 0; 2-3: group 1
    x, offset, weight, bias, _ = case(rng, geometry)
    offset[:, 18:] = 100.0  # group 1's samples all outside: its channels read 0
    expected = run(
        np.where(np.arange(4)[None, :, None, None] < 2, x, 0), np.zeros_like(offset), weight, bias, geometry
    )
    np.testing.assert_allclose(run(x, offset, weight, bias, geometry), expected, rtol=1e-12, atol=1e-12)


def off_lattice(rng):
    """Offsets a whole number plus a fraction in [0.2, 0.8]: every sample well away from the pixel lattice."""
    return lambda shape: rng.integers(-2, 3, size=shape) + rng.uniform(0.2, 0.8, size=shape)


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("with_mask", [False, True])
def test_gradients_match_central_differences(rng, check_grad, geometry, with_mask):
    x, offset, weight, bias, mask = case(rng, geometry, n=2, h=5, w=5, offsets=off_lattice(rng))
    s, p, d = geometry[3:6]
    inputs = tensors(x, offset, weight, bias, mask if with_mask else None, requires_grad=True)

    def fn(*args):
        x, offset, weight, *rest = args
        bias = rest.pop(0) if geometry[-1] else None
        return ops.deform_conv2d(x, offset, weight, bias, s, p, d, mask=rest[0] if rest else None)

    check_grad(fn, *[t for t in inputs if t is not None])


def test_gradients_reach_each_input_as_asked(rng):
    geometry = GEOMETRIES[0]
    x, offset, weight, bias, mask = tensors(*case(rng, geometry, offsets=off_lattice(rng)))
    for name in ("input", "offset", "weight", "bias", "mask"):
        args = dict(input=x, offset=offset, weight=weight, bias=bias, mask=mask)
        leaf = args[name] = args[name].detach().requires_grad_(True)
        ops.deform_conv2d(padding=1, **args).sum().backward()
        assert leaf.grad is not None and np.abs(leaf.grad.numpy()).sum() > 0, name


def test_on_the_lattice_the_offset_gradient_is_the_difference_from_above():
    """At a whole-pixel offset the interpolation has a kink: torchvision's gradient is ``v(y + 1) - v(y)``,
    also at ``y = -1``, where the sample has just left the image (its value there is 0)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 2, 4, 5))
    weight = rng.normal(size=(1, 2, 1, 1))
    for dy, dx in [(0.0, 0.0), (1.0, -1.0), (-1.0, 0.0), (0.0, -2.0), (-2.0, -1.0), (2.0, 0.0)]:
        offset = np.zeros((1, 2, 4, 5))
        offset[:, 0], offset[:, 1] = dy, dx
        leaf = autograd.tensor(offset, requires_grad=True)
        ops.deform_conv2d(autograd.tensor(x), leaf, autograd.tensor(weight)).sum().backward()
        step = 1e-7
        for channel in (0, 1):
            moved = offset.copy()
            moved[:, channel] += step
            from_above = (
                run(x, moved, weight, None, (2, 1, (1, 1), (1, 1), (0, 0), (1, 1)))
                - run(x, offset, weight, None, (2, 1, (1, 1), (1, 1), (0, 0), (1, 1)))
            ) / step
            np.testing.assert_allclose(leaf.grad.numpy()[0, channel], from_above[0, 0], atol=1e-6)
    # (y, x) = (-1, 2): the position (0, 2) moved one row up; from above it reads row 0 with weight y + 1
    offset = np.zeros((1, 2, 4, 5))
    offset[0, 0, 0, 2] = -1.0
    leaf = autograd.tensor(offset, requires_grad=True)
    ops.deform_conv2d(autograd.tensor(x), leaf, autograd.tensor(weight)).sum().backward()
    assert leaf.grad.numpy()[0, 0, 0, 2] == pytest.approx(float(weight[0, :, 0, 0] @ x[0, :, 0, 2]))
    assert leaf.grad.numpy()[0, 1, 0, 2] == 0.0  # along x the sample reads 0 on both sides


def test_scattered_channels_adds_weighted_values_by_key(rng):
    groups, k, per_group, m, count = 2, 3, 3, 4, 7  # 6 channels, 3 per weight group, 2 per offset group
    d_columns = rng.normal(size=(groups, k, per_group, m))
    keys = rng.integers(0, count, size=(3, 4, k, m))
    weights = rng.uniform(size=(3, 4, k, m))
    expected = np.zeros((6, count))
    for channel in range(6):
        g, values = channel // 2, d_columns[channel // 3, :, channel % 3]
        for j, a, b in np.ndindex(4, k, m):
            expected[channel, keys[g, j, a, b]] += weights[g, j, a, b] * values[a, b]
    np.testing.assert_allclose(scattered_channels(d_columns, keys, weights, count), expected, rtol=1e-12)


@pytest.mark.parametrize(  # chunks under a row (one row each), ragged, one for all; rows of no channels
    ("chunk_rows", "per"), [(0, 3), (1, 3), (5, 3), (10_000, 3), (5, 0)]
)
def test_neighbour_dots_are_each_samples_dot_with_its_neighbour(rng, monkeypatch, chunk_rows, per):
    n, ho, wo, k, g, size = 2, 3, 2, 4, 2, 7  # size = H·W + 1 rows per image and offset group
    rows = rng.normal(size=(n * size * g, per))
    pixels = rng.integers(0, size, size=(4, n, ho, wo, k, g))
    d_samples = rng.normal(size=(n, ho, wo, k, g, per))
    monkeypatch.setattr(deform_conv, "DOT_CHUNK_BYTES", chunk_rows * per * 8)
    reads = neighbour_dots(d_samples, rows, pixels, size)
    assert len(reads) == 4
    for j in range(4):  # image i, pixel p, offset group q is row (i·size + p)·g + q
        expected = np.zeros((n, ho, wo, k, g))
        for i, y, x, a, q in np.ndindex(n, ho, wo, k, g):
            row = rows[(i * size + pixels[j, i, y, x, a, q]) * g + q]
            expected[i, y, x, a, q] = d_samples[i, y, x, a, q] @ row
        np.testing.assert_allclose(reads[j], expected, rtol=1e-12, atol=1e-12)


def test_the_layer_initialises_prints_and_saves_like_torchvision(rng):
    autograd.manual_seed(0)
    layer = ops.DeformConv2d(4, 6, 3, stride=2, padding=1, groups=2)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert tuple(layer.weight.shape) == (6, 2, 3, 3) and tuple(layer.bias.shape) == (6,)
    bound = 1 / math.sqrt(2 * 9)  # kaiming_uniform(a=√5) and the bias: U(±1/√fan_in)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert (
            values.dtype == np.float32 and np.abs(values).max() <= bound and np.abs(values).max() > bound / 2
        )
    assert repr(layer) == "DeformConv2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)"
    assert repr(ops.DeformConv2d(2, 2, (1, 2), dilation=2, bias=False)) == (
        "DeformConv2d(2, 2, kernel_size=(1, 2), stride=(1, 1), dilation=(2, 2), bias=False)"
    )
    assert ops.DeformConv2d(2, 2, 1, bias=False).bias is None
    x = autograd.tensor(rng.normal(size=(1, 4, 5, 5)).astype(np.float32))
    offset = autograd.tensor(rng.uniform(-1, 1, size=(1, 18, 3, 3)).astype(np.float32))
    mask = autograd.tensor(rng.uniform(size=(1, 9, 3, 3)).astype(np.float32))
    with autograd.no_grad():
        expected = ops.deform_conv2d(x, offset, layer.weight, layer.bias, 2, 1, mask=mask)
        np.testing.assert_array_equal(layer(x, offset, mask).numpy(), expected.numpy())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"offset": (1, 17, 4, 4)}, "multiple of 18"),
        ({"offset": (1, 19, 4, 4)}, "multiple of 18"),
        ({"offset": (1, 18, 3, 4)}, r"offset must have shape \(1, 18, 4, 4\)"),
        ({"offset": (2, 18, 4, 4)}, r"offset must have shape \(1, 18, 4, 4\)"),
        ({"mask": (1, 18, 4, 4)}, r"mask must have shape \(1, 9, 4, 4\)"),
        ({"weight": (5, 3, 3, 3)}, "does not fit input"),
        ({"weight": (5, 2, 3, 3)}, "does not fit input"),
        ({"bias": (4,)}, r"bias must have shape \(5,\)"),
        ({"input": (1, 4, 6)}, "input must be 4-d"),
        ({"offset": (1, 54, 4, 4)}, "offset_groups dividing the 4 input channels"),
    ],
)
def test_bad_shapes_are_refused_with_the_shapes_named(change, message):
    shapes = {
        "input": (1, 4, 6, 6),
        "offset": (1, 18, 4, 4),
        "weight": (5, 4, 3, 3),
        "bias": (5,),
        "mask": None,
    }
    shapes.update(change)
    args = {k: None if v is None else autograd.zeros(*v, dtype=autograd.float64) for k, v in shapes.items()}
    with pytest.raises(ValueError, match=message):
        ops.deform_conv2d(**args)


def test_bad_settings_are_refused():
    x, offset, weight = autograd.zeros(1, 2, 3, 3), autograd.zeros(1, 2, 1, 1), autograd.zeros(1, 2, 1, 1)
    with pytest.raises(ValueError, match="the output would be 0×0"):
        ops.deform_conv2d(x, autograd.zeros(1, 32, 1, 1), autograd.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="the output would be 0×5"):  # one side is enough
        ops.deform_conv2d(autograd.zeros(1, 2, 3, 8), autograd.zeros(1, 32, 1, 5), autograd.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="the output would be 5×0"):
        ops.deform_conv2d(autograd.zeros(1, 2, 8, 3), autograd.zeros(1, 32, 5, 1), autograd.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        ops.deform_conv2d(x, offset, weight, stride=0)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        ops.deform_conv2d(x, offset, weight, padding=-1)
    with pytest.raises(TypeError, match="deform_conv2d: input is"):
        ops.deform_conv2d(x, offset.double(), weight)
    with pytest.raises(TypeError, match="float tensor"):
        ops.deform_conv2d(autograd.zeros(1, 2, 3, 3, dtype=autograd.int64), offset, weight)
    with pytest.raises(ValueError, match="in_channels=3 must be divisible by groups=2"):
        ops.DeformConv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels=3 must be divisible by groups=2"):
        ops.DeformConv2d(4, 3, 3, groups=2)


def test_arrays_are_accepted_and_a_one_by_one_output_is_conv2d(rng):
    x, weight = (
        rng.normal(size=(2, 3, 3, 3)).astype(np.float32),
        rng.normal(size=(4, 3, 3, 3)).astype(np.float32),
    )
    bias = rng.normal(size=4).astype(np.float32)
    offset, mask = np.zeros((2, 18, 1, 1), np.float32), np.ones((2, 9, 1, 1), np.float32)
    out = ops.deform_conv2d(x, offset, weight, bias.tolist(), mask=mask.tolist())  # arrays, lists: as tensors
    assert tuple(out.shape) == (2, 4, 1, 1)
    expected = np.einsum("nchw,ochw->no", x, weight) + bias
    np.testing.assert_allclose(out.numpy()[:, :, 0, 0], expected, rtol=1e-5, atol=1e-5)


def test_reset_parameters_redraws_weight_and_bias():
    layer = ops.DeformConv2d(2, 3, 3)
    for p in (layer.weight, layer.bias):
        p.data = autograd.zeros(*p.shape)
    layer.reset_parameters()
    bound = 1 / math.sqrt(2 * 9)
    for p in (layer.weight, layer.bias):
        values = np.abs(p.detach().numpy())
        assert values.min() > 0 and values.max() <= bound


def test_an_empty_batch_gives_an_empty_output_and_gradients(rng):
    x = autograd.tensor(np.zeros((0, 4, 5, 5)), requires_grad=True)
    offset = autograd.tensor(np.zeros((0, 2 * 9, 5, 5)), requires_grad=True)
    mask = autograd.tensor(np.zeros((0, 9, 5, 5)), requires_grad=True)
    weight = autograd.tensor(rng.standard_normal((2, 4, 3, 3)), requires_grad=True)
    out = ops.deform_conv2d(x, offset, weight, padding=1, mask=mask)
    assert out.shape == (0, 2, 5, 5)
    out.sum().backward()
    assert x.grad.shape == x.shape and offset.grad.shape == offset.shape and mask.grad.shape == mask.shape
    assert weight.grad.shape == weight.shape and not weight.grad.numpy().any()


@pytest.mark.parametrize("axis", [0, 1])
def test_a_sample_at_minus_one_reads_nothing_even_beside_nan_or_inf(rng, axis):
    """At ``y = -1`` (or ``x = -1``) torchvision's sample is 0 without reading row (column) 0, whose
    weight is 0 there: a NaN or inf in it must not come through as 0 · NaN, in the value, the mask's
    gradient or the input's; the offsets' gradient along that axis is row 0's value, from above."""
    x = rng.normal(size=(1, 2, 4, 5))
    bad = x.copy()
    if axis == 0:
        bad[0, 0, 0, :], bad[0, 1, 0, :] = np.nan, np.inf  # row 0
    else:
        bad[0, 0, :, 0], bad[0, 1, :, 0] = -np.inf, np.nan  # column 0
    offset = np.zeros((1, 2, 4, 5))
    lattice = np.arange(4)[:, None] if axis == 0 else np.arange(5)[None, :]
    offset[0, axis] = -1.0 - lattice  # every sample on the line -1 along `axis`
    offset[0, 1 - axis] = 0.3  # and a fraction along the other one
    weight, bias = rng.normal(size=(3, 2, 1, 1)), rng.normal(size=3)
    leaves = tensors(bad, offset, weight, bias, np.full((1, 1, 4, 5), 0.5), requires_grad=True)
    with np.errstate(invalid="ignore"):  # the offsets' gradient multiplies the NaN row, as torchvision's
        out = ops.deform_conv2d(*leaves[:4], mask=leaves[4])
        out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), np.broadcast_to(bias[:, None, None], (1, 3, 4, 5)))
    assert not leaves[0].grad.numpy().any() and not leaves[4].grad.numpy().any()  # exact zeros, no NaN
    assert np.isfinite(leaves[2].grad.numpy()).all()
    # the same geometry with a finite row 0: the offsets' gradient along `axis` is what row 0 holds
    finite = tensors(x, offset, weight, None, requires_grad=True)
    ops.deform_conv2d(*finite).sum().backward()
    along = finite[1].grad.numpy()[0, axis]  # (4, 5)
    line = x[0, :, 0, :] if axis == 0 else x[0, :, :, 0]  # (C, length): row 0, or column 0
    following = np.pad(line[:, 1:], ((0, 0), (0, 1)))  # the next pixel along the line (0 past its end)
    # from above the sample reads the line 0.3 past each pixel: 0.7 of it and 0.3 of the next one
    expected = weight[:, :, 0, 0].sum(axis=0) @ (0.7 * line + 0.3 * following)
    np.testing.assert_allclose(along[0, :] if axis == 0 else along[:, 0], expected, rtol=1e-12)
    assert not np.isfinite(leaves[1].grad.numpy()[0, axis]).all()  # row 0 is NaN: so is that derivative


def test_double_backward_is_refused_clearly_and_the_first_is_right(rng):
    geometry = GEOMETRIES[0]
    x, offset, weight, bias, mask = tensors(
        *case(rng, geometry, offsets=off_lattice(rng)), requires_grad=True
    )
    out = ops.deform_conv2d(x, offset, weight, bias, padding=1, mask=mask)
    seed = autograd.tensor(rng.normal(size=out.shape))
    recorded = grad(out, [x, offset, mask], seed, create_graph=True)
    plain = grad(out, [x, offset, mask], seed, retain_graph=True)
    for r, p in zip(recorded, plain):
        assert r.requires_grad
        np.testing.assert_array_equal(r.detach().numpy(), p.numpy())
    with pytest.raises(NotImplementedError, match="deform_conv2d's gradient cannot be differentiated again"):
        grad(recorded[1].sum(), [x])


def test_the_graph_keeps_the_inputs_and_the_columns_only(rng):
    """Backward gathers the neighbours again: the graph holds no copy of them (4× the columns' size)."""
    geometry = GEOMETRIES[1]
    arrays = case(rng, geometry, offsets=off_lattice(rng))
    x, offset, weight, bias, mask = tensors(*arrays, requires_grad=True)
    out = ops.deform_conv2d(x, offset, weight, bias, *geometry[3:6], mask=mask)
    saved = out.grad_fn.saved_tensors
    (n, c), (ho, wo), k = x.shape[:2], out.shape[2:], 3 * 2
    assert [a.shape for a in saved] == [x.shape, offset.shape, mask.shape, (2, n * ho * wo, k * c // 2)]
    np.testing.assert_array_equal(saved[0], arrays[0])


def test_an_input_written_in_place_after_forward_is_refused_in_backward(rng):
    x, offset, weight, bias, _ = case(rng, GEOMETRIES[0], offsets=off_lattice(rng))
    x = autograd.tensor(x)
    offset = autograd.tensor(offset, requires_grad=True)
    out = ops.deform_conv2d(x, offset, autograd.tensor(weight), padding=1)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_forward_and_backward_peaks_stay_near_the_columns_size(rng):
    """Each gathered neighbour is freed before the next, and backward's (M, K, C) columns' gradient
    before the channel-major one: measured here (tracemalloc sees NumPy's buffers) 2.9 and 3.8 times
    the columns' size, against 3.9 and 4.8 when either is kept one step longer."""
    n, c, h, w = 1, 16, 24, 24
    x, offset, weight, mask = tensors(
        rng.normal(size=(n, c, h, w)),
        rng.normal(size=(n, 18, h, w)),
        rng.normal(size=(8, c, 3, 3)),
        rng.uniform(size=(n, 9, h, w)),
        requires_grad=True,
    )
    seed = autograd.tensor(rng.normal(size=(n, 8, h, w)))
    columns = n * h * w * 9 * c * 8  # float64 bytes
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = ops.deform_conv2d(x, offset, weight, padding=1, mask=mask)
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        grad(out, [x, offset, weight, mask], seed)
        backward_peak = tracemalloc.get_traced_memory()[1] - kept
    finally:
        tracemalloc.stop()
    assert (kept - before) / columns < 1.2  # the columns and the output
    assert (peak - before) / columns < 3.4
    assert backward_peak / columns < 4.25
