"""``gradient`` (``torch.gradient``): values against NumPy's ``np.gradient``, gradients with respect to
the samples and the coordinates against central differences, PyTorch's errors.

Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck, gradient

RNG = np.random.default_rng(11)
F = RNG.standard_normal((4, 5, 6))


def close(results, arrays):
    assert len(results) == len(arrays)
    for result, array in zip(results, arrays):
        assert result.shape == array.shape
        np.testing.assert_allclose(result.numpy(), array, rtol=1e-11, atol=1e-12)


def as_list(result):
    return [result] if isinstance(result, np.ndarray) else list(result)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_every_dimension_with_unit_spacing_matches_numpy(edge_order):
    close(gradient(autograd.tensor(F), edge_order=edge_order), np.gradient(F, edge_order=edge_order))


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("dim", [0, 1, -1, [2, 0]])
def test_chosen_dimensions_with_number_spacings_match_numpy(edge_order, dim):
    axes = [dim] if isinstance(dim, int) else dim
    steps = [0.5 * (i + 1) for i in range(len(axes))]
    expected = as_list(np.gradient(F, *steps, axis=tuple(axes), edge_order=edge_order))
    close(gradient(autograd.tensor(F), spacing=steps, dim=dim, edge_order=edge_order), expected)
    expected = as_list(np.gradient(F, 0.25, axis=tuple(axes), edge_order=edge_order))
    close(gradient(autograd.tensor(F), spacing=0.25, dim=dim, edge_order=edge_order), expected)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_uneven_coordinates_match_numpy(edge_order):
    coords = [np.sort(RNG.uniform(0, 3, n)) for n in F.shape]
    expected = np.gradient(F, *coords, edge_order=edge_order)
    spacing = [autograd.tensor(c) for c in coords]
    close(gradient(autograd.tensor(F), spacing=spacing, edge_order=edge_order), expected)
    expected = as_list(np.gradient(F, coords[1], axis=1, edge_order=edge_order))
    close(gradient(autograd.tensor(F), spacing=[spacing[1]], dim=1, edge_order=edge_order), expected)


def test_integer_samples_give_the_default_float_dtype_and_a_0d_spacing_is_a_number():
    (result,) = gradient(autograd.tensor([1, 4, 9, 16]), spacing=2)
    assert result.dtype == autograd.float32
    np.testing.assert_allclose(result.numpy(), [1.5, 2.0, 3.0, 3.5])
    (result,) = gradient(autograd.tensor([1.0, 2.0, 4.0]), spacing=autograd.tensor(2.0))
    np.testing.assert_allclose(result.numpy(), [0.5, 0.75, 1.0])


def test_coordinates_promote_the_result_dtype_and_integer_samples_are_not_truncated():
    coords = np.array([0.0, 0.5, 1.7, 3.0])
    samples = np.array([1, 4, 9, 16])
    for values in (samples, samples.astype(np.float32)):
        (result,) = gradient(autograd.tensor(values), spacing=(autograd.tensor(coords),))
        assert result.dtype == autograd.float64
        np.testing.assert_allclose(
            result.numpy(), np.gradient(samples.astype(np.float64), coords), rtol=1e-13
        )


def test_the_smallest_sizes_each_edge_order_allows():
    (two,) = gradient(autograd.tensor([1.0, 3.0]))
    np.testing.assert_allclose(two.numpy(), [2.0, 2.0])
    (three,) = gradient(autograd.tensor([1.0, 2.0, 5.0]), edge_order=2)
    np.testing.assert_allclose(three.numpy(), np.gradient([1.0, 2.0, 5.0], edge_order=2))


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradients_reach_samples_and_coordinates(edge_order):
    f = autograd.tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    x = autograd.tensor(np.sort(RNG.uniform(0, 2, 5)), requires_grad=True)
    weights = autograd.tensor(RNG.standard_normal((5, 3)))

    def along_uneven(f, x):
        return (gradient(f, spacing=[x], dim=0, edge_order=edge_order)[0] * weights).sum()

    def along_both(f):
        first, second = gradient(f, spacing=[0.5, 2.0], edge_order=edge_order)
        return (first * weights).sum() + (second * second).sum()

    assert gradcheck(along_uneven, (f, x))
    assert gradgradcheck(along_uneven, (f, x))
    assert gradcheck(along_both, (f,))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gradient(autograd.ones(2), edge_order=2), "at least edge_order+1"),
        (lambda: gradient(autograd.ones(1)), "at least edge_order+1"),
        (lambda: gradient(autograd.ones(3, 3), edge_order=3), "edge_order=1 and edge_order=2"),
        (lambda: gradient(autograd.ones(3, 3), spacing=[1.0, 2.0, 3.0]), "'self.dim() = 2'"),
        (lambda: gradient(autograd.ones(3, 3), spacing=[1.0], dim=[0, 1]), "spacing argument of length 1"),
        (lambda: gradient(autograd.ones(3, 3), spacing=[autograd.ones(2)], dim=0), "one coordinate per"),
        (lambda: gradient(autograd.ones(3, 3), dim=[0, 0]), "twice"),
        (lambda: gradient(autograd.ones(3, 3), dim=2), "dim"),
        (lambda: gradient(autograd.ones(3), spacing="1"), "spacing must be a number, a 0-d tensor"),
        (lambda: gradient(autograd.ones(3), spacing=["1"]), "each spacing must be a number or a 1-d"),
        (lambda: gradient(autograd.ones(3), spacing=[True]), "each spacing must be a number or a 1-d"),
        (lambda: gradient(autograd.ones(3), spacing=[autograd.tensor(2.0)]), "with 0 dimensions"),
        (lambda: gradient([1.0, 2.0]), "must be a tensor"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises((RuntimeError, TypeError, IndexError, ValueError), match=re.escape(message)):
        call()
