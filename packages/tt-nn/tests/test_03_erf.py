"""Module 03: the vectorised ``erf``/``erfc`` behind exact GELU, checked against Python's ``math.erf``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tt_nn.functional.erf import erf, erfc, normal_cdf


def _points() -> np.ndarray:
    """Dense grid over every branch of Cody's algorithm, both signs, plus tiny and huge magnitudes."""
    grid = np.linspace(-7.0, 7.0, 28_001)
    logs = np.geomspace(1e-300, 27.0, 4_000)
    edges = np.array([0.46875, 4.0, 26.5])
    near_edges = (edges[:, None] + np.array([-1e-12, 0.0, 1e-12])).ravel()
    return np.concatenate([grid, logs, -logs, near_edges, -near_edges, [0.0, -0.0]])


def test_erf_matches_math_erf_to_1e_13_relative():
    x = _points()
    expected = np.array([math.erf(v) for v in x])
    got = erf(x)
    relative = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
    worst = int(np.argmax(relative))
    assert relative.max() <= 1e-13, f"erf({x[worst]!r}) = {got[worst]!r}, math.erf gives {expected[worst]!r}"


def test_erfc_keeps_relative_precision_deep_in_the_tail():
    x = _points()
    expected = np.array([math.erfc(v) for v in x])
    got = erfc(x)
    normal = expected > 1e-300  # below that math.erfc is subnormal and Cody's erfc flushes to 0
    relative = np.abs(got - expected)[normal] / expected[normal]
    assert relative.max() <= 1e-13
    assert np.all(got[~normal] < 1e-300)
    assert erfc(np.array(10.0)) == pytest.approx(2.088487583762545e-45, rel=1e-13)


def test_special_values_and_shapes():
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf, 0.0])), [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(erfc(np.array([np.inf, -np.inf])), [0.0, 2.0])
    assert np.isnan(erf(np.array([np.nan]))).all() and np.isnan(erfc(np.array([np.nan]))).all()
    assert erf(np.array(0.5)).shape == () and float(erf(np.array(0.5))) == pytest.approx(
        math.erf(0.5), rel=1e-15
    )
    assert erf(np.zeros((2, 0, 3))).shape == (2, 0, 3)
    assert erf(np.ones((2, 3))).shape == (2, 3)
    assert np.signbit(erf(np.array(-0.0)))  # odd function, down to the sign of zero


def test_float32_stays_float32_and_is_accurate_to_float32():
    x = np.linspace(-5, 5, 1001, dtype=np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    expected = np.array([math.erf(float(v)) for v in x])
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-7)


def test_integers_are_computed_as_floats():
    np.testing.assert_allclose(erf(np.array([0, 1, 2])), [math.erf(v) for v in (0, 1, 2)], rtol=1e-15)


def test_normal_cdf_is_accurate_for_very_negative_inputs():
    # (1 + erf(x / sqrt 2)) / 2 would lose every digit here; erfc keeps them
    x = np.array([-30.0, -10.0, -3.0, 0.0, 3.0])
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(normal_cdf(x), expected, rtol=1e-11)  # x / sqrt(2) rounds: error ~ x^2 * ulp
    assert normal_cdf(np.array(-30.0)) > 0
