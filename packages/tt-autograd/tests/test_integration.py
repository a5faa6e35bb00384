"""``trapezoid``/``trapz``/``cumulative_trapezoid``: values against NumPy's trapezoidal rule, gradients
against central differences (with respect to the samples and the sample points), PyTorch's errors.

Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import cumulative_trapezoid, gradcheck, trapezoid, trapz

RNG = np.random.default_rng(7)
Y = RNG.standard_normal((3, 4, 5))


def _cumulative(y, x=None, dx=1.0, axis=-1):
    """NumPy reference: the running sums of the trapezoid areas (``x`` 1-d or None)."""
    y = np.moveaxis(y, axis, -1)
    widths = dx if x is None else np.diff(x)
    return np.moveaxis(np.cumsum((y[..., 1:] + y[..., :-1]) * widths / 2, -1), -1, axis)


def close(result, array):
    np.testing.assert_allclose(getattr(result, "numpy", lambda: result)(), array, rtol=1e-12)


@pytest.mark.parametrize("function", [trapezoid, trapz])
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_values_match_numpys_trapezoid(function, dim):
    y = autograd.tensor(Y)
    close(function(y, dim=dim), np.trapezoid(Y, axis=dim))
    close(function(y, dx=0.25, dim=dim), np.trapezoid(Y, dx=0.25, axis=dim))
    x1 = np.sort(RNG.standard_normal(Y.shape[dim]))
    close(function(y, autograd.tensor(x1), dim=dim), np.trapezoid(Y, x1, axis=dim))
    x3 = np.sort(RNG.standard_normal(Y.shape), axis=dim)
    close(function(y, autograd.tensor(x3), dim=dim), np.trapezoid(Y, x3, axis=dim))


@pytest.mark.parametrize("dim", [-1, 0])
def test_cumulative_keeps_the_running_integrals(dim):
    y = autograd.tensor(Y)
    x1 = np.sort(RNG.standard_normal(Y.shape[dim]))
    out = cumulative_trapezoid(y, autograd.tensor(x1), dim=dim)
    assert out.shape[dim] == Y.shape[dim] - 1
    close(out, _cumulative(Y, x1, axis=dim))
    close(cumulative_trapezoid(y, dx=2.0, dim=dim), _cumulative(Y, dx=2.0, axis=dim))
    last = out.numpy().take(-1, axis=dim)
    close(last, np.trapezoid(Y, x1, axis=dim))


@pytest.mark.parametrize("function", [trapezoid, cumulative_trapezoid])
def test_gradients_with_respect_to_samples_and_points(function):
    y = autograd.tensor(RNG.standard_normal((2, 4)), requires_grad=True)
    x1 = autograd.tensor(np.sort(RNG.standard_normal(4)), requires_grad=True)
    x2 = autograd.tensor(np.sort(RNG.standard_normal((1, 4)), -1), requires_grad=True)  # broadcast over rows
    assert gradcheck(lambda a, b: function(a, b), (y, x1))
    assert gradcheck(lambda a, b: function(a, b), (y, x2))
    assert gradcheck(lambda a: function(a, dx=0.3, dim=0), (y,))


def test_integer_samples_integrate_in_the_default_float_dtype():
    out = trapezoid(autograd.tensor([1, 2, 3]))
    assert out.dtype == autograd.float32 and out.item() == 4.0
    assert trapezoid(autograd.tensor([5.0])).item() == 0.0  # one point: no area


def test_bad_arguments_are_refused_by_name():
    y = autograd.tensor(Y)
    with pytest.raises(
        ValueError, match=r"trapezoid: a 1-d x needs one point per element of y along dim 2 \(5\), got 4"
    ):
        trapezoid(y, autograd.tensor(np.arange(4.0)))
    with pytest.raises(
        TypeError, match="cumulative_trapezoid: give the sample points x or the spacing dx, not both"
    ):
        cumulative_trapezoid(y, autograd.tensor(np.arange(5.0)), dx=1.0)
    with pytest.raises(TypeError, match="trapz: x must be a tensor"):
        trapz(y, 0.5)
    with pytest.raises(TypeError, match="trapezoid: y must be a tensor"):
        trapezoid([1.0, 2.0])
    with pytest.raises(ValueError, match="0-d"):
        trapezoid(autograd.tensor(1.0))
