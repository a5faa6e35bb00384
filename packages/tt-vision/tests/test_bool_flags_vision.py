"""Flag arguments of the pooling and grid functions take a Python bool only, as PyTorch 2.13's argument
parser (each form run on torch 2.13 in a scratch script): ``ceil_mode=np.True_``, ``count_include_pad=1``,
``align_corners=np.True_`` are a ``TypeError`` naming the op and the argument (``align_corners`` may also
be ``None``, its default). Before, they were read by their truth. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_vision.grid_sample import affine_grid, grid_sample

X = autograd.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
THETA = autograd.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])

FLAGS = [
    ("max_pool2d", "ceil_mode", lambda v: F.max_pool2d(X, 3, 2, ceil_mode=v)),
    ("avg_pool2d", "ceil_mode", lambda v: F.avg_pool2d(X, 3, 2, ceil_mode=v)),
    ("avg_pool2d", "count_include_pad", lambda v: F.avg_pool2d(X, 2, padding=1, count_include_pad=v)),
    ("affine_grid", "align_corners", lambda v: affine_grid(THETA, (1, 1, 2, 2), align_corners=v)),
    (
        "grid_sample",
        "align_corners",
        lambda v: grid_sample(X, affine_grid(THETA, (1, 1, 2, 2), False), align_corners=v),
    ),
]


@pytest.mark.parametrize(("op", "name", "call"), FLAGS, ids=[f"{op}-{name}" for op, name, _ in FLAGS])
def test_a_flag_that_is_not_a_python_bool_is_refused(op, name, call):
    for junk, kind in ((np.True_, "numpy.bool"), (np.False_, "numpy.bool"), (1, "int")):
        with pytest.raises(TypeError, match=rf"^{op}: argument '{name}' must be bool, got {kind}"):
            call(junk)
    for flag in (True, False):
        call(flag)


def test_the_flags_still_do_what_they_say():
    assert F.max_pool2d(X, 3, 2, ceil_mode=True).shape == (1, 1, 2, 2)  # ceil((4 - 3) / 2) + 1
    assert F.max_pool2d(X, 3, 2, ceil_mode=False).shape == (1, 1, 1, 1)
    # a corner window of 2x2 with padding 1 holds one value (0): divided by 4 or by 1
    assert F.avg_pool2d(X + 1, 2, padding=1, count_include_pad=True)[0, 0, 0, 0].item() == 0.25
    assert F.avg_pool2d(X + 1, 2, padding=1, count_include_pad=False)[0, 0, 0, 0].item() == 1.0
    # the identity grid of 2x2: corners at ±1 (align_corners) or ±0.5 (pixel edges)
    assert affine_grid(THETA, (1, 1, 2, 2), align_corners=True)[0, 0, 0].tolist() == [-1.0, -1.0]
    assert affine_grid(THETA, (1, 1, 2, 2), align_corners=None)[0, 0, 0].tolist() == [-0.5, -0.5]
    assert grid_sample(X, affine_grid(THETA, (1, 1, 4, 4), True), align_corners=True).tolist() == X.tolist()
