"""The ``F.*_with_indices`` pools have PyTorch's signatures (tools/parity/sweep_signatures.py found
``(input, *args, return_indices=True, **kwargs)``): each pool's own parameters, ``return_indices``
defaulting to False and ignored, as PyTorch's; a wrong argument is refused by the function's name."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as tt_vision

FORMS = {
    "max_pool1d": ((1, 2, 7), (3, 2, 1, 1, True)),
    "max_pool2d": ((1, 2, 5, 6), (3, 2, 1, 1, True)),
    "max_pool3d": ((1, 1, 4, 5, 3), (2, 1, 0, 1, False)),
    "adaptive_max_pool1d": ((1, 2, 7), (3,)),
    "adaptive_max_pool2d": ((1, 2, 5, 6), ((2, 4),)),
    "adaptive_max_pool3d": ((1, 1, 4, 5, 3), (2,)),
}


@pytest.mark.parametrize("pool", FORMS)
def test_the_signature_is_the_pools_with_return_indices_false(pool):
    form = getattr(tt_vision, f"{pool}_with_indices")
    parameters = inspect.signature(form).parameters
    assert list(parameters) == list(inspect.signature(getattr(tt_vision, pool)).parameters)
    assert list(parameters)[-1] == "return_indices" and parameters["return_indices"].default is False


@pytest.mark.parametrize("pool", FORMS)
@pytest.mark.parametrize("flag", [False, True])
def test_values_and_indices_whatever_return_indices_says(pool, flag):
    shape, settings = FORMS[pool]
    x = autograd.tensor(np.random.default_rng(0).standard_normal(shape))
    values, indices = getattr(tt_vision, f"{pool}_with_indices")(x, *settings, flag)
    want_values, want_indices = getattr(tt_vision, pool)(x, *settings, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), want_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())
    by_name = getattr(tt_vision, f"{pool}_with_indices")(
        input=x, **dict(zip(list(inspect.signature(getattr(tt_vision, pool)).parameters)[1:], settings))
    )
    np.testing.assert_array_equal(by_name[1].numpy(), want_indices.numpy())


@pytest.mark.parametrize("pool", ["max_pool1d", "adaptive_max_pool3d"])
def test_an_unknown_argument_is_refused_by_the_functions_name(pool):
    x = autograd.ones(1, 1, 4, 4, 4)
    with pytest.raises(TypeError, match=rf"{pool}_with_indices: .*'bogus'"):
        getattr(tt_vision, f"{pool}_with_indices")(x, 2, bogus=1)


@pytest.mark.parametrize("pool", ["max_pool1d", "max_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d"])
def test_each_form_carries_its_name_and_a_docstring(pool):
    form = getattr(tt_vision, f"{pool}_with_indices")
    assert form.__name__ == form.__qualname__ == f"{pool}_with_indices"
    assert form.__doc__ == f"``{pool}(..., return_indices=True)``: values and positions of the maxima."
