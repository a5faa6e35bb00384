"""Small additions beyond the exercises: ``diagflat``, ``flipud``/``fliplr``, ``clamp_min``/``clamp_max``,
``signbit``, ``heaviside``, ``gcd``/``lcm`` (methods and ``tt.X`` forms) and the builders ``vander``,
``block_diag``, ``cartesian_prod``, ``combinations``: values against NumPy references (``np.diagflat``,
``np.vander``, ``itertools``, ``math.gcd``), PyTorch's conventions (checked against torch 2.13 in a scratch
script and pinned here), dtypes and errors.

Not course material (outside module 01's solution regions), so no module number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_tensor as tt

NAN = float("nan")
RNG = np.random.default_rng(3)


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diagflat_matches_numpy(check, offset):
    x = RNG.normal(size=(2, 3))
    check(tt.diagflat(tt.tensor(x), offset), np.diagflat(x, offset), tt.float64)
    check(tt.tensor(x[0]).diagflat(offset), np.diagflat(x[0], offset))
    check(tt.tensor(3.0).diagflat(), [[3.0]])


def test_flipud_fliplr(check):
    x = RNG.normal(size=(3, 4, 2))
    check(tt.flipud(tt.tensor(x)), np.flipud(x))
    check(tt.tensor(x).fliplr(), np.fliplr(x))
    check(tt.tensor([1, 2, 3]).flipud(), [3, 2, 1], tt.int64)
    with pytest.raises(RuntimeError, match="flipud: Input must be >= 1-d"):
        tt.tensor(1.0).flipud()
    with pytest.raises(RuntimeError, match=r"fliplr: Input must be >= 2-d, got shape \(1,\)"):
        tt.fliplr(tt.tensor([1.0]))


def test_one_sided_clamps(check):
    x = tt.tensor([1.0, 5.0, -2.0])
    check(tt.clamp_min(x, 2), [2.0, 5.0, 2.0], tt.float32)
    check(x.clamp_max(2), [1.0, 2.0, -2.0])
    check(x.clamp_min(tt.tensor([2.0, 6.0, -3.0])), [2.0, 6.0, -2.0])
    check(tt.clamp_max(x, tt.tensor([0.0, 9.0, -5.0])), [0.0, 5.0, -5.0])


def test_signbit_and_heaviside(check):
    x = tt.tensor([-0.0, 0.0, -1.0, NAN, -NAN, 2.0])
    check(tt.signbit(x), np.signbit(x.numpy()), tt.bool)
    assert x.signbit().tolist() == [True, False, True, False, True, False]  # PyTorch 2.13
    assert tt.tensor([-1, 2]).signbit().tolist() == [True, False]
    steps = tt.tensor([-1.0, 0.0, 2.0])
    check(tt.heaviside(steps, tt.tensor(0.5)), [0.0, 0.5, 1.0], tt.float32)
    check(steps.heaviside(tt.tensor([7.0, 8.0, 9.0])), [0.0, 8.0, 1.0])
    check(tt.heaviside(tt.tensor([-3, 0, 4]), tt.tensor([5])), [0, 5, 1], tt.int64)
    with pytest.raises(
        RuntimeError, match="heaviside is not yet implemented for tensors with different dtypes"
    ):
        steps.heaviside(tt.tensor([1]))


def test_gcd_and_lcm(check):
    a, b = RNG.integers(-30, 30, size=20), RNG.integers(-30, 30, size=20)
    check(tt.gcd(tt.tensor(a), tt.tensor(b)), [math.gcd(int(p), int(q)) for p, q in zip(a, b)], tt.int64)
    check(tt.tensor(a).lcm(tt.tensor(b)), [math.lcm(int(p), int(q)) for p, q in zip(a, b)], tt.int64)
    check(tt.gcd(tt.tensor([12, -18, 0]), tt.tensor([8, 12, 0])), [4, 6, 0])  # PyTorch 2.13
    check(tt.lcm(tt.tensor([4, -6, 0]), tt.tensor([6, 4, 5])), [12, 12, 0])
    check(tt.tensor([[12], [9]]).gcd(tt.tensor([8, 6])), [[4, 6], [1, 3]])  # broadcasting
    with pytest.raises(RuntimeError, match="gcd: expected integer tensors, got float32"):
        tt.tensor([1.0]).gcd(tt.tensor([2.0]))
    with pytest.raises(RuntimeError, match="lcm: expected integer tensors"):
        tt.tensor([1]).lcm(tt.tensor([2.0]))
    check(tt.gcd(tt.tensor([4, 6]), tt.tensor([True, False])), [1, 6], tt.int64)  # a bool beside an integer
    check(tt.tensor([True, False]).lcm(tt.tensor([3, 4], dtype=tt.int32)), [3, 0], tt.int32)
    with pytest.raises(RuntimeError, match="gcd: expected integer tensors, got bool and bool"):
        tt.tensor([True]).gcd(tt.tensor([False]))


@pytest.mark.parametrize("op", ["atan2", "copysign", "xlogy", "hypot", "logaddexp"])
def test_an_integer_beside_a_float_tensor_takes_its_dtype(op):
    # PyTorch's promotion: int64 with float16 is float16 (it was float32: each operand went to the default).
    ints, halves = tt.tensor([1, 2, 3]), tt.tensor([0.5, -1.0, 2.0]).to(tt.float16)
    for a, b in ((ints, halves), (halves, ints)):
        out = getattr(tt, op)(a, b)
        assert out.dtype == tt.float16
        expected = getattr(tt, op)(a.to(tt.float32), b.to(tt.float32)).numpy().astype(np.float16)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-3)
    assert getattr(tt, op)(ints, tt.tensor([1.0], dtype=tt.float64)).dtype == tt.float64
    if op in ("hypot", "logaddexp"):  # PyTorch 2.13 has no integer kernel of these
        with pytest.raises(NotImplementedError, match=f"^{op}: not implemented for int64"):
            getattr(tt, op)(ints, ints)
    else:
        assert getattr(tt, op)(ints, ints).dtype == tt.float32  # two integers: the default float
    assert getattr(tt, op)(halves.to(tt.float32), halves).dtype == tt.float32  # two floats: promoted
    assert getattr(tt, op)(ints, 2.5).dtype == tt.float32  # a Python float beside integers: the default


def test_logit_of_an_integer_tensor_is_computed_in_float():
    # uint8's 1 - p used to wrap around: logit(1) gave -5.55 instead of inf.
    for dtype in (tt.uint8, tt.int64, tt.bool):
        out = tt.tensor([0, 1, 1]).to(dtype).logit()
        assert out.dtype == tt.float32 and out.tolist() == [-math.inf, math.inf, math.inf]
    assert math.isnan(tt.tensor([2], dtype=tt.uint8).logit().item())


@pytest.mark.parametrize("increasing", [False, True])
@pytest.mark.parametrize("columns", [None, 0, 1, 2, 5])
def test_vander_matches_numpy(check, increasing, columns):
    x = RNG.normal(size=4)
    expected = np.vander(x, columns, increasing=increasing)
    check(tt.vander(tt.tensor(x), N=columns, increasing=increasing), expected, tt.float64, rtol=1e-12)


def test_vander_pinned_and_errors(check):
    check(tt.vander(tt.tensor([1, 2, 3])), [[1, 1, 1], [4, 2, 1], [9, 3, 1]], tt.int64)
    check(tt.vander(tt.tensor([1.0, 2.0, 3.0]), N=2, increasing=True), [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    assert tt.vander(tt.tensor([2.0, 3.0]), N=0).shape == (2, 0)
    with pytest.raises(RuntimeError, match="x must be a one-dimensional tensor"):
        tt.vander(tt.tensor([[1.0]]))
    with pytest.raises(RuntimeError, match="N must be non-negative"):
        tt.vander(tt.tensor([1.0]), N=-1)


def test_vander_of_integers_and_bools_is_int64_for_every_n(check):
    for dtype in (tt.int32, tt.int8, tt.uint8, tt.bool):  # PyTorch 2.13: int64, N = 0 and 1 included
        for n in (0, 1, 3):
            assert tt.vander(tt.tensor([1, 0, 1]).to(dtype), N=n).dtype == tt.int64
    # PyTorch 2.13: the powers in int64, not wrapped in uint8
    check(tt.vander(tt.tensor([200, 3], dtype=tt.uint8), N=3), [[40000, 200, 1], [9, 3, 1]], tt.int64)
    check(tt.vander(tt.tensor([True, False]), N=3), [[1, 1, 1], [0, 0, 1]], tt.int64)


def test_block_diag(check):
    out = tt.block_diag(tt.tensor([[1, 2], [3, 4]]), tt.tensor(5), tt.tensor([6, 7]))
    check(out, [[1, 2, 0, 0, 0], [3, 4, 0, 0, 0], [0, 0, 5, 0, 0], [0, 0, 0, 6, 7]], tt.int64)
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 1))
    expected = np.zeros((5, 4))
    expected[:2, :3], expected[2:, 3:] = a, b
    check(tt.block_diag(tt.tensor(a), tt.tensor(b)), expected, tt.float64)
    assert tt.block_diag(tt.tensor([[1.0]]), tt.tensor([2])).dtype == tt.float32  # PyTorch's promotion
    assert tt.block_diag().shape == (1, 0)
    check(tt.block_diag(tt.tensor([1.0, 2.0]), tt.zeros(0, 2)), [[1.0, 2.0, 0.0, 0.0]])
    check(tt.block_diag(tt.zeros(0, 3), tt.tensor([[1.0]])), [[0.0, 0.0, 0.0, 1.0]])
    with pytest.raises(RuntimeError, match="2 or fewer dims"):
        tt.block_diag(tt.zeros(1, 1, 1))
    with pytest.raises(TypeError, match="block_diag"):
        tt.block_diag([[1.0]])


def test_cartesian_prod_and_combinations(check):
    a, b, c = tt.tensor([1, 2]), tt.tensor([3, 4, 5]), tt.tensor([6, 7])
    check(tt.cartesian_prod(a, b, c), list(itertools.product([1, 2], [3, 4, 5], [6, 7])), tt.int64)
    check(tt.cartesian_prod(a), [1, 2])
    for bad in ((tt.ones(2, 2),), (tt.tensor(1.0), tt.ones(2))):  # PyTorch 2.13: 1-D only, even alone
        with pytest.raises(RuntimeError, match=r"cartesian_prod: Expect a 1D vector, but got shape \("):
            tt.cartesian_prod(*bad)
    with pytest.raises(TypeError, match="cartesian_prod: expected Tensor as element 0"):
        tt.cartesian_prod([1, 2])
    with pytest.raises(RuntimeError, match="meshgrid expects a non-empty TensorList"):  # PyTorch 2.13's
        tt.cartesian_prod()
    x = tt.tensor([1.5, 2.5, 3.5, 4.5])
    for r in (1, 2, 3, 4):
        check(tt.combinations(x, r), list(itertools.combinations(x.tolist(), r)), tt.float32)
        with_replacement = list(itertools.combinations_with_replacement(x.tolist(), r))
        check(tt.combinations(x, r, with_replacement=True), with_replacement)
    assert tt.combinations(tt.tensor([1, 2, 3]), 4).shape == (0, 4)
    assert tt.combinations(tt.tensor([1, 2]), 0).shape == (0,)
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \(1, 2\)"):
        tt.combinations(tt.tensor([[1, 2]]))
    with pytest.raises(RuntimeError, match="non-negative"):
        tt.combinations(x, -1)
    for r in (2.0, 0.0, -1.0):  # PyTorch 2.13: "argument 'r' must be int, not float"
        with pytest.raises(TypeError, match="integer"):
            tt.combinations(x, r)
