"""Module 09: pooling and convolution layers check their sizes when built (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd
from tt_vision import Conv2d, MaxPool2d


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MaxPool2d(-1), ValueError, "MaxPool2d: kernel_size must be >= 1"),
        (lambda: MaxPool2d(2.5), TypeError, "MaxPool2d: kernel_size must be an int or a pair"),
        (lambda: MaxPool2d("4"), TypeError, "MaxPool2d: kernel_size must be an int or a pair"),
        (lambda: MaxPool2d(2, stride=0), ValueError, "MaxPool2d: stride must be >= 1"),
        (lambda: Conv2d(3, 4, True), TypeError, "Conv2d: kernel_size must be an int or a pair"),
        (lambda: Conv2d(3.0, 4, 3), TypeError, "Conv2d: in_channels must be an int"),
        (lambda: Conv2d(3, 4, 3, groups=0), ValueError, "Conv2d: groups must be at least 1"),
    ],
)
def test_bad_layer_sizes_are_refused_when_the_layer_is_built(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_good_arguments_still_build_working_layers():
    x = tt_autograd.randn(2, 3, 8, 8)
    assert tuple(MaxPool2d((2, 2), stride=np.int64(2))(x).shape) == (2, 3, 4, 4)
    assert tuple(Conv2d(np.int64(3), 4, (3, 3), groups=1)(x).shape) == (2, 4, 6, 6)
