"""``resize_weights``: one axis of ``F.interpolate`` as a dense matrix (for per-window resizing).

Beyond the course: no module number. ``interpolate`` is itself checked against PyTorch
(test_interpolate_antialias.py); here the matrix must give its values, mode by mode.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
from tt_nn.functional.resample import resize_weights

#: (mode, antialias, align_corners): the nearest modes take neither option (interpolate refuses them).
OPTIONS = [("nearest", False, False), ("nearest-exact", False, False)] + [
    (mode, antialias, corners)
    for mode in ("bilinear", "bicubic")
    for antialias in (False, True)
    for corners in (False, True)
]


@pytest.mark.parametrize(("mode", "antialias", "align_corners"), OPTIONS)
@pytest.mark.parametrize(("size_in", "size_out"), [(11, 4), (5, 13), (7, 7), (6, 1)])
def test_matrix_is_interpolate_along_an_axis(mode, antialias, align_corners, size_in, size_out):
    x = np.random.default_rng(size_in * 31 + size_out).random((2, 3, size_in, 5))
    corners = None if mode.startswith("nearest") else align_corners
    expected = F.interpolate(
        autograd.tensor(x), size=(size_out, 5), mode=mode, antialias=antialias, align_corners=corners
    ).numpy()
    matrix = resize_weights(size_in, size_out, mode, antialias, align_corners)
    assert matrix.shape == (size_out, size_in) and matrix.dtype == np.float64
    np.testing.assert_allclose(np.einsum("oh,bchw->bcow", matrix, x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-12)  # every row a weighted mean


def test_repeated_taps_add_up():
    # bicubic near an edge clamps several taps onto the edge pixel: their weights must be summed
    matrix = resize_weights(3, 7, "bicubic")
    taps = F.interpolate(autograd.tensor(np.eye(3)[None, None]), size=(7, 3), mode="bicubic").numpy()[0, 0]
    np.testing.assert_allclose(matrix, taps, atol=1e-15)
    assert (matrix[0] != 0).sum() < 4  # clamped taps merged
