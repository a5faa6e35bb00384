"""Bitwise ops and random fills of ``_math_more_methods.py``: ``bitwise_and/or/xor/not``, the shifts (methods,
function forms, ``<<``, ``>>`` and the in-place operators ``&=``, ``|=``, ``^=``, ``<<=``, ``>>=``), and
``cauchy_``, ``exponential_``, ``geometric_``, ``log_normal_``, ``random_``, ``bernoulli``.

Bitwise values against NumPy, with PyTorch 2.13's results for out-of-range shift counts pinned. Random fills
are checked statistically with fixed seeds: a sample moment must lie within ``Z`` standard errors of the
distribution's (the standard error from the sample size and the distribution's own variance), plus dtypes,
generator reproducibility, in-place rules and PyTorch's errors for bad parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor

Z = 5.0  # standard errors allowed: a false alarm about once in 3.5 million runs
N = 40_000


def t(values, dtype=None, requires_grad=False):
    return autograd.tensor(values, dtype=dtype, requires_grad=requires_grad)


# ---------------------------------------------------------------- bitwise
BINARY = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor}


@pytest.mark.parametrize("name", list(BINARY))
def test_bitwise_binary_against_numpy(name, rng):
    a, b = rng.integers(-100, 100, (3, 4)), rng.integers(-100, 100, (4,))
    np.testing.assert_array_equal(getattr(t(a), name)(t(b)).numpy(), BINARY[name](a, b))
    np.testing.assert_array_equal(getattr(autograd, name)(t(a), 7).numpy(), BINARY[name](a, 7))
    flags = rng.integers(0, 2, (5,)).astype(bool)
    out = getattr(t(flags), name)(t(~flags))
    assert out.dtype == autograd.bool
    np.testing.assert_array_equal(out.numpy(), BINARY[name](flags, ~flags))
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for float32"):
        getattr(t([1.0]), name)(t([1.0]))
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for float32"):
        getattr(t([1]), name)(2.5)


def test_bitwise_promotion_is_pytorch_s():
    assert t([True, False]).bitwise_or(t([1, 2])).dtype == autograd.int64
    u8 = t([200, 3], dtype=autograd.uint8)
    out = u8.bitwise_xor(t([-8, 3]))
    assert out.dtype == autograd.int64
    np.testing.assert_array_equal(out.numpy(), [-208, 0])
    assert t([1, 2], dtype=autograd.int32).bitwise_and(3).dtype == autograd.int32


def test_bitwise_not():
    np.testing.assert_array_equal(t([True, False]).bitwise_not().numpy(), [False, True])
    np.testing.assert_array_equal(autograd.bitwise_not(t([200, 3], dtype=autograd.uint8)).numpy(), [55, 252])
    np.testing.assert_array_equal(t([0, -1, 5]).bitwise_not().numpy(), [-1, 0, -6])
    with pytest.raises(NotImplementedError, match="bitwise_not: not implemented for float32"):
        t([1.0]).bitwise_not()


def test_shifts_in_range_against_numpy(rng):
    a, b = rng.integers(-1000, 1000, (3, 4)), rng.integers(0, 20, (4,))
    np.testing.assert_array_equal(t(a).bitwise_left_shift(t(b)).numpy(), np.left_shift(a, b))
    np.testing.assert_array_equal(autograd.bitwise_right_shift(t(a), t(b)).numpy(), np.right_shift(a, b))
    np.testing.assert_array_equal((t(a) << 3).numpy(), a << 3)
    np.testing.assert_array_equal((t(a) >> t(b)).numpy(), a >> b)
    np.testing.assert_array_equal((1 << t([1, 2])).numpy(), [2, 4])
    np.testing.assert_array_equal((64 >> t([1, 2])).numpy(), [32, 16])
    assert (t([1, 2], dtype=autograd.int32) << 2).dtype == autograd.int32


def test_shifts_out_of_range_are_pytorch_s():
    # PyTorch 2.13: a count < 0 or >= the width gives 0, or -1 for a right shift of a negative value
    values = t([-8, 3, 5])
    np.testing.assert_array_equal(values.bitwise_left_shift(t([2, 64, -1])).numpy(), [-32, 0, 0])
    np.testing.assert_array_equal(values.bitwise_right_shift(t([64, -1, 1])).numpy(), [-1, 0, 2])
    u8 = t([200, 3], dtype=autograd.uint8)
    np.testing.assert_array_equal(u8.bitwise_right_shift(9).numpy(), [0, 0])
    np.testing.assert_array_equal(u8.bitwise_left_shift(9).numpy(), [0, 0])
    i8 = t([1, 1], dtype=autograd.int8)
    np.testing.assert_array_equal(i8.bitwise_left_shift(t([7, 8], dtype=autograd.int8)).numpy(), [-128, 0])


@pytest.mark.parametrize("op", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts_refuse_floats_and_bools(op):
    with pytest.raises(
        NotImplementedError, match=f"{op}: not implemented for float32 \\(integer tensors only\\)"
    ):
        getattr(t([1.5]), op)(1)
    with pytest.raises(NotImplementedError, match=f"{op}: not implemented for bool"):
        getattr(t([True]), op)(t([True]))
    with pytest.raises(NotImplementedError, match="<<: not implemented for float32"):
        t([1.5]) << 1


IN_PLACE = {
    "bitwise_and_": lambda x: x.__iand__(t([6, 6])),
    "bitwise_or_": lambda x: x.__ior__(t([6, 6])),
    "bitwise_xor_": lambda x: x.__ixor__(t([6, 6])),
    "bitwise_left_shift_": lambda x: x.__ilshift__(1),
    "bitwise_right_shift_": lambda x: x.__irshift__(1),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_bitwise_in_place_forms_and_operators(name):
    x = t([3, 12])
    version = x._version
    expected = getattr(t([3, 12]), name[:-1])(t([6, 6]) if "shift" not in name else 1).numpy()
    assert getattr(x, name)(t([6, 6]) if "shift" not in name else 1) is x
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == version + 1
    y = t([3, 12])
    assert IN_PLACE[name](y) is y  # the operator form writes in place too
    np.testing.assert_array_equal(y.numpy(), expected)


def test_bitwise_in_place_keeps_the_dtype():
    flags = t([True, False])
    with pytest.raises(RuntimeError, match="bitwise_and_: result type int64 can't be cast to the desired"):
        flags.bitwise_and_(t([1, 1]))
    x = t([1, 2, 3])
    np.testing.assert_array_equal(x.bitwise_and_(t([True, False, True])).numpy(), [1, 0, 1])
    flags.bitwise_not_()
    np.testing.assert_array_equal(flags.numpy(), [False, True])


# ---------------------------------------------------------------- random fills
def assert_mean(samples: np.ndarray, mean: float, std: float) -> None:
    """The sample mean within ``Z`` standard errors (``std / sqrt(n)``) of ``mean``."""
    error = abs(samples.mean() - mean)
    assert error < Z * std / math.sqrt(samples.size), f"mean {samples.mean()} vs {mean} (std {std})"


def fill(name, *args, dtype=autograd.float64, seed=7, **kwargs):
    x = autograd.empty(N, dtype=dtype)
    assert getattr(x, name)(*args, generator=tt_tensor.Generator(seed), **kwargs) is x
    return x


def test_exponential_moments():
    samples = fill("exponential_", 2.5).numpy()
    assert samples.min() >= 0
    assert_mean(samples, 1 / 2.5, 1 / 2.5)
    assert_mean(samples**2, 2 / 2.5**2, math.sqrt(24 / 2.5**4 - 4 / 2.5**4))  # E x^2 = 2/l^2, Var = 20/l^4


def test_cauchy_median_and_quartiles():
    samples = fill("cauchy_", 1.5, 2.0).numpy()
    # no moments: the sample quantile q of density f has standard error sqrt(q (1 - q) / n) / f(x_q)
    for q, x_q in ((0.5, 1.5), (0.25, -0.5), (0.75, 3.5)):
        density = 1 / (math.pi * 2.0 * (1 + ((x_q - 1.5) / 2.0) ** 2))
        error = math.sqrt(q * (1 - q) / N) / density
        assert abs(np.quantile(samples, q) - x_q) < Z * error


def test_log_normal_moments():
    samples = fill("log_normal_", 0.5, 0.3).numpy()
    assert samples.min() > 0
    assert_mean(np.log(samples), 0.5, 0.3)
    assert_mean((np.log(samples) - 0.5) ** 2, 0.09, math.sqrt(2) * 0.09)  # Var of chi-square(1) * s^2
    defaults = fill("log_normal_").numpy()  # PyTorch's mean=1, std=2
    assert_mean(np.log(defaults), 1.0, 2.0)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.int64, autograd.int16])
def test_geometric_moments(dtype):
    p = 0.3
    x = fill("geometric_", p, dtype=dtype)
    assert x.dtype == dtype
    samples = x.numpy().astype(np.float64)
    assert samples.min() >= 1 and np.all(samples == np.round(samples))
    assert_mean(samples, 1 / p, math.sqrt(1 - p) / p)


@pytest.mark.parametrize(
    ("dtype", "args", "low", "high"),
    [
        (autograd.int64, (-3, 4), -3, 3),
        (autograd.int64, (-300, 300), -300, 299),
        (autograd.float32, (10,), 0, 9),
        (autograd.uint8, (), 0, 255),
        (autograd.int8, (), 0, 127),
        (autograd.bool, (), 0, 1),
        (autograd.float16, (), 0, 2**11),
    ],
)
def test_random_integers_cover_their_range(dtype, args, low, high):
    x = fill("random_", *args, dtype=dtype)
    assert x.dtype == dtype
    samples = x.numpy().astype(np.float64)
    assert samples.min() >= low and samples.max() <= high
    assert np.all(samples == np.round(samples))
    count = high - low + 1
    assert_mean(samples, (low + high) / 2, math.sqrt((count**2 - 1) / 12))
    if count <= 256:
        assert len(np.unique(samples)) == count  # every value drawn


def test_random_defaults_reach_the_whole_range():
    samples = fill("random_", dtype=autograd.int64).numpy()
    assert samples.min() >= 0 and samples.max() > 2**62  # [0, 2**63 - 1]
    floats = fill("random_", dtype=autograd.float32).numpy()
    assert floats.max() <= 2**24 and floats.max() > 2**23  # [0, 2**24]: exact in float32
    keywords = fill("random_", from_=2, to=4, dtype=autograd.int64).numpy()
    assert set(np.unique(keywords)) == {2, 3}


def test_bernoulli_method():
    probs = np.linspace(0.05, 0.95, 4)
    x = t(np.repeat(probs[None], N // 4, 0), dtype=autograd.float64)
    draws = x.bernoulli(generator=tt_tensor.Generator(3)).numpy()
    assert draws.dtype == np.float64 and set(np.unique(draws)) == {0.0, 1.0}
    for column, p in enumerate(probs):
        assert_mean(draws[:, column], p, math.sqrt(p * (1 - p)))
    constant = autograd.zeros(N).bernoulli(0.3, generator=tt_tensor.Generator(4)).numpy()
    assert_mean(constant, 0.3, math.sqrt(0.21))
    with pytest.raises(TypeError, match="bernoulli: not implemented for int64"):
        t([0, 1]).bernoulli()
    with pytest.raises(ValueError, match="bernoulli: p must be in \\[0, 1\\]"):
        t([0.5, 2.0]).bernoulli()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cauchy_", (0.0, 1.0)),
        ("exponential_", (1.0,)),
        ("geometric_", (0.5,)),
        ("log_normal_", ()),
        ("random_", ()),
    ],
)
def test_fills_follow_the_generator_and_the_rules(name, args):
    first, second = fill(name, *args, seed=11), fill(name, *args, seed=11)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert not np.array_equal(first.numpy(), fill(name, *args, seed=12).numpy())
    tt_tensor.manual_seed(5)
    a = getattr(autograd.empty(4, dtype=autograd.float64), name)(*args).numpy()
    tt_tensor.manual_seed(5)
    np.testing.assert_array_equal(a, getattr(autograd.empty(4, dtype=autograd.float64), name)(*args).numpy())
    x = autograd.zeros(3)
    version = x._version
    getattr(x, name)(*args)
    assert x._version == version + 1 and x.dtype == autograd.float32
    with pytest.raises(RuntimeError, match=f"{name}: in-place operation on a leaf tensor that requires grad"):
        getattr(autograd.zeros(3, requires_grad=True), name)(*args)
    with autograd.no_grad():
        getattr(autograd.zeros(3, requires_grad=True), name)(*args)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: autograd.zeros(3).cauchy_(0, 0),
            RuntimeError,
            "cauchy_ expects sigma > 0.0, but found sigma=0",
        ),
        (lambda: autograd.zeros(3, dtype=autograd.int64).cauchy_(), TypeError, "Cauchy distribution is a"),
        (
            lambda: autograd.zeros(3).exponential_(-1),
            RuntimeError,
            "expects lambda > 0.0, but found lambda=-1",
        ),
        (
            lambda: autograd.zeros(3, dtype=autograd.int64).exponential_(),
            TypeError,
            "dtype must be a floating",
        ),
        (lambda: autograd.zeros(3).geometric_(1), RuntimeError, "geometric_ expects p to be in \\(0, 1\\)"),
        (lambda: autograd.zeros(3).geometric_(0), RuntimeError, "but got p=0"),
        (
            lambda: autograd.zeros(3, dtype=autograd.bool).geometric_(0.5),
            TypeError,
            "not implemented for bool",
        ),
        (lambda: autograd.zeros(3).log_normal_(1, 0), RuntimeError, "log_normal_ expects std > 0.0"),
        (
            lambda: autograd.zeros(3, dtype=autograd.int64).log_normal_(),
            TypeError,
            "log_normal_: not implemented",
        ),
        (
            lambda: autograd.zeros(3).random_(5, 5),
            RuntimeError,
            "expects 'from' to be less than 'to', but got from=5",
        ),
        (lambda: autograd.zeros(3).random_(0), RuntimeError, "from=0 >= to=0"),
        (lambda: autograd.zeros(3).random_(1.5), TypeError, "random_: to must be an int"),
        (
            lambda: autograd.zeros(3, dtype=autograd.uint8).random_(-1, 3),
            RuntimeError,
            "from is out of bounds",
        ),
        (
            lambda: autograd.zeros(3, dtype=autograd.uint8).random_(0, 300),
            RuntimeError,
            "to - 1 is out of bounds",
        ),
        (
            lambda: autograd.zeros(3, dtype=autograd.bool).random_(0, 3),
            RuntimeError,
            "out of bounds for bool",
        ),
        (lambda: autograd.zeros(3).exponential_("1"), TypeError, "exponential_: lambd must be a number"),
        (lambda: autograd.zeros(3).geometric_("0.5"), TypeError, "geometric_: p must be a number"),
        (lambda: autograd.zeros(3).random_(1.5, 3), TypeError, "random_: from must be an int"),
    ],
)
def test_fill_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_random_arguments():
    for call in (lambda x: x.random_(1, 2, 3), lambda x: x.random_(low=1)):
        with pytest.raises(TypeError, match="random_: expected random_\\(\\), random_\\(to\\) or"):
            call(autograd.zeros(3))


def test_in_place_forms_write_through_views():
    x = autograd.zeros(2, 3)
    assert x[1].exponential_(generator=tt_tensor.Generator(0)) is not None
    assert (x.numpy()[0] == 0).all() and (x.numpy()[1] > 0).all()
    y = t([1, 2, 3])
    view = y[1:]
    view <<= 2
    np.testing.assert_array_equal(y.numpy(), [1, 8, 12])
    z = autograd.zeros(2, 3)
    z[0].addmv_(autograd.ones(3, 2), autograd.ones(2))
    np.testing.assert_array_equal(z.numpy(), [[2.0] * 3, [0.0] * 3])
