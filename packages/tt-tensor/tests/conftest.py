"""Shared helpers for tt-tensor's tests.

``check(actual, expected, dtype)`` is the one comparison every test uses: the
result must be a ``Tensor`` (not a NumPy array), of the expected shape and
dtype, holding the expected values. Expected values always come from a direct
NumPy computation, never from tt-tensor itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tt_tensor as tt


def assert_tensor(
    actual: object, expected: object, dtype: object = None, rtol: float = 1e-6, atol: float = 1e-6
):
    """Fail unless ``actual`` is a Tensor equal (within tolerance) to the array ``expected``."""
    assert isinstance(actual, tt.Tensor), f"expected a Tensor, got {type(actual).__name__}: {actual!r}"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    if dtype is not None:
        assert actual.dtype == dtype, f"dtype {actual.dtype}, expected {dtype}"
    values = actual.numpy()
    assert isinstance(values, np.ndarray), f"numpy() returned {type(values).__name__}"
    if expected.dtype.kind in "biu" and values.dtype.kind in "biu":
        np.testing.assert_array_equal(values, expected)
    else:
        np.testing.assert_allclose(values, expected, rtol=rtol, atol=atol, equal_nan=True)


def pytest_collection_modifyitems(items):
    """NumPy's RuntimeWarnings (overflow, divide by zero, ...) fail this package's tests: an op that
    warns where PyTorch is silent is a bug. Tests that expect a warning catch it themselves."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.filterwarnings("error"))


@pytest.fixture
def check():
    """The :func:`assert_tensor` comparison, as a fixture (tests here are not importable modules)."""
    return assert_tensor


@pytest.fixture
def rng():
    """A seeded NumPy generator for test data, so failures reproduce."""
    return np.random.default_rng(1234)


@pytest.fixture
def restore_default_dtype():
    """For tests that change the default float dtype: put it back afterwards, pass or fail."""
    before = tt.get_default_dtype()
    yield
    tt.set_default_dtype(before)
