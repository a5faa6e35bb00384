"""Module 02: gradients of element-wise functions, dtype casts, clone and contiguous.

Inputs are drawn from each function's domain (positive for log/sqrt) and
away from kinks (0 for abs and relu), where central differences are not a
derivative.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

SHAPES = [(), (5,), (2, 3)]

# name: (function, input range, points to stay away from)
UNARY = {
    "exp": (lambda x: x.exp(), (-1.0, 1.0), ()),
    "log": (lambda x: x.log(), (0.2, 2.0), ()),
    "sqrt": (lambda x: x.sqrt(), (0.2, 2.0), ()),
    "rsqrt": (lambda x: x.rsqrt(), (0.2, 2.0), ()),
    "reciprocal": (lambda x: x.reciprocal(), (-2.0, 2.0), (0.0,)),
    "abs": (lambda x: x.abs(), (-1.0, 1.0), (0.0,)),
    "sin": (lambda x: x.sin(), (-3.0, 3.0), ()),
    "cos": (lambda x: x.cos(), (-3.0, 3.0), ()),
    "tanh": (lambda x: x.tanh(), (-2.0, 2.0), ()),
    "sigmoid": (lambda x: x.sigmoid(), (-3.0, 3.0), ()),
    "relu": (lambda x: x.relu(), (-1.0, 1.0), (0.0,)),
    "square": (lambda x: x.square(), (-1.0, 1.0), ()),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape, leaf, check_grad):
    fn, (low, high), kinks = UNARY[name]
    check_grad(fn, leaf(shape, low=low, high=high, away_from=kinks))


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_functional_form(name, leaf, check_grad):
    """``tt_autograd.exp(x)`` records the same graph as ``x.exp()``."""
    _, (low, high), kinks = UNARY[name]
    check_grad(getattr(autograd, name), leaf((2, 3), low=low, high=high, away_from=kinks))


def test_unary_gradients_have_the_textbook_values():
    """Spot values, so a rule that is right only up to gradcheck's tolerance would still show."""
    x = autograd.tensor([0.0, 1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    for fn, expected in [
        (lambda t: t.exp(), np.exp([0.0, 1.0, 2.0])),
        (lambda t: t.tanh(), 1 - np.tanh([0.0, 1.0, 2.0]) ** 2),
        (
            lambda t: t.sigmoid(),
            [0.25, np.exp(-1) / (1 + np.exp(-1)) ** 2, np.exp(-2) / (1 + np.exp(-2)) ** 2],
        ),
        (lambda t: t.sin(), np.cos([0.0, 1.0, 2.0])),
        (lambda t: (t + 1).log(), [1.0, 0.5, 1 / 3]),
    ]:
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_relu_and_abs_at_zero_follow_pytorch():
    """At the kink PyTorch picks 0 for both: relu'(0) = 0 and abs'(0) = sign(0) = 0."""
    x = autograd.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])


def test_composite_expression(leaf, check_grad):
    def softplus_ish(x, w):
        return ((x @ w).sigmoid() * (x * x + 1).log()).tanh().exp()

    check_grad(softplus_ish, leaf((2, 3)), leaf((3, 3)))


@pytest.mark.parametrize("shape", SHAPES)
def test_clone_and_contiguous(shape, leaf, check_grad):
    check_grad(lambda x: x.clone() * 2 + x.contiguous(), leaf(shape))


def test_contiguous_copy_of_a_transposed_view(leaf, check_grad):
    x = leaf((2, 3))
    assert not x.T.is_contiguous()
    check_grad(lambda x: x.T.contiguous() * autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), x)


def test_clone_is_recorded_and_owns_its_storage():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.requires_grad and y.grad_fn is not None
    with autograd.no_grad():
        y += 1
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])


def test_double_float_round_trip_keeps_the_gradient_flowing():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)  # float32
    y = (x.double() * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).float()
    assert y.dtype == autograd.float32 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == autograd.float32, "a leaf's gradient must have the leaf's dtype"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 16.0, 54.0])


def test_float_then_double_of_a_float64_leaf(leaf):
    x = leaf((2, 3))
    (x.float().double() ** 2).sum().backward()
    assert x.grad.dtype == autograd.float64
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "convert", [lambda t: t.to(autograd.float32), lambda t: t.type_as(autograd.zeros(1)), lambda t: t.half()]
)
def test_other_float_conversions_are_recorded(convert):
    x = autograd.tensor([0.5, -1.5], dtype=autograd.float64, requires_grad=True)
    (convert(x) * 3).sum().backward()
    assert x.grad.dtype == autograd.float64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_conversion_to_an_integer_dtype_ends_the_graph():
    x = autograd.tensor([0.5, 1.5], requires_grad=True)
    n = x.long()
    assert n.dtype == autograd.int64 and not n.requires_grad and n.grad_fn is None


@pytest.mark.parametrize("name", ["log", "sin", "cos", "exp", "sqrt", "tanh", "sigmoid"])
def test_an_integer_tensor_gives_a_float32_result_as_in_pytorch(name):
    values = np.array([1, 2, 5])
    out = getattr(autograd.tensor(values), name)()
    assert out.dtype == autograd.float32
    reference = (lambda v: 1 / (1 + np.exp(-v))) if name == "sigmoid" else getattr(np, name)
    np.testing.assert_allclose(out.numpy(), reference(values.astype(np.float64)), rtol=1e-6)
