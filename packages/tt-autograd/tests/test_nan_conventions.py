"""NaN and inf where PyTorch's answer differs from NumPy's, on both packages' tensors.

Checked against PyTorch 2.13 in a scratch script (values written here from its results):
``sign``/``sgn`` and ``heaviside`` of NaN are 0; ``unique`` keeps every NaN (NaN != NaN);
``diag_embed`` puts NaN and inf on the diagonal only (a product with a 0/1 band would spread NaN).
Not course material (outside the solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

NAN, INF = float("nan"), float("inf")


@pytest.fixture(params=["tt_tensor", "tt_autograd"])
def lib(request):
    return tt_tensor if request.param == "tt_tensor" else autograd


def test_sign_of_nan_is_zero(lib):
    x = lib.tensor([NAN, -2.0, 0.0, INF, -INF])
    assert x.sign().tolist() == [0.0, -1.0, 0.0, 1.0, -1.0]
    assert lib.tensor([3, -1, 0]).sign().tolist() == [1, -1, 0]  # integers unchanged


def test_sign_of_nan_is_zero_with_gradient_zero():
    x = autograd.tensor([NAN, 1.5], requires_grad=True)
    y = x.sign()
    assert y.tolist() == [0.0, 1.0] and x.sgn().tolist() == [0.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_unique_keeps_every_nan(lib):
    values, inverse, counts = lib.tensor([NAN, 1.0, NAN, 1.0]).unique(return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), [1.0, NAN, NAN])
    assert inverse.tolist() == [1, 0, 2, 0] and counts.tolist() == [2, 1, 1]


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diag_embed_keeps_nan_and_inf_on_the_diagonal(lib, offset):
    values = np.array([[NAN, 1.0, INF], [2.0, -INF, 3.0]])
    out = lib.tensor(values).diag_embed(offset).numpy()
    expected = np.stack([np.diag(row, offset) for row in values])
    np.testing.assert_array_equal(out, expected)
    assert np.isnan(out).sum() == 1


def test_diag_embed_gradient():
    x = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert autograd.gradcheck(lambda t: t.diag_embed(1, 0, 2) ** 2, (x,))


def test_heaviside_of_nan_is_zero(lib):
    x = lib.tensor([NAN, 0.0, -1.0, 2.0, -INF, INF])
    values = lib.tensor([5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert x.heaviside(values).tolist() == [0.0, 6.0, 0.0, 1.0, 0.0, 1.0]
    assert lib.tensor([0, -3, 4]).heaviside(lib.tensor([7])).tolist() == [7, 0, 1]
