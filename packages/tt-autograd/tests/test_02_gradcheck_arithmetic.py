"""Module 02: gradients of broadcasting arithmetic, matmul, clamp, maximum/minimum and where.

Every case is checked by ``gradcheck`` (float64 central differences) on
random inputs. Broadcasting cases matter most: there the gradient of an input
that was stretched must be summed back to the input's shape (``unbroadcast``).
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import tt_autograd as autograd

# (shape of a, shape of b): equal shapes, a trailing vector, two stretched size-1
# dims, a 0-d operand, and a new leading dimension combined with a size-1 one.
BROADCAST_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 4)),
    ((), (2, 3)),
    ((2, 1, 3), (4, 1)),
]
BINARY_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
@pytest.mark.parametrize("name", list(BINARY_OPS))
def test_binary_op(name, shape_a, shape_b, leaf, check_grad):
    a = leaf(shape_a)
    b = leaf(shape_b, low=0.5, high=2.0)  # positive, so division stays away from 0
    check_grad(BINARY_OPS[name], a, b)


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES[:3])
def test_add_and_sub_with_alpha(shape_a, shape_b, leaf, check_grad):
    check_grad(lambda a, b: a.add(b, alpha=2.5) - b.sub(a, alpha=-0.5), leaf(shape_a), leaf(shape_b))


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
def test_binary_op_with_one_input_needing_grad(shape_a, shape_b, leaf, check_grad):
    """The input that needs no gradient gets none, and the other is still right."""
    a, b = leaf(shape_a), leaf(shape_b, low=0.5, high=2.0, requires_grad=False)
    check_grad(lambda a: (a * b) / b + b - a * a, a)
    assert b.grad is None


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_neg(shape, leaf, check_grad):
    check_grad(lambda a: -a, leaf(shape))
    check_grad(lambda a: a.neg(), leaf(shape))


@pytest.mark.parametrize("exponent", [2, 3, -1, 0.5, -1.5, 2.7])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_pow_tensor_to_scalar(exponent, shape, leaf, check_grad):
    check_grad(lambda a: a**exponent, leaf(shape, low=0.3, high=2.0))


@pytest.mark.parametrize("exponent", [2, 3])
def test_pow_of_negative_base_to_integer(exponent, leaf, check_grad):
    check_grad(lambda a: a.pow(exponent), leaf((2, 3), low=-2.0, high=-0.3))


@pytest.mark.parametrize("base", [2.0, 0.5, 3])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_pow_scalar_to_tensor(base, shape, leaf, check_grad):
    check_grad(lambda b: base**b, leaf(shape))


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
def test_pow_tensor_to_tensor(shape_a, shape_b, leaf, check_grad):
    check_grad(operator.pow, leaf(shape_a, low=0.5, high=2.0), leaf(shape_b))


def test_pow_with_zero_exponent_has_zero_gradient_even_at_zero():
    """d(x**0)/dx is 0 everywhere, including x = 0 (where b * x**(b-1) would give 0 * inf), as in PyTorch."""
    x = autograd.tensor([0.0, 2.0, -1.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    b = autograd.tensor([0.0, 1.0, 2.0], requires_grad=True)
    x = autograd.tensor([0.0, 0.0, 3.0], requires_grad=True)
    (x**b).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 6.0])


def test_pow_exponent_gradient_at_a_zero_or_negative_base():
    """d(a**b)/db = a**b * log(a): 0 at a = 0 (a**b is 0 there), NaN for a < 0 (no real log), as PyTorch."""
    base = autograd.tensor([0.0, -2.0, 3.0, 1.0, 0.0])
    b = autograd.tensor([2.0, 2.0, 2.0, 0.5, 0.0], requires_grad=True)  # last: 0 ** 0 = 1, its slope 0
    (base**b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, np.nan, 9.0 * np.log(3.0), 0.0, 0.0], rtol=1e-6)


def test_gradient_of_an_input_broadcast_against_an_empty_tensor():
    """A size-1 dim stretched to size 0 receives a gradient of zeros of its own shape, as in PyTorch."""
    a = autograd.tensor([1.5], requires_grad=True)
    (a + autograd.zeros(0)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0])
    m = autograd.tensor([[1.0], [2.0]], requires_grad=True)
    (m * autograd.ones(3, 2, 0)).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), [[0.0], [0.0]])


def test_size_one_dims_behind_a_new_leading_dim(leaf, check_grad):
    check_grad(lambda a, b: a * b, leaf((3, 1)), leaf((1, 3, 4)))
    check_grad(lambda a, b: a + b, leaf((3, 1, 1)), leaf((1, 3, 2, 4)))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: 2 - x,
        lambda x: 2 / x,
        lambda x: 3 + x,
        lambda x: 1.5 * x,
        lambda x: 2.0**x,
        lambda x: np.arange(1.0, 4.0) * x,
        lambda x: np.arange(1.0, 4.0) - x,
        lambda x: np.arange(1.0, 4.0) / x,
        lambda x: np.arange(1.0, 4.0) + x,
        lambda x: np.ones((2, 3)) @ x,
    ],
    ids=["2-x", "2/x", "3+x", "1.5*x", "2**x", "array*x", "array-x", "array/x", "array+x", "array@x"],
)
def test_reversed_ops(fn, leaf, check_grad):
    x = leaf((3,), low=0.5, high=2.0)
    result = fn(x)
    assert type(result) is autograd.Tensor, (
        f"reversed op gave a {type(result).__name__}, not a tt_autograd.Tensor"
    )
    assert result.requires_grad
    check_grad(fn, x)


MATMUL_SHAPES = [
    ((3,), (3,)),  # dot product: a 0-d result
    ((3,), (3, 4)),  # 1-D on the left: a row vector
    ((2, 3), (3,)),  # 1-D on the right: a column vector
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),  # (B, T, K) @ (K, M), as in a linear layer over a sequence
    ((3, 4), (2, 4, 2)),  # a matrix against a batch
    ((2, 3, 4), (4,)),  # batch @ vector
    ((4,), (2, 4, 3)),  # vector @ batch
    ((2, 1, 2, 3), (3, 3, 2)),  # batch dims (2, 1) and (3,) broadcast to (2, 3)
    ((1, 2, 3), (2, 3, 2)),
]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES)
def test_matmul(shape_a, shape_b, leaf, check_grad):
    check_grad(operator.matmul, leaf(shape_a), leaf(shape_b))


@pytest.mark.parametrize("shape_a, shape_b", [((2, 2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4))])
def test_matmul_with_only_one_side_needing_grad(shape_a, shape_b, leaf, check_grad):
    a, b = leaf(shape_a), leaf(shape_b)
    b_const = leaf(shape_b, requires_grad=False)
    a_const = leaf(shape_a, requires_grad=False)
    check_grad(lambda a: a @ b_const, a)
    check_grad(lambda b: a_const @ b, b)


def test_matmul_variants(leaf, check_grad):
    check_grad(lambda a, b: a.mm(b), leaf((2, 3)), leaf((3, 2)))
    check_grad(lambda a, b: a.bmm(b), leaf((2, 2, 3)), leaf((2, 3, 2)))
    check_grad(lambda a, b: a.dot(b), leaf((4,)), leaf((4,)))
    check_grad(lambda a, b: a.matmul(b), leaf((3,)), leaf((3, 2)))
    check_grad(lambda a, b: autograd.matmul(a, b), leaf((2, 3)), leaf((3,)))


# Samples are kept 0.1 away from the bounds: clamp has a kink there.
@pytest.mark.parametrize("bounds", [(-0.3, 0.4), (-0.3, None), (None, 0.4)], ids=["both", "min", "max"])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_clamp_scalar_bounds(bounds, shape, leaf, check_grad):
    low, high = bounds
    x = leaf(shape, away_from=(-0.3, 0.4))
    check_grad(lambda x: x.clamp(low, high), x)
    check_grad(lambda x: x.clamp(min=low, max=high) if low is not None else x.clip(max=high), x)


def test_clamp_scalar_bounds_gradient_is_one_inside_and_zero_outside():
    x = autograd.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    x.clamp(-1.0, 1.0).sum().backward()
    # on a bound itself the gradient passes, as in PyTorch
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])


def test_clamp_tensor_bounds(rng, check_grad):
    """Gradients reach ``x`` where it is inside, and each bound where it was chosen."""
    low = rng.uniform(-1.0, -0.2, size=(2, 6))
    high = rng.uniform(0.2, 1.0, size=(2, 6))
    # two of each: below the lower bound, inside, above the upper bound
    x = np.concatenate([low[:, :2] - 0.3, rng.uniform(-0.1, 0.1, (2, 2)), high[:, 4:] + 0.3], axis=1)
    tensors = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in (x, low, high)]
    check_grad(lambda x, low, high: x.clamp(low, high), *tensors)
    check_grad(lambda x, low: x.clamp(min=low), *tensors[:2])
    check_grad(lambda x, high: x.clamp(max=high), tensors[0], tensors[2])
    check_grad(lambda x, low: autograd.clamp(x, low[0]), *tensors[:2])  # a broadcast bound


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum(op, shape_a, shape_b, leaf, check_grad):
    check_grad(lambda a, b: getattr(a, op)(b), leaf(shape_a), leaf(shape_b))


def test_max_and_min_with_a_tensor_argument_are_maximum_and_minimum(leaf, check_grad):
    check_grad(lambda a, b: a.max(b) + a.min(b) * 2, leaf((2, 3)), leaf((3,)))


def test_maximum_splits_the_gradient_of_ties_evenly():
    a = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = autograd.tensor([3.0, 2.0, 1.0], requires_grad=True)
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    a.minimum(b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "shape_c, shape_x, shape_y", [((3,), (3,), (3,)), ((2, 3), (3,), (2, 1)), ((2, 1), (2, 3), ())]
)
def test_where(shape_c, shape_x, shape_y, rng, leaf, check_grad):
    condition = autograd.tensor(rng.uniform(size=shape_c) > 0.5)
    check_grad(lambda x, y: autograd.where(condition, x, y), leaf(shape_x), leaf(shape_y))
    check_grad(lambda x, y: x.where(condition, y), leaf(shape_x), leaf(shape_y))


def test_where_with_a_scalar_branch(leaf, check_grad):
    condition = autograd.tensor([[True, False, True], [False, False, True]])
    check_grad(lambda x: autograd.where(condition, x, 0.0), leaf((2, 3)))
    check_grad(lambda x: autograd.where(condition, -1.0, x), leaf((3,)))


def test_where_routes_the_gradient_by_the_condition():
    condition = autograd.tensor([True, False, True])
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = autograd.tensor([4.0, 5.0, 6.0], requires_grad=True)
    autograd.where(condition, x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 1.0, 0.0])


@pytest.mark.parametrize("shape_a, shape_b", BROADCAST_SHAPES)
def test_remainder(shape_a, shape_b, rng, check_grad):
    """``a % b`` is smooth between its jumps; inputs keep ``a / b`` at least 0.08 away from an integer.

    With ``b`` in (1.0, 1.2) and ``a`` in (-2.9, -2.5), (1.3, 1.9) or (2.5, 2.9), ``floor(a / b)`` is
    -3, 1 or 2 on the whole neighbourhood central differences probe, so ``b``'s gradient is not 0.
    """
    lows = rng.choice([-2.9, 1.3, 2.5], size=shape_a)
    a = autograd.tensor(
        lows + rng.uniform(0, 0.4, size=shape_a) * np.where(lows == 1.3, 1.5, 1), dtype=autograd.float64
    )
    b = autograd.tensor(rng.uniform(1.0, 1.2, size=shape_b), dtype=autograd.float64)
    a.requires_grad_(), b.requires_grad_()
    check_grad(operator.mod, a, b)
    check_grad(lambda x: 2.5 % x, b)
