"""Module 01: random tensors, seeded generators, RNG state, and in-place random initialisers."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def draws(generator=None):
    """One of each random draw, as NumPy arrays, to compare streams."""
    kwargs = {} if generator is None else {"generator": generator}
    return [
        tt.rand(3, **kwargs).numpy(),
        tt.randn(2, 2, **kwargs).numpy(),
        tt.randint(0, 100, (4,), **kwargs).numpy(),
        tt.randperm(6, **kwargs).numpy(),
    ]


def assert_same_draws(first, second):
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------- distributions


def test_rand_is_uniform_in_unit_interval():
    t = tt.rand(10_000, generator=tt.Generator(0))
    assert t.shape == (10_000,) and t.dtype == tt.float32
    values = t.numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert abs(values.mean() - 0.5) < 0.02 and abs(values.var() - 1 / 12) < 0.005


def test_randn_is_standard_normal():
    t = tt.randn(100, 100, generator=tt.Generator(0))
    assert t.shape == (100, 100) and t.dtype == tt.float32
    assert abs(t.numpy().mean()) < 0.03 and abs(t.numpy().std() - 1.0) < 0.03


@pytest.mark.parametrize("make", [tt.rand, tt.randn])
def test_rand_and_randn_dtypes(make):
    assert make(2, 3, dtype=tt.float64).dtype == tt.float64
    assert make((2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match=r"(rand|randn): .*floating.*int64"):
        make(3, dtype=tt.int64)


def test_randint_forms_and_range():
    g = tt.Generator(0)
    t = tt.randint(3, 7, (1000,), generator=g)
    assert t.dtype == tt.int64 and t.shape == (1000,)
    assert set(np.unique(t.numpy())) == {3, 4, 5, 6}
    high_only = tt.randint(5, (2, 3), generator=g)  # PyTorch's randint(high, size)
    assert high_only.shape == (2, 3) and high_only.numpy().min() >= 0 and high_only.numpy().max() < 5
    keyword = tt.randint(5, size=(4,), generator=g)
    assert keyword.shape == (4,)
    assert tt.randint(0, 2, (3,), dtype=tt.int32, generator=g).dtype == tt.int32


def test_randint_refuses_empty_range():
    with pytest.raises(ValueError, match=r"randint: low \(5\) must be less than high \(5\)"):
        tt.randint(5, 5, (2,))


def test_randperm_is_a_permutation():
    t = tt.randperm(50, generator=tt.Generator(0))
    assert t.dtype == tt.int64
    np.testing.assert_array_equal(np.sort(t.numpy()), np.arange(50))
    assert not np.array_equal(t.numpy(), np.arange(50))


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_rand_like_and_randn_like(dtype):
    base = tt.zeros(4, 5, dtype=dtype)
    for t in (tt.rand_like(base), tt.randn_like(base)):
        assert t.shape == (4, 5) and t.dtype == dtype
        assert np.unique(t.numpy()).size > 1


def test_multinomial_draws_categories_by_weight():
    g = tt.Generator(0)
    weights = tt.tensor([0.0, 1.0, 3.0])
    picks = tt.multinomial(weights, 4000, replacement=True, generator=g).numpy()
    counts = np.bincount(picks, minlength=3) / 4000
    assert counts[0] == 0 and abs(counts[2] - 0.75) < 0.03
    without = tt.multinomial(tt.ones(2, 5), 5, generator=g).numpy()
    assert without.shape == (2, 5)
    for row in without:
        np.testing.assert_array_equal(np.sort(row), np.arange(5))


# ----------------------------------------------------------------- seeds and state


def test_manual_seed_makes_the_default_stream_repeat():
    tt.manual_seed(42)
    first = draws()
    tt.manual_seed(42)
    assert_same_draws(first, draws())
    assert tt.initial_seed() == 42
    tt.manual_seed(43)
    assert not np.array_equal(first[0], draws()[0])


def test_generators_are_independent_of_the_default_stream():
    tt.manual_seed(0)
    expected = draws()
    g = tt.Generator(7)
    tt.manual_seed(0)
    tt.rand(5, generator=g)  # drawing from g must not advance the default stream
    assert_same_draws(expected, draws())


def test_generator_seed_repeats_and_differs():
    assert_same_draws(draws(tt.Generator(5)), draws(tt.Generator().manual_seed(5)))
    assert not np.array_equal(draws(tt.Generator(5))[0], draws(tt.Generator(6))[0])
    assert tt.Generator(5).initial_seed() == 5


def test_generator_reseeds_from_entropy():
    g = tt.Generator(0)
    seed = g.seed()
    assert g.initial_seed() == seed
    assert_same_draws(draws(g), draws(tt.Generator(seed)))
    assert len({seed, g.seed(), g.seed()}) == 3, "seed() must draw fresh entropy each time"


def test_rng_state_round_trip():
    tt.manual_seed(3)
    tt.rand(10)
    state = tt.get_rng_state()
    assert isinstance(state, tt.Tensor) and state.dtype == tt.uint8
    expected = draws()
    tt.manual_seed(99)
    tt.set_rng_state(state)
    assert_same_draws(expected, draws())


def test_generator_state_round_trip():
    g = tt.Generator(1)
    tt.rand(3, generator=g)
    state = g.get_state()
    expected = draws(g)
    g.set_state(state)
    assert_same_draws(expected, draws(g))


def test_bad_rng_state_is_refused():
    with pytest.raises(ValueError, match="set_state: not a TinyTorch generator state"):
        tt.set_rng_state(tt.tensor([1, 2, 3], dtype=tt.uint8))


# ----------------------------------------------------------------- in-place random initialisers


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_uniform_fills_in_place(dtype):
    t = tt.zeros(200, 50, dtype=dtype)
    storage = t.numpy()
    out = t.uniform_(-2.0, 3.0, generator=tt.Generator(0))
    assert out is t and t.dtype == dtype and t.numpy() is storage
    values = t.numpy()
    assert values.min() >= -2.0 and values.max() < 3.0
    assert abs(values.mean() - 0.5) < 0.1 and abs(values.var() - 25 / 12) < 0.1
    default = tt.zeros(1000).uniform_()
    assert default.numpy().min() >= 0.0 and default.numpy().max() < 1.0 and default.numpy().std() > 0.2


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_normal_fills_in_place(dtype):
    t = tt.zeros(200, 50, dtype=dtype)
    out = t.normal_(mean=3.0, std=0.5, generator=tt.Generator(0))
    assert out is t and t.dtype == dtype
    assert abs(t.numpy().mean() - 3.0) < 0.02 and abs(t.numpy().std() - 0.5) < 0.02
    default = tt.zeros(10_000).normal_()
    assert abs(default.numpy().mean()) < 0.05 and abs(default.numpy().std() - 1.0) < 0.05


@pytest.mark.parametrize("dtype", [tt.float32, tt.int64, tt.bool])
def test_bernoulli_fills_zeros_and_ones(dtype):
    t = tt.full((10_000,), 5, dtype=dtype) if dtype != tt.bool else tt.zeros(10_000, dtype=tt.bool)
    out = t.bernoulli_(0.3, generator=tt.Generator(0))
    assert out is t and t.dtype == dtype
    values = t.numpy().astype(np.float64)
    assert set(np.unique(values)) == {0.0, 1.0}
    assert abs(values.mean() - 0.3) < 0.02
    assert abs(tt.zeros(10_000).bernoulli_().numpy().mean() - 0.5) < 0.02


def test_bernoulli_with_a_probability_tensor():
    p = tt.tensor([0.0, 1.0, 0.5])
    t = tt.zeros(4000, 3).bernoulli_(p, generator=tt.Generator(0))
    column_means = t.numpy().mean(axis=0)
    assert column_means[0] == 0.0 and column_means[1] == 1.0 and abs(column_means[2] - 0.5) < 0.03
    with pytest.raises(ValueError, match=r"bernoulli_: p must be in \[0, 1\]"):
        tt.zeros(3).bernoulli_(1.5)


def test_random_initialisers_repeat_with_a_seed():
    a = tt.empty(5).uniform_(generator=tt.Generator(4))
    b = tt.empty(5).uniform_(generator=tt.Generator(4))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    tt.manual_seed(8)
    c = tt.empty(5).normal_()
    tt.manual_seed(8)
    np.testing.assert_array_equal(c.numpy(), tt.empty(5).normal_().numpy())


def test_random_initialisers_write_through_views():
    base = tt.zeros(4, 6)
    base[:, :3].uniform_(1.0, 2.0)
    values = base.numpy()
    assert values[:, :3].min() >= 1.0 and np.all(values[:, 3:] == 0.0)


def test_uniform_and_normal_refuse_integer_tensors():
    with pytest.raises(TypeError, match=r"uniform_: .*floating.*int64"):
        tt.zeros(3, dtype=tt.int64).uniform_()
    with pytest.raises(TypeError, match=r"normal_: .*floating.*int64"):
        tt.zeros(3, dtype=tt.int64).normal_()
