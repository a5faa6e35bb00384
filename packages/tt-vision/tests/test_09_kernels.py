"""Module 09: the chapter's channels-last kernels, called directly.

``im2col`` and ``col2im`` against loop-by-loop definitions on awkward
geometries: non-square kernels, strides unlike the padding, asymmetric
padding (as ``'same'`` with an even kernel makes), padding wider than
``'same'``, dilation, groups, and an input so thin that some kernel rows only
ever read padding. ``conv_forward`` / ``conv_backward`` and the max-pool
kernels follow NumPy's ``out=`` convention: the buffer passed in (here filled
with NaN first) is overwritten and is what the function returns.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_vision._conv import conv_backward, conv_forward, weight_matrix
from tt_vision._im2col import col2im, im2col
from tt_vision._pool import _geometry, _offsets, _tiles, max_pool_backward, max_pool_forward

GEOMETRIES = [
    # (x shape (N, H, W, C), ((kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw), groups))
    ((2, 5, 7, 2), ((2, 3), (2, 1), (0, 1, 1, 2), (1, 2), 1)),  # every number different
    ((1, 4, 4, 3), ((3, 3), (1, 1), (2, 2, 2, 2), (1, 1), 1)),  # padding wider than 'same'
    ((2, 1, 5, 2), ((3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 1)),  # kernel rows that read only padding
    ((1, 6, 5, 4), ((4, 2), (1, 1), (1, 2, 0, 1), (1, 1), 2)),  # 'same' with even kernels, two groups
    ((1, 7, 9, 6), ((1, 3), (3, 2), (1, 0, 2, 1), (1, 2), 3)),
]


def _out_size(shape, geometry):
    (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw), _ = geometry
    ho = (shape[1] + top + bottom - dh * (kh - 1) - 1) // sh + 1
    wo = (shape[2] + left + right - dw * (kw - 1) - 1) // sw + 1
    return ho, wo


def _taps(shape, geometry):
    """Every (output row, output column, kernel row, kernel column, padded row, padded column)."""
    (kh, kw), (sh, sw), _, (dh, dw), _ = geometry
    ho, wo = _out_size(shape, geometry)
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    yield i, j, a, b, i * sh + a * dh, j * sw + b * dw


def reference_im2col(x, geometry):
    """cols[n, i, j, g, a, b, c] = padded x[n, i·sh + a·dh, j·sw + b·dw, g·C/g + c]."""
    (kh, kw), _, (top, bottom, left, right), _, groups = geometry
    n, _, _, c = x.shape
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    cols = np.zeros((n, *_out_size(x.shape, geometry), groups, kh, kw, c // groups))
    for i, j, a, b, r, s in _taps(x.shape, geometry):
        cols[:, i, j, :, a, b, :] = xp[:, r, s, :].reshape(n, groups, c // groups)
    return cols


def reference_col2im(dcols, shape, geometry):
    """Each window's gradient added back onto the padded positions it read, then the padding cut off."""
    _, _, (top, bottom, left, right), _, _ = geometry
    n, h, w, c = shape
    dxp = np.zeros((n, h + top + bottom, w + left + right, c))
    for i, j, a, b, r, s in _taps(shape, geometry):
        dxp[:, r, s, :] += dcols[:, i, j, :, a, b, :].reshape(n, c)
    return dxp[:, top : top + h, left : left + w]


@pytest.mark.parametrize(("shape", "geometry"), GEOMETRIES, ids=str)
def test_im2col_matches_its_definition_and_fills_out(shape, geometry, rng):
    x = rng.standard_normal(shape)
    expected = reference_im2col(x, geometry)
    np.testing.assert_array_equal(im2col(x, geometry), expected)
    buffer = np.full(expected.shape, np.nan)
    assert im2col(x, geometry, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, expected)


