"""Shared fixtures for tt-nn's tests (modules 03–05).

Test files are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator, so a failing case reproduces.
* ``leaf(*shape, scale=1.0)``: a random float64 leaf tensor that requires grad.
* ``check_grad(fn, *inputs)``: ``gradcheck`` (float64 central differences) that
  must pass; on failure its message names the input, the element and both values.
* ``check(actual, expected)``: a tt-autograd ``Tensor`` with the values of a NumPy array.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240603)


@pytest.fixture
def leaf(rng):
    def make(*shape: int, scale: float = 1.0, requires_grad: bool = True) -> autograd.Tensor:
        return autograd.tensor(
            rng.standard_normal(shape) * scale, dtype=autograd.float64, requires_grad=requires_grad
        )

    return make


@pytest.fixture
def check_grad():
    def run(fn, *inputs, **options) -> None:
        assert autograd.gradcheck(fn, list(inputs), **options) is True

    return run


def assert_tensor(actual: object, expected: object, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Fail unless ``actual`` is a tt-autograd Tensor with the shape and values of ``expected``."""
    assert isinstance(actual, autograd.Tensor), f"expected a tt_autograd.Tensor, got {type(actual).__name__}"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=rtol, atol=atol)


@pytest.fixture
def check():
    return assert_tensor
