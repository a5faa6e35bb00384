"""Module 02: ``gradcheck`` itself must catch wrong gradients and say where they are.

Every other gradient test trusts ``gradcheck``, so here it is given
functions whose backward is deliberately wrong, and must fail, naming the
input and the element.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import Function, GradcheckError, gradcheck


class SquareFunction(Function):
    """``a * a`` with a correct backward, except at one element when ``ctx.broken_at`` is set."""

    broken_at: tuple | None = None

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        result = 2 * a * grad
        if ctx.broken_at is not None:
            result = result.copy()
            result[ctx.broken_at] += 0.5
        return (result,)


class HalfSquareFunction(SquareFunction):
    broken_at = (1, 2)


class MissingFactorFunction(Function):
    """``a * b`` whose backward forgets ``a`` in ``b``'s gradient."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad


def square(x):
    return SquareFunction.apply(x)


def broken_square(x):
    return HalfSquareFunction.apply(x)


def broken_product(a, b):
    return MissingFactorFunction.apply(a, b)


def test_gradcheck_passes_a_correct_function(leaf):
    assert gradcheck(square, [leaf((2, 3))]) is True
    assert gradcheck(square, leaf((4,))) is True  # a single tensor instead of a list


def test_gradcheck_fails_on_a_wrong_gradient_naming_the_input_and_index(leaf):
    x = leaf((2, 3))
    with pytest.raises(GradcheckError) as error:
        gradcheck(broken_square, [x])
    message = str(error.value)
    assert "broken_square" in message
    assert "input 0" in message and "(2, 3)" in message
    assert "index (1, 2)" in message, message
    assert "1 of 6 elements" in message
    # both values are of the weighted loss sum(w * f(x)); the broken element is off by exactly 0.5
    given, numerical = re.search(r"autograd gave (\S+), central differences give (\S+) ", message).groups()
    assert float(given) - float(numerical) == pytest.approx(0.5, abs=1e-4), message


def test_gradcheck_names_the_second_input_when_only_its_gradient_is_wrong(leaf):
    with pytest.raises(GradcheckError, match="broken_product for input 1"):
        gradcheck(broken_product, [leaf((3,)), leaf((3,), low=1.5, high=2.0)])


def test_gradcheck_error_is_an_assertion_error(leaf):
    assert issubclass(GradcheckError, AssertionError)
    with pytest.raises(AssertionError):
        gradcheck(broken_square, [leaf((2, 3))])


def test_gradcheck_without_raising_returns_false(leaf):
    assert gradcheck(broken_square, [leaf((2, 3))], raise_exception=False) is False
    assert gradcheck(square, [leaf((2, 3))], raise_exception=False) is True


def test_gradcheck_catches_a_nan_gradient():
    class NanBackwardFunction(SquareFunction):
        @staticmethod
        def backward(ctx, grad):
            return (grad * np.nan,)

    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda t: NanBackwardFunction.apply(t), [x])


def test_gradcheck_catches_a_gradient_that_is_missing_altogether():
    class NoGradFunction(SquareFunction):
        @staticmethod
        def backward(ctx, grad):
            return (None,)

    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="autograd gave 0, central differences give -?[1-9]"):
        gradcheck(lambda t: NoGradFunction.apply(t) + 1, [x])


def test_gradcheck_is_not_fooled_by_errors_that_cancel_in_a_sum():
    """With a plain sum of outputs, a gradient that swaps two elements would pass; random weights catch it."""

    class SwappedFunction(SquareFunction):
        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return ((2 * a * grad)[::-1].copy(),)

    x = autograd.tensor([1.0, 3.0], dtype=autograd.float64, requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(
            lambda t: SwappedFunction.apply(t) * autograd.tensor([3.0, 1.0], dtype=autograd.float64), [x]
        )


def test_gradcheck_checks_tuple_outputs(leaf):
    def pieces(x):
        return square(x[0]), broken_square(x)[1]

    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(pieces, [leaf((2, 3))])


def test_gradcheck_refuses_float32_inputs():
    x = autograd.randn(3, requires_grad=True)  # float32
    with pytest.raises(ValueError) as error:
        gradcheck(square, [x])
    message = str(error.value)
    assert "float64" in message and "float32" in message and "input 0" in message


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(square, [autograd.tensor([1.0], dtype=autograd.float64)])


def test_gradcheck_leaves_inputs_unchanged(leaf):
    x = leaf((2, 3))
    before = x.detach().numpy().copy()
    gradcheck(square, [x])
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_gradcheck_ignores_inputs_that_do_not_require_grad(leaf):
    constant = leaf((3,), requires_grad=False).float()  # even float32 is fine when not checked
    assert gradcheck(lambda x, c: x * c.double(), [leaf((3,)), constant]) is True


def test_gradcheck_leaves_its_inputs_shapes_alone():
    scalar = autograd.tensor(1.5, dtype=autograd.float64, requires_grad=True)
    strided = autograd.tensor(np.arange(12.0).reshape(3, 4)[:, ::2], requires_grad=True)
    assert autograd.gradcheck(lambda a, b: a * b, [scalar, strided]) is True
    assert scalar.shape == () and strided.shape == (3, 2)
    np.testing.assert_array_equal(strided.detach().numpy(), [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]])
