"""Module 03's optional extras: Cody's vectorised ``erf``/``erfc`` and their helpers, against ``math.erf``.

Extras: ``tito module test 03 --extras`` runs these; ``tito module complete 03`` does not need them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tt_nn.functional.erf import erf, erfc


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


# Each helper of erf is an exercise of its own: tested on its own range, so none can be left
# raising (or replaced by a call to math.erf) while erf's own tests still pass.


def test_horner_evaluates_the_rational_function_in_codys_layout():
    from tt_nn.functional.erf import _horner

    z = np.array([0.0, 0.5, -1.5, 3.0])
    top, coefficients, denominator = 2.0, (1.0, -3.0, 0.5), (4.0, 0.25, 7.0)
    numerator = top * z**3 + 1.0 * z**2 - 3.0 * z + 0.5
    expected = numerator / (z**3 + 4.0 * z**2 + 0.25 * z + 7.0)
    np.testing.assert_allclose(_horner(z.copy(), top, coefficients, denominator), expected, rtol=1e-15)


def test_erf_small_is_accurate_on_its_interval():
    from tt_nn.functional.erf import _erf_small

    x = np.linspace(-0.46875, 0.46875, 2_001)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(_erf_small(x), expected, rtol=1e-14, atol=1e-300)


def test_exp_minus_square_keeps_precision_for_large_y():
    from tt_nn.functional.erf import _exp_minus_square

    y = np.array([0.0, 0.3, 1.0, 4.7, 9.99, 20.5, 26.0])
    expected = np.array([math.exp(-(v * v)) for v in y])  # exact enough: y*y rounds little here
    np.testing.assert_allclose(_exp_minus_square(y), expected, rtol=2e-14)
    y = np.array([25.123456789])
    exact = math.exp(-(25.0**2)) * math.exp(-(0.123456789 * (2 * 25.0 + 0.123456789)))  # split as the helper
    np.testing.assert_allclose(_exp_minus_square(y), [exact], rtol=1e-13)


def test_erfc_tail_is_accurate_above_the_small_interval():
    from tt_nn.functional.erf import _erfc_tail

    y = np.concatenate([np.linspace(0.47, 4.0, 700), np.linspace(4.0, 26.5, 700)])
    expected = np.array([math.erfc(v) for v in y])
    relative = np.abs(_erfc_tail(y.copy()) - expected) / expected
    # A few ulps (7e-16 measured): forming y*y directly in exp(-y^2), or splitting y at a coarser
    # point than 1/16, loses up to 1e-13 in the tail; 4e-15 tells them apart.
    assert relative.max() <= 4e-15, float(relative.max())
    with np.errstate(all="ignore"):  # as erf calls it: inf - inf inside, fixed up after
        special = _erfc_tail(np.array([np.inf, np.nan, 30.0]))
    assert special[0] == 0.0 and np.isnan(special[1]) and special[2] == 0.0
