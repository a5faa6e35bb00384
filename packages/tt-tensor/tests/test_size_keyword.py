"""``zeros``/``ones``/``empty``/``rand``/``randn`` take the shape as ``size=`` too, as PyTorch does.

pytorch/examples' gat/main.py writes ``torch.empty(size=(in_features, out_features))``.
Not course material (outside module 01's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd
import tt_tensor as tt


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword_equals_positional_sizes(name):
    factory = getattr(tt, name)
    for size in [(2, 3), [4], (), (2, 0, 5)]:
        made = factory(size=size)
        assert made.shape == tuple(size) and made.dtype == tt.float32
    assert factory(size=(2, 3), dtype=tt.float64).dtype == tt.float64
    assert getattr(tt_autograd, name)(size=(3, 2), requires_grad=True).requires_grad
    with pytest.raises(TypeError, match=rf"{name}: got sizes both as arguments \(2,\) and as size=\(3,\)"):
        factory(2, size=(3,))
    with pytest.raises((TypeError, ValueError), match=name):
        factory(size=(2, -1))


def test_values_follow_the_factory():
    assert np.array_equal(tt.zeros(size=(2, 2)).numpy(), np.zeros((2, 2)))
    assert np.array_equal(tt.ones(size=(3,)).numpy(), np.ones(3))
    tt.manual_seed(5)
    drawn = tt.randn(size=(4,)).numpy()
    tt.manual_seed(5)
    assert np.array_equal(drawn, tt.randn(4).numpy())
    tt.manual_seed(5)
    uniform = tt.rand(size=(1000,)).numpy()
    assert 0.0 <= uniform.min() and uniform.max() < 1.0