@pytest.mark.parametrize(("shape", "geometry"), GEOMETRIES, ids=str)
def test_col2im_matches_its_definition_and_fills_out(shape, geometry, rng):
    (kh, kw), _, _, _, groups = geometry
    dcols = rng.standard_normal((shape[0], *_out_size(shape, geometry), groups, kh, kw, shape[3] // groups))
    expected = reference_col2im(dcols, shape, geometry)
    np.testing.assert_allclose(col2im(dcols, shape, geometry), expected, rtol=1e-12, atol=1e-12)
    buffer = np.full(shape, np.nan)
    assert col2im(dcols, shape, geometry, out=buffer) is buffer
    np.testing.assert_allclose(buffer, expected, rtol=1e-12, atol=1e-12)
    # the adjoint of im2col: <im2col(x), dcols> = <x, col2im(dcols)>
    x = rng.standard_normal(shape)
    assert np.isclose(np.vdot(im2col(x, geometry), dcols), np.vdot(x, buffer), rtol=1e-12)


@pytest.mark.parametrize(("shape", "geometry"), GEOMETRIES[::2] + GEOMETRIES[3:4], ids=str)
def test_conv_kernels_fill_their_out_buffers(shape, geometry, rng, reference):
    """conv_forward's output and conv_backward's dX go into (and come back as) the caller's buffers.

    Values: the forward against the loop reference; dX, dW and db against central
    differences of ``<conv_forward(x, W) , dY>`` in float64.
    """
    (kh, kw), stride, (top, bottom, left, right), dilation, groups = geometry
    c = shape[3]
    c_out = 2 * groups
    x = rng.standard_normal(shape)
    w = rng.standard_normal((c_out, c // groups, kh, kw))
    b = rng.standard_normal(c_out)
    ho, wo = _out_size(shape, geometry)
    out = np.full((shape[0], ho, wo, c_out), np.nan)
    assert conv_forward(x, weight_matrix(w, groups), b, geometry, out) is out
    expected = reference.conv2d(
        x.transpose(0, 3, 1, 2), w, b, stride, (top, bottom, left, right), dilation, groups
    )
    np.testing.assert_allclose(out, expected.transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)

    dy = rng.standard_normal(out.shape)

    def loss(x, w, b):
        y = np.empty(out.shape)
        return np.vdot(conv_forward(x, weight_matrix(w, groups), b, geometry, y), dy)

    def numeric(which):
        args = [x, w, b]
        grad = np.zeros(args[which].shape)
        for k in np.ndindex(grad.shape):  # a loop over a few dozen test elements, not a hot path
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[which][k] += 1e-6
            minus[which][k] -= 1e-6
            grad[k] = (loss(*plus) - loss(*minus)) / 2e-6
        return grad

    dx = np.full(shape, np.nan)
    dw, db = conv_backward(dy, x, weight_matrix(w, groups), geometry, True, True, dx)
    np.testing.assert_allclose(dx, numeric(0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dw, weight_matrix(numeric(1), groups), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(db, numeric(2), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation"),
    [((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 2), (1, 2), (1, 1), (1, 1)), ((2, 2), (1, 1), (0, 1), (2, 1))],
    ids=str,
)
def test_max_pool_kernels_fill_their_out_buffers(kernel, stride, padding, dilation, rng, reference):
    """max_pool_forward/backward write into and return the caller's buffers; backward is 'first max wins'."""
    x = rng.integers(0, 3, size=(2, 6, 4, 3)).astype(np.float64)  # many ties
    out_size, pads = _geometry("test", x.shape, kernel, stride, padding, dilation, False)
    xp = np.pad(x, ((0, 0), pads[:2], pads[2:], (0, 0)), constant_values=-np.inf)
    offsets = list(_offsets(kernel, stride, dilation, out_size))
    out = np.full((2, *out_size, 3), np.nan)
    assert max_pool_forward(xp, offsets, out) is out
    expected = reference.pool2d(x.transpose(0, 3, 1, 2), kernel, stride, padding, "max", dilation=dilation)
    np.testing.assert_array_equal(out, expected.transpose(0, 2, 3, 1))

    dy = rng.standard_normal(out.shape)
    dxp = np.full(xp.shape, np.nan)
    tiles = _tiles(x.shape, kernel, stride, dilation, pads, out_size)
    assert max_pool_backward(xp, out, dy, offsets, tiles, dxp) is dxp
    # each output's gradient goes to the first maximum of its window, in row-major scan order
    expected_dxp = np.zeros(xp.shape)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    for i, j, n, c in np.ndindex(*out_size, x.shape[0], x.shape[3]):  # loops: a reference, not a kernel
        taps = [(i * sh + a * dh, j * sw + b * dw) for a in range(kh) for b in range(kw)]
        r, s = next((r, s) for r, s in taps if xp[n, r, s, c] == out[n, i, j, c])
        expected_dxp[n, r, s, c] += dy[n, i, j, c]
    np.testing.assert_allclose(dxp, expected_dxp, rtol=1e-12, atol=1e-12)  # sums in another order
