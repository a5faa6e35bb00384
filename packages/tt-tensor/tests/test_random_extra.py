"""``bernoulli``, ``normal``, ``poisson`` (``random_extra.py``): shapes, dtypes, seeding, statistics, errors.

Not course material (outside module 01's solution regions), so no module number.
Statistics use many draws under a fixed seed: the bounds are several standard
errors wide, and the seed makes each run give the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def test_bernoulli_keeps_dtype_shape_and_frequencies():
    tt.manual_seed(0)
    probs = tt.tensor(np.tile([0.0, 0.2, 0.9, 1.0], (20000, 1)), dtype=tt.float32)
    draws = tt.bernoulli(probs)
    assert draws.dtype == tt.float32 and draws.shape == (20000, 4)
    values = draws.numpy()
    assert set(np.unique(values)) <= {0.0, 1.0}
    frequency = values.mean(axis=0)
    np.testing.assert_array_equal(frequency[[0, 3]], [0.0, 1.0])  # p = 0 and p = 1 are certain
    np.testing.assert_allclose(frequency[1:3], [0.2, 0.9], atol=4 * np.sqrt(0.25 / 20000))
    assert tt.bernoulli(tt.zeros(3, dtype=tt.float64)).dtype == tt.float64


def test_bernoulli_with_p_uses_it_everywhere():
    tt.manual_seed(1)
    draws = tt.bernoulli(tt.zeros(40000), 0.3).numpy()
    assert draws.shape == (40000,)
    assert abs(draws.mean() - 0.3) < 4 * np.sqrt(0.21 / 40000)


def test_seed_and_generator_reproduce_draws():
    for sample in (
        lambda g: tt.bernoulli(tt.full((50,), 0.5), generator=g),
        lambda g: tt.normal(tt.zeros(50), tt.ones(50), generator=g),
        lambda g: tt.poisson(tt.full((50,), 3.0), generator=g),
    ):
        assert sample(tt.Generator(7)).equal(sample(tt.Generator(7)))
        tt.manual_seed(3)
        first = sample(None)
        tt.manual_seed(3)
        assert sample(None).equal(first)
        assert not sample(None).equal(first)  # the stream moves on


def test_normal_forms_shapes_and_dtypes():
    assert tt.normal(tt.zeros(2, 1), tt.ones(3)).shape == (2, 3)
    assert tt.normal(tt.zeros(2, dtype=tt.float64)).dtype == tt.float64
    assert tt.normal(0.0, tt.ones(3, dtype=tt.float64)).dtype == tt.float64
    out = tt.normal(2.0, 3.0, (4, 5))
    assert out.shape == (4, 5) and out.dtype == tt.float32
    assert tt.normal(0.0, 1.0, size=(2,), dtype=tt.float64).dtype == tt.float64


def test_normal_statistics_follow_mean_and_std():
    tt.manual_seed(0)
    n = 40000
    mean = tt.tensor(np.tile([-3.0, 0.0, 5.0], (n, 1)))
    std = tt.tensor([0.5, 1.0, 2.0])
    draws = tt.normal(mean, std).numpy().astype(np.float64)
    np.testing.assert_allclose(draws.mean(axis=0), [-3.0, 0.0, 5.0], atol=4 * 2.0 / np.sqrt(n))
    np.testing.assert_allclose(draws.std(axis=0), [0.5, 1.0, 2.0], rtol=0.03)
    zero_std = tt.normal(tt.tensor([1.5, -2.0]), 0.0).numpy()
    np.testing.assert_array_equal(zero_std, [1.5, -2.0])


def test_poisson_statistics_and_dtype():
    tt.manual_seed(0)
    n = 40000
    rates = tt.tensor(np.tile([0.0, 1.0, 7.5], (n, 1)), dtype=tt.float64)
    counts = tt.poisson(rates)
    assert counts.dtype == tt.float64
    values = counts.numpy()
    assert np.all(values == np.round(values)) and np.all(values[:, 0] == 0)
    np.testing.assert_allclose(values.mean(axis=0)[1:], [1.0, 7.5], atol=4 * np.sqrt(7.5 / n))
    np.testing.assert_allclose(values.var(axis=0)[1:], [1.0, 7.5], rtol=0.05)
    assert tt.poisson(tt.ones(2)).dtype == tt.float32


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: tt.normal(0.0, 1.0), RuntimeError, "pass size"),
        (lambda: tt.normal(tt.zeros(2), -tt.ones(2)), RuntimeError, "std >= 0"),
        (lambda: tt.normal(tt.zeros(2), tt.ones(3)), RuntimeError, r"shape \(2,\).*shape \(3,\)"),
        (lambda: tt.normal(tt.zeros(2), 1.0, (2,)), RuntimeError, "size is only for number"),
        (lambda: tt.normal("0", 1.0, (2,)), TypeError, "mean must be a tensor or a number"),
        (lambda: tt.bernoulli(tt.tensor([1.5])), ValueError, r"in \[0, 1\]"),
        (lambda: tt.bernoulli(tt.tensor([1, 0])), TypeError, "floating-point"),
        (lambda: tt.bernoulli([0.5]), TypeError, "must be a tensor"),
        (lambda: tt.poisson(tt.tensor([-1.0])), RuntimeError, "non-negative"),
        (lambda: tt.poisson(tt.tensor([np.inf])), RuntimeError, "finite"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
